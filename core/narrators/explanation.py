"""Offline narrator of the ``Explanation`` section (/why and alert cards): causes, insight, three actions.

Deterministic templates over :class:`core.why.WhyFacts`, in zh and en; every figure is a fact formatted by
:mod:`core.narrators.planning_format` (so the number guard grounds it), every other word comes from here.

* **Causes** – the root-cause slices (scope joined with the slice) with their share of the change and the
  metric inside them; then the mix/rate reading of a ratio metric (which effect carries the change); the
  scan's benign explanation if any; "spread across dimensions" when no slice stands out. A change within
  its normal range says so first; a slice that is not significant against its own noise is not a cause
  ("没有显著异常的切片" when none is).
* **Insight** – value vs baseline (and vs the detection baseline of the day), the calendar context of the
  day and of its comparison day, and whether the scan raised alerts.
* **Actions** – exactly three, chosen by the *kind* of dimension of the main cause and the direction of the
  move: a resource position → its creative / landing page and exposure; a discount → its coupon rules; a
  content type → the content line-up; a platform → the client release and payment flow; a segment →
  targeted recall; a ratio move carried by the mix → the traffic composition. Dimension names are data,
  so the kind is recognised by keywords of the name (``resource_position``, ``资源位``, …). Two follow-ups
  fill the list when the causes give fewer than three actions.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.ai.sections import Explanation
from core.narrators.planning_format import metric_value, pct
from core.narrators.text_fit import ELLIPSIS, PARAGRAPH_LIMIT, SHORT_TEXT_LIMIT
from core.why.models import WhyFacts, WhySlice

MAIN_SHARE = 0.2  # a slice below this share of the change does not drive an action
MIX_DOMINANT = 0.6
_KIND_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("position", ("position", "资源位", "placement", "slot")),
    ("discount", ("discount", "coupon", "优惠", "折扣", "券")),
    ("platform", ("platform", "平台", "client", "device", "终端")),
    ("content", ("content", "内容", "genre", "category")),
    ("segment", ("segment", "人群", "audience", "cohort", "用户群")),
)
_KIND_ORDER = ("position", "discount", "platform", "content", "segment", "other")

# (zh, en) templates per (kind, direction); {v} the value, {ctx} the rest of the slice ("" or " for X")
_ACTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("position", "down"): (
        "检查资源位「{v}」{ctx}的素材、落地页与跳转配置，修复前把曝光临时调配到表现正常的资源位",
        "Check the creative, landing page and links of position {v}{ctx}; shift exposure to healthy positions until fixed",
    ),
    ("position", "up"): (
        "复盘资源位「{v}」{ctx}的素材与排期，确认增长可持续后适当加大该位曝光",
        "Review what position {v}{ctx} ran (creative, schedule); if it holds, rebalance more exposure to it",
    ),
    ("discount", "down"): (
        "核对优惠「{v}」{ctx}的券规则、门槛、有效期与核销链路是否被改动或失效",
        "Review the coupon rules of {v}{ctx}: threshold, validity and redemption flow",
    ),
    ("discount", "up"): (
        "确认优惠「{v}」{ctx}是否有未报备的加推或规则变更，评估补贴成本与ROI",
        "Check whether discount {v}{ctx} was pushed or changed without notice; weigh its subsidy cost and ROI",
    ),
    ("platform", "down"): (
        "检查「{v}」端{ctx}最近的客户端版本发布与支付/收银台流程，必要时回滚",
        "Check the latest client release and the payment flow on {v}{ctx}; roll back if needed",
    ),
    ("platform", "up"): (
        "确认「{v}」端{ctx}的增长来自版本还是活动，排除统计口径变化后推广做法",
        "Find whether the rise on {v}{ctx} comes from a release or a campaign; rule out tracking changes",
    ),
    ("content", "down"): (
        "刷新「{v}」{ctx}的内容片单：补充热门新片、替换表现差的内容，核查版权到期下架",
        "Refresh the {v} line-up{ctx}: add popular titles, replace weak ones, check expired licences",
    ),
    ("content", "up"): (
        "加大「{v}」{ctx}内容的推荐位与排期，趁热度延长片单",
        "Give {v} titles{ctx} more recommendation slots while they are hot",
    ),
    ("segment", "down"): (
        "对「{v}」人群{ctx}做定向召回与触达（push、站内信），配合专属权益",
        "Run targeted recall for the {v} segment{ctx} (push, in-app messages) with a member offer",
    ),
    ("segment", "up"): (
        "分析「{v}」人群{ctx}增长的原因，把有效的触达方式复制到相似人群",
        "Find why the {v} segment{ctx} grew and reuse what worked on similar segments",
    ),
    ("other", "down"): (
        "排查「{v}」{ctx}的配置与数据上报是否有变更",
        "Check the configuration and tracking of {v}{ctx} for recent changes",
    ),
    ("other", "up"): (
        "确认「{v}」{ctx}的增长来源，判断能否推广",
        "Find the source of the rise in {v}{ctx} and whether it can be repeated",
    ),
}
_MIX_ACTION = {
    "down": (
        "检查{dims}的流量结构变化（拉新渠道、免费试看等低{m}流量的占比），评估是否需要调整投放",
        "Check the traffic mix by {dims} (acquisition channels, free trials with low {m}); adjust targeting if needed",
    ),
    "up": (
        "确认{dims}的结构变化（高{m}流量占比上升）是否可持续",
        "Check whether the shift in the {dims} mix towards high-{m} traffic will last",
    ),
}
_FOLLOW_UPS = {
    "down": (
        (
            "明天复查{m}是否回到基线，未恢复则升级处理",
            "Re-check {m} tomorrow; escalate if it is not back to baseline",
        ),
        (
            "核对数据上报与口径（埋点、ETL 延迟）是否有变化",
            "Rule out tracking or ETL changes (late or partial data)",
        ),
        (
            "在日报中按切片跟踪{m}，为该切片设置告警",
            "Track {m} by slice in the daily report and alert on this slice",
        ),
    ),
    "up": (
        ("持续跟踪{m}，确认增长是否持续", "Keep watching {m} to see whether the rise holds"),
        (
            "核对数据上报与口径（埋点、重复上报）是否有变化",
            "Rule out tracking changes (duplicate events, new definitions)",
        ),
        ("总结有效做法，写入经验库", "Write down what worked in the campaign library"),
    ),
    "flat": (
        ("无需处理，继续观察{m}", "No action needed; keep watching {m}"),
        ("核对数据上报与口径是否有变化", "Rule out tracking changes"),
        ("在日报中按切片跟踪{m}", "Track {m} by slice in the daily report"),
    ),
}


def narrate_explanation(facts: WhyFacts, language: str = "zh") -> Explanation:
    zh = language == "zh"
    return Explanation(
        core_causes=[_fit(c, SHORT_TEXT_LIMIT) for c in _causes(facts, zh)][:5],
        data_insight=_fit(_insight(facts, zh), PARAGRAPH_LIMIT),
        actions=[_fit(a, SHORT_TEXT_LIMIT) for a in _actions(facts, zh)],
    )


# --- wording helpers ----------------------------------------------------------------------------------------


def slice_label(slice_: Mapping[str, str]) -> str:
    """``动漫偏好活跃 × 首页位1`` (values only: the dimensions are in the card's table)."""
    return " × ".join(str(v) for v in slice_.values())


def direction_word(direction: str, zh: bool) -> str:
    words = {"up": ("上升", "rise"), "down": ("下降", "drop"), "flat": ("持平", "no change")}
    return words[direction][0 if zh else 1]


def baseline_label(facts: WhyFacts, zh: bool) -> str:
    period = facts.period
    if facts.comparison == "expected":
        return "检测基线" if zh else "the detection baseline"
    if facts.comparison == "same_weekday":
        return (
            f"上周同日（{period.baseline_start}）"
            if zh
            else f"the same weekday a week earlier ({period.baseline_start})"
        )
    span = (
        str(period.baseline_start)
        if period.baseline_start == period.baseline_end
        else f"{period.baseline_start}~{period.baseline_end}"
    )
    weeks = (period.start - period.baseline_start).days // 7
    if weeks > 1:
        return f"{weeks} 周前同期（{span}）" if zh else f"the same days {weeks} weeks earlier ({span})"
    return f"上周同期（{span}）" if zh else f"the same days a week earlier ({span})"


def period_label(facts: WhyFacts) -> str:
    period = facts.period
    return str(period.start) if period.start == period.end else f"{period.start}~{period.end}"


def _value(facts: WhyFacts, value: float | None) -> str:
    return metric_value(facts.metric, value)


def _fit(text: str, limit: int) -> str:
    """Cut to the schema's bound without leaving half a number behind."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rstrip("0123456789.,+-%~ ")
    return cut + ELLIPSIS


# --- causes -------------------------------------------------------------------------------------------------


def causal_slices(facts: WhyFacts) -> list[WhySlice]:
    """The slices that may be called causes: significant against their own noise (or not assessed)."""
    return [s for s in facts.slices if s.significant is not False]


def _causes(facts: WhyFacts, zh: bool) -> list[str]:
    causes = [_slice_cause(facts, s, zh) for s in causal_slices(facts)[:3]]
    if facts.within_normal_range:
        causes.insert(0, _normal_range_cause(facts, zh))
        if not causes[1:]:
            causes.append(
                "没有显著异常的切片" if zh else "No slice changed significantly against its own noise"
            )
        return causes
    if facts.slices and not causal_slices(facts):
        whole = slice_label(facts.scope) or ("整体" if zh else "the total")
        causes.append(
            f"没有显著异常的切片：{whole}的变化分散在各切片，每个切片的变化都在自身正常波动内"
            if zh
            else f"No slice changed significantly against its own noise: the move is spread over {whole}"
        )
    if facts.mix_rate is not None and facts.direction != "flat":
        causes.append(_mix_rate_cause(facts, zh))
    if facts.explained_by:
        causes.append(("扫描判定：" if zh else "Scan: ") + facts.explained_by)
    if not facts.slices:
        whole = slice_label(facts.scope) or ("整体" if zh else "the total")
        causes.insert(
            0,
            f"{whole}的{facts.metric_label}{direction_word(facts.direction, zh)}{pct(facts.pct_change)}，"
            "变化分散在各维度，没有集中在某个切片"
            if zh
            else f"{facts.metric_label} of {whole} changed {pct(facts.pct_change)}, spread across the dimensions "
            "rather than one slice",
        )
    return causes


def _normal_range_cause(facts: WhyFacts, zh: bool) -> str:
    whole = slice_label(facts.scope) or ("整体" if zh else "the total")
    shown = facts.z is not None and facts.comparison != "expected"
    z = f"（z={facts.z:.1f}）" if shown and zh else (f" (z={facts.z:.1f})" if shown else "")
    if any(s.significant for s in facts.slices):
        tail = "，但下列切片自身变化显著" if zh else ", but the slices below moved significantly"
    else:
        tail = "，不是异常" if zh else ", not an anomaly"
    return (
        f"{whole}的{facts.metric_label}变化 {pct(facts.pct_change)} 在正常波动范围内{z}{tail}"
        if zh
        else f"The {pct(facts.pct_change)} change of {facts.metric_label} ({whole}) is within the normal "
        f"range{z}{tail}"
    )


def _slice_cause(facts: WhyFacts, item: WhySlice, zh: bool) -> str:
    label = slice_label({**facts.scope, **item.slice})
    share = pct(item.share, signed=False, digits=0)
    move = direction_word(facts.direction, zh)
    inside = ""
    if item.actual is not None and item.expected is not None:
        inside = (
            f"（切片内 {_value(facts, item.expected)} → {_value(facts, item.actual)}，{pct(item.change)}）"
            if zh
            else f" (inside: {_value(facts, item.expected)} → {_value(facts, item.actual)}, {pct(item.change)})"
        )
    offset = item.share > 1.0
    if zh:
        tail = "，其他切片部分抵消" if offset else ""
        return f"{label} 贡献了{facts.metric_label}{move}的{share}{inside}{tail}"
    tail = "; other slices partly offset it" if offset else ""
    return f"{label} carries {share} of the {facts.metric_label} {move}{inside}{tail}"


def _mix_rate_cause(facts: WhyFacts, zh: bool) -> str:
    split = facts.mix_rate
    assert split is not None
    dims = "、".join(split.dimensions) if zh else ", ".join(split.dimensions)
    mix = pct(abs(split.mix_share), signed=False, digits=0)
    rate = pct(abs(split.rate_share), signed=False, digits=0)
    if split.mix_share >= MIX_DOMINANT:
        return (
            f"结构效应为主：按{dims}看，{facts.metric_label}变化的{mix}来自 DAU 构成变化，{rate}来自各组自身的{facts.metric_label}"
            if zh
            else f"Mostly mix: by {dims}, {mix} of the change comes from the DAU composition, {rate} from the rates"
        )
    return (
        f"比率效应为主：按{dims}看，{rate}来自组内{facts.metric_label}本身的变化，结构（DAU 构成）只占{mix}"
        if zh
        else f"Mostly rate: by {dims}, {rate} of the change is the {facts.metric_label} inside the groups, "
        f"the DAU mix only {mix}"
    )


# --- insight ------------------------------------------------------------------------------------------------


def _insight(facts: WhyFacts, zh: bool) -> str:
    where = slice_label(facts.scope)
    average = ("日均" if zh else "daily average ") if facts.daily_average else ""
    head = (
        f"{period_label(facts)} {where + ' ' if where else ''}{average}{facts.metric_label} {_value(facts, facts.value)}，"
        f"较{baseline_label(facts, zh)} {_value(facts, facts.baseline)} {pct(facts.pct_change)}。"
        if zh
        else f"On {period_label(facts)}{' in ' + where if where else ''}, {average}{facts.metric_label} was "
        f"{_value(facts, facts.value)}, {pct(facts.pct_change)} vs {baseline_label(facts, zh)} "
        f"({_value(facts, facts.baseline)}). "
    )
    parts = [head]
    if facts.expected is not None and facts.comparison != "expected":
        parts.append(_expected_sentence(facts, zh))
    elif facts.comparison == "expected" and facts.lower is not None and facts.upper is not None:
        parts.append(
            f"正常范围 {_value(facts, facts.lower)} ~ {_value(facts, facts.upper)}。"
            if zh
            else f"Normal range {_value(facts, facts.lower)} to {_value(facts, facts.upper)}. "
        )
    parts.append(_calendar_sentence(facts, zh))
    parts.append(_alert_sentence(facts, zh))
    return "".join(parts).strip()


def _expected_sentence(facts: WhyFacts, zh: bool) -> str:
    band = ""
    if facts.lower is not None and facts.upper is not None:
        inside = facts.lower <= facts.value <= facts.upper
        band = (
            ("，在正常范围内" if inside else "，超出正常范围")
            if zh
            else (", inside the normal range" if inside else ", outside the normal range")
        )
    return (
        f"检测基线 {_value(facts, facts.expected)}（偏离 {pct(facts.pct_vs_expected)}{band}）。"
        if zh
        else f"The detection baseline was {_value(facts, facts.expected)} ({pct(facts.pct_vs_expected)}{band}). "
    )


def _calendar_sentence(facts: WhyFacts, zh: bool) -> str:
    notes = "；".join(facts.calendar_notes) if zh else "; ".join(facts.calendar_notes)
    text = (
        (f"日历：{notes}。" if notes else "日历上没有节假日或调休。")
        if zh
        else (f"Calendar: {notes}. " if notes else "No holiday or adjusted working day. ")
    )
    if facts.baseline_calendar_notes:
        other = "；".join(facts.baseline_calendar_notes) if zh else "; ".join(facts.baseline_calendar_notes)
        text += f"注意对比期：{other}。" if zh else f"Note the comparison days: {other}. "
    return text


def _alert_sentence(facts: WhyFacts, zh: bool) -> str:
    if not facts.alerts:
        return ""
    count = len(facts.alerts)
    if count <= 10:
        return (
            f"当期共有 {count} 条告警，见下方。"
            if zh
            else f"{count} alerts were raised for these days (below)."
        )
    return "当期有多条告警，见下方。" if zh else "Several alerts were raised for these days (below)."


# --- actions ------------------------------------------------------------------------------------------------


def dimension_kind(dimension: str) -> str:
    lowered = dimension.lower()
    return next((kind for kind, words in _KIND_KEYWORDS if any(w in lowered for w in words)), "other")


def _actions(facts: WhyFacts, zh: bool) -> list[str]:
    significant = any(s.significant for s in facts.slices)
    moved = facts.direction in ("up", "down") and (not facts.within_normal_range or significant)
    direction = facts.direction if moved else "flat"
    actions: list[str] = []
    if direction != "flat":
        for item in [s for s in causal_slices(facts) if s.share >= MAIN_SHARE][:2]:
            actions += _slice_actions({**facts.scope, **item.slice}, direction, zh)
        mix = facts.mix_rate
        if mix is not None and mix.mix_share >= MIX_DOMINANT:
            zh_text, en_text = _MIX_ACTION[direction]
            dims = ("、" if zh else ", ").join(mix.dimensions)
            actions.insert(0, (zh_text if zh else en_text).format(dims=dims, m=facts.metric_label))
    for zh_text, en_text in _FOLLOW_UPS[direction]:
        actions.append((zh_text if zh else en_text).format(m=facts.metric_label))
    return list(dict.fromkeys(actions))[:3]


def _slice_actions(slice_: Mapping[str, str], direction: str, zh: bool) -> list[str]:
    """One action per dimension of the slice, most actionable kind first, the rest of the slice as context."""
    dims = sorted(slice_, key=lambda d: _KIND_ORDER.index(dimension_kind(d)))
    out = []
    for dimension in dims:
        others = {d: v for d, v in slice_.items() if d != dimension}
        context = slice_label(others)
        ctx = (f"（{context}）" if zh else f" ({context})") if context else ""
        zh_text, en_text = _ACTIONS[(dimension_kind(dimension), direction)]
        out.append((zh_text if zh else en_text).format(v=slice_[dimension], ctx=ctx))
    return out
