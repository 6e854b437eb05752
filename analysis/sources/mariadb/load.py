"""A dump loaded into a running :class:`~.server.Server` through the ``mariadb`` client
(:func:`load_dump`), with a progress bar (rate and time left) over the bytes of the file.

The statements pass through :class:`~.statements.SqlStream` (only the tables wanted, each
``CREATE TABLE`` checked before its rows). A dump cut in the middle of a statement, a disk that
fills, or an SQL error is a :class:`~.containers.DumpError` in one line naming the file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.sources.mariadb.containers import CHUNK, DumpError, check_head, open_dump
from analysis.sources.mariadb.server import Server, binaries
from analysis.sources.mariadb.statements import SqlStream, duplicates_in

#: the last line mariadb-dump writes (absent from a cut dump, or one written with --skip-comments)
DUMP_TRAILER = re.compile(rb"-- Dump completed(?: on (\d{4}-\d{2}-\d{2}))?")
#: the server's words for a full disk (errno 28 ENOSPC, 135 in InnoDB's numbering, table full)
_FULL = re.compile(r"[Ee]rr(?:code|no):? (?:28|135)\b|No space left|is full|No more room|[Dd]isk full")
#: the warnings the server keeps of one statement (its most): duplicates beyond it in one statement go uncounted
MAX_WARNINGS = 65535


def free_bytes(folder: Path) -> int:
    while not folder.exists():
        folder = folder.parent
    return shutil.disk_usage(folder).free


def _client(server: Server, database: str, err, out) -> subprocess.Popen:
    """The ``mariadb`` client reading SQL from its stdin into ``database``: unique checks on (see
    :class:`SqlStream`'s ``count_duplicates``), every warning of a statement shown on ``out``."""
    return subprocess.Popen(
        [
            binaries()["client"],
            "--no-defaults",
            f"--socket={server.socket}",
            f"--user={server.os_user}",
            f"--database={database}",
            "--binary-mode",
            "--show-warnings",
            "--max-allowed-packet=1G",
            "--default-character-set=utf8mb4",
            "--init-command=SET SESSION foreign_key_checks=0, unique_checks=1, sql_log_bin=0, time_zone='+00:00', "
            f"max_error_count={MAX_WARNINGS}",
        ],
        stdin=subprocess.PIPE,
        stdout=out,
        stderr=err,
    )


def _pump(path: Path, dump, sql: SqlStream, client: subprocess.Popen) -> int:
    """The dump's statements, filtered, into the client; returns the client's exit status."""
    first = True
    try:
        while True:
            block = dump.stream.read(CHUNK)
            if first:
                first = False
                check_head(path, block)
            if not block:
                break
            data = sql.feed(block)
            if data:
                try:
                    client.stdin.write(data)
                except BrokenPipeError:
                    sql.feeding_stopped = True  # the client stopped at an error: reported by the caller
                    break
        data = sql.finish()
        try:
            if data:
                client.stdin.write(data)
            client.stdin.close()
        except BrokenPipeError:
            pass
        return client.wait()
    except BaseException:
        client.kill()
        client.wait()
        raise


def _client_error(where: str, server: Server, message: str) -> DumpError:
    """The client's error as one line: a full disk, SQL that is not a dump's, or the error itself."""
    lines = message.splitlines()
    line = next((x for x in lines if x.startswith("ERROR")), lines[0])
    m = re.match(r"ERROR (\d+) \(\w+\) at line (\d+)(?: in file: '.*?')?: (.*)", line)
    free = free_bytes(server.datadir)
    full = _FULL.search(line)
    if (m and m.group(1) in ("1114", "1021")) or full or free < (16 << 20):
        return DumpError(
            f"{where}: the disk of {server.datadir} is full ({free / 2**20:,.0f} MB free): "
            f"{m.group(3)[:120] if m else line[:120]}; free space (see make hfcommunity's estimate) and load again"
        )
    if m and m.group(1) in ("1064",):
        return DumpError(f"{where}: not a loadable MariaDB dump: SQL error at line {m.group(2)}: {m.group(3)[:160]}")
    if m:
        return DumpError(f"{where}: loading failed at line {m.group(2)}: ERROR {m.group(1)}: {m.group(3)[:200]}")
    return DumpError(f"{where}: loading failed: {line[:200]}")


def statement_error(where: str, server: Server, exc: Exception, doing: str) -> DumpError:
    """A statement the loader runs itself (through PyMySQL) that failed, in one line: a full disk
    (whatever the statement: the load record, the keys built after the load) or the server's error."""
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    text = str(exc.args[-1] if exc.args else exc).replace("\n", " ")
    free = free_bytes(server.datadir)
    if code in (1021, 1114, 3) or _FULL.search(text) or free < (16 << 20):
        return DumpError(
            f"{where}: the disk of {server.datadir} is full ({free / 2**20:,.0f} MB free) while {doing}: "
            f"{text[:120]}; free space (see make hfcommunity's estimate) and load again"
        )
    return DumpError(f"{where}: {doing} failed: {f'ERROR {code}: ' if code else ''}{text[:200]}")


def _check_finished(where: str, server: Server, sql: SqlStream, code: int, message: str, need_tables) -> None:
    """Refuse a dump cut short, a failed client, or a dump without a trailer that did not finish."""
    if not sql.complete and not sql.feeding_stopped:
        raise DumpError(f"{where}: truncated: the dump ends in the middle of a statement")
    if code != 0 and message:
        raise _client_error(where, server, message)
    if code != 0:
        raise DumpError(f"{where}: the mariadb client exited with status {code}")
    if sql.trailer is None:
        unfinished = need_tables(sql) if need_tables else ["(no check of the tables given)"]
        if unfinished:
            raise DumpError(
                f"{where}: truncated: the dump ends without the closing '-- Dump completed' line that "
                f"mariadb-dump writes last, and {', '.join(unfinished)} did not finish"
            )


def _progress_bar(path: Path, size: int, progress: bool | None):
    from tqdm import tqdm

    return tqdm(
        total=size,
        unit="B",
        unit_scale=True,
        desc=f"load {path.name}",
        disable=(None if progress is None else not progress),
        file=sys.stderr,
        leave=False,
    )


def load_dump(
    server: Server,
    path: str | os.PathLike,
    database: str,
    *,
    progress: bool | None = None,
    keep: Callable[[str], bool] = lambda t: True,
    on_create: Callable[[str, dict[str, str]], None] = lambda t, c: None,
    rewrite: Callable[[str, bytes], bytes] = lambda t, stmt: stmt,
    need_tables: Callable[[SqlStream], list[str]] | None = None,
    transform: Callable[[str], Any] = lambda t: None,
) -> dict[str, Any]:
    """Load dump ``path`` into ``database`` (created if needed), passing only the tables ``keep``
    accepts. Returns what was read: ``bytes``, ``sha256``, ``kind``, ``member`` (archives),
    ``order`` (several members), ``completed_on`` (the trailer's date), ``trailer`` (``present`` or
    ``absent``), ``loaded`` and ``skipped`` (tables), ``duplicates`` (per table, the rows that
    repeated a primary key and were not loaded: the first row is kept), ``seconds``.

    A dump without the closing ``-- Dump completed`` line (``--skip-comments``) is accepted when it
    ended after a whole statement and ``need_tables(stream)`` (the tables that must have been
    created and filled) names none that was not; without ``need_tables`` it is refused.
    ``transform`` (see :class:`~.statements.SqlStream`) gives the tables read by a function of the
    caller's in place of the server (``transformed``: their bytes)."""
    path = Path(path)
    if not path.is_file():
        raise DumpError(f"{path}: no such file")
    size = path.stat().st_size
    bar = _progress_bar(path, size, progress)
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4")
    finally:
        conn.close()
    t0 = time.monotonic()
    dump = open_dump(path, lambda pos: bar.update(min(pos, size) - bar.n))
    where = f"{path}" + (f" ({', '.join(dump.members)})" if dump.members else "")
    sql = SqlStream(keep, on_create, rewrite, count_duplicates=True, transform=transform)
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        try:
            code = _pump(path, dump, sql, _client(server, database, err, out))
        finally:
            bar.close()
            dump.close()
        err.seek(0)
        message = err.read().decode("utf-8", "replace").strip()
        _check_finished(where, server, sql, code, message, need_tables)
        out.seek(0)
        duplicates = duplicates_in(out)
    trailer = DUMP_TRAILER.search(sql.trailer or b"")
    return {
        "bytes": size,
        "sha256": dump.sha256(),
        "kind": dump.kind,
        "member": ", ".join(dump.members) or None,
        "order": dump.order or None,
        "completed_on": trailer.group(1).decode() if trailer and trailer.group(1) else None,
        "trailer": "present" if sql.trailer is not None else "absent",
        "loaded": list(sql.created),
        "skipped": {t: n for t, n in sorted(sql.skipped.items()) if t not in sql.transformed},
        "transformed": {t: n for t, n in sorted(sql.transformed.items())},
        "duplicates": duplicates,
        "dropped": dict(sql.dropped),
        "seconds": round(time.monotonic() - t0, 1),
    }
