"""Benchmark: an HFCommunity dump at the scale of October 2023, loaded into MariaDB and imported.

    .venv/bin/python bench/bench_hfcommunity.py                       # the October 2023 scale
    .venv/bin/python bench/bench_hfcommunity.py --models 20000 --commits 200000 --datasets 4000 \\
        --spaces 9000 --discussions 5000                              # a quick run

Steps, each timed:

1. generate: a synthetic snapshot (``analysis.sources.synth``) with about 400,000 models, 80,000
   datasets, 180,000 spaces, 4,000,000 commits and 100,000 discussions, written as an
   HFCommunity dump (``fakehub.hfcommunity_dump``; schema v1.0, as the October 2023 dump, or
   ``--schema 1.1``) compressed as a ``.zip``; not part of the end-to-end time;
2. load: a private MariaDB server started on a fresh folder, the dump loaded into it (the same
   code as ``make hfcommunity``);
3. import: ``analysis.sources.hfcommunity.import_database`` in a child process, whose own peak
   RSS (sampled every 0.1 s) is the importer's memory.

Targets (issue 16): load + import under 20 minutes, importer under 4 GB, on the 2-core machine.
Everything goes to a temporary folder, removed afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.memory import PeakMemory  # noqa: E402


def child_import(socket: str, out: str) -> None:
    from analysis.sources import hfcommunity

    t0 = time.perf_counter()
    # sampled, not ru_maxrss: Linux carries the parent's high-water mark over fork and exec
    with PeakMemory(interval=0.1, children=False) as mem:
        connect, _, where = hfcommunity.connector(socket=socket)
        snap = hfcommunity.import_database(connect, Path(out), where=where)
    wall = time.perf_counter() - t0
    peak = mem.peak
    rows = {t: snap.rows(t) for t in snap.manifest["tables"]}
    print(json.dumps({"seconds": wall, "peak": peak, "rows": rows}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=int, default=400_000)
    ap.add_argument("--datasets", type=int, default=80_000)
    ap.add_argument("--spaces", type=int, default=180_000)
    ap.add_argument("--commits", type=int, default=4_000_000)
    ap.add_argument("--discussions", type=int, default=100_000)
    ap.add_argument("--schema", choices=("1.0", "1.1"), default="1.0")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dir", default=None, help="work folder (default: a temporary folder under /tmp)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--dump", default=None, help="load this dump (written by an earlier run) instead of generating one")
    ap.add_argument("--child-import", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child_import:
        child_import(*a.child_import)
        return 0

    from analysis.sources import synth
    from analysis.sources.hfcommunity import LOAD_DB
    from analysis.sources.mariadb import Server, load_dump
    from fakehub.hfcommunity_dump import write_dump

    work = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="bench-hfc-", dir="/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder {work}; {os.cpu_count()} cores")
    try:
        t_synth = t_dump = 0.0
        if a.dump:
            dump = Path(a.dump)
            print(f"generate: skipped, loading {dump} ({dump.stat().st_size / 2**20:,.0f} MB)")
        else:
            t0 = time.perf_counter()
            snap = synth.generate(
                work / "synthetic",
                models=a.models,
                datasets=a.datasets,
                spaces=a.spaces,
                commits=a.commits,
                discussions=a.discussions,
                seed=a.seed,
            )
            t_synth = time.perf_counter() - t0
            print(
                f"generate: synthetic snapshot in {t_synth:.0f} s: "
                + ", ".join(
                    f"{t} {snap.rows(t):,}"
                    for t in ("models", "datasets", "spaces", "commits", "discussions", "space_models")
                )
            )
            t0 = time.perf_counter()
            with PeakMemory(interval=0.5, children=False) as mem_w:
                dump = write_dump(snap, work / "dump_20231009.zip", version=a.schema)
            t_dump = time.perf_counter() - t0
            print(
                f"generate: dump (schema v{a.schema}) {dump.stat().st_size / 2**20:,.0f} MB zipped in {t_dump:.0f} s (peak RSS {mem_w.peak / 2**30:.2f} GB)"
            )
            shutil.rmtree(work / "synthetic")
        t0 = time.perf_counter()
        server = Server(work / "server")
        server.start()
        try:
            import psutil

            srv_peak = [0]

            def sample_server():
                try:
                    srv_peak[0] = max(srv_peak[0], psutil.Process(server.proc.pid).memory_info().rss)
                except Exception:
                    pass

            import threading

            stop = threading.Event()

            def watch():
                while not stop.wait(1.0):
                    sample_server()

            th = threading.Thread(target=watch, daemon=True)
            th.start()
            got = load_dump(server, dump, "hfcommunity", progress=False)
            conn = server.connect()
            with conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE `{LOAD_DB}`")
                cur.execute(f"CREATE TABLE `{LOAD_DB}`.load_info (started DATETIME, info LONGTEXT, complete INT)")
                info = {"file": dump.name, "bytes": got["bytes"], "sha256": got["sha256"], "date": "2023-10-09"}
                cur.execute(f"INSERT INTO `{LOAD_DB}`.load_info VALUES (UTC_TIMESTAMP(), %s, 1)", (json.dumps(info),))
            conn.commit()
            conn.close()
            t_load = time.perf_counter() - t0
            db_bytes = sum(p.stat().st_size for p in server.datadir.rglob("*") if p.is_file())
            print(f"load: the loaded database takes {db_bytes / 2**30:.1f} GB on disk")
            print(
                f"load: server started and dump loaded in {t_load:.0f} s (mariadbd peak RSS {srv_peak[0] / 2**30:.2f} GB)"
            )

            t0 = time.perf_counter()
            res = subprocess.run(
                [sys.executable, __file__, "--child-import", str(server.socket), str(work / "snapshot")],
                capture_output=True,
                text=True,
            )
            t_import = time.perf_counter() - t0
            stop.set()
            if res.returncode != 0:
                print(res.stderr[-3000:])
                return 1
            r = json.loads(res.stdout.strip().splitlines()[-1])
        finally:
            server.stop()
        print(
            f"import: {r['seconds']:.0f} s in the importer ({t_import:.0f} s with the process start); importer peak RSS {r['peak'] / 2**30:.2f} GB (target < 4 GB)"
        )
        for t, n in r["rows"].items():
            print(f"  {t:<14} {n:>12,} rows")
        total = t_load + t_import
        print(
            f"\nend to end (load + import): {total:.0f} s = {total / 60:.1f} min (target < 20 min); generation {(t_synth + t_dump) / 60:.1f} min besides"
        )
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
