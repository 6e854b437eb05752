"""Part I's extension beyond the paper: power-law versus lognormal tails of each activity measure
(``powerlaw``), fitted on a deterministic subsample above a size."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.parts.activity.loading import MEASURE_LABELS, MEASURES, OK, RepoActivity


def fit_tail(values: Any, max_n: int = 20_000, seed: int = 0, min_n: int = 50) -> dict[str, Any]:
    """Power-law vs lognormal tail of the positive values (``powerlaw`` package).

    Above ``max_n`` positive values, a deterministic random subsample of
    ``max_n`` (numpy Generator seeded with ``seed``) is fitted, for speed.
    Returns n (positive values), n_fitted, subsampled, x_min, alpha, n_tail,
    R (normalised log-likelihood ratio, power law vs lognormal: > 0 favours
    the power law, < 0 the lognormal), p (significance of R's sign) and
    preferred ("power law", "lognormal" or "undecided" at p >= 0.1).
    """
    import powerlaw

    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v) & (v > 0)]
    out: dict[str, Any] = {
        "n": int(v.size),
        "n_fitted": 0,
        "subsampled": False,
        "x_min": np.nan,
        "alpha": np.nan,
        "n_tail": 0,
        "R": np.nan,
        "p": np.nan,
        "preferred": "too few values",
    }
    if v.size < min_n or np.unique(v).size < 3:
        return out
    if v.size > max_n:
        rng = np.random.default_rng(seed)
        v = rng.choice(np.sort(v), size=max_n, replace=False)
        out["subsampled"] = True
    out["n_fitted"] = int(v.size)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            fit = powerlaw.Fit(v, discrete=True, verbose=0)
            R, p = fit.distribution_compare("power_law", "lognormal", normalized_ratio=True)
        except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
            out["preferred"] = f"fit failed ({exc})"
            return out
    out.update(
        x_min=float(fit.xmin),
        alpha=float(fit.power_law.alpha),
        n_tail=int((v >= fit.xmin).sum()),
        R=float(R),
        p=float(p),
    )
    if np.isnan(p) or p >= 0.1:
        out["preferred"] = "undecided"
    else:
        out["preferred"] = "power law" if R > 0 else "lognormal"
    return out


def tails_table(
    acts: dict[str, RepoActivity], measures: Sequence[str] = MEASURES, max_n: int = 20_000, seed: int = 0
) -> pd.DataFrame:
    """Tail fits per measure x repository type (available measures only)."""
    rows = []
    for m in measures:
        for t, a in acts.items():
            if a.status[m] != OK:
                continue
            r = fit_tail(a.values(m), max_n=max_n, seed=seed)
            rows.append(
                {
                    "measure": MEASURE_LABELS[m],
                    "repository type": t,
                    "positive values": r["n"],
                    "fitted": r["n_fitted"],
                    "subsampled": "yes" if r["subsampled"] else "no",
                    "x_min": r["x_min"],
                    "alpha": r["alpha"],
                    "tail size": r["n_tail"],
                    "R (power law vs lognormal)": r["R"],
                    "p": r["p"],
                    "better fit": r["preferred"],
                }
            )
    cols = [
        "measure",
        "repository type",
        "positive values",
        "fitted",
        "subsampled",
        "x_min",
        "alpha",
        "tail size",
        "R (power law vs lognormal)",
        "p",
        "better fit",
    ]
    return pd.DataFrame(rows, columns=cols)
