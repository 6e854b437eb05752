"""Benchmark: the Part I notebook (activity and licenses) at Hub scale.

Targets (issue 4):
- on the snapshot imported from ``../shared/data/hub-2024-07`` (760,000 models,
  175,000 datasets), ``book/part1_activity.ipynb`` executes under papermill in
  under 90 s with peak memory under 3 GB;
- on a 3,000,000-model synthetic snapshot (``analysis.sources.synth``), under 6 minutes
  and 8 GB.

The real-data snapshot is ``data/snapshots/hub-2024-07-import`` (``make
import-shared``) if present; otherwise it is imported into the work folder
first (not timed against the target). The synthetic snapshot is generated
into the work folder with ``python -m analysis synth --models N`` (not timed
against the target either). The work folder is removed afterwards unless
``--keep``.

Usage::

    .venv/bin/python bench/bench_part1.py                    # both
    .venv/bin/python bench/bench_part1.py --skip-synth       # real data only
    .venv/bin/python bench/bench_part1.py --synth-models 1000000 --skip-real

Prints, per snapshot: notebook wall time, peak RSS of the process tree
(this process plus the kernel, sampled every 0.1 s with psutil) and the
kernel's own high-water mark (``getrusage(RUSAGE_CHILDREN)``), against the
targets.

``--duckdb SNAPSHOT`` instead computes Part I's activity table (``tab-activity``: per repository
type and measure, N, mean, SD, median, p90, p99, max, % zero, top-1% and top-10% shares, Gini)
both ways on the same snapshot, side by side in one run (``--repeat`` times, alternating): the
project's ``activity.load`` + ``activity_table``, and the same numbers in DuckDB SQL straight from
the Parquet files. It asserts that the two agree (relative 1e-9) and prints each one's best time
and the ratio (issue 31's target: the project at most 1.5 times DuckDB). DuckDB is a dependency of
this benchmark only, not of the project: ``.venv/bin/pip install duckdb==2.0.0`` first.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import paths  # noqa: E402
from analysis.memory import PeakMemory  # noqa: E402

NOTEBOOK = paths.BOOK / "part1_activity.ipynb"
PY = sys.executable
GB = 1024**3


def run_notebook(snapshot: Path, out: Path) -> dict:
    import papermill as pm

    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with PeakMemory(interval=0.1) as peak:
        pm.execute_notebook(
            str(NOTEBOOK),
            str(out / "part1_activity.ipynb"),
            parameters=dict(snapshot_dir=str(snapshot), output_dir=str(out)),
            kernel_name="python3",
            cwd=str(out),
            progress_bar=False,
        )
    wall = time.perf_counter() - t0
    kernel_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"wall_s": wall, "tree_peak_bytes": peak.peak, "children_maxrss_bytes": kernel_max}


def _run(cmd: list[str], what: str) -> float:
    print(f"  {what}: {' '.join(cmd)}", flush=True)
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=str(ROOT))
    if res.returncode != 0:
        raise SystemExit(f"error: {what} failed (exit {res.returncode})")
    return time.perf_counter() - t0


def report(name: str, r: dict, max_s: float, max_gb: float) -> bool:
    ok = r["wall_s"] < max_s and r["tree_peak_bytes"] < max_gb * GB
    print(f"  notebook wall time     {r['wall_s']:8.1f} s   (target < {max_s:.0f} s)")
    print(f"  peak RSS (tree)        {r['tree_peak_bytes'] / GB:8.2f} GB  (target < {max_gb:.0f} GB)")
    print(f"  kernel max RSS         {r['children_maxrss_bytes'] / GB:8.2f} GB  (getrusage, largest child so far)")
    print(f"  {name}: {'PASS' if ok else 'FAIL'}", flush=True)
    return ok


# --------------------------------------------------------------------------- #
# the activity table, the project's way and DuckDB's
# --------------------------------------------------------------------------- #

#: One repository type's per-repository measures in DuckDB SQL (``{listing}``, ``{commits}``,
#: ``{discussions}``, ``{coverage}``: the Parquet files; ``{t}``: the repository type). Counts are
#: NULL where the collection step did not cover the repository, as in the project.
PER_REPO_SQL = """
WITH listing AS (SELECT id, likes::DOUBLE AS likes, downloads::DOUBLE AS downloads FROM read_parquet('{listing}')),
cov_c AS (SELECT DISTINCT repo_id FROM read_parquet('{coverage}') WHERE step = 'commits' AND repo_type = '{t}'),
cov_d AS (SELECT DISTINCT repo_id FROM read_parquet('{coverage}') WHERE step = 'discussions' AND repo_type = '{t}'),
c AS (SELECT repo_id, count(*) AS n FROM read_parquet('{commits}') WHERE repo_type = '{t}' GROUP BY repo_id),
ca AS (
    SELECT repo_id, count(DISTINCT a) AS n
    FROM (SELECT repo_id, unnest(authors) AS a FROM read_parquet('{commits}') WHERE repo_type = '{t}')
    WHERE a IS NOT NULL AND a <> 'system' GROUP BY repo_id
),
d AS (
    SELECT repo_id, count(*) AS n,
           count(DISTINCT CASE WHEN author <> 'system' THEN author END) AS authors
    FROM read_parquet('{discussions}') WHERE repo_type = '{t}' GROUP BY repo_id
)
SELECT
    l.likes, l.downloads,
    CASE WHEN cov_c.repo_id IS NOT NULL THEN coalesce(c.n, 0)::DOUBLE END AS commits,
    CASE WHEN cov_c.repo_id IS NOT NULL THEN coalesce(ca.n, 0)::DOUBLE END AS commit_authors,
    CASE WHEN cov_d.repo_id IS NOT NULL THEN coalesce(d.n, 0)::DOUBLE END AS discussions,
    CASE WHEN cov_d.repo_id IS NOT NULL THEN coalesce(d.authors, 0)::DOUBLE END AS discussion_authors
FROM listing l
LEFT JOIN cov_c ON cov_c.repo_id = l.id LEFT JOIN cov_d ON cov_d.repo_id = l.id
LEFT JOIN c ON c.repo_id = l.id LEFT JOIN ca ON ca.repo_id = l.id LEFT JOIN d ON d.repo_id = l.id
"""

#: The summary of every measure of the per-repository table ``per_repo`` (unpivoted).
SUMMARY_SQL = """
WITH v AS (
    SELECT measure, x,
           row_number() OVER (PARTITION BY measure ORDER BY x) AS i,
           count(*) OVER (PARTITION BY measure) AS n,
           sum(x) OVER (PARTITION BY measure) AS total
    FROM (UNPIVOT per_repo ON likes, downloads, commits, commit_authors, discussions, discussion_authors
          INTO NAME measure VALUE x)
    WHERE x IS NOT NULL
)
SELECT measure, count(*) AS "N", avg(x) AS mean, stddev_samp(x) AS "SD",
       quantile_cont(x, 0.5) AS median, quantile_cont(x, 0.9) AS p90, quantile_cont(x, 0.99) AS p99,
       max(x) AS max, 100 * avg((x = 0)::DOUBLE) AS "% zero",
       100 * sum(CASE WHEN i > n - greatest(1, ceil(0.01 * n - 1e-9)) THEN x END) / any_value(total)
           AS "top 1% share (%)",
       100 * sum(CASE WHEN i > n - greatest(1, ceil(0.10 * n - 1e-9)) THEN x END) / any_value(total)
           AS "top 10% share (%)",
       sum((2 * i - n - 1) * x) / (any_value(n) * any_value(total)) AS "Gini"
FROM v GROUP BY measure
"""


def activity_by_duckdb(snap: Path):
    """``tab-activity``'s numbers computed by DuckDB from the snapshot's Parquet files."""
    import duckdb
    import pandas as pd

    from analysis.parts import activity
    from analysis.snapshot.schema import REPO_TABLES, table_file

    con = duckdb.connect()
    files = {k: str(snap / table_file(k)) for k in ("commits", "discussions", "repo_coverage")}
    frames = []
    for t, listing in REPO_TABLES.items():
        sql = PER_REPO_SQL.format(
            listing=snap / table_file(listing),
            commits=files["commits"],
            discussions=files["discussions"],
            coverage=files["repo_coverage"],
            t=t,
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE per_repo AS {sql}")
        out = con.execute(SUMMARY_SQL).df()
        out.insert(0, "repository type", t)
        frames.append(out)
    con.close()
    df = pd.concat(frames, ignore_index=True)
    df["measure"] = df["measure"].map(activity.MEASURE_LABELS)
    return df


def activity_by_project(snap: Path):
    from analysis.parts import activity
    from analysis.snapshot import open_snapshot

    return activity.activity_table(activity.load(open_snapshot(snap)))


def compare_activity(ours, theirs) -> int:
    """Rows compared; raises AssertionError where a number differs (relative 1e-9)."""
    import numpy as np

    from analysis.parts import activity

    ok = ours[ours["status"] == ""]
    theirs = theirs.set_index(["repository type", "measure"])
    for key in zip(ok["repository type"], ok["measure"]):
        assert key in theirs.index, f"DuckDB has no row for {key}"
        d = theirs.loc[key]
        for col in activity.SUMMARY_COLUMNS:
            a = float(ours.loc[(ours["repository type"] == key[0]) & (ours["measure"] == key[1]), col].iloc[0])
            b = float(d[col])
            assert (np.isnan(a) and np.isnan(b)) or np.isclose(a, b, rtol=1e-9, atol=1e-12), (key, col, a, b)
    return len(ok)


def duckdb_side_by_side(snap: Path, repeat: int) -> int:
    import os

    best = {"project": float("inf"), "duckdb": float("inf")}
    # one untimed run of each first: imports (pandas, scipy, DuckDB's extension) and the page cache
    compare_activity(activity_by_project(snap), activity_by_duckdb(snap))
    for r in range(repeat):
        for name, fn in (("project", activity_by_project), ("duckdb", activity_by_duckdb)):
            t0 = time.perf_counter()
            table = fn(snap)
            secs = time.perf_counter() - t0
            best[name] = min(best[name], secs)
            print(f"  run {r + 1} {name:8} {secs:7.2f} s  [load {os.getloadavg()[0]:.2f}]", flush=True)
            if name == "project":
                ours = table
            else:
                theirs = table
        rows = compare_activity(ours, theirs)
    ratio = best["project"] / best["duckdb"]
    print(f"  the {rows} rows of tab-activity with a status of ok agree (relative 1e-9)")
    print(
        f"  best of {repeat}: project {best['project']:.2f} s, DuckDB {best['duckdb']:.2f} s, ratio {ratio:.2f} "
        f"(target <= 1.5: {'ok' if ratio <= 1.5 else 'MISSED'})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--real",
        type=Path,
        default=paths.SNAPSHOTS / "hub-2024-07-import",
        help="imported real-data snapshot (imported into the work folder if absent)",
    )
    ap.add_argument("--synth-models", type=int, default=3_000_000)
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-synth", action="store_true")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--duckdb", type=Path, default=None, help="the activity table both ways on this snapshot")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if args.duckdb is not None:
        return duckdb_side_by_side(args.duckdb, args.repeat)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-part1-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"Part I notebook benchmark; work folder {work}; {psutil.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / GB:.0f} GB RAM"
    )
    results = []
    try:
        if not args.skip_real:
            print("\n[real data: hub-2024-07 import]")
            snap = args.real
            if not (snap / "manifest.json").exists():
                shared = paths.shared_data()
                if not (shared / "hub-2024-07").is_dir():
                    print(f"  skipped: no snapshot at {snap} and no shared data at {shared}")
                    snap = None
                else:
                    snap = work / "hub-2024-07-import"
                    t = _run(
                        [
                            PY,
                            "-m",
                            "analysis",
                            "import",
                            "--no-progress",
                            str(shared / "hub-2024-07"),
                            str(shared / "model-commits-2024-09"),
                            str(snap),
                        ],
                        "import",
                    )
                    print(f"  imported in {t:.1f} s (not part of the target)")
            if snap is not None:
                r = run_notebook(snap, work / "out-real")
                results.append(report("real data (760k models)", r, 90, 3))
        if not args.skip_synth:
            print(f"\n[synthetic: {args.synth_models:,} models]")
            snap = work / f"synth-{args.synth_models}"
            if not (snap / "manifest.json").exists():
                t = _run(
                    [PY, "-m", "analysis", "synth", "--quiet", "--models", str(args.synth_models), str(snap)],
                    "generate",
                )
                print(f"  generated in {t:.1f} s (not part of the target)")
            r = run_notebook(snap, work / "out-synth")
            results.append(report(f"synthetic ({args.synth_models:,} models)", r, 360, 8))
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
