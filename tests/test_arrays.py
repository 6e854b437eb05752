"""analysis.arrays: the sort-based distinct values equal numpy's own; one code space for chunked dictionaries."""

import numpy as np
import pyarrow as pa
import pytest

from analysis import arrays


@pytest.mark.parametrize(
    "values",
    [
        np.zeros(0, np.int64),
        np.array([5], np.int64),
        np.array([3, 1, 3, 2, 1, 1], np.int64),
        np.random.default_rng(0).integers(-50, 50, 10_000),
        np.random.default_rng(1).integers(0, 2**62, 10_000),
        np.random.default_rng(2).integers(0, 7, 1_000).astype(np.uint8),
        np.array([True, False, True]),
        np.array([1, 1, 2, 5, 5, 5, 9], np.int64),  # sorted: counted without a sort
        np.array([[4, 4], [1, 9]], np.int32),
    ],
)
def test_unique_and_count_equal_numpy(values):
    expected = np.unique(values)
    got = arrays.unique(values)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    assert arrays.count_unique(values) == len(expected)
    ev, ec = np.unique(values, return_counts=True)
    gv, gc = arrays.unique_counts(values)
    np.testing.assert_array_equal(gv, ev)
    np.testing.assert_array_equal(gc, ec)
    copy = values.copy()
    np.testing.assert_array_equal(arrays.unique(copy, overwrite=True), expected)
    np.testing.assert_array_equal(arrays.unique_counts(values.copy(), overwrite=True)[1], ec)


def test_other_dtypes_go_to_numpy():
    v = np.array([2.0, np.nan, 1.0, np.nan, 2.0])
    np.testing.assert_array_equal(arrays.unique(v), np.unique(v))  # one NaN, as numpy
    assert arrays.count_unique(v) == 3
    s = np.array(["b", "a", "b"], dtype=object)
    assert arrays.unique(s).tolist() == ["a", "b"]


def test_input_is_not_modified():
    v = np.array([3, 1, 2], np.int64)
    arrays.unique(v)
    assert v.tolist() == [3, 1, 2]


def test_overwrite_sorts_in_place_and_only_then():
    v = np.array([3, 1, 2, 1], np.int64)
    assert arrays.unique(v, overwrite=True).tolist() == [1, 2, 3]
    assert v.tolist() == [1, 1, 2, 3]  # the caller's array was the sort's buffer
    w = np.array([3, 1, 2, 1], np.int64)
    arrays.unique_counts(w)
    assert w.tolist() == [3, 1, 2, 1]
    strided = np.array([5, 0, 4, 0, 5, 0], np.int64)[::2]  # not contiguous: copied, not sorted in place
    assert arrays.unique(strided, overwrite=True).tolist() == [4, 5]


def _chunked(values_per_chunk):
    return pa.chunked_array([pa.array(v, pa.string()).dictionary_encode() for v in values_per_chunk])


def test_dictionary_codes_number_values_as_unify_dictionaries_does():
    col = _chunked([["b", "a", None, "b"], [], ["c", "a", "c"], [None, "d", "b"]])
    codes, values = arrays.dictionary_codes(col.chunks)
    unified = pa.table({"c": col}).unify_dictionaries().column("c")
    expected = np.concatenate([np.asarray(c.indices.fill_null(-1), dtype=np.int64) for c in unified.chunks])
    assert values.to_pylist() == unified.chunks[0].dictionary.to_pylist() == ["b", "a", "c", "d"]
    assert codes.tolist() == expected.tolist() == [0, 1, -1, 0, 2, 1, 2, -1, 3, 0]
    empty_codes, empty_values = arrays.dictionary_codes([])
    assert empty_codes.size == 0 and len(empty_values) == 0


def test_positions_in_looks_every_element_up_in_the_values():
    col = _chunked([["x", "y", None], ["z", "x"], [], ["w", None, "y"]])
    ids = pa.array(["y", "x", "w"])
    pos = arrays.positions_in(col.chunks, ids)
    assert pos.tolist() == [1, 0, -1, -1, 1, 2, -1, 0]
    assert pos.tolist() == [ids.to_pylist().index(v) if v in ids.to_pylist() else -1 for v in col.to_pylist()]
    assert arrays.positions_in([], ids).size == 0
