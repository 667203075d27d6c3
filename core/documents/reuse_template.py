"""The reuse document: a past campaign's record, the suggestion of how to adapt it, and (optionally) its
execution template with the D1/D3/D5/D7 milestones appended."""

from __future__ import annotations

from core.documents.execution_template import execution_template_parts
from core.documents.filenames import Format
from core.documents.labels import pick
from core.documents.layout import Cell, Layout, Part, num
from core.documents.models import CampaignRecord, Document, ReuseTemplateInput
from core.documents.parts import bullet_part, field_value_table
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
    rows: list[list[Cell]] = [
        [pick(language, "活动ID", "Campaign id"), campaign.campaign_id],
        [pick(language, "名称", "Name"), campaign.name],
        [pick(language, "时间", "Dates"), f"{campaign.start_date}~{campaign.end_date}"],
        [pick(language, "策略", "Strategy"), campaign.strategy_tag],
        [pick(language, "目标人群", "Target segment"), campaign.target_segment],
        [pick(language, "内容配比", "Content mix"), campaign.content_mix],
        [pick(language, "资源位", "Resource positions"), campaign.resource_positions],
        [pick(language, "优惠", "Discount"), campaign.discount],
        [pick(language, "计划预算", "Budget planned"), num(campaign.budget_planned, "money")],
        [pick(language, "实际花费", "Budget used"), num(campaign.budget_used, "money")],
        [pick(language, "边现目标", "ARPU target"), num(campaign.target_arpu_lift, "percent")],
        [pick(language, "边现提升", "ARPU lift"), num(campaign.arpu_lift, "percent")],
        [pick(language, "收入提升", "Revenue lift"), num(campaign.revenue_lift, "percent")],
        ["ROI", num(campaign.roi)],
        [pick(language, "成功因素", "Success factors"), campaign.success_factors],
        [pick(language, "备注", "Notes"), campaign.notes],
    ]
    return Part(
        heading=pick(language, "原活动", "The campaign"),
        sheet=pick(language, "原活动", "Campaign"),
        table=field_value_table(rows, language),
    )


def _suggestion(data: ReuseTemplateInput, language: str) -> Part:
    return bullet_part(
        pick(language, "复用建议", "How to reuse it"),
        pick(language, "复用建议", "Suggestion"),
        data.suggestion,
        language,
    )
