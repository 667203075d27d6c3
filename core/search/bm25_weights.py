"""Okapi BM25 term weights, exactly as ``rank_bm25.BM25Okapi`` computes them, vectorised.

For a term t in document d (term frequency tf, length |d| tokens, corpus of N documents with mean
length avgdl, t in df(t) of them)::

    idf(t)    = ln(N - df + 0.5) - ln(df + 0.5)
    weight    = idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))
    score(q,d) = sum of weight(t, d) over the query's tokens (a repeated query token counts again)

``idf`` is negative for a term in more than half of the documents. rank-bm25 replaces every negative
idf by ``epsilon * average_idf``, where the average is taken over all terms of the corpus *before* the
replacement; the same floor is applied here so scores match it to rounding.
"""

from __future__ import annotations

import numpy as np


def okapi_idf(doc_freq: np.ndarray, n_docs: int, epsilon: float) -> tuple[np.ndarray, float]:
    """Floored idf per term, and the average idf the floor is derived from.

    Terms with ``doc_freq == 0`` (left in the vocabulary by removed documents) are not part of the
    corpus: their idf is 0 and they do not enter the average.
    """
    present = doc_freq > 0
    idf = np.zeros(doc_freq.shape, dtype=np.float64)
    df = doc_freq[present].astype(np.float64)
    raw = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
    average_idf = float(raw.mean()) if raw.size else 0.0
    idf[present] = np.where(raw < 0, epsilon * average_idf, raw)
    return idf, average_idf


def floored_idf(doc_freq: int, n_docs: int, epsilon: float, average_idf: float) -> float:
    """The idf one term with ``doc_freq`` documents would get, with rank-bm25's floor applied."""
    raw = float(np.log(n_docs - doc_freq + 0.5) - np.log(doc_freq + 0.5))
    return epsilon * average_idf if raw < 0 else raw


def length_normalisers(doc_lengths: np.ndarray, avgdl: float, k1: float, b: float) -> np.ndarray:
    """Per document ``k1 * (1 - b + b * |d| / avgdl)``, the length part of the BM25 denominator."""
    return k1 * (1 - b + b * doc_lengths / avgdl)


def saturated_weights(
    idf_per_entry: np.ndarray, term_freq: np.ndarray, length_norm_per_entry: np.ndarray, k1: float
) -> np.ndarray:
    """BM25 weight of each (document, term) entry: ``idf * tf * (k1 + 1) / (tf + length_norm)``.

    Written in rank-bm25's order of operations, in place to spare temporaries (this runs over every
    non-zero of the index on each rebuild).
    """
    tf = term_freq.astype(np.float64)
    numerator = np.multiply(tf, k1 + 1)
    denominator = np.add(tf, length_norm_per_entry, out=tf)
    weights = np.divide(numerator, denominator, out=numerator)
    return np.multiply(idf_per_entry, weights, out=weights)
