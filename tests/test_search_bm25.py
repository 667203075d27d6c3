"""BM25Index: same ranking and scores as rank_bm25.BM25Okapi, incremental updates, similarity."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from core.search import BM25Index, SearchHit, campaign_text, get_tokenizer
from core.search.bm25_weights import okapi_idf

COMMON = "会员"  # in more than half of the documents: rank-bm25 floors its (negative) idf


def _corpus(seed: int = 7, size: int = 120) -> dict[str, list[str]]:
    rng = random.Random(seed)
    rare = [f"词{i}" for i in range(40)]
    docs: dict[str, list[str]] = {}
    for i in range(size):
        tokens = [rng.choice(rare) for _ in range(rng.randint(1, 12))]
        if rng.random() < 0.7:
            tokens.append(COMMON)
        docs[f"C{i:04d}"] = tokens
    # exact ties: the same tokens under three ids, inserted out of id order
    for doc_id in ("C9003", "C9001", "C9002"):
        docs[doc_id] = ["词1", "词2", COMMON, "周末"]
    return docs


def _reference_top(docs: dict[str, list[str]], query: list[str], k: int) -> list[tuple[str, float]]:
    """rank-bm25's scores, positive ones only, ordered by score descending then id ascending."""
    ids = list(docs)
    scores = BM25Okapi(list(docs.values())).get_scores(query)
    ranked = sorted((-score, doc_id) for doc_id, score in zip(ids, scores, strict=True) if score > 0)
    return [(doc_id, -negative) for negative, doc_id in ranked[:k]]


def _index(docs: dict[str, list[str]]) -> BM25Index:
    index = BM25Index()
    index.add_many(docs.items())
    return index


def _assert_same(hits: list[SearchHit], expected: list[tuple[str, float]]) -> None:
    assert [hit.doc_id for hit in hits] == [doc_id for doc_id, _ in expected]
    for hit, (_, score) in zip(hits, expected, strict=True):
        assert hit.score == pytest.approx(score, rel=1e-9)


QUERIES = [
    ["词1", "词2"],
    ["周末", "词1"],
    [COMMON],
    [COMMON, "词5", "词5"],
    ["词39", "未知词", COMMON, "词0", "词17"],
]


def test_the_corpus_exercises_the_idf_floor() -> None:
    docs = _corpus()
    reference = BM25Okapi(list(docs.values()))
    share = sum(COMMON in tokens for tokens in docs.values()) / len(docs)
    assert share > 0.5
    assert reference.idf[COMMON] == pytest.approx(reference.epsilon * reference.average_idf)
    assert reference.idf[COMMON] > 0


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "+".join(q))
@pytest.mark.parametrize("k", [1, 3, 10, 500])
def test_top_k_and_scores_equal_rank_bm25(query: list[str], k: int) -> None:
    docs = _corpus()
    _assert_same(_index(docs).search(query, top_k=k), _reference_top(docs, query, k))


def test_ties_are_broken_by_id_ascending_even_across_the_cut() -> None:
    docs = _corpus()
    hits = _index(docs).search(["周末"], top_k=2)
    assert [hit.doc_id for hit in hits] == ["C9001", "C9002"]
    assert hits[0].score == hits[1].score
    assert [hit.doc_id for hit in _index(docs).search(["周末"], top_k=10)] == ["C9001", "C9002", "C9003"]


def test_non_default_parameters_match_rank_bm25() -> None:
    docs = _corpus(seed=3)
    index = BM25Index(k1=0.9, b=0.4, epsilon=0.5)
    index.add_many(docs.items())
    reference = BM25Okapi(list(docs.values()), k1=0.9, b=0.4, epsilon=0.5)
    query = [COMMON, "词3"]
    expected = sorted(
        ((-s, d) for d, s in zip(docs, reference.get_scores(query), strict=True) if s > 0),
    )[:10]
    _assert_same(index.search(query, top_k=10), [(d, -s) for s, d in expected])


def test_incremental_adds_replacements_and_removals_equal_a_fresh_build() -> None:
    docs = _corpus(seed=11)
    ids = list(docs)
    index = BM25Index()
    index.add_many((doc_id, docs[doc_id]) for doc_id in ids[:60])
    assert index.search(["词1"], top_k=3)  # builds the weights, so later changes go through a rebuild
    for doc_id in ids[60:]:  # one at a time: more blocks than the compaction threshold
        index.add(doc_id, docs[doc_id])
    final = dict(docs)
    for doc_id in ids[::7]:
        assert index.remove(doc_id)
        del final[doc_id]
    for doc_id in ids[1::9]:
        replacement = ["词2", "新词", COMMON, "词2"]
        index.add(doc_id, replacement)
        final[doc_id] = replacement
    index.add_many([("N1", ["新词"]), ("N1", ["词3", "新词"])])  # a later duplicate wins
    final["N1"] = ["词3", "新词"]

    fresh = _index(final)
    assert len(index) == len(fresh) == len(final)
    assert index.stats() == fresh.stats()
    for query in [*QUERIES, ["新词"], ["词2", "新词"]]:
        _assert_same(index.search(query, top_k=8), _reference_top(final, query, 8))
        incremental, rebuilt = index.search(query, top_k=8), fresh.search(query, top_k=8)
        assert [(h.doc_id, h.matched_terms) for h in incremental] == [
            (h.doc_id, h.matched_terms) for h in rebuilt
        ]
        assert [h.score for h in incremental] == pytest.approx([h.score for h in rebuilt], rel=1e-12)
        assert [h.similarity for h in incremental] == pytest.approx(
            [h.similarity for h in rebuilt], rel=1e-12
        )


def test_removing_every_document_of_a_term_forgets_the_term() -> None:
    index = _index({"A": ["家庭剧", "周末"], "B": ["动漫", "周末"], "C": ["综艺"]})
    assert index.remove("A")
    assert not index.remove("A")
    assert "A" not in index
    assert index.search(["家庭剧"]) == []
    assert index.stats().vocabulary_size == 3


def test_stats() -> None:
    index = _index({"A": ["家庭剧", "周末", "周末"], "B": ["动漫"], "C": []})
    stats = index.stats()
    assert (stats.documents, stats.vocabulary_size) == (3, 3)
    assert stats.average_document_length == pytest.approx(4 / 3)
    empty = BM25Index().stats()
    assert (empty.documents, empty.vocabulary_size, empty.average_document_length) == (0, 0, 0.0)


def test_empty_queries_unknown_terms_and_empty_index_give_no_hits() -> None:
    index = _index(_corpus())
    assert index.search([]) == []
    assert index.search(["从未出现"]) == []
    assert index.search(["词1"], top_k=0) == []
    assert BM25Index().search(["词1"]) == []


def test_matched_terms_are_the_query_terms_the_document_contains() -> None:
    docs = {
        "A": ["家庭剧", "周末", "10元券"],
        "B": ["动漫", "周末"],
        "C": ["综艺"],
        "D": ["纪录片"],
        "E": ["短剧"],
    }
    hits = {hit.doc_id: hit for hit in _index(docs).search(["10元券", "周末", "家庭剧", "未知"], top_k=5)}
    assert hits["A"].matched_terms == ("10元券", "周末", "家庭剧")
    assert hits["B"].matched_terms == ("周末",)
    assert set(hits) == {"A", "B"}


LIBRARY = [
    {
        "campaign_id": "C101",
        "name": "暑期家庭剧周末拉新",
        "strategy_tag": "拉新",
        "target_segment": "新用户",
        "content_mix": "家庭剧",
        "resource_positions": "首页位1|详情页推荐",
        "discount": "10元券",
        "success_factors": "周末家庭观看时段集中，10元券降低门槛",
        "notes": "边现提升明显",
    },
    {
        "campaign_id": "C102",
        "name": "动漫偏好沉默用户召回",
        "strategy_tag": "召回",
        "target_segment": "动漫偏好沉默",
        "content_mix": "动漫",
        "resource_positions": "push推送",
        "discount": "免费试看",
        "success_factors": "新番上线配合免费试看",
        "notes": "",
    },
    {
        "campaign_id": "C103",
        "name": "古装剧会员日",
        "strategy_tag": "促活",
        "target_segment": "高价值用户",
        "content_mix": "古装剧",
        "resource_positions": "首页位2",
        "discount": "5折月卡",
        "success_factors": "大结局前一周集中曝光",
        "notes": "工作日效果一般",
    },
    {
        "campaign_id": "C104",
        "name": "悬疑剧续费提醒",
        "strategy_tag": "续费",
        "target_segment": "到期未续费",
        "content_mix": "悬疑剧",
        "resource_positions": "会员中心横幅",
        "discount": "7折季卡",
        "success_factors": "到期前三天提醒",
        "notes": "短信召回辅助",
    },
    {
        "campaign_id": "C105",
        "name": "综艺周末会员日",
        "strategy_tag": "促活",
        "target_segment": "老用户",
        "content_mix": "综艺",
        "resource_positions": "首页焦点图",
        "discount": "5元券",
        "success_factors": "周末综艺独播",
        "notes": "",
    },
    {
        "campaign_id": "C106",
        "name": "少儿动画寒假档",
        "strategy_tag": "拉新",
        "target_segment": "新用户",
        "content_mix": "少儿动画",
        "resource_positions": "开屏广告|首页位3",
        "discount": "首月特惠",
        "success_factors": "寒假家长付费意愿高",
        "notes": "",
    },
]


@pytest.fixture(scope="module")
def library_index() -> BM25Index:
    tokenizer = get_tokenizer()
    index = BM25Index()
    index.add_many((record["campaign_id"], tokenizer.tokenize(campaign_text(record))) for record in LIBRARY)
    return index


def test_search_ranks_the_matching_campaign_first(library_index: BM25Index) -> None:
    hits = library_index.search(get_tokenizer().tokenize("家庭剧 周末 10元券"), top_k=3)
    assert hits[0].doc_id == "C101"
    assert hits[0].matched_terms == ("家庭剧", "周末", "10元券")
    assert hits[0].similarity > 0.6
    assert hits[0].similarity_percent == round(hits[0].similarity * 100)


def test_similarity_separates_good_from_poor_matches(library_index: BM25Index) -> None:
    tokenize = get_tokenizer().tokenize
    strong = library_index.search(tokenize("动漫偏好沉默 免费试看 召回"), top_k=1)
    assert strong[0].doc_id == "C102"
    assert strong[0].similarity > 0.6
    poor = library_index.search(tokenize("世界杯 足球 球迷 直播 周末"), top_k=5)
    assert poor  # the common word 周末 does match something
    assert max(hit.similarity for hit in poor) < 0.2
    # the best of poor matches is not promoted to 100 % (no "divide by this query's max")
    assert poor[0].similarity < strong[0].similarity / 3


def test_okapi_idf_matches_rank_bm25_and_ignores_terms_no_document_has() -> None:
    docs = _corpus(seed=5)
    reference = BM25Okapi(list(docs.values()))
    terms = sorted(reference.idf)
    doc_freq = np.array([0, *(sum(term in set(tokens) for tokens in docs.values()) for term in terms)])
    idf, average_idf = okapi_idf(doc_freq, len(docs), epsilon=0.25)
    assert idf[0] == 0.0
    assert idf[1:] == pytest.approx([reference.idf[term] for term in terms], rel=1e-12)
    assert average_idf == pytest.approx(reference.average_idf, rel=1e-12)


def test_the_library_ranking_equals_rank_bm25_on_real_tokens(library_index: BM25Index) -> None:
    tokenize = get_tokenizer().tokenize
    docs = {record["campaign_id"]: tokenize(campaign_text(record)) for record in LIBRARY}
    for text in ["家庭剧 周末 10元券", "首页位1 首页位2 促活", "召回 免费试看 push推送", "会员日"]:
        query = tokenize(text)
        _assert_same(library_index.search(query, top_k=6), _reference_top(docs, query, 6))


def test_text_instead_of_tokens_and_bad_parameters_are_refused() -> None:
    with pytest.raises(TypeError, match="token lists"):
        BM25Index().add("C1", "家庭剧 周末")
    with pytest.raises(ValueError, match="0 <= b <= 1"):
        BM25Index(b=1.5)
