"""Every network statistic of Part II against networkx: a mid-size synthetic network and the real commits.

The statistics come from python-igraph, scipy and numpy (:mod:`analysis.parts.network`);
here each is recomputed with networkx from the same edges, and the Borgatti-Everett fit's
correlation from networkx's adjacency matrix.
"""

from __future__ import annotations

import gzip
import json

import networkx as nx
import numpy as np
import pytest

from analysis.parts import identity
from analysis.parts import network as N
from analysis.parts.network import commits as commits_module


def networkx_stats(net: N.Network) -> dict:
    """The graph statistics of :func:`network.network_stats`, computed with networkx alone."""
    G = nx.DiGraph()
    G.add_nodes_from(range(net.n))
    G.add_edges_from(zip(net.src.tolist(), net.dst.tolist()))
    H = G.copy()
    H.remove_edges_from(list(nx.selfloop_edges(H)))
    U = nx.Graph(H)
    n = G.number_of_nodes()
    iso = sum(1 for _ in nx.isolates(H))
    core = nx.core_number(U)
    kmax = max(core.values())
    tri = nx.triangles(U)
    wcc = [len(c) for c in nx.weakly_connected_components(G)]
    scc = [len(c) for c in nx.strongly_connected_components(G)]
    return {
        "nodes": n,
        "edges": G.number_of_edges(),
        "self_loops": nx.number_of_selfloops(G),
        "isolates": iso,
        "isolates_pct": 100 * iso / n,
        "density": nx.density(H),
        "reciprocity": nx.overall_reciprocity(G),
        "reciprocity_distinct": nx.overall_reciprocity(H),
        "avg_clustering": nx.average_clustering(U),
        "transitivity": nx.transitivity(U),
        "assortativity": nx.degree_assortativity_coefficient(H),
        "wcc": len(wcc),
        "scc": len(scc),
        "largest_wcc": max(wcc),
        "largest_wcc_pct": 100 * max(wcc) / n,
        "largest_scc": max(scc),
        "max_kcore": kmax,
        "core_size": nx.k_core(U).number_of_nodes() if kmax > 0 else 0,
        "_core": np.array([core[i] for i in range(n)]),
        "_triangles": np.array([tri[i] for i in range(n)]),
    }


def assert_same_stats(net: N.Network) -> None:
    ours = N.network_stats(net)
    ref = networkx_stats(net)
    for key, want in ref.items():
        if key.startswith("_"):
            continue
        got = ours[key]
        if isinstance(want, int):
            assert got == want, key
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), key
    assert (net.coreness() == ref["_core"]).all()
    assert (N.triangles(net.graph()) == ref["_triangles"]).all()


def be_correlation(net: N.Network, core: np.ndarray) -> float:
    """Borgatti-Everett correlation of a core set, from networkx's adjacency of the undirected graph."""
    U = nx.Graph()
    U.add_nodes_from(range(net.n))
    U.add_edges_from((a, b) for a, b in zip(net.src.tolist(), net.dst.tolist()) if a != b)
    A = nx.to_numpy_array(U, nodelist=range(net.n))
    i, j = np.triu_indices(net.n, 1)
    both_core, both_periphery = core[i] & core[j], ~core[i] & ~core[j]
    keep = both_core | both_periphery  # core-periphery dyads are ignored
    return float(np.corrcoef(A[i, j][keep], both_core[keep].astype(float))[0, 1])


def check_be_fit(net: N.Network, brute_force: bool = False) -> None:
    sub = net.without_isolates()
    cp = N.core_periphery(sub)
    if np.isnan(cp["be_corr"]):
        return
    assert cp["be_corr"] == pytest.approx(be_correlation(sub, cp["be_core"]), rel=1e-9)
    if brute_force:  # the fit is the best of the nested cores "top k by coreness, degree, name"
        order = np.lexsort((sub.names.astype(str), -cp["degree"], -cp["coreness"]))
        best = -np.inf
        for k in range(2, sub.n - 1):
            core = np.zeros(sub.n, bool)
            core[order[:k]] = True
            r = be_correlation(sub, core)
            best = max(best, r) if not np.isnan(r) else best
        assert cp["be_corr"] == pytest.approx(best, rel=1e-9)


@pytest.fixture(scope="module")
def mid_size():
    """A mid-size synthetic network: the bundled demo snapshot (5,000 models, 27,559 model commits)."""
    from analysis import paths
    from analysis.snapshot import open_snapshot

    snap = open_snapshot(paths.DEFAULT_SNAPSHOT)
    return snap, N.load_commit_authors(snap)


def test_mid_size_synthetic_network_matches_networkx(mid_size):
    snap, commits = mid_size
    assert len(commits.names) > 2_000 and commits.n_commits > 20_000
    repro = N.reproduction_network(commits)
    res = identity.resolve(commits.names, weights=commits.commits_per_name().to_dict())
    cleaned = N.cleaned_network(commits, res)
    for net in (repro, repro.without_isolates(), cleaned, cleaned.without_isolates()):
        assert net.n > 500
        assert_same_stats(net)
    check_be_fit(cleaned)


def test_be_fit_is_the_best_nested_core_on_a_small_network(mid_size):
    _, commits = mid_size
    repos = np.unique(commits.commit_repo)[:150]
    mask = np.zeros(len(commits.repo_ids), bool)
    mask[repos] = True
    net = N.reproduction_network(commits.in_repos(mask))
    assert net.without_isolates().n > 20
    check_be_fit(net, brute_force=True)


def test_streamed_loader_equals_reading_the_whole_table(mid_size, tmp_path):
    """Row group by row group (several here) gives exactly the arrays of the whole table."""
    import pyarrow.parquet as pq

    from analysis.snapshot.schema import table_file

    snap, commits = mid_size
    whole = pq.read_table(snap.path / table_file("commits"), columns=["repo_type", "repo_id", "authors"])
    model = whole.filter(np.asarray(whole.column("repo_type").to_pylist()) == "model")
    ref = N.CommitAuthors.from_arrow(model.select(["repo_id", "authors"]))
    assert pq.ParquetFile(snap.path / table_file("commits")).num_row_groups == 1
    # the same file in many small row groups, one of them plain-encoded
    small = tmp_path / "commits.parquet"
    pq.write_table(whole, small, row_group_size=3_001)
    groups = list(commits_module._model_commit_groups(small, ["repo_type", "repo_id", "authors"]))
    assert len(groups) > 5

    class Snap:
        path = tmp_path

    got = N.load_commit_authors(Snap())
    for f in ("repo_ids", "commit_repo", "cidx", "author", "names"):
        assert np.array_equal(getattr(got, f), getattr(ref, f)), f
    assert np.array_equal(got.commit_repo, commits.commit_repo)


def test_real_commits_networks_match_networkx(shared_data):
    repos, authors = [], []
    with gzip.open(shared_data / "model-commits-2024-09" / "commits.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            repos.append(r["repo_id"])
            authors.append([a.get("user") for a in (r.get("authors") or [])])
    commits = N.CommitAuthors.from_lists(repos, authors)
    assert commits.n_commits == 4_737 and len(commits.names) == 432  # the data README's counts
    repro = N.reproduction_network(commits)
    cleaned = N.cleaned_network(commits, identity.resolve(commits.names))
    for net in (repro, repro.without_isolates(), cleaned, cleaned.without_isolates()):
        assert_same_stats(net)
    check_be_fit(repro, brute_force=True)
    check_be_fit(cleaned)
