"""Making model (or user) text inert before it is rendered in a messenger.

The AI engine keeps the model's raw text; escaping happens at render time, once, with the function of the
target messenger.  What "inert" means per messenger:

* Slack (mrkdwn): ``&``, ``<``, ``>`` become ``&amp;``, ``&lt;``, ``&gt;`` (Slack's own escaping rule), so
  ``<!channel>``, ``<!here>``, ``<@U123>``, ``<#C1>`` and ``<https://x|y>`` show as text; bare ``@channel``,
  ``@here``, ``@everyone`` get a zero-width space after ``@`` so they cannot notify.
* DingTalk and WeCom markdown: markdown images ``![alt](url)`` keep only ``alt``, links ``[text](url)`` keep
  only ``text`` (no clickable target from model text); ``<`` and ``>`` become the full-width ``＜``/``＞``, so
  no HTML tag (``<font …>``, ``<a>``, ``<img>``) and no WeCom ``<@userid>`` mention survives; any mention
  ``@all`` / ``@13812345678`` / ``@name`` gets a zero-width space after ``@``.

A mention is an ``@`` not preceded by an ASCII word character, so e-mail addresses stay intact.
"""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"

_MENTION = re.compile(r"(?<![A-Za-z0-9._%+-])@(?=[\w])")
_SLACK_BROADCAST = re.compile(r"(?<![A-Za-z0-9._%+-])@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_MD_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\([^)]*\)")


def escape_slack(text: str) -> str:
    """Text safe to put in a Slack ``text``/mrkdwn field: no links, mentions or broadcasts."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SLACK_BROADCAST.sub("@" + ZERO_WIDTH_SPACE, escaped)


def escape_dingtalk_md(text: str) -> str:
    """Text safe inside a DingTalk markdown message: no links, images, HTML or @mentions."""
    return _neutralise_markdown(text)


def escape_wecom_md(text: str) -> str:
    """Text safe inside a WeCom markdown message: no links, images, ``<font>``/``<@id>`` tags or @mentions."""
    return _neutralise_markdown(text)


def _neutralise_markdown(text: str) -> str:
    without_images = _MD_IMAGE.sub(lambda m: m.group("alt"), text)
    without_links = _MD_LINK.sub(lambda m: m.group("text"), without_images)
    without_tags = without_links.replace("<", "＜").replace(">", "＞")
    return _MENTION.sub("@" + ZERO_WIDTH_SPACE, without_tags)
