"""Comparing numbers that engines add in their own order (last-bit differences)."""

from __future__ import annotations

import math


def rounded(value: object) -> object:
    """Floats to 10 significant digits (NaN as the text "nan", so that it equals itself), inside any JSON-like
    structure."""
    if isinstance(value, float):
        return "nan" if value != value else float(f"{value:.10g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def nearly_equal(left: object, right: object, rel: float = 1e-9) -> bool:
    """The same JSON-like structure with floats equal within ``rel`` (NaN equals NaN): no rounding boundary
    for a last-digit difference of two summation orders to fall on."""
    if isinstance(left, float) or isinstance(right, float):
        if not isinstance(left, int | float) or not isinstance(right, int | float):
            return False
        return (left != left and right != right) or math.isclose(left, right, rel_tol=rel, abs_tol=1e-12)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(nearly_equal(left[k], right[k], rel) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            nearly_equal(a, b, rel) for a, b in zip(left, right, strict=True)
        )
    return left == right
