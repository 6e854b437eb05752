"""Distinct values of a large int64 array: ``np.unique`` against ``analysis.arrays.unique``.

NumPy 2.3+ finds ``np.unique(a)``'s values with a hash table; this prints the
seconds of both on the pair-key arrays Part II builds (random int64, mostly
distinct; and with many repeats), and of ``pd.unique``, in one run.

    .venv/bin/python bench/bench_unique.py [--n 10000000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from analysis import arrays


def timed(f, *a) -> tuple[float, object]:
    t = time.perf_counter()
    out = f(*a)
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, pandas {pd.__version__}; {args.n:,} int64 values")
    for label, a in (
        ("mostly distinct", rng.integers(0, 2**62, args.n)),
        ("10 repeats each", rng.integers(0, args.n // 10, args.n) * 1_000_003),
    ):
        t_np, u_np = timed(np.unique, a)
        t_ar, u_ar = timed(arrays.unique, a)
        t_pd, _ = timed(pd.unique, a)
        assert np.array_equal(u_np, u_ar)
        print(
            f"  {label:16s} np.unique {t_np:7.2f} s   pd.unique {t_pd:6.2f} s   arrays.unique {t_ar:6.2f} s"
            f"   ratio np/arrays {t_np / t_ar:6.1f}x"
        )


if __name__ == "__main__":
    main()
