"""Part II's findings: the numbers of its tables that ``findings.json`` records and Part IV compares with
the paper's (:func:`findings`, declared for ``part2_network``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analysis import finding
from analysis.parts.network.part import Part2, bipartite_null, reciprocity_by_construction, stats_all
from analysis.parts.network.statistics import RECIPROCITY_NAME, core_periphery
from analysis.parts.network.tables import NULL_STATISTICS
from analysis.parts.network.text import coverage_text


def _statistics(p: Part2) -> list[tuple[str, Any, str, str, str]]:
    """(key, value, unit, quantity, source) of the networks' statistics (reproduction and cleaned)."""
    st = stats_all(p)
    r, c = st["reproduction"], st["cleaned"]
    cp = core_periphery(p.reproduction)
    return [
        ("nodes", r["nodes"], "count", "developers in the reproduction network", "tab-network"),
        ("isolates", r["isolates"], "count", "isolates in the reproduction network", "tab-network"),
        ("isolates_pct", r["isolates_pct"], "pct", "developers who are isolates (reproduction network)", "tab-network"),
        (
            "reciprocity",
            r["reciprocity_distinct"],
            "ratio",
            f"{RECIPROCITY_NAME} (reproduction network)",
            "tab-network",
        ),
        (
            "reciprocity_by_construction",
            reciprocity_by_construction(p),
            "bool",
            "reciprocity is 1 by construction (every commit author of a repository is the first author of one of its commits)",
            "tab-network",
        ),
        ("core_size", r["core_size"], "count", "main k-core size (reproduction network)", "tab-core-periphery"),
        ("max_kcore", r["max_kcore"], "count", "maximum k-core (k)", "tab-core-periphery"),
        ("be_core_size", cp["be_size"], "count", "Borgatti-Everett core size", "tab-core-periphery"),
        ("be_fit", cp["be_corr"], "ratio", "Borgatti-Everett fit (correlation)", "tab-core-periphery"),
        (
            "repos_with_commits",
            p.reproduction.n_repos,
            "count",
            "model repositories with a named commit author",
            "tab-network-funnel",
        ),
        ("covered_repos", p.covered, "count", "model repositories with commit data", "tab-network-funnel"),
        ("cleaned_nodes", c["nodes"], "count", "developers in the cleaned network", "tab-network"),
        (
            "cleaned_isolates_pct",
            c["isolates_pct"],
            "pct",
            "developers who are isolates (cleaned network)",
            "tab-network",
        ),
        (
            "cleaned_reciprocity",
            c["reciprocity_distinct"],
            "ratio",
            f"{RECIPROCITY_NAME} (cleaned network)",
            "tab-network",
        ),
    ]


def _null_findings(p: Part2, cov: dict[str, Any], parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One finding per core statistic against the bipartite null: its z, with the Monte Carlo SE's interval
    (of the run the notebook made, with its seed, else one with seed 0)."""
    null = next(iter(p.bipartite.values()), None) or bipartite_null(p)
    out = []
    for r in null.rows():
        z, se = r["z"], r["z SE"]
        ci = (z - 1.96 * se, z + 1.96 * se, "z ± 1.96 Monte Carlo SE (delta method)") if se == se else (None,) * 3
        out.append(
            finding.entry(
                f"network.null_bipartite.{r['statistic']}_z",
                z,
                "ratio",
                quantity=f"z of the {NULL_STATISTICS.get(r['statistic'], r['statistic'])} against the "
                "bipartite null (reproduction network)",
                source="tab-core-null-models",
                coverage=cov,
                parameters=parameters,
                ci=ci,
                note=f"observed {r['observed']:.6g}, null mean {r['null mean']:.6g}, SD {r['null SD']:.6g}, "
                f"z Monte Carlo SE {se:.3f}, {len(null.samples)} samples",
            )
        )
    return out


@finding.declares("part2_network")
def findings(p: Part2, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Part II's findings from its computed networks (:func:`~analysis.parts.network.part.compute`): their
    statistics, core and periphery, the funnel's counts, and each core statistic against the bipartite null;
    they cover the model repositories with a named commit author."""
    cov = finding.table_coverage(p.snap, "commits", p.reproduction.n_repos, p.models)
    cov["note"] = coverage_text(p)
    out = [
        finding.entry(f"network.{k}", v, u, quantity=q, source=s, coverage=cov, parameters=parameters)
        for k, v, u, q, s in _statistics(p)
    ]
    return out + _null_findings(p, cov, parameters)
