"""Cards as the markdown dialect of DingTalk and WeCom robots, split into messages that fit a byte limit.

Both platforms speak a small markdown (headings, bold, quotes, links, images) and neither has tables or
code blocks, so a card becomes a list of *lines*: a heading, section titles in bold, bullets, ``label：value``
fields, tables as ``a ｜ b ｜ c`` rows, our own links, and the quiet footer as a quote.

Safety: every card string goes through the platform's escape function (no link, image, HTML tag or mention
survives) and then ``_inert`` drops markdown meaning from the start of a line (``#``, ``>``, ``-``, ``*``,
``1.``) with a zero-width space, so model or user text cannot become a heading or a quote. Markup is only
added by us around escaped text.

Splitting (``paginate``): lines are packed greedily, in order (``bot.render.text_split.pack_lines``), into
parts whose UTF-8 size stays under the limit minus a reserve for the part header (``### title（续 2/3）``)
and footer (``（2/3）``); a single line longer than a part is cut at character boundaries. Nothing is
dropped and the order is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.download_links import Link  # (label, url)
from bot.render.text_split import clip, nbytes, pack_lines
from core.text_safety import ZERO_WIDTH_SPACE
from handlers.card import Card, CardTable

_LEADING_MARKUP = re.compile(r"^(\s*)([#>*+\-]|\d+[.)])")
_TITLE_CLIP = 60


@dataclass(frozen=True)
class MarkdownStyle:
    escape: Callable[[str], str]
    severity_marks: dict[str, str]  # severity → markup put before the title
    joiner: str  # between lines: DingTalk needs a blank line for a visible break, WeCom does not
    quiet: Callable[[str], str]  # how a footer line is shown (already escaped text in)


def _inert(text: str, style: MarkdownStyle) -> str:
    return _LEADING_MARKUP.sub(lambda m: m.group(1) + ZERO_WIDTH_SPACE + m.group(2), style.escape(text))


def link_label(text: str, style: MarkdownStyle) -> str:
    """Escaped text that cannot close our ``[label](url)`` early."""
    return style.escape(text).replace("[", "［").replace("]", "］")


def link_buttons(card: Card, downloads: Sequence[Link] | None) -> list[Link]:
    """The card's own link buttons, then the download links, in that order (buttons without a URL —
    acknowledge, snooze… — cannot be clicked in a robot message and are left out)."""
    own = [(button.label, button.url) for button in card.buttons if button.url]
    return own + list(downloads or [])


def _table_lines(table: CardTable, style: MarkdownStyle) -> list[str]:
    lines = [f"**{_inert(table.title, style)}**"] if table.title else []
    lines.append("**" + " ｜ ".join(style.escape(c) for c in table.columns) + "**")
    lines.extend(" ｜ ".join(style.escape(cell) for cell in row) for row in table.rows)
    return lines


def card_lines(
    card: Card, style: MarkdownStyle, *, links: Sequence[Link] = (), chart_image_url: str | None = None
) -> list[str]:
    """The whole card as markdown lines, in reading order (title first, footer last)."""
    lines = [f"### {style.severity_marks.get(str(card.severity), '')}{_inert(card.title, style)}"]
    if card.subtitle:
        lines.append(style.quiet(style.escape(card.subtitle)))
    for section in card.sections:
        if section.title:
            lines.append(f"**{_inert(section.title, style)}**")
        if section.text:
            lines.extend(_inert(line, style) for line in section.text.splitlines() if line.strip())
        lines.extend(f"- {style.escape(bullet)}" for bullet in section.bullets)
        lines.extend(f"**{style.escape(f.label)}**：{style.escape(f.value)}" for f in section.fields)
    for table in card.tables:
        lines.extend(_table_lines(table, style))
    if card.chart is not None:
        title = link_label(card.chart.title, style)
        lines.append(f"![{title}]({chart_image_url})" if chart_image_url else f"📈 {title}")
    lines.extend(f"[{link_label(label, style)}]({url})" for label, url in links)
    lines.extend(style.quiet(style.escape(line)) for line in card.context)
    return lines


def continuation_header(title: str, index: int, total: int, style: MarkdownStyle) -> str:
    return f"### {_inert(clip(title, _TITLE_CLIP), style)}（续 {index}/{total}）"


def page_footer(index: int, total: int) -> str:
    return f"（{index}/{total}）"


def paginate(card: Card, lines: list[str], limit_bytes: int, style: MarkdownStyle) -> list[str]:
    """Message texts of at most ``limit_bytes`` each; part 2+ repeat the title, every part says i/n."""
    lines = [line for line in lines if line]
    single = style.joiner.join(lines)
    if nbytes(single) <= limit_bytes:
        return [single]
    reserve = (
        nbytes(continuation_header(card.title, 999, 999, style))
        + nbytes(page_footer(999, 999))
        + 2 * nbytes(style.joiner)
    )
    bodies = pack_lines(lines, limit_bytes - reserve, style.joiner, nbytes)
    total = len(bodies)
    parts = []
    for index, body in enumerate(bodies, start=1):
        head = [continuation_header(card.title, index, total, style)] if index > 1 else []
        parts.append(style.joiner.join([*head, body, page_footer(index, total)]))
    return parts
