"""``/search 家庭剧 周末 10元券`` and ``/search stats``: the experience library of past campaigns.

A search ranks the campaign table by BM25 over the campaigns' stored jieba tokens (the process-wide
:mod:`handlers.library_index`), shows the best ``top_k`` (default 5; ``top10`` / ``前10`` in the query
changes it) with ROI, 边现 lift, revenue lift, similarity 0–100 % and the query terms each matched, and
a reuse suggestion for the best hit (AI section ``ReuseSuggestion``; offline: :mod:`core.narrators.reuse`)
with the reuse template to download. ``stats`` describes the library: size, vocabulary, ROI distribution
and the most used strategy tags.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from pydantic import BaseModel

from core.ai.sections import ReuseSuggestion
from core.documents.models import (
    CampaignRecord,
    ExecutionTemplateInput,
    KpiTarget,
    MixPart,
    ReuseTemplateInput,
    TimeWindow,
)
from core.documents.reuse_template import reuse_template
from core.narrators.planning_format import pct, ratio
from core.narrators.reuse import LibraryBenchmarks, library_benchmarks, narrate_reuse, reuse_facts
from core.retro.campaigns import content_shares, split_positions
from core.search import SearchHit
from handlers.card import Card, CardField, CardSection, CardTable, Chart, ChartSeries
from handlers.context import HandlerContext
from handlers.downloads import offer_download
from handlers.errors import UsageError
from handlers.library_index import LibraryIndex, synced_library_index

DEFAULT_TOP_K = 5
MAX_TOP_K = 20
STATS_WORDS = frozenset({"stats", "stat", "统计", "概况", "经验库概况"})
EXAMPLE = "/mo-search 家庭剧 周末 10元券 · /mo-search stats"
TOP_K = re.compile(r"(?:^|\s)(?:top|前)\s*(?P<k>\d{1,3})\s*(?:个|条)?(?=\s|$)", re.IGNORECASE)
TOP_TAGS = 5
ROI_BUCKETS: tuple[tuple[float, float, str], ...] = (
    (-np.inf, 0.0, "<0"),
    (0.0, 1.0, "0–1"),
    (1.0, 2.0, "1–2"),
    (2.0, 3.0, "2–3"),
    (3.0, np.inf, "≥3"),
)
INSTRUCTIONS = (
    "You suggest how to reuse a past membership campaign found in the experience library. Use only the "
    "facts: say what to keep (segment, content mix, resource positions, discount, duration) and what to "
    "adjust given its ROI and 边现 lift against the library medians. Do not compute new numbers."
)


class HitFacts(BaseModel):
    rank: int
    campaign_id: str
    name: str
    strategy_tag: str
    target_segment: str
    roi: float | None
    arpu_lift: float | None
    revenue_lift: float | None
    measured_roi: float | None = None  # what a saved retro measured (core/retro/library.py)
    measured_arpu_lift: float | None = None
    similarity: float
    matched_terms: list[str]


class SearchFacts(BaseModel):
    """Everything a search card shows (the card's numbers come from here and from the reuse facts)."""

    query: str
    query_terms: list[str]
    unmatched_terms: list[str]
    hits: list[HitFacts]
    library: LibraryBenchmarks


class LibraryStats(BaseModel):
    """What ``/search stats`` shows."""

    campaigns: int
    vocabulary: int
    average_tokens: float
    first_start: dt.date | None
    last_end: dt.date | None
    roi_count: int
    roi_min: float | None
    roi_p25: float | None
    roi_median: float | None
    roi_p75: float | None
    roi_max: float | None
    roi_above_one_share: float | None
    roi_buckets: dict[str, int]
    top_tags: list[tuple[str, int, float | None]]  # tag, campaigns, median ROI


def handle_search(args: str, context: HandlerContext) -> Card:
    text = (args or "").strip()
    if not text:
        raise UsageError(
            "请给出要检索的关键词（人群、内容、资源位、优惠……）。",
            "Give the words to search for (segment, content, position, discount…).",
            EXAMPLE,
        )
    campaigns = context.data.campaigns()
    if campaigns.empty:
        raise UsageError(
            "经验库还没有活动：先导入活动（memberops import campaigns FILE）或加载演示数据。",
            "The experience library is empty: import campaigns (memberops import campaigns FILE) or the demo.",
            "memberops init --demo",
        )
    index = synced_library_index(context.engine, campaigns)
    if text.lower() in STATS_WORDS:
        return stats_card(library_stats(campaigns, index), context)
    query, top_k = _split_top_k(text)
    if not query:
        raise UsageError("“前N”之外还要给出关键词。", "Give search words besides the top-N.", EXAMPLE)
    hits = index.search(query, top_k=top_k)
    facts = search_facts(query, index.query_tokens(query), hits, campaigns)
    if not hits:
        return no_hits_card(facts, campaigns, context)
    return hits_card(facts, _record(campaigns, hits[0].doc_id), hits[0], context)


# -- facts -----------------------------------------------------------------------------------------------


def search_facts(query: str, terms: list[str], hits: list[SearchHit], campaigns: pd.DataFrame) -> SearchFacts:
    by_id = campaigns.set_index(campaigns["campaign_id"].astype(str))
    rows = []
    for rank, hit in enumerate(hits, start=1):
        record = by_id.loc[hit.doc_id]
        rows.append(
            HitFacts(
                rank=rank,
                campaign_id=hit.doc_id,
                name=_text(record.get("name")),
                strategy_tag=_text(record.get("strategy_tag")),
                target_segment=_text(record.get("target_segment")),
                roi=_number(record.get("roi")),
                arpu_lift=_number(record.get("arpu_lift")),
                revenue_lift=_number(record.get("revenue_lift")),
                measured_roi=_number(record.get("measured_roi")),
                measured_arpu_lift=_number(record.get("measured_arpu_lift")),
                similarity=hit.similarity,
                matched_terms=list(hit.matched_terms),
            )
        )
    matched = {t for hit in hits for t in hit.matched_terms}
    return SearchFacts(
        query=query,
        query_terms=list(dict.fromkeys(terms)),
        unmatched_terms=[t for t in dict.fromkeys(terms) if t not in matched],
        hits=rows,
        library=library_benchmarks(campaigns),
    )


def library_stats(campaigns: pd.DataFrame, index: LibraryIndex) -> LibraryStats:
    roi = pd.to_numeric(campaigns["roi"], errors="coerce").dropna().to_numpy(dtype=float)
    quantiles = np.quantile(roi, [0.0, 0.25, 0.5, 0.75, 1.0]).tolist() if roi.size else [None] * 5
    lows = np.array([low for low, _, _ in ROI_BUCKETS])
    bucket_of = np.searchsorted(lows, roi, side="right") - 1
    counts = np.bincount(bucket_of, minlength=len(ROI_BUCKETS)) if roi.size else np.zeros(len(ROI_BUCKETS))
    tags = campaigns.assign(roi=pd.to_numeric(campaigns["roi"], errors="coerce")).groupby("strategy_tag")[
        "roi"
    ]
    tag_table = pd.DataFrame({"count": tags.size(), "median": tags.median()}).reset_index()
    tag_table = tag_table.sort_values(["count", "strategy_tag"], ascending=[False, True]).head(TOP_TAGS)
    index_stats = index.stats()
    starts, ends = pd.to_datetime(campaigns["start_date"]), pd.to_datetime(campaigns["end_date"])
    return LibraryStats(
        campaigns=len(campaigns),
        vocabulary=index_stats.vocabulary_size,
        average_tokens=index_stats.average_document_length,
        first_start=starts.min().date() if len(starts) else None,
        last_end=ends.max().date() if len(ends) else None,
        roi_count=int(roi.size),
        roi_min=quantiles[0],
        roi_p25=quantiles[1],
        roi_median=quantiles[2],
        roi_p75=quantiles[3],
        roi_max=quantiles[4],
        roi_above_one_share=float((roi > 1).mean()) if roi.size else None,
        roi_buckets={label: int(n) for (_, _, label), n in zip(ROI_BUCKETS, counts, strict=True)},
        top_tags=[
            (str(r.strategy_tag), int(r.count), None if pd.isna(r.median) else float(r.median))
            for r in tag_table.itertuples()
        ],
    )


# -- cards -----------------------------------------------------------------------------------------------


def hits_card(
    facts: SearchFacts, record: Mapping[str, object], top: SearchHit, context: HandlerContext
) -> Card:
    t = context.t
    reuse = reuse_facts(record, top, facts.library)
    result = context.narrate(
        "reuse_suggestion",
        reuse,
        ReuseSuggestion,
        narrate_reuse,
        INSTRUCTIONS,
        user_text=facts.query,
    )
    suggestion = result.value
    best = facts.hits[0]
    table = CardTable(
        title=t("最相关的活动", "Best matching campaigns"),
        columns=[
            "#",
            t("活动", "Campaign"),
            "ID",
            "ROI",
            t("边现提升", "边现 lift"),
            t("收入提升", "Revenue lift"),
            t("相似度", "Similarity"),
            t("命中词", "Matched"),
        ],
        rows=[
            [
                str(h.rank),
                h.name,
                h.campaign_id,
                _with_measured(
                    ratio(h.roi), ratio(h.measured_roi) if h.measured_roi is not None else None, t
                ),
                _with_measured(
                    pct(h.arpu_lift),
                    pct(h.measured_arpu_lift) if h.measured_arpu_lift is not None else None,
                    t,
                ),
                pct(h.revenue_lift),
                f"{round(h.similarity * 100)}%",
                " ".join(h.matched_terms),
            ]
            for h in facts.hits
        ],
    )
    reuse_section = CardSection(
        title=t(
            f"复用建议：{best.name}（{best.campaign_id}）", f"How to reuse {best.name} ({best.campaign_id})"
        ),
        text=suggestion.suggestion,
        bullets=list(suggestion.adjustments),
    )
    top_fields = CardSection(
        title=t("最佳匹配", "Best match"),
        fields=[
            CardField(label=t("策略", "Strategy"), value=best.strategy_tag or "—"),
            CardField(label=t("目标人群", "Segment"), value=best.target_segment or "—"),
            CardField(label=t("内容配比", "Content mix"), value=reuse.content_mix or "—"),
            CardField(label=t("资源位", "Positions"), value=" / ".join(reuse.resource_positions) or "—"),
            CardField(label=t("优惠", "Discount"), value=reuse.discount or "—"),
            CardField(label=t("相似度", "Similarity"), value=f"{round(best.similarity * 100)}%"),
        ],
    )
    card = Card(
        title=t(f"经验库检索：{facts.query}", f"Experience library: {facts.query}"),
        subtitle=t(
            f"经验库共 {facts.library.campaigns} 个活动，按相关度列出前 {len(facts.hits)} 个",
            f"{facts.library.campaigns} campaigns in the library; the best {len(facts.hits)} by relevance",
        ),
        sections=[top_fields, reuse_section],
        tables=[table],
        context=_search_notes(facts, context),
        language=context.language,
    )
    card.add_note(result.notice)
    _attach_reuse_template(card, record, suggestion, context)
    return card


def no_hits_card(facts: SearchFacts, campaigns: pd.DataFrame, context: HandlerContext) -> Card:
    t = context.t
    ideas = _frequent_values(campaigns, ("strategy_tag", "target_segment", "discount"))
    bullets = [
        t("换更短或更常见的词，每个词用空格隔开", "Use shorter or more common words, separated by spaces"),
        t(f"经验库里常见的词：{'、'.join(ideas)}", f"Words the library often uses: {', '.join(ideas)}"),
        t("查看经验库概况：/mo-search stats", "See what the library holds: /mo-search stats"),
    ]
    terms = " / ".join(facts.query_terms) or "—"
    return Card(
        title=t(f"经验库检索：{facts.query}", f"Experience library: {facts.query}"),
        sections=[
            CardSection(
                text=t(
                    f"在 {facts.library.campaigns} 个历史活动中没有找到与这些词相关的活动（检索词：{terms}）。",
                    f"None of the {facts.library.campaigns} past campaigns matches these words (terms: {terms}).",
                )
            ),
            CardSection(title=t("可以试试", "Try"), bullets=bullets),
        ],
        language=context.language,
    )


def stats_card(stats: LibraryStats, context: HandlerContext) -> Card:
    t = context.t
    span = f"{stats.first_start}~{stats.last_end}" if stats.first_start else "—"
    size = CardSection(
        title=t("规模", "Size"),
        fields=[
            CardField(label=t("活动数", "Campaigns"), value=f"{stats.campaigns:,}"),
            CardField(label=t("词表大小", "Vocabulary"), value=f"{stats.vocabulary:,}"),
            CardField(label=t("平均词数", "Tokens per campaign"), value=f"{stats.average_tokens:.1f}"),
            CardField(label=t("时间跨度", "Dates"), value=span),
        ],
    )
    distribution = CardSection(
        title=t("ROI 分布", "ROI distribution"),
        fields=[
            CardField(label=t("最小", "Min"), value=ratio(stats.roi_min)),
            CardField(label="P25", value=ratio(stats.roi_p25)),
            CardField(label=t("中位数", "Median"), value=ratio(stats.roi_median)),
            CardField(label="P75", value=ratio(stats.roi_p75)),
            CardField(label=t("最大", "Max"), value=ratio(stats.roi_max)),
            CardField(
                label=t("ROI>1 占比", "Share with ROI > 1"),
                value=pct(stats.roi_above_one_share, signed=False),
            ),
        ],
    )
    tags = CardTable(
        title=t("常用策略", "Most used strategies"),
        columns=[t("策略", "Strategy"), t("活动数", "Campaigns"), t("ROI 中位数", "Median ROI")],
        rows=[[tag, str(count), ratio(median)] for tag, count, median in stats.top_tags],
    )
    chart = Chart(
        kind="bar",
        title=t("ROI 分布（活动数）", "ROI distribution (campaigns)"),
        series=[
            ChartSeries(
                name=t("活动数", "Campaigns"),
                x=list(stats.roi_buckets),
                y=[float(n) for n in stats.roi_buckets.values()],
            )
        ],
        y_label=t("活动数", "Campaigns"),
    )
    return Card(
        title=t("经验库概况", "Experience library"),
        sections=[size, distribution],
        tables=[tags],
        chart=chart,
        context=[
            t("检索示例：/mo-search 家庭剧 周末 10元券", "Search example: /mo-search 家庭剧 周末 10元券")
        ],
        language=context.language,
    )


# -- reuse template download -----------------------------------------------------------------------------


def reuse_document_input(
    record: Mapping[str, object], suggestion: ReuseSuggestion, prepared_on: dt.date
) -> ReuseTemplateInput:
    """The reuse document of a campaign: its record, the suggestion, and its set-up as a template."""
    campaign = CampaignRecord.model_validate(
        {key: value for key, value in _plain_record(record).items() if key in CampaignRecord.model_fields}
    )
    budget = campaign.budget_planned if campaign.budget_planned is not None else campaign.budget_used
    kpis = [
        KpiTarget(metric="arpu", target_lift=campaign.target_arpu_lift or campaign.arpu_lift),
        KpiTarget(metric="revenue", target_lift=campaign.revenue_lift),
    ]
    if campaign.roi is not None:
        kpis.append(KpiTarget(metric="roi", target_value=max(1.0, campaign.roi)))
    template = ExecutionTemplateInput(
        title=f"{campaign.campaign_id} {campaign.name}".strip(),
        segment=campaign.target_segment or None,
        content_mix=[MixPart(name=n, share=s) for n, s in content_shares(campaign.content_mix).items()],
        positions=split_positions(campaign.resource_positions),
        time_windows=[TimeWindow(start=campaign.start_date, end=campaign.end_date)],
        duration_days=(campaign.end_date - campaign.start_date).days + 1,
        discount=campaign.discount or None,
        budget=budget,
        kpi_targets=kpis,
        based_on=campaign.campaign_id,
        prepared_on=prepared_on,
    )
    return ReuseTemplateInput(
        campaign=campaign,
        suggestion=[suggestion.suggestion, *suggestion.adjustments],
        template=template,
        prepared_on=prepared_on,
    )


def _attach_reuse_template(
    card: Card, record: Mapping[str, object], suggestion: ReuseSuggestion, context: HandlerContext
) -> None:
    data = reuse_document_input(record, suggestion, context.reference_day())
    for fmt, label in (("markdown", context.t("下载复用模板", "Download reuse template")), ("xlsx", "Excel")):
        document = reuse_template(data, language=context.language, fmt=fmt)
        offer_download(card, context.engine, document, button=label)


# -- helpers ---------------------------------------------------------------------------------------------


def _split_top_k(text: str) -> tuple[str, int]:
    """Take ``top10`` / ``前10`` out of the query; the count is clamped to 1..20."""
    match = TOP_K.search(text)
    if match is None:
        return text, DEFAULT_TOP_K
    top_k = min(max(int(match["k"]), 1), MAX_TOP_K)
    return (text[: match.start()] + " " + text[match.end() :]).strip(), top_k


def _search_notes(facts: SearchFacts, context: HandlerContext) -> list[str]:
    notes = [context.t(f"检索词：{' / '.join(facts.query_terms)}", f"Terms: {' / '.join(facts.query_terms)}")]
    if facts.unmatched_terms:
        unmatched = " / ".join(facts.unmatched_terms)
        notes.append(context.t(f"没有活动包含：{unmatched}", f"No campaign contains: {unmatched}"))
    notes.append(
        context.t(
            "相似度 = BM25 得分 ÷ 查询词各出现一次的理想得分",
            "Similarity = BM25 score ÷ the score of an ideal match holding each query term once",
        )
    )
    return notes


def _frequent_values(campaigns: pd.DataFrame, columns: tuple[str, ...], limit: int = 6) -> list[str]:
    values = pd.concat([campaigns[c].astype("string") for c in columns if c in campaigns], ignore_index=True)
    values = values.str.split("|").explode().str.strip().dropna()
    values = values[values != ""]
    counts = values.value_counts(sort=False).rename("n").reset_index()
    counts.columns = ["value", "n"]
    return counts.sort_values(["n", "value"], ascending=[False, True])["value"].head(limit).tolist()


def _record(campaigns: pd.DataFrame, campaign_id: str) -> dict[str, object]:
    rows = campaigns[campaigns["campaign_id"].astype(str) == campaign_id]
    return _plain_record(rows.iloc[0].to_dict())


def _plain_record(record: Mapping[str, object]) -> dict[str, object]:
    """Record values as plain Python (NaN → None, timestamps → dates), tokens and bookkeeping dropped."""
    plain: dict[str, object] = {}
    for key, value in record.items():
        if key in ("tokens", "updated_at"):
            continue
        if isinstance(value, pd.Timestamp):
            value = value.date()
        elif value is not None and pd.api.types.is_scalar(value) and pd.isna(value):
            value = None
        elif hasattr(value, "item"):
            value = value.item()  # type: ignore[union-attr]
        plain[str(key)] = value
    for key in ("name", "strategy_tag", "target_segment", "content_mix", "resource_positions", "discount",
                "success_factors", "notes"):  # fmt: skip
        if plain.get(key) is None and key in plain:
            plain[key] = ""
    return plain


def _text(value: object) -> str:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value)


def _number(value: object) -> float | None:
    if value is None or isinstance(value, str) or not pd.api.types.is_scalar(value) or pd.isna(value):
        return None
    return float(value)  # type: ignore[arg-type]


def _with_measured(recorded: str, measured: str | None, t: Callable[[str, str], str]) -> str:
    """``1.41（实测 0.33）``: the recorded outcome and, when a retro measured it, the measured one."""
    return (
        recorded
        if measured is None
        else t(f"{recorded}（实测 {measured}）", f"{recorded} (measured {measured})")
    )
