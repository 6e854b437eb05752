"""Benchmark: Part V (the Hub over time) on the real import and on the 3,000,000-model synthetic Hub.

Target (issue 17): Part V adds under 20 s to the real-data book and under 60 s to the
3,000,000-model synthetic book. Executes ``book/part5_history.ipynb`` with papermill, as the
build does, on each snapshot that exists here (the real import from ``make import-shared``;
the cached synthetic snapshot of ``bench/bench_book.py --scale hub-2026``, from
``analysis.paths.bench_cache()`` where that exists, else ``--synthetic DIR``), and prints wall
time and peak memory of the kernel, with the machine's load average beside each.

Usage: ``.venv/bin/python bench/bench_history.py [--synthetic DIR]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from analysis import paths
from analysis.memory import PeakMemory

TARGETS = {"real": 20.0, "synthetic": 60.0}


def synthetic_default() -> Path | None:
    cache = getattr(paths, "bench_cache", None)
    if cache is None:
        return None
    root = Path(cache())
    found = sorted(root.glob("hub-2026-models3000000-seed1*")) if root.is_dir() else []
    return found[0] if found else None


def run(snapshot: Path) -> tuple[float, float]:
    import papermill

    with tempfile.TemporaryDirectory() as tmp, PeakMemory(interval=0.2) as mem:
        t0 = time.perf_counter()
        papermill.execute_notebook(
            str(paths.BOOK / "part5_history.ipynb"),
            str(Path(tmp) / "part5.ipynb"),
            parameters={"snapshot_dir": str(snapshot), "output_dir": tmp},
            kernel_name="python3",
            cwd=tmp,
            progress_bar=False,
        )
        return time.perf_counter() - t0, mem.peak / 2**30


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=Path, default=None, help="a 3,000,000-model synthetic snapshot")
    args = ap.parse_args()
    cases = [("real", paths.SHARED_IMPORT), ("synthetic", args.synthetic or synthetic_default())]
    for kind, snap in cases:
        if snap is None or not (Path(snap) / "manifest.json").is_file():
            print(f"{kind}: no snapshot here ({snap}); skipped")
            continue
        secs, peak = run(Path(snap))
        load = os.getloadavg()[0]
        verdict = "meets" if secs < TARGETS[kind] else "misses"
        print(
            f"{kind} ({Path(snap).name}): Part V {secs:6.1f} s, peak {peak:4.2f} GB (load average {load:.1f}); "
            f"target < {TARGETS[kind]:.0f} s: {verdict}"
        )


if __name__ == "__main__":
    main()
