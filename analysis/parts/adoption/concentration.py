"""Part III's concentration of use over covered models: ``tab-adoption`` (the summary of uses, spaces
and edges), the CCDF of spaces per model, and the summary in words."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.parts.adoption.usage import Adoption, _fmt_pct, _nan_none


def summary(a: Adoption) -> pd.DataFrame:
    """``tab-adoption``: one row per measure with ``value``, ``percent`` and ``of`` (the denominator)."""
    counts = a.covered_counts()
    used = counts[counts > 0]
    pct = stats.percent
    conc = _concentration(counts)
    unused = int(counts.size - used.size)
    idle = None if a.spaces_covered is None else a.spaces_covered - a.spaces_using

    def spaces_of(text: str) -> str:  # the denominator of a space count, unless there is no listing
        return "not covered (no spaces listing)" if a.spaces_listed is None else text

    rows: list[tuple[str, Any, Any, str]] = [
        ("models in the snapshot", a.n_models, None, ""),
        (
            "models covered by space-usage data",
            a.models_covered,
            pct(a.models_covered, a.n_models),
            "of models in the snapshot",
        ),
        ("models used by at least one space", int(used.size), pct(used.size, counts.size), "of covered models"),
        ("models used by no space", unused, pct(unused, counts.size), "of covered models"),
        ("spaces listed", a.spaces_listed, None, spaces_of("")),
        (
            "spaces with known model lists (covered)",
            a.spaces_covered,
            pct(a.spaces_covered, a.spaces_listed),
            spaces_of("of listed spaces"),
        ),
        (
            "spaces using at least one model",
            a.spaces_using,
            pct(a.spaces_using, a.spaces_covered),
            spaces_of("of covered spaces"),
        ),
        ("spaces using no model", idle, pct(idle, a.spaces_covered), spaces_of("of covered spaces")),
        ("distinct spaces appearing in edges", a.spaces_in_edges, None, "any model"),
        ("space-model edges (distinct)", a.edges, None, ""),
        ("duplicate edges removed", a.duplicate_edges, None, ""),
        (
            "edges to models absent from the models table",
            a.edges_absent_model,
            pct(a.edges_absent_model, a.edges),
            f"of distinct edges; {a.models_absent:,} distinct models, left out",
        ),
        (
            "edges to models not covered",
            a.edges_uncovered_model,
            pct(a.edges_uncovered_model, a.edges),
            "of distinct edges; left out",
        ),
        (
            "uses of covered models (edges counted)",
            a.edges_in_scope,
            pct(a.edges_in_scope, a.edges),
            "of distinct edges",
        ),
        ("share of uses: top 1% of covered models", None, conc["top1_pct"], "of uses of covered models"),
        ("share of uses: top 10% of covered models", None, conc["top10_pct"], "of uses of covered models"),
        ("Gini of spaces per model (covered models)", conc["gini"], None, "0 = equal, 1 = one model"),
        ("Gini of spaces per model (used models only)", _nan_none(stats.gini(used)), None, ""),
        ("median spaces per used model", float(np.median(used)) if used.size else None, None, ""),
        ("most spaces using one model", int(used.max()) if used.size else None, None, ""),
    ]
    if a.spaces_absent_from_listing:
        rows.insert(
            9,
            (
                "spaces in edges absent from the spaces listing",
                a.spaces_absent_from_listing,
                None,
                "kept in edge counts",
            ),
        )
    df = pd.DataFrame(rows, columns=["measure", "value", "percent", "of"])
    # counts stay Python ints (shown as 3,000,000, not 3e+06), ratios floats, missing None
    df["value"] = pd.Series(
        [None if v is None else (int(v) if isinstance(v, (int, np.integer)) else float(v)) for _, v, _, _ in rows],
        dtype=object,
    )
    df["percent"] = pd.to_numeric(df["percent"], errors="coerce").round(3)
    return df


def _concentration(counts: np.ndarray) -> dict[str, float | None]:
    """Share (%) of uses held by the top 1% and top 10% of models, and the Gini (None where undefined)."""
    return {
        "top1_pct": _nan_none(100 * stats.top_share(counts, 0.01)),
        "top10_pct": _nan_none(100 * stats.top_share(counts, 0.10)),
        "gini": _nan_none(stats.gini(counts)),
    }


def ccdf_data(a: Adoption) -> pd.DataFrame:
    """CCDF of spaces per model over covered models: ``spaces``, ``ccdf`` = P(X >= spaces)."""
    c = stats.ccdf(a.covered_counts())
    return c.rename(columns={"value": "spaces"}).astype({"spaces": "int64"})


def ccdf_figure(a: Adoption):
    import matplotlib.pyplot as plt

    from analysis.style import REPO_TYPE_COLORS

    data = ccdf_data(a)
    fig, ax = plt.subplots(figsize=(6, 4))
    if len(data):
        ax.plot(data["spaces"], data["ccdf"], marker="o", ms=3, lw=1, color=REPO_TYPE_COLORS["model"])
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        ax.text(0.5, 0.5, "no model is used by any space", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("spaces using the model, x (log scale)")
    ax.set_ylabel("share of covered models with ≥ x spaces (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    return fig, data


def summary_sentences(a: Adoption) -> str:
    """Sentences stating the adoption summary (all numbers computed)."""
    used = a.models_used
    parts = [
        f"Of the {a.models_covered:,} models whose use in spaces is known, {used:,} "
        f"({_fmt_pct(stats.percent(used, a.models_covered))}) are used by at least one space."
    ]
    if used:
        conc = _concentration(a.covered_counts())
        parts.append(
            f"The top 1% of these models account for {_fmt_pct(conc['top1_pct'])} "
            f"of all {a.edges_in_scope:,} uses, the top 10% for "
            f"{_fmt_pct(conc['top10_pct'])} (Gini {conc['gini']:.3f})."
        )
    if a.spaces_covered is None:
        parts.append("The snapshot has no spaces listing, so the share of spaces that use a model is not covered.")
    else:
        parts.append(
            f"{a.spaces_using:,} of {a.spaces_covered:,} covered spaces "
            f"({_fmt_pct(stats.percent(a.spaces_using, a.spaces_covered))}) use at least one model."
        )
    return " ".join(parts)
