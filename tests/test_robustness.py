"""Uncertainty and robustness (analysis.parts.robustness): each estimator against a known answer."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sstats

from analysis import stats
from analysis.parts import nullmodel
from analysis.parts import robustness as R
from analysis.parts.network import part as network_part
from analysis.parts.network import sequential as S


def test_concentration_from_counts_equals_the_expanded_statistics():
    rng = np.random.default_rng(1)
    for n in (1, 2, 99, 100, 101, 3000):
        x = (rng.pareto(1.2, n) * 5).astype(int)
        values, counts = R.value_counts(x)
        got = R.concentration(values, counts)
        if x.sum() == 0:
            assert np.isnan(got["gini"][0])
            continue
        assert got["gini"][0] == pytest.approx(stats.gini(x), rel=1e-12, abs=1e-12)
        assert got["top1"][0] == pytest.approx(stats.top_share(x, 0.01), rel=1e-12)
        assert got["top10"][0] == pytest.approx(stats.top_share(x, 0.10), rel=1e-12)
    # many multisets at once: one row each
    a, b = np.array([0, 0, 1, 5]), np.array([3, 3, 3, 9])
    vals = np.array([0, 1, 3, 5, 9])
    rows = np.array([[2, 1, 0, 1, 0], [0, 0, 3, 0, 1]])
    g = R.concentration(vals, rows)["gini"]
    assert g == pytest.approx([stats.gini(a), stats.gini(b)])


def test_bootstrap_intervals_cover_a_known_gini_at_about_the_nominal_rate():
    """Lognormal(0, sigma): Gini = 2 Phi(sigma / sqrt 2) - 1 and top-10% share =
    1 - Phi(Phi^-1(0.9) - sigma), exactly. 120 samples of 1,500, 300 resamples each (seeded)."""
    sigma = 1.0
    true_gini = 2 * sstats.norm.cdf(sigma / np.sqrt(2)) - 1
    true_top10 = 1 - sstats.norm.cdf(sstats.norm.ppf(0.9) - sigma)
    rng = np.random.default_rng(2024)
    hits = {"gini": 0, "top10": 0}
    trials = 120
    for t in range(trials):
        x = rng.lognormal(0, sigma, 1500)
        ci = R.concentration_intervals(x, b=300, seed=t)
        hits["gini"] += ci["gini"][0] <= true_gini <= ci["gini"][1]
        hits["top10"] += ci["top10"][0] <= true_top10 <= ci["top10"][1]
    for k, h in hits.items():
        assert 0.86 <= h / trials <= 0.995, f"{k}: coverage {h / trials:.2f}"


def test_quantile_and_proportion_intervals():
    rng = np.random.default_rng(5)
    hits = sum(lo <= 0 <= hi for lo, hi in (R.quantile_interval(rng.normal(size=301), 0.5) for _ in range(300)))
    assert 0.90 <= hits / 300 <= 0.995
    lo, hi = R.proportion_interval(0, 10)
    assert lo == 0 and hi == pytest.approx(0.2775, abs=1e-4)  # Wilson, the textbook value
    lo, hi = R.proportion_interval(50, 100)
    assert (lo, hi) == pytest.approx((0.4038, 0.5962), abs=1e-4)


def test_finite_population_correction_by_hand():
    est = R.srs_proportion(30, 100, 1000)
    # p = 0.3; se = sqrt(0.3 * 0.7 / 99 * (1 - 100/1000))
    assert est["estimate"] == 0.3
    assert est["se"] == pytest.approx(np.sqrt(0.21 / 99 * 0.9))
    assert est["low"] == pytest.approx(0.3 - 1.959964 * est["se"], abs=1e-6)
    # sampling everything leaves no sampling error
    assert R.srs_proportion(30, 100, 100)["se"] == 0
    with pytest.raises(ValueError):
        R.srs_proportion(3, 10, 5)


def test_cliffs_delta_against_brute_force_and_scipy():
    x, y = [1, 2, 3], [2, 3, 4]
    # 1 pair x > y, 6 pairs x < y, 2 ties: (1 - 6) / 9
    assert R.cliffs_delta(x, y) == pytest.approx(-5 / 9)
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 6, 40), rng.integers(1, 7, 55)
    brute = np.mean([np.sign(u - v) for u, v in itertools.product(a, b)])
    assert R.cliffs_delta(a, b) == pytest.approx(brute)
    u = sstats.mannwhitneyu(a, b).statistic
    assert R.cliffs_delta(a, b) == pytest.approx(2 * u / (a.size * b.size) - 1)
    assert R.magnitude(0.1) == "negligible" and R.magnitude(-0.5) == "large"
    assert R.interval_magnitude(-0.2, 0.1) == "negligible to small"  # crosses zero
    assert R.interval_magnitude(-0.4, -0.35) == "medium"
    lo, hi, method = R.cliffs_delta_interval(a, b, b=200, seed=1)
    assert lo <= R.cliffs_delta(a, b) <= hi and "bootstrap" in method
    # counted from the distinct values: the very number the mid-ranks give, ties and all
    for trial in range(60):
        nx, ny = rng.integers(1, 2000, 2)
        k = [2, 7, 1000, 10**9][trial % 4]
        x, y = rng.integers(0, k, nx).astype(float), rng.integers(0, k, ny).astype(float)
        if trial % 3 == 0:
            x, y = rng.pareto(1.2, nx).round(2), rng.pareto(1.1, ny).round(1)
        assert R.cliffs_delta(x, y) == R._cliffs_delta_by_ranks(x, y)


def test_sequential_network_reciprocity_on_a_hand_made_commit_list():
    # r1: a, b, a, c in date order; r2: d then d (no edge); r3 listed out of order: e (day 2), f (day 1)
    repo = ["r1", "r1", "r1", "r1", "r2", "r2", "r3", "r3"]
    date = pd.to_datetime(
        ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-01", "2024-01-02", "2024-01-02", "2024-01-01"]
    )
    first = ["a", "b", "a", "c", "d", "d", "e", "f"]
    e = R.sequential_edges(repo, date, first)
    assert set(zip(e["source"], e["target"])) == {("b", "a"), ("a", "b"), ("c", "a"), ("e", "f")}
    net = R.sequential_from_rows(repo, date, first)
    assert (net.repositories, net.commits) == (3, 8)
    assert net.edges.equals(e)  # the names back, in the same order
    # (b,a) and (a,b) are reciprocated, (c,a) and (e,f) are not
    assert net.reciprocity() == pytest.approx(2 / 4)
    assert net.summary()["developers with an edge"] == 5


def test_sequential_pairs_of_rows_already_in_order_are_those_of_the_sort():
    """Rows already by repository and date skip the sort: the same edges as sorting first, ties
    in date (kept in the given order) included; rows out of order are sorted."""
    rng = np.random.default_rng(3)
    repo = np.sort(rng.integers(0, 40, 600))
    date = rng.integers(0, 5, 600)  # many ties
    first = rng.integers(-1, 12, 600)  # -1: no author
    order = np.lexsort((date, repo))
    repo, date, first = repo[order], date[order], first[order]
    assert S._in_order(repo, date)

    def by_sorting(r, d, f):  # the edges the sorted rows give, computed here from a sorted copy
        o = np.lexsort((d, r))
        r, f = r[o], f[o]
        keep = f >= 0
        r, f = r[keep], f[keep]
        same = (r[1:] == r[:-1]) & (f[1:] != f[:-1])
        return sorted(zip(f[1:][same].tolist(), f[:-1][same].tolist()))

    def edges(r, d, f):
        src, dst, w = S._sequential_pairs(r, d, f)
        return sorted(x for s, t, k in zip(src.tolist(), dst.tolist(), w.tolist()) for x in [(s, t)] * k)

    assert edges(repo, date, first) == by_sorting(repo, date, first)
    shuffled = rng.permutation(600)
    r2, d2, f2 = repo[shuffled], date[shuffled], first[shuffled]
    assert not S._in_order(r2, d2)
    assert edges(r2, d2, f2) == by_sorting(r2, d2, f2)
    assert not S._in_order(np.array([0, 0]), np.array([2, 1])) and S._in_order(np.array([0, 1]), np.array([2, 1]))


def test_isolate_share_and_its_sampling_bias():
    pairs = pd.DataFrame({"repo": ["r1", "r2", "r2", "r3"], "author": ["a", "a", "b", "c"]})
    # a works with b in r2, so only c (alone in r3) is an isolate
    assert R.isolate_share(pairs) == pytest.approx(100 / 3)
    assert R.isolate_share(pairs, ["r1", "r3"]) == pytest.approx(100.0)  # without r2, a is alone too
    bias = R.isolate_sampling_bias(pairs, sizes=[2], seeds=range(10))
    assert bias["repositories sampled"].tolist() == [3, 2]
    # the three samples of two repositories give 0% ({r1, r2}), 33.3% ({r2, r3}) or 100% ({r1, r3})
    possible = np.array([0, 100 / 3, 100])
    for col in ("isolates (%) min", "isolates (%) max"):
        assert np.isclose(possible, bias.loc[1, col]).any()
    assert bias.loc[1, "bias (points)"] == pytest.approx(bias.loc[1, "isolates (%) mean"] - 100 / 3)


def test_sample_estimates_only_for_a_random_sample(tmp_path):
    from book_fixtures import hand_snapshot

    from analysis.parts import activity
    from analysis.snapshot import open_snapshot, write_snapshot

    snap = hand_snapshot(tmp_path / "hand", models=40)
    acts = activity.load(snap)
    table, text = R.sample_estimates(snap, acts)
    assert table.empty and "Nothing is estimated" in text
    # the same tables, the commits step marked as a seeded random sample of the models
    tables = {name: snap.table(name) for name in ("models", "commits", "repo_coverage")}
    cov = {name: snap.coverage(name) for name in snap.manifest["coverage"]}
    cov["commits"] = {**cov["commits"], "scope": "sample"}
    sampled = write_snapshot(tmp_path / "sampled", tables, coverage=cov, snapshot_date=snap.date)
    sampled = open_snapshot(sampled.path)
    table, text = R.sample_estimates(sampled, activity.load(sampled))
    row = table[table["repository type"] == "model"].iloc[0]
    a = activity.load(sampled)["model"]
    v = a.data["commit_authors"].dropna()
    assert row["sampled (n)"] == len(v) and row["population (N)"] == a.n
    assert row["estimate (%)"] == pytest.approx(100 * (v == 1).mean())
    assert "random sample of" in text


def test_null_model_rewiring_keeps_every_degree_and_compares_the_core():
    import igraph as ig

    rng = np.random.default_rng(0)
    # a dense core of 8 developers and a sparse periphery of 40
    core = [(i, j) for i in range(8) for j in range(8) if i != j]
    periphery = [(int(a), int(rng.integers(0, 8))) for a in range(8, 48)]
    edges = np.array(sorted(set(core + periphery)))
    g = ig.Graph(n=48, edges=edges.tolist(), directed=True)
    h = g.copy()
    h.rewire(n=10 * g.ecount(), allowed_edge_types="simple")
    assert h.indegree() == g.indegree() and h.outdegree() == g.outdegree()
    assert not any(h.is_multiple()) and not any(h.is_loop())
    table = R.core_null_model(48, edges, samples=10, seed=3).set_index("statistic")
    assert table.loc["core_size", "observed"] == 8
    assert set(table.columns) >= {"observed", "null mean", "null SD", "z", "empirical p"}
    assert 1 / 11 <= table.loc["be_correlation", "empirical p"] <= 1
    # the same seed gives the same null distribution
    again = R.core_null_model(48, edges, samples=10, seed=3).set_index("statistic")
    assert again.loc["be_correlation", "null mean"] == table.loc["be_correlation", "null mean"]


def test_borgatti_everett_correlation_by_hand():
    # 4 nodes, core {0, 1}; edges 0-1 (core), 2-3 (periphery), 0-2 (core-periphery: left out)
    edges = np.array([[0, 1], [2, 3], [0, 2]])
    core = np.array([True, True, False, False])
    # pairs kept: (0,1) core tied, (2,3) periphery tied: ties in both, correlation undefined... add a node
    assert np.isnan(R.be_core_correlation(4, edges, core))
    edges = np.array([[0, 1], [0, 2]])
    core = np.array([True, True, False, False, False])
    # kept pairs: 1 core pair (tied), 3 periphery pairs (none tied): perfect pattern
    assert R.be_core_correlation(5, edges, core) == pytest.approx(1.0)


def test_core_statistics_from_igraph_counts_equal_the_edge_list_formula():
    import random

    import igraph as ig

    for seed in range(3):
        random.seed(seed)  # igraph draws from Python's random module
        g = ig.Graph.Erdos_Renyi(n=150, m=900, directed=True, loops=False)
        g.simplify()
        und = g.as_undirected(mode="collapse")
        core = np.asarray(und.coreness()) == max(und.coreness())
        edges = np.asarray(und.get_edgelist(), dtype=np.int64)
        st = nullmodel.core_statistics(g)
        assert st["core_size"] == core.sum()
        assert st["be_correlation"] == pytest.approx(R.be_core_correlation(und.vcount(), edges, core))


def test_a_rewired_sample_read_as_undirected_in_place_has_the_statistics_of_its_copy():
    """A sample's graph is made undirected in place (less memory in a worker): the statistics of
    :func:`core_statistics` of the same rewired graph, which copies it first."""
    import random

    import igraph as ig

    random.seed(4)
    g = ig.Graph.Erdos_Renyi(n=300, m=2400, directed=True, loops=False)
    g.simplify()
    edges = g.get_edgelist()
    got = nullmodel.rewired_statistics(g, 3000, 17)
    assert g.get_edgelist() == edges and g.is_directed()  # the network itself is untouched
    ig.set_random_number_generator(random.Random(17))
    h = g.copy()
    h.rewire(n=3000, allowed_edge_types="simple")
    ig.set_random_number_generator(random)
    assert got == nullmodel.core_statistics(h)
    assert got["core_size"] > 0


def test_core_null_model_keeps_within_its_swap_budget_and_says_so():
    rng = np.random.default_rng(1)
    edges = np.unique(rng.integers(0, 60, size=(400, 2)), axis=0)
    edges = edges[edges[:, 0] != edges[:, 1]]
    m = len(edges)
    # a budget of 6 m swaps: one swap per edge, 6 samples instead of 20
    t = R.core_null_model(60, edges, samples=20, max_swaps=6 * m, seed=0)
    assert t["null model"].iloc[0].startswith("6 degree-preserving rewirings (of the 20 asked for, within a budget of")
    assert "(1 swap per edge" in t["null model"].iloc[0]
    assert t["empirical p"].min() >= 1 / 7
    # never fewer than MIN_NULL_SAMPLES, whatever the budget
    t = R.core_null_model(60, edges, samples=20, max_swaps=m, seed=0)
    assert t["null model"].iloc[0].startswith(f"{nullmodel.MIN_NULL_SAMPLES} degree-preserving rewirings")
    # within the budget: as asked, and the wording of before
    t = R.core_null_model(60, edges, samples=4, max_swaps=10**9, seed=0)
    assert t["null model"].iloc[0].startswith("4 degree-preserving rewirings (10 swaps per edge")


def test_sequential_edges_keep_the_given_order_among_equal_dates():
    # one repository, three commits on the same day: b after a after c as listed, so b->a and a->c
    day = pd.to_datetime(["2024-01-01"] * 3)
    e = R.sequential_edges(["r"] * 3, day, ["c", "a", "b"])
    assert set(zip(e["source"], e["target"])) == {("a", "c"), ("b", "a")}


def test_bias_sample_sizes_are_those_below_the_number_of_repositories():
    assert R.bias_sample_sizes(1031) == [100, 103, 1000]
    assert R.bias_sample_sizes(3_000_000) == [100, 1000, 10000, 300000]
    assert R.bias_sample_sizes(50) == [5]


def test_core_null_model_is_the_same_in_one_process_and_in_two():
    rng = np.random.default_rng(4)
    edges = np.unique(rng.integers(0, 80, size=(600, 2)), axis=0)
    edges = edges[edges[:, 0] != edges[:, 1]]
    one = R.core_null_model(80, edges, samples=5, seed=2, processes=1)
    two = R.core_null_model(80, edges, samples=5, seed=2, processes=2)  # a spawned worker takes samples 0, 2
    pd.testing.assert_frame_equal(one, two)
    assert one["null SD"].notna().all()


def test_null_model_started_in_the_background_gives_the_same_table():
    rng = np.random.default_rng(4)
    edges = np.unique(rng.integers(0, 80, size=(600, 2)), axis=0)
    edges = edges[edges[:, 0] != edges[:, 1]]
    one = R.core_null_model(80, edges, samples=6, seed=2, processes=1)
    run = nullmodel.Rewirings(80, edges, samples=6, seed=2, processes=2, background=True)
    # the observed statistics go to the worker at once, the samples one at a time as it is free
    # (its process takes about a second to start: it has not finished the first by now)
    assert "observed" in run._futures and run._handed_out <= 1
    deadline = time.monotonic() + 120  # the worker does every sample of this small network
    while time.monotonic() < deadline and not (run._handed_out == 6 and all(f.done() for f in run._futures.values())):
        time.sleep(0.1)
    assert run._handed_out == 6
    pd.testing.assert_frame_equal(R.null_model_table(run), one)
    assert run.computed_here == 0
    # taken back: a run collected at once computes here what no worker was handed
    run = nullmodel.Rewirings(80, edges, samples=6, seed=2, processes=2, background=True)
    observed, results = run.collect()
    assert run.computed_here >= 5  # at most the first sample had been handed out
    assert observed == one.set_index("statistic")["observed"].to_dict()
    assert len(results) == 6 and all(r is not None for r in results)
    assert run._feeder is None and run._pool is None  # the feeder thread and the workers are gone


def test_simple_edges_drop_loops_isolates_and_repeats():
    # nodes 0..5: 2 has only a self-loop, 5 has nothing; 0->1 twice
    n, edges = nullmodel.simple_edges(6, np.array([0, 0, 1, 2, 3, 4]), np.array([1, 1, 0, 2, 4, 0]))
    assert n == 4  # 0, 1, 3, 4 renumbered 0, 1, 2, 3
    assert edges.tolist() == [[0, 1], [1, 0], [2, 3], [3, 0]]


def test_network_null_rows_collects_the_started_run_and_ignores_a_different_one():
    from analysis.parts import network

    net = network.build_network(
        network.CommitAuthors.from_lists(
            [f"r{i % 9}" for i in range(60)], [[f"u{(i * 7) % 23}", f"u{(i * 5) % 17}"] for i in range(60)]
        ),
        "reproduction",
    )
    fresh = R.network_null_rows(net, samples=5, seed=1)
    started = nullmodel.Rewirings.of_network(net, samples=5, seed=1, background=True)
    pd.testing.assert_frame_equal(R.network_null_rows(net, samples=5, seed=1, started=started), fresh)
    other = nullmodel.Rewirings.of_network(net, samples=5, seed=9, background=True)
    pd.testing.assert_frame_equal(R.network_null_rows(net, samples=5, seed=1, started=other), fresh)
    assert fresh["network"].iloc[0] == "reproduction without isolates"


def test_a_worker_task_builds_its_own_graph_and_leaves_only_the_edges():
    """Each worker task rewires a new graph of its own in place: the same statistics as rewiring a
    copy of the network, task after task, and nothing but the edge array kept between tasks."""
    rng = np.random.default_rng(5)
    edges = np.unique(rng.integers(0, 50, size=(300, 2)), axis=0)
    edges = edges[edges[:, 0] != edges[:, 1]]
    nullmodel.init_worker(50, edges)  # as a worker process's initializer does
    g = nullmodel.directed_graph(50, edges)
    first = nullmodel.sample_in_worker(len(edges), 7)
    assert first == nullmodel.rewired_statistics(g, len(edges), 7)  # on a copy of the network
    assert nullmodel.sample_in_worker(len(edges), 7) == first
    assert nullmodel.sample_in_worker(len(edges), 8) == nullmodel.rewired_statistics(g, len(edges), 8)
    assert nullmodel.observed_in_worker() == nullmodel.core_statistics(g)
    assert g.get_edgelist() == [tuple(e) for e in edges.tolist()]  # the network itself untouched
    assert not any(isinstance(v, type(g)) for v in vars(nullmodel).values())  # no graph kept


def test_sequential_network_of_a_snapshot_is_that_of_its_commit_rows(tmp_path, monkeypatch):
    """The snapshot path (integer codes, entries a slice at a time, no sort where the commits are
    in order) gives the edges of the commit rows themselves: each model commit's first author other
    than ``system``, in date order within its repository."""
    from analysis.parts import network
    from analysis.sources import synth

    snap = synth.generate(tmp_path / "s", models=300, seed=5)
    commits = snap.table("commits")
    commits = commits[commits["repo_type"] == "model"]

    def first_author(names):
        for x in names if names is not None else ():
            if x is not None and x.strip() and x.strip() != "system":
                return x.strip()
        return None

    expected = R.sequential_from_rows(
        commits["repo_id"].tolist(), commits["date"].tolist(), [first_author(a) for a in commits["authors"]]
    )
    whole = R.sequential_network(snap)
    pd.testing.assert_frame_equal(whole.edges, expected.edges)
    assert (whole.repositories, whole.commits) == (expected.repositories, expected.commits)
    monkeypatch.setattr(S, "SEQUENTIAL_SLICE", 7)  # commits' entries split across slices
    pd.testing.assert_frame_equal(
        R.sequential_network(snap, commits=network.load_commit_authors(snap)).edges, whole.edges
    )


def test_the_identity_resolution_leaves_a_background_null_models_cpus_to_it():
    rng = np.random.default_rng(4)
    edges = np.unique(rng.integers(0, 80, size=(600, 2)), axis=0)
    edges = edges[edges[:, 0] != edges[:, 1]]
    run = nullmodel.Rewirings(80, edges, samples=4, seed=2, processes=2, background=True)
    assert run.background_workers == 1
    assert network_part._scoring_threads(-1, run) == max(1, nullmodel.available_cpus() - 1)
    assert network_part._scoring_threads(3, run) == 3  # asked for: as asked
    assert network_part._scoring_threads(-1, None) == -1
    run.collect()
    assert run.background_workers == 0 and network_part._scoring_threads(-1, run) == -1
    alone = nullmodel.Rewirings(80, edges, samples=4, seed=2, processes=1, background=True)
    assert alone.background_workers == 0  # one process: nothing runs in the background


def _bias_table(full, rows):
    data = [
        {
            "repositories sampled": 1031,
            "samples": 1,
            "isolates (%) mean": full,
            "isolates (%) min": full,
            "isolates (%) max": full,
            "bias (points)": 0.0,
        }
    ]
    for n, mean, lo, hi in rows:
        data.append(
            {
                "repositories sampled": n,
                "samples": 5,
                "isolates (%) mean": mean,
                "isolates (%) min": lo,
                "isolates (%) max": hi,
                "bias (points)": mean - full,
            }
        )
    return pd.DataFrame(data)


def test_the_isolate_bias_sentence_says_what_the_table_shows():
    """The real import's table (+2.1, -0.5, -0.3 points) has no consistent direction: the text must not
    say 'biased upwards'; a table whose shifts are all positive and beyond a point says so."""
    from analysis.parts.robustness import isolate_bias_sentence

    mixed = isolate_bias_sentence(
        _bias_table(50.5, [(100, 52.6, 46.0, 58.2), (103, 50.0, 41.7, 63.0), (1000, 50.2, 49.4, 50.6)])
    )
    assert "no consistent direction" in mixed and "upwards" not in mixed
    assert "100 repositories: +2.1 points" in mixed and "1,000 repositories: -0.3 points" in mixed
    up = isolate_bias_sentence(_bias_table(40.0, [(100, 45.0, 43.0, 47.0), (500, 42.0, 41.0, 43.0)]))
    assert "upwards at every size" in up and "within the samples' range" not in up
    flat = isolate_bias_sentence(_bias_table(40.0, [(100, 40.4, 38.0, 42.0)]))
    assert "no bias to speak of" in flat
    assert "too few repositories" in isolate_bias_sentence(_bias_table(40.0, []))


def test_the_sensitivity_sentence_counts_the_checks_the_table_has():
    from analysis.parts.robustness import sensitivity_sentence

    two = pd.DataFrame({"check": ["top 1% share without the largest model", "without the placeholder dates"]})
    text = sensitivity_sentence(two, n_models=5_000, paper_models=348_181)
    assert text.startswith("Two checks") and "not run here" in text and "5,000" in text
    three = pd.concat([two, pd.DataFrame({"check": ["Kruskal-Wallis on 20 random subsamples of the paper's models"]})])
    assert sensitivity_sentence(three, n_models=760_000, paper_models=348_181).startswith("Three checks")
    assert "not run" not in sensitivity_sentence(three, n_models=760_000, paper_models=348_181)
