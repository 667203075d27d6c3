"""The command vocabulary shared by every messenger: names, aliases, help text and the text parser.

Slack sends ``/mo-strategy 提升家庭向会员收入`` (every direct slash command carries the ``mo-`` prefix, so it
collides neither with Slack's built-in commands such as ``/search`` nor with other apps' ``/help``);
DingTalk and WeCom users type ``策略 提升家庭向会员收入`` or ``@bot /mo-strategy …``; the umbrella
``/memberops strategy …`` takes every sub-command. The bare names (``/strategy``) of earlier installs keep
working. All of them become ``ParsedCommand(name="strategy", args="提升家庭向会员收入")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "mo-"  # of every direct slash command: /mo-why, /mo-search, …
UMBRELLA = "memberops"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    aliases: tuple[str, ...]
    zh: str
    en: str
    example_args: str

    @property
    def slash(self) -> str:
        """The command as typed in Slack (and accepted everywhere): ``/mo-why``."""
        return f"/{PREFIX}{self.name}"

    @property
    def example(self) -> str:
        return f"{self.slash} {self.example_args}".strip()


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "goal",
        ("目标", "目标规划"),
        "目标可行性、预测与拆解",
        "goal feasibility, forecast and breakdown",
        "提升家庭向收入15% 30天",
    ),
    CommandSpec(
        "strategy",
        ("策略", "人群策略", "推荐"),
        "人群+内容+资源位+优惠+KPI 预测",
        "segment + content + positions + discount + KPI forecast",
        "提升家庭向会员收入",
    ),
    CommandSpec(
        "budget",
        ("预算", "预算模拟"),
        "预算模拟器",
        "budget simulator",
        "家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万",
    ),
    CommandSpec(
        "why",
        ("为什么", "归因", "异常"),
        "解释指标变化（默认：最新一天的边现）",
        "explain a metric's change (default: latest day's 边现)",
        "本周 边现",
    ),
    CommandSpec(
        "retro",
        ("复盘",),
        "活动复盘与可复用执行模板",
        "retrospective and reusable template",
        "C2026001",
    ),
    CommandSpec(
        "kpi",
        ("看板", "指标", "指标看板"),
        "DAU / 收入 / 边现 / 转化率 看板（对比基线与正常范围）",
        "DAU / revenue / 边现 / conversion panel (vs baseline and normal range)",
        "本周",
    ),
    CommandSpec(
        "abtest",
        ("实验", "AB测试", "ab测试", "A/B测试"),
        "A/B 实验规划（最小可检测效果、所需天数）与读数",
        "test planner (minimum detectable effect, days needed) and readout",
        "家庭向高活跃 边现 +5% 14天",
    ),
    CommandSpec(
        "query",
        ("查询", "排行", "排名"),
        "按维度查指标：排行与对比（也可以直接问：上个月哪个资源位ROI最高）",
        "a metric by a dimension over a period, ranked (or just ask: revenue by platform last month)",
        "本周 各平台 边现",
    ),
    CommandSpec(
        "search",
        ("搜索", "经验库", "检索"),
        "检索历史活动经验库",
        "search past campaigns",
        "家庭剧 周末 10元券",
    ),
    CommandSpec("help", ("帮助", "?", "？"), "命令列表", "list the commands", ""),
)

_BY_WORD: dict[str, str] = {}
for _spec in COMMANDS:
    _BY_WORD[_spec.name] = _spec.name
    _BY_WORD[_spec.slash.lstrip("/")] = _spec.name
    for _alias in _spec.aliases:
        _BY_WORD[_alias] = _spec.name

_LEADING_MENTION = re.compile(r"^(<@[A-Z0-9]+>|@\S+)\s*")


@dataclass(frozen=True)
class ParsedCommand:
    name: str | None  # None: not a command we know
    args: str
    word: str = ""  # what the user typed as the command word


def spec(name: str) -> CommandSpec:
    return next(c for c in COMMANDS if c.name == name)


def parse_command(text: str) -> ParsedCommand:
    """Find the command in a line of user text; plain questions such as 为什么边现下降了 map to ``why``."""
    text = _LEADING_MENTION.sub("", text.strip()).strip()
    if not text:
        return ParsedCommand("help", "")
    word, _, rest = text.partition(" ")
    word = word.lstrip("/").strip().lower()
    if word == UMBRELLA:
        return parse_command(rest) if rest.strip() else ParsedCommand("help", "")
    if word in _BY_WORD:
        return ParsedCommand(_BY_WORD[word], rest.strip(), word)
    for alias, name in sorted(_BY_WORD.items(), key=lambda item: -len(item[0])):
        if len(alias) > 1 and not alias.isascii() and text.startswith(alias):
            return ParsedCommand(name, text[len(alias) :].strip(" ：:，,"), alias)
    return ParsedCommand(None, text, word)
