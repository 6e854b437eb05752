"""Part II's tables: the funnel, the identity candidates, the network statistics side by side,
core and periphery, the subfields, and the null models of the core statistics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis import arrays
from analysis.parts.network.construction import Network
from analysis.parts.network.part import Part2, bipartite_null, stats_all, subfield_networks
from analysis.parts.network.statistics import STAT_LABELS, core_periphery, network_stats, reciprocated
from analysis.stats import percent


def stats_table(columns: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Statistics dicts side by side: one row per statistic, one column per network."""
    rows = []
    for key, label in STAT_LABELS.items():
        row = {"statistic": label}
        for name, st in columns.items():
            row[name] = st.get(key, np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def funnel(p: Part2) -> pd.DataFrame:
    """``tab-network-funnel``: from model repositories to developers."""
    c = p.commits
    removed = p.resolution.removed
    n_sys = int((removed["kind"] == "system").sum())
    n_bot = int((removed["kind"] == "bot").sum())
    rp = p.reproduction
    groups = p.resolution.groups
    n_merged = int(groups["size"].sum() - len(groups)) if len(groups) else 0
    # step, count, note, and whether the count is also shown as a % of all model repositories and
    # as a % of the repositories with a commit author
    rows = [
        ("model repositories in the snapshot", p.models, "all model repositories listed", True, False),
        ("with commit data", p.covered, "repositories whose commit history was collected", True, False),
        ("with at least one commit author", rp.n_repos, "the repositories the network is built from", True, True),
        (
            "with a single commit author",
            rp.n_single_author_repos,
            "each of their commits adds a self-loop; their authors are isolates unless they also work elsewhere",
            True,
            True,
        ),
        ("with several commit authors", rp.n_repos - rp.n_single_author_repos, "", True, True),
        ("commits (with an author)", rp.n_commits, "", False, False),
        ("distinct commit-author names", len(c.names), "nodes of the reproduction network", False, False),
        (
            "... of which the Hub's `system` author",
            n_sys,
            "kept in the reproduction, removed in the cleaned network",
            False,
            False,
        ),
        ("... of which bots", n_bot, "removed in the cleaned network", False, False),
        (
            "names merged into another by identity resolution",
            n_merged,
            f"{len(groups):,} groups of names judged the same developer",
            False,
            False,
        ),
        ("distinct developers after resolution", p.cleaned.n, "nodes of the cleaned network", False, False),
        ("repositories in the cleaned network", p.cleaned.n_repos, "with at least one author left", True, True),
        ("... with a single developer", p.cleaned.n_single_author_repos, "", True, True),
    ]
    pct = ["% of model repositories", "% of repositories with a commit author"]
    df = pd.DataFrame(
        [
            (step, n, percent(n, p.models) if of_models else None, percent(n, rp.n_repos) if of_authors else None, note)
            for step, n, note, of_models, of_authors in rows
        ],
        columns=["step", "count", *pct, "note"],
    )
    return df.astype({c: float for c in pct})


def candidates_table(p: Part2) -> pd.DataFrame:
    """``tab-identity-candidates``: every candidate pair with its decision."""
    cols = ["name_a", "name_b", "normalised_a", "normalised_b", "score", "commits_a", "commits_b", "decision"]
    cand = p.resolution.candidates
    if cand.empty:
        return pd.DataFrame(columns=cols)
    if list(cand.columns) == cols:  # as resolve makes it: a shallow copy with the score rounded (no copy of 8M rows)
        out = cand.copy(deep=False)
        out["score"] = cand["score"].round(1)
        return out
    return cand[[c for c in cols if c in cand.columns]].round({"score": 1})


def network_table(p: Part2) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """``tab-network``: both networks, whole and without isolates, and the difference."""
    st = stats_all(p)
    table = stats_table(
        {
            "reproduction": st["reproduction"],
            "reproduction without isolates": st["reproduction_noiso"],
            "cleaned": st["cleaned"],
            "cleaned without isolates": st["cleaned_noiso"],
        }
    )
    return table, st


def differences(st: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Where the cleaned network differs from the reproduction (whole networks)."""
    rows = []
    for key, label in STAT_LABELS.items():
        a, b = st["reproduction"][key], st["cleaned"][key]
        if pd.isna(a) or pd.isna(b):
            continue
        d = b - a
        rel = 100 * d / abs(a) if a else np.nan
        rows.append(
            {"statistic": label, "reproduction": a, "cleaned": b, "difference": d, "relative difference (%)": rel}
        )
    return pd.DataFrame(rows)


def core_periphery_tables(p: Part2) -> pd.DataFrame:
    """``tab-core-periphery`` for both networks (a ``network`` column first)."""
    frames = []
    for net in (p.reproduction, p.cleaned):
        table = core_periphery_table(net)
        table.insert(0, "network", net.label)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def core_periphery_table(net: Network) -> pd.DataFrame:
    """``tab-core-periphery``: core versus periphery by k-core and by the BE fit, plus isolates."""
    cp = core_periphery(net)
    rec = reciprocated(net)
    nl = ~net.loops
    ra = net.repo_author
    groups = {
        f"main k-core (k = {cp['kmax']})": cp["main_core"],
        "k-core periphery (other non-isolates)": ~cp["main_core"] & ~cp["isolate"],
        "Borgatti-Everett core": cp["be_core"],
        "Borgatti-Everett periphery": ~cp["be_core"] & ~cp["isolate"],
        "isolates": cp["isolate"],
    }
    rows = []
    for name, mask in groups.items():
        nodes = int(mask.sum())
        repos = arrays.count_unique(ra[mask[ra[:, 1]], 0]) if len(ra) else 0  # ``ra`` comes sorted by repository
        out_e = nl & mask[net.src]
        rows.append(
            {
                "group": name,
                "developers": nodes,
                "% of developers": 100 * nodes / net.n if net.n else np.nan,
                "repositories": repos,
                "commits as first author": int(net.first_commits[mask].sum()),
                "mean degree": float(cp["degree"][mask].mean()) if nodes else np.nan,
                "median coreness": float(np.median(cp["coreness"][mask])) if nodes else np.nan,
                "edges out (distinct developers)": int(out_e.sum()),
                "reciprocity of edges out": float(rec[out_e].mean()) if out_e.any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


def subfields_table(p: Part2) -> pd.DataFrame:
    """``tab-network-subfields``: the statistics per subfield (reproduction construction)."""
    cols = {"all model repositories": stats_all(p)["reproduction"]}
    for sf, net in subfield_networks(p):
        cols[sf] = network_stats(net)
        del net
    return stats_table(cols)


#: The core statistics of the null models, as the tables name them.
NULL_STATISTICS = {
    "k_max": "main core k",
    "core_size": "main core size",
    "be_correlation": "Borgatti-Everett correlation of the main core",
    "isolates": "isolates",
    "isolates_pct": "isolate share (%)",
    "transitivity": "transitivity",
    "reciprocity": "reciprocity between distinct developers",
}
#: |z| at which a null model's verdict is "above" or "below chance".
Z_BEYOND = 2.0


def _side(z: float) -> str:
    if not np.isfinite(z):
        return "n/a"
    return "above chance" if z >= Z_BEYOND else "below chance" if z <= -Z_BEYOND else "within chance"


def null_models_table(p: Part2, rewired: pd.DataFrame | None = None, seed: int = 0) -> pd.DataFrame:
    """``tab-core-null-models``: each core statistic of the reproduction network against the bipartite
    null (observed, null mean and SD, z and its Monte Carlo SE, empirical p), and, where the
    rewiring null (``rewired``: :func:`analysis.parts.robustness.network_null_rows`) has it, its
    null mean and z, and whether the two nulls agree."""
    run = bipartite_null(p, seed)
    other = {}
    if rewired is not None and len(rewired):
        for r in rewired.itertuples(index=False):
            other[str(r.group).removeprefix("null model: ")] = (float(r[rewired.columns.get_loc("null mean")]), r.z)
    rows = []
    for r in run.rows():
        mean_r, z_r = other.get(r["statistic"], (float("nan"), float("nan")))
        a, b = _side(r["z"]), _side(z_r)
        rows.append(
            {
                "statistic": NULL_STATISTICS.get(r["statistic"], r["statistic"]),
                "observed": r["observed"],
                "bipartite null mean": r["null mean"],
                "bipartite null SD": r["null SD"],
                "z": r["z"],
                "z Monte Carlo SE": r["z SE"],
                "effective samples": r["effective samples"],
                "empirical p": r["empirical p"],
                "bipartite null says": a,
                "rewiring null mean": mean_r,
                "rewiring z": z_r,
                "rewiring null says": b,
                "the nulls": "n/a" if "n/a" in (a, b) else "agree" if a == b else "disagree",
            }
        )
    return pd.DataFrame(rows)


def null_mixing_table(p: Part2, seed: int = 0) -> pd.DataFrame:
    """``tab-null-mixing``: how the bipartite null's chain was sized (burn-in, thinning, samples)."""
    run = bipartite_null(p, seed)
    mx = run.mixing
    auto = run.sample_autocorrelation()
    worst = max((abs(v) for v in auto.values() if np.isfinite(v)), default=float("nan"))
    rows = [
        ("memberships (developer-repository pairs)", f"{mx['memberships']:,}"),
        ("burn-in (global rounds)", f"{mx['burn_in_rounds']:,}"),
        (
            "perturbation score at the plateau",
            f"{mx['perturbation_score']:.3f}" + ("" if mx["plateau_reached"] else " (plateau not reached)"),
        ),
        ("perturbation score after rounds 1-8", ", ".join(f"{x:.3f}" for x in mx["perturbation_first_rounds"])),
        ("isolate count's lag-1 autocorrelation along the chain", f"{mx['isolates_lag1_autocorrelation']:.3f}"),
        (
            "thinning (global rounds between samples)",
            f"{mx['thinning_rounds']:,}" + (" (capped by the budget)" if mx["thinning_capped"] else ""),
        ),
        ("largest lag-1 autocorrelation between successive samples", f"{worst:.3f}"),
        ("samples", f"{len(run.samples):,}"),
        ("largest Monte Carlo SE of a z", f"{run.max_se():.3f}"),
        ("sampling stopped because", run.stopped_by),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value"])
