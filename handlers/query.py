"""``/query`` (also 查询, 排行): a metric broken down by a dimension over a period, ranked or compared.

``/mo-query 上个月 哪个资源位 ROI 最高`` · ``/mo-query 本周 各平台 边现`` · ``/mo-query 11月 收入最高的人群`` —
and the same words typed as a plain question (the router in :mod:`handlers.questions`). The sums come from
the cube source (``CubeReader.breakdown``: the grouped series for the whole cube, one GROUP BY inside a
slice); ROI per resource position or content type comes from the campaigns' spend attributed as in the
date-range retro (:func:`handlers.retro.retro_facts`), so the two never disagree.
"""

from __future__ import annotations

import pandas as pd

from core.cube import DATE, MEASURES, METRICS
from core.narrators.planning_format import metric_value, money, pct, ratio
from core.query.breakdown import SHOWN, Breakdown, breakdown
from core.query.question import ROI, Question, QuestionError, parse_question
from core.query.vocabulary import dimension_label
from core.retro.models import RoiRank
from handlers.card import Card, CardSection, CardTable, Chart, ChartSeries
from handlers.context import HandlerContext
from handlers.errors import NoDataError, UsageError
from handlers.why_parts import scope_text

EXAMPLES = "/mo-query 本周 各平台 边现 · /mo-query 上个月 哪个资源位 ROI 最高 · /mo-query 11月 收入最高的人群"
MAX_ROWS = 20  # rows shown in the card (the chart shows up to MAX_BARS)
MAX_BARS = 12


def handle_query(args: str, context: HandlerContext) -> Card:
    return answer_question(question_of(args, context), context)


def question_of(text: str, context: HandlerContext) -> Question:
    """The question in ``text``; a :class:`UsageError` saying which part was not understood otherwise."""
    reader = context.data.reader()
    first, latest = reader.span()
    if first is None or latest is None:
        raise NoDataError()
    try:
        return parse_question(
            text, dimension_values=reader.dimension_values(), first_day=first, latest_day=latest,
            reference_day=context.reference_day(), aliases=context.question_aliases,
        )  # fmt: skip
    except QuestionError as error:
        raise UsageError(error.zh, error.en, EXAMPLES) from error


def answer_question(question: Question, context: HandlerContext) -> Card:
    if question.metric == ROI:
        return _roi_card(question, context)
    metric = question.metric or "dau"
    result = breakdown(
        _sums(question, context),
        metric=metric, by=question.by, start=question.period.start, end=question.period.end,
        scope=question.scope, order=question.order,
    )  # fmt: skip
    return _card(question, result, context)


def _sums(question: Question, context: HandlerContext) -> pd.DataFrame:
    reader = context.data.reader()
    start, end = question.period.start, question.period.end
    if question.by is not None:
        return reader.breakdown(question.by, question.scope, start, end)
    daily = reader.daily(question.scope, end)
    daily = daily[daily.index >= pd.Timestamp(start)].dropna(how="all")
    return daily.rename_axis(DATE).reset_index().assign(value="")[[DATE, "value", *MEASURES]]


def _dim(name: str | None, context: HandlerContext) -> str:
    return dimension_label(name, context.language) if name else ""


# -- the cube metrics' card ------------------------------------------------------------------------------------


def _title(question: Question, metric_label: str, context: HandlerContext) -> str:
    period = question.period
    days = f"{period.start}" if period.days == 1 else f"{period.start}~{period.end}"
    by = f" · {context.t('按', 'by ')}{_dim(question.by, context)}" if question.by else ""
    where = f" · {scope_text(question.scope, context)}" if question.scope else ""
    return f"{metric_label}{by}{where} · {context.t(period.label_zh, period.label_en)}（{days}）"


def _card(question: Question, result: Breakdown, context: HandlerContext) -> Card:
    t = context.t
    label = METRICS[result.metric].label(context.language)
    card = Card(title=_title(question, label, context), language=context.language)
    if question.by is None:
        card.sections.append(CardSection(text=_total_line(question, result, context)))
        card.chart = _total_chart(result, label, context)
    elif not result.rows:
        card.sections.append(
            CardSection(text=t("这段时间在这个范围内没有数据。", "No data in that scope and period."))
        )
    else:
        if question.ranked:
            card.sections.append(CardSection(text=_leader_line(question, result, label, context)))
        card.tables.append(_table(question, result, label, context))
        card.chart = _bar_chart(question, result, label, context)
    card.context.append(
        t(
            f"数据截至 {question.period.end}；数字直接来自数据源按 {question.by or '日期'} 的汇总，比率由汇总后的分子分母计算",
            f"Data up to {question.period.end}; sums from the data source by {question.by or 'day'}, ratios "
            "from the summed numerators and denominators",
        )
    )
    return card


def _total_line(question: Question, result: Breakdown, context: HandlerContext) -> str:
    value = metric_value(result.metric, result.total.metrics.get(result.metric))
    days = sum(1 for v in result.lines[0].values if v is not None) if result.lines else 0
    return context.t(
        f"{scope_text(question.scope, context)} {METRICS[result.metric].zh}：{value}（{days} 天合计）",
        f"{scope_text(question.scope, context)} {METRICS[result.metric].en}: {value} ({days} days)",
    )


def _shown(question: Question, result: Breakdown) -> list:
    rows = result.rows[: question.top] if question.top else result.rows
    return rows[:MAX_ROWS]


def _leader_line(question: Question, result: Breakdown, label: str, context: HandlerContext) -> str:
    first = result.rows[0]
    value = metric_value(result.metric, first.metrics.get(result.metric))
    extra = (
        context.t(f"，比整体 {pct(first.vs_total)}", f", {pct(first.vs_total)} vs the total")
        if first.vs_total is not None
        else context.t(
            f"，占 {pct(first.share, signed=False)}", f", {pct(first.share, signed=False)} of the total"
        )
    )
    high = question.order == "desc"
    return context.t(
        f"{question.period.label_zh}{label}{'最高' if high else '最低'}的{_dim(question.by, context)}：{first.value}（{value}{extra}）",
        f"{'Highest' if high else 'Lowest'} {label} by {question.by}, {question.period.label_en}: {first.value} "
        f"({value}{extra})",
    )


def _table(question: Question, result: Breakdown, label: str, context: HandlerContext) -> CardTable:
    t = context.t
    ratio_metric = METRICS[result.metric].is_ratio
    others = [m for m in SHOWN if m != result.metric]
    columns = [
        _dim(question.by, context), label, t("比整体", "vs total") if ratio_metric else t("占比", "Share"),
        *(METRICS[m].label(context.language) for m in others),
    ]  # fmt: skip
    rows = [
        [
            r.value,
            metric_value(result.metric, r.metrics.get(result.metric)),
            pct(r.vs_total) if ratio_metric else pct(r.share, signed=False),
            *(metric_value(m, r.metrics.get(m)) for m in others),
        ]
        for r in _shown(question, result)
    ]
    total = result.total
    rows.append(
        [
            t("整体", "Total"),
            metric_value(result.metric, total.metrics.get(result.metric)),
            "—" if ratio_metric else "100.0%",
        ]
        + [metric_value(m, total.metrics.get(m)) for m in others]
    )
    hidden = len(result.rows) - len(rows) + 1
    title = t(
        f"按{label}{'从高到低' if question.order == 'desc' else '从低到高'}", f"By {label}, {question.order}"
    )
    if hidden > 0:
        title += t(f"（另有 {hidden} 个取值未列出）", f" ({hidden} more not shown)")
    return CardTable(title=title, columns=columns, rows=rows)


def _bar_chart(question: Question, result: Breakdown, label: str, context: HandlerContext) -> Chart:
    rows = _shown(question, result)[:MAX_BARS]
    return Chart(
        kind="bar",
        title=f"{label} · {_dim(question.by, context)} · {context.t(question.period.label_zh, question.period.label_en)}",
        series=[
            ChartSeries(name=label, x=[r.value for r in rows], y=[r.metrics.get(result.metric) for r in rows])
        ],
    )


def _total_chart(result: Breakdown, label: str, context: HandlerContext) -> Chart | None:
    line = result.lines[0] if result.lines else None
    if line is None or len(line.dates) < 2:
        return None
    return Chart(
        kind="trend",
        title=context.t(f"{label} 每日", f"{label} per day"),
        series=[ChartSeries(name=label, x=[d.isoformat() for d in line.dates], y=line.values)],
    )


# -- ROI per resource position / content type -------------------------------------------------------------


def _roi_card(question: Question, context: HandlerContext) -> Card:
    from handlers.retro import retro_facts  # the retro's attribution, imported only for ROI questions

    t = context.t
    if question.scope:
        raise UsageError(
            "ROI 按整体的活动花费计算，不能再限定维度取值；去掉取值再问，例如：上个月哪个资源位ROI最高",
            "ROI is computed over all campaigns' spend and cannot be limited to a slice; ask without the value, "
            "e.g. which position had the highest ROI last month",
            EXAMPLES,
        )
    period = question.period
    facts = retro_facts(f"{period.start}~{period.end}", context)
    by_dimension = {r.dimension: facts.roi_by_position for r in facts.roi_by_position[:1]}
    by_dimension |= {r.dimension: facts.roi_by_content for r in facts.roi_by_content[:1]}
    dimension = question.by or next(iter(by_dimension), None)
    word = _dim(dimension, context)
    if dimension is not None and question.by is not None and dimension not in by_dimension:
        raise UsageError(
            f"ROI 只能按资源位或内容类型看（来自活动花费），不能按 {dimension}",
            f"ROI is known per resource position or content type (from the campaigns' spend), not per {dimension}",
            EXAMPLES,
        )
    ranks: list[RoiRank] = list(by_dimension.get(dimension, [])) if dimension else []
    card = Card(title=_title(question, "ROI", context), language=context.language)
    if not ranks:
        card.sections.append(
            CardSection(
                text=t(
                    f"{period.label_zh}没有带花费的活动投放在资源位或内容上，算不出 ROI。",
                    f"No campaign with spend on positions or content in {period.label_en}: no ROI to show.",
                )
            )
        )
        return card
    ranks.sort(key=lambda r: -r.roi if question.order == "desc" else r.roi)
    if question.ranked:
        first = ranks[0]
        card.sections.append(
            CardSection(
                text=t(
                    f"{period.label_zh} ROI {'最高' if question.order == 'desc' else '最低'}的{word}：{first.value}"
                    f"（ROI {ratio(first.roi)}：收入变化 {money(first.revenue_change)} ÷ 花费 {money(first.cost)}）",
                    f"{'Highest' if question.order == 'desc' else 'Lowest'} ROI by {dimension}, {period.label_en}: "
                    f"{first.value} (ROI {ratio(first.roi)}: revenue change {money(first.revenue_change)} / "
                    f"spend {money(first.cost)})",
                )
            )
        )
    shown = ranks[: question.top] if question.top else ranks
    card.tables.append(
        CardTable(
            title=t(f"按{word}的 ROI", f"ROI by {word}"),
            columns=[word, t("摊到的花费", "Spend"), t("收入变化", "Revenue change"), "ROI"],
            rows=[[r.value, money(r.cost), money(r.revenue_change), ratio(r.roi)] for r in shown[:MAX_ROWS]],
        )
    )
    card.chart = Chart(
        kind="bar",
        title=f"ROI · {word} · {t(period.label_zh, period.label_en)}",
        series=[
            ChartSeries(
                name="ROI", x=[r.value for r in shown[:MAX_BARS]], y=[r.roi for r in shown[:MAX_BARS]]
            )
        ],
    )
    card.context.append(
        t(
            f"ROI = 该{word}在 {period.start}~{period.end} 相对前一段同长时间的收入变化 ÷ 摊到它的活动花费"
            "（与 /mo-retro 日期复盘同一算法）",
            f"ROI = the {word}'s revenue change over {period.start} to {period.end} against the period "
            "before / the campaign spend attributed to it (the date-range /mo-retro's computation)",
        )
    )
    return card
