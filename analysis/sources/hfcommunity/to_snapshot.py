"""An HFCommunity database, on a running server, read into a new snapshot (:func:`import_database`):
connect (:func:`connector`), find the database and its schema version, run each table's reader
(:mod:`.tables`), then write the coverage, the ``fetch_log`` and the manifest's notes."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from analysis.snapshot import Snapshot, SnapshotWriter, open_snapshot
from analysis.sources.hfcommunity.coverage import build_coverage, known_traps, repo_coverage
from analysis.sources.hfcommunity.dumps import LICENSE, PROJECT_URL
from analysis.sources.hfcommunity.schema import HFCommunityError, detect_schema, find_database, load_record
from analysis.sources.hfcommunity.tables import (
    Stats,
    read_commits,
    read_discussions,
    read_owners,
    read_repos,
    read_space_models,
)

#: what the manifest records of the dump (from the loader's record and the file's name)
DUMP_KEYS = (
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
    "duplicates",
    "record_url",
    "license",
    "project",
)


def _conv() -> dict:
    from pymysql.constants import FIELD_TYPE
    from pymysql.converters import conversions

    conv = dict(conversions)
    for t in (FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP, FIELD_TYPE.DATE):
        conv[t] = str  # parsed by Arrow, a batch at a time
    return conv


def _url_kwargs(url: str | None) -> tuple[dict[str, Any], str | None, str]:
    u = urlparse(url or "")
    if u.scheme not in ("mysql", "mariadb"):
        raise HFCommunityError(f"--url {url!r}: expected mysql://user[:password]@host[:port]/database")
    q = parse_qs(u.query)
    kw: dict[str, Any] = {"user": unquote(u.username or getpass.getuser()), "password": unquote(u.password or "")}
    if "unix_socket" in q:
        kw["unix_socket"] = q["unix_socket"][0]
    else:
        kw["host"] = u.hostname or "localhost"
        kw["port"] = u.port or 3306
    where = f"mysql://{u.hostname or 'localhost'}" + (f":{u.port}" if u.port else "")  # never the password
    return kw, u.path.lstrip("/") or None, where


def connector(socket: str | None = None, url: str | None = None) -> tuple[Callable[[], Any], str | None, str]:
    """A function that opens a connection; the database named in the URL; how it is described."""
    import pymysql

    if socket:
        kw: dict[str, Any] = {"unix_socket": socket, "user": getpass.getuser()}
        where, database = f"unix socket {Path(socket).name}", None
    else:
        kw, database, where = _url_kwargs(url)

    def connect():
        try:
            return pymysql.connect(charset="utf8mb4", conv=_conv(), autocommit=True, **kw)
        except pymysql.MySQLError as exc:
            raise HFCommunityError(f"{where}: cannot connect ({exc.args[-1] if exc.args else exc})") from None

    return connect, database, where


def _loaded_completely(conn) -> dict[str, Any] | None:
    """The loader's record of the dump in this server; refused when the load did not finish."""
    record = load_record(conn)
    if record is not None and not record.get("complete"):
        raise HFCommunityError(
            f"the load of {record.get('file')} into this server did not finish; load it again (make hfcommunity DUMP=...)"
        )
    return record


def _dump_info(record: dict[str, Any] | None, dump: dict[str, Any] | None, dump_date: str | None) -> dict[str, Any]:
    """What is known of the dump (the loader's record, overridden by what is given), with its date."""
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
    return info


def _log_duplicates(st: Stats, info: dict[str, Any]) -> None:
    """A ``fetch_log`` row per table in which the load met rows repeating a primary key (kept: the first)."""
    for table, n in sorted((info.get("duplicates") or {}).items()):
        st.counts["import:duplicate_rows"] += n
        st.bad(
            "import",
            "duplicate",
            f"{n:,} rows of `{table}` repeat the primary key of a row loaded before them (equal under the table's "
            "collation, utf8mb4_general_ci: case and accents ignored); the first was kept, the others not imported",
            source=table,
        )


def _read_all(conn, schema: dict, writer: SnapshotWriter, st: Stats, progress) -> tuple[dict, dict[str, int]]:
    """Every reader in turn, then ``repo_coverage``; returns the Hub ids of each repository type and
    the repositories covered by each step."""
    per_repo = read_commits(conn, schema, writer, st, progress)
    per_disc = read_discussions(conn, schema, writer, st, progress)
    ids = read_repos(conn, schema, writer, st, per_repo, progress)
    per_space = read_space_models(conn, schema, writer, st)
    owners = {h.split("/", 1)[0] for v in ids.values() for h in v if "/" in h}
    read_owners(conn, schema, writer, st, owners)
    table, steps = repo_coverage(schema, per_repo, per_disc, per_space, ids)
    writer.write_table("repo_coverage", table)
    return ids, steps


def _notes(schema: dict, info: dict[str, Any]) -> list[str]:
    notes = [
        f"imported from the HFCommunity dump {info.get('file') or '(file not recorded)'} of {info['date']} "
        f"(schema v{schema['version']}; {LICENSE}, {PROJECT_URL})",
        "created_at is the first commit's date: HFCommunity records no creation date",
        "commit authors are git author names (one per commit), not Hub usernames",
    ]
    notes += known_traps(schema["version"], info)
    if dup := sum((info.get("duplicates") or {}).values()):
        notes.append(
            f"the dump repeats the primary key of {dup:,} rows (equal under utf8mb4_general_ci); the first of each "
            "was kept, and fetch_log counts the others per table"
        )
    missing = schema["missing_tables"] + schema["missing_columns"]
    if missing:
        notes.append(f"not in the dump: {', '.join(missing)}")
    return notes


def _write(
    conn, writer: SnapshotWriter, schema: dict, info: dict, *, database: str, where: str, given: bool, progress
) -> Stats:
    """Every table, the coverage, the source's parameters and the notes, then the manifest."""
    st = Stats()
    _log_duplicates(st, info)
    ids, steps = _read_all(conn, schema, writer, st, progress)
    writer.write_table("fetch_log", st.log)
    coverage = build_coverage(schema, st, ids, steps, info)
    writer.source_parameters = {
        "source": "hfcommunity",
        "importer": "analysis.sources.hfcommunity",
        "dump": {k: info.get(k) for k in DUMP_KEYS},
        "server": where,
        "database": database,
        "schema_version": schema["version"],
        "commit_link": schema["commit_link"],
        "missing_tables": schema["missing_tables"],
        "missing_columns": schema["missing_columns"],
        "snapshot_date_basis": "given (--dump-date)" if given else "the dump's date",
    }
    writer.finish(coverage, notes=_notes(schema, info))
    return st


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
                "SET SESSION time_zone = '+00:00', group_concat_max_len = 67108864, net_read_timeout = 3600, "
                "net_write_timeout = 3600"
            )
        record = _loaded_completely(conn)
        database = find_database(conn, database)
        schema = detect_schema(conn, database)
        info = _dump_info(record, dump, dump_date)
        conn.select_db(database)
        if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / "manifest.json").exists():
            raise HFCommunityError(f"{out_dir}: exists and is not a snapshot; give a new folder")
        with SnapshotWriter(
            out_dir,
            snapshot_id,
            snapshot_date=info["date"],
            source_kind="import",
            source_parameters={"source": "hfcommunity"},
        ) as writer:  # a failed import leaves nothing at out_dir
            st = _write(
                conn, writer, schema, info, database=database, where=where, given=bool(dump_date), progress=progress
            )
    finally:
        conn.close()
    snap = open_snapshot(out_dir)
    snap.stats = st  # type: ignore[attr-defined]
    return snap
