"""HFCommunity's schema as the importer sees it: the tables and columns it reads, the schema
version (v1.0 or v1.1) told from the columns present, and the checks that refuse a database or a
dump the importer cannot read, on the server (:func:`detect_schema`) or as the dump's
``CREATE TABLE`` statements stream past (:class:`DdlCheck`)."""

from __future__ import annotations

import json
from typing import Any

from analysis.sources.hfcommunity import commit_repo
from analysis.sources.mariadb import DumpError, without_secondary_keys


class HFCommunityError(Exception):
    """Bad input or a database that cannot be imported: a one-line message."""


#: the database the loader keeps its own record in (which dump, whether the load finished)
LOAD_DB = "hfcommunity_load"

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
#: columns of WANTED a schema version does not have (not reported missing in that version)
NOT_IN_VERSION: dict[str, set[str]] = {
    "1.1": {"commits.timestamp", "commits.author"},
    "1.0": {
        "commits.repo_id",
        "commits.author_date",
        "commits.author_tz",
        "commits.in_main_branch",
        "commits.author_name",
        "repository.disabled",
    },
}
#: the secondary keys the importer's queries use, built once a dump is loaded (the load itself
#: builds none: :meth:`DdlCheck.rewrite`)
AFTER_LOAD = {"tags_in_repo": "ALTER TABLE `tags_in_repo` ADD KEY `repo_id` (`repo_id`)"}
#: tables the load passes to the server (the rest of the dump is filtered out as it streams)
READ_TABLES = set(WANTED)
#: v1.0 links commits to repositories through these; v1.1 has ``commits.repo_id`` and does not need them
V10_LINK = ("file", "files_in_commit")
#: tables only schema v1.1 has
V11_ONLY = ("space", "models_in_space")


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


def commit_link(cols: dict[str, set[str]]) -> str | None:
    """How commits reach repositories in this database, or None if they cannot."""
    if "repo_id" in cols.get("commits", ()):
        return "commits.repo_id"
    if commit_repo.TABLE in cols or ("file_id" in cols.get("files_in_commit", ()) and "file" in cols):
        return "files_in_commit -> file.repo_id"
    return None


def _missing_columns(cols: dict[str, set[str]], expected: list[str], version: str) -> list[str]:
    """``table.column`` the importer would read in ``version`` and did not find."""
    skip = NOT_IN_VERSION.get(version, set())
    if "likes" in cols["repository"]:
        skip = skip | {"model.likes"}  # repository.likes is read first
    return [
        f"{t}.{col}"
        for t in expected
        if t in cols
        for col in WANTED[t]
        if col not in cols[t] and f"{t}.{col}" not in skip
    ]


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
    link = commit_link(cols)
    if version == "1.0" and not link and "commits" in cols:
        version = "unknown"
    # what the importer would read and did not find (v1.1 needs no file tables; v1.0 has no space tables)
    # (nor the file tables where the load made commit_repo of them)
    expected = [t for t in WANTED if not ((version == "1.1" or commit_repo.TABLE in cols) and t in V10_LINK)]
    return {
        "version": version,
        "commit_link": link,
        "columns": {t: sorted(v) for t, v in cols.items()},
        "missing_tables": [t for t in expected if t not in cols],
        "missing_columns": _missing_columns(cols, expected, version),
    }


class DdlCheck:
    """The load's view of the dump's ``CREATE TABLE`` statements as they stream past: which tables
    go to the server (:meth:`keep`), and a :class:`DumpError` at the first table the importer reads
    that lacks a column it needs (:meth:`on_create`), before any of that table's rows are loaded."""

    def __init__(self, where: str):
        self.where = where
        self.columns: dict[str, dict[str, str]] = {}
        self.link = commit_repo.CommitRepo(where)
        #: v1.0: whether ``file`` and ``files_in_commit`` become ``commit_repo`` as they stream past
        #: (decided at the first of them: ``file`` first, as mariadb-dump writes them) or load whole
        self.convert: bool | None = None

    @property
    def version(self) -> str | None:
        return version_from(self.columns)

    def on_create(self, table: str, columns: dict[str, str]) -> None:
        self.columns[table] = columns
        version = self.version
        if table in V10_LINK:
            self.link.columns[table] = list(columns)
            if self.convert is None:
                self.convert = table == "file" and version != "1.1"
        for t, cols in self.columns.items():  # a table kept before the version was known is checked again
            if problem := table_problem(t, cols, version, self.where):
                raise DumpError(problem + "; this is not a dump of HFCommunity's schema v1.0 or v1.1")

    def keep(self, table: str) -> bool:
        return reads_table(table, self.version) and not (self.convert and table in V10_LINK)

    def transform(self, table: str):
        """v1.0's ``file`` and ``files_in_commit`` made into ``commit_repo`` (:mod:`.commit_repo`)."""
        if not self.convert:
            return None
        return {"file": self.link.file_rows, "files_in_commit": self.link.link_rows}.get(table)

    @staticmethod
    def rewrite(table: str, stmt: bytes) -> bytes:
        """A read table's ``CREATE TABLE`` without secondary and foreign keys: built afterwards,
        sorted, where the importer needs one (:data:`AFTER_LOAD`), never row by row."""
        return without_secondary_keys(stmt)

    def unfinished(self, stream) -> list[str]:
        """For a dump without a trailer: the tables the importer reads in this schema version that
        were not created (the dump may have been cut before them), or created and not finished."""
        version = self.version
        expected = [t for t in WANTED if reads_table(t, version) and not (version != "1.1" and t in V11_ONLY)]
        lost = [f"`{t}` (never created)" for t in expected if t not in self.columns]
        made = [t for t in self.columns if t in stream.created or t in stream.transformed]
        return lost + [f"`{t}`" for t in made if t not in stream.closed]


def find_database(conn, database: str | None) -> str:
    """The database holding the dump: the one named, or the only one with a `repository` table."""
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
        if found:
            raise HFCommunityError(
                f"several databases have a `repository` table ({', '.join(found)}): choose one with --database"
            )
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
