"""Part II's headline numbers, as Part IV compares them with the paper's."""

from __future__ import annotations

from typing import Any

from analysis.parts.network.part import compute, stats_all
from analysis.parts.network.statistics import core_periphery
from analysis.parts.network.text import coverage_text
from analysis.snapshot import Snapshot


def headline(snap: Snapshot) -> dict[str, Any]:
    """Part II's headline numbers (reproduction network) for Part IV's comparison.

    Keys:

    - ``nodes``, ``edges``: developers and distinct directed edges (self-loops
      included) of the reproduction network;
    - ``isolates``, ``isolates_pct``: developers with only self-loops (count, % of nodes);
    - ``reciprocity_all``: networkx overall reciprocity of the whole network
      (self-loops count as unreciprocated edges);
    - ``reciprocity_without_isolates``: share of edges between distinct
      developers that are reciprocated (the network without isolates and
      without self-loops);
    - ``core_size``, ``max_kcore``: size and k of the main k-core;
    - ``be_core_size``, ``be_fit``: Borgatti-Everett core size and fit correlation;
    - ``repos_with_commits``: model repositories with at least one commit author;
    - ``covered_repos``: model repositories with commit data (collected);
    - ``single_author_pct``: % of ``repos_with_commits`` with a single commit author;
    - ``cleaned_nodes``, ``cleaned_isolates_pct``, ``cleaned_reciprocity_all``:
      the same for the cleaned network (sensitivity);
    - ``coverage_note``: which repositories these cover.
    """
    p = compute(snap)
    st = stats_all(p)
    r = st["reproduction"]
    cp = core_periphery(p.reproduction)
    rp = p.reproduction
    return {
        "nodes": r["nodes"],
        "edges": r["edges"],
        "isolates": r["isolates"],
        "isolates_pct": r["isolates_pct"],
        "reciprocity_all": r["reciprocity"],
        "reciprocity_without_isolates": r["reciprocity_distinct"],
        "core_size": r["core_size"],
        "max_kcore": r["max_kcore"],
        "be_core_size": cp["be_size"],
        "be_fit": cp["be_corr"],
        "repos_with_commits": rp.n_repos,
        "covered_repos": p.covered,
        "single_author_pct": 100 * rp.n_single_author_repos / rp.n_repos if rp.n_repos else float("nan"),
        "cleaned_nodes": st["cleaned"]["nodes"],
        "cleaned_isolates_pct": st["cleaned"]["isolates_pct"],
        "cleaned_reciprocity_all": st["cleaned"]["reciprocity"],
        "coverage_note": coverage_text(p),
    }
