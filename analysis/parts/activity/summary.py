"""Part I's statistics of loaded activity: ``tab-activity`` (summary statistics per measure and
repository type), the headline numbers (:func:`headline_from`), the as-of table, what the loaded
activity covers, and Part I's findings (:func:`findings`, declared for ``part1_activity``: the
headline numbers and the license-group tests, as ``findings.json`` records them)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis import finding, stats
from analysis.parts import licenses
from analysis.parts.activity.loading import MEASURE_LABELS, MEASURES, OK, RepoActivity
from analysis.snapshot import Snapshot
from analysis.snapshot.schema import REPO_TABLES, REPO_TYPES

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
    """Part I's headline numbers of loaded activity (:func:`~analysis.parts.activity.loading.load`, or
    restricted to the repositories created by a date): what the as-of table shows and :func:`findings` records.

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
      not available or a test that is undefined (``tests=False`` skips the
      tests: ``license_kw`` is then {}).

    Percentages are 0-100; None means "not available in this snapshot".
    """
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


# --------------------------------------------------------------------------- #
# Part I's findings (findings.json), from what the notebook has computed
# --------------------------------------------------------------------------- #

#: Part I's findings from its headline numbers (:func:`headline_from`): key, unit, quantity, the table
#: that shows it, and its evidence (a repository type, whose listing it covers, or the commits).
HEADLINE_FINDINGS = (
    ("models", "count", "model repositories", "tab-activity", "model"),
    ("datasets", "count", "dataset repositories", "tab-activity", "dataset"),
    ("spaces", "count", "space repositories", "tab-activity", "space"),
    ("models_zero_downloads_pct", "pct", "models with 0 downloads (30-day count)", "tab-activity", "model"),
    (
        "top1pct_downloads_share_pct",
        "pct",
        "share of all model downloads held by the top 1% of models",
        "tab-activity",
        "model",
    ),
    ("models_no_license_pct", "pct", "models without a license tag", "tab-licenses", "model"),
    ("datasets_no_license_pct", "pct", "datasets without a license tag", "tab-licenses", "dataset"),
    (
        "models_single_commit_author_pct",
        "pct",
        "model repositories with commits that have a single commit author",
        "tab-activity",
        "commits",
    ),
)


def _commits_coverage(snap: Snapshot, acts: dict[str, RepoActivity]) -> dict[str, Any]:
    """The coverage of a finding from the model repositories' commits."""
    m = acts.get("model")
    covered = m.covered["commits"] if m is not None and m.status["commits"] == OK else 0
    return finding.table_coverage(snap, "commits", covered, snap.rows("models"))


def _share_intervals(intervals: pd.DataFrame | None) -> dict[str, tuple[Any, Any, str]]:
    """The 95% intervals of the model-download shares, from ``tab-activity`` with its interval columns."""
    if intervals is None or not len(intervals):
        return {}
    row = intervals[(intervals["repository type"] == "model") & (intervals["measure"] == "downloads (30 days)")]
    if not len(row) or "top 1% share (%) low" not in row:
        return {}
    r = row.iloc[0]
    boot = "95% bootstrap interval (multinomial resampling of value counts)"
    return {
        "top1pct_downloads_share_pct": (r["top 1% share (%) low"], r["top 1% share (%) high"], boot),
        "models_zero_downloads_pct": (r["% zero low"], r["% zero high"], "95% Wilson interval"),
    }


def _headline_findings(
    snap: Snapshot,
    acts: dict[str, RepoActivity],
    acts_as_of: dict[str, RepoActivity] | None,
    parameters: Mapping[str, Any],
    intervals: pd.DataFrame | None,
) -> list[dict[str, Any]]:
    """The headline numbers of the snapshot, and of the repositories created by the paper's date."""
    full = headline_from(acts, tests=False)
    restricted = headline_from(acts_as_of, tests=False) if acts_as_of is not None else None
    ci_of = _share_intervals(intervals)
    commits = _commits_coverage(snap, acts)
    out = []
    for key, unit, quantity, source, evidence in HEADLINE_FINDINGS:
        cov = commits if evidence == "commits" else finding.listing_coverage(snap, REPO_TABLES[evidence])
        ci = ci_of.get(key, (None, None, None))
        out.append(
            finding.entry(
                f"activity.{key}",
                full.get(key),
                unit,
                quantity=quantity,
                source=source,
                coverage=cov,
                parameters=parameters,
                ci=ci,
            )
        )
        if restricted is not None:
            out.append(
                finding.entry(
                    f"activity.{key}.as_of_paper_date",
                    restricted.get(key),
                    unit,
                    quantity=f"{quantity}, restricted to repositories created by {parameters.get('paper_date')}",
                    source="tab-as-of",
                    coverage=cov,
                    parameters=parameters,
                )
            )
    return out


def statistic_text(x: float) -> str:
    """A test statistic as a findings note gives it: four significant digits, in words and
    separators rather than e-notation (``29,610`` for 2.961e+04, ``32.46``)."""
    if not math.isfinite(x):
        return f"{x:.4g}"
    rounded = float(f"{x:.4g}")
    if abs(rounded) >= 1000:
        return f"{rounded:,.0f}"
    return np.format_float_positional(rounded, precision=4, unique=False, fractional=False, trim="-")


def _license_test(
    row: Mapping[str, Any], measure: str, m: RepoActivity, cov: dict[str, Any], parameters: Mapping[str, Any], seed: int
) -> list[dict[str, Any]]:
    """One row of ``tab-license-tests``: epsilon squared with its bootstrap interval, and p beside it."""
    ci: tuple[Any, Any, Any] = (None, None, None)
    if measure in m.data and not (isinstance(row["epsilon²"], float) and math.isnan(row["epsilon²"])):
        ci = licenses.epsilon_sq_interval(
            m.data[measure].to_numpy(dtype=float, na_value=np.nan), m.data["group"].to_numpy(dtype=object), seed=seed
        )
    of = f"of {row['measure']} (model repositories)"
    return [
        finding.entry(
            f"activity.license_effect.{measure}",
            row["epsilon²"],
            "epsilon_sq",
            quantity=f"license groups: Kruskal-Wallis epsilon squared {of}",
            source="tab-license-tests",
            coverage=cov,
            parameters=parameters,
            ci=ci,
            note=f"N = {int(row['N']):,}; H = {statistic_text(row['H'])}; p {finding.format_p(row['p'])}",
        ),
        finding.entry(
            f"activity.license_p.{measure}",
            row["p"],
            "p",
            quantity=f"license groups: Kruskal-Wallis p {of}",
            source="tab-license-tests",
            coverage=cov,
            parameters=parameters,
        ),
    ]


def _license_findings(
    snap: Snapshot,
    acts: dict[str, RepoActivity],
    tests: pd.DataFrame | None,
    parameters: Mapping[str, Any],
    measure_keys: Mapping[str, str],
    seed: int,
) -> list[dict[str, Any]]:
    """The license-group comparison of ``tab-license-tests``: each measure's effect size with its interval, p beside it."""
    m = acts.get("model")
    if tests is None or m is None or not len(tests):
        return []
    commits = _commits_coverage(snap, acts)
    by_label = {label: key for key, label in measure_keys.items()}
    out = []
    for row in tests.to_dict("records"):
        measure = by_label.get(row["measure"], row["measure"])
        table = (
            "discussions"
            if measure.startswith("discussion")
            else "commits"
            if measure.startswith("commit")
            else "models"
        )
        cov = commits if table == "commits" else finding.table_coverage(snap, table, int(row["N"]), snap.rows("models"))
        out += _license_test(row, measure, m, cov, parameters, seed)
    return out


@finding.declares("part1_activity")
def findings(
    snap: Snapshot,
    acts: dict[str, RepoActivity],
    acts_as_of: dict[str, RepoActivity] | None,
    tests: pd.DataFrame | None,
    parameters: Mapping[str, Any],
    *,
    measure_keys: Mapping[str, str] = MEASURE_LABELS,
    seed: int = 0,
    intervals: pd.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """Part I's findings from its loaded activity (``acts``; ``acts_as_of``: restricted to the paper's date) and
    ``tab-license-tests`` (``tests``, measures labelled as in ``measure_keys``); ``intervals`` (``tab-activity``
    with its interval columns) gives the 95% intervals of the shares, ``seed`` the bootstrap's of epsilon squared."""
    return _headline_findings(snap, acts, acts_as_of, parameters, intervals) + _license_findings(
        snap, acts, tests, parameters, measure_keys, seed
    )
