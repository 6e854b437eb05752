"""A test double: write a snapshot as an HFCommunity dump (a mariadb-dump style ``.sql`` file).

HFCommunity (SOM-Research) publishes the Hub as a MariaDB dump. This module writes one, from a
snapshot of this project, to the table and column names and types that HFCommunity documents,
so that the tests and the benchmark can load a real dump into a real MariaDB server and import
it back (:mod:`analysis.sources.hfcommunity`). Two schema versions:

``1.0`` (dumps up to October 2023)
    ``commits (sha, timestamp, message, author, source)`` carries no repository: a commit
    belongs to a repository through ``files_in_commit (sha, file_id)`` and
    ``file (id, filename, repo_id)``; no ``space`` or ``models_in_space`` table; ``repository``
    has no ``disabled``.
``1.1`` (from November 2023)
    ``commits (sha, repo_id, author_date, author_tz, in_main_branch, author_name, ...)``,
    ``space (space_id, sdk, stage, hardware, ...)``, ``models_in_space``.

What the extractor writes, and so this double too: repository ids are prefixed with the type
(``models/gpt2``); ``gated`` is an integer; a discussion by a deleted account has the author
``deleted`` (what ``huggingface_hub`` reports); a commit has one author (its git author name);
DATETIME values are to the second; a v1.1 ``author_date`` is the author's local time with
``author_tz`` the offset in seconds west of UTC (as pydriller reports them). The owner kinds of
the snapshot's ``owners`` table are the ``author.type`` of those accounts (``user`` or ``org``).

Beyond the snapshot the dump also gets, so that the importer's handling of them is tested:
``extra_branch_commits`` commits off the main branch (v1.1, ``in_main_branch = 0``) and
``extra_unlinked_commits`` commits that name no file of any repository (v1.0).

``drop_tables`` and ``drop_columns`` write a dump of another (made-up) schema version.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from analysis.snapshot import Snapshot

#: (columns with their SQL types, primary key, secondary keys) of each table, per version
_COMMON = {
    "author": (
        [
            ("username", "varchar(256)"),
            ("avatar_url", "text"),
            ("is_pro", "int(11)"),
            ("fullname", "text"),
            ("type", "varchar(64)"),
            ("source", "varchar(256)"),
        ],
        ["username"],
        [],
    ),
    "tag": ([("name", "varchar(256)")], ["name"], []),
    "tags_in_repo": ([("tag_name", "varchar(256)"), ("repo_id", "varchar(256)")], ["tag_name", "repo_id"], ["repo_id"]),
    "model": (
        [
            ("model_id", "varchar(256)"),
            ("pipeline_tag", "text"),
            ("downloads", "int(11)"),
            ("library_name", "text"),
            ("likes", "int(11)"),
            ("config", "longtext"),
        ],
        ["model_id"],
        [],
    ),
    "dataset": (
        [
            ("dataset_id", "varchar(256)"),
            ("description", "longtext"),
            ("citation", "text"),
            ("paperswithcode_id", "text"),
            ("downloads", "int(11)"),
        ],
        ["dataset_id"],
        [],
    ),
    "discussion": (
        [
            ("num", "int(11)"),
            ("repo_id", "varchar(256)"),
            ("author", "varchar(256)"),
            ("title", "text"),
            ("status", "text"),
            ("created_at", "datetime"),
            ("is_pull_request", "int(11)"),
        ],
        ["num", "repo_id"],
        ["repo_id", "author"],
    ),
}
_REPOSITORY = [
    ("id", "varchar(256)"),
    ("name", "text"),
    ("type", "varchar(7)"),
    ("author", "varchar(256)"),
    ("sha", "text"),
    ("last_modified", "datetime"),
    ("private", "int(11)"),
    ("card_data", "longtext"),
    ("gated", "int(11)"),
    ("likes", "int(11)"),
]
_EVENT = [
    ("id", "varchar(256)"),
    ("repo_id", "varchar(256)"),
    ("discussion_num", "int(11)"),
    ("{type}", "varchar(64)"),
    ("created_at", "datetime"),
    ("author", "varchar(256)"),
    ("content", "text"),
    ("full_data", "longtext"),
]
TABLES: dict[str, dict[str, tuple[list[tuple[str, str]], list[str], list[str]]]] = {
    "1.0": _COMMON
    | {
        "repository": (_REPOSITORY, ["id"], ["author"]),
        "file": (
            [("id", "int(11) NOT NULL AUTO_INCREMENT"), ("filename", "varchar(500)"), ("repo_id", "varchar(256)")],
            ["id"],
            ["repo_id"],
        ),
        "commits": (
            [
                ("sha", "varchar(256)"),
                ("timestamp", "timestamp NULL"),
                ("message", "longtext"),
                ("author", "varchar(256)"),
                ("source", "varchar(32)"),
            ],
            ["sha"],
            ["author"],
        ),
        "files_in_commit": ([("sha", "varchar(256)"), ("file_id", "int(11)")], ["sha", "file_id"], ["file_id"]),
        "discussion_event": ([(c.replace("{type}", "type"), t) for c, t in _EVENT], ["id"], ["author"]),
    },
    "1.1": _COMMON
    | {
        "repository": (_REPOSITORY + [("disabled", "int(11)")], ["id"], ["author"]),
        "space": (
            [
                ("space_id", "varchar(256)"),
                ("sdk", "varchar(128)"),
                ("stage", "varchar(32)"),
                ("hardware", "varchar(32)"),
                ("requested_hw", "varchar(32)"),
                ("sleep_time", "int(11)"),
                ("storage", "varchar(32)"),
                ("runtime_raw", "text"),
            ],
            ["space_id"],
            [],
        ),
        "models_in_space": (
            [("model_id", "varchar(256)"), ("space_id", "varchar(256)")],
            ["model_id", "space_id"],
            ["space_id"],
        ),
        "commits": (
            [
                ("sha", "varchar(256)"),
                ("repo_id", "varchar(256)"),
                ("message", "longtext"),
                ("author_date", "datetime"),
                ("author_tz", "int(11)"),
                ("committer_date", "datetime"),
                ("committer_tz", "int(11)"),
                ("in_main_branch", "int(11)"),
                ("insertions", "int(11)"),
                ("deletions", "int(11)"),
                ("author_name", "varchar(256)"),
                ("committer_name", "varchar(256)"),
                ("source", "varchar(32)"),
            ],
            ["sha"],
            ["repo_id", "author_name", "committer_name"],
        ),
        "discussion_event": ([(c.replace("{type}", "event_type"), t) for c, t in _EVENT], ["id"], ["author"]),
    },
}
#: the author's UTC offsets (seconds west of UTC, pydriller's sign) given to v1.1 commits, in turn
_TZ_WEST = (0, -3600, -7200, 18000, 25200, -19800)
_KIND_TYPE = {"organization": "org", "user": "user"}
_STATEMENT_BYTES = 1 << 20
_BATCH = 100_000


def _lit(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.datetime):
        return "'" + v.strftime("%Y-%m-%d %H:%M:%S") + "'"
    s = str(v)
    s = (
        s.replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace("\x00", "\\0")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\x1a", "\\Z")
    )
    return "'" + s + "'"


class _Out:
    """The dump being written, as text, through a binary sink."""

    def __init__(self, sink):
        self.sink = sink

    def write(self, text: str) -> None:
        self.sink.write(text.encode("utf-8"))


def _ddl(name: str, spec: tuple[list[tuple[str, str]], list[str], list[str]]) -> str:
    cols, pk, keys = spec
    lines = []
    for c, t in cols:
        not_null = c in pk and "NOT NULL" not in t
        lines.append(
            f"  `{c}` {t}{' NOT NULL' if not_null else (' DEFAULT NULL' if 'NOT NULL' not in t and 'NULL' not in t else '')}"
        )
    lines.append("  PRIMARY KEY (" + ",".join(f"`{c}`" for c in pk) + ")")
    lines += [f"  KEY `{k}` (`{k}`)" for k in keys]
    body = ",\n".join(lines)
    return (
        f"--\n-- Table structure for table `{name}`\n--\n\n"
        f"DROP TABLE IF EXISTS `{name}`;\n"
        f"CREATE TABLE `{name}` (\n{body}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n\n"
    )


def _inserts(out: _Out, name: str, columns: list[str], rows: Iterable[tuple]) -> int:
    out.write(f"--\n-- Dumping data for table `{name}`\n--\n\nLOCK TABLES `{name}` WRITE;\n")
    out.write(f"/*!40000 ALTER TABLE `{name}` DISABLE KEYS */;\n")
    head = f"INSERT INTO `{name}` VALUES "
    n = 0
    buf: list[str] = []
    size = 0
    for row in rows:
        t = "(" + ",".join(_lit(v) for v in row) + ")"
        buf.append(t)
        size += len(t) + 1
        n += 1
        if size >= _STATEMENT_BYTES:
            out.write(head + ",".join(buf) + ";\n")
            buf, size = [], 0
    if buf:
        out.write(head + ",".join(buf) + ";\n")
    out.write(f"/*!40000 ALTER TABLE `{name}` ENABLE KEYS */;\nUNLOCK TABLES;\n\n")
    return n


def _batches(snap: Snapshot, name: str, columns: list[str]) -> Iterator[dict[str, list]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(snap.path / f"{name}.parquet")
    for batch in pf.iter_batches(batch_size=_BATCH, columns=columns):
        yield {c: batch.column(c).to_pylist() for c in columns}


def _rows(snap: Snapshot, name: str, columns: list[str]) -> Iterator[dict[str, Any]]:
    for b in _batches(snap, name, columns):
        for vals in zip(*(b[c] for c in columns)):
            yield dict(zip(columns, vals))


def _gated(v: str | None) -> int | None:
    return None if v is None else (0 if v == "false" else 1)


def write_dump(
    snap: Snapshot,
    path: str | os.PathLike,
    *,
    version: str = "1.1",
    database: str = "hfcommunity",
    drop_tables: Iterable[str] = (),
    drop_columns: dict[str, list[str]] | None = None,
    extra_branch_commits: int = 3,
    extra_unlinked_commits: int = 2,
    dump_date: str | None = None,
) -> Path:
    """Write ``snap`` as an HFCommunity dump at ``path`` (``.sql``, ``.sql.gz`` or ``.zip``)."""
    if version not in TABLES:
        raise ValueError(f"version {version!r}; expected one of {', '.join(TABLES)}")
    path = Path(path)
    drop = set(drop_tables)
    dropcols = {k: set(v) for k, v in (drop_columns or {}).items()}
    specs = {
        t: (
            [c for c in s[0] if c[0] not in dropcols.get(t, ())],
            [k for k in s[1] if k not in dropcols.get(t, ())],
            [k for k in s[2] if k not in dropcols.get(t, ())],
        )
        for t, s in TABLES[version].items()
        if t not in drop
    }
    for t, s in specs.items():
        if not s[1]:  # a dropped key column: keep a primary key on the first column
            specs[t] = (s[0], [s[0][0][0]], s[2])
    date = dump_date or snap.date
    if path.name.endswith(".zip"):
        member = path.name[: -len(".zip")] + ".sql"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            with zf.open(member, "w", force_zip64=True) as fh:
                _write(
                    snap,
                    io.BufferedWriter(_NoClose(fh), 1 << 20),
                    version,
                    database,
                    specs,
                    extra_branch_commits,
                    extra_unlinked_commits,
                    date,
                )
    elif path.name.endswith(".gz"):
        with gzip.open(path, "wb", compresslevel=1) as fh:
            _write(snap, fh, version, database, specs, extra_branch_commits, extra_unlinked_commits, date)
    else:
        with open(path, "wb", buffering=1 << 20) as fh:
            _write(snap, fh, version, database, specs, extra_branch_commits, extra_unlinked_commits, date)
    return path


class _NoClose(io.RawIOBase):
    def __init__(self, fh):
        self.fh = fh

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.fh.write(b)
        return len(b)


def _write(snap, sink, version, database, specs, n_branch, n_unlinked, date) -> None:
    out = _Out(sink)
    out.write(
        "-- MariaDB dump 10.19  Distrib 10.11.4-MariaDB, for debian-linux-gnu (x86_64)\n--\n"
        f"-- Host: localhost    Database: {database}\n"
        "-- ------------------------------------------------------\n-- Server version\t10.11.4-MariaDB\n\n"
        "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
        "/*!40101 SET NAMES utf8mb4 */;\n"
        "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n"
        "/*!40103 SET TIME_ZONE='+00:00' */;\n"
        "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
        "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
        "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
        "/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n\n"
    )

    def table(name: str, rows: Iterable[dict[str, Any]]) -> None:
        if name not in specs:
            return
        cols = [c for c, _ in specs[name][0]]
        out.write(_ddl(name, specs[name]))
        _inserts(out, name, cols, (tuple(r.get(c) for c in cols) for r in rows))

    # who is who: owners (with their kind), commit authors, discussion authors
    kinds = {r["owner"]: r["kind"] for r in _rows(snap, "owners", ["owner", "kind"])}
    seen: dict[str, dict[str, Any]] = {}

    def person(name: str | None, source: str) -> None:
        if name and name.casefold() not in seen:
            seen[name.casefold()] = {"username": name, "type": _KIND_TYPE.get(kinds.get(name, "")), "source": source}

    repo_rows: list[dict[str, Any]] = []
    sub_rows: dict[str, list[dict[str, Any]]] = {"model": [], "dataset": [], "space": []}
    tag_rows: list[dict[str, Any]] = []
    files: dict[str, list[int]] = {}
    file_rows: list[dict[str, Any]] = []
    cols = [
        "id",
        "owner",
        "last_modified",
        "license",
        "tags",
        "pipeline_tag",
        "library_name",
        "sdk",
        "likes",
        "downloads",
        "private",
        "gated",
        "disabled",
        "sha",
    ]
    for rtype, tname in (("model", "models"), ("dataset", "datasets"), ("space", "spaces")):
        for r in _rows(snap, tname, cols):
            rid = f"{rtype}s/{r['id']}"
            person(r["owner"], "hf_owner")
            repo_rows.append(
                {
                    "id": rid,
                    "name": r["id"],
                    "type": rtype,
                    "author": r["owner"],
                    "sha": r["sha"],
                    "last_modified": r["last_modified"],
                    "private": r["private"],
                    "gated": _gated(r["gated"]),
                    "likes": r["likes"],
                    "disabled": r["disabled"],
                }
            )
            key = {"model": "model_id", "dataset": "dataset_id", "space": "space_id"}[rtype]
            sub_rows[rtype].append(
                {
                    key: rid,
                    "pipeline_tag": r["pipeline_tag"],
                    "library_name": r["library_name"],
                    "downloads": r["downloads"],
                    "sdk": r["sdk"],
                }
            )
            tags = set(r["tags"] or [])
            if r["license"]:
                tags.add(f"license:{r['license']}")
            tag_rows += [{"tag_name": t, "repo_id": rid} for t in sorted(tags)]
            if version == "1.0":
                files[rid] = []
                for fname in (".gitattributes", "README.md"):
                    file_rows.append({"id": len(file_rows) + 1, "filename": fname, "repo_id": rid})
                    files[rid].append(len(file_rows))

    for r in _rows(snap, "discussions", ["author"]):
        person(r["author"], "hf")
    commit_cols = ["repo_type", "repo_id", "commit_id", "date", "authors", "title"]
    commits = snap.arrow("commits", commit_cols).sort_by("commit_id")
    for b in commits.select(["authors"]).to_batches(_BATCH):
        for a in b.column(0).to_pylist():
            person(a[0] if a else None, "commit")

    table("author", seen.values())
    table("repository", repo_rows)
    del repo_rows
    table("tag", ({"name": t} for t in sorted({r["tag_name"] for r in tag_rows})))
    table("tags_in_repo", tag_rows)
    del tag_rows
    table("model", sub_rows["model"])
    table("dataset", sub_rows["dataset"])
    table("space", sub_rows["space"])
    table(
        "models_in_space",
        (
            {"model_id": f"models/{r['model_id']}", "space_id": f"spaces/{r['space_id']}"}
            for r in _rows(snap, "space_models", ["space_id", "model_id"])
        ),
    )
    table("file", file_rows)

    def commit_rows() -> Iterator[dict[str, Any]]:
        done: set[str] = set()
        extra = 0
        for b in commits.to_batches(_BATCH):
            d = {c: b.column(c).to_pylist() for c in commit_cols}
            for rt, rid, sha, date_, authors, title in zip(*(d[c] for c in commit_cols)):
                if sha in done:
                    continue  # one row per sha, as in HFCommunity (INSERT IGNORE)
                done.add(sha)
                name = authors[0] if authors else None
                repo = f"{rt}s/{rid}"
                if version == "1.0":
                    yield {
                        "sha": sha,
                        "timestamp": date_,
                        "message": title,
                        "author": name,
                        "source": "pydriller",
                        "_repo": repo,
                    }
                else:
                    tz = _TZ_WEST[int(sha[:8], 16) % len(_TZ_WEST)] if sha[:8].isalnum() else 0
                    local = date_ - dt.timedelta(seconds=tz) if date_ is not None else None
                    yield {
                        "sha": sha,
                        "repo_id": repo,
                        "message": title
                        if title is None
                        else title + ("\n\nSigned-off-by: x" if len(done) % 5 == 0 else ""),
                        "author_date": local,
                        "author_tz": tz,
                        "committer_date": local,
                        "committer_tz": tz,
                        "in_main_branch": 1,
                        "author_name": name,
                        "committer_name": name,
                        "source": "pydriller",
                    }
                    if extra < n_branch:
                        extra += 1
                        yield {
                            "sha": hashlib.sha1(f"branch-{sha}".encode()).hexdigest(),
                            "repo_id": repo,
                            "message": "work on a branch",
                            "author_date": local,
                            "author_tz": tz,
                            "in_main_branch": 0,
                            "author_name": name,
                            "source": "pydriller",
                        }
        if version == "1.0":
            for i in range(n_unlinked):
                yield {
                    "sha": hashlib.sha1(f"unlinked-{i}".encode()).hexdigest(),
                    "timestamp": None,
                    "message": "lost",
                    "author": None,
                    "source": "pydriller",
                    "_repo": None,
                }

    links: list[tuple[str, int]] = []
    if version == "1.0":

        def linked() -> Iterator[dict[str, Any]]:
            for r in commit_rows():
                repo = r.pop("_repo")
                if repo in files:
                    ids = files[repo]
                    links.append((r["sha"], ids[0]))
                    if r["message"] and r["message"].startswith("Update"):
                        links.append((r["sha"], ids[1]))
                yield r

        table("commits", linked())
        table("files_in_commit", ({"sha": s, "file_id": f} for s, f in sorted(links)))
    else:
        table("commits", commit_rows())

    disc_cols = ["repo_type", "repo_id", "number", "author", "is_pull_request", "status", "created_at", "title"]
    table(
        "discussion",
        (
            {
                "num": r["number"],
                "repo_id": f"{r['repo_type']}s/{r['repo_id']}",
                "author": r["author"] if r["author"] is not None else "deleted",
                "title": r["title"],
                "status": r["status"],
                "created_at": r["created_at"],
                "is_pull_request": r["is_pull_request"],
            }
            for r in _rows(snap, "discussions", disc_cols)
        ),
    )
    table("discussion_event", [])
    out.write(
        "/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n"
        "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n"
        "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n"
        "/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n"
        "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n"
        "/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n"
        f"-- Dump completed on {date} 03:00:00\n"
    )
