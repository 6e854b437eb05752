"""Part II's computed sentences: coverage, identity resolution, the two networks compared, the
cores, and what the null models say."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import arrays
from analysis.paper import paper_numbers
from analysis.parts import identity, nullmodel
from analysis.parts.network.commits import CommitAuthors
from analysis.parts.network.construction import Network
from analysis.parts.network.part import Part2, bipartite_null, stats_all
from analysis.parts.network.statistics import core_periphery
from analysis.parts.network.tables import differences
from analysis.stats import percent


def coverage_text(p: Part2) -> str:
    """Which repositories the network covers, and how its names were recorded."""
    cov = p.snap.coverage("commits")
    s = (
        f"{p.covered:,} of {p.models:,} model repositories have commit data in this snapshot; "
        f"{p.reproduction.n_repos:,} of them have at least one named commit author"
    )
    if cov.get("scope") not in (None, "all"):
        s += f" (commit coverage: {cov.get('scope')}"
        s += f"; {cov['note']})" if cov.get("note") else ")"
    return s + "."


def covers(p: Part2) -> str:
    """Short ``covers=`` text for captions."""
    git_names = p.snap.coverage("commits").get("author_names") == "git"
    names = "; commit authors are git author names, not always Hub usernames" if git_names else ""
    return (
        f"{p.reproduction.n_repos:,} model repositories with commit authors "
        f"(of {p.models:,} model repositories; {p.covered:,} with commit data{names})"
    )


def _fmt_pct(x: float | None) -> str:
    """A percentage for a sentence (``n/a`` when unknown)."""
    return "n/a" if x is None or np.isnan(x) else f"{x:.1f}%"


def construction_facts(net: Network, commits: CommitAuthors) -> dict[str, float | None]:
    """Facts about the data that shape the network: co-authored commits, authors who first-author.

    Percentages are None when there is nothing to count (no commit with an author).
    """
    per_commit = np.bincount(commits.cidx, minlength=commits.n_commits)
    multi = percent(int((per_commit > 1).sum()), net.n_commits)
    # share of (repository, author) memberships where the author first-authored a commit there
    ra = net.repo_author
    if "first_author_memberships" in net._cache:
        n_first = net._cache["first_author_memberships"]
    else:
        c_with, first = commits.first_authors()
        nn = max(len(commits.names), 1)
        firsts = arrays.unique(commits.commit_repo[c_with] * nn + first)
        n_first = int(np.isin(ra[:, 0] * nn + ra[:, 1], firsts).sum())
    first_share = percent(int(n_first), len(ra))
    return {"multi_author_commits_pct": multi, "members_first_author_pct": first_share}


def _scope(p: Part2) -> str:
    """Where a sentence's numbers come from: the snapshot and the repositories the network covers."""
    return f"snapshot `{p.snap.id}`, {p.reproduction.n_repos:,} model repositories with commit authors"


def identity_markdown(p: Part2) -> str:
    """Computed sentences: candidate pairs, merges and conflicts of the identity resolution."""
    res = p.resolution
    n_merged = int(res.candidates["decision"].isin(identity.MERGING).sum())
    largest = int(res.groups["size"].max()) if len(res.groups) else 0
    return (
        f"{len(res.candidates):,} candidate pairs among the {res.n_names:,} commit-author names "
        f"({_scope(p)}); {n_merged:,} merged into {len(res.groups):,} groups of names (largest: "
        f"{largest} names). {len(res.conflicts):,} rejected pairs still ended in one group through "
        "other merges."
    )


def summary_markdown(p: Part2) -> str:
    """Computed sentences: the headline comparison of the two networks."""
    st = stats_all(p)
    r, c = st["reproduction"], st["cleaned"]
    facts = construction_facts(p.reproduction, p.commits)
    paper_isolates = next(n["paper"] for n in paper_numbers() if n["key"] == "isolates")
    # repositories with `system` among their authors (names are distinct: at most one code)
    ra = p.reproduction.repo_author
    sys_repos = int(np.isin(ra[:, 1], np.flatnonzero(p.commits.names == identity.SYSTEM)).sum())
    lines = [
        f"From {_scope(p)} ({p.covered:,} of {p.models:,} model repositories have commit data):",
        "",
        f"- **Reproduction** (the authors' construction, names as recorded, `system` kept): "
        f"{r['nodes']:,} developers, {r['edges']:,} edges; {r['isolates']:,} isolates "
        f"({_fmt_pct(r['isolates_pct'])}; the paper reports {paper_isolates}). Reciprocity between distinct "
        f"developers is {r['reciprocity_distinct']:.3f} (the same without isolates: an isolate has no such tie).",
        f"- **Cleaned** (identities resolved, `system` and bots removed): {c['nodes']:,} developers, "
        f"{c['edges']:,} edges; {c['isolates']:,} isolates ({_fmt_pct(c['isolates_pct'])}). Reciprocity "
        f"between distinct developers {c['reciprocity_distinct']:.3f}.",
        f"- The Hub's `system` author appears in {sys_repos:,} of the {p.reproduction.n_repos:,} "
        f"repositories ({_fmt_pct(percent(sys_repos, p.reproduction.n_repos))}). Every such repository "
        f"with another author ties that author to `system`, so `system` alone can turn isolates into "
        f"connected developers: the isolates share moves from {_fmt_pct(r['isolates_pct'])} to "
        f"{_fmt_pct(c['isolates_pct'])} once it, the bots and duplicate names are removed.",
        f"- {_fmt_pct(facts['multi_author_commits_pct'])} of commits list more than one author, and in "
        f"{_fmt_pct(facts['members_first_author_pct'])} of (repository, author) memberships the author is the "
        f"first author of at least one commit of that repository. Where every author of a repository "
        f"first-authors a commit there, each tie between two of them runs both ways by construction: "
        f"the reciprocity between distinct developers is {r['reciprocity_distinct']:.3f} in the "
        f"reproduction and {c['reciprocity_distinct']:.3f} in the cleaned network"
        + (
            ", so high reciprocity after removing isolates says more about the construction than about "
            "developers returning ties."
            if (facts["members_first_author_pct"] or 0) >= 95
            else "."
        ),
    ]
    return "\n".join(lines)


def core_periphery_markdown(p: Part2) -> str:
    """Computed sentences: the two core definitions in both networks."""
    out = []
    for net in (p.reproduction, p.cleaned):
        v = core_periphery(net)
        fit = "n/a" if np.isnan(v["be_corr"]) else f"{v['be_corr']:.3f}"
        out.append(
            f"In the {net.label} network the Borgatti-Everett core has {v['be_size']:,} developers "
            f"(fit correlation {fit}); the main k-core has k = {v['kmax']} and "
            f"{int(v['main_core'].sum()):,} developers."
        )
    out.append(f"(Both from {_scope(p)}.)")
    return " ".join(out)


def null_models_markdown(table: pd.DataFrame, p: Part2, seed: int = 0) -> str:
    """Computed sentences: what the bipartite null keeps, what it says, and where the nulls disagree."""
    run = bipartite_null(p, seed)
    mx = run.mixing
    out = [
        "The **bipartite null** randomises which developers are members of which repositories while every "
        "developer keeps their number of repositories, every repository its number of members, and every "
        "repository its number of members who are first authors of a commit there (a membership moves with "
        "its role); each sample is then projected exactly as the reproduction network is built (an edge from "
        "each first-author member of a repository to each other member). It does not keep which developers "
        "work together, each developer's number of first-author roles, the commits' number, order or dates "
        "(the edge weights), nor anything about the names (identities are as recorded, as in the reproduction). "
        "The samples come from curveball trades between developers' membership lists in global rounds "
        "(Strona et al. 2014; Carstens, Berger and Strona 2016), one chain started at the observed network.",
        f"The chain's burn-in was {mx['burn_in_rounds']:,} global rounds, where the share of the observed "
        f"memberships it has changed (the perturbation score) "
        + ("reached its plateau" if mx["plateau_reached"] else "had not yet reached its plateau (budget spent)")
        + f" of {mx['perturbation_score']:.3f}; samples are {mx['thinning_rounds']:,} rounds apart, the rounds "
        f"after which the isolate count's autocorrelation along the chain falls below {nullmodel.FORGOTTEN:g}"
        + (" (capped by the budget)" if mx["thinning_capped"] else "")
        + ". "
        f"{len(run.samples):,} samples were drawn; sampling stopped because {run.stopped_by} "
        f"(the rule: at least {run.min_samples}, doubling until every z's Monte Carlo SE is below "
        f"{run.target_se:g}, at most {run.max_samples:,}).",
    ]
    said = []
    for r in table.itertuples(index=False):
        if np.isfinite(r.z):
            said.append(
                f"{r.statistic} {r.observed:,.3g} against {r[2]:,.3g} ± {r[3]:,.2g} (z = {r.z:+.1f} ± {r[5]:.1f})"
            )
    if said:
        out.append("Against the bipartite null: " + "; ".join(said) + ".")
    dis = table[table["the nulls"] == "disagree"]
    if len(dis):
        out.append(
            "**The two nulls disagree** on "
            + "; ".join(
                f"the {r.statistic} (bipartite: {r[8]}, z = {r.z:+.1f}; rewiring the projection: {r[11]}, "
                f"z = {r[10]:+.1f})"
                for r in dis.itertuples(index=False)
            )
            + ". Rewiring keeps each developer's number of ties but not the ties the construction makes among a "
            "repository's members (every member is tied to the repository's first authors), so it compares the "
            "network with graphs it could never be; the book's conclusions rest on the bipartite null, and the "
            "rewiring null is kept as a sensitivity row."
        )
    elif table["the nulls"].eq("agree").any():
        out.append("Where both nulls test a statistic they agree on which side of chance it lies.")
    return " ".join(out)


def differences_markdown(st: dict[str, dict[str, Any]]) -> str:
    """Computed sentence: the statistics that change most between the two networks."""
    d = differences(st)
    d = d[d["difference"] != 0].copy()
    if d.empty:
        return "The two networks have identical statistics."
    d["abs"] = d["relative difference (%)"].abs().fillna(np.inf)
    d = d.sort_values("abs", ascending=False).head(6)
    parts = []
    for row in d.itertuples(index=False):
        a, b = row.reproduction, row.cleaned
        fmt = (lambda v: f"{v:,.0f}") if float(a).is_integer() and float(b).is_integer() else (lambda v: f"{v:.3f}")
        rel = "" if np.isnan(row[4]) else f" ({row[4]:+.0f}%)"
        parts.append(f"{row.statistic}: {fmt(a)} → {fmt(b)}{rel}")
    return (
        "The largest differences between the reproduction and the cleaned network (whole networks): "
        + "; ".join(parts)
        + "."
    )


def listing_gap_sentence(p: Part2) -> str:
    """Why Part I's count of model repositories with commits can be below this part's (empty when equal)."""
    ids = p.commits.repo_ids
    if not len(ids):
        return ""
    listed = p.snap.arrow("models", ["id"]).column("id")
    n_listed = int(pc.sum(pc.is_in(pa.array(ids, pa.string()), value_set=listed.combine_chunks())).as_py() or 0)
    gap = len(ids) - n_listed
    if not gap:
        return ""
    return (
        f"The network is built from the commits of {len(ids):,} model repositories; {gap:,} of them are not in the "
        f"snapshot's model listing (renamed, deleted or made private by the listing date), so Part I, which "
        f"describes listed repositories, counts commits for {n_listed:,}."
    )
