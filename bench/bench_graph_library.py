"""Benchmark: python-igraph against the hand-written sparse-matrix code it replaced (triangles, k-cores).

Part II's triangle counts and core numbers came from this module's own code on
``scipy.sparse`` matrices (the two functions below, kept here as the baseline);
they now come from python-igraph (``analysis.parts.network.triangles`` and
``kcore``). This times both on the undirected simple graphs of a snapshot's two
networks (reproduction and cleaned), including igraph's graph construction,
checks that they agree, and times the directed-graph construction igraph would
need for assortativity and components against the numpy/scipy code kept for
those.

    .venv/bin/python bench/bench_graph_library.py [SNAPSHOT_DIR]   # default: the hub-2026 cached snapshot
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import igraph as ig
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from analysis import paths
from analysis.parts import identity
from analysis.parts import network as N
from analysis.snapshot import open_snapshot


def triangles_sparse(adj: sp.csr_matrix, chunk: int = 50_000) -> np.ndarray:
    """Triangles through each node of an undirected simple graph (symmetric 0/1 CSR).

    Forward algorithm: edges oriented from lower to higher (degree, index)
    rank, so every triangle a < b < c is found once; counts for each role
    come from two masked sparse products, computed in row chunks.
    """
    n = adj.shape[0]
    t = np.zeros(n, dtype=np.int64)
    if n == 0 or adj.nnz == 0:
        return t
    deg = np.diff(adj.indptr)
    rank = np.empty(n, np.int64)
    rank[np.lexsort((np.arange(n), deg))] = np.arange(n)
    coo = adj.tocoo()
    up = rank[coo.row] < rank[coo.col]
    r, c = rank[coo.row[up]], rank[coo.col[up]]
    L = sp.csr_matrix((np.ones(len(r), np.int64), (r, c)), shape=(n, n))
    LT = L.T.tocsr()
    t_rank = np.zeros(n, dtype=np.int64)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        Ls = L[s:e]
        # X[a, c] = #b with a<b<c, a-b, b-c, a-c : a lowest, c highest
        X = (Ls @ L).multiply(Ls).tocsr()
        t_rank[s:e] += np.asarray(X.sum(axis=1)).ravel()
        t_rank += np.bincount(X.indices, weights=X.data, minlength=n).astype(np.int64)
        # Z[b, c] = #a with a<b<c: b middle
        LTs = LT[s:e]
        Z = (LTs @ L).multiply(Ls).tocsr()
        t_rank[s:e] += np.asarray(Z.sum(axis=1)).ravel()
    t[:] = t_rank[rank]
    return t


def kcore_peeling(adj: sp.csr_matrix) -> np.ndarray:
    """Core number of every node of an undirected simple graph (vectorised peeling)."""
    n = adj.shape[0]
    deg = np.diff(adj.indptr).astype(np.int64)
    core = np.zeros(n, np.int64)
    alive = np.ones(n, bool)
    k = 0
    left = n
    while left:
        k = max(k, int(deg[alive].min()))
        while True:
            rem = np.flatnonzero(alive & (deg <= k))
            if not len(rem):
                break
            core[rem] = k
            alive[rem] = False
            left -= len(rem)
            nb = adj[rem].indices
            if len(nb):
                deg -= np.bincount(nb, minlength=n)
    return core


def timed(f, *a):
    t = time.perf_counter()
    out = f(*a)
    return out, time.perf_counter() - t


def main(argv: list[str]) -> int:
    snap_dir = Path(argv[0]) if argv else paths.bench_cache() / "hub-2026-models3000000-seed1"
    snap = open_snapshot(snap_dir, checksums=False)
    commits = N.load_commit_authors(snap)
    res = identity.resolve(commits.names, weights=commits.commits_per_name().to_dict())
    print(
        f"{snap.id}: {commits.n_commits:,} model commits, {len(commits.names):,} names; load {os.getloadavg()[0]:.1f}"
    )
    for net in (N.reproduction_network(commits), N.cleaned_network(commits, res)):
        adj = net.undirected()
        g, t_build = timed(N.igraph_undirected, adj)
        tri_ig, t_tri_ig = timed(N.triangles, g)
        core_ig, t_core_ig = timed(N.kcore, g)
        tri_sp, t_tri_sp = timed(triangles_sparse, adj)
        core_sp, t_core_sp = timed(kcore_peeling, adj)
        assert np.array_equal(tri_ig, tri_sp) and np.array_equal(core_ig, core_sp)
        nl = ~net.loops
        edges = list(zip(net.src[nl].tolist(), net.dst[nl].tolist()))
        gd, t_dir = timed(lambda: ig.Graph(n=net.n, edges=edges, directed=True))
        t = time.perf_counter()
        gd.assortativity_degree(directed=True)
        gd.connected_components(mode="strong")
        gd.connected_components(mode="weak")
        t_ig_rest = time.perf_counter() - t
        t = time.perf_counter()
        N._assortativity(net)
        m = sp.csr_matrix((np.ones(int(nl.sum())), (net.src[nl], net.dst[nl])), shape=(net.n, net.n))
        connected_components(m, directed=True, connection="weak")
        connected_components(m, directed=True, connection="strong")
        t_np = time.perf_counter() - t
        print(
            f"  {net.label}: {net.n:,} nodes, {adj.nnz // 2:,} undirected ties [load {os.getloadavg()[0]:.1f}]\n"
            f"    triangles: igraph {t_build + t_tri_ig:.1f} s (graph {t_build:.1f} s + {t_tri_ig:.1f} s), "
            f"sparse products {t_tri_sp:.1f} s; equal\n"
            f"    k-cores: igraph {t_core_ig:.1f} s (graph built already), peeling {t_core_sp:.1f} s; equal\n"
            f"    assortativity and components: igraph {t_dir + t_ig_rest:.1f} s (directed graph {t_dir:.1f} s), "
            f"numpy and scipy {t_np:.1f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
