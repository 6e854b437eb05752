"""A test double: a snapshot written as HFCommunity's own database, dumped as users download it.

HFCommunity (SOM-Research/HFCommunity) publishes the Hub as a MariaDB dump. The tables
(:mod:`fakehub.hfcommunity_tables`) are HFCommunity's, table by table and column by column, from
its own records (read in its repository; no code of it is used):

``1.0`` (dumps up to October 2023)
    the database diagram ``docs/resources/figs/databaseDiagram-v1.0.png`` (the extractor's code
    of the time is not what ran: its INSERT writes ``commits.source``, which its CREATE TABLE
    lacks): ``repository.last_modified`` is text (the Hub's ``2023-10-05T12:34:56.000Z``),
    ``commits (sha, timestamp, message, author, source, ts)`` with ``timestamp`` a DATETIME
    holding the author's local clock time without its offset, ``discussion.created_at`` text
    with microseconds, no ``model.likes``; commits reach repositories only through
    ``files_in_commit (sha, file_id)`` and ``file (id, filename, repo_id)``.
``1.1`` (from late November 2023)
    the extractor's ``create_schema_mysql`` (``extractor/databaseImport.py``): ``commits`` with
    ``repo_id``, ``author_date`` and ``author_tz`` (seconds west of UTC, pydriller's sign),
    ``repo_file``, ``modified_file``, ``files_in_commit (sha, modified_file_id)``,
    ``commit_parents``, ``space``, ``models_in_space``, ``datasets_in_space``, and the new columns
    of ``discussion`` and ``discussion_event``.

Both: utf8mb4 with ``utf8mb4_general_ci``; ids prefixed with the type (``models/gpt2``);
``gated`` an integer; card data stored as text (Python's ``str`` of a dict, ``None`` when
absent); ``author`` rows from git (source ``commit``) beside Hub owners (``hf_owner``) and
discussion authors (``hf``), inserted with ``INSERT IGNORE`` (so a name that the collation
equates with one already there, José Pérez and Jose Perez, is one row, while ``commits`` keeps
each spelling); a commit stored once by its sha (``INSERT IGNORE``: a commit shared by two
repositories belongs to the first written); a discussion by a deleted account has the author
``deleted``.

:func:`write_dump` writes the database as SQL text shaped like ``mariadb-dump``'s output (the
benchmark loads it as it is). :func:`real_dump` loads that text into a real MariaDB server (its
``INSERT IGNORE`` deduplicating as HFCommunity's did) and dumps it with the real
``mariadb-dump`` (``skip_comments=True`` leaves out the closing ``-- Dump completed`` line).
:func:`package` puts a ``.sql`` into each container users meet: a zip (Deflate from Python, or
Deflate64 from the real ``7z -mm=Deflate64``), the ``.sql`` in a folder of the zip, a dump split
over several files, ``.sql.gz``, ``.sql.zst``, a password-protected zip (``7z -p``), and a
``.rar`` (:func:`write_rar`, see there).

Beyond the snapshot the dump also gets, so that the importer's handling of them is tested:
``extra_branch_commits`` commits off the main branch (v1.1, ``in_main_branch = 0``) and
``extra_unlinked_commits`` commits that name no file of any repository (v1.0);
``namesakes``, names the collation takes for one (an owner and a namesake spelled in the other
case, commit authors ``José Pérez`` and ``Jose Perez``); ``deleted_repositories``, models
deleted from the Hub that HFCommunity's incremental updates keep, unmarked.
``drop_tables`` and ``drop_columns`` write a dump of another (made-up) schema.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.snapshot import Snapshot
from fakehub.dump_containers import package, write_rar
from fakehub.hfcommunity_tables import TABLES, Spec

__all__ = ["Options", "package", "real_dump", "write_dump", "write_rar"]

#: the author's UTC offsets (seconds west of UTC, pydriller's sign) given to commits, in turn
_TZ_WEST = (0, -3600, -7200, 18000, 25200, -19800)
_KIND_TYPE = {"organization": "org", "user": "user"}
_STATEMENT_BYTES = 1 << 20
_BATCH = 100_000


def tz_west(sha: str) -> int:
    """The author's UTC offset (seconds west) the double gives a commit."""
    return (
        _TZ_WEST[int(sha[:8], 16) % len(_TZ_WEST)]
        if len(sha) >= 8 and all(c in "0123456789abcdef" for c in sha[:8])
        else 0
    )


def local_time(sha: str, utc: dt.datetime | None) -> dt.datetime | None:
    """The author's local clock time of a commit (what v1.0's ``timestamp`` and v1.1's ``author_date`` hold)."""
    return None if utc is None else utc - dt.timedelta(seconds=tz_west(sha))


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


def _ddl(name: str, spec: Spec) -> str:
    cols, pk, keys = spec
    lines = []
    for c, t in cols:
        null = " NOT NULL" if c in pk and "NOT NULL" not in t else (" DEFAULT NULL" if "NOT NULL" not in t else "")
        lines.append(f"  `{c}` {t}{null}")
    lines.append("  PRIMARY KEY (" + ",".join(f"`{c}`" for c in pk) + ")")
    lines += [f"  {'UNIQUE ' if u else ''}KEY `{k}` (" + ",".join(f"`{c}`" for c in kc) + ")" for k, kc, u in keys]
    body = ",\n".join(lines)
    return (
        f"--\n-- Table structure for table `{name}`\n--\n\n"
        f"DROP TABLE IF EXISTS `{name}`;\n"
        "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
        "/*!40101 SET character_set_client = utf8 */;\n"
        f"CREATE TABLE `{name}` (\n{body}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n"
        "/*!40101 SET character_set_client = @saved_cs_client */;\n\n"
    )


def _inserts(out: _Out, name: str, columns: list[str], rows: Iterable[tuple], verb: str) -> int:
    out.write(f"--\n-- Dumping data for table `{name}`\n--\n\nLOCK TABLES `{name}` WRITE;\n")
    out.write(f"/*!40000 ALTER TABLE `{name}` DISABLE KEYS */;\n")
    head = f"{verb} `{name}` VALUES "
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


def _rows(snap: Snapshot, name: str, columns: list[str]) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(snap.path / f"{name}.parquet")
    for batch in pf.iter_batches(batch_size=_BATCH, columns=columns):
        b = {c: batch.column(c).to_pylist() for c in columns}
        for vals in zip(*(b[c] for c in columns)):
            yield dict(zip(columns, vals))


def _gated(v: str | None) -> int | None:
    return None if v is None else (0 if v == "false" else 1)


def _hub_time(v: dt.datetime | None) -> str | None:
    """v1.0's text ``last_modified``: the Hub API's own string."""
    return None if v is None else v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"


@dataclass
class Options:
    """What the dump holds besides the snapshot (see :func:`write_dump`)."""

    version: str = "1.1"
    database: str = "hfcommunity"
    extra_branch_commits: int = 3
    extra_unlinked_commits: int = 2
    files_per_commit: int = 0
    date: str = ""
    insert_ignore: bool = False
    duplicated_spaces: int = 0
    namesakes: bool = False
    deleted_repositories: int = 0


def _specs(version: str, drop_tables: Iterable[str], drop_columns: dict[str, list[str]] | None) -> dict[str, Spec]:
    """The version's tables, less the tables and columns dropped (a dump of another schema)."""
    drop = set(drop_tables)
    dropcols = {k: set(v) for k, v in (drop_columns or {}).items()}
    specs: dict[str, Spec] = {}
    for t, (cols, pk, keys) in TABLES[version].items():
        if t in drop:
            continue
        gone = dropcols.get(t, set())
        cols = [c for c in cols if c[0] not in gone]
        pk = [k for k in pk if k not in gone] or [cols[0][0]]  # a dropped key column: the first one instead
        keys = [(n, kc, u) for n, kc, u in keys if not set(kc) & gone]
        specs[t] = (cols, pk, keys)
    return specs


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
    files_per_commit: int = 0,
    dump_date: str | None = None,
    insert_ignore: bool = False,
    duplicated_spaces: int = 0,
    namesakes: bool = False,
    deleted_repositories: int = 0,
) -> Path:
    """Write ``snap`` as an HFCommunity dump at ``path`` (``.sql``, ``.sql.gz`` or ``.zip``, Deflate).

    ``files_per_commit``: each repository holds two files plus this many per commit it has (the
    ``file`` of v1.0, ``repo_file`` of v1.1: the benchmark's realistic sizes). ``insert_ignore``
    writes ``INSERT IGNORE`` (what the extractor ran, for :func:`real_dump`) instead of
    mariadb-dump's ``INSERT``. ``duplicated_spaces`` (v1.1, with ``insert_ignore``): that many
    spaces with commits get a duplicate (``<id>-duplicate``) sharing their commits, written after
    them, so that ``INSERT IGNORE`` leaves every shared commit to the original.

    ``namesakes``: names that the dump's collation (``utf8mb4_general_ci``) takes for one: the
    first model's owner gets a namesake owner spelled in the other case (:data:`NAMESAKE_REPO`, a
    model of theirs), and the first two commits' authors become :data:`NAMESAKE_AUTHORS`
    (``José Pérez`` and ``Jose Perez``). ``deleted_repositories``: that many models deleted from
    the Hub after HFCommunity first read them (:data:`DELETED_PREFIX`): HFCommunity updates its
    database incrementally and keeps their rows, unmarked, with the last values it read."""
    if version not in TABLES:
        raise ValueError(f"version {version!r}; expected one of {', '.join(TABLES)}")
    if duplicated_spaces and not (insert_ignore and version == "1.1"):
        raise ValueError("duplicated_spaces needs version 1.1 and insert_ignore")
    path = Path(path)
    opts = Options(
        version,
        database,
        extra_branch_commits,
        extra_unlinked_commits,
        files_per_commit,
        dump_date or snap.date,
        insert_ignore,
        duplicated_spaces,
        namesakes,
        deleted_repositories,
    )
    specs = _specs(version, drop_tables, drop_columns)
    if path.name.endswith(".zip"):
        member = path.name[: -len(".zip")] + ".sql"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            with zf.open(member, "w", force_zip64=True) as fh:
                _Dump(io.BufferedWriter(_NoClose(fh), 1 << 20), snap, specs, opts).write()
    elif path.name.endswith(".gz"):
        with gzip.open(path, "wb", compresslevel=1) as fh:
            _Dump(fh, snap, specs, opts).write()
    else:
        with open(path, "wb", buffering=1 << 20) as fh:
            _Dump(fh, snap, specs, opts).write()
    return path


class _NoClose(io.RawIOBase):
    def __init__(self, fh):
        self.fh = fh

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.fh.write(b)
        return len(b)


#: the repository given to the first model's owner's namesake (``namesakes``): ``<Owner>/<this>``
NAMESAKE_REPO = "namesake-model"
#: the authors the first two commits get (``namesakes``): one name to the dump's collation
NAMESAKE_AUTHORS = ("José Pérez", "Jose Perez")
#: the ids of the models deleted from the Hub that the dump still lists (``deleted_repositories``)
DELETED_PREFIX = "gone-owner/deleted-model-"
_REPO_COLUMNS = [
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
_COMMIT_COLUMNS = ["repo_type", "repo_id", "commit_id", "date", "authors", "title"]
_DISCUSSION_COLUMNS = ["repo_type", "repo_id", "number", "author", "is_pull_request", "status", "created_at", "title"]


def _file_name(i: int) -> str:
    return ".gitattributes" if i == 0 else "README.md" if i == 1 else f"data/part-{i - 2:05d}.parquet"


class _Dump:
    """One dump being written: the snapshot's rows as HFCommunity's tables, in mariadb-dump's order."""

    def __init__(self, sink, snap: Snapshot, specs: dict[str, Spec], opts: Options):
        self.out = _Out(sink)
        self.snap, self.specs, self.o = snap, specs, opts
        self.v10 = opts.version == "1.0"
        self.verb = "INSERT IGNORE INTO" if opts.insert_ignore else "INSERT INTO"
        self.kinds: dict[str, str] = {}
        self.people: dict[str, dict[str, Any]] = {}
        self.repos: list[dict[str, Any]] = []
        self.subs: dict[str, list[dict[str, Any]]] = {"model": [], "dataset": [], "space": []}
        self.tags: list[dict[str, Any]] = []
        self.per_repo: dict[str, int] = {}
        self.dup: dict[str, str] = {}  # duplicated spaces: original id -> the copy's
        self.file_ids: dict[str, int] = {}  # v1.0: the id of the repository's first file
        self.links: list[tuple[str, Any]] = []
        self.modified: list[dict[str, Any]] = []

    # ----------------------------------------------------------------- output
    def table(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        if name not in self.specs:
            return
        cols = [c for c, _ in self.specs[name][0]]
        self.out.write(_ddl(name, self.specs[name]))
        _inserts(self.out, name, cols, (tuple(r.get(c) for c in cols) for r in rows), self.verb)

    def header(self) -> None:
        # the extractor's INSERT IGNORE ran with unique checks on; with them off, MariaDB's bulk insert
        # into an empty table keeps none of a statement's rows once one is a duplicate
        unique = (
            "" if self.o.insert_ignore else "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
        )
        self.out.write(
            "-- MariaDB dump 10.19  Distrib 10.11.4-MariaDB, for debian-linux-gnu (x86_64)\n--\n"
            f"-- Host: localhost    Database: {self.o.database}\n"
            "-- ------------------------------------------------------\n-- Server version\t10.11.4-MariaDB\n\n"
            "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
            "/*!40101 SET NAMES utf8mb4 */;\n"
            "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n"
            "/*!40103 SET TIME_ZONE='+00:00' */;\n"
            f"{unique}"
            "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
            "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
            "/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n\n"
        )

    def footer(self) -> None:
        unique = "" if self.o.insert_ignore else "/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n"
        self.out.write(
            "/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n"
            "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n"
            "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n"
            f"{unique}"
            "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n"
            "/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n"
            f"-- Dump completed on {self.o.date} 03:00:00\n"
        )

    # ------------------------------------------------------ who and what is there
    def person(self, name: str | None, source: str) -> None:
        """An ``author`` row; one per name up to case (the extractor's INSERT IGNORE on a
        case-insensitive key; the real server also folds accents, :func:`real_dump`)."""
        if name and name.casefold() not in self.people:
            kind = _KIND_TYPE.get(self.kinds.get(name, ""))
            self.people[name.casefold()] = {"username": name, "type": kind, "source": source}

    def repository(self, rtype: str, r: dict[str, Any]) -> None:
        rid = f"{rtype}s/{r['id']}"
        self.person(r["owner"], "hf_owner")
        card = {"license": r["license"]} if r["license"] else None
        self.repos.append(
            {
                "id": rid,
                "name": r["id"],
                "type": rtype,
                "author": r["owner"],
                "sha": r["sha"],
                "last_modified": _hub_time(r["last_modified"]) if self.v10 else r["last_modified"],
                "private": r["private"],
                "card_data": str(card),  # what the extractor stores: str() of the card's dict
                "gated": _gated(r["gated"]),
                "likes": r["likes"],
                "disabled": r["disabled"],
            }
        )
        key = {"model": "model_id", "dataset": "dataset_id", "space": "space_id"}[rtype]
        self.subs[rtype].append(
            {
                key: rid,
                "pipeline_tag": r["pipeline_tag"],
                "library_name": r["library_name"],
                "downloads": r["downloads"],
                "sdk": r["sdk"],
                "config": "None",
            }
        )
        tags = set(r["tags"] or [])
        if r["license"]:
            tags.add(f"license:{r['license']}")
        self.tags += [{"tag_name": t, "repo_id": rid} for t in sorted(tags)]

    def extra_repositories(self, first_model: dict[str, Any] | None) -> None:
        """The namesake owner's model and the deleted models (see :func:`write_dump`)."""
        if self.o.namesakes and first_model and first_model["owner"].swapcase() != first_model["owner"]:
            owner = first_model["owner"].swapcase()
            self.repository("model", {**first_model, "id": f"{owner}/{NAMESAKE_REPO}", "owner": owner})
        for i in range(self.o.deleted_repositories):
            gone = dict.fromkeys(_REPO_COLUMNS)
            old = dt.datetime(2022, 5, 1, 12, tzinfo=dt.UTC)
            gone.update(id=f"{DELETED_PREFIX}{i}", owner="gone-owner", last_modified=old, likes=0, downloads=0)
            gone.update(
                private=False, gated="false", disabled=False, sha=hashlib.sha1(f"gone-{i}".encode()).hexdigest()
            )
            self.repository("model", gone)

    def read_snapshot(self) -> None:
        """Who is who (owners with their kind, commit and discussion authors), the repositories,
        and how many commits each has."""
        self.kinds = {r["owner"]: r["kind"] for r in _rows(self.snap, "owners", ["owner", "kind"])}
        first_model = None
        for rtype, tname in (("model", "models"), ("dataset", "datasets"), ("space", "spaces")):
            for r in _rows(self.snap, tname, _REPO_COLUMNS):
                first_model = first_model or (r if rtype == "model" else None)
                self.repository(rtype, r)
        self.extra_repositories(first_model)
        for r in _rows(self.snap, "discussions", ["author"]):
            self.person(r["author"], "hf")
        self.commits = self.snap.arrow("commits", _COMMIT_COLUMNS).sort_by(
            [("repo_type", "ascending"), ("repo_id", "ascending"), ("date", "ascending")]
        )
        if self.o.namesakes and self.commits.num_rows >= 2:
            authors = [[a] for a in NAMESAKE_AUTHORS] + self.commits.column("authors").to_pylist()[2:]
            self.commits = self.commits.set_column(
                _COMMIT_COLUMNS.index("authors"),
                "authors",
                pa.array(authors, self.commits.schema.field("authors").type),
            )
        for b in self.commits.select(["repo_type", "repo_id", "authors"]).to_batches(_BATCH):
            d = b.to_pydict()
            for rt, rid, a in zip(d["repo_type"], d["repo_id"], d["authors"]):
                self.person(a[0] if a else None, "commit")
                self.per_repo[f"{rt}s/{rid}"] = self.per_repo.get(f"{rt}s/{rid}", 0) + 1

    def duplicate_spaces(self) -> None:
        """Duplicated spaces: a copy listed after the original, sharing its commits."""
        for r in [r for r in self.repos if r["type"] == "space" and self.per_repo.get(r["id"])][
            : self.o.duplicated_spaces
        ]:
            copy = {**r, "id": r["id"] + "-duplicate", "name": r["name"] + "-duplicate"}
            self.dup[r["id"]] = copy["id"]
            self.repos.append(copy)
            sub = next(x for x in self.subs["space"] if x["space_id"] == r["id"])
            self.subs["space"].append({**sub, "space_id": copy["id"]})

    # ------------------------------------------------------------------- files
    def n_files(self, rid: str) -> int:
        """Each repository's files: two, plus files_per_commit per commit."""
        return 2 + self.o.files_per_commit * self.per_repo.get(rid, 0)

    def number_files(self) -> None:
        n = 0
        for r in self.repos:
            self.file_ids[r["id"]] = n + 1
            n += self.n_files(r["id"])

    def file_rows(self) -> Iterator[dict[str, Any]]:
        for r in self.repos:
            for i in range(self.n_files(r["id"])):
                f = _file_name(i)
                if self.v10:
                    yield {"id": self.file_ids[r["id"]] + i, "filename": f, "repo_id": r["id"]}
                    continue
                yield {
                    "id": hashlib.sha256(f"{r['id']}_{f}".encode()).hexdigest(),
                    "filename": f,
                    "repo_id": r["id"],
                    "size": 1000 + i % 5000,
                    "blob_id": hashlib.sha1(f"{r['id']}_{f}".encode()).hexdigest(),
                }

    # ----------------------------------------------------------------- commits
    def parent_rows(self) -> Iterator[dict[str, Any]]:
        pairs: set[tuple[str, str]] = set()
        last: tuple[tuple[str, str], str] | None = None
        for b in self.commits.select(["repo_type", "repo_id", "commit_id"]).to_batches(_BATCH):
            d = b.to_pydict()
            for rt, rid, sha in zip(d["repo_type"], d["repo_id"], d["commit_id"]):
                if last and last[0] == (rt, rid) and sha != last[1]:
                    pairs.add((sha, last[1]))
                last = ((rt, rid), sha)
        for c, p in sorted(pairs):
            yield {"commit_sha": c, "parent_sha": p}

    def by_sha(self) -> pa.Table:
        """Each commit's place in its repository's history (0 for the first), the commits in the
        order of their primary key, the sha, as mariadb-dump writes every table."""
        commits = self.commits
        keys = pc.binary_join_element_wise(commits.column("repo_type"), commits.column("repo_id"), "/")
        k = keys.to_numpy(zero_copy_only=False)
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        place = np.arange(commits.num_rows) - np.repeat(starts, np.diff(np.r_[starts, commits.num_rows]))
        return commits.append_column("place", pa.array(place)).sort_by("commit_id")

    def commit_v10(self, repo: str, sha: str, local, name, title, at: int) -> dict[str, Any]:
        first = self.file_ids.get(repo)
        if first is not None:
            self.links.append((sha, first + at))
            if title and title.startswith("Update"):
                self.links.append((sha, first))
        return {"sha": sha, "timestamp": local, "message": title, "author": name, "source": "pydriller"}

    def commit_v11(self, repo: str, sha: str, local, name, title, index: int, fname: str, n: int) -> dict:
        rid = repo.split("/", 1)[1]
        mid = hashlib.sha256(f"{rid}_{fname}_{sha}".encode()).hexdigest()
        self.modified.append(
            {
                "modified_file_id": mid,
                "repo_file_id": hashlib.sha256(f"{repo}_{fname}".encode()).hexdigest(),
                "rfilename": fname.rsplit("/", 1)[-1],
                "new_path": fname,
                "change_type": "MODIFY" if index else "ADD",
                "added_lines": 1,
                "deleted_lines": 0,
            }
        )
        self.links.append((sha, mid))
        tz = tz_west(sha)
        return {
            "sha": sha,
            "repo_id": repo,
            "message": title if title is None else title + ("\n\nSigned-off-by: x" if n % 5 == 0 else ""),
            "author_date": local,
            "author_tz": tz,
            "committer_date": local,
            "committer_tz": tz,
            "in_main_branch": 1,
            "insertions": 1,
            "deletions": 0,
            "author_name": name,
            "committer_name": name,
            "source": "pydriller",
        }

    def v11_extras(self, repo: str, sha: str, local, name, title, extra: int) -> Iterator[dict[str, Any]]:
        """The duplicate's copy of a commit (INSERT IGNORE drops it), and commits off the main branch."""
        if repo in self.dup:
            yield {"sha": sha, "repo_id": self.dup[repo], "message": title, "author_date": local, "in_main_branch": 1}
        if extra < self.o.extra_branch_commits:
            yield {
                "sha": hashlib.sha1(f"branch-{sha}".encode()).hexdigest(),
                "repo_id": repo,
                "message": "work on a branch",
                "author_date": local,
                "author_tz": tz_west(sha),
                "in_main_branch": 0,
                "author_name": name,
                "source": "pydriller",
            }

    def commit_rows(self) -> Iterator[dict[str, Any]]:
        done: set[str] = set()
        extra = 0
        cols = [*_COMMIT_COLUMNS, "place"]
        fpc = self.o.files_per_commit
        for b in self.by_sha().to_batches(_BATCH):
            d = {c: b.column(c).to_pylist() for c in cols}
            for rt, rid, sha, date_, authors, title, index in zip(*(d[c] for c in cols)):
                if sha in done:
                    continue  # one row per sha (INSERT IGNORE)
                done.add(sha)
                repo = f"{rt}s/{rid}"
                name = authors[0] if authors else None
                local = local_time(sha, date_)
                at = min(self.n_files(repo) - 1, 2 + index * fpc) if fpc else 1
                if self.v10:
                    yield self.commit_v10(repo, sha, local, name, title, at)
                    continue
                yield self.commit_v11(repo, sha, local, name, title, index, _file_name(at), len(done))
                for row in self.v11_extras(repo, sha, local, name, title, extra):
                    extra += row["in_main_branch"] == 0
                    yield row
        for i in range(self.o.extra_unlinked_commits if self.v10 else 0):
            yield {
                "sha": hashlib.sha1(f"unlinked-{i}".encode()).hexdigest(),
                "timestamp": None,
                "message": "lost",
                "author": None,
                "source": "pydriller",
            }

    # ------------------------------------------------------------- discussions
    def created(self, v: dt.datetime | None) -> Any:
        if v is None or not self.v10:
            return v
        return str(v.replace(tzinfo=dt.UTC) if v.tzinfo is None else v)  # text, microseconds and offset

    def discussion_rows(self) -> Iterator[dict[str, Any]]:
        for r in _rows(self.snap, "discussions", _DISCUSSION_COLUMNS):
            yield {
                "num": r["number"],
                "repo_id": f"{r['repo_type']}s/{r['repo_id']}",
                "author": r["author"] if r["author"] is not None else "deleted",
                "title": r["title"],
                "status": r["status"],
                "created_at": self.created(r["created_at"]),
                "is_pull_request": r["is_pull_request"],
            }

    def event_rows(self) -> Iterator[dict[str, Any]]:
        """Two events per discussion (its opening comment and a status change), with the event's
        full JSON as text, as the extractor stores it."""
        kind = "type" if self.v10 else "event_type"
        for r in _rows(self.snap, "discussions", _DISCUSSION_COLUMNS):
            rid = f"{r['repo_type']}s/{r['repo_id']}"
            for i, (etype, content) in enumerate((("comment", r["title"]), ("status-change", None))):
                eid = hashlib.sha1(f"{rid}#{r['number']}#{i}".encode()).hexdigest()[:24]
                full = {
                    "id": eid,
                    "type": etype,
                    "createdAt": str(r["created_at"]),
                    "author": {"name": r["author"] or "deleted", "type": "user", "isPro": False},
                    "data": {"latest": {"raw": content, "html": f"<p>{content}</p>"}}
                    if content
                    else {"status": r["status"]},
                }
                yield {
                    "id": eid,
                    "repo_id": rid,
                    "discussion_num": r["number"],
                    kind: etype,
                    "created_at": self.created(r["created_at"]),
                    "author": r["author"] or "deleted",
                    "content": content,
                    "new_status": None if content else r["status"],
                    "full_data": str(full),
                }

    # -------------------------------------------------------------------- all
    def write(self) -> None:
        self.header()
        self.read_snapshot()
        self.duplicate_spaces()
        self.number_files()
        self.table("author", self.people.values())
        # mariadb-dump writes the tables in name order; the double does too
        self.table("commit_parents", self.parent_rows())
        self.table("commits", self.commit_rows())
        self.table("conflicting_files_discussion", [])
        self.table("dataset", self.subs["dataset"])
        self.table("datasets_in_space", [])
        self.table("discussion", self.discussion_rows())
        self.table("discussion_event", self.event_rows())
        self.table("file", self.file_rows())
        key = "file_id" if self.v10 else "modified_file_id"
        self.table("files_in_commit", ({"sha": s, key: f} for s, f in sorted(set(self.links))))
        self.table("model", self.subs["model"])
        self.table(
            "models_in_space",
            (
                {"model_id": f"models/{r['model_id']}", "space_id": f"spaces/{r['space_id']}"}
                for r in _rows(self.snap, "space_models", ["space_id", "model_id"])
            ),
        )
        self.table("modified_file", self.modified)
        self.table("repo_file", self.file_rows())
        self.repos.sort(key=lambda r: r["id"])
        self.table("repository", self.repos)
        self.table("space", self.subs["space"])
        self.table("tag", ({"name": t} for t in sorted({r["tag_name"] for r in self.tags})))
        self.tags.sort(key=lambda r: (r["tag_name"], r["repo_id"]))
        self.table("tags_in_repo", self.tags)
        self.footer()


# --------------------------------------------------------------------------- #
# the real mariadb-dump, and the containers users download
# --------------------------------------------------------------------------- #


def real_dump(
    snap: Snapshot,
    path: str | os.PathLike,
    work: str | os.PathLike,
    *,
    version: str = "1.1",
    skip_comments: bool = False,
    **kw: Any,
) -> Path:
    """``snap`` as HFCommunity's database in a real MariaDB server (written with ``INSERT IGNORE``,
    as the extractor does), dumped to ``path`` (a ``.sql``) with the real ``mariadb-dump``."""
    from analysis.sources.mariadb import Server, binaries

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    text = write_dump(snap, work / "extractor.sql", version=version, insert_ignore=True, **kw)
    path = Path(path)
    with Server(work / "srv", buffer_pool="256M", log_file_size="64M") as server:
        conn = server.connect()
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE hfcommunity CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        conn.close()
        common = [
            "--no-defaults",
            f"--socket={server.socket}",
            f"--user={server.os_user}",
            "--default-character-set=utf8mb4",
        ]
        with open(text, "rb") as fh:
            subprocess.run([binaries()["client"], *common, "hfcommunity"], stdin=fh, check=True, capture_output=True)
        dump_bin = shutil.which("mariadb-dump") or shutil.which("mysqldump") or "mariadb-dump"
        with open(path, "wb") as fh:
            subprocess.run(
                [dump_bin, *common, *(["--skip-comments"] if skip_comments else []), "hfcommunity"],
                stdout=fh,
                check=True,
            )
    shutil.rmtree(work / "srv", ignore_errors=True)
    text.unlink()
    return path
