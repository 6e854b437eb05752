"""Benchmark: generate a large synthetic snapshot with all tables; print wall time, peak RSS and sizes.

    .venv/bin/python bench/bench_synth.py                      # 3,000,000 models (issue 2 target: < 10 min, < 8 GB)
    .venv/bin/python bench/bench_synth.py --models 1000000 --commits 3000000 --developers 300000
    .venv/bin/python bench/bench_synth.py --models 3000000 --spaces 800000 --space-edges 2000000

The output goes to a temporary folder (removed afterwards unless --keep).
Peak memory is sampled (psutil, every 0.1 s) for this process and reported per
phase, and the kernel's high-water mark (ru_maxrss) is printed as well.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from analysis.memory import PeakMemory  # noqa: E402
from analysis.sources import synth  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=int, default=3_000_000)
    ap.add_argument("--seed", type=int, default=0)
    for name in synth.SCALED_COUNTS:
        ap.add_argument(f"--{name.replace('_', '-')}", type=int, default=None)
    ap.add_argument("--out", default=None, help="output folder (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the generated snapshot")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench_synth_")) if args.out is None else Path(args.out).parent
    out = Path(args.out) if args.out else tmp / f"synth-{args.models}"
    t0 = time.perf_counter()
    last = [t0]
    with PeakMemory(interval=0.1, children=False) as mem:

        def progress(msg: str) -> None:
            now = time.perf_counter()
            print(
                f"  [{now - t0:7.1f}s] (+{now - last[0]:6.1f}s, phase peak RSS {mem.phase_peak / 2**30:5.2f} GB) "
                f"then: {msg}",
                flush=True,
            )
            last[0] = now
            mem.new_phase()

        snap = synth.generate(
            out,
            models=args.models,
            seed=args.seed,
            **{name: getattr(args, name) for name in synth.SCALED_COUNTS},
            progress=progress,
        )
        wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"\ngenerated {args.models:,} models with all tables in {wall:.1f} s ({wall / 60:.2f} min; target < 10 min)")
    print(f"peak RSS: sampled {mem.peak / 2**30:.2f} GB, ru_maxrss {ru / 2**30:.2f} GB (target < 8 GB)")
    total = 0
    for name in snap.manifest["tables"]:
        size = (out / f"{name}.parquet").stat().st_size
        total += size
        print(f"  {name:<14} {snap.rows(name):>13,} rows  {size / 2**20:9.1f} MB")
    print(f"  {'total':<14} {'':>13}       {total / 2**20:9.1f} MB")
    print("resolved parameters:", snap.manifest["source"]["parameters"]["resolved"])
    if not args.keep:
        shutil.rmtree(tmp if args.out is None else out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
