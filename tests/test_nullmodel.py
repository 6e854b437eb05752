"""Part II's bipartite null model: curveball trades keep both degree sequences, sample the
realisations uniformly (against a brute-force enumeration), and the observed projection's
statistics are the network's."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import numpy as np
import pytest
from scipy import stats as sstats

from analysis import paths
from analysis.parts import curveball, network, nullmodel


def _random_memberships(seed: int, n_dev: int = 60, n_repo: int = 40) -> nullmodel.Memberships:
    rng = np.random.default_rng(seed)
    pairs = set()
    for r in range(n_repo):
        k = int(rng.integers(1, 8))
        for d in rng.choice(n_dev, size=k, replace=False):
            pairs.add((r, int(d)))
    repo, dev = np.array(sorted(pairs)).T
    first = rng.random(len(repo)) < 0.5
    first[np.unique(repo, return_index=True)[1]] = True  # every repository has a first author
    return nullmodel.Memberships(n_dev + 5, repo, dev, first)  # five developers without a repository


def test_every_sample_keeps_both_degree_sequences_and_the_roles():
    m = _random_memberships(1)
    dev_deg = np.bincount(m.dev, minlength=m.n_dev)
    for seed in range(20):
        owner = m.sample(rounds=int(1 + seed % 5), seed=seed)
        assert np.array_equal(np.bincount(owner, minlength=m.n_dev), dev_deg)  # developers' degrees
        # items never leave their repository: repositories' sizes and first-author counts are kept
        keys = m.repo * m.n_dev + owner
        assert len(np.unique(keys)) == m.m  # no developer twice in a repository
    assert not np.array_equal(m.sample(20, 3), m.dev)  # and the chain does move


def _realisations(row_sums, col_sums):
    """Every 0/1 matrix with these row and column sums (brute force)."""
    n_cols = len(col_sums)
    rows = [[c for c in itertools.combinations(range(n_cols), k)] for k in row_sums]
    out = []
    for choice in itertools.product(*rows):
        cols = Counter(c for row in choice for c in row)
        if all(cols[c] == col_sums[c] for c in range(n_cols)):
            out.append(frozenset((d, c) for d, row in enumerate(choice) for c in row))
    return out


def _tiny():
    # 5 developers with degrees (2, 1, 1, 2, 1), 3 repositories with degrees (3, 2, 2)
    pairs = [(0, 0), (0, 3), (0, 1), (1, 0), (1, 2), (2, 3), (2, 4)]  # (repo, dev)
    repo, dev = np.array(pairs).T
    return nullmodel.Memberships(5, repo, dev, np.ones(len(pairs), bool))


def _chi_square_uniform(counts: Counter, states: list) -> float:
    observed = np.array([counts.get(s, 0) for s in states], dtype=float)
    assert observed.sum() == sum(counts.values())  # no sample outside the realisations
    return float(sstats.chisquare(observed).pvalue)


def test_the_compiled_chain_is_uniform_over_a_tiny_graphs_realisations():
    m = _tiny()
    states = _realisations(np.bincount(m.dev, minlength=5).tolist(), np.bincount(m.repo, minlength=3).tolist())
    assert len(states) > 5
    counts = Counter()
    for seed in range(6000):
        owner = m.sample(rounds=30, seed=seed)
        counts[frozenset((int(d), int(r)) for d, r in zip(owner, m.repo))] += 1
    assert set(counts) == set(states)  # every realisation reached, nothing else
    assert _chi_square_uniform(counts, states) > 0.001


def test_the_plain_reference_chain_is_uniform_too_and_keeps_degrees():
    m = _tiny()
    states = _realisations(np.bincount(m.dev, minlength=5).tolist(), np.bincount(m.repo, minlength=3).tolist())
    lists = [[int(i) for i in np.flatnonzero(m.dev == d)] for d in range(m.n_dev)]
    rng = random.Random(5)
    counts = Counter()
    for _ in range(4000):
        out = curveball.reference_rounds(lists, m.repo.tolist(), 30, rng)
        assert [len(x) for x in out] == [len(x) for x in lists]
        counts[frozenset((d, int(m.repo[i])) for d, items in enumerate(out) for i in items)] += 1
    assert _chi_square_uniform(counts, states) > 0.001


def test_compiled_and_reference_chains_agree_in_distribution():
    m = _random_memberships(4, n_dev=12, n_repo=8)
    lists = [[int(i) for i in np.flatnonzero(m.dev == d)] for d in range(m.n_dev)]
    rng = random.Random(1)
    ref, fast = [], []
    for seed in range(1500):
        out = curveball.reference_rounds(lists, m.repo.tolist(), 4, rng)
        owner = np.empty(m.m, np.int64)
        for d, items in enumerate(out):
            owner[items] = d
        ref.append(m.isolates(owner))
        fast.append(m.isolates(m.sample(4, seed)))
    assert sstats.mannwhitneyu(ref, fast).pvalue > 0.001


def _network(repos, authors):
    return network.build_network(network.CommitAuthors.from_lists(repos, authors), "reproduction")


def test_the_observed_projection_gives_the_networks_statistics():
    repos = ["a", "a", "b", "b", "c", "d", "d", "e", "e", "e", "f"]
    authors = [["x", "y"], ["y"], ["x"], ["z", "x"], ["w"], ["v", "u", "t"], ["u"], ["x", "u"], ["s"], ["s"], ["r"]]
    net = _network(repos, authors)
    st = network.network_stats(net)
    obs = nullmodel.Memberships.of_network(net).statistics()
    assert obs["isolates"] == st["isolates"]
    assert obs["k_max"] == st["max_kcore"] and obs["core_size"] == st["core_size"]
    assert obs["transitivity"] == pytest.approx(st["transitivity"])
    assert obs["reciprocity"] == pytest.approx(st["reciprocity_distinct"])  # not every member is a first author


def test_the_bipartite_null_is_sized_by_its_rule_and_seeded():
    m = _random_memberships(2)
    a = nullmodel.BipartiteNull(m, seed=3, max_samples=40).run()
    assert len(a.samples) >= nullmodel.MIN_NULL_SAMPLES
    assert a.max_se() < nullmodel.TARGET_Z_SE or len(a.samples) == 40
    assert a.mixing["burn_in_rounds"] >= 8 and a.mixing["thinning_rounds"] >= 1
    b = nullmodel.BipartiteNull(m, seed=3, max_samples=40).run()
    assert a.rows() == b.rows()
    assert {r["statistic"] for r in a.rows()} >= {"k_max", "core_size", "isolates_pct", "transitivity", "reciprocity"}


def test_z_standard_error():
    assert nullmodel.z_standard_error(0.0, 100) == pytest.approx(0.1)
    assert nullmodel.z_standard_error(3.0, 51) == pytest.approx(np.sqrt(1 / 51 + 9 / 100))
    assert np.isnan(nullmodel.z_standard_error(float("nan"), 10))


@pytest.mark.skipif(not (paths.SHARED_IMPORT / "manifest.json").exists(), reason="the real import is absent")
def test_on_the_real_import_the_observed_projection_is_the_reproduction_network():
    from analysis.snapshot import open_snapshot

    net = network.reproduction_network(network.load_commit_authors(open_snapshot(paths.SHARED_IMPORT)))
    st = network.network_stats(net)
    obs = nullmodel.Memberships.of_network(net).statistics()
    assert (obs["isolates"], obs["k_max"], obs["core_size"]) == (st["isolates"], st["max_kcore"], st["core_size"])
    assert obs["transitivity"] == pytest.approx(st["transitivity"])


def test_a_large_network_gets_the_minimum_samples_within_the_projection_budget(monkeypatch):
    m = _random_memberships(3)
    monkeypatch.setattr(nullmodel, "MAX_PROJECTED", 2 * m.m)  # room for two samples only
    run = nullmodel.BipartiteNull(m, seed=1, target_se=1e-9).run()
    assert len(run.samples) == nullmodel.MIN_NULL_SAMPLES
    assert "memberships projected" in run.stopped_by
