"""The Part II notebook executes under papermill on a tiny snapshot and writes its tables."""

from __future__ import annotations

import pandas as pd
import pytest
from book_fixtures import assert_published, run_book_notebook

from analysis import paths
from analysis.parts import network
from analysis.snapshot import write_snapshot

NOTEBOOK = paths.BOOK / "part2_network.ipynb"
TABLES = [
    "tab-network-funnel",
    "tab-identity-candidates",
    "tab-network",
    "tab-core-periphery",
    "tab-network-subfields",
    "tab-network-removed-names",
    "tab-network-differences",
    "tab-core-null-models",
    "tab-null-mixing",
]
FIGURES = ["fig-network-degree", "fig-network-reproduction", "fig-network-cleaned", "fig-network-reciprocity"]


@pytest.fixture
def tiny(tmp_path):
    models = pd.DataFrame(
        {
            "id": ["org/a", "org/b", "alice/c", "bob/d", "carol/e", "dan/f"],
            "owner": ["org", "org", "alice", "bob", "carol", "dan"],
            "name": ["a", "b", "c", "d", "e", "f"],
            "tags": [["text-generation"], ["image-classification"], ["text-to-image"], [], ["fill-mask"], []],
        }
    )
    rows = [
        ("org/a", ["system"]),
        ("org/a", ["alice"]),
        ("org/a", ["Bob Smith"]),
        ("org/a", ["alice"]),
        ("org/b", ["system"]),
        ("org/b", ["bob-smith"]),
        ("org/b", ["alice", "carol"]),
        ("alice/c", ["system"]),
        ("alice/c", ["alice"]),
        ("bob/d", ["SFconvertbot"]),
        ("bob/d", ["Bob Smith"]),
        ("carol/e", ["frank"]),
        ("carol/e", ["frank"]),
        ("dan/f", ["dan"]),
        ("dan/f", ["erin"]),
        ("dan/f", ["dan"]),
    ]
    commits = pd.DataFrame(
        {
            "repo_type": "model",
            "repo_id": [r for r, _ in rows],
            "commit_id": [f"c{i}" for i in range(len(rows))],
            "authors": [a for _, a in rows],
        }
    )
    cov = pd.DataFrame(
        {
            "repo_type": "model",
            "repo_id": models["id"],
            "step": "commits",
            "items": commits.groupby("repo_id").size().reindex(models["id"]).to_numpy(),
        }
    )
    return write_snapshot(tmp_path / "tiny-p2", {"models": models, "commits": commits, "repo_coverage": cov})


def test_findings_on_tiny_snapshot(tiny):
    from analysis.publication import findings

    p = network.compute(tiny)
    f = {r["key"]: r["value"] for r in findings.collect("part2_network", p, {"threshold": 90})}
    # names: system, alice, Bob Smith, bob-smith, carol, SFconvertbot, dan, erin, frank
    assert f["network.nodes"] == 9
    assert f["network.repos_with_commits"] == 6
    assert p.reproduction.n_single_author_repos == 1  # carol/e, by frank alone
    assert f["network.isolates"] == 1 and f["network.isolates_pct"] == pytest.approx(100 / 9)  # frank
    # cleaned: system and the bot removed, Bob Smith = bob-smith
    assert f["network.cleaned_nodes"] == 6 and f["network.cleaned_isolates_pct"] == pytest.approx(100 / 6)
    for key in ("reciprocity", "cleaned_reciprocity", "core_size", "be_fit", "covered_repos"):
        assert f"network.{key}" in f


@pytest.mark.slow
def test_notebook_runs_under_papermill(tiny, tmp_path):
    out_dir = tmp_path / "build"
    executed = run_book_notebook("part2_network", tiny.path, out_dir, tmp_path)
    assert_published(out_dir, TABLES, FIGURES)
    tab = pd.read_csv(out_dir / "tables" / "tab-network.csv")
    iso = tab.loc[tab["statistic"] == "isolates", "reproduction"].item()
    assert iso == 1
    cand = pd.read_csv(out_dir / "tables" / "tab-identity-candidates.csv")
    assert {"Bob Smith", "bob-smith"} == set(cand.iloc[0][["name_a", "name_b"]])
    nb = executed
    text = "\n".join(
        str(o.get("data", {}).get("text/markdown", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    assert "tab-network-funnel" in text and "synthetic" in text.lower()
    assert "bipartite null" in text and "sampling stopped because" in text
    nulls = pd.read_csv(out_dir / "tables" / "tab-core-null-models.csv")
    assert {"main core k", "isolate share (%)", "transitivity"} <= set(nulls["statistic"])
    assert {"z", "z Monte Carlo SE", "rewiring z", "the nulls"} <= set(nulls.columns)


def test_everything_runs_on_a_snapshot_without_commits(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    models = pd.DataFrame({"id": ["a/b", "c/d"], "owner": ["a", "c"], "name": ["b", "d"], "tags": [[], ["fill-mask"]]})
    snap = write_snapshot(tmp_path / "no-commits", {"models": models})
    p = network.compute(snap)
    f = {r["key"]: r["value"] for r in network.findings(p, {"threshold": 90})}
    assert f["network.nodes"] == 0 and f["network.repos_with_commits"] == 0
    assert network.funnel(p)["count"].iloc[0] == 2
    network.network_table(p)
    network.core_periphery_tables(p)
    network.null_models_table(p)
    network.null_mixing_table(p)
    network.subfields_table(p)
    network.candidates_table(p)
    for make in (network.degree_figure, network.reciprocity_figure):
        make(p)
    network.network_figure(p.reproduction)


def test_narrative_names_its_snapshot_and_coverage(tiny):
    p = network.compute(tiny)
    scope = f"snapshot `{tiny.id}`, 6 model repositories with commit authors"
    for text in (network.identity_markdown(p), network.summary_markdown(p), network.core_periphery_markdown(p)):
        assert scope in text
    assert network.identity_markdown(p).startswith("1 candidate pairs among the 9 commit-author names")


def test_findings_have_a_row_per_null_statistic_with_z_and_its_se(tiny):
    p = network.compute(tiny)
    rows = {r["key"]: r for r in network.findings(p, {"threshold": 90})}
    run = network.bipartite_null(p)
    for r in run.rows():
        f = rows[f"network.null_bipartite.{r['statistic']}_z"]
        assert f["source"] == "tab-core-null-models" and f"{len(run.samples)} samples" in f["note"]
        if r["z"] == r["z"]:  # a finite z has its interval from the Monte Carlo SE
            assert f["value"] == pytest.approx(r["z"])
            assert f["ci_high"] - f["ci_low"] == pytest.approx(2 * 1.96 * r["z SE"])
