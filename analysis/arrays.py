"""Distinct values of large integer arrays, by sorting.

NumPy 2.3 made ``np.unique(a)`` (no ``return_*`` argument) find the distinct
values with a hash table, then sort them. On this project's arrays (tens of
millions of int64 pair keys, most of them distinct) that is about a hundred
times slower than sorting the array and keeping each run's first value: 10.7 s
against 0.09 s for 10 million random int64 on the 2-core machine of issue 12
(``bench/bench_unique.py`` measures both). ``pd.unique`` (hashing too, in
first-appearance order) is several times slower than a sort at that size as
well. The functions here sort (``np.sort``: SIMD-accelerated in NumPy 2) and
compare neighbours; they return exactly what ``np.unique`` returns.

``np.unique`` with ``return_counts``, ``return_index`` or ``return_inverse``
already sorts (it never used the hash table), so only :func:`unique` and
:func:`count_unique` are needed.
"""

from __future__ import annotations

import numpy as np


def _run_starts(s: np.ndarray) -> np.ndarray:
    """Boolean mask of the first element of every run of equal values in sorted ``s``."""
    mask = np.empty(len(s), dtype=bool)
    if len(s):
        mask[0] = True
        np.not_equal(s[1:], s[:-1], out=mask[1:])
    return mask


def unique(a, *, overwrite: bool = False) -> np.ndarray:
    """The sorted distinct values of ``a`` (flattened), as ``np.unique(a)`` gives them.

    Integer and boolean arrays are sorted and deduplicated here; any other
    dtype (floats, where NaN needs ``np.unique``'s care; strings; objects) goes
    to ``np.unique``. ``overwrite=True``: ``a`` (a contiguous array the caller
    no longer needs) is sorted in place instead of copied, which saves a copy's
    memory on a Hub-scale array.
    """
    s = _sorted(a, overwrite)
    if s.dtype.kind not in "iub":
        return np.unique(s)
    return s[_run_starts(s)]


def unique_counts(a, *, overwrite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(a, return_counts=True)`` of an integer array (``overwrite``: as :func:`unique`)."""
    s = _sorted(a, overwrite)
    if s.dtype.kind not in "iub":
        return np.unique(s, return_counts=True)
    starts = np.flatnonzero(_run_starts(s))
    return s[starts], np.diff(np.r_[starts, len(s)])


def _sorted(a, overwrite: bool) -> np.ndarray:
    """``a`` flattened and sorted (integers and booleans; other dtypes flattened only)."""
    arr = np.asarray(a).ravel()
    if arr.dtype.kind not in "iub":
        return arr
    if overwrite and arr.flags.writeable and arr.flags.c_contiguous:
        arr.sort()
        return arr
    return np.sort(arr)


def count_unique(a) -> int:
    """How many distinct values ``a`` holds (``len(np.unique(a))``, without building them; values
    that come sorted, as repository indices often do, are counted without a sort)."""
    arr = np.asarray(a).ravel()
    if arr.dtype.kind not in "iub":
        return int(len(np.unique(arr)))
    s = arr if len(arr) < 2 or bool((arr[1:] >= arr[:-1]).all()) else np.sort(arr)
    return int(np.count_nonzero(_run_starts(s)))
