"""Distribution and concentration statistics shared by the book's parts.

All functions take a 1-D array-like of non-negative values (nulls are dropped
by the caller: a missing value is not a zero) and are vectorised with numpy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _values(x) -> np.ndarray:
    arr = np.asarray(pd.Series(x).dropna().to_numpy(dtype=float), dtype=float)
    if (arr < 0).any():
        raise ValueError("values must be non-negative")
    return arr


def percent(num, den) -> float | None:
    """100 * num / den, or None when either is unknown or the denominator is 0."""
    if num is None or den is None or not den:
        return None
    return 100.0 * num / den


def gini(x) -> float:
    """Gini coefficient (0 = equal; (n-1)/n = one non-zero value among n).

    Uses the sorted-values formula G = sum((2i - n - 1) x_i) / (n sum x).
    Returns NaN for an empty input or an all-zero input.
    """
    return _gini_sorted(np.sort(_values(x)))


def _gini_sorted(v: np.ndarray) -> float:
    """:func:`gini` of values already sorted ascending."""
    n = v.size
    total = v.sum()
    if n == 0 or total == 0:
        return float("nan")
    i = np.arange(1, n + 1, dtype=float)
    return float(((2 * i - n - 1) * v).sum() / (n * total))


def top_share(x, fraction: float) -> float:
    """Share of the total held by the top ``fraction`` of units (e.g. 0.01 = top 1%).

    The number of top units is ceil(fraction * n), at least 1. Ties at the cut
    do not matter for the share (any tied unit contributes the same value).

    The top units come from a sort, not ``np.partition``: numpy's introselect takes 25 times
    as long on values already in order (0.6 s against 0.02 s for 3 million), which is how a
    book's measures often arrive.
    """
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    return _top_share_sorted(np.sort(_values(x)), fraction)


def _top_share_sorted(v: np.ndarray, fraction: float) -> float:
    """:func:`top_share` of values already sorted ascending."""
    n = v.size
    total = v.sum()
    if n == 0 or total == 0:
        return float("nan")
    k = max(1, int(np.ceil(fraction * n - 1e-9)))
    return float(v[n - k :].sum() / total)


def lorenz(x, points: int | None = 1000) -> pd.DataFrame:
    """Lorenz curve: cumulative share of units (ascending) vs cumulative share of the total.

    ``points`` thins the curve for plotting (None keeps every unit).
    """
    v = np.sort(_values(x))
    n = v.size
    if n == 0 or v.sum() == 0:
        return pd.DataFrame({"population_share": [0.0, 1.0], "value_share": [0.0, 1.0]})
    cum = np.concatenate([[0.0], np.cumsum(v) / v.sum()])
    pop = np.arange(n + 1) / n
    if points and n + 1 > points:
        idx = np.unique(np.linspace(0, n, points).round().astype(int))
        cum, pop = cum[idx], pop[idx]
    return pd.DataFrame({"population_share": pop, "value_share": cum})


def ccdf(x) -> pd.DataFrame:
    """Complementary cumulative distribution P(X >= x) at each distinct positive value."""
    v = _values(x)
    n = v.size
    v = v[v > 0]
    if v.size == 0:
        return pd.DataFrame({"value": [], "ccdf": []})
    vals, counts = np.unique(v, return_counts=True)
    ge = counts[::-1].cumsum()[::-1]
    return pd.DataFrame({"value": vals, "ccdf": ge / n})


def summarize(x) -> dict[str, float]:
    """N, mean, SD, median, p90, p99, max, % zero, top-1% and top-10% shares, Gini (the order
    statistics, shares and Gini from one sort of the values)."""
    v = _values(x)
    s = np.sort(v)
    n = v.size
    if n == 0:
        keys = ["n", "mean", "sd", "median", "p90", "p99", "max", "pct_zero", "top1_share", "top10_share", "gini"]
        return {k: (0 if k == "n" else float("nan")) for k in keys}
    return {
        "n": int(n),
        "mean": float(v.mean()),
        "sd": float(v.std(ddof=1)) if n > 1 else float("nan"),
        "median": float(np.median(s)),
        "p90": float(np.quantile(s, 0.90)),
        "p99": float(np.quantile(s, 0.99)),
        "max": float(v.max()),
        "pct_zero": float((v == 0).mean() * 100),
        "top1_share": _top_share_sorted(s, 0.01),
        "top10_share": _top_share_sorted(s, 0.10),
        "gini": _gini_sorted(s),
    }
