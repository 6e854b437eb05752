"""A dump loaded into its own private MariaDB server, once (:func:`loaded_server`).

The server lives in ``data/hfcommunity/<dump id>/`` (:data:`HFC_DATA`); ``load.json`` there says
which file was loaded and whether the load finished, so that a rerun reuses a complete load and
redoes one that did not finish. Before any server starts, the file's first megabyte is checked
(:func:`precheck`) and so is the free disk space (:func:`space_needed`). The load itself is
:func:`analysis.sources.mariadb.load_dump`, with the schema checks of :class:`.schema.DdlCheck`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.sources.hfcommunity import commit_repo
from analysis.sources.hfcommunity.dumps import dump_facts, dump_id
from analysis.sources.hfcommunity.schema import AFTER_LOAD, LOAD_DB, DdlCheck, HFCommunityError
from analysis.sources.mariadb import Server, check_head, free_bytes, load_dump, open_dump, statement_error

#: where ``--dump`` keeps its servers: data/hfcommunity/<dump id>/
HFC_DATA = paths.HFCOMMUNITY
#: the loaded database's size on disk per byte of SQL text, and what the server needs besides (a
#: rough upper bound: InnoDB pages, the keys, and the tables that are not loaded counted too)
DISK_PER_SQL_BYTE = 1.3
#: the SQL text per byte of a compressed dump whose container does not say its size
SQL_PER_COMPRESSED_BYTE = 6
#: what the load record keeps of :func:`~analysis.sources.mariadb.load_dump`'s answer
_LOAD_KEYS = (
    "bytes",
    "sha256",
    "kind",
    "member",
    "order",
    "completed_on",
    "trailer",
    "loaded",
    "skipped",
    "duplicates",
)


def _state(root: Path) -> dict[str, Any]:
    try:
        return json.loads((root / "load.json").read_text())
    except (OSError, ValueError):
        return {}


def _write_state(root: Path, state: dict[str, Any]) -> None:
    tmp = root / "load.json.tmp"
    try:
        tmp.write_text(json.dumps(state, indent=2) + "\n")
        os.replace(tmp, root / "load.json")
    except OSError as exc:
        full = exc.errno == 28
        raise HFCommunityError(
            f"{root / 'load.json'}: cannot write the load's state ({exc.strerror})"
            + (
                f"; the disk is full ({free_bytes(root) / 2**20:,.0f} MB free): free space and load again"
                if full
                else ""
            )
        ) from None


def _fingerprint(path: Path) -> dict[str, Any]:
    s = path.stat()
    return {"file": path.name, "bytes": s.st_size, "mtime_ns": s.st_mtime_ns}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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


def _check_space(dump: Path, root: Path, head: dict[str, Any], need: int) -> None:
    free = free_bytes(root)
    if free < need:
        raise HFCommunityError(
            f"{root}: {_mb(free)} free, and loading {dump.name} needs about {_mb(need)} (estimated from the "
            f"dump's size: {_mb(head.get('sql_bytes') or dump.stat().st_size)}"
            f"{'' if head.get('sql_bytes') else ' compressed'}); free space there or give --data-dir on another disk"
        )


def _run(server: Server, dump: Path, doing: str, statements: list[tuple[str, tuple]], database: str | None = None):
    """The loader's own statements, in one transaction; a failure (a full disk above all) in one line."""
    import pymysql

    conn = server.connect(database)
    try:
        with conn.cursor() as cur:
            for sql, args in statements:
                cur.execute(sql, args or None)
        conn.commit()
    except pymysql.MySQLError as exc:
        raise statement_error(str(dump), server, exc, doing) from None
    finally:
        conn.close()


def _start_record(server: Server, dump: Path) -> None:
    """The loader's record in the server: this dump, not complete (until :func:`_finish_record`)."""
    _run(
        server,
        dump,
        "writing the load record",
        [
            (f"CREATE DATABASE IF NOT EXISTS `{LOAD_DB}`", ()),
            (f"CREATE TABLE `{LOAD_DB}`.load_info (started DATETIME, info LONGTEXT, complete INT)", ()),
            (f"INSERT INTO `{LOAD_DB}`.load_info VALUES (UTC_TIMESTAMP(), %s, 0)", (json.dumps(dump_facts(dump)),)),
        ],
    )


def _finish_record(server: Server, dump: Path, got: dict[str, Any], facts: dict[str, Any]) -> None:
    """The keys the importer's queries use built, and the load recorded as complete."""
    keys = [(ddl, ()) for table, ddl in AFTER_LOAD.items() if table in got["loaded"]]
    _run(server, dump, "building the keys the importer uses", keys, "hfcommunity")
    update = f"UPDATE `{LOAD_DB}`.load_info SET info = %s, complete = 1"
    _run(server, dump, "recording the load as complete", [(update, (json.dumps(facts),))])


def _load(server: Server, dump: Path, progress: bool | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load ``dump`` into the running server; returns what the load read and the dump's facts."""
    _start_record(server, dump)
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
        transform=check.transform,
    )
    if check.convert:  # rows of commit_repo met twice are the same pair, not the dump's duplicates
        got["duplicates"].pop(commit_repo.TABLE, None)
        if check.link.repeated_files:
            got["duplicates"]["file"] = check.link.repeated_files
        got["commit_repo"] = check.link.summary()
    if "repository" not in got["loaded"]:
        raise HFCommunityError(
            f"{dump}: no table `repository` (required: HFCommunity's table of repositories) among the dump's "
            f"tables ({', '.join(sorted(check.columns)[:8]) or 'none'}); the dump is of another schema"
        )
    facts = dump_facts(dump) | {k: got[k] for k in _LOAD_KEYS} | {"schema_ddl": check.version}
    facts["skipped"] = sorted(got["skipped"])
    if facts["date"] is None and got["completed_on"]:
        facts["date"] = got["completed_on"]
    _finish_record(server, dump, got, facts)
    return got, facts


def _summary(dump: Path, server: Server, got: dict[str, Any], state: dict[str, Any]) -> str:
    dup = got.get("duplicates") or {}
    return (
        f"{dump.name}: loaded in {got['seconds']:,.0f} s ({_mb(state['disk_bytes'])} on disk in {server.datadir}): "
        f"{', '.join(got['loaded'])}; not loaded (not read by the importer): {', '.join(state['skipped']) or 'none'}"
        + (f"; {got['commit_repo']}" if got.get("commit_repo") else "")
        + (f"; {got['order']}: {got['member']}" if got["order"] else "")
        + ("; no closing '-- Dump completed' line (trailer: absent)" if got["trailer"] == "absent" else "")
        + (
            "; rows repeating a primary key (the first kept): "
            + ", ".join(f"{t} {n:,}" for t, n in sorted(dup.items()))
            if dup
            else ""
        )
    )


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
    _check_space(dump, root, head, need)
    state = {**fp, "state": "loading", "started": _now()}
    _write_state(root, state)
    server.start()
    try:
        got, facts = _load(server, dump, progress)
        state = {**state, **facts, "state": "complete", "finished": _now(), "load_seconds": got["seconds"]}
        state["disk_bytes"] = sum(p.stat().st_size for p in server.datadir.rglob("*") if p.is_file())
        _write_state(root, state)
    except BaseException:
        server.stop()
        raise
    log(_summary(dump, server, got, state))
    return server, state
