"""HFCommunity dumps as a source: a MariaDB database of the Hub, read into a snapshot.

HFCommunity (SOM Research Lab, Universitat Oberta de Catalunya; CC BY-SA 4.0) publishes the Hub
each month as a MariaDB dump; the dump of 9 October 2023 holds the month of the paper's
collection. Two steps:

``python -m analysis import-hfcommunity --dump DUMP [OUT_DIR]`` (``make hfcommunity DUMP=...``)
    checks the free disk space (:func:`space_needed`), starts a private MariaDB server on
    ``data/hfcommunity/<dump id>/`` (:mod:`.mariadb`; any container it reads), loads the dump
    into it (once: a rerun reuses the loaded database; a load that did not finish is detected
    and redone), imports it into ``OUT_DIR`` (default ``data/snapshots/hfcommunity-<dump date>``)
    and stops the server. The load passes to the server only the tables the importer reads,
    without the keys it does not use (:class:`DdlCheck`), and checks each of those tables'
    ``CREATE TABLE`` as it streams past, so that a dump it cannot read fails at that statement.
``python -m analysis import-hfcommunity (--socket PATH | --url mysql://...) OUT_DIR``
    imports from a server that is already running.

What is read, and how it maps onto the snapshot (:mod:`analysis.snapshot.schema`):

- ``repository`` (+ ``model``, ``dataset``, ``space``): the three repository tables. Ids in
  the dump carry the type (``models/gpt2``); the snapshot's id is the Hub's. ``gated`` is an
  integer there (``"false"``/``"true"`` here: auto and manual are not told apart); likes are
  ``repository.likes``; downloads ``model.downloads`` / ``dataset.downloads``; ``sdk`` from
  ``space`` (schema v1.1 only).
- **No creation date**: ``repository`` has none, so ``created_at`` is the date of the
  repository's first commit in the dump (a git author date, which can predate the upload), and
  the coverage says so (``created_at_basis``).
- ``tags_in_repo``: the tags (sorted: the dump keeps no order) and the license, the first
  ``license:`` tag in that order.
- ``commits``: one author per commit, the git author name as recorded (coverage
  ``author_names: git``: the identity resolution of Part II exists for these). Schema v1.1 has
  ``commits.repo_id`` and ``in_main_branch`` (commits off the main branch are left out and
  counted); the time is ``author_date`` plus ``author_tz`` (seconds west of UTC, pydriller's
  sign). Schema v1.0 (up to the October 2023 dump) has neither: a commit belongs to every
  repository one of whose files it touched (``files_in_commit`` -> ``file.repo_id``); a commit
  that touched none is not imported (a ``fetch_log`` row each), and its ``timestamp`` is read
  as UTC.
- ``discussion``: pull requests flagged; the opener is ``author`` (``deleted``, what
  ``huggingface_hub`` reports for a deleted account, becomes null).
- ``models_in_space`` (v1.1): ``space_models``; ``author.type``: the ``owners`` table
  (``user``/``org``), for the owners HFCommunity recorded a type for.

The schema version is detected from the columns present (as the DDL streams past, and again on
the server); every table or column the importer
would use and did not find is listed in the manifest and the summary. Only ``repository`` is
required; a table that is present but lacks its key columns is an error naming them. Reading
streams (server-side cursors, batches of :data:`BATCH` rows), so a whole dump never sits in
memory. The manifest records the dump (file name, size, sha256, date, record URL, license).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pyarrow as pa
import pyarrow.compute as pc

from analysis import paths
from analysis.cli import OneLineParser
from analysis.snapshot import Snapshot, SnapshotError, SnapshotWriter, is_complete, open_snapshot
from analysis.snapshot.schema import BOOL, I64, SCHEMAS, STR, STRLIST, TS, coverage
from analysis.sources.mariadb import (
    DumpError,
    Server,
    ServerError,
    check_head,
    free_bytes,
    load_dump,
    open_dump,
    without_secondary_keys,
)

BATCH = 50_000
LICENSE = "CC BY-SA 4.0"
PROJECT_URL = "https://som-research.github.io/HFCommunity/"
#: the database the loader keeps its own record in (which dump, whether the load finished)
LOAD_DB = "hfcommunity_load"
#: where ``--dump`` keeps its servers: data/hfcommunity/<dump id>/
HFC_DATA = paths.HFCOMMUNITY
_SEP = "\x1f"

#: The dumps HFCommunity's download page lists: file name -> (collection date, Zenodo record, schema)
KNOWN_DUMPS: dict[str, tuple[str, str, str]] = {
    "dump_241122.zip": ("2022-11-24", "https://zenodo.org/records/7743893", "1.0"),
    "dump_090323.zip": ("2023-03-09", "https://zenodo.org/records/7743896", "1.0"),
    "dump_180423.zip": ("2023-04-18", "https://zenodo.org/records/7855371", "1.0"),
    "dump_051523.zip": ("2023-05-15", "https://zenodo.org/records/7943753", "1.0"),
    "dump_20230630.zip": ("2023-06-30", "https://zenodo.org/records/8112880", "1.0"),
    "dump_20230721.zip": ("2023-07-21", "https://zenodo.org/records/8172383", "1.0"),
    "dump_20230812.zip": ("2023-08-12", "https://zenodo.org/records/8240989", "1.0"),
    "dump_20230907.zip": ("2023-09-07", "https://zenodo.org/records/8324809", "1.0"),
    "dump_20231009.zip": ("2023-10-09", "https://zenodo.org/records/10020642", "1.0"),
    "dump_hfc_20241001.zip": ("2024-10-01", "https://zenodo.org/records/13929743", "1.1"),
}

#: columns the importer reads, per table (what it does without each is in the coverage)
WANTED: dict[str, list[str]] = {
    "repository": ["id", "name", "type", "author", "sha", "last_modified", "private", "gated", "likes", "disabled"],
    "model": ["model_id", "pipeline_tag", "downloads", "library_name", "likes"],
    "dataset": ["dataset_id", "downloads"],
    "space": ["space_id", "sdk"],
    "models_in_space": ["model_id", "space_id"],
    "tags_in_repo": ["tag_name", "repo_id"],
    "commits": [
        "sha",
        "repo_id",
        "author_date",
        "author_tz",
        "in_main_branch",
        "author_name",
        "timestamp",
        "author",
        "message",
    ],
    "file": ["id", "repo_id"],
    "files_in_commit": ["sha", "file_id"],
    "discussion": ["num", "repo_id", "author", "title", "status", "created_at", "is_pull_request"],
    "author": ["username", "type"],
}
#: columns without which a present table cannot be read at all
KEYS: dict[str, list[str]] = {
    "repository": ["id", "type"],
    "model": ["model_id"],
    "dataset": ["dataset_id"],
    "space": ["space_id"],
    "models_in_space": ["model_id", "space_id"],
    "tags_in_repo": ["tag_name", "repo_id"],
    "commits": ["sha"],
    "file": ["id", "repo_id"],
    "files_in_commit": ["sha", "file_id"],
    "discussion": ["num", "repo_id"],
    "author": ["username"],
}
_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
_TABLE_OF = {"model": "models", "dataset": "datasets", "space": "spaces"}
_KIND = {"user": "user", "org": "organization", "organization": "organization", "organisation": "organization"}


class HFCommunityError(Exception):
    """Bad input or a database that cannot be imported: a one-line message."""


# --------------------------------------------------------------------------- #
# the dump file
# --------------------------------------------------------------------------- #


def dump_id(path: str | os.PathLike) -> str:
    """``dump_20231009`` for ``dump_20231009.zip`` (or ``.sql``, ``.sql.gz``)."""
    name = Path(path).name
    for ext in (".sql.gz", ".sql.zip", ".zip", ".sql", ".gz"):
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "dump"


def dump_facts(path: str | os.PathLike) -> dict[str, Any]:
    """What the file's name says: its date and, for a dump HFCommunity lists, the record."""
    name = Path(path).name
    known = KNOWN_DUMPS.get(name)
    date = known[0] if known else None
    if date is None:
        m = re.search(r"(20\d{2})(\d{2})(\d{2})", name)
        if m:
            try:
                date = dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                date = None
    return {
        "file": name,
        "date": date,
        "record_url": known[1] if known else None,
        "schema_listed": known[2] if known else None,
        "license": LICENSE,
        "project": PROJECT_URL,
    }


# --------------------------------------------------------------------------- #
# connecting
# --------------------------------------------------------------------------- #


def _conv() -> dict:
    from pymysql.constants import FIELD_TYPE
    from pymysql.converters import conversions

    conv = dict(conversions)
    for t in (FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP, FIELD_TYPE.DATE):
        conv[t] = str  # parsed by Arrow, a batch at a time
    return conv


def connector(socket: str | None = None, url: str | None = None) -> tuple[Callable[[], Any], str | None, str]:
    """A function that opens a connection; the database named in the URL; how it is described."""
    import pymysql

    if socket:
        kw: dict[str, Any] = {"unix_socket": socket, "user": getpass.getuser()}
        where, database = f"unix socket {Path(socket).name}", None
    else:
        u = urlparse(url or "")
        if u.scheme not in ("mysql", "mariadb"):
            raise HFCommunityError(f"--url {url!r}: expected mysql://user[:password]@host[:port]/database")
        q = parse_qs(u.query)
        kw = {"user": unquote(u.username or getpass.getuser()), "password": unquote(u.password or "")}
        if "unix_socket" in q:
            kw["unix_socket"] = q["unix_socket"][0]
        else:
            kw["host"] = u.hostname or "localhost"
            kw["port"] = u.port or 3306
        database = u.path.lstrip("/") or None
        where = f"mysql://{u.hostname or 'localhost'}" + (f":{u.port}" if u.port else "")  # never the password

    def connect():
        try:
            return pymysql.connect(charset="utf8mb4", conv=_conv(), autocommit=True, **kw)
        except pymysql.MySQLError as exc:
            raise HFCommunityError(f"{where}: cannot connect ({exc.args[-1] if exc.args else exc})") from None

    return connect, database, where


# --------------------------------------------------------------------------- #
# the schema
# --------------------------------------------------------------------------- #


def find_database(conn, database: str | None) -> str:
    with conn.cursor() as cur:
        if database:
            cur.execute("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = %s", (database,))
            if not cur.fetchone()[0]:
                raise HFCommunityError(f"database {database!r}: not on the server")
            return database
        cur.execute(
            "SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name = 'repository' "
            "AND table_schema NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')"
        )
        found = sorted(r[0] for r in cur.fetchall())
        if len(found) == 1:
            return found[0]
        if not found:
            cur.execute(
                "SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN "
                "('mysql', 'information_schema', 'performance_schema', 'sys', %s)",
                (LOAD_DB,),
            )
            dbs = sorted(r[0] for r in cur.fetchall())
            raise HFCommunityError(
                "no table `repository` (required: HFCommunity's table of repositories) in "
                + (f"database(s) {', '.join(dbs)}" if dbs else "any database on the server")
                + "; the dump is of another schema"
            )
        raise HFCommunityError(
            f"several databases have a `repository` table ({', '.join(found)}): choose one with --database"
        )


#: the secondary keys the importer's queries use, built once a dump is loaded (the load itself
#: builds none: :meth:`DdlCheck.rewrite`)
AFTER_LOAD = {"tags_in_repo": "ALTER TABLE `tags_in_repo` ADD KEY `repo_id` (`repo_id`)"}
#: tables the load passes to the server (the rest of the dump is filtered out as it streams)
READ_TABLES = set(WANTED)
#: v1.0 links commits to repositories through these; v1.1 has ``commits.repo_id`` and does not need them
V10_LINK = ("file", "files_in_commit")


def version_from(columns: dict[str, Any]) -> str | None:
    """The schema version from the tables and columns seen so far (the DDL as it streams, or the
    server's), or None while it cannot be told."""
    if "commits" in columns:
        return "1.1" if "repo_id" in columns["commits"] else "1.0"
    if {"repo_file", "modified_file", "space", "datasets_in_space"} & set(columns):
        return "1.1"
    if "file" in columns or "files_in_commit" in columns and "file_id" in columns["files_in_commit"]:
        return "1.0"
    if "files_in_commit" in columns and "modified_file_id" in columns["files_in_commit"]:
        return "1.1"
    return None


def reads_table(table: str, version: str | None) -> bool:
    """Whether the importer reads ``table`` of a dump of ``version`` (None: not known yet)."""
    if table in V10_LINK:
        return version != "1.1"
    return table in READ_TABLES


def table_problem(table: str, columns: Any, version: str | None, where: str) -> str | None:
    """Why a table the importer reads cannot be read (a column it needs is missing), or None."""
    if table not in KEYS or not reads_table(table, version):
        return None
    lost = [k for k in KEYS[table] if k not in columns]
    if not lost:
        return None
    return (
        f"{where}: table `{table}` has no column {', '.join(f'`{table}.{k}`' for k in lost)} "
        f"(needed to read it{f' in schema v{version}' if version else ''}; the columns are "
        f"{', '.join(sorted(columns))})"
    )


def detect_schema(conn, database: str) -> dict[str, Any]:
    """The tables and columns present, the schema version, and what is missing."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s", (database,)
        )
        cols: dict[str, set[str]] = {}
        for t, c in cur.fetchall():
            cols.setdefault(t, set()).add(c)
    if "repository" not in cols:
        raise HFCommunityError(f"database {database!r}: no table `repository` (required)")
    version = version_from(cols) or "unknown"
    for t in KEYS:
        if t in cols and (problem := table_problem(t, cols[t], None if version == "unknown" else version, "")):
            raise HFCommunityError(f"database {database!r}{problem}")
    if "repo_id" in cols.get("commits", ()):
        link = "commits.repo_id"
    elif "file_id" in cols.get("files_in_commit", ()) and "file" in cols:
        link = "files_in_commit -> file.repo_id"
    else:
        link = None
    if version == "1.0" and not link:
        version = "unknown" if "commits" in cols else version
    # what the importer would read and did not find (v1.1 needs no file tables; v1.0 has no space tables)
    expected = [t for t in WANTED if not (version == "1.1" and t in V10_LINK)]
    missing_tables = [t for t in expected if t not in cols]
    optional = {
        "1.1": {"timestamp", "author"},
        "1.0": {"repo_id", "author_date", "author_tz", "in_main_branch", "author_name"},
    }
    missing_cols = [
        f"{t}.{col}"
        for t in expected
        if t in cols
        for col in WANTED[t]
        if col not in cols[t]
        and not (t == "commits" and col in optional.get(version, set()))
        and not (t == "repository" and col == "disabled" and version == "1.0")
        and not (t == "model" and col == "likes" and "likes" in cols["repository"])
    ]
    return {
        "version": version,
        "commit_link": link,
        "columns": {t: sorted(v) for t, v in cols.items()},
        "missing_tables": missing_tables,
        "missing_columns": missing_cols,
    }


class DdlCheck:
    """The load's view of the dump's ``CREATE TABLE`` statements as they stream past: which tables
    go to the server (:meth:`keep`), and a :class:`DumpError` at the first table the importer reads
    that lacks a column it needs (:meth:`on_create`), before any of that table's rows are loaded."""

    def __init__(self, where: str):
        self.where = where
        self.columns: dict[str, dict[str, str]] = {}

    @property
    def version(self) -> str | None:
        return version_from(self.columns)

    def on_create(self, table: str, columns: dict[str, str]) -> None:
        self.columns[table] = columns
        version = self.version
        for t, cols in self.columns.items():  # a table kept before the version was known is checked again
            if problem := table_problem(t, cols, version, self.where):
                raise DumpError(problem + "; this is not a dump of HFCommunity's schema v1.0 or v1.1")

    def keep(self, table: str) -> bool:
        return reads_table(table, self.version)

    @staticmethod
    def rewrite(table: str, stmt: bytes) -> bytes:
        """A read table's ``CREATE TABLE`` without secondary and foreign keys: built afterwards,
        sorted, where the importer needs one (:data:`AFTER_LOAD`), never row by row."""
        return without_secondary_keys(stmt)

    def unfinished(self, stream) -> list[str]:
        """For a dump without a trailer: the tables the importer reads in this schema version that
        were not created (the dump may have been cut before them), or created and not finished."""
        version = self.version
        expected = [
            t
            for t in WANTED
            if reads_table(t, version) and not (version != "1.1" and t in ("space", "models_in_space"))
        ]
        lost = [f"`{t}` (never created)" for t in expected if t not in stream.created]
        return lost + [f"`{t}`" for t in stream.created if t not in stream.closed]


def load_record(conn) -> dict[str, Any] | None:
    """The loader's record of the dump in this server (None if the project did not load it)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = 'load_info'",
            (LOAD_DB,),
        )
        if not cur.fetchone()[0]:
            return None
        cur.execute(f"SELECT info, complete FROM `{LOAD_DB}`.load_info ORDER BY started DESC LIMIT 1")
        row = cur.fetchone()
    if not row:
        return None
    info = json.loads(row[0])
    info["complete"] = bool(row[1])
    return info


# --------------------------------------------------------------------------- #
# reading
# --------------------------------------------------------------------------- #


def _stream(conn, sql: str, batch: int = BATCH) -> Iterator[list[tuple]]:
    import pymysql

    cur = conn.cursor(pymysql.cursors.SSCursor)
    try:
        cur.execute(sql)
        while rows := cur.fetchmany(batch):
            yield rows
    except pymysql.MySQLError as exc:
        raise HFCommunityError(f"query failed ({exc.args[-1] if exc.args else exc}): {sql[:120]}") from None
    finally:
        cur.close()


def _ts(values: list) -> pa.Array:
    """MariaDB DATETIME text (UTC) as the snapshot's timestamps; zero dates are null."""
    arr = pa.array(values, STR)
    arr = pc.if_else(pc.fill_null(pc.starts_with(arr, "0000"), False), pa.scalar(None, STR), arr)
    try:
        return arr.cast(pa.timestamp("s")).cast(TS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out = []
        for v in arr.to_pylist():
            try:
                out.append(dt.datetime.fromisoformat(v).replace(tzinfo=dt.UTC) if v else None)
            except ValueError:
                out.append(None)
        return pa.array(out, TS)


def _int(values: list) -> pa.Array:
    return pa.array([None if v is None else int(v) for v in values], I64)


def _bool(values: list) -> pa.Array:
    return pa.array([None if v is None else bool(int(v)) for v in values], BOOL)


def _gated(g: Any) -> str | None:
    """The dump's integer gated flag as the snapshot's string (a string value is kept as it is)."""
    if g is None:
        return None
    if isinstance(g, str) and not g.strip().lstrip("-").isdigit():
        return g.strip().lower() or None
    return "false" if int(g) == 0 else "true"


def _split_ids(ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``models/x`` -> (``model``, ``x``); null for an id without a known type prefix."""
    parts = pc.extract_regex(ids, r"^(?P<t>models|datasets|spaces)/(?P<id>.+)$")
    t = pc.struct_field(parts, [0])
    rid = pc.struct_field(parts, [1])
    rtype = pc.replace_substring_regex(t, "s$", "")
    return rtype, rid


class _Stats:
    def __init__(self):
        self.rows: Counter = Counter()
        self.counts: Counter = Counter()
        self.fields: dict[str, Counter] = {}
        self.log: list[dict[str, Any]] = []

    def field_counts(self, name: str, t: pa.Table) -> None:
        c = self.fields.setdefault(name, Counter())
        for col in t.column_names:
            c[col] += t.num_rows - t.column(col).null_count
        self.rows[name] += t.num_rows

    def bad(self, step: str, outcome: str, reason: str, repo_type=None, repo_id=None, source=None) -> None:
        self.counts[f"{step}:{outcome}"] += 1
        self.log.append(
            {
                "step": step,
                "repo_type": repo_type,
                "repo_id": repo_id,
                "outcome": outcome,
                "reason": reason,
                "source": source,
            }
        )


def _group(parts: list[pa.Table], keys: list[str], aggs: list[tuple[str, str]]) -> pa.Table:
    t = pa.concat_tables(parts) if parts else None
    if t is None or not t.num_rows:
        return pa.table({k: pa.array([], STR) for k in keys})
    return t.group_by(keys).aggregate(aggs)


_EMPTY_PER_REPO = pa.table(
    {"repo_type": pa.array([], STR), "repo_id": pa.array([], STR), "first": pa.array([], TS), "n": pa.array([], I64)}
)


def read_commits(conn, schema: dict, w: SnapshotWriter, st: _Stats, progress) -> pa.Table:
    """Stream commits into the snapshot; returns (repo_type, repo_id, first, n) per repository."""
    cols = set(schema["columns"].get("commits", ()))
    if "commits" not in schema["columns"] or not schema["commit_link"]:
        return _EMPTY_PER_REPO
    title = "SUBSTRING_INDEX(c.`message`, '\\n', 1)" if "message" in cols else "NULL"
    if schema["version"] == "1.1":
        date = "c.`author_date`" if "author_date" in cols else "NULL"
        if "author_tz" in cols and "author_date" in cols:
            date = "c.`author_date` + INTERVAL COALESCE(c.`author_tz`, 0) SECOND"
        author = "c.`author_name`" if "author_name" in cols else "NULL"
        where = " WHERE c.`in_main_branch` IS NULL OR c.`in_main_branch` <> 0" if "in_main_branch" in cols else ""
        sql = f"SELECT c.`repo_id`, c.`sha`, {date}, {author}, {title} FROM `commits` c{where}"
        if where:
            with conn.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM `commits` WHERE `in_main_branch` = 0")
                st.counts["commits_off_main_branch"] = int(cur.fetchone()[0])
    else:
        date = "c.`timestamp`" if "timestamp" in cols else "NULL"
        author = "c.`author`" if "author" in cols else "NULL"
        # one row per commit and file it touched, in commit order (the commits' primary key), so
        # that the repositories of one commit arrive together and are deduplicated on the fly
        sql = (
            f"SELECT f.`repo_id`, c.`sha`, {date}, {author}, {title} FROM `commits` c "
            "LEFT JOIN `files_in_commit` fc ON fc.`sha` = c.`sha` LEFT JOIN `file` f ON f.`id` = fc.`file_id` "
            "ORDER BY c.`sha`"
        )
    app = w.open_table("commits")
    aggs: list[pa.Table] = []
    current: list[Any] = [None, set()]  # v1.0: the commit being read and the repositories seen for it
    for rows in _stream(conn, sql):
        repo, sha, date_, name, ttl = (list(x) for x in zip(*rows))
        if schema["version"] != "1.1":  # one row per (commit, repository), whatever the files
            keep = []
            for i, r in enumerate(repo):
                if sha[i] != current[0]:
                    if current[0] is not None and not current[1]:
                        st.bad(
                            "commits",
                            "other",
                            "commit names no file of any repository (files_in_commit)",
                            source=f"commits:{current[0]}",
                        )
                    current[0], current[1] = sha[i], set()
                if r is None or r in current[1]:
                    continue
                current[1].add(r)
                keep.append(i)
            if len(keep) < len(repo):
                repo, sha, date_, name, ttl = ([col[i] for i in keep] for col in (repo, sha, date_, name, ttl))
            if not repo:
                continue
        rtype, rid = _split_ids(pa.array(repo, STR))
        ok = pc.is_valid(rid)
        bad = [i for i, v in enumerate(ok.to_pylist()) if not v]
        for i in bad:
            st.bad(
                "commits",
                "malformed",
                f"repo_id {repo[i]!r} is not models/..., datasets/... or spaces/...",
                source=f"commits:{sha[i]}",
            )
        dates = _ts(date_)
        authors = pa.array([[n] if n is not None else None for n in name], STRLIST)
        titles = pa.array(ttl, STR)
        titles = pc.replace_substring_regex(titles, "\r$", "")
        t = pa.table(
            {
                "repo_type": rtype,
                "repo_id": rid,
                "commit_id": pa.array(sha, STR),
                "date": dates,
                "authors": authors,
                "title": titles,
            }
        )
        if bad:
            t = t.filter(ok)
        t = t.select(SCHEMAS["commits"].names)
        app.write(t)
        st.field_counts("commits", t)
        aggs.append(t.group_by(["repo_type", "repo_id"]).aggregate([("date", "min"), ("commit_id", "count")]))
        if progress:
            progress(f"commits {st.rows['commits']:,}")
    if current[0] is not None and not current[1]:
        st.bad(
            "commits",
            "other",
            "commit names no file of any repository (files_in_commit)",
            source=f"commits:{current[0]}",
        )
    per_repo = _group(aggs, ["repo_type", "repo_id"], [("date_min", "min"), ("commit_id_count", "sum")])
    if not per_repo.num_rows:
        return _EMPTY_PER_REPO
    return per_repo.select(["repo_type", "repo_id", "date_min_min", "commit_id_count_sum"]).rename_columns(
        ["repo_type", "repo_id", "first", "n"]
    )


def read_discussions(conn, schema: dict, w: SnapshotWriter, st: _Stats, progress) -> pa.Table:
    cols = set(schema["columns"].get("discussion", ()))
    if "discussion" not in schema["columns"]:
        return _group([], ["repo_type", "repo_id"], [])

    def col(c: str) -> str:
        return f"d.`{c}`" if c in cols else "NULL"

    sql = (
        f"SELECT d.`repo_id`, d.`num`, {col('author')}, {col('is_pull_request')}, {col('status')}, "
        f"{col('created_at')}, {col('title')} FROM `discussion` d"
    )
    app = w.open_table("discussions")
    aggs = []
    for rows in _stream(conn, sql):
        repo, num, author, pr, status, created, title = (list(x) for x in zip(*rows))
        rtype, rid = _split_ids(pa.array(repo, STR))
        ok = pc.is_valid(rid).to_pylist()
        for i, v in enumerate(ok):
            if not v:
                st.bad(
                    "discussions",
                    "malformed",
                    f"repo_id {repo[i]!r} has no known type prefix",
                    source=f"discussion:{num[i]}",
                )
        deleted = sum(1 for a in author if a == "deleted")
        st.counts["discussion_author_deleted"] += deleted
        t = pa.table(
            {
                "repo_type": rtype,
                "repo_id": rid,
                "number": _int(num),
                "author": pa.array([None if a == "deleted" else a for a in author], STR),
                "is_pull_request": _bool(pr),
                "status": pa.array(status, STR),
                "created_at": _ts(created),
                "title": pa.array(title, STR),
            }
        )
        if not all(ok):
            t = t.filter(pa.array(ok))
        app.write(t)
        st.field_counts("discussions", t)
        aggs.append(t.group_by(["repo_type", "repo_id"]).aggregate([("number", "count")]))
        if progress:
            progress(f"discussions {st.rows['discussions']:,}")
    return _group(aggs, ["repo_type", "repo_id"], [("number_count", "sum")])


def read_repos(
    conn, schema: dict, w: SnapshotWriter, st: _Stats, first_commit: pa.Table, progress
) -> dict[str, list[str]]:
    """Stream repository (+ model, dataset, space, tags) into the three repository tables."""
    cols = schema["columns"]
    rc = set(cols["repository"])

    def c(alias: str, table: str, col: str) -> str:
        return f"{alias}.`{col}`" if table in cols and col in cols[table] else "NULL"

    joins = ""
    for alias, table, key in (("m", "model", "model_id"), ("d", "dataset", "dataset_id"), ("s", "space", "space_id")):
        if table in cols:
            joins += f" LEFT JOIN `{table}` {alias} ON {alias}.`{key}` = r.`id`"
    tags = (
        f"(SELECT GROUP_CONCAT(t.`tag_name` SEPARATOR '{_SEP}') FROM `tags_in_repo` t WHERE t.`repo_id` = r.`id`)"
        if "tags_in_repo" in cols
        else "NULL"
    )
    created = "r.`created_at`" if "created_at" in rc else "NULL"
    sql = (
        "SELECT r.`id`, "
        + c("r", "repository", "name")
        + ", r.`type`, "
        + ", ".join(c("r", "repository", x) for x in ("last_modified", "likes", "private", "gated", "disabled", "sha"))
        + f", {c('m', 'model', 'downloads')}, {c('m', 'model', 'pipeline_tag')}, {c('m', 'model', 'library_name')}, "
        f"{c('m', 'model', 'likes')}, {c('d', 'dataset', 'downloads')}, {c('s', 'space', 'sdk')}, {created}, {tags} "
        f"FROM `repository` r{joins}"
    )
    firsts = {}
    for rt in _TABLE_OF:
        sub = (
            first_commit.filter(pc.equal(first_commit.column("repo_type"), rt)).combine_chunks()
            if first_commit.num_rows
            else None
        )
        firsts[rt] = sub
    apps = {rt: w.open_table(tname) for rt, tname in _TABLE_OF.items()}
    ids: dict[str, list[str]] = {rt: [] for rt in _TABLE_OF}
    st.counts["created_from_first_commit"] = 0
    for rows in _stream(conn, sql):
        by_type: dict[str, list[tuple]] = {rt: [] for rt in _TABLE_OF}
        for r in rows:
            rt = r[2]
            if rt not in by_type:
                st.bad(
                    "import",
                    "malformed",
                    f"repository.type is {rt!r}, expected model, dataset or space",
                    source=f"repository:{r[0]}",
                )
                continue
            by_type[rt].append(r)
        for rt, rs in by_type.items():
            if not rs:
                continue
            (
                rid_full,
                name,
                _,
                last,
                likes,
                private,
                gated,
                disabled,
                sha,
                m_dl,
                pipe,
                lib,
                m_likes,
                d_dl,
                sdk,
                created_col,
                tag_s,
            ) = (list(x) for x in zip(*rs))
            prefix = f"{rt}s/"
            hub = [i[len(prefix) :] if i.startswith(prefix) else (n or i) for i, n in zip(rid_full, name)]
            owner = [h.split("/", 1)[0] if "/" in h else None for h in hub]
            nm = [h.split("/", 1)[1] if "/" in h else h for h in hub]
            tag_lists = [sorted(s.split(_SEP)) if s else [] for s in tag_s]
            lic = [next((x[8:] for x in tl if x.startswith("license:")), None) for tl in tag_lists]
            ids_arr = pa.array(hub, STR)
            created_arr = _ts(created_col)
            fc = firsts[rt]
            if fc is not None and fc.num_rows:
                idx = pc.index_in(ids_arr, value_set=fc.column("repo_id").combine_chunks())
                from_commit = pc.take(fc.column("first"), pc.fill_null(idx, 0))
                from_commit = pc.if_else(pc.is_valid(idx), from_commit, pa.scalar(None, TS))
                filled = pc.coalesce(created_arr, from_commit)
                st.counts["created_from_first_commit"] += created_arr.null_count - filled.null_count
                created_arr = filled
            downloads = m_dl if rt == "model" else d_dl if rt == "dataset" else [None] * len(rs)
            likes = [a if a is not None else b for a, b in zip(likes, m_likes)]
            t = pa.table(
                {
                    "id": ids_arr,
                    "owner": pa.array(owner, STR),
                    "name": pa.array(nm, STR),
                    "created_at": created_arr,
                    "last_modified": _ts(last),
                    "license": pa.array(lic, STR),
                    "tags": pa.array(tag_lists, STRLIST),
                    "pipeline_tag": pa.array(pipe if rt == "model" else [None] * len(rs), STR),
                    "library_name": pa.array(lib if rt == "model" else [None] * len(rs), STR),
                    "sdk": pa.array(sdk if rt == "space" else [None] * len(rs), STR),
                    "likes": _int(likes),
                    "downloads": _int(downloads),
                    "private": _bool(private),
                    "gated": pa.array(
                        [None if g is None else ("false" if int(g) == 0 else "true") for g in gated], STR
                    ),
                    "disabled": _bool(disabled),
                    "sha": pa.array(sha, STR),
                }
            )
            apps[rt].write(t)
            st.field_counts(_TABLE_OF[rt], t)
            ids[rt] += hub
        if progress:
            progress(f"repositories {sum(len(v) for v in ids.values()):,}")
    return ids


def read_space_models(conn, schema: dict, w: SnapshotWriter, st: _Stats) -> pa.Table:
    if "models_in_space" not in schema["columns"]:
        w.write_table("space_models", SCHEMAS["space_models"].empty_table())
        return _group([], ["space_id"], [])
    app = w.open_table("space_models")
    parts = []
    for rows in _stream(conn, "SELECT `space_id`, `model_id` FROM `models_in_space`"):
        s, m = (list(x) for x in zip(*rows))
        _, sid = _split_ids(pa.array(s, STR))
        _, mid = _split_ids(pa.array(m, STR))
        t = pa.table({"space_id": sid, "model_id": mid})
        ok = pc.and_(pc.is_valid(sid), pc.is_valid(mid))
        for i, v in enumerate(ok.to_pylist()):
            if not v:
                st.bad(
                    "space_models",
                    "malformed",
                    f"models_in_space ({m[i]!r}, {s[i]!r}) lacks a type prefix",
                    source="models_in_space",
                )
        t = t.filter(ok)
        app.write(t)
        st.rows["space_models"] += t.num_rows
        parts.append(t.group_by(["space_id"]).aggregate([("model_id", "count")]))
    return _group(parts, ["space_id"], [("model_id_count", "sum")])


def read_owners(conn, schema: dict, w: SnapshotWriter, st: _Stats, owners: set[str]) -> None:
    cols = schema["columns"].get("author")
    if not cols or "type" not in cols:
        w.write_table("owners", SCHEMAS["owners"].empty_table())
        return
    rows_out = []
    for rows in _stream(conn, "SELECT `username`, `type` FROM `author` WHERE `type` IS NOT NULL"):
        for u, k in rows:
            kind = _KIND.get(str(k).lower())
            if u in owners and kind:
                rows_out.append({"owner": u, "kind": kind})
            elif u in owners:
                st.counts["owner_type_unknown"] += 1
    seen = set()
    uniq = [r for r in rows_out if not (r["owner"] in seen or seen.add(r["owner"]))]
    st.rows["owners"] = w.write_table("owners", uniq)


def _coverage_rows(repo_type: list[str], repo_id: list[str], step: str, items: list[int]) -> pa.Table:
    return pa.table(
        {
            "repo_type": pa.array(repo_type, STR),
            "repo_id": pa.array(repo_id, STR),
            "step": pa.array([step] * len(repo_id), STR),
            "items": pa.array(items, I64),
        }
    )


def _counts_for(ids: list[str], keys: pa.Array, counts: pa.Array) -> list[int]:
    if not len(keys):
        return [0] * len(ids)
    idx = pc.index_in(pa.array(ids, STR), value_set=keys)
    got = pc.take(counts, pc.fill_null(idx, 0))
    return pc.if_else(pc.is_valid(idx), got, pa.scalar(0, got.type)).to_pylist()


def build_coverage(
    schema: dict, st: _Stats, ids: dict[str, list[str]], steps: dict[str, int], dump: dict
) -> dict[str, dict[str, Any]]:
    """The manifest's coverage of every table (the one place it is built)."""
    fmt = "{:,}".format
    missing = schema["missing_tables"] + schema["missing_columns"]
    src = f"HFCommunity dump {dump.get('file') or '(file not recorded)'} (schema v{schema['version']})"
    cov: dict[str, dict[str, Any]] = {}
    n_first = st.counts["created_from_first_commit"]
    for rt, name in _TABLE_OF.items():
        rows = st.rows[name]
        fields = {c: st.fields.get(name, Counter())[c] for c in SCHEMAS[name].names}
        never = [c for c, n in fields.items() if n == 0]
        note = f"every {rt} repository of {src} ({fmt(rows)})"
        note += (
            "; created_at is the date of the repository's first commit in the dump (HFCommunity records no "
            "creation date; a git author date, which can predate the upload)"
        )
        if never:
            note += f"; never given (null in every row): {', '.join(never)}"
        if rt == "space" and "space" not in schema["columns"]:
            note += "; no sdk: the dump has no `space` table (schema v1.0)"
        cov[name] = {
            "scope": "all" if rows else "none",
            "rows": rows,
            "fields_non_null": fields,
            "created_at_basis": "first_commit",
            "note": note,
        }
    cov["models"]["created_at_from_first_commit"] = n_first  # over all three tables
    if "commits" in schema["columns"] and schema["commit_link"]:
        listed = sum(len(v) for v in ids.values())
        n = steps.get("commits", 0)
        note = (
            f"{fmt(st.rows['commits'])} commits of {fmt(n)} of {fmt(listed)} repositories in {src}; authors are "
            "git author names as recorded (one per commit), not Hub usernames; every Hub repository has at "
            "least its initial commit, so a repository without any was not covered by the dump"
        )
        if schema["version"] == "1.1":
            note += f"; main branch only ({fmt(st.counts['commits_off_main_branch'])} commits off it left out); time = author_date + author_tz"
        else:
            note += (
                "; v1.0 links commits to repositories only through the files they touched (files_in_commit -> file): "
                f"{fmt(st.counts['commits:other'])} commits touching no listed file were not imported (see fetch_log); "
                "times are the dump's timestamp read as UTC (the author's local clock time without its offset: up to about 14 h off either way)"
            )
        cov["commits"] = {
            "scope": "all" if n == listed and listed else "subset",
            "rows": st.rows["commits"],
            "repositories": n,
            "author_names": "git",
            "commit_link": schema["commit_link"],
            "fields_non_null": {c: st.fields.get("commits", Counter())[c] for c in SCHEMAS["commits"].names},
            "note": note,
        }
    else:
        cov["commits"] = {
            "scope": "none",
            "rows": 0,
            "note": f"{src} has no usable commits table (missing: {', '.join(missing) or 'commits'})",
        }
    if "discussion" in schema["columns"]:
        cov["discussions"] = {
            "scope": "all",
            "rows": st.rows["discussions"],
            "repositories": steps.get("discussions", 0),
            "author_deleted": st.counts["discussion_author_deleted"],
            "note": f"every discussion and pull request of {src}; zero where a repository has none (the dump does "
            f"not record a failed lookup); author 'deleted' (a deleted account) is null: {fmt(st.counts['discussion_author_deleted'])}",
        }
    else:
        cov["discussions"] = {"scope": "none", "rows": 0, "note": f"{src} has no `discussion` table"}
    if "models_in_space" in schema["columns"]:
        cov["space_models"] = {
            "scope": "all",
            "method": "spaces-listing",
            "rows": st.rows["space_models"],
            "note": f"models each space uses (models_in_space of {src}, from the spaces listing)",
        }
    else:
        cov["space_models"] = {"scope": "none", "rows": 0, "note": f"{src} has no `models_in_space` table"}
    cov["repo_coverage"] = {"scope": "all", "rows": sum(steps.values()), "steps": steps}
    owners = len({o for v in ids.values() for o in (h.split("/", 1)[0] for h in v if "/" in h)})
    cov["owners"] = {
        "scope": "none" if not st.rows["owners"] else ("all" if st.rows["owners"] >= owners else "subset"),
        "rows": st.rows["owners"],
        "note": f"author.type of {fmt(st.rows['owners'])} of {fmt(owners)} owners; HFCommunity records a type only for "
        "accounts it met as authors of discussion events",
    }
    cov["fetch_log"] = {
        "scope": "all",
        "rows": len(st.log),
        "note": "rows of the dump that could not be imported, with why",
    }
    for name in ("commits", "discussions"):
        if "repositories" in cov[name]:
            cov[name]["covered"] = cov[name].pop("repositories")
    # every entry through the snapshot contract's one builder (checked as schema.Coverage)
    return {name: coverage(**entry) for name, entry in cov.items()}


def known_traps(version: str, dump: dict[str, Any]) -> list[str]:
    """What the real dumps are known to get wrong, for the manifest's notes (the snapshot page)."""
    notes = []
    if dump.get("trailer") == "absent":
        notes.append(
            "trailer: absent: the dump has no closing '-- Dump completed' line (written with --skip-comments); "
            "it was accepted because it ended after a whole statement and every table read was created and filled"
        )
    if version == "1.0":
        notes.append(
            "schema v1.0's commits.timestamp is the author's local clock time without its offset, read as UTC: a "
            "commit time (and a created_at from it) can be off by up to about 14 hours either way; use its date "
            "at day resolution where that matters"
        )
    if version == "1.1":
        notes.append(
            "schema v1.1 stores a commit once (INSERT IGNORE on its sha): a commit shared by repositories "
            "(a duplicated space) belongs to whichever repository HFCommunity read first"
        )
    notes.append(
        "the dump compares names under utf8mb4_general_ci, so its `author` table merges accented and unaccented "
        "spellings (José Pérez = Jose Perez); commits keep each spelling, and the identity resolution sees "
        "the commits' spelling"
    )
    notes.append(
        "HFCommunity updates its database incrementally: repositories deleted from the Hub since it first read "
        "them can still be listed"
    )
    return notes


def import_database(
    connect: Callable[[], Any],
    out_dir: str | os.PathLike,
    *,
    database: str | None = None,
    dump: dict[str, Any] | None = None,
    dump_date: str | None = None,
    snapshot_id: str | None = None,
    where: str = "",
    progress: Callable[[str], None] | None = None,
) -> Snapshot:
    """Read an HFCommunity database into a new snapshot at ``out_dir``."""
    out_dir = Path(out_dir)
    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SET SESSION time_zone = '+00:00', group_concat_max_len = 67108864, net_read_timeout = 3600, net_write_timeout = 3600"
            )
        record = load_record(conn)
        if record is not None and not record.get("complete"):
            raise HFCommunityError(
                f"the load of {record.get('file')} into this server did not finish; load it again (make hfcommunity DUMP=...)"
            )
        database = find_database(conn, database)
        schema = detect_schema(conn, database)
        info = dict(dump or {})
        if record:
            info = {**record, **{k: v for k, v in info.items() if v is not None}}
        date = dump_date or info.get("date") or info.get("completed_on")
        if not date:
            raise HFCommunityError(
                "the dump's date is unknown (not in the server's load record): give --dump-date YYYY-MM-DD"
            )
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            raise HFCommunityError(f"dump date {date!r}; expected YYYY-MM-DD") from None
        info["date"] = date
        conn.select_db(database)
        if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / "manifest.json").exists():
            raise HFCommunityError(f"{out_dir}: exists and is not a snapshot; give a new folder")
        existed = out_dir.exists()
        writer = SnapshotWriter(
            out_dir, snapshot_id, snapshot_date=date, source_kind="import", source_parameters={"source": "hfcommunity"}
        )
        try:
            st = _Stats()
            per_repo = read_commits(conn, schema, writer, st, progress)
            per_disc = read_discussions(conn, schema, writer, st, progress)
            ids = read_repos(conn, schema, writer, st, per_repo, progress)
            per_space = read_space_models(conn, schema, writer, st)
            owners = {h.split("/", 1)[0] for v in ids.values() for h in v if "/" in h}
            read_owners(conn, schema, writer, st, owners)
            cov_parts = []
            steps: dict[str, int] = {}
            if per_repo.num_rows:
                t = per_repo
                cov_parts.append(
                    _coverage_rows(
                        t.column("repo_type").to_pylist(),
                        t.column("repo_id").to_pylist(),
                        "commits",
                        t.column("n").to_pylist(),
                    )
                )
                steps["commits"] = t.num_rows
            if "discussion" in schema["columns"]:
                n = 0
                for rt, lst in ids.items():
                    sub = per_disc.filter(pc.equal(per_disc.column("repo_type"), rt)) if per_disc.num_rows else None
                    keys = sub.column("repo_id") if sub is not None else pa.array([], STR)
                    vals = sub.column("number_count_sum") if sub is not None else pa.array([], I64)
                    cov_parts.append(
                        _coverage_rows(
                            [rt] * len(lst),
                            lst,
                            "discussions",
                            _counts_for(
                                lst,
                                keys.combine_chunks() if hasattr(keys, "combine_chunks") else keys,
                                vals.combine_chunks() if hasattr(vals, "combine_chunks") else vals,
                            ),
                        )
                    )
                    n += len(lst)
                    listed = set(lst)
                    if sub is not None:  # discussions of repositories not in the listing
                        extra = [(r, c) for r, c in zip(keys.to_pylist(), vals.to_pylist()) if r not in listed]
                        if extra:
                            cov_parts.append(
                                _coverage_rows(
                                    [rt] * len(extra), [e[0] for e in extra], "discussions", [e[1] for e in extra]
                                )
                            )
                            n += len(extra)
                steps["discussions"] = n
            if "models_in_space" in schema["columns"]:
                lst = ids["space"]
                keys = per_space.column("space_id").combine_chunks() if per_space.num_rows else pa.array([], STR)
                vals = (
                    per_space.column("model_id_count_sum").combine_chunks() if per_space.num_rows else pa.array([], I64)
                )
                cov_parts.append(
                    _coverage_rows(["space"] * len(lst), lst, "space_models", _counts_for(lst, keys, vals))
                )
                steps["space_models"] = len(lst)
            writer.write_table(
                "repo_coverage", pa.concat_tables(cov_parts) if cov_parts else SCHEMAS["repo_coverage"].empty_table()
            )
            writer.write_table("fetch_log", st.log)
            coverage = build_coverage(schema, st, ids, steps, info)
            writer.source_parameters = {
                "source": "hfcommunity",
                "importer": "analysis.sources.hfcommunity",
                "dump": {
                    k: info.get(k)
                    for k in (
                        "file",
                        "kind",
                        "member",
                        "order",
                        "bytes",
                        "sha256",
                        "date",
                        "completed_on",
                        "trailer",
                        "skipped",
                        "record_url",
                        "license",
                        "project",
                    )
                },
                "server": where,
                "database": database,
                "schema_version": schema["version"],
                "commit_link": schema["commit_link"],
                "missing_tables": schema["missing_tables"],
                "missing_columns": schema["missing_columns"],
                "snapshot_date_basis": "given (--dump-date)" if dump_date else "the dump's date",
            }
            notes = [
                f"imported from the HFCommunity dump {info.get('file') or '(file not recorded)'} of {date} "
                f"(schema v{schema['version']}; {LICENSE}, {PROJECT_URL})",
                "created_at is the first commit's date: HFCommunity records no creation date",
                "commit authors are git author names (one per commit), not Hub usernames",
            ]
            notes += known_traps(schema["version"], info)
            missing = schema["missing_tables"] + schema["missing_columns"]
            if missing:
                notes.append(f"not in the dump: {', '.join(missing)}")
            writer.finish(coverage, notes=notes)
        except BaseException:
            for app in getattr(writer, "_open", {}).values():
                try:
                    app.close()
                except Exception:
                    pass
            if not existed:
                shutil.rmtree(out_dir, ignore_errors=True)
            else:  # never leave anything that could pass for a complete snapshot
                for p in out_dir.glob("*"):
                    if p.is_file():
                        p.unlink()
            raise
    finally:
        conn.close()
    snap = open_snapshot(out_dir)
    snap.stats = st  # type: ignore[attr-defined]
    return snap


# --------------------------------------------------------------------------- #
# loading a dump into a private server
# --------------------------------------------------------------------------- #


def _state(root: Path) -> dict[str, Any]:
    try:
        return json.loads((root / "load.json").read_text())
    except (OSError, ValueError):
        return {}


def _write_state(root: Path, state: dict[str, Any]) -> None:
    tmp = root / "load.json.tmp"
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    os.replace(tmp, root / "load.json")


def _fingerprint(path: Path) -> dict[str, Any]:
    s = path.stat()
    return {"file": path.name, "bytes": s.st_size, "mtime_ns": s.st_mtime_ns}


#: the loaded database's size on disk per byte of SQL text, and what the server needs besides (a
#: rough upper bound: InnoDB pages, the keys, and the tables that are not loaded counted too)
DISK_PER_SQL_BYTE = 1.3
#: the SQL text per byte of a compressed dump whose container does not say its size
SQL_PER_COMPRESSED_BYTE = 6


def precheck(dump: Path) -> dict[str, Any]:
    """Refuse a file that is not a dump from its first megabyte (the load checks the rest); returns
    what the container says (kind, members, the SQL's size if it says)."""
    c = open_dump(dump)
    try:
        check_head(dump, c.stream.read(1 << 20))
        return {"kind": c.kind, "members": c.members, "sql_bytes": c.sql_bytes}
    finally:
        c.close()


def _mb(n: float) -> str:
    return f"{n / 2**30:,.1f} GB" if n >= 2**30 else f"{n / 2**20:,.0f} MB"


def space_needed(dump: Path, facts: dict[str, Any]) -> tuple[int, int]:
    """(bytes the load needs free, the redo log's size): from the SQL's size where the container
    says it, else from the file's size times :data:`SQL_PER_COMPRESSED_BYTE`."""
    size = dump.stat().st_size
    sql = facts.get("sql_bytes") or (size if facts["kind"] == "sql" else size * SQL_PER_COMPRESSED_BYTE)
    log = int(min(2 << 30, max(48 << 20, sql // 4))) >> 20 << 20
    return int(sql * DISK_PER_SQL_BYTE) + log + (256 << 20), log


def loaded_server(
    dump: str | os.PathLike,
    *,
    root: str | os.PathLike | None = None,
    progress: bool | None = None,
    log: Callable[[str], None] = print,
) -> tuple[Server, dict[str, Any]]:
    """Start the private server of ``dump`` (loading the dump first if it is not loaded yet)."""
    dump = Path(dump)
    if not dump.is_file():
        raise HFCommunityError(f"{dump}: no such file")
    head = precheck(dump)  # before any server is started
    root = Path(root) if root else HFC_DATA / dump_id(dump)
    root.mkdir(parents=True, exist_ok=True)
    state = _state(root)
    need, log_size = space_needed(dump, head)
    server = Server(root, log_file_size=f"{log_size >> 20}M")
    fp = _fingerprint(dump)
    if state.get("state") == "complete" and {k: state.get(k) for k in fp} == fp and server.initialised():
        server.start()
        log(f"{dump.name}: already loaded into {root} (reused)")
        return server, state
    if server.running():
        raise HFCommunityError(
            f"{root}: a server is running on a database that is not completely loaded; stop it first"
        )
    if server.datadir.exists():
        if state:
            log(f"{dump.name}: an earlier load into {root} did not finish (or was of another file): loading again")
        shutil.rmtree(server.datadir)
    free = free_bytes(root)
    if free < need:
        raise HFCommunityError(
            f"{root}: {_mb(free)} free, and loading {dump.name} needs about {_mb(need)} (estimated from the "
            f"dump's size: {_mb(head.get('sql_bytes') or dump.stat().st_size)}"
            f"{'' if head.get('sql_bytes') else ' compressed'}); free space there or give --data-dir on another disk"
        )
    state = {**fp, "state": "loading", "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    _write_state(root, state)
    server.start()
    try:
        conn = server.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE IF NOT EXISTS `{LOAD_DB}`")
                cur.execute(f"CREATE TABLE `{LOAD_DB}`.load_info (started DATETIME, info LONGTEXT, complete INT)")
                cur.execute(
                    f"INSERT INTO `{LOAD_DB}`.load_info VALUES (UTC_TIMESTAMP(), %s, 0)",
                    (json.dumps(dump_facts(dump)),),
                )
            conn.commit()
        finally:
            conn.close()
        check = DdlCheck(str(dump))
        got = load_dump(
            server,
            dump,
            "hfcommunity",
            progress=progress,
            keep=check.keep,
            on_create=check.on_create,
            rewrite=check.rewrite,
            need_tables=check.unfinished,
        )
        if "repository" not in got["loaded"]:
            raise HFCommunityError(
                f"{dump}: no table `repository` (required: HFCommunity's table of repositories) among the dump's "
                f"tables ({', '.join(sorted(check.columns)[:8]) or 'none'}); the dump is of another schema"
            )
        keys = ("bytes", "sha256", "kind", "member", "order", "completed_on", "trailer", "loaded", "skipped")
        facts = dump_facts(dump) | {k: got[k] for k in keys} | {"schema_ddl": check.version}
        facts["skipped"] = sorted(got["skipped"])
        if facts["date"] is None and got["completed_on"]:
            facts["date"] = got["completed_on"]
        conn = server.connect("hfcommunity")
        try:
            with conn.cursor() as cur:
                for table, ddl in AFTER_LOAD.items():
                    if table in got["loaded"]:
                        cur.execute(ddl)
                cur.execute(f"UPDATE `{LOAD_DB}`.load_info SET info = %s, complete = 1", (json.dumps(facts),))
            conn.commit()
        finally:
            conn.close()
    except BaseException:
        server.stop()
        raise
    state = {**state, **facts, "state": "complete", "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    state["load_seconds"] = got["seconds"]
    state["disk_bytes"] = sum(p.stat().st_size for p in server.datadir.rglob("*") if p.is_file())
    _write_state(root, state)
    log(
        f"{dump.name}: loaded in {got['seconds']:,.0f} s ({_mb(state['disk_bytes'])} on disk in {server.datadir}): "
        f"{', '.join(got['loaded'])}; not loaded (not read by the importer): {', '.join(facts['skipped']) or 'none'}"
        + (f"; {got['order']}: {got['member']}" if got["order"] else "")
        + ("; no closing '-- Dump completed' line (trailer: absent)" if got["trailer"] == "absent" else "")
    )
    return server, state


def main(argv: list[str]) -> int:
    p = OneLineParser(
        prog="python -m analysis import-hfcommunity",
        description="Import an HFCommunity MariaDB database (or dump file) into a snapshot.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--dump", help="a dump file (.zip, .rar, .sql, .sql.gz, .sql.zst): load it into a private server first"
    )
    src.add_argument("--socket", help="the Unix socket of a running server holding the dump")
    src.add_argument("--url", help="mysql://user[:password]@host[:port]/database of a running server")
    p.add_argument(
        "out_dir", nargs="?", help="the new snapshot's folder (default with --dump: data/snapshots/hfcommunity-<date>)"
    )
    p.add_argument("--dump-date", help="YYYY-MM-DD; default: the dump's date (from its name or its last line)")
    p.add_argument("--database", help="the database holding the dump (default: the one with a `repository` table)")
    p.add_argument("--snapshot-id", help="default: the name of OUT_DIR")
    p.add_argument("--data-dir", help="with --dump: the server's folder (default data/hfcommunity/<dump id>)")
    p.add_argument("--load-only", action="store_true", help="with --dump: load (or check) the database, import nothing")
    p.add_argument("--no-progress", action="store_true")
    try:
        a = p.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    progress = False if a.no_progress else None
    server = None
    try:
        if a.dump:
            server, state = loaded_server(a.dump, root=a.data_dir, progress=progress)
            if a.load_only:
                print(f"{Path(a.dump).name}: loaded; server folder {server.root}")
                return 0
            connect, database, where = connector(socket=str(server.socket))
            where = "private server (unix socket)"
            date = a.dump_date or state.get("date")
            if not date:
                raise HFCommunityError(
                    f"{a.dump}: the dump's date is not in its name or last line: give --dump-date YYYY-MM-DD"
                )
            out = Path(a.out_dir) if a.out_dir else paths.SNAPSHOTS / f"hfcommunity-{date}"
            if is_complete(out):
                prev = json.loads((out / "manifest.json").read_text())
                if (prev.get("source", {}).get("parameters", {}).get("dump") or {}).get("sha256") == state.get(
                    "sha256"
                ):
                    print(f"{out}: already a complete snapshot of {Path(a.dump).name}; nothing to do")
                    return 0
                raise HFCommunityError(f"{out}: a complete snapshot of another source exists there; give a new OUT_DIR")
        else:
            if not a.out_dir:
                raise HFCommunityError("OUT_DIR is required with --socket or --url")
            connect, database, where = connector(socket=a.socket, url=a.url)
            out = Path(a.out_dir)
        t0 = dt.datetime.now()
        bar = None
        if progress is None and sys.stderr.isatty():

            def bar(msg: str) -> None:
                print(f"\r  {msg:<40}", end="", file=sys.stderr, flush=True)

        snap = import_database(
            connect,
            out,
            database=a.database or database,
            dump_date=a.dump_date,
            snapshot_id=a.snapshot_id,
            where=where,
            progress=bar,
        )
        if bar:
            print(file=sys.stderr)
        params = snap.manifest["source"]["parameters"]
        print(
            f"imported {snap.id} ({snap.date}) from {params['dump'].get('file') or where} into {snap.path} in {(dt.datetime.now() - t0).total_seconds():.0f} s"
        )
        print(
            f"  schema v{params['schema_version']}; not in the dump: {', '.join(params['missing_tables'] + params['missing_columns']) or 'nothing the importer reads'}"
        )
        for name in SCHEMAS:
            print(f"  {name:<14} {snap.rows(name):>12,} rows  ({snap.coverage(name).get('scope')})")
    except (HFCommunityError, ServerError, DumpError, SnapshotError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; nothing was completed", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
    return 0
