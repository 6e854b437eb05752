"""Part I's narrative sentences: every number in them computed from the loaded activity and its
tables, the paper's own figures quoted from ``analysis/resources/paper_numbers.yml``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.paper import paper_numbers
from analysis.parts import licenses
from analysis.parts.activity.loading import OK, RepoActivity
from analysis.parts.activity.summary import headline_from
from analysis.snapshot.schema import REPO_TYPES


def _f(x: float | None, digits: int = 1) -> str:
    return "not available" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:,.{digits}f}"


def _paper(*keys: str) -> list[str]:
    """The paper's figures for ``keys``, quoted as ``analysis/resources/paper_numbers.yml`` has them."""
    quoted = {n["key"]: n["paper"] for n in paper_numbers()}
    return [quoted[k] for k in keys]


def describe_activity(acts: dict[str, RepoActivity]) -> str:
    """A paragraph summarising the activity table (Markdown)."""
    h = headline_from(acts, tests=False)
    sent = []
    counts = ", ".join(f"{h[f'{t}s']:,} {t}" for t in REPO_TYPES if h.get(f"{t}s") is not None)
    missing = [t for t in REPO_TYPES if h.get(f"{t}s") is None]
    sent.append(
        f"The snapshot lists {counts} repositories"
        + (f" and has no listing of {', '.join(t + 's' for t in missing)}" if missing else "")
        + "."
    )
    if h["models_zero_downloads_pct"] is not None:
        zero, top1 = _paper("models_zero_downloads", "top1pct_downloads")
        sent.append(
            f"Of the {acts['model'].covered['downloads']:,} model repositories with a known download "
            f"count, {_f(h['models_zero_downloads_pct'])}% had no download in the "
            f"30 days before collection, and the top 1% of them account for "
            f"{_f(h['top1pct_downloads_share_pct'])}% of all their downloads "
            f"(the paper reports {zero} and {top1})."
        )
    for t, a in acts.items():
        v = a.values("likes")
        if v.size:
            sent.append(
                f"{_f(stats.percent(int((v == 0).sum()), v.size))}% of the {v.size:,} {t} repositories "
                "with a known like count have no like."
            )
    m = acts.get("model")
    if m is not None and m.status["commits"] == OK:
        sent.append(
            f"Commits are covered for {m.covered['commits']:,} of the {m.n:,} listed model repositories (a commit "
            "source may also cover repositories the listing no longer has; Part II's network counts those too, "
            "so its count of repositories with commits can be larger); "
            f"among those with commits, {_f(h['models_single_commit_author_pct'])}% have a single "
            "commit author."
        )
    elif m is not None:
        sent.append("Commits are not covered by this snapshot, so commit measures are shown as not covered.")
    return " ".join(sent)


def describe_licenses(acts: dict[str, RepoActivity]) -> str:
    h = headline_from(acts, tests=False)
    sent = []
    if h["models_no_license_pct"] is not None:
        sent.append(f"{_f(h['models_no_license_pct'])}% of the {h['models']:,} model repositories carry no license tag")
    if h["datasets_no_license_pct"] is not None:
        sent.append(f"{_f(h['datasets_no_license_pct'])}% of the {h['datasets']:,} dataset repositories carry none")
    text = " and ".join(sent)
    if text:
        text += " (secondary summaries of the paper report {} and {}).".format(
            *_paper("models_no_license", "datasets_no_license")
        )
    un = 0
    for a in acts.values():
        if a.listed and len(a.data):
            lic = a.data["license"]
            unmapped = [c for c in lic.cat.categories if not licenses.is_mapped(c)]
            un += int(lic.isin(unmapped).sum()) if unmapped else 0
    text += (
        f" {un:,} repositories carry a license id that the mapping file does not list; they are "
        f"grouped as `{licenses.load_mapping()['unmapped_group']}`."
        if un
        else " Every license id in the snapshot is listed in the mapping file."
    )
    return text.strip()


def describe_license_tests(tests: pd.DataFrame, alpha: float = 0.05) -> str:
    if tests.empty:
        return "No activity measure is available for model repositories, so no test could be run."
    sig = tests[tests["p"] < alpha]
    nonsig = tests[~(tests["p"] < alpha)]
    parts = []
    if len(sig):
        best = sig.sort_values("epsilon²", ascending=False).iloc[0]
        parts.append(
            f"The license groups differ significantly (Kruskal-Wallis, p < {alpha}) in "
            f"{', '.join(sig['measure'])}; the largest effect is for {best['measure']} "
            f"(ε² = {best['epsilon²']:.4f}; read against Cohen's conventions for a share of variance "
            "explained, 0.01 is small, 0.06 medium and 0.14 large)."
        )
    if len(nonsig):
        parts.append(f"No significant difference at p < {alpha} for {', '.join(nonsig['measure'])}.")
    return " ".join(parts)


def describe_tails(tails: pd.DataFrame, max_n: int, seed: int) -> str:
    if tails.empty:
        return "No measure is available for a tail fit."
    counts = tails["better fit"].str.replace(r" \(.*", "", regex=True).value_counts()
    parts = [f"Of {len(tails)} distributions: " + "; ".join(f"{k}: {int(n)}" for k, n in counts.items()) + "."]
    sub = tails[tails["subsampled"] == "yes"]
    if len(sub):
        parts.append(
            f"For speed, distributions with more than {max_n:,} positive values were fitted on a "
            f"deterministic random subsample of {max_n:,} of them (numpy generator, seed {seed}): "
            + ", ".join(f"{r['measure']} of {r['repository type']}s" for _, r in sub.iterrows())
            + "."
        )
    else:
        parts.append("Every distribution was fitted on all of its positive values (no subsampling).")
    return " ".join(parts)


def describe_as_of(
    full: dict[str, Any], restricted: dict[str, Any], as_of: str, snapshot_date: str, notes: Iterable[str] = ()
) -> str:
    """The as-of paragraph: what the restriction keeps, the paper's counts, then each note of the restriction."""
    parts = []
    if full.get("models") is not None and restricted.get("models") is not None and full["models"]:
        parts.append(
            f"Restricting the snapshot of {snapshot_date} to repositories created on or before "
            f"{as_of} keeps {restricted['models']:,} of {full['models']:,} model repositories "
            f"({100 * restricted['models'] / full['models']:.1f}%)"
            + (
                f" and {restricted['datasets']:,} of {full['datasets']:,} dataset repositories"
                if full.get("datasets")
                else ""
            )
            + "."
        )
    parts.append(
        "The paper counted {} models, {} datasets and {} spaces in {}.".format(
            *_paper("models", "datasets", "spaces", "collection_date")
        )
    )
    text = " ".join(parts)
    notes = list(notes)
    return text + ("\n\n" + " ".join(f"Note: {n}." for n in notes) if notes else "")
