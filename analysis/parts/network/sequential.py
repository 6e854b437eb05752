"""A network whose reciprocity is an empirical quantity (an extension of Part II).

Under the authors' construction (:mod:`.construction`) every edge between two distinct
developers of a repository whose authors all first-author a commit there is reciprocated by
definition. In the sequential network (:func:`sequential_network`) each commit links its first
author to the first author of the previous commit of the same repository, so that an edge and
its reverse are separate observations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis import arrays
from analysis.parts.network.commits import CommitAuthors, load_commit_authors, model_commit_dates
from analysis.snapshot import Snapshot


@dataclass
class SequentialNetwork:
    """Directed edges from each commit's first author to the previous commit's first author.

    Held as integer codes (``src``, ``dst`` index ``names``; distinct ordered pairs of distinct
    developers, with their ``weight`` in commits): the summary needs no string per edge.
    """

    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    names: np.ndarray
    repositories: int
    commits: int

    @property
    def edges(self) -> pd.DataFrame:
        """``source, target, weight`` with the developers' names, sorted by source and target."""
        return _edges_frame(self.src, self.dst, self.weight, self.names)

    def reciprocity(self) -> float:
        """Share of directed edges (distinct ordered pairs) whose reverse edge exists too."""
        if not len(self.src):
            return float("nan")
        return _reciprocated_share(self.src, self.dst)

    def summary(self) -> dict[str, Any]:
        return {
            "repositories with two or more commits": self.repositories,
            "commits": self.commits,
            "developers with an edge": arrays.count_unique(np.concatenate([self.src, self.dst])),
            "edges (distinct ordered pairs)": len(self.src),
            "reciprocity": self.reciprocity(),
        }


def _reciprocated_share(src: np.ndarray, dst: np.ndarray) -> float:
    """Share of the distinct ordered pairs ``(src, dst)`` (integer codes) whose reverse pair is there too."""
    n = int(max(src.max(initial=-1), dst.max(initial=-1))) + 1
    key = arrays.unique(src * n + dst)
    rev = (key % n) * n + key // n
    return float(np.isin(rev, key, assume_unique=True).mean()) if len(key) else float("nan")


def _in_order(repo: np.ndarray, date: np.ndarray) -> bool:
    """Whether rows are sorted by ``repo``, then ``date`` (ties allowed): one pass, against a stable
    sort's seconds at Hub scale (a collected or generated snapshot writes commits this way)."""
    if len(repo) < 2:
        return True
    if (repo[1:] < repo[:-1]).any():
        return False
    later = date[1:] >= date[:-1]
    later |= repo[1:] != repo[:-1]  # a new repository may start at any date
    return bool(later.all())


def _sequential_pairs(
    repo: np.ndarray, date: np.ndarray, first: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(source, target, weight)`` codes of the sequential edges from integer commit rows: ``repo``
    and ``first`` codes (``first`` -1: no author, the commit is skipped), ``date`` as int64 (NaT as
    the largest value: last within its repository); ties in date keep the given order."""
    if _in_order(repo, date):  # rows already by repository and date (a sort would keep them)
        keep = first >= 0
        r, f = repo[keep], first[keep]  # the commits with an author, in order
        del keep
    else:
        ok = np.flatnonzero(first >= 0)
        order = ok[np.lexsort((date[ok], repo[ok]))]  # lexsort is stable: equal dates keep the given order
        del ok
        r, f = repo[order], first[order]
        del order
    n = int(f.max(initial=-1)) + 1
    same = r[1:] == r[:-1]
    del r
    same &= f[1:] != f[:-1]  # consecutive commits of the same author add nothing
    key = f[1:][same]  # the source: each commit's author, tied to the previous commit's
    key *= n
    key += f[:-1][same]
    del f, same  # at Hub scale each of these is tens of millions of entries: one at a time
    key, weight = arrays.unique_counts(key, overwrite=True)
    return key // max(n, 1), key % max(n, 1), weight


def _edges_frame(src: np.ndarray, dst: np.ndarray, weight: np.ndarray, names: np.ndarray) -> pd.DataFrame:
    if not len(src):
        return pd.DataFrame(columns=["source", "target", "weight"])
    e = pd.DataFrame({"source": names[src], "target": names[dst], "weight": weight.astype(np.int64)})
    return e.sort_values(["source", "target"], kind="stable").reset_index(drop=True)


def _sequential(repo: np.ndarray, n_repos: int, date: np.ndarray, first: np.ndarray, names) -> SequentialNetwork:
    """:class:`SequentialNetwork` of integer commit rows (:func:`_sequential_pairs`)."""
    src, dst, w = _sequential_pairs(repo, date, first)
    repositories = int((np.bincount(repo, minlength=n_repos) >= 2).sum()) if len(repo) else 0
    return SequentialNetwork(src, dst, w, np.asarray(names, dtype=object), repositories, len(repo))


def sequential_from_rows(repo: Sequence[str], date: Sequence[Any], first: Sequence[str | None]) -> SequentialNetwork:
    """:class:`SequentialNetwork` of commit rows (repository, date, first author; None: no author):
    within each repository, commits in date order (the given order among equal dates) link
    each first author to the previous commit's; pairs of the same author add nothing."""
    rcode, rids = pd.factorize(pd.Series(list(repo), dtype=object))
    fcode, fnames = pd.factorize(pd.Series(list(first), dtype=object))
    return _sequential(rcode.astype(np.int64), len(rids), _date_keys(date), fcode.astype(np.int64), fnames)


def sequential_edges(repo: Sequence[str], date: Sequence[Any], first: Sequence[str | None]) -> pd.DataFrame:
    """The edges (``source, target, weight``) of :func:`sequential_from_rows`."""
    return sequential_from_rows(repo, date, first).edges


def _date_keys(date: Any) -> np.ndarray:
    """Dates as int64 sort keys, missing dates last."""
    d = pd.to_datetime(pd.Series(date), utc=True)
    keys = d.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    keys[d.isna().to_numpy()] = np.iinfo(np.int64).max
    return keys


def sequential_network(
    snap: Snapshot, ignore_authors: Sequence[str] = ("system",), commits: CommitAuthors | None = None
) -> SequentialNetwork:
    """:class:`SequentialNetwork` of the model repositories' commits (``ignore_authors`` skipped:
    a commit whose first author is ignored takes its next author, or is left out). ``commits``:
    Part II's :class:`~analysis.parts.network.commits.CommitAuthors` of ``snap`` (loaded when
    None); only the commit dates are read again, as integers."""
    c = commits if commits is not None else load_commit_authors(snap)
    bad = np.isin(c.names, np.asarray(list(ignore_authors), dtype=object)) if len(c.names) else np.zeros(0, bool)
    first = np.full(c.n_commits, -1, dtype=np.int64)
    # a commit's first author not ignored, a slice of entries at a time (at Hub scale tens of
    # millions of entries: no copy of them all); later slices first, so that where a commit's
    # entries span two slices the earlier slice's author is the one kept
    step = SEQUENTIAL_SLICE
    for lo in reversed(range(0, len(c.author), step)):
        author = c.author[lo : lo + step]
        ok = ~bad[author]
        cidx, author = c.cidx[lo : lo + step][ok], author[ok]
        if len(cidx):
            start = np.flatnonzero(np.r_[True, cidx[1:] != cidx[:-1]])
            first[cidx[start]] = author[start]
    return _sequential(c.commit_repo, len(c.repo_ids), model_commit_dates(snap), first, c.names)


#: Commit-author entries handled at once by :func:`sequential_network`.
SEQUENTIAL_SLICE = 2_000_000
