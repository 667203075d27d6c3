"""Similarity of a plan to past campaigns, and the k nearest ones.

``similarity = Σ weight_i · s_i / Σ weight_i`` over the components the plan specifies, with weights
segment 0.35, content 0.30, positions 0.20, discount 0.15:

* segment – 1 for the same segment; otherwise 0.4·[same active level] + 0.3·[same price sensitivity] +
  0.3·[same favourite content] from the segments table;
* content – histogram intersection of the two mixes, Σ min(p_c, q_c) (1 = identical mix);
* positions – Jaccard overlap of the position sets;
* discount – 1 for the same discount, else 1 - |depth difference| (0 when a depth is unknown).

Neighbours are the ``k`` most similar campaigns with similarity ≥ ``min_similarity``; their weight is
similarity², so a close match counts clearly more than a loose one. Ties break on campaign id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from core.planning.discount import discount_depth

WEIGHTS = {"segment": 0.35, "content": 0.30, "positions": 0.20, "discount": 0.15}
K = 5
MIN_SIMILARITY = 0.3


@dataclass(frozen=True)
class Plan:
    """What a campaign plan sets; ``None``/empty means "not specified" (the component is left out)."""

    segment: str | None = None
    mix: dict[str, float] = field(default_factory=dict)
    positions: frozenset[str] = frozenset()
    discount: str | None = None


def mix_overlap(a: dict[str, float], b: dict[str, float]) -> float:
    return float(sum(min(share, b.get(name, 0.0)) for name, share in a.items()))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def discount_similarity(a: str | None, b: str | None) -> float:
    if a == b:
        return 1.0
    depth_a, depth_b = discount_depth(a), discount_depth(b)
    return 0.0 if depth_a is None or depth_b is None else 1.0 - abs(depth_a - depth_b)


def segment_similarity(a: str, b: str, profiles: pd.DataFrame) -> float:
    """``profiles`` is the segments table indexed by segment name."""
    if a == b:
        return 1.0
    if a not in profiles.index or b not in profiles.index:
        return 0.0
    pa, pb = profiles.loc[a], profiles.loc[b]

    def favourite(row: pd.Series) -> str:
        return str(row.get("content_preference", "")).replace("、", ">").split(">")[0].strip()

    return (
        0.4 * (pa.get("active_level") == pb.get("active_level"))
        + 0.3 * (pa.get("price_sensitivity") == pb.get("price_sensitivity"))
        + 0.3 * (favourite(pa) == favourite(pb) != "")
    )


def campaign_similarities(plan: Plan, campaigns: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """One row per prepared campaign: its components and overall ``similarity`` to ``plan``."""
    profiles = segments.set_index(segments["segment"].astype(str))
    parts: dict[str, list[float]] = {}
    if plan.segment is not None:
        parts["segment"] = [
            segment_similarity(plan.segment, s, profiles) for s in campaigns["target_segment"]
        ]
    if plan.mix:
        parts["content"] = [mix_overlap(plan.mix, mix) for mix in campaigns["mix"]]
    if plan.positions:
        parts["positions"] = [jaccard(plan.positions, p) for p in campaigns["position_set"]]
    if plan.discount is not None:
        parts["discount"] = [discount_similarity(plan.discount, d) for d in campaigns["discount"]]
    out = pd.DataFrame(parts, index=campaigns.index, dtype=float)
    total_weight = sum(WEIGHTS[name] for name in parts) or 1.0
    out["similarity"] = sum(out[name] * WEIGHTS[name] for name in parts) / total_weight if parts else 0.0
    out["campaign_id"] = campaigns["campaign_id"]
    return out


def nearest_campaigns(
    similarities: pd.DataFrame, k: int = K, min_similarity: float = MIN_SIMILARITY
) -> pd.DataFrame:
    """The ``k`` most similar rows with similarity ≥ ``min_similarity`` and their ``weight`` = similarity²."""
    eligible = similarities[similarities["similarity"] >= min_similarity]
    ranked = eligible.assign(_negative=-eligible["similarity"]).sort_values(["_negative", "campaign_id"])
    nearest = ranked.drop(columns="_negative").head(k)
    return nearest.assign(weight=nearest["similarity"] ** 2)
