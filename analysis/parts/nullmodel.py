"""Degree-preserving randomisations of a directed network, and the core statistics compared.

The samples of :func:`analysis.parts.robustness.core_null_model` (:class:`Rewirings`) and the
pieces that run in its worker processes. The module imports only numpy and python-igraph (and
the ground floor's :mod:`analysis.arrays` and :mod:`analysis.memory`), so that a spawned worker
starts small (about 80 MB against 240 MB with the rest of Part II's imports) and holds little
more than the network's edge array and the one graph its task rewires. :func:`igraph_graph` is also how Part II's networks reach igraph.

A :class:`Rewirings` started ``background=True`` hands its samples to spawned workers, one at a
time as each worker is free, and returns, so that Part II starts its null model as soon as the
reproduction network exists and goes on with the identity resolution while the other core
rewires; what no worker has been handed when the results are collected is computed in the
collecting process. A sample's result depends only on its seed, so the results are the same whichever
process computes them (a test checks).
"""

from __future__ import annotations

import random
import threading
from typing import Any

import numpy as np

from analysis import arrays
from analysis.memory import available_cpus

#: Below this many samples a null model says little; a large network gets at least these.
MIN_NULL_SAMPLES = 5
#: Below this many swaps in all a null model runs in one process (starting a second costs seconds).
PARALLEL_MIN_SWAPS = 2_000_000


def igraph_graph(n: int, src: np.ndarray, dst: np.ndarray, *, directed: bool):
    """An ``igraph.Graph`` on ``n`` nodes with the edges ``(src[i], dst[i])`` in their order.

    The edges go in as one ``(m, 2)`` int64 array in one call: python-igraph 1.0 copies an array
    straight into its edge vector (1.3 s for 4 million edges, against 6 s for lists of Python
    tuples, which also held hundreds of MB at Hub scale). One call, because every ``add_edges``
    rebuilds the graph's indices: 250,000 edges at a time took 8 s.
    """
    import igraph as ig

    g = ig.Graph(n=n, directed=directed)
    if len(src):
        g.add_edges(np.column_stack([np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)]))
    return g


def directed_graph(n: int, edges: np.ndarray):
    """The directed graph of the ``(m, 2)`` ``edges`` (:func:`igraph_graph`)."""
    return igraph_graph(n, edges[:, 0], edges[:, 1], directed=True)


def core_statistics(graph: Any) -> dict[str, float]:
    """k_max, the size of the innermost k-core and its Borgatti-Everett correlation, of a graph
    (``igraph.Graph``; directed graphs are read as undirected for cores). The tie counts within the
    core and within the periphery come from igraph (degrees and the core's induced subgraph), not
    from an edge list."""
    return _core_statistics_in_place(graph.copy())


def _core_statistics_in_place(g: Any) -> dict[str, float]:
    """:func:`core_statistics` of a graph this caller owns, read as undirected in place (no copy:
    at Hub scale a graph is a few hundred MB)."""
    if g.is_directed():
        g.to_undirected(mode="collapse")
    else:
        g.simplify()
    und = g
    coreness = np.asarray(und.coreness(), dtype=np.int64)
    if coreness.size == 0:
        return {"k_max": float("nan"), "core_size": float("nan"), "be_correlation": float("nan")}
    kmax = int(coreness.max())
    core = coreness == kmax
    return {
        "k_max": float(kmax),
        "core_size": float(core.sum()),
        "be_correlation": be_core_correlation_counts(und, core),
    }


def be_core_correlation_counts(und: Any, core: np.ndarray) -> float:
    """The Borgatti-Everett correlation of the partition ``core`` of an undirected simple igraph
    graph, from tie counts (:func:`analysis.parts.robustness.be_core_correlation` from an edge list)."""
    n, k, m = und.vcount(), int(core.sum()), und.ecount()
    if k < 2 or n - k < 2 or m == 0:
        return float("nan")
    a_core = und.induced_subgraph(np.flatnonzero(core).tolist()).ecount()
    touching = int(np.asarray(und.degree(), dtype=np.int64)[core].sum()) - a_core
    a_per = m - touching
    pc_, pp_ = k * (k - 1) / 2, (n - k) * (n - k - 1) / 2
    total, ties = pc_ + pp_, a_core + a_per
    den = np.sqrt(ties * (total - ties) * pc_ * (total - pc_))
    return float((total * a_core - ties * pc_) / den) if den else float("nan")


def rewired_statistics(g: Any, swaps: int, sample_seed: int, *, in_place: bool = False) -> dict[str, float]:
    """:func:`core_statistics` of one seeded degree-preserving rewiring of ``g`` (``g`` is kept, or
    with ``in_place`` rewired itself: a worker's own new graph)."""
    import igraph as ig

    ig.set_random_number_generator(random.Random(sample_seed))
    try:
        h = g if in_place else g.copy()
        h.rewire(n=swaps, allowed_edge_types="simple")
        return _core_statistics_in_place(h)  # the rewired graph is this sample's own
    finally:
        ig.set_random_number_generator(random)


_WORKER_EDGES: tuple[int, np.ndarray] | None = None


def init_worker(n: int, edges: np.ndarray) -> None:
    """A worker process's copy of the network's edges (the pool's initializer)."""
    global _WORKER_EDGES
    _WORKER_EDGES = (n, edges)


def _worker_graph() -> Any:
    """The network as a new graph of this worker's own: each task builds it (1 s for 3.5 million
    edges, against 15 s for a sample's rewiring) and changes it in place, so that a worker holds one
    graph at a time and only its edge array between tasks (0.25 GB less at Hub scale than keeping a
    graph to copy for each sample)."""
    assert _WORKER_EDGES is not None, "init_worker has not run in this process"
    return directed_graph(*_WORKER_EDGES)


def sample_in_worker(swaps: int, sample_seed: int) -> dict[str, float]:
    return rewired_statistics(_worker_graph(), swaps, sample_seed, in_place=True)


def observed_in_worker() -> dict[str, float]:
    return _core_statistics_in_place(_worker_graph())


def simple_edges(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[int, np.ndarray]:
    """The nodes that have an edge to another node, renumbered, and the distinct directed pairs
    ``(m, 2)`` among them without self-loops, sorted: the network a null model rewires."""
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    e = src != dst
    keep = np.zeros(n, dtype=bool)
    keep[src[e]] = True
    keep[dst[e]] = True
    index = np.full(n, -1, dtype=np.int64)
    k = int(keep.sum())
    index[keep] = np.arange(k)
    key = arrays.unique(index[src[e]] * max(k, 1) + index[dst[e]])
    edges = np.column_stack([key // max(k, 1), key % max(k, 1)]) if len(key) else np.zeros((0, 2), np.int64)
    return k, edges


class Rewirings:
    """The core statistics of a directed network and of seeded degree-preserving rewirings of it.

    ``edges``: distinct directed pairs (m, 2) of node indices, no self-loops. Each rewiring makes
    ``swaps_per_edge`` x m swaps with igraph's ``rewire`` (every node keeps its in- and
    out-degree, no multi-edges or loops), igraph's random generator seeded per sample (sample
    ``s`` of seed ``seed``: ``seed * 100_003 + s``). All samples together make at most
    ``max_swaps`` swaps: on a large network the swaps per edge are lowered first (to one), then
    the samples (to :data:`MIN_NULL_SAMPLES`); ``samples``, ``requested`` and
    ``swaps_per_edge`` record the numbers used.

    The samples are shared among ``processes`` processes (default: the CPUs available; this one
    and spawned workers, each holding its own copy of the graph) once they make at least
    :data:`PARALLEL_MIN_SWAPS` swaps. With ``background=True`` the workers get the observed
    statistics when the object is made and then the samples one at a time, each as a worker
    becomes free (a thread here hands them out), and :meth:`collect` computes here every sample
    not handed out by then: a sample of a Hub-scale network takes 15 s, and a queue filled in
    advance would leave this process waiting for samples no worker has started. Nothing runs in
    this process before :meth:`collect`.
    """

    def __init__(
        self,
        n: int,
        edges: np.ndarray,
        *,
        samples: int = 20,
        swaps_per_edge: int = 10,
        max_swaps: int = 20_000_000,
        seed: int = 0,
        processes: int | None = None,
        background: bool = False,
    ) -> None:
        self.n = int(n)
        self.edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        m = len(self.edges)
        self.requested, self.max_swaps, self.seed = int(samples), int(max_swaps), int(seed)
        self.swaps_per_edge = max(1, min(swaps_per_edge, max_swaps // max(1, samples * m)))
        self.samples = max(min(samples, MIN_NULL_SAMPLES), min(samples, max_swaps // max(1, self.swaps_per_edge * m)))
        self.swaps = self.swaps_per_edge * m
        self.seeds = [seed * 100_003 + s for s in range(self.samples)]
        procs = min(self.samples, available_cpus() if processes is None else max(1, int(processes)))
        if self.swaps * self.samples < PARALLEL_MIN_SWAPS and processes is None:
            procs = 1
        self._pool = None
        self._futures: dict[Any, Any] = {}
        self._lock = threading.Lock()
        self._handed_out = 0  # samples given to the workers so far (background)
        self._stopped = False  # collect has begun: no sample is handed out any more
        self._feeder: threading.Thread | None = None
        self.computed_here = 0  #: samples :meth:`collect` computed in this process
        self._n_workers = procs - 1
        if procs > 1:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            # spawned (not forked): this process may run library threads; the workers build the graph
            self._pool = ProcessPoolExecutor(
                procs - 1, mp_context=mp.get_context("spawn"), initializer=init_worker, initargs=(self.n, self.edges)
            )
            if background:
                self._futures["observed"] = self._pool.submit(observed_in_worker)
                self._feeder = threading.Thread(target=self._hand_out, daemon=True)
                self._feeder.start()
            else:  # every procs-th sample stays here, the others go to the workers
                for s in range(self.samples):
                    if s % procs != procs - 1:
                        self._futures[s] = self._pool.submit(sample_in_worker, self.swaps, self.seeds[s])

    def _hand_out(self) -> None:
        """The feeder thread of a background run: the next sample to a worker whenever one of the
        workers is free, until every sample is handed out or :meth:`collect` begins."""
        from concurrent.futures import FIRST_COMPLETED, wait

        running: set[Any] = set()
        while True:
            with self._lock:
                if self._stopped or self._pool is None:
                    return
                try:
                    while self._handed_out < self.samples and len(running) < self._n_workers:
                        s = self._handed_out
                        self._futures[s] = self._pool.submit(sample_in_worker, self.swaps, self.seeds[s])
                        running.add(self._futures[s])
                        self._handed_out += 1
                    if self._handed_out >= self.samples:
                        return
                except RuntimeError:  # a broken pool: collect computes what was not handed out
                    return
            running = wait(running, return_when=FIRST_COMPLETED).not_done

    @property
    def background_workers(self) -> int:
        """The worker processes of a background run not yet collected (0 for any other run)."""
        return self._n_workers if self._pool is not None and self._feeder is not None else 0

    @classmethod
    def of_network(cls, net: Any, **options: Any) -> Rewirings:
        """The rewirings of a Part II network (``n``, ``src``, ``dst``) without its isolates and
        self-loops (:func:`simple_edges`); ``options`` as for the class."""
        return cls(*simple_edges(net.n, net.src, net.dst), **options)

    def collect(self) -> tuple[dict[str, float], list[dict[str, float]]]:
        """The observed statistics and one dict per sample (waits for the workers)."""
        try:
            with self._lock:  # no sample is handed out from here on
                self._stopped = True
                handed = dict(self._futures)
            # what no worker has started yet is computed here (Future.cancel fails once it runs)
            theirs = {key: f for key, f in handed.items() if not f.cancel()}
            mine = [s for s in range(self.samples) if s not in theirs]
            self.computed_here = len(mine)
            g = directed_graph(self.n, self.edges) if mine or "observed" not in theirs else None
            results: list[dict[str, float] | None] = [None] * self.samples
            for s in mine:
                results[s] = rewired_statistics(g, self.swaps, self.seeds[s])
            observed = theirs.pop("observed").result() if "observed" in theirs else core_statistics(g)
            del g
            for s, f in theirs.items():
                results[s] = f.result()
        finally:
            self.close()
        return observed, results  # type: ignore[return-value]

    def close(self) -> None:
        with self._lock:
            self._stopped = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if self._feeder is not None:
            self._feeder.join(timeout=60)
            self._feeder = None
        self._futures = {}


# --------------------------------------------------------------------------- #
# the bipartite null model: developers' memberships randomised, both degree sequences kept
# --------------------------------------------------------------------------- #

#: The Monte Carlo standard error of every z-score that sizes the samples (:class:`BipartiteNull`).
TARGET_Z_SE = 0.1
#: The bipartite null's budget: at most this many samples ...
MAX_BIPARTITE_SAMPLES = 400
#: ... and at most this many membership-rounds of trades in all (memberships x global rounds),
#: half for the burn-in and half for the samples' thinning ...
MAX_BIPARTITE_WORK = 100_000_000
#: ... and at most this many memberships projected in all (memberships x samples): a sample's
#: projection and statistics cost about 25 s at 4.6 million memberships (3,000,000 models).
MAX_PROJECTED = 20_000_000
#: The mixing rule's tolerance: the perturbation score's mean over rounds (t/2, t] within this
#: fraction of its mean over (t/4, t/2] ...
MIXING_TOLERANCE = 0.01
#: ... checked at t = 8, 16, 32, ... up to this many rounds.
MAX_DIAGNOSTIC_ROUNDS = 1024
#: A statistic's autocorrelation along the chain below which it counts as forgotten.
FORGOTTEN = 0.05


def null_comparison(observed: float, samples: Any) -> dict[str, float]:
    """An observed statistic against its values in a null model's ``samples`` (NaN where a sample
    has none): ``observed``, the ``null mean`` and ``null SD`` over the samples that have a value,
    ``z = (observed - mean) / SD`` (NaN where the SD is 0 or unknown) and the ``empirical p``, two-sided:
    ``(1 + #|null - mean| >= |observed - mean|) / (1 + samples)``. Both null models' rows
    (:meth:`BipartiteNull.rows`, :func:`analysis.parts.robustness.null_model_table`) are these."""
    v = np.asarray(samples, dtype=float)
    known = int(np.isfinite(v).sum())
    mean = float(np.nanmean(v)) if known else float("nan")
    sd = float(np.nanstd(v, ddof=1)) if known > 1 else float("nan")
    z = (observed - mean) / sd if sd and sd > 0 else float("nan")
    extreme = int((np.abs(v - mean) >= abs(observed - mean) - 1e-12).sum())
    return {"observed": observed, "null mean": mean, "null SD": sd, "z": z, "empirical p": (1 + extreme) / (1 + len(v))}


def z_standard_error(z: float, samples: int) -> float:
    """The Monte Carlo standard error of ``z = (observed - mean) / SD`` estimated from ``samples``
    draws of a normal null: ``sqrt(1 / S + z^2 / (2 (S - 1)))`` (the delta method; the mean's
    variance SD^2 / S and the SD's about SD^2 / (2 (S - 1)))."""
    if samples < 2 or not np.isfinite(z):
        return float("nan")
    return float(np.sqrt(1.0 / samples + z * z / (2.0 * (samples - 1))))


class Memberships:
    """A Part II network's developer-repository memberships, the bipartite graph it projects.

    ``repo`` (sorted), ``dev`` and ``first`` (whether the developer is the first author of a
    commit in the repository) are aligned arrays of the memberships; ``n_dev`` developers in all
    (also those without a membership, who are isolates in every sample). The projection
    (:meth:`statistics`) is the reproduction's construction: in every repository an edge from each
    first-author member to each other member.
    """

    def __init__(self, n_dev: int, repo: np.ndarray, dev: np.ndarray, first: np.ndarray) -> None:
        from analysis.parts import curveball

        self.n_dev = int(n_dev)
        repo, dev = np.asarray(repo, np.int64), np.asarray(dev, np.int64)
        order = np.lexsort((dev, repo))
        _, dense = np.unique(repo[order], return_inverse=True)
        self.repo = dense.astype(np.int64)
        self.dev = dev[order]
        self.first = np.asarray(first, dtype=bool)[order]
        self.n_repo = int(self.repo.max()) + 1 if len(self.repo) else 0
        self.repo_ptr = np.r_[0, np.cumsum(np.bincount(self.repo, minlength=self.n_repo))].astype(np.int64)
        size = np.diff(self.repo_ptr)
        self.multi = size[self.repo] >= 2  # items of repositories with two members or more
        self._edges = int(curveball.projection_size(self.repo_ptr, self.first.astype(np.int8)))
        # the developers' blocks: item numbers grouped by developer
        self.dev_ptr = np.r_[0, np.cumsum(np.bincount(self.dev, minlength=self.n_dev))].astype(np.int64)
        self.items0 = np.argsort(self.dev, kind="stable").astype(np.int64)
        self.active = np.flatnonzero(np.diff(self.dev_ptr) > 0).astype(np.int64)

    @classmethod
    def of_network(cls, net: Any) -> Memberships:
        """The memberships of a Part II network (``repo_author`` and its first-author flags)."""
        return cls(net.n, net.repo_author[:, 0], net.repo_author[:, 1], net.first_member)

    @property
    def m(self) -> int:
        return len(self.repo)

    @property
    def all_first(self) -> bool:
        """Every member is a first author somewhere in each of its repositories: the projection's
        ties between distinct developers are then all reciprocated, in every sample."""
        return bool(self.first.all())

    def sample(self, rounds: int, seed: int) -> np.ndarray:
        """The developer of each membership after ``rounds`` global curveball rounds from the
        observed graph (:func:`analysis.parts.curveball.trade_rounds`, seeded)."""
        from analysis.parts import curveball

        items = self.items0.copy()
        curveball.trade_rounds(self.dev_ptr, items, self.repo, self.n_repo, self.active, int(rounds), int(seed))
        return curveball.owners(self.dev_ptr, items)

    def isolates(self, owner: np.ndarray) -> int:
        """Developers in no repository with another member."""
        touched = np.zeros(self.n_dev, dtype=bool)
        touched[owner[self.multi]] = True
        return self.n_dev - int(touched.sum())

    def statistics(self, owner: np.ndarray | None = None) -> dict[str, float]:
        """The core statistics of the projection of the memberships held by ``owner`` (default: the
        observed): main core k and size and its Borgatti-Everett correlation (on the developers
        with a tie), isolates and their share of all developers, transitivity, and, unless every
        member is a first author (then 1 in every sample), the reciprocity between distinct
        developers."""
        from analysis.parts import curveball

        owner = self.dev if owner is None else owner
        n = self.n_dev
        keys = curveball.projection(self.repo_ptr, self.first.astype(np.int8), owner, n, self._edges)
        keys = arrays.unique(keys, overwrite=True)
        src, dst = keys // n, keys % n
        out: dict[str, float] = {}
        touched = np.zeros(n, dtype=bool)
        touched[src] = True
        touched[dst] = True
        k = int(touched.sum())
        index = np.full(n, -1, np.int64)
        index[touched] = np.arange(k)
        lo, hi = np.minimum(src, dst), np.maximum(src, dst)
        und = arrays.unique(index[lo] * max(k, 1) + index[hi], overwrite=True)
        g = igraph_graph(k, und // max(k, 1), und % max(k, 1), directed=False)
        coreness = np.asarray(g.coreness(), dtype=np.int64)
        kmax = int(coreness.max()) if k else 0
        core = coreness == kmax
        out["k_max"] = float(kmax) if k else float("nan")
        out["core_size"] = float(core.sum()) if k else float("nan")
        out["be_correlation"] = be_core_correlation_counts(g, core) if k else float("nan")
        out["isolates"] = float(n - k)
        out["isolates_pct"] = 100.0 * (n - k) / n if n else float("nan")
        out["transitivity"] = float(g.transitivity_undirected()) if k else float("nan")
        if not self.all_first:
            rev = dst * n + src
            pos = np.minimum(np.searchsorted(keys, rev), len(keys) - 1)
            out["reciprocity"] = float((keys[pos] == rev).mean()) if len(keys) else float("nan")
        return out


class BipartiteNull:
    """The bipartite null model of a Part II network: one chain of global curveball rounds
    (:mod:`analysis.parts.curveball`) started at the observed memberships, sized by need.

    - **Burn-in** by the perturbation score (the share of the observed memberships no longer
      present), recorded after every round with the isolate count: the burn-in ends at the first
      ``t`` of 8, 16, 32, ... where the score's mean over rounds ``(t/2, t]`` is within
      ``MIXING_TOLERANCE`` (relative) of its mean over ``(t/4, t/2]``, i.e. it has reached its
      plateau (at most ``MAX_DIAGNOSTIC_ROUNDS`` rounds, or half the work budget).
    - **Thinning** by the autocorrelation: over the plateau rounds ``(t/4, t]`` the first lag at
      which the isolate count's autocorrelation falls below ``FORGOTTEN`` is the rounds after which
      it is forgotten; successive samples are that many rounds apart (within the other
      half of the budget for ``min_samples`` samples). :attr:`sample_autocorrelation` reports
      each statistic's lag-1 autocorrelation between successive samples as a check.
    - **Samples**: each is projected as the observed network is built and its statistics computed
      (:meth:`Memberships.statistics`); ``min_samples`` first, then as many again (doubling)
      until every finite z-score's Monte Carlo standard error (:func:`z_standard_error`, from the
      effective number of samples where successive samples are correlated) is below
      ``target_se``, or ``max_samples`` are drawn (fewer where ``MAX_PROJECTED`` memberships
      would be projected first; never fewer than ``min_samples``); :attr:`stopped_by` says which.

    Every call of the compiled chain is seeded (``seed`` and the round or sample number), so the
    samples depend only on ``seed``.
    """

    def __init__(
        self,
        memberships: Memberships,
        *,
        seed: int = 0,
        min_samples: int = MIN_NULL_SAMPLES,
        max_samples: int = MAX_BIPARTITE_SAMPLES,
        max_work: int = MAX_BIPARTITE_WORK,
        target_se: float = TARGET_Z_SE,
        tolerance: float = MIXING_TOLERANCE,
    ) -> None:
        self.memberships = memberships
        self.seed, self.min_samples, self.max_samples = int(seed), int(min_samples), int(max(min_samples, max_samples))
        self.max_work, self.target_se, self.tolerance = int(max_work), float(target_se), float(tolerance)
        self.mixing: dict[str, Any] = {}
        self.observed: dict[str, float] = {}
        self.samples: list[dict[str, float]] = []
        self.stopped_by = ""

    @classmethod
    def of_network(cls, net: Any, **options: Any) -> BipartiteNull:
        return cls(Memberships.of_network(net), **options)

    def max_se(self) -> float:
        ses = [r["z SE"] for r in self.rows() if np.isfinite(r["z SE"])]
        return max(ses) if ses else float("nan")

    def _burn_in(self, items: np.ndarray) -> None:
        from analysis.parts import curveball

        m = self.memberships
        cap = max(8, min(MAX_DIAGNOSTIC_ROUNDS, self.max_work // 2 // max(m.m, 1)))
        score: list[float] = []
        isolates: list[int] = []
        t, plateau = 0, False
        while t < cap:
            curveball.trade_rounds(m.dev_ptr, items, m.repo, m.n_repo, m.active, 1, self.seed * 7919 + t)
            t += 1
            owner = curveball.owners(m.dev_ptr, items)
            score.append(1.0 - curveball.memberships_kept(m.repo_ptr, owner, m.dev, m.n_dev) / max(m.m, 1))
            isolates.append(m.isolates(owner))
            if t >= 8 and t & (t - 1) == 0:
                late, early = np.mean(score[t // 2 :]), np.mean(score[t // 4 : t // 2])
                if abs(late - early) <= self.tolerance * max(late, 1e-12):
                    plateau = True
                    break
        tail = np.asarray(isolates[t // 4 :], dtype=float)
        rho, forget = float("nan"), 1
        if len(tail) > 2 and tail.std() > 0:
            x = tail - tail.mean()
            acf = np.array([1.0] + [float(x[:-k] @ x[k:]) / float(x @ x) for k in range(1, len(x) // 2)])
            rho = float(acf[1]) if len(acf) > 1 else float("nan")
            below = np.flatnonzero(acf < FORGOTTEN)
            forget = int(below[0]) if len(below) else t
        thin_cap = max(1, self.max_work // 2 // max(m.m * self.min_samples, 1))
        self.mixing = {
            "burn_in_rounds": t,
            "plateau_reached": plateau,
            "perturbation_score": float(np.mean(score[t // 2 :])) if score else float("nan"),
            "perturbation_first_rounds": [round(x, 4) for x in score[:8]],
            "isolates_lag1_autocorrelation": rho,
            "rounds_to_forget_isolates": forget,
            "thinning_rounds": min(forget, thin_cap),
            "thinning_capped": forget > thin_cap,
            "memberships": m.m,
        }

    def run(self) -> BipartiteNull:
        from analysis.parts import curveball

        m = self.memberships
        self.observed = m.statistics()
        items = m.items0.copy()
        self._burn_in(items)
        thin = int(self.mixing["thinning_rounds"])
        budget = max(self.min_samples, min(self.max_samples, MAX_PROJECTED // max(m.m, 1)))
        want = self.min_samples
        while True:
            for s in range(len(self.samples), min(want, budget)):
                curveball.trade_rounds(m.dev_ptr, items, m.repo, m.n_repo, m.active, thin, self.seed * 100_003 + s)
                self.samples.append(m.statistics(curveball.owners(m.dev_ptr, items)))
            se = self.max_se()
            if not np.isfinite(se):
                self.stopped_by = "no finite z (the null's SD is 0 for every statistic)"
                break
            if se < self.target_se:
                self.stopped_by = f"every finite z has a Monte Carlo SE below {self.target_se:g}"
                break
            if len(self.samples) >= budget:
                self.stopped_by = (
                    f"the budget of {budget:,} samples was spent (at most {self.max_samples:,}, and at most "
                    f"{MAX_PROJECTED:,} memberships projected in all)"
                )
                break
            want = 2 * len(self.samples)
        return self

    def sample_autocorrelation(self) -> dict[str, float]:
        """Each statistic's lag-1 autocorrelation between successive samples (NaN where constant)."""
        out = {}
        for k in self.observed:
            v = np.asarray([r[k] for r in self.samples], dtype=float)
            ok = len(v) > 2 and bool(np.isfinite(v).all()) and v.std() > 0
            out[k] = float(np.corrcoef(v[:-1], v[1:])[0, 1]) if ok else float("nan")
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One row per statistic: observed, null mean and SD, z and its Monte Carlo SE, the effective
        number of samples it is computed from (``S (1 - rho) / (1 + rho)`` with ``rho`` the lag-1
        autocorrelation between successive samples, where positive), empirical p."""
        out = []
        s = len(self.samples)
        auto = self.sample_autocorrelation()
        for k, obs in self.observed.items():
            row = null_comparison(obs, [r[k] for r in self.samples])
            # successive samples of one chain: the effective number of samples under an AR(1) reading
            rho = auto.get(k, float("nan"))
            eff = s * (1 - rho) / (1 + rho) if np.isfinite(rho) and rho > 0 else float(s)
            p = row.pop("empirical p")
            out.append(
                {
                    "statistic": k,
                    **row,
                    "z SE": z_standard_error(row["z"], max(2, int(eff))),
                    "effective samples": eff,
                    "empirical p": p,
                }
            )
        return out
