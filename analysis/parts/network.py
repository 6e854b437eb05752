"""Part II: the developer collaboration network of model repositories (RQ2).

Two networks are built from a snapshot's model-repository commits:

- **reproduction** (:func:`reproduction_network`): the authors' construction
  exactly. For a model repository with commit-author set ``U`` (every name in
  any commit's author list), every commit adds a directed edge from the
  commit's first author to each other member of ``U``; a repository with a
  single author adds a self-loop for every commit. Edges are aggregated with
  the number of commits as weight. Names are used as recorded; the Hub's
  ``system`` initial-commit author is kept, as the authors' scripts did.
- **cleaned** (:func:`cleaned_network`), the sensitivity analysis: names mapped
  to resolved identities (:mod:`analysis.parts.identity`), ``system`` and bots
  removed (a commit's first author is then its first remaining author;
  commits left without authors are dropped), then the same construction.

A developer is an **isolate** when all of their edges are self-loops (they
only ever committed alone). Statistics (:func:`network_stats`):

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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from analysis import arrays
from analysis.memory import release_arrow_memory
from analysis.paper import paper_numbers
from analysis.parts import identity, nullmodel
from analysis.snapshot import Snapshot
from analysis.snapshot.schema import REPO_TABLES, table_file
from analysis.stats import ccdf, percent
from analysis.subfields import SUBFIELDS, subfield_mask

# --------------------------------------------------------------------------- #
# commits as flat arrays
# --------------------------------------------------------------------------- #


@dataclass
class CommitAuthors:
    """Model-repository commits as flat arrays.

    ``commit_repo[c]`` is the repository (index into ``repo_ids``) of commit
    ``c``; the author list of commit ``c`` is ``author[cidx == c]`` in order
    (``cidx`` is sorted, order within a commit is the API's order); ``author``
    indexes ``names``.
    """

    repo_ids: np.ndarray
    commit_repo: np.ndarray
    cidx: np.ndarray
    author: np.ndarray
    names: np.ndarray

    @property
    def n_commits(self) -> int:
        return len(self.commit_repo)

    @classmethod
    def from_lists(cls, repos: Iterable[str], authors: Iterable[Iterable[str] | None]) -> CommitAuthors:
        """From per-commit repository ids and author lists (tests and small data)."""
        table = pa.table(
            {
                "repo_id": pa.array(list(repos), pa.string()),
                "authors": pa.array([None if a is None else list(a) for a in authors], pa.list_(pa.string())),
            }
        )
        return cls.from_arrow(table)

    @classmethod
    def from_arrow(cls, table: pa.Table) -> CommitAuthors:
        """From an Arrow table with ``repo_id`` and ``authors`` (list of strings)."""
        repo_col = table.column("repo_id").combine_chunks()
        enc = pc.dictionary_encode(repo_col)
        repo_ids = np.asarray(enc.dictionary.to_pylist(), dtype=object)
        commit_repo = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        lists = table.column("authors").combine_chunks()
        if len(lists) and lists.null_count:
            lists = pc.fill_null(lists, pa.scalar([], pa.list_(pa.string())))
        flat = pc.list_flatten(lists)
        parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        ok = pc.and_(pc.is_valid(flat), pc.not_equal(pc.utf8_trim_whitespace(pc.fill_null(flat, "")), ""))
        flat = pc.filter(flat, ok)
        parent = parent[ok.to_numpy(zero_copy_only=False)]
        aenc = pc.dictionary_encode(flat)
        names = np.asarray(aenc.dictionary.to_pylist(), dtype=object) if len(flat) else np.zeros(0, object)
        author = aenc.indices.to_numpy(zero_copy_only=False).astype(np.int64) if len(flat) else np.zeros(0, np.int64)
        return cls(repo_ids, commit_repo, parent, author, names)

    def first_authors(self) -> tuple[np.ndarray, np.ndarray]:
        """``(commit, author)`` of the first author of every commit that has an author."""
        if not len(self.cidx):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        start = np.flatnonzero(np.r_[True, self.cidx[1:] != self.cidx[:-1]])
        return self.cidx[start], self.author[start]

    def commits_per_name(self) -> pd.Series:
        """Commits per name (a name counted once per commit it is an author of)."""
        n = max(len(self.names), 1)
        # a name can repeat only within a commit of several author entries: only those are deduplicated
        multi = _in_multi_entry_commits(self.cidx)
        counts = np.bincount(self.author[~multi], minlength=len(self.names))
        key = arrays.unique(self.cidx[multi] * n + self.author[multi])
        counts += np.bincount(key % n, minlength=len(self.names))
        return pd.Series(counts, index=self.names, dtype="int64")

    def mapped(self, mapping: dict[str, str], drop: Iterable[str] = ()) -> CommitAuthors:
        """Names renamed by ``mapping``, names in ``drop`` removed, duplicates within a commit removed."""
        drop = set(drop)
        new_names = np.asarray([mapping.get(n, n) for n in self.names], dtype=object)
        keep_name = np.asarray([(n not in drop) and (m not in drop) for n, m in zip(self.names, new_names)], dtype=bool)
        codes, uniq = pd.factorize(pd.Series(new_names, dtype=object))
        codes = np.asarray(codes, dtype=np.int64)
        sel = keep_name[self.author] if len(self.author) else np.zeros(0, bool)
        cidx = self.cidx[sel]
        author = self.author[sel]  # at Hub scale tens of millions of entries: one array at a time
        del sel
        author = codes[author]
        # drop repeated authors within a commit, keeping the first occurrence (only a commit of
        # several author entries can repeat one: the others are kept without a look)
        multi = _in_multi_entry_commits(cidx)
        at = np.flatnonzero(multi)
        if len(at):
            _, first = np.unique(cidx[at] * len(uniq) + author[at], return_index=True)
            keep = ~multi
            keep[at[first]] = True
            del multi, at, first
            cidx = cidx[keep]
            author = author[keep]
        return self._with_authors(cidx, author, uniq)

    def in_repos(self, repo_mask: np.ndarray) -> CommitAuthors:
        """Only the commits of the repositories where ``repo_mask`` (over ``repo_ids``) is True."""
        sel = np.asarray(repo_mask, dtype=bool)[self.commit_repo[self.cidx]]
        return self._with_authors(self.cidx[sel], self.author[sel], self.names)

    def _with_authors(self, cidx: np.ndarray, author: np.ndarray, names) -> CommitAuthors:
        """The same commits with author entries ``(cidx, author)`` over ``names``; unused names dropped."""
        present = np.zeros(len(names), dtype=bool)  # the names used, in code order (no sort of the entries)
        present[author] = True
        used = np.flatnonzero(present)
        remap = np.full(len(names), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        return CommitAuthors(
            self.repo_ids, self.commit_repo, cidx, remap[author], np.asarray(names, dtype=object)[used]
        )


def _in_multi_entry_commits(cidx: np.ndarray) -> np.ndarray:
    """Boolean per author entry: its commit has more than one entry (``cidx`` sorted)."""
    multi = np.zeros(len(cidx), dtype=bool)
    if len(cidx) > 1:
        same = cidx[1:] == cidx[:-1]
        multi[1:] |= same
        multi[:-1] |= same
    return multi


def _first_seen(codes: np.ndarray) -> np.ndarray:
    """The distinct values of ``codes`` in order of first appearance."""
    uniq, first = np.unique(codes, return_index=True)
    return uniq[np.argsort(first, kind="stable")]


class _Encoder:
    """Global integer codes for strings met batch by batch, numbered in order of first appearance.

    Each batch brings its own Arrow dictionary; :meth:`add` keeps, per batch,
    the batch's distinct values in order of first appearance and every entry's
    position among them (int32). :meth:`finish` dictionary-encodes the
    concatenation of those lists once, which numbers the values in global
    order of first appearance (what ``pc.dictionary_encode`` of the whole
    column gives), and maps every batch's positions to global codes.
    """

    def __init__(self) -> None:
        self.values: list[pa.Array] = []
        self.local: list[np.ndarray] = []

    def add(self, dictionary: pa.Array, indices: np.ndarray) -> None:
        order = _first_seen(indices)
        pos = np.empty(len(dictionary), np.int32)
        pos[order] = np.arange(len(order), dtype=np.int32)
        self.values.append(dictionary.take(pa.array(order)))
        self.local.append(pos[indices])

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """(global code of every entry, int64; the distinct values as an object array)."""
        if not self.values:
            return np.zeros(0, np.int64), np.zeros(0, object)
        enc = pc.dictionary_encode(pa.concat_arrays(self.values))
        glob = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        out = np.empty(sum(len(x) for x in self.local), np.int64)
        start, offset = 0, 0
        for vals, loc in zip(self.values, self.local):
            out[start : start + len(loc)] = glob[offset + loc]
            start += len(loc)
            offset += len(vals)
        self.values, self.local = [], []
        return out, np.asarray(enc.dictionary.to_pylist(), dtype=object)


def _model_commit_groups(path, columns: list[str]):
    """Per Parquet row group: the model rows' ``repo_id`` and flattened ``authors`` as dictionary arrays.

    Yields ``(repo dictionary, repo codes, name dictionary, name codes with
    nulls, parent commit of each name)``. Row groups are read with both string
    columns dictionary-encoded (Parquet stores them so: no string is
    materialised per row); a row group that Arrow cannot return that way (its
    dictionary spilled into plain pages) is read plainly and encoded in memory.
    """
    pf = pq.ParquetFile(path, read_dictionary=["repo_id", "authors.list.element"])
    plain = pq.ParquetFile(path)
    for i in range(pf.num_row_groups):
        try:
            t = pf.read_row_group(i, columns=columns)
        except pa.ArrowNotImplementedError:
            t = plain.read_row_group(i, columns=columns)
        t = t.filter(pc.equal(t.column("repo_type"), "model"))
        if t.num_rows == 0:
            continue
        rid = t.column("repo_id").combine_chunks()
        if not pa.types.is_dictionary(rid.type):
            rid = pc.dictionary_encode(rid)
        lists = t.column("authors").combine_chunks()
        flat = pc.list_flatten(lists)  # null lists are dropped, null names kept
        if not pa.types.is_dictionary(flat.type):
            flat = pc.dictionary_encode(flat)
        parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
        yield rid.dictionary, rid.indices.to_numpy(zero_copy_only=False), flat.dictionary, flat.indices, parent


def model_commit_dates(snap: Snapshot) -> np.ndarray:
    """The ``date`` of every model-repository commit, in the commit order of
    :func:`load_commit_authors` (file order), as int64 sort keys (the file's time unit); a missing
    date is the largest int64, so that it sorts last."""
    pf = pq.ParquetFile(snap.path / table_file("commits"))
    out = []
    for i in range(pf.num_row_groups):
        t = pf.read_row_group(i, columns=["repo_type", "date"])
        t = t.filter(pc.equal(t.column("repo_type"), "model"))
        if t.num_rows == 0:
            continue
        d = t.column("date").combine_chunks().cast(pa.int64())  # the file's unit: only the order matters
        out.append(pc.fill_null(d, np.iinfo(np.int64).max).to_numpy(zero_copy_only=False))
    release_arrow_memory()
    return np.concatenate(out).astype(np.int64, copy=False) if out else np.zeros(0, np.int64)


def load_commit_authors(snap: Snapshot) -> CommitAuthors:
    """The model-repository commits of a snapshot, streamed by Parquet row group.

    Equal to ``CommitAuthors.from_arrow`` of the model rows of the commits
    table (a test checks), without ever holding the table or a string per
    commit: only integer codes are kept per row group (:class:`_Encoder`). A
    name that is null or blank after trimming white space is no author.
    """
    repos, names = _Encoder(), _Encoder()
    parents: list[np.ndarray] = []
    n_commits = 0
    columns = ["repo_type", "repo_id", "authors"]
    for rdict, rcodes, ndict, ncodes, parent in _model_commit_groups(snap.path / table_file("commits"), columns):
        repos.add(rdict, rcodes)
        blank = pc.equal(pc.utf8_trim_whitespace(ndict), "").to_numpy(zero_copy_only=False)
        valid = ncodes.is_valid().to_numpy(zero_copy_only=False)
        idx = pc.fill_null(ncodes, 0).to_numpy(zero_copy_only=False)
        ok = valid & ~blank[idx] if len(blank) else np.zeros(len(idx), bool)
        if ok.any():
            names.add(ndict, idx[ok])
        parents.append(parent[ok].astype(np.int64) + n_commits)
        n_commits += len(rcodes)
    commit_repo, repo_ids = repos.finish()
    author, name_values = names.finish()
    cidx = np.concatenate(parents) if parents else np.zeros(0, np.int64)
    release_arrow_memory()  # the row groups' buffers, cached by Arrow's allocator
    return CommitAuthors(repo_ids, commit_repo, cidx, author, name_values)


# --------------------------------------------------------------------------- #
# the construction
# --------------------------------------------------------------------------- #


@dataclass
class Network:
    """A directed, weighted developer network (edge lists; nodes index ``names``)."""

    names: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    #: (repository index, author index) pairs: the author sets U
    repo_author: np.ndarray
    #: commits per node as first author
    first_commits: np.ndarray
    n_repos: int
    n_commits: int
    n_single_author_repos: int
    label: str = ""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    #: per ``repo_author`` row: the author is the first author of a commit in the repository
    first_member: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def loops(self) -> np.ndarray:
        return self.src == self.dst

    def edges(self) -> pd.DataFrame:
        """Edges as a DataFrame ``source, target, weight`` (names)."""
        return pd.DataFrame({"source": self.names[self.src], "target": self.names[self.dst], "weight": self.weight})

    def isolates(self) -> np.ndarray:
        """Boolean per node: only self-loops."""
        if "isolates" not in self._cache:
            nl = ~self.loops
            touched = np.zeros(self.n, dtype=bool)
            touched[self.src[nl]] = True
            touched[self.dst[nl]] = True
            self._cache["isolates"] = ~touched
        return self._cache["isolates"]

    def undirected(self) -> sp.csr_matrix:
        """Symmetric 0/1 adjacency of the undirected simple graph (no self-loops)."""
        if "undirected" not in self._cache:
            nl = ~self.loops
            a, b = self.src[nl], self.dst[nl]
            lo, hi = np.minimum(a, b), np.maximum(a, b)
            key = arrays.unique(lo * self.n + hi)
            lo, hi = key // self.n, key % self.n
            rows = np.concatenate([lo, hi])
            cols = np.concatenate([hi, lo])
            m = sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(self.n, self.n))
            m.sort_indices()
            self._cache["undirected"] = m
        return self._cache["undirected"]

    def graph(self):
        """The undirected simple graph as a python-igraph ``Graph`` (:func:`igraph_undirected`)."""
        if "graph" not in self._cache:
            self._cache["graph"] = igraph_undirected(self.undirected())
        return self._cache["graph"]

    def coreness(self) -> np.ndarray:
        """Core number of every node in the undirected simple graph (:func:`kcore`)."""
        if "coreness" not in self._cache:
            self._cache["coreness"] = kcore(self.graph())
        return self._cache["coreness"]

    def subgraph(self, keep: np.ndarray, label: str | None = None) -> Network:
        """The network induced by the nodes where ``keep`` is True (renumbered)."""
        keep = np.asarray(keep, dtype=bool)
        new = np.full(self.n, -1, dtype=np.int64)
        new[keep] = np.arange(int(keep.sum()))
        e = keep[self.src] & keep[self.dst]
        ra = self.repo_author
        fm = self.first_member
        if fm is not None and len(ra):
            fm = fm[keep[ra[:, 1]]]
        ra = ra[keep[ra[:, 1]]] if len(ra) else ra
        ra = np.column_stack([ra[:, 0], new[ra[:, 1]]]) if len(ra) else ra
        return Network(
            self.names[keep],
            new[self.src[e]],
            new[self.dst[e]],
            self.weight[e],
            ra,
            self.first_commits[keep],
            self.n_repos,
            self.n_commits,
            self.n_single_author_repos,
            label if label is not None else self.label,
            first_member=fm,
        )

    def without_isolates(self) -> Network:
        return self.subgraph(~self.isolates(), self.label + " without isolates")


def build_network(commits: CommitAuthors, label: str = "") -> Network:
    """The authors' construction (module docstring) from commits as flat arrays."""
    n_names = len(commits.names)
    if len(commits.cidx) == 0 or n_names == 0:
        z = np.zeros(0, np.int64)
        return Network(
            commits.names,
            z,
            z,
            z,
            np.zeros((0, 2), np.int64),
            np.zeros(n_names, np.int64),
            0,
            0,
            0,
            label,
            first_member=np.zeros(0, dtype=bool),
        )
    c_with, first = commits.first_authors()
    n_commits = len(c_with)
    first_commits = np.bincount(first, minlength=n_names).astype(np.int64)
    # author sets U: unique (repo, author). Keys are built and sorted in place, one array of
    # tens of millions at a time (a Hub-scale snapshot: 18M author entries)
    ukey = commits.commit_repo[commits.cidx]
    ukey *= n_names
    ukey += commits.author
    ukey = arrays.unique(ukey, overwrite=True)
    u_repo, u_author = ukey // n_names, ukey % n_names
    repos_used, u_start, u_size = np.unique(u_repo, return_index=True, return_counts=True)
    n_repos_total = len(commits.repo_ids)
    size_of = np.zeros(n_repos_total, np.int64)
    start_of = np.zeros(n_repos_total, np.int64)
    size_of[repos_used] = u_size
    start_of[repos_used] = u_start
    # commits per (repo, first author)
    fkey = commits.commit_repo[c_with]
    del c_with
    fkey *= n_names
    fkey += first
    del first
    fkey, fcount = arrays.unique_counts(fkey, overwrite=True)
    first_member = np.zeros(len(ukey), dtype=bool)
    first_member[np.searchsorted(ukey, fkey)] = True  # every (repo, first author) is a membership
    del ukey
    f_repo, f_auth = fkey // n_names, fkey % n_names
    # expand every (repo, first) over U of the repo
    reps = size_of[f_repo]
    row = np.repeat(np.arange(len(fkey)), reps)
    offs = np.arange(len(row)) - np.repeat(np.cumsum(reps) - reps, reps)
    offs += start_of[f_repo][row]
    members = u_author[offs]
    del offs
    srcs = f_auth[row]
    keep = (size_of[f_repo] == 1)[row]
    keep |= members != srcs
    w = fcount[row[keep]]
    del row
    srcs, members = srcs[keep], members[keep]
    del keep
    srcs *= n_names
    srcs += members
    del members
    ekey, inv = np.unique(srcs, return_inverse=True)
    del srcs
    weight = np.bincount(inv, weights=w).astype(np.int64)
    del inv, w
    net = Network(
        names=commits.names,
        src=ekey // n_names,
        dst=ekey % n_names,
        weight=weight,
        repo_author=np.column_stack([u_repo, u_author]),
        first_commits=first_commits,
        n_repos=len(repos_used),
        n_commits=n_commits,
        n_single_author_repos=int((u_size == 1).sum()),
        label=label,
        first_member=first_member,
    )
    # (repository, author) memberships where the author is the first author of a commit there
    # (each is a membership: ``fkey`` is a subset of the memberships)
    net._cache["first_author_memberships"] = len(fkey)
    return net


def edges_from_commits(repos: Iterable[str], authors: Iterable[Iterable[str]]) -> pd.DataFrame:
    """The reproduction's edges (``source, target, weight``) from per-commit lists; for tests and readers."""
    net = build_network(CommitAuthors.from_lists(repos, authors))
    return net.edges().sort_values(["source", "target"]).reset_index(drop=True)


# --------------------------------------------------------------------------- #
# statistics
# --------------------------------------------------------------------------- #


def igraph_undirected(adj: sp.csr_matrix):
    """The undirected simple graph of a symmetric 0/1 CSR matrix as a python-igraph ``Graph``
    (its upper triangle, handed to igraph as one array: :func:`nullmodel.igraph_graph`)."""
    up = sp.triu(adj, k=1, format="coo")
    return nullmodel.igraph_graph(int(adj.shape[0]), up.row, up.col, directed=False)


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


def stats_table(columns: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Statistics dicts side by side: one row per statistic, one column per network."""
    rows = []
    for key, label in STAT_LABELS.items():
        row = {"statistic": label}
        for name, st in columns.items():
            row[name] = st.get(key, np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- #
# the two networks from a snapshot
# --------------------------------------------------------------------------- #


@dataclass
class Part2:
    """Everything Part II computes from one snapshot (see :func:`compute`)."""

    snap: Snapshot
    commits: CommitAuthors
    reproduction: Network
    cleaned: Network
    resolution: identity.Resolution
    models: int
    covered: int
    threshold: float
    #: statistics of the four networks of ``tab-network`` (:func:`stats_all`)
    stats: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    #: the reproduction network's null model, when :func:`compute` started it
    null_model: nullmodel.Rewirings | None = field(default=None, repr=False)
    #: the reproduction network's bipartite null model per seed (:func:`bipartite_null`)
    bipartite: dict[int, nullmodel.BipartiteNull] = field(default_factory=dict, repr=False)


def hub_namespaces(snap: Snapshot) -> set[str]:
    """Every owner of a model, dataset or space repository (preferred as canonical developer names)."""
    out: set[str] = set()
    for table in REPO_TABLES.values():
        col = snap.arrow(table, ["owner"]).column("owner")
        out |= set(pc.unique(col.drop_null()).to_pylist())
    return out


def covered_models(snap: Snapshot, commits: CommitAuthors | None = None) -> int:
    """Model repositories whose commits were collected (repo_coverage step ``commits``)."""
    cov = snap.arrow(
        "repo_coverage",
        ["repo_type", "repo_id", "step"],
        filters=[("step", "==", "commits"), ("repo_type", "==", "model")],
    )
    if cov.num_rows:
        return int(pc.count_distinct(cov.column("repo_id")).as_py())
    commits = commits or load_commit_authors(snap)
    return arrays.count_unique(commits.commit_repo)


def cleaned_network(commits: CommitAuthors, resolution: identity.Resolution) -> Network:
    """The sensitivity network: identities resolved, ``system`` and bots removed.

    A name whose canonical name is removed is removed with it (a group named by a bot is dropped whole).
    """
    drop = set(resolution.removed["name"])
    return build_network(commits.mapped(resolution.mapping, drop), "cleaned")


def _scoring_threads(workers: int, null: nullmodel.Rewirings | None) -> int:
    """rapidfuzz's threads for the identity resolution: ``workers`` as given, except that the
    default (-1, every CPU) leaves out the CPUs a background null model's workers hold. At Hub
    scale the null model is what Part II waits for (on 2 CPUs a scoring thread beside its worker
    left Part II waiting 19 s for the last sample); the pairs found are the same either way."""
    if workers != -1 or null is None or not null.background_workers:
        return workers
    return max(1, nullmodel.available_cpus() - null.background_workers)


def reproduction_network(commits: CommitAuthors) -> Network:
    return build_network(commits, "reproduction")


_CACHE: dict[tuple, Part2] = {}


def compute(
    snap: Snapshot,
    threshold: float = identity.DEFAULT_THRESHOLD,
    overrides: Any = None,
    *,
    workers: int = -1,
    null_samples: int | None = None,
    seed: int = 0,
) -> Part2:
    """Both networks and the identity resolution of a snapshot (cached per snapshot).

    With ``null_samples``, the reproduction network's null model (``null_samples`` rewirings,
    ``seed``) is started in the background as soon as the network exists, while the identity
    resolution runs here (:class:`nullmodel.Rewirings`); ``Part2.null_model`` holds it for
    :func:`analysis.parts.robustness.network_null_rows`.
    """
    key = (str(snap.path), snap.id, float(threshold), None if overrides is None else str(overrides))
    if key in _CACHE:
        return _CACHE[key]
    commits = load_commit_authors(snap)
    reproduction = reproduction_network(commits)
    null = (
        nullmodel.Rewirings.of_network(reproduction, samples=null_samples, seed=seed, background=True)
        if null_samples
        else None
    )
    per_name = commits.commits_per_name()
    res = identity.resolve(
        commits.names,
        threshold,
        weights=per_name.to_dict(),
        owners=hub_namespaces(snap),
        overrides=overrides,
        workers=_scoring_threads(workers, null),
    )
    part = Part2(
        snap=snap,
        commits=commits,
        reproduction=reproduction,
        cleaned=cleaned_network(commits, res),
        resolution=res,
        models=snap.rows("models"),
        covered=covered_models(snap, commits),
        threshold=float(threshold),
        null_model=null,
    )
    release_arrow_memory()  # what the reads of namespaces and coverage left cached
    if isinstance(overrides, pd.DataFrame):
        return part
    _CACHE.clear()
    _CACHE[key] = part
    return part


# --------------------------------------------------------------------------- #
# tables
# --------------------------------------------------------------------------- #


def coverage_text(p: Part2) -> str:
    """Which repositories the network covers, and how its names were recorded."""
    cov = p.snap.coverage("commits")
    s = (
        f"{p.covered:,} of {p.models:,} model repositories have commit data in this snapshot; "
        f"{p.reproduction.n_repos:,} of them have at least one named commit author"
    )
    if cov.get("scope") not in (None, "all"):
        s += f" (commit coverage: {cov.get('scope')}"
        s += f"; {cov['note']})" if cov.get("note") else ")"
    return s + "."


def covers(p: Part2) -> str:
    """Short ``covers=`` text for captions."""
    git_names = p.snap.coverage("commits").get("author_names") == "git"
    names = "; commit authors are git author names, not always Hub usernames" if git_names else ""
    return (
        f"{p.reproduction.n_repos:,} model repositories with commit authors "
        f"(of {p.models:,} model repositories; {p.covered:,} with commit data{names})"
    )


def funnel(p: Part2) -> pd.DataFrame:
    """``tab-network-funnel``: from model repositories to developers."""
    c = p.commits
    removed = p.resolution.removed
    n_sys = int((removed["kind"] == "system").sum())
    n_bot = int((removed["kind"] == "bot").sum())
    rp = p.reproduction
    groups = p.resolution.groups
    n_merged = int(groups["size"].sum() - len(groups)) if len(groups) else 0
    # step, count, note, and whether the count is also shown as a % of all model repositories and
    # as a % of the repositories with a commit author
    rows = [
        ("model repositories in the snapshot", p.models, "all model repositories listed", True, False),
        ("with commit data", p.covered, "repositories whose commit history was collected", True, False),
        ("with at least one commit author", rp.n_repos, "the repositories the network is built from", True, True),
        (
            "with a single commit author",
            rp.n_single_author_repos,
            "each of their commits adds a self-loop; their authors are isolates unless they also work elsewhere",
            True,
            True,
        ),
        ("with several commit authors", rp.n_repos - rp.n_single_author_repos, "", True, True),
        ("commits (with an author)", rp.n_commits, "", False, False),
        ("distinct commit-author names", len(c.names), "nodes of the reproduction network", False, False),
        (
            "... of which the Hub's `system` author",
            n_sys,
            "kept in the reproduction, removed in the cleaned network",
            False,
            False,
        ),
        ("... of which bots", n_bot, "removed in the cleaned network", False, False),
        (
            "names merged into another by identity resolution",
            n_merged,
            f"{len(groups):,} groups of names judged the same developer",
            False,
            False,
        ),
        ("distinct developers after resolution", p.cleaned.n, "nodes of the cleaned network", False, False),
        ("repositories in the cleaned network", p.cleaned.n_repos, "with at least one author left", True, True),
        ("... with a single developer", p.cleaned.n_single_author_repos, "", True, True),
    ]
    pct = ["% of model repositories", "% of repositories with a commit author"]
    df = pd.DataFrame(
        [
            (step, n, percent(n, p.models) if of_models else None, percent(n, rp.n_repos) if of_authors else None, note)
            for step, n, note, of_models, of_authors in rows
        ],
        columns=["step", "count", *pct, "note"],
    )
    return df.astype({c: float for c in pct})


def candidates_table(p: Part2) -> pd.DataFrame:
    """``tab-identity-candidates``: every candidate pair with its decision."""
    cols = ["name_a", "name_b", "normalised_a", "normalised_b", "score", "commits_a", "commits_b", "decision"]
    cand = p.resolution.candidates
    if cand.empty:
        return pd.DataFrame(columns=cols)
    if list(cand.columns) == cols:  # as resolve makes it: a shallow copy with the score rounded (no copy of 8M rows)
        out = cand.copy(deep=False)
        out["score"] = cand["score"].round(1)
        return out
    return cand[[c for c in cols if c in cand.columns]].round({"score": 1})


def network_table(p: Part2) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """``tab-network``: both networks, whole and without isolates, and the difference."""
    st = stats_all(p)
    table = stats_table(
        {
            "reproduction": st["reproduction"],
            "reproduction without isolates": st["reproduction_noiso"],
            "cleaned": st["cleaned"],
            "cleaned without isolates": st["cleaned_noiso"],
        }
    )
    return table, st


def stats_all(p: Part2) -> dict[str, dict[str, Any]]:
    """Statistics of both networks, whole and without isolates (computed once per :class:`Part2`)."""
    if not p.stats:
        for label, net in (("reproduction", p.reproduction), ("cleaned", p.cleaned)):
            p.stats[label], p.stats[f"{label}_noiso"] = network_stats_pair(net)
            # its igraph copy is not needed again (triangles counted, cores kept): at Hub scale it
            # held over 100 MB per network for the rest of Part II (a later use builds it again)
            net._cache.pop("graph", None)
    return p.stats


def differences(st: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Where the cleaned network differs from the reproduction (whole networks)."""
    rows = []
    for key, label in STAT_LABELS.items():
        a, b = st["reproduction"][key], st["cleaned"][key]
        if pd.isna(a) or pd.isna(b):
            continue
        d = b - a
        rel = 100 * d / abs(a) if a else np.nan
        rows.append(
            {"statistic": label, "reproduction": a, "cleaned": b, "difference": d, "relative difference (%)": rel}
        )
    return pd.DataFrame(rows)


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


def core_periphery_tables(p: Part2) -> pd.DataFrame:
    """``tab-core-periphery`` for both networks (a ``network`` column first)."""
    frames = []
    for net in (p.reproduction, p.cleaned):
        table = core_periphery_table(net)
        table.insert(0, "network", net.label)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def core_periphery_table(net: Network) -> pd.DataFrame:
    """``tab-core-periphery``: core versus periphery by k-core and by the BE fit, plus isolates."""
    cp = core_periphery(net)
    rec = reciprocated(net)
    nl = ~net.loops
    ra = net.repo_author
    groups = {
        f"main k-core (k = {cp['kmax']})": cp["main_core"],
        "k-core periphery (other non-isolates)": ~cp["main_core"] & ~cp["isolate"],
        "Borgatti-Everett core": cp["be_core"],
        "Borgatti-Everett periphery": ~cp["be_core"] & ~cp["isolate"],
        "isolates": cp["isolate"],
    }
    rows = []
    for name, mask in groups.items():
        nodes = int(mask.sum())
        repos = arrays.count_unique(ra[mask[ra[:, 1]], 0]) if len(ra) else 0  # ``ra`` comes sorted by repository
        out_e = nl & mask[net.src]
        rows.append(
            {
                "group": name,
                "developers": nodes,
                "% of developers": 100 * nodes / net.n if net.n else np.nan,
                "repositories": repos,
                "commits as first author": int(net.first_commits[mask].sum()),
                "mean degree": float(cp["degree"][mask].mean()) if nodes else np.nan,
                "median coreness": float(np.median(cp["coreness"][mask])) if nodes else np.nan,
                "edges out (distinct developers)": int(out_e.sum()),
                "reciprocity of edges out": float(rec[out_e].mean()) if out_e.any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


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


def subfield_networks(p: Part2) -> Iterator[tuple[str, Network]]:
    """Reproduction networks of the computer-vision, NLP and multimodal model repositories, one
    at a time (at Hub scale each holds millions of edges: the caller keeps what it needs)."""
    models = p.snap.arrow("models", ["id", "tags", "pipeline_tag"])
    # each model's index among the commits' repositories (-1 where it has no commit), in Arrow
    at = pc.index_in(models.column("id"), value_set=pa.array(p.commits.repo_ids, pa.string()))
    position = np.asarray(pc.fill_null(at, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    masks = {sf: np.asarray(subfield_mask(models, sf), dtype=bool) for sf in SUBFIELDS}
    del models, at
    release_arrow_memory()  # the models' tag lists: hundreds of MB at Hub scale, kept cached by Arrow
    for sf, mask in masks.items():
        pos = position[mask]
        in_sf = np.zeros(len(p.commits.repo_ids), bool)
        in_sf[pos[pos >= 0]] = True
        yield sf, build_network(p.commits.in_repos(in_sf), sf)


def subfields_table(p: Part2) -> pd.DataFrame:
    """``tab-network-subfields``: the statistics per subfield (reproduction construction)."""
    cols = {"all model repositories": stats_all(p)["reproduction"]}
    for sf, net in subfield_networks(p):
        cols[sf] = network_stats(net)
        del net
    return stats_table(cols)


# --------------------------------------------------------------------------- #
# figures
# --------------------------------------------------------------------------- #


def degree_figure(p: Part2):
    """In- and out-degree CCDFs (log-log) of both networks."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), sharey=True)
    data = []
    for ax, col, title in zip(axes, ("in_degree", "out_degree"), ("in-degree", "out-degree")):
        for net, style in ((p.reproduction, "-"), (p.cleaned, "--")):
            d = degree_distribution(net)
            c = ccdf(d[col])
            if len(c):
                ax.loglog(c["value"], c["ccdf"], style, marker=".", ms=3, label=f"{net.label} network")
            c = c.assign(network=net.label, degree=col)
            data.append(c)
        ax.set_xlabel(f"{title} (distinct co-developers, log scale)")
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("share of developers with degree ≥ k (log scale)")
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig, pd.concat(data, ignore_index=True) if data else pd.DataFrame()


def drawing_nodes(net: Network, max_nodes: int = 300) -> tuple[np.ndarray, str]:
    """Nodes to draw: the largest component without isolates, or the main cores if too large."""
    cp = core_periphery(net)
    keep = ~cp["isolate"]
    if not keep.any():
        return np.zeros(0, np.int64), "no developer has a tie to another"
    sub = net.undirected()
    _, lab = connected_components(sub, directed=False)
    big = np.bincount(lab[keep]).argmax()
    comp = keep & (lab == big)
    if comp.sum() <= max_nodes:
        return np.flatnonzero(comp), f"the largest component ({int(comp.sum()):,} developers)"
    core = cp["coreness"]
    for k in range(1, int(core.max()) + 1):
        sel = comp & (core >= k)
        if sel.sum() <= max_nodes:
            return np.flatnonzero(sel), (
                f"the developers of coreness {k} or more in the largest component "
                f"({int(sel.sum()):,} of {int(comp.sum()):,})"
            )
    kmax = int(core.max())
    sel = np.flatnonzero(comp & (core == kmax))
    deg = cp["degree"][sel]
    sel = sel[np.argsort(-deg, kind="stable")[:max_nodes]]
    return np.sort(sel), f"the {len(sel):,} highest-degree developers of the main core"


def network_figure(net: Network, max_nodes: int = 300, seed: int = 42):
    """A drawing of the network without isolates, BE core and periphery marked (seeded layout)."""
    import matplotlib.pyplot as plt
    import networkx as nx

    cp = core_periphery(net)
    nodes, what = drawing_nodes(net, max_nodes)
    fig, ax = plt.subplots(figsize=(8, 8))
    ax.set_axis_off()
    if len(nodes) == 0:
        ax.text(0.5, 0.5, "no ties between distinct developers", ha="center", va="center")
        return fig, what, pd.DataFrame()
    inset = np.zeros(net.n, bool)
    inset[nodes] = True
    e = inset[net.src] & inset[net.dst] & ~net.loops
    G = nx.DiGraph()
    G.add_nodes_from(nodes.tolist())
    G.add_weighted_edges_from(zip(net.src[e].tolist(), net.dst[e].tolist(), net.weight[e].tolist()))
    undirected = G.to_undirected()
    pos = nx.spring_layout(undirected, seed=seed, k=1.5 / np.sqrt(max(len(nodes), 1)), iterations=100)
    core = cp["be_core"][nodes]
    colors = np.where(core, "#d62728", "#7f7f7f")
    deg = cp["degree"][nodes]
    sizes = 10 + 60 * np.log1p(deg) / max(np.log1p(deg).max(), 1)
    nx.draw_networkx_edges(undirected, pos, ax=ax, alpha=0.25, width=0.5, arrows=False, edge_color="#555555")
    nx.draw_networkx_nodes(
        G, pos, nodelist=nodes.tolist(), node_color=colors.tolist(), node_size=sizes.tolist(), ax=ax, linewidths=0
    )
    from matplotlib.lines import Line2D

    ax.legend(
        handles=[
            Line2D([], [], marker="o", ls="", color="#d62728", label="core (Borgatti-Everett fit)"),
            Line2D([], [], marker="o", ls="", color="#7f7f7f", label="periphery"),
        ],
        loc="lower left",
        fontsize=8,
        frameon=False,
    )
    data = pd.DataFrame(
        {
            "developer": net.names[nodes],
            "x": [pos[i][0] for i in nodes],
            "y": [pos[i][1] for i in nodes],
            "be_core": core,
            "coreness": cp["coreness"][nodes],
            "degree": deg,
        }
    )
    return fig, what, data


def reciprocity_figure(p: Part2):
    """Reciprocity between distinct developers by coreness bin, for both networks."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    frames = []
    for ax, net in zip(axes, (p.reproduction, p.cleaned)):
        d = reciprocity_by_position(net)
        x = np.arange(len(d))
        d = d.drop(columns="reciprocity_with_loops")  # the book's one reciprocity: between distinct developers
        ax.bar(x, d["reciprocity"].fillna(0), width=0.6, color="#1f77b4", label=RECIPROCITY_NAME)
        for xi, n in zip(x, d["developers"]):
            ax.text(xi, 1.02, f"{n:,}", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(x, d["coreness"], fontsize=8)
        ax.set_title(f"{net.label} network")
        ax.set_xlabel("coreness of the developer (k-core number)")
        ax.set_ylim(0, 1.15)
        frames.append(d.assign(network=net.label))
    axes[0].set_ylabel("share of edges reciprocated")
    axes[0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig, pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- #
# computed sentences for the book
# --------------------------------------------------------------------------- #


def _fmt_pct(x: float | None) -> str:
    """A percentage for a sentence (``n/a`` when unknown)."""
    return "n/a" if x is None or np.isnan(x) else f"{x:.1f}%"


def construction_facts(net: Network, commits: CommitAuthors) -> dict[str, float | None]:
    """Facts about the data that shape the network: co-authored commits, authors who first-author.

    Percentages are None when there is nothing to count (no commit with an author).
    """
    per_commit = np.bincount(commits.cidx, minlength=commits.n_commits)
    multi = percent(int((per_commit > 1).sum()), net.n_commits)
    # share of (repository, author) memberships where the author first-authored a commit there
    ra = net.repo_author
    if "first_author_memberships" in net._cache:
        n_first = net._cache["first_author_memberships"]
    else:
        c_with, first = commits.first_authors()
        nn = max(len(commits.names), 1)
        firsts = arrays.unique(commits.commit_repo[c_with] * nn + first)
        n_first = int(np.isin(ra[:, 0] * nn + ra[:, 1], firsts).sum())
    first_share = percent(int(n_first), len(ra))
    return {"multi_author_commits_pct": multi, "members_first_author_pct": first_share}


def _scope(p: Part2) -> str:
    """Where a sentence's numbers come from: the snapshot and the repositories the network covers."""
    return f"snapshot `{p.snap.id}`, {p.reproduction.n_repos:,} model repositories with commit authors"


def identity_markdown(p: Part2) -> str:
    """Computed sentences: candidate pairs, merges and conflicts of the identity resolution."""
    res = p.resolution
    n_merged = int(res.candidates["decision"].isin(identity.MERGING).sum())
    largest = int(res.groups["size"].max()) if len(res.groups) else 0
    return (
        f"{len(res.candidates):,} candidate pairs among the {res.n_names:,} commit-author names "
        f"({_scope(p)}); {n_merged:,} merged into {len(res.groups):,} groups of names (largest: "
        f"{largest} names). {len(res.conflicts):,} rejected pairs still ended in one group through "
        "other merges."
    )


def summary_markdown(p: Part2) -> str:
    """Computed sentences: the headline comparison of the two networks."""
    st = stats_all(p)
    r, c = st["reproduction"], st["cleaned"]
    facts = construction_facts(p.reproduction, p.commits)
    paper_isolates = next(n["paper"] for n in paper_numbers() if n["key"] == "isolates")
    # repositories with `system` among their authors (names are distinct: at most one code)
    ra = p.reproduction.repo_author
    sys_repos = int(np.isin(ra[:, 1], np.flatnonzero(p.commits.names == identity.SYSTEM)).sum())
    lines = [
        f"From {_scope(p)} ({p.covered:,} of {p.models:,} model repositories have commit data):",
        "",
        f"- **Reproduction** (the authors' construction, names as recorded, `system` kept): "
        f"{r['nodes']:,} developers, {r['edges']:,} edges; {r['isolates']:,} isolates "
        f"({_fmt_pct(r['isolates_pct'])}; the paper reports {paper_isolates}). Reciprocity between distinct "
        f"developers is {r['reciprocity_distinct']:.3f} (the same without isolates: an isolate has no such tie).",
        f"- **Cleaned** (identities resolved, `system` and bots removed): {c['nodes']:,} developers, "
        f"{c['edges']:,} edges; {c['isolates']:,} isolates ({_fmt_pct(c['isolates_pct'])}). Reciprocity "
        f"between distinct developers {c['reciprocity_distinct']:.3f}.",
        f"- The Hub's `system` author appears in {sys_repos:,} of the {p.reproduction.n_repos:,} "
        f"repositories ({_fmt_pct(percent(sys_repos, p.reproduction.n_repos))}). Every such repository "
        f"with another author ties that author to `system`, so `system` alone can turn isolates into "
        f"connected developers: the isolates share moves from {_fmt_pct(r['isolates_pct'])} to "
        f"{_fmt_pct(c['isolates_pct'])} once it, the bots and duplicate names are removed.",
        f"- {_fmt_pct(facts['multi_author_commits_pct'])} of commits list more than one author, and in "
        f"{_fmt_pct(facts['members_first_author_pct'])} of (repository, author) memberships the author is the "
        f"first author of at least one commit of that repository. Where every author of a repository "
        f"first-authors a commit there, each tie between two of them runs both ways by construction: "
        f"the reciprocity between distinct developers is {r['reciprocity_distinct']:.3f} in the "
        f"reproduction and {c['reciprocity_distinct']:.3f} in the cleaned network"
        + (
            ", so high reciprocity after removing isolates says more about the construction than about "
            "developers returning ties."
            if (facts["members_first_author_pct"] or 0) >= 95
            else "."
        ),
    ]
    return "\n".join(lines)


def core_periphery_markdown(p: Part2) -> str:
    """Computed sentences: the two core definitions in both networks."""
    out = []
    for net in (p.reproduction, p.cleaned):
        v = core_periphery(net)
        fit = "n/a" if np.isnan(v["be_corr"]) else f"{v['be_corr']:.3f}"
        out.append(
            f"In the {net.label} network the Borgatti-Everett core has {v['be_size']:,} developers "
            f"(fit correlation {fit}); the main k-core has k = {v['kmax']} and "
            f"{int(v['main_core'].sum()):,} developers."
        )
    out.append(f"(Both from {_scope(p)}.)")
    return " ".join(out)


# --------------------------------------------------------------------------- #
# the null models of the core statistics
# --------------------------------------------------------------------------- #

#: The core statistics of the null models, as the tables name them.
NULL_STATISTICS = {
    "k_max": "main core k",
    "core_size": "main core size",
    "be_correlation": "Borgatti-Everett correlation of the main core",
    "isolates": "isolates",
    "isolates_pct": "isolate share (%)",
    "transitivity": "transitivity",
    "reciprocity": "reciprocity between distinct developers",
}
#: |z| at which a null model's verdict is "above" or "below chance".
Z_BEYOND = 2.0


def bipartite_null(p: Part2, seed: int = 0) -> nullmodel.BipartiteNull:
    """The reproduction network's bipartite null model (:class:`nullmodel.BipartiteNull`), run once
    per seed and kept with ``p``."""
    if seed not in p.bipartite:
        p.bipartite[seed] = nullmodel.BipartiteNull.of_network(p.reproduction, seed=seed).run()
    return p.bipartite[seed]


def _side(z: float) -> str:
    if not np.isfinite(z):
        return "n/a"
    return "above chance" if z >= Z_BEYOND else "below chance" if z <= -Z_BEYOND else "within chance"


def null_models_table(p: Part2, rewired: pd.DataFrame | None = None, seed: int = 0) -> pd.DataFrame:
    """``tab-core-null-models``: each core statistic of the reproduction network against the bipartite
    null (observed, null mean and SD, z and its Monte Carlo SE, empirical p), and, where the
    rewiring null (``rewired``: :func:`analysis.parts.robustness.network_null_rows`) has it, its
    null mean and z, and whether the two nulls agree."""
    run = bipartite_null(p, seed)
    other = {}
    if rewired is not None and len(rewired):
        for r in rewired.itertuples(index=False):
            other[str(r.group).removeprefix("null model: ")] = (float(r[rewired.columns.get_loc("null mean")]), r.z)
    rows = []
    for r in run.rows():
        mean_r, z_r = other.get(r["statistic"], (float("nan"), float("nan")))
        a, b = _side(r["z"]), _side(z_r)
        rows.append(
            {
                "statistic": NULL_STATISTICS.get(r["statistic"], r["statistic"]),
                "observed": r["observed"],
                "bipartite null mean": r["null mean"],
                "bipartite null SD": r["null SD"],
                "z": r["z"],
                "z Monte Carlo SE": r["z SE"],
                "effective samples": r["effective samples"],
                "empirical p": r["empirical p"],
                "bipartite null says": a,
                "rewiring null mean": mean_r,
                "rewiring z": z_r,
                "rewiring null says": b,
                "the nulls": "n/a" if "n/a" in (a, b) else "agree" if a == b else "disagree",
            }
        )
    return pd.DataFrame(rows)


def null_mixing_table(p: Part2, seed: int = 0) -> pd.DataFrame:
    """``tab-null-mixing``: how the bipartite null's chain was sized (burn-in, thinning, samples)."""
    run = bipartite_null(p, seed)
    mx = run.mixing
    auto = run.sample_autocorrelation()
    worst = max((abs(v) for v in auto.values() if np.isfinite(v)), default=float("nan"))
    rows = [
        ("memberships (developer-repository pairs)", f"{mx['memberships']:,}"),
        ("burn-in (global rounds)", f"{mx['burn_in_rounds']:,}"),
        (
            "perturbation score at the plateau",
            f"{mx['perturbation_score']:.3f}" + ("" if mx["plateau_reached"] else " (plateau not reached)"),
        ),
        ("perturbation score after rounds 1-8", ", ".join(f"{x:.3f}" for x in mx["perturbation_first_rounds"])),
        ("isolate count's lag-1 autocorrelation along the chain", f"{mx['isolates_lag1_autocorrelation']:.3f}"),
        (
            "thinning (global rounds between samples)",
            f"{mx['thinning_rounds']:,}" + (" (capped by the budget)" if mx["thinning_capped"] else ""),
        ),
        ("largest lag-1 autocorrelation between successive samples", f"{worst:.3f}"),
        ("samples", f"{len(run.samples):,}"),
        ("largest Monte Carlo SE of a z", f"{run.max_se():.3f}"),
        ("sampling stopped because", run.stopped_by),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value"])


def null_models_markdown(table: pd.DataFrame, p: Part2, seed: int = 0) -> str:
    """Computed sentences: what the bipartite null keeps, what it says, and where the nulls disagree."""
    run = bipartite_null(p, seed)
    mx = run.mixing
    out = [
        "The **bipartite null** randomises which developers are members of which repositories while every "
        "developer keeps their number of repositories, every repository its number of members, and every "
        "repository its number of members who are first authors of a commit there (a membership moves with "
        "its role); each sample is then projected exactly as the reproduction network is built (an edge from "
        "each first-author member of a repository to each other member). It does not keep which developers "
        "work together, each developer's number of first-author roles, the commits' number, order or dates "
        "(the edge weights), nor anything about the names (identities are as recorded, as in the reproduction). "
        "The samples come from curveball trades between developers' membership lists in global rounds "
        "(Strona et al. 2014; Carstens, Berger and Strona 2016), one chain started at the observed network.",
        f"The chain's burn-in was {mx['burn_in_rounds']:,} global rounds, where the share of the observed "
        f"memberships it has changed (the perturbation score) "
        + ("reached its plateau" if mx["plateau_reached"] else "had not yet reached its plateau (budget spent)")
        + f" of {mx['perturbation_score']:.3f}; samples are {mx['thinning_rounds']:,} rounds apart, the rounds "
        f"after which the isolate count's autocorrelation along the chain falls below {nullmodel.FORGOTTEN:g}"
        + (" (capped by the budget)" if mx["thinning_capped"] else "")
        + ". "
        f"{len(run.samples):,} samples were drawn; sampling stopped because {run.stopped_by} "
        f"(the rule: at least {run.min_samples}, doubling until every z's Monte Carlo SE is below "
        f"{run.target_se:g}, at most {run.max_samples:,}).",
    ]
    said = []
    for r in table.itertuples(index=False):
        if np.isfinite(r.z):
            said.append(
                f"{r.statistic} {r.observed:,.3g} against {r[2]:,.3g} ± {r[3]:,.2g} (z = {r.z:+.1f} ± {r[5]:.1f})"
            )
    if said:
        out.append("Against the bipartite null: " + "; ".join(said) + ".")
    dis = table[table["the nulls"] == "disagree"]
    if len(dis):
        out.append(
            "**The two nulls disagree** on "
            + "; ".join(
                f"the {r.statistic} (bipartite: {r[8]}, z = {r.z:+.1f}; rewiring the projection: {r[11]}, "
                f"z = {r[10]:+.1f})"
                for r in dis.itertuples(index=False)
            )
            + ". Rewiring keeps each developer's number of ties but not the ties the construction makes among a "
            "repository's members (every member is tied to the repository's first authors), so it compares the "
            "network with graphs it could never be; the book's conclusions rest on the bipartite null, and the "
            "rewiring null is kept as a sensitivity row."
        )
    elif table["the nulls"].eq("agree").any():
        out.append("Where both nulls test a statistic they agree on which side of chance it lies.")
    return " ".join(out)


def differences_markdown(st: dict[str, dict[str, Any]]) -> str:
    """Computed sentence: the statistics that change most between the two networks."""
    d = differences(st)
    d = d[d["difference"] != 0].copy()
    if d.empty:
        return "The two networks have identical statistics."
    d["abs"] = d["relative difference (%)"].abs().fillna(np.inf)
    d = d.sort_values("abs", ascending=False).head(6)
    parts = []
    for row in d.itertuples(index=False):
        a, b = row.reproduction, row.cleaned
        fmt = (lambda v: f"{v:,.0f}") if float(a).is_integer() and float(b).is_integer() else (lambda v: f"{v:.3f}")
        rel = "" if np.isnan(row[4]) else f" ({row[4]:+.0f}%)"
        parts.append(f"{row.statistic}: {fmt(a)} → {fmt(b)}{rel}")
    return (
        "The largest differences between the reproduction and the cleaned network (whole networks): "
        + "; ".join(parts)
        + "."
    )


# --------------------------------------------------------------------------- #
# Part IV
# --------------------------------------------------------------------------- #


def headline(snap: Snapshot) -> dict[str, Any]:
    """Part II's headline numbers (reproduction network) for Part IV's comparison.

    Keys:

    - ``nodes``, ``edges``: developers and distinct directed edges (self-loops
      included) of the reproduction network;
    - ``isolates``, ``isolates_pct``: developers with only self-loops (count, % of nodes);
    - ``reciprocity_all``: networkx overall reciprocity of the whole network
      (self-loops count as unreciprocated edges);
    - ``reciprocity_without_isolates``: share of edges between distinct
      developers that are reciprocated (the network without isolates and
      without self-loops);
    - ``core_size``, ``max_kcore``: size and k of the main k-core;
    - ``be_core_size``, ``be_fit``: Borgatti-Everett core size and fit correlation;
    - ``repos_with_commits``: model repositories with at least one commit author;
    - ``covered_repos``: model repositories with commit data (collected);
    - ``single_author_pct``: % of ``repos_with_commits`` with a single commit author;
    - ``cleaned_nodes``, ``cleaned_isolates_pct``, ``cleaned_reciprocity_all``:
      the same for the cleaned network (sensitivity);
    - ``coverage_note``: which repositories these cover.
    """
    p = compute(snap)
    st = stats_all(p)
    r = st["reproduction"]
    cp = core_periphery(p.reproduction)
    rp = p.reproduction
    return {
        "nodes": r["nodes"],
        "edges": r["edges"],
        "isolates": r["isolates"],
        "isolates_pct": r["isolates_pct"],
        "reciprocity_all": r["reciprocity"],
        "reciprocity_without_isolates": r["reciprocity_distinct"],
        "core_size": r["core_size"],
        "max_kcore": r["max_kcore"],
        "be_core_size": cp["be_size"],
        "be_fit": cp["be_corr"],
        "repos_with_commits": rp.n_repos,
        "covered_repos": p.covered,
        "single_author_pct": 100 * rp.n_single_author_repos / rp.n_repos if rp.n_repos else float("nan"),
        "cleaned_nodes": st["cleaned"]["nodes"],
        "cleaned_isolates_pct": st["cleaned"]["isolates_pct"],
        "cleaned_reciprocity_all": st["cleaned"]["reciprocity"],
        "coverage_note": coverage_text(p),
    }


# --------------------------------------------------------------------------- #
# findings (read by analysis.publication.findings)
# --------------------------------------------------------------------------- #

#: The one reciprocity of the book: the share of edges between distinct developers whose reverse edge exists.
RECIPROCITY_NAME = "reciprocity between distinct developers"


def reciprocity_by_construction(p: Part2) -> bool:
    """True when reciprocity between distinct developers is 1 by the construction alone.

    Every commit ties its first author to every other commit author of the
    repository; when every commit author of a repository is also the first
    author of one of its commits (for example, when commits record one author
    each), every tie is returned, whatever the developers did.
    """
    net = p.reproduction
    if not len(net.repo_author):
        return False
    # the construction kept both counts: the (repository, first author) pairs are a subset of the
    # (repository, author) memberships, so they are the same set exactly when they are as many
    return bool(net._cache["first_author_memberships"] == len(net.repo_author))


def listing_gap_sentence(p: Part2) -> str:
    """Why Part I's count of model repositories with commits can be below this part's (empty when equal)."""
    ids = p.commits.repo_ids
    if not len(ids):
        return ""
    listed = p.snap.arrow("models", ["id"]).column("id")
    n_listed = int(pc.sum(pc.is_in(pa.array(ids, pa.string()), value_set=listed.combine_chunks())).as_py() or 0)
    gap = len(ids) - n_listed
    if not gap:
        return ""
    return (
        f"The network is built from the commits of {len(ids):,} model repositories; {gap:,} of them are not in the "
        f"snapshot's model listing (renamed, deleted or made private by the listing date), so Part I, which "
        f"describes listed repositories, counts commits for {n_listed:,}."
    )
