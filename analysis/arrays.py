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

A column read dictionary-encoded from Parquet comes in chunks, each with a dictionary of its
own. :func:`dictionary_codes` and :func:`positions_in` give its values one integer code space
without Arrow's ``unify_dictionaries`` (which rebuilds every chunk: 2.7 s for the 16.8 million
model commits' repository ids, against 1.7 s for the whole lookup here): the chunks'
dictionaries are looked up once, concatenated, and each chunk's indices offset into them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


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


def _indices(chunk: pa.DictionaryArray) -> np.ndarray:
    """The int64 dictionary indices of ``chunk`` (0 where null)."""
    return np.asarray(pc.fill_null(chunk.indices, 0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _through(chunks: Sequence[pa.DictionaryArray], of_entry: np.ndarray) -> np.ndarray:
    """Each element of ``chunks`` mapped through ``of_entry`` (one value per entry of the chunks'
    dictionaries, in order), -1 where the element is null."""
    out = np.empty(sum(len(c) for c in chunks), dtype=np.int64)
    row = entry = 0
    for c in chunks:
        part = out[row : row + len(c)]
        if len(c):
            np.take(of_entry, _indices(c) + entry, out=part)
            if c.null_count:
                part[c.is_null().to_numpy(zero_copy_only=False)] = -1
        row += len(c)
        entry += len(c.dictionary)
    return out


def dictionary_codes(chunks: Sequence[pa.DictionaryArray]) -> tuple[np.ndarray, pa.Array]:
    """One code space for dictionary arrays read chunk by chunk: ``(int64 code of every element,
    -1 where null; the distinct values, in order of first appearance among the dictionaries)``,
    as ``unify_dictionaries`` numbers them."""
    chunks = list(chunks)
    if not chunks:
        return np.empty(0, dtype=np.int64), pa.array([], pa.string())
    enc = pc.dictionary_encode(pa.concat_arrays([c.dictionary for c in chunks]))
    of_entry = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return _through(chunks, of_entry), enc.dictionary


def positions_in(chunks: Sequence[pa.DictionaryArray], values: pa.Array) -> np.ndarray:
    """For each element of dictionary arrays read chunk by chunk, its position in ``values``
    (-1 where absent or null): one hash lookup per dictionary entry, none per element."""
    chunks = list(chunks)
    if not chunks:
        return np.empty(0, dtype=np.int64)
    found = pc.index_in(pa.concat_arrays([c.dictionary for c in chunks]), value_set=values)
    of_entry = np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return _through(chunks, of_entry)
