"""The platform-neutral card every handler returns; each messenger adapter only renders and sends it.

Text in a card is plain text: no markup of any messenger. Renderers escape every string for their platform
(so nothing a model or a user wrote can become a mention, a link or formatting) and express emphasis
through structure (titles, fields, tables) instead.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Severity(StrEnum):
    INFO = "info"
    MINOR = "minor"
    MODERATE = "moderate"
    SEVERE = "severe"


class CardField(BaseModel):
    label: str
    value: str


class CardTable(BaseModel):
    title: str | None = None
    columns: list[str]
    rows: list[list[str]]


class CardSection(BaseModel):
    title: str | None = None
    text: str | None = None
    bullets: list[str] = Field(default_factory=list)
    fields: list[CardField] = Field(default_factory=list)


class ChartSeries(BaseModel):
    name: str
    x: list[str]
    y: list[float | None]
    lower: list[float | None] | None = None  # band (expected range, forecast interval)
    upper: list[float | None] | None = None
    highlight: list[int] = Field(default_factory=list)  # indexes of points to mark (anomalies)


class Chart(BaseModel):
    kind: str  # "trend" | "bar" | "forecast" | "panel" (each series its own small chart)
    title: str
    series: list[ChartSeries]
    y_label: str | None = None


class Button(BaseModel):
    action_id: str  # e.g. "download", "alert_ack", "alert_snooze", "alert_false_positive", "explain_more"
    label: str
    value: str = ""  # opaque payload for the action handler (an id, never user text)
    style: str | None = None  # "primary" | "danger" | None
    url: str | None = None  # set by the adapter for link buttons (signed download links)


class Attachment(BaseModel):
    """A downloadable document produced with the card (checklist, template, report)."""

    download_id: str
    filename: str
    title: str
    media_type: str


class Amend(BaseModel):
    """A line to add to a message sent earlier (the digest of ``digest_key``), where the platform can edit
    messages (Slack: chat.update); elsewhere the card itself goes out as a new short message."""

    digest_key: str
    line: str
    fingerprint: str | None = None  # the recovered series: its interactive cards are updated in place


class Card(BaseModel):
    title: str
    subtitle: str | None = None
    severity: Severity = Severity.INFO
    sections: list[CardSection] = Field(default_factory=list)
    tables: list[CardTable] = Field(default_factory=list)
    chart: Chart | None = None
    buttons: list[Button] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)  # quiet footer lines (data date, offline notice, …)
    language: str = "zh"
    amends: list[Amend] = Field(default_factory=list)

    def add_note(self, line: str | None) -> None:
        """Add a footer line (e.g. the AI engine's offline notice) unless it is empty or already there."""
        if line and line not in self.context:
            self.context.append(line)
