"""Comparing numbers that engines add in their own order (last-bit differences)."""

from __future__ import annotations


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
