"""The execution template: a plan's fields, its KPI targets and a D1/D3/D5/D7 milestone checklist.

Milestones are the same for every plan, so a team gets a familiar routine:

* D1 – launch: tracking and baseline, every position live, the discount redeemable, the content on shelf;
* D3 – early read: DAU and conversion against target, budget pace;
* D5 – mid-course: 边现 and revenue against target, shift budget to the better positions;
* D7 – review: every KPI against its target, ROI, then ``/retro``.

Each day also lists the KPIs to watch with their target values (the budget as a burn ceiling pro rata
``budget × day / duration``) and blank owner / status columns to fill in. Extra
:class:`~core.documents.models.ChecklistItem` s (e.g. lessons of a retro) are added on their day.
"""

from __future__ import annotations

from core.documents.filenames import Format
from core.documents.labels import check_phrase, metric_kind, metric_label, pick
from core.documents.layout import Cell, Column, Layout, Num, Part, Table, num
from core.documents.models import Document, ExecutionTemplateInput
from core.documents.parts import field_value_table
from core.documents.render import render_document
from core.importing import content_mix_text

MILESTONE_DAYS: tuple[int, ...] = (1, 3, 5, 7)
STANDARD_CHECKS: dict[int, tuple[str, ...]] = {
    1: ("tracking_ready",),
    3: ("early_read", "budget_pace"),
    5: ("mid_course", "reallocate"),
    7: ("final_review", "save_retro"),
}
KPIS_BY_DAY: dict[int, tuple[str, ...]] = {
    1: ("dau",),
    3: ("dau", "conversion"),
    5: ("arpu", "revenue"),
    7: ("arpu", "revenue", "dau", "conversion", "roi"),
}
DEFAULT_DURATION = 7


def execution_template(
    template: ExecutionTemplateInput, *, language: str = "zh", fmt: Format = "markdown"
) -> Document:
    """Render the execution template as Markdown or .xlsx (sheets: overview, KPI targets, milestones)."""
    layout = Layout(title=_title(template, language), parts=execution_template_parts(template, language))
    subject = [template.segment] if template.segment else []
    return render_document(
        layout,
        fmt=fmt,
        language=language,
        kind=("执行模板", "execution-template"),
        subjects=(subject, [template.based_on or "", *subject]),
        when=template.prepared_on,
    )


def execution_template_parts(template: ExecutionTemplateInput, language: str) -> list[Part]:
    """The template's parts, reused when a template is appended to a retro report or a reuse document."""
    return [_overview(template, language), _kpi_part(template, language), _milestones(template, language)]


def _title(template: ExecutionTemplateInput, language: str) -> str:
    base = pick(language, "执行模板", "Execution template")
    if not template.title:
        return base
    return f"{base}：{template.title}" if language == "zh" else f"{base}: {template.title}"


def _duration(template: ExecutionTemplateInput) -> int | None:
    """The plan's length: as given, else the days of its first time window."""
    return template.duration_days or (template.time_windows[0].days if template.time_windows else None)


def _overview(template: ExecutionTemplateInput, language: str) -> Part:
    windows = "；".join(f"{w.start.isoformat()}~{w.end.isoformat()}" for w in template.time_windows)
    duration = _duration(template)
    rows: list[list[Cell]] = [
        [pick(language, "目标人群", "Target segment"), template.segment or ""],
        [
            pick(language, "内容配比", "Content mix"),
            content_mix_text({part.name: part.share for part in template.content_mix}),
        ],
        [pick(language, "资源位", "Resource positions"), " | ".join(template.positions)],
        [pick(language, "优惠", "Discount"), template.discount or ""],
        [pick(language, "时间窗口", "Time windows"), windows],
        [pick(language, "持续天数", "Duration (days)"), num(duration, "int")],
        [pick(language, "预算（元）", "Budget (元)"), num(template.budget or None, "money")],
        [pick(language, "参考来源", "Based on"), template.based_on or ""],
    ]
    return Part(
        heading=pick(language, "方案概览", "Plan overview"),
        sheet=pick(language, "方案概览", "Overview"),
        table=field_value_table(rows, language),
    )


def _kpi_part(template: ExecutionTemplateInput, language: str) -> Part:
    rows = [
        [
            metric_label(k.metric, language),
            num(k.baseline, metric_kind(k.metric)),
            k.target_lift,
            num(k.target_value, metric_kind(k.metric)),
        ]
        for k in template.kpi_targets
    ]
    return Part(
        heading=pick(language, "KPI目标", "KPI targets"),
        sheet=pick(language, "KPI目标", "KPI targets"),
        table=Table(
            columns=[
                Column(label=pick(language, "指标", "KPI")),
                Column(label=pick(language, "基线（日均）", "Baseline (daily)"), kind="number"),
                Column(label=pick(language, "目标提升", "Target lift"), kind="percent"),
                Column(label=pick(language, "目标值", "Target value"), kind="number"),
            ],
            rows=rows,
        ),
    )


def _milestones(template: ExecutionTemplateInput, language: str) -> Part:
    duration = _duration(template) or DEFAULT_DURATION
    targets = {k.metric: k for k in template.kpi_targets}
    rows: list[list[Cell]] = []
    for day in MILESTONE_DAYS:
        label = f"D{day}"
        for check in _checks_of_day(template, day, language):
            rows.append([label, check, "", None, "", ""])
        for metric in KPIS_BY_DAY[day]:
            if metric in targets and targets[metric].target_value is not None:
                kpi = targets[metric]
                rows.append(
                    [
                        label,
                        pick(language, "观察指标", "Watch KPI"),
                        metric_label(metric, language),
                        num(kpi.target_value, metric_kind(metric)),
                        "",
                        "",
                    ]
                )
        if template.budget:
            ceiling = template.budget * min(1.0, day / duration)
            rows.append(
                [
                    label,
                    pick(language, "预算消耗上限", "Budget burn ceiling"),
                    metric_label("budget", language),
                    Num(value=ceiling, kind="money"),
                    "",
                    "",
                ]
            )
    return Part(
        heading=pick(language, "里程碑检查（D1/D3/D5/D7）", "Milestone checks (D1/D3/D5/D7)"),
        sheet=pick(language, "里程碑", "Milestones"),
        table=Table(
            columns=[
                Column(label=pick(language, "节点", "Day")),
                Column(label=pick(language, "检查事项", "Check")),
                Column(label=pick(language, "关注KPI", "KPI")),
                Column(label=pick(language, "目标值", "Target"), kind="number"),
                Column(label=pick(language, "负责人", "Owner")),
                Column(label=pick(language, "状态", "Status")),
            ],
            rows=rows,
        ),
    )


def _checks_of_day(template: ExecutionTemplateInput, day: int, language: str) -> list[str]:
    checks = [check_phrase(code, "", language) for code in STANDARD_CHECKS[day]]
    if day == 1:
        checks += [check_phrase("position_live", p, language) for p in template.positions]
        if template.discount:
            checks.append(check_phrase("discount_configured", template.discount, language))
        checks += [check_phrase("content_on_shelf", part.name, language) for part in template.content_mix]
    for item in template.checklist:
        if _nearest_milestone(item.day) == day:
            checks.append(check_phrase(item.code, item.subject, language))
    return checks


def _nearest_milestone(day: int) -> int:
    """Extra items on other days go to the latest milestone on or before them (D1 at least)."""
    return max([d for d in MILESTONE_DAYS if d <= day] or [MILESTONE_DAYS[0]])
