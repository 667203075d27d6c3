"""The reuse document: a past campaign's record, the suggestion of how to adapt it, and (optionally) its
execution template with the D1/D3/D5/D7 milestones appended."""

from __future__ import annotations

from core.documents.execution_template import execution_template_parts
from core.documents.filenames import Format
from core.documents.labels import pick
from core.documents.layout import Cell, Column, Layout, Num, Part, Table
from core.documents.models import CampaignRecord, Document, ReuseTemplateInput
from core.documents.render import render_document


def reuse_template(data: ReuseTemplateInput, *, language: str = "zh", fmt: Format = "markdown") -> Document:
    campaign = data.campaign
    title = (
        f"复用模板：{campaign.campaign_id} {campaign.name}"
        if language == "zh"
        else f"Reuse template: {campaign.campaign_id} {campaign.name}"
    ).strip()
    parts = [_record(campaign, language), _suggestion(data, language)]
    if data.template is not None:
        parts += execution_template_parts(data.template, language)
    return render_document(
        Layout(title=title, parts=parts),
        fmt=fmt,
        language=language,
        kind=("复用模板", "reuse-template"),
        subjects=([campaign.campaign_id], [campaign.campaign_id]),
        when=data.prepared_on or campaign.end_date,
    )


def _record(campaign: CampaignRecord, language: str) -> Part:
    def money(value: float | None) -> Cell:
        return Num(value=value, kind="money") if value is not None else None

    def percent(value: float | None) -> Cell:
        return Num(value=value, kind="percent") if value is not None else None

    rows: list[list[Cell]] = [
        [pick(language, "活动ID", "Campaign id"), campaign.campaign_id],
        [pick(language, "名称", "Name"), campaign.name],
        [pick(language, "时间", "Dates"), f"{campaign.start_date}~{campaign.end_date}"],
        [pick(language, "策略", "Strategy"), campaign.strategy_tag],
        [pick(language, "目标人群", "Target segment"), campaign.target_segment],
        [pick(language, "内容配比", "Content mix"), campaign.content_mix],
        [pick(language, "资源位", "Resource positions"), campaign.resource_positions],
        [pick(language, "优惠", "Discount"), campaign.discount],
        [pick(language, "计划预算", "Budget planned"), money(campaign.budget_planned)],
        [pick(language, "实际花费", "Budget used"), money(campaign.budget_used)],
        [pick(language, "边现目标", "ARPU target"), percent(campaign.target_arpu_lift)],
        [pick(language, "边现提升", "ARPU lift"), percent(campaign.arpu_lift)],
        [pick(language, "收入提升", "Revenue lift"), percent(campaign.revenue_lift)],
        ["ROI", Num(value=campaign.roi, kind="number") if campaign.roi is not None else None],
        [pick(language, "成功因素", "Success factors"), campaign.success_factors],
        [pick(language, "备注", "Notes"), campaign.notes],
    ]
    return Part(
        heading=pick(language, "原活动", "The campaign"),
        sheet=pick(language, "原活动", "Campaign"),
        table=Table(
            columns=[
                Column(label=pick(language, "项目", "Field")),
                Column(label=pick(language, "内容", "Value")),
            ],
            rows=rows,
        ),
    )


def _suggestion(data: ReuseTemplateInput, language: str) -> Part:
    return Part(
        heading=pick(language, "复用建议", "How to reuse it"),
        sheet=pick(language, "复用建议", "Suggestion"),
        bullets=list(data.suggestion) or [pick(language, "（暂无）", "(none)")],
    )
