"""Stable identities of alerts: the *key* of one alert and the *fingerprint* of its series.

* fingerprint = ``metric|scope`` — the series an alert belongs to (Alertmanager's label fingerprint);
  lifecycle state (episode, acknowledgement, snooze, sensitivity) is kept per fingerprint.
* key = ``YYYY-MM-DD|metric|scope`` — one alert, the value of its card buttons.

``scope`` is ``*`` for the total, else ``dim=value`` pairs sorted by dimension and joined by ``&``, so the
same slice always gives the same key whatever order the scan listed its dimensions in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from core.detection import Alert

TOTAL_SCOPE = "*"
SNOOZE_SUFFIX = re.compile(r"@(\d{1,3})([hd])$")


def scope_text(scope: Mapping[str, str]) -> str:
    return "&".join(f"{name}={scope[name]}" for name in sorted(scope)) or TOTAL_SCOPE


def fingerprint(metric: str, scope: Mapping[str, str]) -> str:
    return f"{metric}|{scope_text(scope)}"


def alert_fingerprint(alert: Alert) -> str:
    return fingerprint(alert.metric, alert.scope)


def alert_key(alert: Alert) -> str:
    """The button value of an alert (the digest card puts it on acknowledge / snooze / … buttons)."""
    return f"{alert.date.isoformat()}|{alert_fingerprint(alert)}"


def split_key(key: str) -> tuple[dt.date, str]:
    """``(day, fingerprint)`` of an alert key; ``ValueError`` when it is not one."""
    day, _, rest = key.partition("|")
    if not rest or "|" not in rest:
        raise ValueError(f"not an alert key: {key!r}")
    return dt.date.fromisoformat(day), rest


def split_snooze_value(value: str, default: dt.timedelta) -> tuple[str, dt.timedelta]:
    """A snooze button's value: ``<key>`` (default duration) or ``<key>@<n>h`` / ``<key>@<n>d``."""
    match = SNOOZE_SUFFIX.search(value)
    if match is None:
        return value, default
    amount, unit = int(match.group(1)), match.group(2)
    duration = dt.timedelta(hours=amount) if unit == "h" else dt.timedelta(days=amount)
    return value[: match.start()], duration
