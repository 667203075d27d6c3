"""Experience-library search: our sparse-matrix BM25 index against rank_bm25.BM25Okapi.

Synthetic campaign libraries of 1k, 10k and 100k records are generated from realistic operations
vocabulary (deterministic seed) and tokenised once with the search tokenizer (each distinct phrase is cut
once and reused, so the corpus is what the real tokenizer produces). For each size the script prints,
ours vs rank-bm25: build time, query latency p50/p95 over the same queries (rank-bm25 gets fewer at 100k:
its Python loop takes ~0.2 s a query), memory held by the index (tracemalloc, in a separate untimed
build; the objects built before timing are frozen out of the cyclic GC, for both alike), and whether the top-10 rankings (score desc, id asc) agree for every query. It also times an
incremental add / replace / remove followed by the first query (which rebuilds the weight matrix).

    .venv/bin/python bench/search_speed.py            # 1k, 10k, 100k
    .venv/bin/python bench/search_speed.py --quick    # 1k, 10k, fewer queries
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

from core.search import BM25Index, Tokenizer, get_tokenizer

TOP_K = 10
SEED = 20240601

CONTENT = ["家庭剧", "古装剧", "悬疑剧", "都市剧", "甜宠剧", "青春剧", "年代剧", "短剧", "动漫", "少儿动画",
           "综艺", "纪录片", "体育赛事", "院线电影"]  # fmt: skip
SEGMENTS = ["新用户", "老用户", "沉默用户", "流失用户", "高价值用户", "学生用户", "到期未续费", "首次付费",
            "动漫偏好沉默", "家庭用户", "下沉市场用户", "一线城市白领"]  # fmt: skip
POSITIONS = ["首页位1", "首页位2", "首页位3", "首页焦点图", "详情页推荐", "播放页暂停位", "播放页角标",
             "开屏广告", "搜索框推荐", "会员中心横幅", "push推送", "短信召回"]  # fmt: skip
DISCOUNTS = ["5折月卡", "7折月卡", "5折季卡", "7折季卡", "8折年卡", "5元券", "10元券", "15元券", "20元券",
             "30元券", "满减券", "免费试看", "限时免费", "首月特惠", "首月1元", "买一送一", "体验卡"]  # fmt: skip
STRATEGIES = ["拉新", "促活", "召回", "续费", "提频", "交叉销售", "会员日", "节日营销"]
SEASONS = ["暑期", "寒假", "春节", "国庆", "五一", "周末", "双十一", "开学季", "跨年", "情人节", "中秋"]
TITLE_WORDS = ["山河", "长安", "少年", "星辰", "大海", "江湖", "归来", "人间", "烟火", "青春", "故事", "秘密",
               "追光", "风起", "明月", "繁花", "万里", "家园", "勇者", "时光", "奇遇", "守护", "远方", "微光"]  # fmt: skip
FACTORS = ["周末家庭观看时段集中", "大结局前一周集中曝光", "新番上线配合免费试看", "到期前三天短信提醒",
           "首页位1曝光量大", "券面额降低付费门槛", "独播内容吸引新用户", "会员日全站联动", "明星直播带动转化",
           "节假日前预热", "精准人群定向投放", "续费提醒加优惠券", "边现提升明显", "转化率高于大盘",
           "DAU 同比增长", "沉默用户唤醒效果好", "学生认证专享价", "超前点播拉动收入"]  # fmt: skip
NOTES = ["工作日效果一般", "建议下次提前预热", "券核销率偏低", "库存不足提前结束", "与竞品活动撞期",
         "预算超支", "ARPU 提升 3.5%", "需要复盘转化漏斗", "iOS 端转化偏低", "安卓端表现更好", "",
         "复购率提升", "投诉率上升", "渠道质量一般"]  # fmt: skip
UNSEEN = ["世界杯", "足球", "演唱会", "电竞", "直播带货"]


@dataclass(frozen=True)
class Corpus:
    ids: list[str]
    tokens: list[list[str]]
    queries: list[list[str]]


def make_corpus(size: int, n_queries: int, tokenizer: Tokenizer) -> Corpus:
    """``size`` synthetic campaigns and ``n_queries`` queries, tokenised with a per-phrase cache."""
    rng = random.Random(SEED + size)
    cache: dict[str, list[str]] = {}

    def cut(phrase: str) -> list[str]:
        if phrase not in cache:
            cache[phrase] = tokenizer.tokenize(phrase)
        return cache[phrase]

    ids, tokens = [], []
    for i in range(size):
        content = rng.sample(CONTENT, rng.randint(1, 3))
        phrases = [
            f"{rng.choice(SEASONS)}{content[0]}{rng.choice(STRATEGIES)}",
            "".join(rng.sample(TITLE_WORDS, 2)),
            rng.choice(STRATEGIES),
            rng.choice(SEGMENTS),
            *content,
            *rng.sample(POSITIONS, rng.randint(1, 3)),
            rng.choice(DISCOUNTS),
            *rng.sample(FACTORS, rng.randint(1, 4)),
            *rng.sample(NOTES, rng.randint(0, 2)),
        ]
        ids.append(f"C{i:06d}")
        tokens.append([token for phrase in phrases for token in cut(phrase)])
    pools = [CONTENT, SEGMENTS, POSITIONS, DISCOUNTS, STRATEGIES, SEASONS, TITLE_WORDS]
    queries = []
    for _ in range(n_queries):
        words = [rng.choice(pool) for pool in rng.sample(pools, rng.randint(2, 4))]
        if rng.random() < 0.2:
            words.append(rng.choice(UNSEEN))
        queries.append(tokenizer.tokenize(" ".join(words)))
    return Corpus(ids, tokens, queries)


def build_ours(corpus: Corpus) -> BM25Index:
    index = BM25Index()
    index.add_many(zip(corpus.ids, corpus.tokens, strict=True))
    index.search(corpus.queries[0], TOP_K)  # the weight matrix is built lazily: include it in the build
    return index


def build_reference(corpus: Corpus) -> BM25Okapi:
    return BM25Okapi(corpus.tokens)


def reference_top(model: BM25Okapi, query: list[str]) -> tuple[list[int], np.ndarray]:
    """rank-bm25's top 10 positive scores, ties by id (ids are zero-padded, so row order is id order)."""
    scores = model.get_scores(query)
    rows = np.flatnonzero(scores > 0)
    order = rows[np.lexsort((rows, -scores[rows]))][:TOP_K]
    return order.tolist(), scores[order]


def timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def traced_bytes(function: Callable[[], object]) -> int:
    """Memory still allocated (tracemalloc) by what ``function`` returns."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = function()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return after - before


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


@dataclass
class Row:
    size: int
    build_ours: float
    build_ref: float
    p50_ours: float
    p95_ours: float
    p50_ref: float
    p95_ref: float
    mem_ours: int
    mem_ref: int
    array_bytes_ours: int
    identical: str
    add_then_query: float
    replace_then_query: float
    remove_then_query: float


@dataclass
class Timings:
    build_ours: float
    build_ref: float
    ours_ms: list[float]
    ref_ms: list[float]
    agree: int
    array_bytes_ours: int
    add_then_query: float
    replace_then_query: float
    remove_then_query: float


def time_both(corpus: Corpus, n_ref_queries: int) -> Timings:
    """Build both indexes, run the queries on both, compare top-10s, time incremental updates."""
    build_ours_s, index = timed(lambda: build_ours(corpus))
    build_ref_s, reference = timed(lambda: build_reference(corpus))
    assert isinstance(index, BM25Index) and isinstance(reference, BM25Okapi)
    # The corpus and rank-bm25's per-document dicts are millions of Python objects; without this, cyclic
    # GC passes over them land in random queries (of both implementations) and swamp the p95.
    gc.collect()
    gc.freeze()
    try:
        ours_ms, ours_hits = [], []
        for query in corpus.queries:
            seconds, hits = timed(lambda q=query: index.search(q, TOP_K))
            ours_ms.append(seconds * 1000)
            ours_hits.append(hits)
        ref_ms, agree = [], 0
        for query, hits in zip(corpus.queries[:n_ref_queries], ours_hits, strict=False):
            seconds, (rows, scores) = timed(lambda q=query: reference_top(reference, q))
            ref_ms.append(seconds * 1000)
            same_ids = [corpus.ids[row] for row in rows] == [hit.doc_id for hit in hits]
            agree += same_ids and np.allclose([hit.score for hit in hits], scores, rtol=1e-9, atol=0)

        add_s = median_of_updates(
            index, corpus, lambda i: index.add(f"NEW-{i}", [*corpus.tokens[i], f"新词{i}"])
        )
        replace_s = median_of_updates(
            index, corpus, lambda i: index.add(corpus.ids[i + 10], corpus.tokens[i])
        )
        remove_s = median_of_updates(index, corpus, lambda i: index.remove(corpus.ids[i + 20]))
    finally:
        gc.unfreeze()
    return Timings(
        build_ours_s,
        build_ref_s,
        ours_ms,
        ref_ms,
        int(agree),
        index.array_bytes(),
        add_s,
        replace_s,
        remove_s,
    )


def median_of_updates(index: BM25Index, corpus: Corpus, update: Callable[[int], object]) -> float:
    """Median seconds of five (update, first query) pairs; the query pays for the lazy rebuild."""
    seconds = [timed(lambda i=i: (update(i), index.search(corpus.queries[i], TOP_K)))[0] for i in range(5)]
    return statistics.median(seconds)


def run_size(size: int, n_queries: int, n_ref_queries: int, tokenizer: Tokenizer) -> Row:
    corpus = make_corpus(size, n_queries, tokenizer)
    t = time_both(corpus, n_ref_queries)
    gc.collect()
    return Row(
        size=size,
        build_ours=t.build_ours,
        build_ref=t.build_ref,
        p50_ours=percentile(t.ours_ms, 50),
        p95_ours=percentile(t.ours_ms, 95),
        p50_ref=percentile(t.ref_ms, 50),
        p95_ref=percentile(t.ref_ms, 95),
        mem_ours=traced_bytes(lambda: build_ours(corpus)),
        mem_ref=traced_bytes(lambda: build_reference(corpus)),
        array_bytes_ours=t.array_bytes_ours,
        identical=f"{t.agree}/{len(t.ref_ms)}",
        add_then_query=t.add_then_query,
        replace_then_query=t.replace_then_query,
        remove_then_query=t.remove_then_query,
    )


def print_table(rows: list[Row], n_queries: int, ref_queries: dict[int, int]) -> None:
    mib = 1024 * 1024
    print()
    print(f"Top-{TOP_K}, {n_queries} queries each for ours; rank-bm25 queries per size: {ref_queries}")
    print()
    print(
        "| docs | build ours (s) | build rank-bm25 (s) | query p50 ours (ms) | query p95 ours (ms) "
        "| query p50 rank-bm25 (ms) | query p95 rank-bm25 (ms) | speed-up p50 | memory ours (MiB) "
        "| memory rank-bm25 (MiB) | identical top-10 |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for r in rows:
        print(
            f"| {r.size:,} | {r.build_ours:.3f} | {r.build_ref:.3f} | {r.p50_ours:.3f} | {r.p95_ours:.3f} "
            f"| {r.p50_ref:.2f} | {r.p95_ref:.2f} | {r.p50_ref / r.p50_ours:.0f}× "
            f"| {r.mem_ours / mib:.1f} ({r.array_bytes_ours / mib:.1f} in arrays) | {r.mem_ref / mib:.1f} "
            f"| {r.identical} |"
        )
    print()
    print("Incremental update + first query (rebuilds the weight matrix, no re-tokenising), median of 5:")
    print()
    print("| docs | add + query (ms) | replace + query (ms) | remove + query (ms) |")
    print("|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r.size:,} | {r.add_then_query * 1000:.1f} | {r.replace_then_query * 1000:.1f} "
            f"| {r.remove_then_query * 1000:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1k and 10k only, fewer queries")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    n_queries = 30 if args.quick else 100
    ref_queries = {size: (20 if size >= 100_000 else n_queries) for size in sizes}

    load_s, tokenizer = timed(get_tokenizer)
    assert isinstance(tokenizer, Tokenizer)
    query_text = "家庭剧 周末 10元券 首页位1"
    tokenize_ms = [timed(lambda: tokenizer.tokenize(query_text))[0] * 1000 for _ in range(200)]
    print(f"tokenizer load (once per process): {load_s:.2f} s; tokenising a query: "
          f"p50 {percentile(tokenize_ms, 50):.3f} ms")  # fmt: skip

    rows = []
    for size in sizes:
        print(f"... {size:,} documents", flush=True)
        rows.append(run_size(size, n_queries, ref_queries[size], tokenizer))
    print_table(rows, n_queries, ref_queries)


if __name__ == "__main__":
    main()
