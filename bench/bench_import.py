"""Benchmark: importing the 760,000 real model records, against pandas.read_json.

    .venv/bin/python bench/bench_import.py [--skip-pandas] [--full]

Each measurement runs in its own child process, so that its peak RSS
(``resource.getrusage``) is its own:

1. ``analysis.sources.importer.import_records`` on ``hub-2024-07/models.jsonl.gz``
   (parse, normalise, write the Parquet snapshot, validate it);
2. ``pandas.read_json(models.jsonl.gz, lines=True)`` on the same file (parse
   only: no normalisation, nothing written);
3. loading the imported ``models`` table back (``open_snapshot`` with checksums,
   then ``Snapshot.table("models")`` as pandas, every column including the tag
   lists), three times in fresh processes: best and median are printed;
4. with ``--full``: the whole shared import (``make import-shared``'s sources).

Targets (issue 2): importer at least 2x faster than pandas with peak memory
below 2 GB; loading the models table back under 3 s. Needs ../shared/data.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import paths  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(task: str, src: str, out: str) -> None:
    if task == "importer":
        from analysis.sources.importer import import_records

        t0 = time.perf_counter()
        snap = import_records([Path(src)], Path(out), progress=False)
        rows = snap.rows("models")
    elif task == "full":
        from analysis.sources.importer import import_records

        t0 = time.perf_counter()
        snap = import_records([Path(s) for s in src.split(",")], Path(out), progress=False)
        rows = sum(snap.rows(t) for t in ("models", "datasets", "commits"))
    elif task == "pandas":
        import pandas as pd

        t0 = time.perf_counter()
        rows = len(pd.read_json(src, lines=True))
    elif task == "load":
        from analysis.snapshot import open_snapshot

        t0 = time.perf_counter()
        df = open_snapshot(out).table("models")
        rows = len(df)
    else:
        raise SystemExit(f"unknown task {task}")
    print(json.dumps({"task": task, "seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "rows": rows}))


def run(task: str, src: str, out: str) -> dict:
    r = subprocess.run([sys.executable, __file__, "--child", task, src, out], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"error: {task} failed: {r.stderr.strip().splitlines()[-1:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--child", nargs=3, metavar=("TASK", "SRC", "OUT"), help=argparse.SUPPRESS)
    p.add_argument("--skip-pandas", action="store_true")
    p.add_argument("--full", action="store_true", help="also time the whole shared import")
    args = p.parse_args()
    if args.child:
        child(*args.child)
        return 0
    data = paths.shared_data()
    models = data / "hub-2024-07" / "models.jsonl.gz"
    if not models.exists():
        print(f"skip: {models} not available")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        out = str(Path(tmp) / "models-import")
        res = {"importer": run("importer", str(models), out)}
        # the machine is shared: loading is timed three times, each in a fresh process
        loads = [run("load", "", out) for _ in range(3)]
        res["load"] = min(loads, key=lambda r: r["seconds"])
        load_all = sorted(r["seconds"] for r in loads)
        if not args.skip_pandas:
            res["pandas"] = run("pandas", str(models), "")
        if args.full:
            srcs = ",".join(str(data / d) for d in ("hub-2024-07", "model-commits-2024-09"))
            res["full"] = run("full", srcs, str(Path(tmp) / "full-import"))
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print(f"{'step':<44} {'rows':>9} {'seconds':>8} {'peak RSS MB':>12}")
    labels = {
        "importer": "importer: models.jsonl.gz -> snapshot",
        "pandas": "pandas.read_json(lines=True), same file",
        "load": "load the imported models table (best of 3)",
        "full": "full shared import (4 files)",
    }
    for k, r in res.items():
        print(f"{labels[k]:<44} {r['rows']:>9,} {r['seconds']:>8.2f} {r['peak_mb']:>12,.0f}")
    imp, load = res["importer"], res["load"]
    ok = True
    if "pandas" in res:
        ratio = res["pandas"]["seconds"] / imp["seconds"]
        good = ratio >= 2
        ok &= good
        print(f"speed-up over pandas: {ratio:.1f}x (target >= 2x) {'PASS' if good else 'FAIL'}")
    good = imp["peak_mb"] < 2048
    ok &= good
    print(f"importer peak memory: {imp['peak_mb']:,.0f} MB (target < 2,048 MB) {'PASS' if good else 'FAIL'}")
    good = load["seconds"] < 3
    ok &= good
    print(
        f"load models table: {load['seconds']:.2f} s best, {load_all[1]:.2f} s median of 3 "
        f"(target < 3 s) {'PASS' if good else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
