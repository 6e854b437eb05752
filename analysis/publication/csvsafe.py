"""CSV cells that no spreadsheet runs: a text cell that would start a formula gets a leading ``'``
(OWASP's CSV-injection rule), in pandas (:func:`csv_safe`) and in Arrow (:func:`arrow_csv_safe`);
numbers and numeric columns are left as they are. ``publish.write_csv`` writes every CSV of the book
through them.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

#: A text cell starting with one of these is a formula to a spreadsheet (OWASP's CSV injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_RE = r"^[=+\-@\t\r]"
#: A number in a text cell (``-2``, ``+3.5``, ``1e-5``): left as it is.
NUMBER_RE = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_NUMBER = re.compile(NUMBER_RE)


def csv_text(value: Any) -> Any:
    """A CSV cell that no spreadsheet can run: a string starting with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return that is not a number gets a leading ``'`` (the OWASP rule); numbers and other
    values are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def _formula_rows(col: Any) -> np.ndarray:
    """Which values of an Arrow string column a spreadsheet would run (see :func:`csv_text`): the first
    character tested in Arrow, the number pattern only where it is one of ``= + - @ tab CR``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    first = pc.is_in(pc.utf8_slice_codeunits(col, 0, 1), value_set=pa.array(FORMULA_START, col.type))
    at = np.flatnonzero(pc.fill_null(first, False).to_numpy(zero_copy_only=False))
    mask = np.zeros(len(col), dtype=bool)
    if len(at):
        number = pc.match_substring_regex(col.take(pa.array(at)), NUMBER_RE).to_numpy(zero_copy_only=False)
        mask[at[~number]] = True
    return mask


def _text_formula_rows(values: np.ndarray) -> np.ndarray:
    """:func:`_formula_rows` of an object array: in Arrow when it holds only text (and missing values),
    else value by value (numbers and lists are never formulas)."""
    import pyarrow as pa

    try:
        return _formula_rows(pa.array(values, type=pa.large_string(), from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        hit = np.fromiter((isinstance(v, str) and v.startswith(FORMULA_START) for v in values), bool, len(values))
        hit[hit] = [not _NUMBER.match(v) for v in values[hit]]
        return hit


def _categorical_safe(col: pd.Series) -> pd.Series | None:
    """A categorical column with its formula categories as text (None: nothing to change)."""
    cats = [csv_text(c) for c in col.cat.categories]
    if cats == list(col.cat.categories):
        return None
    if len(set(cats)) == len(cats):
        return col.cat.rename_categories(cats)
    return col.astype(object).map(csv_text)  # two categories would become one: as text


def _arrow_string_safe(col: pd.Series) -> pd.Series | None:
    """A column of pandas' Arrow-backed text with its formula cells as text (None: nothing to change)."""
    import pyarrow as pa

    hit = _formula_rows(pa.array(col.array))
    return col.where(~hit, "'" + col) if hit.any() else None


def _object_safe(col: pd.Series) -> pd.Series | None:
    """An object (or Python string) column with its formula cells as text (None: nothing to change)."""
    values = col.to_numpy(dtype=object)
    hit = _text_formula_rows(values)
    if not hit.any():
        return None
    fixed = values.copy()
    fixed[hit] = ["'" + v for v in values[hit]]
    return pd.Series(fixed, index=col.index, name=col.name)


def _column_safe(col: pd.Series) -> pd.Series | None:
    """``col`` with :func:`csv_text` applied to its text cells, by its type (None: nothing to change)."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical_safe(col)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":  # pandas' text: Arrow already
        return _arrow_string_safe(col)
    if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
        return _object_safe(col)
    return None  # numbers, dates, booleans: never formulas


def csv_safe(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with :func:`csv_text` applied to its headers and to every text cell (numeric columns
    are not touched; a copy only where something changes: the caller's frame keeps its values)."""
    out = data
    names = [csv_text(c) if isinstance(c, str) else c for c in data.columns]
    if names != list(data.columns):
        out = out.set_axis(names, axis=1)
    for i in range(data.shape[1]):
        fixed = _column_safe(out.iloc[:, i])
        if fixed is not None:
            out = out.copy(deep=False) if out is data else out
            out.isetitem(i, fixed)
    return out


def arrow_csv_safe(table: Any) -> Any:
    """:func:`csv_safe` for an Arrow table (the large-table path): string columns only, in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, field in enumerate(table.schema):
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        col = table.column(i)
        mask = _formula_rows(col)
        if mask.any():
            quote, empty = pa.scalar("'", field.type), pa.scalar("", field.type)
            fixed = pc.if_else(pa.array(mask), pc.binary_join_element_wise(quote, col, empty), col)
            table = table.set_column(i, field, fixed)
    return table
