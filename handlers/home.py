"""The Slack App Home: the latest day's panel, the alerts of the last week with their state and buttons, the
data freshness and buttons for the common commands — platform-neutral, rendered by ``bot/render/slack_home``.

Every number is the scan's (``ScanResult.panel``: the digest's panel); an alert's state comes from its
series' lifecycle (acknowledged for the episode, snoozed until …, resolved on …, else open).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from core.detection import Alert
from handlers.alert_card import alert_buttons, alert_headline, panel_sections
from handlers.card import Button, CardSection
from handlers.context import HandlerContext
from storage.alerts_repo import recently_announced
from storage.tables import AlertSeriesState

ALERT_DAYS = 7  # alerts announced in the last week are listed
MAX_ALERTS = 10  # each takes three blocks; a home view holds 100
HOME_COMMAND_ACTION = "home_command"
# The home's command buttons: value → the command line it runs (a fixed id, never user text).
HOME_COMMANDS: dict[str, tuple[str, str, str]] = {
    "kpi_latest": ("/mo-kpi", "最新一天的看板", "The latest day's KPIs"),
    "why_latest": ("/mo-why", "边现为什么变了", "Why did 边现 move"),
    "platform_7d": ("/mo-query 各平台 边现", "近 7 天各平台边现", "边现 by platform, last 7 days"),
    "retro_latest": ("/mo-retro", "复盘最近的活动", "Review the latest campaign"),
    "help": ("/mo-help", "全部命令", "All commands"),
}


class HomeAlert(BaseModel):
    headline: str
    state: str  # open | acknowledged | snoozed | resolved
    state_text: str
    buttons: list[Button] = Field(default_factory=list)  # none once resolved


class HomeView(BaseModel):
    title: str
    panel: list[CardSection]
    alerts: list[HomeAlert]
    freshness: str
    commands: list[Button]
    updated: str
    language: str = "zh"


def build_home(context: HandlerContext, now: dt.datetime) -> HomeView:
    t = context.t
    latest = context.data.last_day()
    panel: list[CardSection] = []
    if latest is not None:
        from handlers.scan import scan_days  # the scan the digest ran, kept until the data changes

        panel = panel_sections(scan_days(context.data, context.calendar, day=latest), latest, context)
        since = latest - dt.timedelta(days=ALERT_DAYS - 1)
        alerts = [_alert(s, r.alert, context, now) for s, r in recently_announced(context.engine, since)]
    else:
        alerts = []
    return HomeView(
        title=t("会员运营智能助手", "MemberOps Copilot"),
        panel=panel,
        alerts=alerts[:MAX_ALERTS],
        freshness=_freshness(latest, context),
        commands=[
            Button(action_id=HOME_COMMAND_ACTION, label=t(zh, en), value=key)
            for key, (_, zh, en) in HOME_COMMANDS.items()
        ],
        updated=t(f"更新于 {now:%Y-%m-%d %H:%M} UTC", f"Updated {now:%Y-%m-%d %H:%M} UTC"),
        language=context.language,
    )


def _alert(series: AlertSeriesState, raw: dict, context: HandlerContext, now: dt.datetime) -> HomeAlert:
    t = context.t
    alert = Alert.model_validate(raw)
    if (
        series.resolved_day is not None
        and series.episode_start
        and series.resolved_day > series.episode_start
    ):
        state, text = "resolved", t(f"已恢复（{series.resolved_day}）", f"Resolved ({series.resolved_day})")
    elif series.snoozed_until is not None and series.snoozed_until > now:
        until = f"{series.snoozed_until:%m-%d %H:%M} UTC"
        state, text = "snoozed", t(f"已暂停提醒至 {until}", f"Snoozed until {until}")
    elif series.acked_episode is not None and series.acked_episode == series.episode_start:
        who = series.acked_by or "—"
        state, text = "acknowledged", t(f"已确认 · {who}", f"Acknowledged · {who}")
    else:
        state, text = "open", t("待处理", "Open")
    buttons = [] if state == "resolved" else alert_buttons(alert, context, named=False)
    return HomeAlert(
        headline=f"{alert.date} {alert_headline(alert, context)}",
        state=state,
        state_text=text,
        buttons=buttons,
    )


def _freshness(latest: dt.date | None, context: HandlerContext) -> str:
    t = context.t
    if latest is None:
        return t(
            "还没有数据：先运行 memberops init --demo 或导入指标",
            "No data yet: load the demo or import metrics",
        )
    expected = context.reference_day() - dt.timedelta(days=1)
    if latest >= expected:
        return t(f"数据截至 {latest}（最新）", f"Data up to {latest} (current)")
    late = (expected - latest).days
    return t(
        f"数据截至 {latest}，晚了 {late} 天（应到 {expected}）",
        f"Data up to {latest}: {late} day(s) late (expected {expected})",
    )
