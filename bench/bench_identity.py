"""Benchmark: identity resolution by blocking against the exhaustive search it replaced.

Issue 31, point 3: the pairs of normalised commit-author names that are scored
must fall at least tenfold, with the same resolved identities, on the real
import (``data/snapshots/hub-2024-07-import``) and on the 3,000,000-model
synthetic snapshot (``~/.cache/hf-hub-activity/hub-2026-models3000000-seed1``,
read only). For each snapshot, in one run, :func:`analysis.parts.identity.resolve`
runs twice on the same names, weights and namespaces: with the blocked search
(``method="blocked"``, the book's) and with the reference (``"length-bands"``,
each long name scored with ``process.cdist`` against every name of compatible
length); it prints the pairs scored, the seconds and peak memory of each, the
ratios, and whether the two resolutions agree (the same mapping of every name
to its identity, and the same candidate pairs).

Usage: ``.venv/bin/python bench/bench_identity.py [SNAPSHOT ...] [--workers N] [--only METHOD]``
(default: the two snapshots above, those that exist). The 3M snapshot takes
minutes; ``--only blocked`` measures one method (no comparison). Prints the
load average, since the machine is shared.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import paths  # noqa: E402
from analysis.memory import PeakMemory  # noqa: E402
from analysis.parts import identity, network  # noqa: E402
from analysis.snapshot import open_snapshot  # noqa: E402

HUB_SCALE = Path.home() / ".cache" / "hf-hub-activity" / "hub-2026-models3000000-seed1"
METHODS = ("length-bands", "blocked")  # the reference first, then the book's


def _resolve(names, kw: dict, method: str, workers: int) -> tuple[identity.Resolution, float, float]:
    gc.collect()
    with PeakMemory() as peak:
        t0 = time.perf_counter()
        res = identity.resolve(names, method=method, workers=workers, **kw)
        seconds = time.perf_counter() - t0
    return res, seconds, peak.peak / 2**30


def bench(snapshot: Path, workers: int, methods: tuple[str, ...] = METHODS) -> bool:
    snap = open_snapshot(snapshot)
    commits = network.load_commit_authors(snap)
    kw = {"weights": commits.commits_per_name().to_dict(), "owners": network.hub_namespaces(snap)}
    print(f"\n{snap.id}: {len(commits.names):,} commit-author names", flush=True)
    results = {}
    for method in methods:
        res, seconds, gib = _resolve(commits.names, kw, method, workers)
        results[method] = res
        print(
            f"  {method:>12}: {res.scored_pairs:>13,} pairs scored, {len(res.candidates):,} candidate pairs, "
            f"{seconds:7.1f} s, peak {gib:.2f} GiB",
            flush=True,
        )
        res.candidates = res.candidates[["name_a", "name_b", "score", "decision"]]  # what the comparison needs
        gc.collect()
    if len(methods) < 2:
        return True
    old, new = (results[m] for m in METHODS)
    same_mapping = old.mapping == new.mapping
    try:
        pd.testing.assert_frame_equal(old.candidates, new.candidates)
        same_pairs = True
    except AssertionError:
        same_pairs = False
    ratio = old.scored_pairs / max(new.scored_pairs, 1)
    print(f"  scored pairs, reference / blocked: {ratio:.1f}x (target >= 10x)")
    print(f"  same identities: {same_mapping}; same candidate pairs: {same_pairs}")
    if not same_mapping:
        diff = [(k, v, new.mapping.get(k)) for k, v in old.mapping.items() if new.mapping.get(k) != v]
        print(f"  {len(diff):,} names resolved differently, e.g. {diff[:5]}")
    return same_mapping and ratio >= 10


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("snapshots", nargs="*", type=Path)
    ap.add_argument("--workers", type=int, default=2, help="rapidfuzz threads (default 2)")
    ap.add_argument("--only", choices=METHODS, help="measure this method alone")
    args = ap.parse_args(argv)
    methods = (args.only,) if args.only else METHODS
    snaps = args.snapshots or [s for s in (paths.SHARED_IMPORT, HUB_SCALE) if (s / "manifest.json").exists()]
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    ok = all([bench(s, args.workers, methods) for s in snaps])
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
