"""Part II network construction and statistics, on hand-made commit lists and tiny graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from analysis.parts import network as N


def edge_dict(df: pd.DataFrame) -> dict[tuple[str, str], int]:
    return {(s, t): int(w) for s, t, w in df[["source", "target", "weight"]].itertuples(index=False)}


def net_from_edges(n: int, edges: list[tuple[int, int]]) -> N.Network:
    src = np.array([e[0] for e in edges], dtype=np.int64)
    dst = np.array([e[1] for e in edges], dtype=np.int64)
    names = np.array([f"d{i}" for i in range(n)], dtype=object)
    return N.Network(
        names, src, dst, np.ones(len(edges), np.int64), np.zeros((0, 2), np.int64), np.zeros(n, np.int64), 0, 0, 0
    )


# --------------------------------------------------------------------------- construction


def test_single_author_repo_gives_one_self_loop_per_commit():
    e = N.edges_from_commits(["a/m"] * 3, [["alice"], ["alice"], ["alice"]])
    assert edge_dict(e) == {("alice", "alice"): 3}


def test_three_authors_edges_and_frequencies():
    # repo r: U = {a, b, c}; a first-authors 2 commits, b 1, c none (only a co-author)
    repos = ["o/r"] * 3
    authors = [["a"], ["a", "c"], ["b"]]
    e = edge_dict(N.edges_from_commits(repos, authors))
    assert e == {("a", "b"): 2, ("a", "c"): 2, ("b", "a"): 1, ("b", "c"): 1}
    # no self-loops in a multi-author repository, c never a source
    assert all(s != t for s, t in e)
    assert not any(s == "c" for s, _ in e)


def test_only_first_author_is_source():
    e = edge_dict(N.edges_from_commits(["o/r"], [["x", "y", "z"]]))
    assert set(e) == {("x", "y"), ("x", "z")}


def test_edges_aggregate_over_repositories_and_isolates():
    repos = ["o/r1", "o/r1", "o/r2", "o/r3", "o/r3"]
    authors = [["a"], ["b"], ["a"], ["c"], ["c"]]
    net = N.build_network(N.CommitAuthors.from_lists(repos, authors))
    e = edge_dict(net.edges())
    assert e == {("a", "b"): 1, ("b", "a"): 1, ("a", "a"): 1, ("c", "c"): 2}
    iso = dict(zip(net.names, net.isolates()))
    assert iso == {"a": False, "b": False, "c": True}
    assert net.n_repos == 3 and net.n_single_author_repos == 2 and net.n_commits == 5


def test_single_author_repo_of_a_connected_developer_adds_self_loop():
    net = N.build_network(N.CommitAuthors.from_lists(["o/r1", "o/r1", "o/r2"], [["a"], ["b"], ["a"]]))
    assert edge_dict(net.edges()) == {("a", "b"): 1, ("b", "a"): 1, ("a", "a"): 1}
    assert not net.isolates().any()


def test_empty_and_null_author_lists_are_ignored():
    net = N.build_network(N.CommitAuthors.from_lists(["o/r", "o/r", "o/s"], [["a"], None, []]))
    assert net.n_commits == 1 and net.n_repos == 1
    assert edge_dict(net.edges()) == {("a", "a"): 1}


def test_commits_restricted_to_repositories_keep_only_their_authors():
    commits = N.CommitAuthors.from_lists(["o/r", "o/s", "o/s"], [["a", "b"], ["b"], ["c", "b"]])
    sub = commits.in_repos(commits.repo_ids == "o/s")
    assert sub.commits_per_name().to_dict() == {"b": 2, "c": 1}
    assert edge_dict(N.build_network(sub).edges()) == {("b", "c"): 1, ("c", "b"): 1}


def test_system_kept_in_reproduction_and_removed_in_cleaned():
    from analysis.parts import identity

    commits = N.CommitAuthors.from_lists(
        ["o/r", "o/r", "o/s", "o/s"], [["system"], ["alice"], ["system"], ["Bob Smith"]]
    )
    rep = N.build_network(commits)
    assert set(rep.names) == {"system", "alice", "Bob Smith"}
    assert not rep.isolates().any()  # system ties everyone
    res = identity.resolve(
        commits.names,
        weights=commits.commits_per_name().to_dict(),
        overrides=pd.DataFrame(columns=["decision", "name_a", "name_b", "reason"]),
    )
    cleaned = N.cleaned_network(commits, res)
    assert set(cleaned.names) == {"alice", "Bob Smith"}
    assert cleaned.isolates().all()
    assert edge_dict(cleaned.edges()) == {("alice", "alice"): 1, ("Bob Smith", "Bob Smith"): 1}


def test_cleaned_network_merges_identities_and_uses_first_remaining_author():
    from analysis.parts import identity

    commits = N.CommitAuthors.from_lists(
        ["o/r", "o/r", "o/r"], [["SFconvertbot", "Joao Gante"], ["joaogante"], ["Mary Lee"]]
    )
    res = identity.resolve(
        commits.names,
        weights=commits.commits_per_name().to_dict(),
        owners=["joaogante"],
        overrides=pd.DataFrame(columns=["decision", "name_a", "name_b", "reason"]),
    )
    assert res.mapping["Joao Gante"] == "joaogante"  # a Hub namespace is preferred as canonical
    cleaned = N.cleaned_network(commits, res)
    assert edge_dict(cleaned.edges()) == {("joaogante", "Mary Lee"): 2, ("Mary Lee", "joaogante"): 1}


def test_vectorised_construction_matches_a_direct_implementation():
    rng = np.random.default_rng(3)
    people = [f"p{i}" for i in range(12)]
    repos, authors = [], []
    for _ in range(400):
        repos.append(f"r{rng.integers(0, 40)}")
        authors.append(list(rng.choice(people, rng.integers(1, 4), replace=False)))
    expected: dict[tuple[str, str], int] = {}
    U: dict[str, set[str]] = {}
    for r, a in zip(repos, authors):
        U.setdefault(r, set()).update(a)
    for r, a in zip(repos, authors):
        others = U[r] - {a[0]}
        targets = others if others else {a[0]}
        for t in targets:
            expected[(a[0], t)] = expected.get((a[0], t), 0) + 1
    assert edge_dict(N.edges_from_commits(repos, authors)) == expected


# --------------------------------------------------------------------------- statistics


def test_isolates_and_reciprocity_hand_computed():
    # 0<->1 reciprocated, 1->2 not, 3 and 4 only self-loops (isolates), 0 also a self-loop
    net = net_from_edges(5, [(0, 1), (1, 0), (1, 2), (3, 3), (4, 4), (0, 0)])
    st = N.network_stats(net)
    assert st["nodes"] == 5 and st["edges"] == 6 and st["self_loops"] == 3
    assert st["isolates"] == 2 and st["isolates_pct"] == pytest.approx(40.0)
    assert st["reciprocity"] == pytest.approx(2 / 6)  # 2 reciprocated of 6 edges
    assert st["reciprocity_distinct"] == pytest.approx(2 / 3)
    assert st["density"] == pytest.approx(3 / 20)
    no = N.network_stats(net.without_isolates())
    assert no["nodes"] == 3 and no["isolates"] == 0
    assert no["reciprocity"] == pytest.approx(2 / 4)  # (0,0) stays, isolates' loops go
    assert no["wcc"] == 1 and st["wcc"] == 3
    assert no["scc"] == 2  # {0,1} and {2}


def test_stats_match_networkx_on_random_graphs():
    for seed in range(3):
        G = nx.gnm_random_graph(120, 500, seed=seed, directed=True)
        G.add_edges_from((i, i) for i in range(0, 120, 9))
        net = net_from_edges(120, list(G.edges()))
        st = N.network_stats(net)
        H = G.copy()
        H.remove_edges_from(list(nx.selfloop_edges(H)))
        U = nx.Graph(H)
        assert st["reciprocity"] == pytest.approx(nx.overall_reciprocity(G))
        assert st["avg_clustering"] == pytest.approx(nx.average_clustering(U))
        assert st["transitivity"] == pytest.approx(nx.transitivity(U))
        assert st["assortativity"] == pytest.approx(nx.degree_assortativity_coefficient(H))
        assert st["wcc"] == nx.number_weakly_connected_components(G)
        assert st["scc"] == nx.number_strongly_connected_components(G)
        core = nx.core_number(U)
        assert (N.kcore(net.undirected()) == np.array([core[i] for i in range(120)])).all()
        assert st["max_kcore"] == max(core.values())
        tri = nx.triangles(U)
        assert (N.triangles(net.undirected()) == np.array([tri[i] for i in range(120)])).all()


def test_borgatti_everett_finds_planted_core():
    # a 6-clique core, each of 30 periphery nodes tied to one core node only
    edges = [(i, j) for i in range(6) for j in range(6) if i != j]
    edges += [(6 + p, p % 6) for p in range(30)] + [(p % 6, 6 + p) for p in range(30)]
    net = net_from_edges(36, edges)
    cp = N.core_periphery(net)
    assert set(np.flatnonzero(cp["be_core"])) == set(range(6))
    assert cp["be_corr"] > 0.5
    assert cp["kmax"] == 5 and set(np.flatnonzero(cp["main_core"])) == set(range(6))
    tab = N.core_periphery_table(net)
    assert tab.loc[tab["group"] == "Borgatti-Everett core", "developers"].item() == 6
    rb = N.reciprocity_by_position(net)
    assert rb["edges"].sum() == len(edges) and rb["edges_with_loops"].sum() == len(edges)
    assert (rb["reciprocity"].dropna() == 1.0).all()


def test_transitivity_of_a_hub_beyond_int32_triads():
    # a hub of degree 50,000 (d (d - 1) exceeds 2**31) and one triangle through it: 3 closed of
    # C(50000, 2) + 2 connected triples; int32 degrees made this negative
    d = 50_000
    edges = [(0, i) for i in range(1, d + 1)] + [(1, 2)]
    st = N.network_stats(net_from_edges(d + 1, edges))
    triads = d * (d - 1) / 2 + 2
    assert st["transitivity"] == pytest.approx(3 / triads)
    assert st["transitivity"] > 0


def test_statistics_without_isolates_derived_from_the_whole_network():
    for seed in range(4):
        rng = np.random.default_rng(seed)
        n = 200
        edges = {(int(a), int(b)) for a, b in rng.integers(0, 120, size=(500, 2))}  # nodes 120+ only loops
        edges |= {(i, i) for i in range(0, n, 3)}
        net = net_from_edges(n, sorted(edges))
        net.repo_author = np.column_stack([rng.integers(0, 50, 400), rng.integers(0, n, 400)])
        net.first_commits = rng.integers(0, 5, n)
        whole, sub = N.network_stats_pair(net)
        assert whole == N.network_stats(net)
        direct = N.network_stats(net.without_isolates())
        assert sub.keys() == direct.keys()
        for k, v in direct.items():  # exactly: the tables must not change
            assert sub[k] == v or (np.isnan(v) and np.isnan(sub[k])), k
