"""``/retro [活动ID | 起止日期 | 上周]``: the retrospective card, its downloads, and saving it to the library.

The facts come from :func:`core.retro.build_retro` (plan vs actual, drivers, ROI by content and position,
shortfalls, the reusable execution template); the narrative (summary, drivers, improvements, next-time
advice) is the AI section ``RetroNarrative`` with a 12 s deadline, offline :mod:`core.narrators.retro`.
Downloads: the full report (xlsx and Markdown) and the execution template (Markdown and xlsx); the buttons
offer the report as xlsx and the template as Markdown.

The button ``retro_save`` (value: the campaign id or the range id ``R20261001-20261007``) calls
:func:`save_retro`, which upserts :func:`core.retro.retro_as_campaign` into the campaign table with its
search tokens and adds it to the process-wide index at once: the next ``/search`` finds it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from core.ai.sections import RetroNarrative
from core.cube import METRICS
from core.documents.execution_template import execution_template
from core.documents.labels import check_phrase, note_phrase
from core.documents.retro_report import retro_report
from core.narrators.planning_format import pct, ratio
from core.narrators.retro import narrate_retro, retro_roi
from core.narrators.retro_effect import EFFECT_TITLE, effect_text
from core.retro import (
    RetroDataError,
    RetroFacts,
    RetroParseError,
    build_retro,
    parse_retro_args,
    range_id,
    retro_as_campaign,
)
from core.retro.controls import campaign_counterfactual, slice_frames
from core.retro.counterfactual import CounterfactualLift, incremental_revenue, incremental_roi
from core.retro.models import RoiRank
from core.retro.scope import pre_period
from core.retro.targets import EXAMPLES
from handlers.card import Button, Card, CardField, CardSection, CardTable, Chart, ChartSeries
from handlers.context import HandlerContext
from handlers.data_import import campaign_tokens
from handlers.downloads import offer_download
from handlers.errors import NoDataError, UsageError
from handlers.library_index import synced_library_index
from storage.catalog_repo import upsert_campaigns
from storage.import_log import record_import

DRIVERS_PER_DIMENSION = 2
LIBRARY_COLUMNS_DROPPED = ("tokens", "updated_at")
_Pick = Callable[[str, str], str]  # HandlerContext.t
INSTRUCTIONS = (
    "You write the retrospective of a membership campaign (or of a period) for the operations team: a "
    "summary against the plan, what drove the result (with the shares given), what to improve and what to "
    "do next time. Use only the facts; do not compute new numbers."
)


def handle_retro(args: str, context: HandlerContext) -> Card:
    facts = retro_facts(args, context)
    result = context.narrate(
        "retro",
        facts,
        RetroNarrative,
        narrate_retro,
        INSTRUCTIONS,
        deadline_s=context.ai_retro_deadline_s,
    )
    card = retro_card(facts, result.value, context)
    card.add_note(result.notice)
    _attach_documents(card, facts, result.value, context)
    card.buttons.append(
        Button(
            action_id="retro_save",
            label=context.t("存入经验库", "Save to the library"),
            value=library_id(facts),
            style="primary",
        )
    )
    return card


def save_retro(target_text: str, context: HandlerContext) -> Card:
    """The ``retro_save`` action: add the retro (campaign or range) and its outcome to the library."""
    facts = retro_facts(target_text, context)
    record = retro_as_campaign(facts)
    frame = pd.DataFrame([record])
    tokens = campaign_tokens(frame)
    upsert_campaigns(context.engine, frame, tokens)
    record_import(context.engine, kind="retro", source=f"retro {record['campaign_id']}", rows=1)
    context.data.invalidate()
    index = synced_library_index(context.engine, context.data.campaigns())  # adds just the saved row
    t = context.t
    return Card(
        title=t(f"已存入经验库：{record['campaign_id']}", f"Saved to the library: {record['campaign_id']}"),
        sections=[
            CardSection(
                fields=[
                    CardField(label=t("名称", "Name"), value=str(record.get("name") or "—")),
                    CardField(label="ROI", value=ratio(_as_float(record.get("roi")))),
                    CardField(
                        label=t("边现提升", "边现 lift"), value=pct(_as_float(record.get("arpu_lift")))
                    ),
                    CardField(
                        label=t("收入提升", "Revenue lift"), value=pct(_as_float(record.get("revenue_lift")))
                    ),
                    CardField(label=t("经验库活动数", "Campaigns in the library"), value=f"{len(index):,}"),
                ]
            ),
            CardSection(
                text=t(
                    f"下次可用 /mo-search 找到它，例如：/mo-search {_search_hint(record)}",
                    f"/mo-search finds it from now on, e.g. /mo-search {_search_hint(record)}",
                )
            ),
        ],
        language=context.language,
    )


def retro_facts(args: str, context: HandlerContext) -> RetroFacts:
    """Parse the arguments and build the facts; bad arguments become a helpful :class:`UsageError`."""
    if context.data.last_day() is None:
        raise NoDataError()
    campaigns = context.data.campaigns().drop(columns=list(LIBRARY_COLUMNS_DROPPED), errors="ignore")
    try:
        target = parse_retro_args(args, campaigns, context.reference_day())
        before_start, _ = pre_period(target.start, target.end)
        cube = context.data.cube(start=before_start, end=target.end)  # the retro's days, not the year
        facts = build_retro(target, cube, campaigns, context.data.resources())
        facts.counterfactual = _counterfactual(facts, campaigns, context)
        return facts
    except RetroParseError as error:
        raise UsageError(error.zh, error.en, EXAMPLES) from error
    except RetroDataError as error:
        raise UsageError(
            f"这段时间没有可复盘的数据（{error}）。请换一个有数据的活动或日期范围。",
            f"There is no data to review for that ({error}). Pick a campaign or dates with data.",
            EXAMPLES,
        ) from error


def _counterfactual(
    facts: RetroFacts, campaigns: pd.DataFrame, context: HandlerContext
) -> CounterfactualLift | None:
    """A campaign's lift against its control slices (the other values of its target's dimension)."""
    if facts.target.kind != "campaign" or len(facts.scope) != 1 or not facts.target.campaign_id:
        return None
    ((dimension, value),) = facts.scope.items()
    reader = context.data.reader()
    end = facts.target.end
    frames = slice_frames(
        dimension,
        value,
        reader.dimension_values().get(dimension, []),
        facts.target.start,
        end,
        campaigns,
        lambda scope: reader.daily(scope, end),
        exclude=facts.target.campaign_id,
        breakdown=reader.breakdown,
        dimensions=reader.dimensions(),
    )
    return campaign_counterfactual(frames, facts.target.start, end)


def library_id(facts: RetroFacts) -> str:
    """The id the retro is saved under: the campaign's own id, or ``R<start>-<end>`` for a date range."""
    if facts.target.kind == "campaign" and facts.target.campaign_id:
        return facts.target.campaign_id
    return range_id(facts.target.start, facts.target.end)


# -- the card --------------------------------------------------------------------------------------------


def retro_card(facts: RetroFacts, narrative: RetroNarrative, context: HandlerContext) -> Card:
    t = context.t
    target = facts.target
    period = f"{target.start}~{target.end}"
    before = f"{facts.before_start}~{facts.before_end}"
    sections = [
        *counterfactual_sections(facts.counterfactual, t, facts.cost),
        CardSection(
            title=t("结果 vs 计划", "Results vs plan"), text=narrative.summary, fields=_plan_fields(facts, t)
        ),
        CardSection(title=t("驱动因素", "Drivers"), bullets=list(narrative.drivers)),
    ]
    if narrative.improvements:
        sections.append(CardSection(title=t("待改进", "To improve"), bullets=list(narrative.improvements)))
    if narrative.next_time:
        sections.append(CardSection(title=t("下次建议", "Next time"), bullets=list(narrative.next_time)))
    sections.append(_template_section(facts, context))
    return Card(
        title=t(f"复盘：{facts.title}", f"Retro: {facts.title}"),
        subtitle=t(f"{period}，对比 {before}", f"{period} against {before}"),
        sections=sections,
        tables=[t_ for t_ in (_drivers_table(facts, t), _roi_table(facts, t)) if t_ is not None],
        chart=_counterfactual_chart(facts, t) or _roi_chart(facts, t),
        context=_notes(facts, context),
        language=context.language,
    )


def counterfactual_sections(
    lift: CounterfactualLift | None, t: _Pick, cost: float | None = None
) -> list[CardSection]:
    """ "边现 +8.2%（80%：+5.1% ~ +11.0%），相对于无活动的反事实", the verdict and what it rests on
    (:mod:`core.narrators.retro_effect`), the other metrics, and the incremental revenue with its ROI on
    ``cost`` (the spend), each with its 80 % interval."""
    if lift is None:
        return []
    title = t(*EFFECT_TITLE)
    if "arpu" not in lift.metrics:
        return [CardSection(title=title, text=effect_text(lift, t))]
    fields = [
        CardField(
            label=t(METRICS[m].zh, METRICS[m].en),
            value=f"{pct(lift.metrics[m].lift)}（{pct(lift.metrics[m].lift_low)} ~ {pct(lift.metrics[m].lift_high)}）",
        )
        for m in ("revenue", "dau", "conversion")
        if m in lift.metrics
    ]
    fields += _incremental_fields(lift, cost, t)
    if lift.mde is not None:
        fields.append(CardField(label=t("最小可检测效果", "Minimum detectable effect"), value=pct(lift.mde)))
    return [CardSection(title=title, text=effect_text(lift, t), fields=fields)]


def _incremental_fields(lift: CounterfactualLift, cost: float | None, t: _Pick) -> list[CardField]:
    """增量收入 and ROI against the counterfactual, each with its 80 % interval."""
    extra = incremental_revenue(lift)
    if extra is None:
        return []
    fields = [
        CardField(
            label=t("增量收入", "Incremental revenue"),
            value=f"{_signed_money(extra['estimate'])} 元（{_signed_money(extra['low'])} ~ {_signed_money(extra['high'])}）",
        )
    ]
    roi = incremental_roi(lift, cost)
    if roi is not None:
        fields.append(
            CardField(
                label=t("ROI（增量收入 ÷ 花费）", "ROI (incremental revenue ÷ spend)"),
                value=f"{ratio(roi['estimate'])}（{ratio(roi['low'])} ~ {ratio(roi['high'])}）",
            )
        )
    return fields


def _plan_fields(facts: RetroFacts, t: _Pick) -> list[CardField]:
    plan = facts.plan
    fields = [
        CardField(
            label=t("边现提升（前后对比）", "边现 lift (before/after)"), value=pct(plan.measured_arpu_lift)
        ),
    ]
    if plan.target_arpu_lift is not None:
        met = {True: t("达成", "met"), False: t("未达成", "missed"), None: "—"}[plan.arpu_target_met]
        fields.append(
            CardField(
                label=t("边现目标", "边现 target"),
                value=f"{pct(plan.target_arpu_lift, signed=False)}（{met}）",
            )
        )
    fields.append(
        CardField(
            label=t("收入提升（前后对比）", "Revenue lift (before/after)"),
            value=pct(plan.measured_revenue_lift),
        )
    )
    for metric in ("dau", "conversion"):
        lift = facts.metric(metric).lift
        fields.append(
            CardField(label=t(f"{METRICS[metric].zh}变化", f"{METRICS[metric].en} change"), value=pct(lift))
        )
    if plan.recorded_roi is not None:
        fields.append(CardField(label=t("ROI（记录）", "ROI (recorded)"), value=ratio(plan.recorded_roi)))
    if plan.measured_roi is not None:
        fields.append(
            CardField(label=t("ROI（前后对比）", "ROI (before/after)"), value=ratio(plan.measured_roi))
        )
    if plan.budget_planned is not None:
        usage = f"（{pct(plan.budget_usage, signed=False)}）" if plan.budget_usage is not None else ""
        fields.append(
            CardField(
                label=t("预算 实际/计划", "Budget used / planned"),
                value=f"{_money(plan.budget_used)} / {_money(plan.budget_planned)} 元{usage}",
            )
        )
    elif plan.budget_used is not None or facts.cost is not None:
        spent = plan.budget_used if plan.budget_used is not None else facts.cost
        fields.append(CardField(label=t("归因花费", "Attributed cost"), value=f"{_money(spent)} 元"))
    return fields


def _drivers_table(facts: RetroFacts, t: _Pick) -> CardTable | None:
    rows = [
        [d.dimension, d.value, _money(d.revenue_before), _money(d.revenue_during), _signed_money(d.change),
         pct(d.share, signed=False)]
        for values in facts.drivers.values()
        if len(values) > 1
        for d in values[:DRIVERS_PER_DIMENSION]
    ]  # fmt: skip
    if not rows:
        return None
    return CardTable(
        title=t("收入变化的主要贡献", "Top contributors to the revenue change"),
        columns=[
            t("维度", "Dimension"),
            t("取值", "Value"),
            t("之前收入", "Revenue before"),
            t("期间收入", "Revenue during"),
            t("变化", "Change"),
            t("占比", "Share"),
        ],
        rows=rows,
    )


def _ranked(facts: RetroFacts) -> list[tuple[str, RoiRank]]:
    return [("content", r) for r in facts.roi_by_content] + [("position", r) for r in facts.roi_by_position]


def _roi_table(facts: RetroFacts, t: _Pick) -> CardTable | None:
    kinds = {"content": t("内容", "Content"), "position": t("资源位", "Position")}
    rows = [
        [
            kinds[kind],
            str(r.rank),
            r.value,
            _money(r.cost),
            _signed_money(r.revenue_change),
            ratio(r.roi),
        ]
        for kind, r in _ranked(facts)
    ]
    if not rows:
        return None
    return CardTable(
        title=t("ROI 排名（内容 / 资源位）", "ROI ranking (content / position)"),
        columns=[
            t("类别", "Kind"),
            t("排名", "Rank"),
            t("取值", "Value"),
            t("归因花费", "Attributed cost"),
            t("收入变化", "Revenue change"),
            "ROI",
        ],
        rows=rows,
    )


def _counterfactual_chart(facts: RetroFacts, t: _Pick) -> Chart | None:
    """The slice's daily 边现 over the pre-period and the campaign, and beside it over the campaign's days
    the counterfactual without the campaign — the gap between the two lines is the lift (the ROI ranking
    stays in its table)."""
    lift = facts.counterfactual
    if lift is None or not lift.daily:
        return None
    expected = {day: value for day, _, value in lift.daily}
    days = [p for p in facts.daily if p.arpu is not None]
    x = [p.date.isoformat() for p in days]
    return Chart(
        kind="trend",
        title=t("边现：实际 vs 无活动的反事实", "边现: actual vs the counterfactual without the campaign"),
        series=[
            ChartSeries(name=t("实际", "Actual"), x=x, y=[p.arpu for p in days]),
            ChartSeries(
                name=t("反事实（无活动）", "Counterfactual"), x=x, y=[expected.get(p.date) for p in days]
            ),
        ],
        y_label=t("边现（元）", "边现 (元)"),
    )


def _roi_chart(facts: RetroFacts, t: _Pick) -> Chart | None:
    """One bar chart: content types then positions on the x axis, one series for each kind."""
    content, positions = facts.roi_by_content, facts.roi_by_position
    if not content and not positions:
        return None
    labels = [r.value for r in content] + [r.value for r in positions]
    padding_after, padding_before = [None] * len(positions), [None] * len(content)
    series = []
    if content:
        series.append(
            ChartSeries(name=t("内容", "Content"), x=labels, y=[r.roi for r in content] + padding_after)
        )
    if positions:
        series.append(
            ChartSeries(name=t("资源位", "Position"), x=labels, y=padding_before + [r.roi for r in positions])
        )
    return Chart(kind="bar", title=t("ROI 排名", "ROI ranking"), series=series, y_label="ROI")


def _template_section(facts: RetroFacts, context: HandlerContext) -> CardSection:
    t = context.t
    template = facts.template
    mix = "+".join(f"{p.name}{p.share:.0%}" for p in template.content_mix) or "—"
    arpu_target = next((k for k in template.kpi_targets if k.metric == "arpu"), None)
    fields = [
        CardField(label=t("目标人群", "Segment"), value=template.segment or "—"),
        CardField(label=t("内容配比", "Content mix"), value=mix),
        CardField(label=t("资源位", "Positions"), value=" / ".join(template.positions) or "—"),
        CardField(label=t("优惠", "Discount"), value=template.discount or "—"),
        CardField(
            label=t("时长", "Duration"),
            value=t(f"{template.duration_days}天", f"{template.duration_days} days")
            if template.duration_days
            else "—",
        ),
        CardField(
            label=t("预算", "Budget"), value=f"{_money(template.budget)} 元" if template.budget else "—"
        ),
    ]
    if arpu_target is not None and arpu_target.target_lift is not None:
        fields.append(
            CardField(label=t("边现目标", "边现 target"), value=pct(arpu_target.target_lift, signed=False))
        )
    checks = [
        f"D{item.day}: {check_phrase(item.code, item.subject, context.language)}"
        for item in template.checklist
    ]
    return CardSection(
        title=t("可复用执行模板", "Reusable execution template"),
        fields=fields,
        bullets=checks,
    )


def _notes(facts: RetroFacts, context: HandlerContext) -> list[str]:
    notes = [note_phrase(code, context.language, **facts.note_values()) for code in facts.notes]
    if facts.scope:
        scope = "，".join(f"{k}={v}" for k, v in facts.scope.items())
        notes.append(context.t(f"统计范围：{scope}", f"Scope: {scope}"))
    if facts.overlapping_campaigns:
        ids = ", ".join(facts.overlapping_campaigns)
        notes.append(context.t(f"期间进行的活动：{ids}", f"Campaigns in the period: {ids}"))
    roi = retro_roi(facts)
    if roi is not None and facts.plan.recorded_roi is None:
        notes.append(
            context.t("ROI = 期间收入变化 ÷ 归因花费", "ROI = revenue change in the period ÷ attributed cost")
        )
    return notes


# -- downloads -------------------------------------------------------------------------------------------


def _attach_documents(
    card: Card, facts: RetroFacts, narrative: RetroNarrative, context: HandlerContext
) -> None:
    t = context.t
    words = {
        "summary": narrative.summary,
        "drivers": list(narrative.drivers),
        "improvements": list(narrative.improvements),
        "next_time": list(narrative.next_time),
    }
    language = context.language
    offers = [
        (
            retro_report(facts, words, language=language, fmt="xlsx"),
            t("下载复盘报告（Excel）", "Download report (Excel)"),
        ),
        (
            execution_template(facts.template, language=language, fmt="markdown"),
            t("下载执行模板", "Download template"),
        ),
        (retro_report(facts, words, language=language, fmt="markdown"), None),
        (execution_template(facts.template, language=language, fmt="xlsx"), None),
    ]
    for document, label in offers:
        offer_download(card, context.engine, document, button=label)


# -- formatting ------------------------------------------------------------------------------------------


def _search_hint(record: dict[str, object]) -> str:
    words = [str(record.get(k) or "").split("|")[0] for k in ("target_segment", "strategy_tag", "discount")]
    return " ".join(w for w in words if w) or str(record["campaign_id"])


def _as_float(value: object) -> float | None:
    """A library record's number (None for anything else: empty, NA, text)."""
    if isinstance(value, int | float) and not pd.isna(value):
        return float(value)
    return None


def _money(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _signed_money(value: float) -> str:
    return f"{value:+,.0f}" if abs(value) >= 100 else f"{value:+,.2f}"
