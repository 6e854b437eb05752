"""Part I's statistics of loaded activity: ``tab-activity`` (summary statistics per measure and
repository type), the headline numbers Part IV and the findings read, the as-of table, and what the
loaded activity covers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.parts import licenses
from analysis.parts.activity.loading import MEASURE_LABELS, MEASURES, OK, RepoActivity, load
from analysis.snapshot import Snapshot, open_snapshot
from analysis.snapshot.schema import REPO_TYPES

SUMMARY_COLUMNS = [
    "N",
    "mean",
    "SD",
    "median",
    "p90",
    "p99",
    "max",
    "% zero",
    "top 1% share (%)",
    "top 10% share (%)",
    "Gini",
]


#: The columns of ``tab-activity`` a page shows first (the paper's headline statistics).
ACTIVITY_KEY_COLUMNS = ("repository type", "measure", "N", "top 1% share (%)", "Gini", "median", "% zero", "status")


def activity_table(acts: dict[str, RepoActivity]) -> pd.DataFrame:
    """``tab-activity``: per measure x repository type, the summary statistics.

    The ``status`` column says "not applicable" or "not covered" where a
    measure is not available; its statistics are then empty (never 0).
    """
    rows = []
    for m in MEASURES:
        for t, a in acts.items():
            row: dict[str, Any] = {
                "measure": MEASURE_LABELS[m],
                "repository type": t,
                "status": a.status[m] if a.status[m] != OK else "",
            }
            if a.status[m] == OK:
                s = stats.summarize(a.values(m))
                row.update(
                    {
                        "N": int(s["n"]),
                        "mean": s["mean"],
                        "SD": s["sd"],
                        "median": s["median"],
                        "p90": s["p90"],
                        "p99": s["p99"],
                        "max": s["max"],
                        "% zero": s["pct_zero"],
                        "top 1% share (%)": 100 * s["top1_share"],
                        "top 10% share (%)": 100 * s["top10_share"],
                        "Gini": s["gini"],
                    }
                )
            else:
                row.update({c: np.nan for c in SUMMARY_COLUMNS})
            rows.append(row)
    df = pd.DataFrame(rows, columns=["measure", "repository type", "status"] + SUMMARY_COLUMNS)
    # plain Python ints (and None) so that the CSV has "5000", not "5000.0", and the book "5,000"
    df["N"] = pd.Series([None if pd.isna(x) else int(x) for x in df["N"]], dtype=object)
    return df


def coverage_text(acts: dict[str, RepoActivity]) -> str:
    """A short "covers ..." phrase for captions."""
    parts = []
    for t, a in acts.items():
        if not a.listed:
            parts.append(f"no {t} listing")
            continue
        extra = []
        for m in ("commits", "discussions"):
            if a.status[m] == OK:
                extra.append(f"{m} for {a.covered[m]:,} of them")
        parts.append(f"{a.n:,} {t} repositories" + (f" ({'; '.join(extra)})" if extra else ""))
    return "; ".join(parts)


def headline_from(acts: dict[str, RepoActivity], tests: bool = True) -> dict[str, Any]:
    """The headline numbers of :func:`headline` from already loaded activity
    (``tests=False`` skips the Kruskal-Wallis tests: ``license_kw`` is then {})."""
    out: dict[str, Any] = {}
    for t in REPO_TYPES:
        a = acts.get(t)
        out[f"{t}s"] = a.n if a is not None and a.listed else None
    m = acts.get("model")
    d = acts.get("dataset")
    dl = m.values("downloads") if m is not None else np.empty(0)
    out["models_zero_downloads_pct"] = stats.percent(int((dl == 0).sum()), dl.size)
    share = stats.top_share(dl, 0.01) if dl.size else float("nan")
    out["top1pct_downloads_share_pct"] = None if np.isnan(share) else 100 * share
    for key, a in (("models_no_license_pct", m), ("datasets_no_license_pct", d)):
        # an unlisted type has n = 0, so its percentage is None
        out[key] = None if a is None else stats.percent(int(a.data["license"].isna().sum()), a.n)
    if m is not None and m.status["commit_authors"] == OK:
        ca = m.data["commit_authors"].to_numpy(dtype=float)
        cc = m.data["commits"].to_numpy(dtype=float)
        with_commits = ~np.isnan(cc) & (cc > 0)
        out["models_single_commit_author_pct"] = stats.percent(
            int((ca[with_commits] == 1).sum()), int(with_commits.sum())
        )
    else:
        out["models_single_commit_author_pct"] = None
    kw: dict[str, float | None] = {}
    for meas in MEASURES if tests else ():
        if m is None or m.status[meas] != OK:
            kw[meas] = None
            continue
        res = licenses.kruskal(m.data[meas].to_numpy(dtype=float), m.data["group"])
        kw[meas] = None if np.isnan(res["p"]) else res["p"]
    out["license_kw"] = kw
    return out


def headline(snap: Snapshot | str, as_of: str | None = None) -> dict[str, Any]:
    """Headline numbers of a snapshot (optionally restricted to repositories created by ``as_of``).

    Keys:

    - ``models``, ``datasets``, ``spaces``: repository counts (None where the
      snapshot has no listing of that type);
    - ``models_zero_downloads_pct``: % of models (with a known download count)
      with 0 downloads;
    - ``top1pct_downloads_share_pct``: % of all model downloads held by the top
      1% of models;
    - ``models_no_license_pct``, ``datasets_no_license_pct``: % without a
      license tag (the tag ``unknown`` counts as a license tag here);
    - ``models_single_commit_author_pct``: % of covered models with at least
      one commit that have exactly one distinct commit author (the Hub's
      ``system`` author ignored); None if commits are not covered;
    - ``license_kw``: ``{measure: p}``, the Kruskal-Wallis p across license
      groups (main mapping) in model repositories, None for a measure that is
      not available or a test that is undefined.

    Percentages are 0-100; None means "not available in this snapshot".
    """
    if not isinstance(snap, Snapshot):
        snap = open_snapshot(snap)
    return headline_from(load(snap, as_of=as_of))


def as_of_table(full: dict[str, Any], restricted: dict[str, Any], as_of: str) -> pd.DataFrame:
    """Counts and headline shares for the full snapshot and the ``as_of`` restriction."""
    rows = [
        ("model repositories", "models"),
        ("dataset repositories", "datasets"),
        ("space repositories", "spaces"),
        ("models with 0 downloads (%)", "models_zero_downloads_pct"),
        ("share of model downloads held by the top 1% (%)", "top1pct_downloads_share_pct"),
        ("models without a license tag (%)", "models_no_license_pct"),
        ("datasets without a license tag (%)", "datasets_no_license_pct"),
        ("models with a single commit author (% of covered with commits)", "models_single_commit_author_pct"),
    ]

    def fmt(v: Any) -> Any:
        return "not covered" if v is None else v

    df = pd.DataFrame(
        {
            "quantity": [r[0] for r in rows],
            "full snapshot": pd.Series([fmt(full.get(k)) for _, k in rows], dtype=object),
            f"created on or before {as_of}": pd.Series([fmt(restricted.get(k)) for _, k in rows], dtype=object),
        }
    )
    return df


def license_ids_by_type(acts: dict[str, RepoActivity]) -> dict[str, Any]:
    """{repo_type: license ids} for listed types (None = no license tag)."""
    return {t: a.data["license"].array for t, a in acts.items() if a.listed}


def model_measures(acts: dict[str, RepoActivity]) -> list[str]:
    """Measures available for model repositories."""
    m = acts.get("model")
    return [x for x in MEASURES if m is not None and m.status[x] == OK]
