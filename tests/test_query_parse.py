"""Breakdown questions in plain words: the cube's own vocabulary, period words, rank words, what is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from core.query.periods import Period
from core.query.question import Question, QuestionError, parse_question
from core.query.vocabulary import dimension_label, dimension_words, parse_aliases

DEMO = {
    "segment": ["家庭向高活跃", "新用户试看"],
    "content_type": ["家庭剧", "动漫"],
    "platform": ["手机", "TV", "PC"],
    "resource_position": ["首页位1", "详情页推荐"],
    "discount_type": ["无优惠", "10元券"],
}
OTHER_TEAM = {"渠道": ["应用商店", "官网"], "region": ["华东", "华南"], "device_class": ["phone", "tv"]}
REFERENCE = dt.date(2026, 11, 24)  # a Tuesday; the data ends the day before


def ask(text: str, values: dict[str, list[str]] = DEMO, **kwargs: object) -> Question:
    return parse_question(
        text, dimension_values=values, first_day=dt.date(2026, 1, 1), latest_day=dt.date(2026, 11, 23),
        reference_day=REFERENCE, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def span(question: Question) -> tuple[str, str]:
    return question.period.start.isoformat(), question.period.end.isoformat()


def test_the_four_shapes_of_the_issue() -> None:
    roi = ask("上个月哪个资源位ROI最高")
    assert (roi.metric, roi.by, roi.order, roi.ranked) == ("roi", "resource_position", "desc", True)
    assert span(roi) == ("2026-10-01", "2026-10-31")

    arpu = ask("本周各平台的边现")
    assert (arpu.metric, arpu.by, arpu.ranked) == ("arpu", "platform", False)
    assert span(arpu) == ("2026-11-23", "2026-11-23")  # Monday: this week has one day of data

    revenue = ask("11月收入最高的人群")
    assert (revenue.metric, revenue.by, revenue.ranked) == ("revenue", "segment", True)
    assert span(revenue) == ("2026-11-01", "2026-11-23")  # cut at the latest data day

    dau = ask("DAU 最近两周 按平台")
    assert (dau.metric, dau.by) == ("dau", "platform")
    assert span(dau) == ("2026-11-10", "2026-11-23")


@pytest.mark.parametrize(
    ("text", "metric", "by", "scope", "days"),
    [
        ("revenue by platform last month", "revenue", "platform", {}, ("2026-10-01", "2026-10-31")),
        ("lowest conversion by segment last 3 days", "conversion", "segment", {}, ("2026-11-21", "2026-11-23")),
        ("家庭剧 各平台 DAU 2026-11-01~2026-11-20", "dau", "platform", {"content_type": "家庭剧"},
         ("2026-11-01", "2026-11-20")),
        ("TV 上各人群的转化率 前3", "conversion", "segment", {"platform": "TV"}, ("2026-11-17", "2026-11-23")),
        ("platform=TV 按优惠类型 续费会员 上周", "renew_members", "discount_type", {"platform": "TV"},
         ("2026-11-16", "2026-11-22")),
        ("2026年10月 各内容的营收", "revenue", "content_type", {}, ("2026-10-01", "2026-10-31")),
        ("11月5日 各资源位 日活", "dau", "resource_position", {}, ("2026-11-05", "2026-11-05")),
        ("今年 收入", "revenue", None, {}, ("2026-01-01", "2026-11-23")),
    ],
)  # fmt: skip
def test_metric_dimension_scope_and_period(
    text: str, metric: str, by: str | None, scope: dict, days: tuple
) -> None:
    question = ask(text)
    assert (question.metric, question.by, question.scope, span(question)) == (metric, by, scope, days)


def test_rank_words_and_top() -> None:
    low = ask("上周边现最低的平台")
    assert (low.order, low.ranked) == ("asc", True)
    top = ask("本月 各人群 收入 前3")
    assert (top.top, top.ranked, top.order) == (3, False, "desc")
    assert ask("top 2 segments by revenue this month").top == 2


def test_no_period_is_the_last_seven_days() -> None:
    question = ask("各平台边现")
    assert span(question) == ("2026-11-17", "2026-11-23") and not question.explicit_period


def test_dimension_words_follow_the_data_not_our_demo() -> None:
    """Another team's columns: 渠道 as a Chinese column name, region and device_class in English."""
    assert ask("上周各渠道的收入", OTHER_TEAM).by == "渠道"
    assert ask("各地区 DAU", OTHER_TEAM).by == "region"
    assert ask("按设备 转化率", OTHER_TEAM).by == "device_class"  # 设备 → device, a part of device_class
    assert ask("华东 各终端 收入", OTHER_TEAM).scope == {"region": "华东"}
    assert dimension_label("resource_position") == "资源位" and dimension_label("platform") == "平台"
    assert dimension_label("platform", "en") == "platform"


def test_a_team_adds_its_own_words() -> None:
    aliases = parse_aliases("频道=渠道; 大区 = region ; broken")
    assert aliases == {"频道": "渠道", "大区": "region"}
    assert ask("各频道 收入", OTHER_TEAM, aliases=aliases).by == "渠道"
    assert ask("各大区 收入", OTHER_TEAM, aliases=aliases).by == "region"
    assert "大区" not in dimension_words(list(DEMO), aliases)  # an alias of a column this cube lacks


@pytest.mark.parametrize(
    ("text", "unknown", "fragment"),
    [
        ("今天天气怎么样", "天气", "没认出「天气」"),
        ("上个月各平台 毛利", "毛利", "没认出「毛利」"),
        ("各平台 收入 边现", "", "一次只能排一个指标"),
        ("各平台 各人群 收入", "", "一次只能按一个维度拆分"),
        ("TV PC 收入", "", "只能取一个值"),
        ("本周 上周 收入", "", "只能给一个时间范围"),
        ("2027年1月 收入", "", "没有数据"),
        ("13月 收入", "", "没有 13 月"),
        ("platform=VR 收入", "platform=VR", "没有「platform=VR」"),
    ],
)
def test_what_cannot_be_answered_says_which_part(text: str, unknown: str, fragment: str) -> None:
    with pytest.raises(QuestionError) as caught:
        ask(text)
    assert fragment in caught.value.zh
    assert caught.value.unknown == unknown


def test_period_labels_say_what_was_asked() -> None:
    assert ask("上个月 收入").period == Period(
        dt.date(2026, 10, 1), dt.date(2026, 10, 31), "上个月（2026年10月）", "last month (October 2026)"
    )
    assert ask("近 10 天 收入").period.label_zh == "近 10 天"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("上上周 各平台 DAU", {"start": "2026-11-09", "end": "2026-11-15", "by": "platform"}),
        ("前天 各内容 收入", {"start": "2026-11-22", "end": "2026-11-22"}),
        ("近三十天 各资源位 日活", {"start": "2026-10-25", "end": "2026-11-23"}),
        ("dau per platform in october", {"start": "2026-10-01", "end": "2026-10-31", "metric": "dau"}),
        ("DAU 最多的五个资源位 上个月", {"top": 5, "order": "desc", "ranked": True}),
        ("各平台 收入 从低到高", {"order": "asc"}),
        ("revnue by platfrom", {"metric": "revenue", "by": "platform"}),  # one slip each: still understood
        ("各平台的边线", {"metric": "arpu"}),  # the input method's 边线 for 边现
        ("请问上个月各个平台的营收分别是多少呀", {"metric": "revenue", "by": "platform"}),
    ],
)
def test_more_ways_of_saying_it(text: str, expected: dict) -> None:
    question = ask(text)
    actual = {
        "start": question.period.start.isoformat(), "end": question.period.end.isoformat(), "by": question.by,
        "metric": question.metric, "top": question.top, "order": question.order, "ranked": question.ranked,
    }  # fmt: skip
    assert {k: actual[k] for k in expected} == expected


def test_a_word_far_from_any_known_one_is_still_reported() -> None:
    with pytest.raises(QuestionError) as caught:
        ask("renewals by platform")
    assert caught.value.unknown == "renewals"


def test_a_column_named_in_chinese_answers_to_its_english_word() -> None:
    assert ask("revenue per channel", OTHER_TEAM).by == "渠道"
