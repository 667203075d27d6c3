"""The action checklist of an explained anomaly: summary, causes, root-cause slices and actions to own."""

from __future__ import annotations

from core.documents.filenames import Format
from core.documents.labels import metric_file_code, metric_kind, metric_label, pick
from core.documents.layout import Cell, Column, Layout, Part, Table, num
from core.documents.models import ActionChecklistInput, Document
from core.documents.parts import bullet_part, field_value_table
from core.documents.render import render_document


def action_checklist(
    data: ActionChecklistInput, *, language: str = "zh", fmt: Format = "markdown"
) -> Document:
    """Render the checklist; owners, deadlines and status are left blank for the team."""
    metric = metric_label(data.metric, language)
    title = f"行动清单：{data.title}" if language == "zh" else f"Action checklist: {data.title}"
    layout = Layout(
        title=title,
        subtitle=f"{metric} · {data.date.isoformat()}",
        parts=[
            _summary(data, language),
            _causes(data, language),
            _slices(data, language),
            _actions(data, language),
        ],
    )
    return render_document(
        layout,
        fmt=fmt,
        language=language,
        kind=("行动清单", "action-checklist"),
        subjects=([metric_file_code(data.metric, "zh")], [data.metric]),
        when=data.date,
    )


def _summary(data: ActionChecklistInput, language: str) -> Part:
    kind = metric_kind(data.metric)
    deviation = (data.actual / data.expected - 1) if data.actual is not None and data.expected else None
    rows: list[list[Cell]] = [
        [pick(language, "指标", "Metric"), metric_label(data.metric, language)],
        [pick(language, "日期", "Date"), data.date],
        [pick(language, "实际值", "Actual"), num(data.actual, kind)],
        [pick(language, "预期值", "Expected"), num(data.expected, kind)],
        [pick(language, "偏离", "Deviation"), num(deviation, "percent")],
    ]
    return Part(
        heading=pick(language, "概要", "Summary"),
        sheet=pick(language, "概要", "Summary"),
        paragraphs=[data.title],
        table=field_value_table(rows, language, value_kind="date"),
    )


def _causes(data: ActionChecklistInput, language: str) -> Part:
    return bullet_part(
        pick(language, "原因", "Causes"), pick(language, "原因", "Causes"), data.causes, language
    )


def slice_text(slice_: dict[str, str]) -> str:
    return " · ".join(f"{dimension}={value}" for dimension, value in slice_.items())


def _slices(data: ActionChecklistInput, language: str) -> Part:
    kind = metric_kind(data.metric)
    rows: list[list[Cell]] = [
        [
            slice_text(s.slice),
            s.share,
            num(s.actual, kind),
            num(s.expected, kind),
        ]
        for s in data.slices
    ]
    return Part(
        heading=pick(language, "根因切片", "Root-cause slices"),
        sheet=pick(language, "根因切片", "Slices"),
        table=Table(
            columns=[
                Column(label=pick(language, "切片", "Slice")),
                Column(label=pick(language, "贡献占比", "Share of deviation"), kind="percent"),
                Column(label=pick(language, "实际", "Actual"), kind="number"),
                Column(label=pick(language, "预期", "Expected"), kind="number"),
            ],
            rows=rows,
        ),
    )


def _actions(data: ActionChecklistInput, language: str) -> Part:
    rows: list[list[Cell]] = [
        [index, item.action, item.owner, item.deadline, ""]
        for index, item in enumerate(data.actions, start=1)
    ]
    return Part(
        heading=pick(language, "行动项", "Actions"),
        sheet=pick(language, "行动项", "Actions"),
        table=Table(
            columns=[
                Column(label="#", kind="int"),
                Column(label=pick(language, "行动", "Action")),
                Column(label=pick(language, "负责人", "Owner")),
                Column(label=pick(language, "截止时间", "Deadline")),
                Column(label=pick(language, "状态", "Status")),
            ],
            rows=rows,
        ),
    )
