"""Search over the experience library of past campaigns: BM25 over jieba tokens.

``get_tokenizer().tokenize(campaign_text(record))`` gives a campaign's tokens (kept by the storage layer),
``BM25Index.add(campaign_id, tokens)`` indexes them and ``index.search(tokenizer.tokenize(query))``
ranks the campaigns, scoring exactly like ``rank_bm25.BM25Okapi`` but from a sparse weight matrix.
"""

from core.search.bm25_index import BM25Index, IndexStats
from core.search.campaign_text import CAMPAIGN_ID, TEXT_FIELDS, campaign_terms, campaign_text
from core.search.search_hit import SearchHit
from core.search.tokenizer import Tokenizer, get_tokenizer

__all__ = [
    "CAMPAIGN_ID",
    "TEXT_FIELDS",
    "BM25Index",
    "IndexStats",
    "SearchHit",
    "Tokenizer",
    "campaign_terms",
    "campaign_text",
    "get_tokenizer",
]
