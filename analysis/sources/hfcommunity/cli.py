"""``python -m analysis import-hfcommunity``: a dump file loaded into a private server and
imported (``--dump``, what ``make hfcommunity`` runs), or a running server imported
(``--socket``, ``--url``); every known error is one line."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from analysis import paths
from analysis.cli import OneLineParser
from analysis.snapshot import SnapshotError, is_complete
from analysis.snapshot.schema import SCHEMAS
from analysis.sources.hfcommunity.load import loaded_server
from analysis.sources.hfcommunity.schema import HFCommunityError
from analysis.sources.hfcommunity.to_snapshot import connector, import_database
from analysis.sources.mariadb import DumpError, ServerError


def parser() -> OneLineParser:
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
    return p


def _out_for_dump(a, state: dict) -> Path | None:
    """The snapshot folder for ``--dump``; None when a complete snapshot of this very file is there."""
    date = a.dump_date or state.get("date")
    if not date:
        raise HFCommunityError(
            f"{a.dump}: the dump's date is not in its name or last line: give --dump-date YYYY-MM-DD"
        )
    out = Path(a.out_dir) if a.out_dir else paths.SNAPSHOTS / f"hfcommunity-{date}"
    if not is_complete(out):
        return out
    prev = json.loads((out / "manifest.json").read_text())
    if (prev.get("source", {}).get("parameters", {}).get("dump") or {}).get("sha256") == state.get("sha256"):
        print(f"{out}: already a complete snapshot of {Path(a.dump).name}; nothing to do")
        return None
    raise HFCommunityError(f"{out}: a complete snapshot of another source exists there; give a new OUT_DIR")


def _progress_bar(progress: bool | None):
    if progress is not None or not sys.stderr.isatty():
        return None

    def bar(msg: str) -> None:
        print(f"\r  {msg:<40}", end="", file=sys.stderr, flush=True)

    return bar


def _report(snap, where: str, seconds: float) -> None:
    params = snap.manifest["source"]["parameters"]
    print(
        f"imported {snap.id} ({snap.date}) from {params['dump'].get('file') or where} into {snap.path} in {seconds:.0f} s"
    )
    missing = ", ".join(params["missing_tables"] + params["missing_columns"]) or "nothing the importer reads"
    print(f"  schema v{params['schema_version']}; not in the dump: {missing}")
    for name in SCHEMAS:
        print(f"  {name:<14} {snap.rows(name):>12,} rows  ({snap.coverage(name).get('scope')})")


def _run(a, progress: bool | None, servers: list) -> int:
    if a.dump:
        server, state = loaded_server(a.dump, root=a.data_dir, progress=progress)
        servers.append(server)
        if a.load_only:
            print(f"{Path(a.dump).name}: loaded; server folder {server.root}")
            return 0
        connect, database, _ = connector(socket=str(server.socket))
        where = "private server (unix socket)"
        out = _out_for_dump(a, state)
        if out is None:
            return 0
    else:
        if not a.out_dir:
            raise HFCommunityError("OUT_DIR is required with --socket or --url")
        connect, database, where = connector(socket=a.socket, url=a.url)
        out = Path(a.out_dir)
    t0 = dt.datetime.now()
    bar = _progress_bar(progress)
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
    _report(snap, where, (dt.datetime.now() - t0).total_seconds())
    return 0


def main(argv: list[str]) -> int:
    try:
        a = parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    servers: list = []
    try:
        return _run(a, False if a.no_progress else None, servers)
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
        for server in servers:
            server.stop()
