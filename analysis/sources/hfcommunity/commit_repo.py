"""Schema v1.0's link from commits to repositories, made as the dump streams past (:class:`CommitRepo`).

In v1.0 a commit reaches its repositories only through the files it touched: ``files_in_commit
(sha, file_id)`` -> ``file (id, filename, repo_id)``, a row for every file of every repository
(tens of millions in the October 2023 dump). The importer needs only each commit's repositories,
so the load does not pass those two tables to the server: ``file``'s rows become an array (file
id -> repository), and each ``files_in_commit`` statement becomes rows of a small table
``commit_repo (sha, repo_id)``, one per commit and repository (a commit touching files of two
repositories has two; one touching none, or only files the dump does not list, has none), which
the commits reader joins as it joined the two tables (:mod:`.tables`).

``file`` precedes ``files_in_commit`` in mariadb-dump's order (tables by name); a dump holding
them the other way round is loaded as it is, both tables whole, and read through the old join.
Values are copied as the dump writes them (quotes and escapes kept), so nothing is decoded; a
statement whose rows cannot be read this way stops the load with a :class:`DumpError` naming it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sources.mariadb import DumpError
from analysis.sources.mariadb.statements import Transformed, insert_values

#: the table the load makes of ``file`` and ``files_in_commit``
TABLE = "commit_repo"
#: its definition: ``sha`` compares as ``commits.sha`` does (the dump's collation), ``repo_id`` exactly
DDL = (
    f"CREATE TABLE `{TABLE}` (\n"
    "  `sha` varchar(256) NOT NULL,\n"
    "  `repo_id` varchar(256) COLLATE utf8mb4_bin NOT NULL,\n"
    "  PRIMARY KEY (`sha`,`repo_id`)\n"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n"
)
_NONE = -1


class CommitRepo:
    """``file`` and ``files_in_commit`` turned into ``commit_repo`` as they stream past (the
    ``transform`` of :class:`~analysis.sources.mariadb.SqlStream`)."""

    def __init__(self, where: str):
        self.where = where
        self.columns: dict[str, list[str]] = {}
        self.repo_of = np.full(1 << 16, _NONE, dtype=np.int32)  # file id -> repository code
        self.codes: dict[bytes, int] = {}  # a repository id as the dump writes it -> its code
        self.repos: list[bytes] = []
        self.files = 0
        self.repeated_files = 0  # ``file`` rows repeating an id (the first kept, as the server would)
        self.links = 0
        self.last: tuple[bytes, set[int]] = (b"", set())  # the last commit written and its repositories
        self.pairs = 0

    def _rows(self, table: str, stmt: bytes, names: tuple[str, str]) -> tuple[list[bytes], list[bytes]]:
        """The two columns ``names`` of a statement's rows, as the dump writes their values."""
        cols = self.columns[table]
        missing = [n for n in names if n not in cols]
        if missing:
            raise DumpError(f"{self.where}: table `{table}` has no column `{table}.{missing[0]}`")
        a, b = cols.index(names[0]), cols.index(names[1])
        try:
            rows = insert_values(stmt, len(cols), (a, b))
        except ValueError as exc:
            raise DumpError(
                f"{self.where}: the rows of `{table}` cannot be read ({exc}): {stmt[:80]!r}; "
                "load this dump with the plain mariadb client and import it with --socket"
            ) from None
        first, second = ([r[1] for r in rows], [r[2] for r in rows]) if rows else ([], [])
        return (first, second) if a < b else (second, first)

    @staticmethod
    def _ids(values: list[bytes]) -> np.ndarray:
        """File ids (integers as the dump writes them); -1 for NULL."""
        arr = np.array(values, dtype="S")
        null = arr == b"NULL"
        if null.any():
            arr[null] = b"-1"
        return arr.astype(np.int64)

    def file_rows(self, stmt: bytes) -> Transformed:
        """A ``file`` statement: its rows remembered (file id -> repository), nothing passed on."""
        if stmt.lstrip()[:6].upper() != b"INSERT":
            return TABLE, b""
        id_values, repo_values = self._rows("file", stmt, ("id", "repo_id"))
        if not id_values:
            return TABLE, b""
        ids = self._ids(id_values)
        inverse, uniq = pd.factorize(pd.Series(repo_values, dtype=object))
        codes = np.array([self._code(r) for r in uniq] + [_NONE], dtype=np.int32)[inverse]
        keep = ids >= 0
        ids, codes = ids[keep], codes[keep]
        if ids.size and ids.max() >= self.repo_of.size:
            grown = np.full(max(int(ids.max()) + 1, 2 * self.repo_of.size), _NONE, dtype=np.int32)
            grown[: self.repo_of.size] = self.repo_of
            self.repo_of = grown
        ids, first = np.unique(ids, return_index=True)  # an id repeated in the statement: its first row
        codes = codes[first]
        fresh = self.repo_of[ids] == _NONE
        self.repeated_files += int(keep.sum()) - ids.size + int((~fresh).sum())
        self.repo_of[ids[fresh]] = codes[fresh]
        self.files += len(id_values)
        return TABLE, b""

    def _code(self, repo: bytes) -> int:
        if repo == b"NULL":
            return _NONE
        code = self.codes.get(repo)
        if code is None:
            code = self.codes[repo] = len(self.repos)
            self.repos.append(repo)
        return code

    def link_rows(self, stmt: bytes) -> Transformed:
        """A ``files_in_commit`` statement as ``commit_repo`` rows (its ``CREATE TABLE`` as ``commit_repo``'s)."""
        if stmt.lstrip()[:6].upper() == b"CREATE":
            return TABLE, DDL.encode()
        if stmt.lstrip()[:6].upper() != b"INSERT":
            return TABLE, b""
        shas, file_values = self._rows("files_in_commit", stmt, ("sha", "file_id"))
        self.links += len(shas)
        if not shas:
            return TABLE, b""
        ids = self._ids(file_values)
        inside = (ids >= 0) & (ids < self.repo_of.size)
        codes = np.full(ids.size, _NONE, dtype=np.int32)
        codes[inside] = self.repo_of[ids[inside]]
        sha_arr = np.array(shas, dtype=object)
        ok = (codes != _NONE) & (sha_arr != b"NULL")
        pairs = pd.DataFrame({"sha": sha_arr[ok], "code": codes[ok]}).drop_duplicates()
        last_sha, last_codes = self.last  # a commit whose rows began in the statement before
        if len(pairs) and pairs["sha"].iloc[0] == last_sha:
            pairs = pairs[~((pairs["sha"] == last_sha) & pairs["code"].isin(list(last_codes)))]
        if len(pairs):
            tail = pairs["sha"].iloc[-1]
            self.last = (tail, set(pairs["code"][pairs["sha"] == tail].tolist()))
        self.pairs += len(pairs)
        if not len(pairs):
            return TABLE, b""
        repos = self.repos
        rows = b",".join(b"(" + s + b"," + repos[c] + b")" for s, c in zip(pairs["sha"], pairs["code"].tolist()))
        return TABLE, b"INSERT IGNORE INTO `" + TABLE.encode() + b"` VALUES " + rows + b";\n"

    def summary(self) -> str:
        return (
            f"{TABLE}: {self.pairs:,} commit-repository pairs from {self.links:,} rows of files_in_commit and "
            f"{self.files:,} of file (not loaded)"
        )
