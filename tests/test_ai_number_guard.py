"""The number guard's rule, case by case (see core/ai/number_guard.py for the rule itself)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import BaseModel

from core.ai.number_guard import FactNumbers, find_ungrounded_numbers, text_fields, tokenise
from core.ai.sections import Explanation


class Facts(BaseModel):
    day: date
    arpu: float
    arpu_change: float
    revenue: float
    dau: int
    conversion_pct: float
    campaign: str
    share: float


FACTS = Facts(
    day=date(2024, 5, 1),
    arpu=0.4123,
    arpu_change=-0.1234,
    revenue=11960.0,
    dau=1_234_567,
    conversion_pct=12.3,
    campaign="618大促 4K 专区",
    share=1.2345,
)


@pytest.mark.parametrize(
    "text",
    [
        "边现下降 12%",  # fraction 0.1234 shown as a percent, rounded
        "边现下降 12.3%",
        "下降了百分之十二",  # Chinese percent
        "下降百分之12.3",
        "-12.34%",  # sign ignored
        "收入约 1.2 万元",  # 万 with rounding to the shown precision
        "收入 11,960 元",  # thousands separator
        "收入 1.196万",
        "DAU 1,234,567",
        "DAU 123.5 万",
        "DAU 1.23 million",
        "转化率 12.3%",  # a fact already stored in percent
        "占比 1.23",  # 1.23 matches 1.2345
        "占比 1.2",
        "边现 0.41 元",
        "0.12",  # fraction ↔ percent
        "2024-05-01 起",
        "2024年5月1日",
        "5月1日",
        "2024年5月",
        "2024年",
        "5月",
        "第 3 条，共 10 条",  # ordinals / list markers 1–10
        "1. 先做 A 2. 再做 B",
        "618大促",  # numbers copied from fact strings
        "4K 专区",
        "１２％",  # full-width
    ],
)
def test_grounded_texts_pass(text: str) -> None:
    assert find_ungrounded_numbers([text], FACTS) == []


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("边现下降 37%", "37%"),
        ("下降百分之三十七", "百分之三十七"),
        ("收入 1.3 万", "1.3 万"),  # 1.196万 rounds to 1.2, not 1.3
        ("占比 1.24", "1.24"),  # 1.2345 rounds to 1.23
        ("DAU 2,000,000", "2,000,000"),
        ("预计增长 11 个百分点", "11 个百分点"),
        ("2024-05-02 起", "2024-05-02"),
        ("5月2日", "5月2日"),
        ("2025年", "2025年"),
        ("12月", "12月"),
        ("提升到 50 元", "50"),
        ("共 11 条", "11"),  # bare integers above 10 must be grounded
        ("提高 5%", "5%"),  # a unit removes the ordinal exemption
        ("收入 3 亿", "3 亿"),
    ],
)
def test_ungrounded_numbers_are_reported_as_written(text: str, token: str) -> None:
    assert find_ungrounded_numbers([text], FACTS) == [token]


def test_every_offending_token_is_reported_in_order() -> None:
    assert find_ungrounded_numbers(["增长 37%，收入 99 万", "DAU 1,234,567"], FACTS) == ["37%", "99 万"]


def test_rounding_applies_to_every_number_even_zero() -> None:
    # 0.4123 shown with no decimals is 0: the rule is rounding, not "zero is special"
    assert find_ungrounded_numbers(["0 元"], FACTS) == []
    assert find_ungrounded_numbers(["0 元"], {"revenue": 42}) == ["0"]


def test_no_facts_means_only_ordinals_are_allowed() -> None:
    class Empty(BaseModel):
        note: str = "无"

    assert find_ungrounded_numbers(["第 1 步，第 2 步"], Empty()) == []
    assert find_ungrounded_numbers(["增长 12%"], Empty()) == ["12%"]


def test_bare_year_is_grounded_by_a_year_number() -> None:
    class YearFacts(BaseModel):
        year: int = 2023

    assert find_ungrounded_numbers(["2023 年表现"], YearFacts()) == []
    assert find_ungrounded_numbers(["2022 年表现"], YearFacts()) == ["2022"]


def test_facts_may_be_plain_mappings() -> None:
    assert find_ungrounded_numbers(["收入 42"], {"revenue": 42, "flag": True}) == []
    assert find_ungrounded_numbers(["1"], {"flag": True}) == []
    assert FactNumbers.from_facts({"flag": True}).values.size == 0  # bools are not numbers


def test_tokenise_masks_dates_before_numbers() -> None:
    dates, numbers = tokenise("2024年5月1日下降百分之十二点五，达到1,200万")
    assert [(d.year, d.month, d.day) for d in dates] == [(2024, 5, 1)]
    assert [(n.text, n.value, n.decimals, n.scale) for n in numbers] == [
        ("百分之十二点五", 12.5, 1, 0.01),
        ("1,200万", 1200.0, 0, 10_000.0),
    ]


def test_text_fields_walks_every_string_of_a_section() -> None:
    value = Explanation(core_causes=["a", "b"], data_insight="c", actions=["x", "y", "z"])
    assert text_fields(value) == ["a", "b", "c", "x", "y", "z"]


def test_digits_glued_to_a_letter_are_identifiers() -> None:
    assert find_ungrounded_numbers(["Q3 的 H5 页面，iOS17 用户，通知 <@U123>"], FACTS) == []
    assert find_ungrounded_numbers(["Q3 增长 37%"], FACTS) == ["37%"]
