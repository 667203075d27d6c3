"""Errors a user can fix by rewriting the command, with a zh and an en message and an example."""

from __future__ import annotations

import re
from typing import ClassVar

CJK = re.compile(r"[\u4e00-\u9fff]")


def text_language(text: str) -> str:
    """``zh`` when the text has any Chinese character, else ``en``."""
    return "zh" if CJK.search(text or "") else "en"


class PlanningInputError(ValueError):
    """A command argument the planner cannot use. ``code`` is stable; ``message(language)`` is for users."""

    messages: ClassVar[dict[str, tuple[str, str]]] = {}
    example: ClassVar[tuple[str, str]] = ("", "")

    def __init__(self, code: str, language: str = "zh", **values: object) -> None:
        self.code = code
        self.language = language
        self.values = values
        super().__init__(self.message(language))

    def message(self, language: str | None = None) -> str:
        zh, en = self.messages.get(self.code, ("无法理解输入。", "Could not understand the input."))
        example_zh, example_en = self.example
        if (language or self.language) == "zh":
            return f"{zh.format(**self.values)} 示例：{example_zh}"
        return f"{en.format(**self.values)} Example: {example_en}"


class GoalParseError(PlanningInputError):
    messages: ClassVar[dict[str, tuple[str, str]]] = {
        "empty": ("请写出目标。", "Please describe the goal."),
        "no_metric": (
            "没有识别到指标（可用：边现、收入、DAU、转化率、新增会员、续费会员）。",
            "No metric found (use ARPU/边现, revenue, DAU, conversion, new or renew).",
        ),
        "no_target": ("没有识别到目标幅度（如 15%）。", "No target lift found (like 15%)."),
        "bad_target": (
            "目标幅度 {value}% 不合理（应在 -90% 到 500% 之间）。",
            "Target lift {value}% is not plausible (expected between -90% and 500%).",
        ),
        "bad_horizon": (
            "周期 {value} 天不合理（应为 1–365 天）。",
            "A horizon of {value} days is not plausible (expected 1–365 days).",
        ),
        "unknown_segment": (
            "没有找到与“{keyword}”匹配的人群（现有：{known}）。",
            "No segment matches '{keyword}' (known: {known}).",
        ),
    }
    example: ClassVar[tuple[str, str]] = (
        "/mo-goal 提升家庭向收入15% 30天",
        "/mo-goal raise family revenue 15% in 30 days",
    )


class BudgetParseError(PlanningInputError):
    messages: ClassVar[dict[str, tuple[str, str]]] = {
        "empty": (
            "请给出内容配比、资源位占用和预算。",
            "Please give a content mix, position usage and a budget.",
        ),
        "no_content": (
            "没有识别到内容配比（如 家庭剧70 动漫30）。",
            "No content mix found (like 家庭剧70 动漫30).",
        ),
        "no_position": (
            "没有识别到资源位占用（如 首页位1=0.6）。",
            "No position usage found (like 首页位1=0.6).",
        ),
        "no_budget": ("没有识别到预算（如 预算50万）。", "No budget found (like budget 500k)."),
        "bad_token": ("无法理解“{token}”。", "Could not understand '{token}'."),
        "bad_usage": (
            "资源位 {position} 的占用 {value} 不合理（应为 0–1 或 0–100%）。",
            "Usage {value} for {position} is not plausible (expected 0–1 or 0–100%).",
        ),
    }
    example: ClassVar[tuple[str, str]] = (
        "/mo-budget 家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万 30天",
        "/mo-budget 家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 budget 500k 30 days",
    )
