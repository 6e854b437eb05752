"""Part II's input: the model-repository commits of a snapshot as flat integer arrays.

:class:`CommitAuthors` holds every commit's repository and its author list as codes into the
repository ids and the author names; :func:`load_commit_authors` streams them from the
snapshot's commits table by Parquet row group (no string per commit is ever held), and
:func:`model_commit_dates` reads the same commits' dates in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import arrays
from analysis.memory import release_arrow_memory
from analysis.snapshot import Snapshot
from analysis.snapshot.schema import table_file


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
