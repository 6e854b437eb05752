"""Degree-preserving randomisations of a directed network, and the core statistics compared.

The pieces of :func:`analysis.parts.robustness.core_null_model` that also run in its worker
processes. The module imports only numpy and python-igraph, so that a spawned worker starts
small (about 80 MB against 240 MB with the rest of Part II's imports) and holds little more
than its copy of the graph. :func:`igraph_graph` is also how Part II's networks reach igraph.
"""

from __future__ import annotations

import os
import random
from typing import Any

import numpy as np

#: Edges handed to igraph per call when a graph is built (a list of Python tuples per call:
#: hundreds of MB for a whole Hub-scale network at once).
EDGE_CHUNK = 250_000


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def igraph_graph(n: int, src: np.ndarray, dst: np.ndarray, *, directed: bool):
    """An ``igraph.Graph`` on ``n`` nodes with the edges ``(src[i], dst[i])`` in their order.

    Edges go in as lists of ``(a, b)`` tuples, igraph's fast path (a numpy array is converted row
    by row, several times slower), :data:`EDGE_CHUNK` at a time.
    """
    import igraph as ig

    g = ig.Graph(n=n, directed=directed)
    for s in range(0, len(src), EDGE_CHUNK):
        g.add_edges(list(zip(src[s : s + EDGE_CHUNK].tolist(), dst[s : s + EDGE_CHUNK].tolist())))
    return g


def directed_graph(n: int, edges: np.ndarray):
    """The directed graph of the ``(m, 2)`` ``edges`` (:func:`igraph_graph`)."""
    return igraph_graph(n, edges[:, 0], edges[:, 1], directed=True)


def core_statistics(graph: Any) -> dict[str, float]:
    """k_max, the size of the innermost k-core and its Borgatti-Everett correlation, of a graph
    (``igraph.Graph``; directed graphs are read as undirected for cores). The tie counts within the
    core and within the periphery come from igraph (degrees and the core's induced subgraph), not
    from an edge list."""
    und = graph.as_undirected(mode="collapse") if graph.is_directed() else graph.copy().simplify()
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


def rewired_statistics(g: Any, swaps: int, sample_seed: int) -> dict[str, float]:
    """:func:`core_statistics` of one seeded degree-preserving rewiring of ``g`` (``g`` is kept)."""
    import igraph as ig

    ig.set_random_number_generator(random.Random(sample_seed))
    try:
        h = g.copy()
        h.rewire(n=swaps, allowed_edge_types="simple")
        return core_statistics(h)
    finally:
        ig.set_random_number_generator(random)


_WORKER_GRAPH: Any = None


def init_worker(n: int, edges: np.ndarray) -> None:
    """A worker process's copy of the graph (the pool's initializer)."""
    global _WORKER_GRAPH
    _WORKER_GRAPH = directed_graph(n, edges)


def sample_in_worker(swaps: int, sample_seed: int) -> dict[str, float]:
    return rewired_statistics(_WORKER_GRAPH, swaps, sample_seed)
