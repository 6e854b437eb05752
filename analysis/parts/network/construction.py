"""Part II's networks built from commits: the reproduction and the cleaned network.

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
only ever committed alone). :class:`Network` holds a network as edge lists
over integer node codes, with the developer-repository memberships it was
projected from (the bipartite null model randomises those).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis import arrays
from analysis.parts import identity, nullmodel
from analysis.parts.network.commits import CommitAuthors


def igraph_undirected(adj: sp.csr_matrix):
    """The undirected simple graph of a symmetric 0/1 CSR matrix as a python-igraph ``Graph``
    (its upper triangle, handed to igraph as one array: :func:`nullmodel.igraph_graph`)."""
    up = sp.triu(adj, k=1, format="coo")
    return nullmodel.igraph_graph(int(adj.shape[0]), up.row, up.col, directed=False)


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
        """Core number of every node in the undirected simple graph (igraph's ``coreness``, as
        :func:`analysis.parts.network.statistics.kcore`)."""
        if "coreness" not in self._cache:
            self._cache["coreness"] = np.asarray(self.graph().coreness(), dtype=np.int64)
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


def cleaned_network(commits: CommitAuthors, resolution: identity.Resolution) -> Network:
    """The sensitivity network: identities resolved, ``system`` and bots removed.

    A name whose canonical name is removed is removed with it (a group named by a bot is dropped whole).
    """
    drop = set(resolution.removed["name"])
    return build_network(commits.mapped(resolution.mapping, drop), "cleaned")


def reproduction_network(commits: CommitAuthors) -> Network:
    return build_network(commits, "reproduction")
