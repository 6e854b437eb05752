"""Benchmark: build the book (papermill + Jupyter Book) and print time and peak memory.

Targets (issue 7, from an existing environment): the default book in under 3 minutes;
the book of the snapshot imported from ../shared/data in under 10 minutes with peak
memory under 4 GB. Peak memory is the largest sampled sum of the resident memory of the
build process and all its children (kernels, jupyter-book).

    .venv/bin/python bench/bench_book.py            # default book, and the real-data book if imported
    .venv/bin/python bench/bench_book.py SNAPSHOT_DIR ...
"""

from __future__ import annotations

import sys
from pathlib import Path

from analysis import paths
from analysis.publication.build import build

TARGETS = {"synthetic-demo": (180, None), "hub-2024-07-import": (600, 4 * 2**30)}


def main(argv: list[str]) -> int:
    snaps = [Path(a) for a in argv] or [paths.DEFAULT_SNAPSHOT, paths.SNAPSHOTS / "hub-2024-07-import"]
    rows = []
    for snap in snaps:
        if not (snap / "manifest.json").exists():
            print(f"skip {snap}: not a snapshot (run 'make import-shared' for the real-data one)")
            continue
        res = build(snap, log=lambda *_: None)
        print(res.summary())
        rows.append((res.snapshot_id, res.total, res.peak_rss))
    print("\nbook build benchmark")
    print(f"  {'snapshot':<24} {'seconds':>9} {'peak GB':>9}  target")
    for sid, secs, peak in rows:
        t_secs, t_mem = TARGETS.get(sid, (None, None))
        target = []
        if t_secs:
            target.append(f"< {t_secs} s: {'ok' if secs < t_secs else 'MISSED'}")
        if t_mem:
            target.append(f"< {t_mem / 2**30:.0f} GB: {'ok' if peak < t_mem else 'MISSED'}")
        print(f"  {sid:<24} {secs:9.1f} {peak / 2**30:9.2f}  {'; '.join(target)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
