"""Benchmark: bootstrap intervals of top shares and Gini (issue 13), two ways, in one run.

``analysis.parts.robustness.bootstrap_concentration`` resamples the counts of each distinct value
from a multinomial distribution (exactly a bootstrap of the units); ``scipy.stats.bootstrap``
resamples every unit. Both with B resamples of the real 760,000 model downloads (or, without the
shared data, a heavy-tailed synthetic sample of the same size) and of a 50,000-unit cut; prints
seconds, the ratio and both intervals (they agree up to Monte Carlo error).

Usage: ``.venv/bin/python bench/bench_intervals.py [--b 1000] [--scipy-b 100]`` (scipy is timed
with fewer resamples and scaled, since a full run takes minutes).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats as sstats

from analysis import paths, stats
from analysis.parts import robustness as R


def sample() -> tuple[np.ndarray, str]:
    snap_dir = paths.SHARED_IMPORT
    if (snap_dir / "manifest.json").is_file():
        from analysis.snapshot import open_snapshot

        snap = open_snapshot(snap_dir, checksums=False)
        v = np.asarray(snap.arrow("models", ["downloads"]).column("downloads").cast("float64").to_numpy(), dtype=float)
        return v[~np.isnan(v)], f"model downloads of {snap.id}"
    rng = np.random.default_rng(0)
    return np.floor(rng.pareto(0.8, 760_000) * (rng.random(760_000) > 0.5)), "a synthetic Pareto sample"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--b", type=int, default=1000)
    ap.add_argument("--scipy-b", type=int, default=50)
    args = ap.parse_args()
    full, what = sample()
    for label, x in (("all", full), ("50,000 cut", full[:50_000])):
        t0 = time.perf_counter()
        ci = R.concentration_intervals(x, b=args.b, seed=0)
        t_multi = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = sstats.bootstrap(
            (x,),
            lambda v, axis=-1: np.apply_along_axis(stats.gini, axis, v),
            n_resamples=args.scipy_b,
            vectorized=True,
            method="percentile",
            random_state=0,
            batch=5,
        )
        t_scipy = (time.perf_counter() - t0) * args.b / args.scipy_b
        print(f"{what}, {label} ({x.size:,} units, {np.unique(x).size:,} distinct values), B = {args.b}:")
        print(
            f"  multinomial on value counts (top 1%, top 10%, Gini): {t_multi:8.2f} s; Gini interval "
            f"[{ci['gini'][0]:.5f}, {ci['gini'][1]:.5f}]"
        )
        print(
            f"  scipy.stats.bootstrap (Gini only), scaled from B = {args.scipy_b}: {t_scipy:8.2f} s; "
            f"interval [{res.confidence_interval.low:.5f}, {res.confidence_interval.high:.5f}]"
        )
        print(f"  ratio scipy / multinomial: {t_scipy / t_multi:.1f}x")


if __name__ == "__main__":
    main()
