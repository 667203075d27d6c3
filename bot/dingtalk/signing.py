"""DingTalk's robot signature, both directions.

The documented scheme is the same for outbound (custom robot "加签") and inbound (enterprise robot
callback): ``sign = base64(HMAC-SHA256(key=secret, msg=f"{timestamp_ms}\\n{secret}"))``. Outbound it is
URL-encoded and appended to the webhook as ``&timestamp=…&sign=…`` (DingTalk accepts it for one hour);
inbound it arrives in the ``timestamp`` and ``sign`` headers.

Note the signature covers only the timestamp, not the body: a captured pair stays valid for the whole hour,
which is why the callback also refuses exact replays (``storage.replay_guard``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus

MAX_AGE_MS = 3600 * 1000  # DingTalk's own validity window
MAX_FUTURE_SKEW_MS = 60 * 1000  # clocks disagree a little; more than a minute ahead is refused


def robot_sign(secret: str, timestamp_ms: int) -> str:
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_webhook_url(webhook_url: str, secret: str, timestamp_ms: int) -> str:
    separator = "&" if "?" in webhook_url else "?"
    sign = quote_plus(robot_sign(secret, timestamp_ms))
    return f"{webhook_url}{separator}timestamp={timestamp_ms}&sign={sign}"


def verify_callback(app_secret: str, timestamp: str | None, sign: str | None, now_ms: int) -> bool:
    """True for a genuine, fresh (≤ 1 hour old, not in the future) callback signature."""
    if not timestamp or not sign or not timestamp.isdigit():
        return False
    sent_ms = int(timestamp)
    if now_ms - sent_ms > MAX_AGE_MS or sent_ms - now_ms > MAX_FUTURE_SKEW_MS:
        return False
    return hmac.compare_digest(robot_sign(app_secret, sent_ms).encode(), sign.encode())
