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
    args = ap.parse_args(argv)

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
