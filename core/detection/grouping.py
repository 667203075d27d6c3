"""Group alerts that are one incident seen through several slices and metrics.

One broken slice moves many series at once: a 边现 drop in ``segment=动漫偏好活跃 ∧ resource_position=首页位1``
shows up as alerts on ``segment=动漫偏好活跃`` (cause: 首页位1), on ``resource_position=首页位1`` (cause: the
segment), on ``content_type=动漫`` (cause: segment ∧ position), and again on revenue. Announcing each would
bury the one fact the team needs, so — as Alertmanager groups notifications by their labels — alerts of a
day are grouped by their **effective cause**: the alert's scope joined with its main root-cause slice (when
that slice explains at least half of the move). An alert whose effective cause contains another's (the
same slice, or a finer one inside it) joins that alert's group. The group is announced once, by its most
important member (the most general cause first, then a driver of the metric tree before what it moves —
边现, DAU, conversion before revenue and members — then a total before a slice, then severity and |z|);
the others are attached to it as folded findings, so nothing is lost. A broad move of the total without a
localised cause takes the metrics it drives on the total (a DAU drop: revenue and members under it).
"""

from __future__ import annotations

from core.detection.metric_tree import PRODUCTS
from core.detection.models import SEVERITY_RANK, Alert, FoldedSlice

# The metric tree: revenue = DAU × 边现, members = DAU × conversion. The drivers (边现, DAU, conversion) lead
# an incident before the metrics they move, so a DAU-led drop is announced as DAU with revenue under it.
METRIC_PRIORITY = {"arpu": 0, "dau": 1, "conversion": 2, "revenue": 3, "new_members": 4, "renew_members": 5}
MAIN_CAUSE_SHARE = 0.5


def effective_cause(alert: Alert) -> dict[str, str]:
    """Where the move sits: the alert's scope joined with its main root-cause slice, when that slice carries
    at least half of the move. (Whether that slice is *called* a cause is its significance's business –
    ``RootCause.significant``, shown on the card; grouping follows where the move is.)"""
    cause = dict(alert.scope)
    if alert.root_causes and alert.root_causes[0].share >= MAIN_CAUSE_SHARE:
        cause.update(alert.root_causes[0].slice)
    return cause


def contains(general: dict[str, str], specific: dict[str, str]) -> bool:
    """``specific`` lies inside ``general``: it fixes every dimension ``general`` fixes, to the same value."""
    return all(specific.get(k) == v for k, v in general.items())


def _rank(alert: Alert) -> tuple[int, int, int, int, float]:
    return (
        len(effective_cause(alert)),
        METRIC_PRIORITY.get(alert.metric, 9),
        1 if alert.scope else 0,
        -SEVERITY_RANK[alert.severity],
        -abs(alert.z),
    )


def _as_folded(alert: Alert) -> FoldedSlice:
    return FoldedSlice(
        scope=dict(alert.scope),
        value=alert.value,
        expected=alert.expected,
        z=alert.z,
        pct_change=alert.pct_change,
        metric=alert.metric,
    )


def _joins(leader: Alert, alert: Alert) -> bool:
    """Does ``alert`` belong to ``leader``'s incident?

    A leader without a localised cause (a broad move of the scope) only takes the same metric, or a metric
    it drives in the metric tree (revenue and members under DAU, revenue under 边现, members under
    conversion), of the same scope without a cause either, moving the same way; otherwise an unrelated
    incident on the same day would disappear into it.
    """
    if leader.date != alert.date:
        return False
    cause = effective_cause(leader)
    if not cause:
        if alert.direction != leader.direction:
            return False
        return alert.metric == leader.metric or (
            not effective_cause(alert) and _drives(leader.metric, alert.metric)
        )
    return contains(cause, effective_cause(alert))


def _drives(driver: str, metric: str) -> bool:
    """``metric`` is a product of ``driver`` and another driver (see ``metric_tree.PRODUCTS``)."""
    return driver in PRODUCTS.get(metric, ())


def _on_metric(folded: FoldedSlice, metric: str, leader_metric: str) -> FoldedSlice:
    """A finding folded under ``metric``, kept with its metric when it joins a leader of another one."""
    if folded.metric or metric == leader_metric:
        return folded
    return folded.model_copy(update={"metric": metric})


def group_by_cause(alerts: list[Alert]) -> list[Alert]:
    """Return one alert per incident (per date), the others folded into it; a total leads its slices."""
    leaders: list[Alert] = []
    for alert in sorted(alerts, key=_rank):
        leader = next((lead for lead in leaders if _joins(lead, alert)), None)
        if leader is None:
            leaders.append(alert)
            continue
        leader.folded.append(_as_folded(alert))
        leader.folded.extend(_on_metric(f, alert.metric, leader.metric) for f in alert.folded)
        if SEVERITY_RANK[alert.severity] > SEVERITY_RANK[leader.severity] and alert.metric == leader.metric:
            leader.severity = alert.severity
    return leaders
