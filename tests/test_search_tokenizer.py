"""The search tokenizer: domain terms whole, stop words and punctuation dropped, one jieba load per process."""

from __future__ import annotations

import logging

import jieba
import pytest

from core.search import Tokenizer, campaign_terms, campaign_text, get_tokenizer


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return get_tokenizer()


def test_plain_jieba_splits_the_domain_terms() -> None:
    """The reason for the domain dictionary: without it these terms fall apart."""
    jieba.setLogLevel(logging.WARNING)
    plain = jieba.Tokenizer()
    assert plain.lcut("5折月卡") == ["5", "折月卡"]
    assert plain.lcut("首页位1") == ["首页", "位", "1"]


@pytest.mark.parametrize(
    "term", ["5折月卡", "首页位1", "首页位2", "边现", "10元券", "详情页推荐", "免费试看"]
)
def test_domain_terms_stay_whole(tokenizer: Tokenizer, term: str) -> None:
    assert tokenizer.tokenize(term) == [term]


def test_domain_terms_stay_whole_inside_a_sentence(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokenize("针对动漫偏好沉默用户，首页位1+详情页推荐，发10元券和5折月卡，边现提升")
    assert tokens == [
        "针对",
        "动漫偏好沉默",
        "用户",
        "首页位1",
        "详情页推荐",
        "发",
        "10元券",
        "5折月卡",
        "边现",
        "提升",
    ]


def test_stop_words_punctuation_and_spaces_are_dropped(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokenize("帮我找一下 类似的家庭剧活动！！ The  summer, and a 周末 —— ...")
    assert tokens == ["家庭剧", "活动", "summer", "周末"]


def test_latin_is_lower_cased_and_full_width_forms_are_folded(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokenize("ARPU Push推送 １０元券") == ["arpu", "push推送", "10元券"]


def test_empty_and_punctuation_only_text_give_no_tokens(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokenize("") == []
    assert tokenizer.tokenize(" ，。！？|、 ") == []


def test_get_tokenizer_is_a_process_wide_singleton_and_accumulates_terms() -> None:
    first = get_tokenizer()
    second = get_tokenizer(extra_terms=["芒果橙会员包"])
    assert second is first
    assert first.tokenize("推出芒果橙会员包") == ["推出", "芒果橙会员包"]
    assert "芒果橙会员包" in get_tokenizer().terms


def test_extra_terms_change_the_fingerprint_and_whitespace_terms_are_skipped() -> None:
    own = Tokenizer(extra_terms=["Q3会员节"])
    before = own.fingerprint
    assert own.tokenize("q3会员节 上线") == ["q3会员节", "上线"]
    assert own.add_terms(["夏日冰爽包", "两个 词", "Q3会员节"]) == ["夏日冰爽包"]
    assert own.fingerprint != before
    assert own.tokenize("夏日冰爽包") == ["夏日冰爽包"]


def test_campaign_text_joins_the_text_fields_and_skips_missing_values() -> None:
    record = {
        "campaign_id": "C001",
        "name": "暑期家庭剧周末",
        "strategy_tag": "促活",
        "target_segment": None,
        "content_mix": "家庭剧",
        "resource_positions": "首页位1|详情页推荐",
        "discount": float("nan"),
        "success_factors": "",
        "notes": "周末 10元券",
    }
    assert campaign_text(record) == "暑期家庭剧周末\n促活\n家庭剧\n首页位1 详情页推荐\n周末 10元券"


def test_campaign_terms_collects_the_short_names_of_name_like_columns() -> None:
    records = [
        {
            "strategy_tag": "召回",
            "target_segment": "古装剧沉默用户",
            "resource_positions": "首页位3|开屏广告",
        },
        {
            "discount": "8折季卡、15元券",
            "notes": "不是名字的备注",
            "target_segment": "一个很长很长很长的人群描述文字",
        },
        {"resource_positions": "2024", "strategy_tag": None},
    ]
    assert campaign_terms(records) == {"召回", "古装剧沉默用户", "首页位3", "开屏广告", "8折季卡", "15元券"}
