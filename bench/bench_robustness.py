"""Benchmark: what the uncertainty and robustness work (issue 13) adds to a build, step by step.

Target: under 30 s on the real import's book, under 2 minutes on the 3,000,000-model synthetic
book. Times each added step of Parts I and II on each snapshot that exists here (the real import;
the cached synthetic snapshot of ``bench/bench_book.py --scale hub-2026`` or ``--synthetic DIR``)
and prints seconds and the process's peak memory, with the load average.

Usage: ``.venv/bin/python bench/bench_robustness.py [--synthetic DIR] [--only real|synthetic]``
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from analysis import paths
from analysis.paper import paper_numbers
from analysis.parts import activity, licenses, network
from analysis.parts import robustness as R
from analysis.snapshot import open_snapshot


def steps(snap_dir: Path) -> list[tuple[str, float]]:
    snap = open_snapshot(snap_dir, checksums=False)
    acts = activity.load(snap)
    models = acts["model"]
    measures = activity.model_measures(acts)
    out = []

    def timed(name, f):
        t0 = time.perf_counter()
        f()
        out.append((name, time.perf_counter() - t0))

    timed("tab-activity intervals (bootstrap B=1000)", lambda: R.activity_intervals(acts, b=1000))
    timed("tab-sample-estimates", lambda: R.sample_estimates(snap, acts))
    timed(
        "tab-license-effects (Cliff's delta, B=200)",
        lambda: R.pairwise_effects(models.data, measures, "group", licenses.group_names(), b=200),
    )
    paper_models = next(int(n["value"]) for n in paper_numbers() if n["key"] == "models")
    timed("tab-sensitivity", lambda: R.sensitivity_table(snap, paper_models=paper_models))
    p = network.compute(snap)
    timed("null model of the core (20 rewirings asked for)", lambda: R.network_null_rows(p.reproduction, samples=20))
    timed("tab-network-sequential", lambda: R.sequential_network(snap, commits=p.commits).summary())

    def bias():
        pairs = R.author_sets(snap, p)
        R.isolate_sampling_bias(pairs, R.bias_sample_sizes(pairs.n_repos))

    timed("tab-isolate-sampling-bias", bias)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=Path, default=None)
    ap.add_argument("--only", choices=["real", "synthetic"], default=None)
    args = ap.parse_args()
    cache = getattr(paths, "bench_cache", None)
    synth = args.synthetic or (Path(cache()) / "hub-2026-models3000000-seed1" if cache else None)
    for kind, snap, target in (("real", paths.SHARED_IMPORT, 30), ("synthetic", synth, 120)):
        if args.only and kind != args.only:
            continue
        if snap is None or not (Path(snap) / "manifest.json").is_file():
            print(f"{kind}: no snapshot ({snap}); skipped")
            continue
        res = steps(Path(snap))
        total = sum(s for _, s in res)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(f"{kind} ({Path(snap).name}), load average {os.getloadavg()[0]:.1f}:")
        for name, secs in res:
            print(f"  {name:<48} {secs:7.1f} s")
        print(
            f"  {'total added':<48} {total:7.1f} s (target < {target} s: {'meets' if total < target else 'misses'}); "
            f"peak memory {peak:.2f} GB"
        )


if __name__ == "__main__":
    main()
