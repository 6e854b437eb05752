"""Part II's network statistics: degrees, clustering, components, isolates, reciprocity, cores.

Statistics (:func:`network_stats`):

- edges count distinct directed pairs, self-loops included; density uses the
  edges between distinct developers, ``m / (n (n - 1))``;
- ``reciprocity`` is networkx's overall reciprocity (self-loops count as
  edges that are never reciprocated), ``reciprocity_distinct`` the share of
  edges between distinct developers whose reverse edge exists (the same in
  the whole network and without isolates);
- clustering (average local clustering, nodes of degree < 2 counted as 0),
  transitivity and k-cores use the undirected simple graph (self-loops and
  direction dropped). Triangles per node and core numbers come from
  python-igraph (``transitivity_local_undirected(mode="zero")`` times the
  number of pairs of neighbours, rounded; ``coreness``), which replaced this
  module's sparse-matrix triangle count and vectorised peeling; the average
  and the ratio are then taken in numpy as before, so every table keeps its
  exact digits (``tests/test_network_networkx.py`` checks every statistic
  against networkx; ``bench/bench_graph_library.py`` times igraph against the
  replaced code, kept there as the baseline);
- degree assortativity is networkx's default for directed graphs (out-degree
  of the source against in-degree of the target, over edges between distinct
  developers): a Pearson correlation over the edge list (``numpy.corrcoef``),
  kept because igraph would first need the directed graph, whose
  construction alone (edges cross into igraph as Python tuples: about 6 s
  for 5 million edges here) costs more than the correlation;
- components: weakly and strongly connected (every isolate is its own), from
  ``scipy.sparse.csgraph.connected_components`` (C code, no Python per edge;
  igraph would need the directed graph built as well).

Core and periphery (:func:`core_periphery`): the main k-core (nodes of maximal
coreness) and a Borgatti-Everett discrete core-periphery fit: the core set
whose ideal pattern (core-core ties present, periphery-periphery ties absent,
core-periphery dyads ignored, as in UCINET's default) correlates best with the
observed undirected ties of the network without isolates. The exact optimum is
NP-hard; the fit scans every core of the form "the top k nodes ordered by
coreness, then degree" (nested sets), which takes O(n + m) via cumulative
edge counts, so it runs on the whole network rather than on a sample. No
well-kept Python library implements this fit (networkx and igraph have none),
so :func:`be_fit` is this module's own; the tests check its correlation against
one computed directly from networkx's adjacency matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from analysis import arrays
from analysis.parts.network.construction import Network, igraph_undirected


def triangles(graph) -> np.ndarray:
    """Triangles through each node of an undirected simple igraph ``Graph`` (or symmetric 0/1 CSR).

    From igraph's local transitivity ``t = triangles / (d (d - 1) / 2)``, so
    ``triangles = t d (d - 1) / 2``, rounded (exact: both factors are integers
    well below 2**53).
    """
    if sp.issparse(graph):
        graph = igraph_undirected(graph)
    if graph.vcount() == 0:
        return np.zeros(0, np.int64)
    deg = np.asarray(graph.degree(), dtype=np.int64)
    local = np.asarray(graph.transitivity_local_undirected(mode="zero"), dtype=float)
    return np.rint(local * (deg * (deg - 1) / 2)).astype(np.int64)


def kcore(graph) -> np.ndarray:
    """Core number of every node of an undirected simple igraph ``Graph`` (or symmetric 0/1 CSR)."""
    if sp.issparse(graph):
        graph = igraph_undirected(graph)
    return np.asarray(graph.coreness(), dtype=np.int64)


def be_fit(adj: sp.csr_matrix, order_keys: tuple[np.ndarray, ...]) -> tuple[np.ndarray, float, int]:
    """Borgatti-Everett discrete fit over nested cores (module docstring).

    ``order_keys``: arrays for ``np.lexsort`` (last key primary), ordering
    nodes from most to least core-like. Returns (core mask, correlation, k).
    """
    n = adj.shape[0]
    if n < 4 or adj.nnz == 0:
        return np.zeros(n, bool), float("nan"), 0
    order = np.lexsort(order_keys)
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    coo = sp.triu(adj, k=1).tocoo()
    ra, rb = rank[coo.row], rank[coo.col]
    hi, lo = np.maximum(ra, rb), np.minimum(ra, rb)
    k = np.arange(n + 1, dtype=float)
    e_cc = np.concatenate([[0], np.cumsum(np.bincount(hi, minlength=n))]).astype(float)  # hi < k
    lo_counts = np.bincount(lo, minlength=n)
    e_pp = np.concatenate([np.cumsum(lo_counts[::-1])[::-1], [0]]).astype(float)  # lo >= k
    d_cc = k * (k - 1) / 2
    d_pp = (n - k) * (n - k - 1) / 2
    N = d_cc + d_pp
    sx = e_cc + e_pp
    sy = d_cc
    sxy = e_cc
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (N * sxy - sx * sy) / np.sqrt(sx * (N - sx) * sy * (N - sy))
    r[:2] = np.nan
    r[n - 1 :] = np.nan
    if np.all(np.isnan(r)):
        return np.zeros(n, bool), float("nan"), 0
    best = int(np.nanargmax(r))
    return rank < best, float(r[best]), best


def _assortativity(net: Network) -> float:
    nl = ~net.loops
    s, d = net.src[nl], net.dst[nl]
    if len(s) < 2:
        return float("nan")
    out_deg = np.bincount(s, minlength=net.n)
    in_deg = np.bincount(d, minlength=net.n)
    x, y = out_deg[s].astype(float), in_deg[d].astype(float)
    if x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def reciprocated(net: Network) -> np.ndarray:
    """Boolean per edge: a non-loop edge whose reverse edge exists (computed once per network)."""
    if "reciprocated" not in net._cache:
        key = net.src * net.n + net.dst
        rev = net.dst * net.n + net.src
        # edges come sorted by (source, target) from the construction and from subgraphs
        sorted_keys = key if len(key) < 2 or bool((key[1:] >= key[:-1]).all()) else np.sort(key)
        # the reverse keys are looked up in their own sorted order: a binary search of millions of
        # keys in random order misses the cache at every step (5 s against 0.5 s at Hub scale)
        by_rev = np.argsort(rev)
        queries = rev[by_rev]
        found = np.zeros(len(key), bool)
        if len(key):
            pos = np.minimum(np.searchsorted(sorted_keys, queries), len(key) - 1)
            found[by_rev] = sorted_keys[pos] == queries
        net._cache["reciprocated"] = found & ~net.loops
    return net._cache["reciprocated"]


#: Statistics of :func:`network_stats`, in table order, with their row labels.
STAT_LABELS: dict[str, str] = {
    "repositories": "model repositories",
    "commits": "commits",
    "nodes": "developers (nodes)",
    "edges": "edges (incl. self-loops)",
    "self_loops": "self-loops",
    "isolates": "isolates",
    "isolates_pct": "isolates (%)",
    "density": "density",
    "reciprocity_distinct": "reciprocity between distinct developers",
    "avg_clustering": "average clustering",
    "transitivity": "transitivity",
    "assortativity": "degree assortativity (out-in)",
    "wcc": "weakly connected components",
    "scc": "strongly connected components",
    "largest_wcc": "largest weak component (nodes)",
    "largest_wcc_pct": "largest weak component (% of nodes)",
    "largest_scc": "largest strong component (nodes)",
    "max_kcore": "maximum k-core (k)",
    "core_size": "main k-core size (nodes)",
}


def network_stats(net: Network) -> dict[str, Any]:
    """Every statistic of ``tab-network`` for one network (keys of :data:`STAT_LABELS`)."""
    n = net.n
    loops = net.loops
    m = len(net.src)
    m_nl = int((~loops).sum())
    iso = net.isolates()
    rec = reciprocated(net)
    adj = net.undirected()
    deg = np.diff(adj.indptr).astype(np.int64)  # int64: d (d - 1) overflows int32 beyond d = 46,341
    tri = triangles(net.graph())
    with np.errstate(invalid="ignore", divide="ignore"):
        local = np.where(deg > 1, 2 * tri / (deg * (deg - 1.0)), 0.0)
    net._cache["local_clustering"] = local
    triads = float((deg * (deg - 1) / 2).sum())
    nl = ~loops
    gd = sp.csr_matrix((np.ones(m_nl), (net.src[nl], net.dst[nl])), shape=(n, n))
    n_wcc, wlab = connected_components(gd, directed=True, connection="weak") if n else (0, np.zeros(0, int))
    n_scc, slab = connected_components(gd, directed=True, connection="strong") if n else (0, np.zeros(0, int))
    core = net.coreness()
    kmax = int(core.max()) if n else 0
    largest_wcc = int(np.bincount(wlab).max()) if n else 0
    return {
        "repositories": arrays.count_unique(net.repo_author[:, 0]),
        "commits": int(net.first_commits.sum()),
        "nodes": int(n),
        "edges": int(m),
        "self_loops": int(loops.sum()),
        "isolates": int(iso.sum()),
        "isolates_pct": float(100 * iso.mean()) if n else float("nan"),
        "density": float(m_nl / (n * (n - 1))) if n > 1 else float("nan"),
        "reciprocity": float(rec.sum() / m) if m else float("nan"),
        "reciprocity_distinct": float(rec.sum() / m_nl) if m_nl else float("nan"),
        "avg_clustering": float(local.mean()) if n else float("nan"),
        "transitivity": float(tri.sum() / triads) if triads else 0.0,
        "assortativity": _assortativity(net),
        "wcc": int(n_wcc),
        "scc": int(n_scc),
        "largest_wcc": largest_wcc,
        "largest_wcc_pct": float(100 * largest_wcc / n) if n else float("nan"),
        "largest_scc": int(np.bincount(slab).max()) if n else 0,
        "max_kcore": kmax,
        "core_size": int((core == kmax).sum()) if n and kmax > 0 else 0,
    }


def network_stats_pair(net: Network) -> tuple[dict[str, Any], dict[str, Any]]:
    """:func:`network_stats` of ``net`` and of ``net.without_isolates()``, the second derived from
    the first's per-node arrays: removing isolates (nodes with self-loops only) changes no triangle,
    core number, component of another node or degree, so only counts and means over nodes change
    (a test checks both against :func:`network_stats` of the subgraph)."""
    whole = network_stats(net)
    iso = net.isolates()
    k = int((~iso).sum())
    if k == 0 or k == net.n:
        return whole, network_stats(net.without_isolates())
    n_iso = int(iso.sum())
    c = net._cache
    loops_kept = int((net.loops & ~iso[net.src]).sum())
    m_nl = int((~net.loops).sum())
    m = m_nl + loops_kept
    rec = int(reciprocated(net).sum())
    ra = net.repo_author
    ra = ra[~iso[ra[:, 1]]] if len(ra) else ra
    sub = dict(whole)
    sub.update(
        {
            "repositories": arrays.count_unique(ra[:, 0]),
            "commits": int(net.first_commits[~iso].sum()),
            "nodes": k,
            "edges": m,
            "self_loops": loops_kept,
            "isolates": 0,
            "isolates_pct": 0.0,
            "density": float(m_nl / (k * (k - 1))) if k > 1 else float("nan"),
            "reciprocity": float(rec / m) if m else float("nan"),
            "avg_clustering": float(c["local_clustering"][~iso].mean()),
            "wcc": whole["wcc"] - n_iso,
            "scc": whole["scc"] - n_iso,
            "largest_wcc_pct": float(100 * whole["largest_wcc"] / k),
        }
    )
    return whole, sub


def core_periphery(net: Network) -> dict[str, Any]:
    """Core membership of every node: coreness, main k-core, Borgatti-Everett core (non-isolates)."""
    if "cp" in net._cache:
        return net._cache["cp"]
    adj = net.undirected()
    core = net.coreness()
    deg = np.diff(adj.indptr)
    iso = net.isolates()
    kmax = int(core.max()) if net.n else 0
    be = np.zeros(net.n, bool)
    corr, size = float("nan"), 0
    keep = ~iso
    if keep.sum() >= 4:
        sub = adj[keep][:, keep]
        idx = np.flatnonzero(keep)
        # ties broken by name: the rank of each name in string order (no fixed-width string copy)
        name_rank = np.empty(len(idx), np.int64)
        name_rank[np.argsort(net.names[idx], kind="stable")] = np.arange(len(idx))
        mask, corr, size = be_fit(sub, (name_rank, -deg[idx], -core[idx]))
        be[idx[mask]] = True
    out = {
        "coreness": core,
        "degree": deg,
        "kmax": kmax,
        "main_core": (core == kmax) & keep,
        "be_core": be,
        "be_corr": corr,
        "be_size": int(be.sum()),
        "isolate": iso,
    }
    net._cache["cp"] = out
    return out


def reciprocity_by_position(net: Network) -> pd.DataFrame:
    """Reciprocity of developers' edges by coreness bin of the source developer.

    ``reciprocity``: share of edges to distinct developers that are returned;
    ``reciprocity_with_loops``: the same with self-loops counted as edges that
    are never returned (networkx's convention), so isolates (coreness 0) show 0.
    """
    cp = core_periphery(net)
    rec = reciprocated(net)
    nl = ~net.loops
    core = cp["coreness"]
    kmax = max(int(core.max()) if net.n else 0, 1)
    if kmax <= 8:
        edges = np.arange(0, kmax + 2)
    else:
        edges = np.unique(np.r_[0, 1, 2, 3, np.round(np.geomspace(4, kmax + 1, 7)).astype(int), kmax + 1])
    src_core = core[net.src]
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel_all = (src_core >= lo) & (src_core < hi)
        sel = sel_all & nl
        nodes = (core >= lo) & (core < hi)
        label = f"{lo}" if hi - lo == 1 else f"{lo}-{hi - 1}"
        if lo == 0:
            label = "0 (isolates)"
        rows.append(
            {
                "coreness": label,
                "coreness_low": int(lo),
                "developers": int(nodes.sum()),
                "edges": int(sel.sum()),
                "edges_with_loops": int(sel_all.sum()),
                "reciprocity": float(rec[sel].mean()) if sel.any() else np.nan,
                "reciprocity_with_loops": float(rec[sel_all].mean()) if sel_all.any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


def degree_distribution(net: Network) -> pd.DataFrame:
    """In- and out-degree (distinct developers, self-loops excluded) of every node."""
    nl = ~net.loops
    return pd.DataFrame(
        {
            "developer": net.names,
            "in_degree": np.bincount(net.dst[nl], minlength=net.n),
            "out_degree": np.bincount(net.src[nl], minlength=net.n),
        }
    )


#: The one reciprocity of the book: the share of edges between distinct developers whose reverse edge exists.
RECIPROCITY_NAME = "reciprocity between distinct developers"
