"""Conforming data to the schema: what every table written to a snapshot passes through."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from analysis.snapshot.schema import SCHEMAS, TABLES, SnapshotError, table_file


def _where(name: str, file: str | None) -> str:
    return file or table_file(name)


def conform(name: str, data: Any, *, file: str | None = None) -> pa.Table:
    """Return ``data`` as an Arrow table with exactly the schema of table ``name``.

    ``data`` may be a pandas DataFrame, an Arrow table or record batch, or a
    list of dicts. Missing nullable columns are filled with nulls; a missing
    non-nullable column, an unknown column, a value that cannot be cast or a
    null in a non-nullable column raises :class:`SnapshotError`.
    """
    if name not in SCHEMAS:
        raise SnapshotError(f"unknown table {name!r}; expected one of {', '.join(TABLES)}")
    schema = SCHEMAS[name]
    where = _where(name, file)
    if isinstance(data, pd.DataFrame):
        table = pa.Table.from_pandas(data, preserve_index=False)
    elif isinstance(data, pa.RecordBatch):
        table = pa.Table.from_batches([data])
    elif isinstance(data, pa.Table):
        table = data
    elif isinstance(data, list):
        table = pa.Table.from_pylist(data) if data else schema.empty_table()
    else:
        raise SnapshotError(f"{where}: cannot write data of type {type(data).__name__}")
    unknown = [c for c in table.column_names if c not in schema.names]
    if unknown:
        raise SnapshotError(f"{where}: unknown column(s) {', '.join(unknown)}; expected only {', '.join(schema.names)}")
    columns = []
    for field in schema:
        if field.name in table.column_names:
            col = table.column(field.name)
            if col.type != field.type:
                try:
                    col = col.cast(field.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                    raise SnapshotError(
                        f"{where}: column {field.name!r} has type {col.type}, expected {field.type} ({exc})"
                    ) from None
        elif field.nullable:
            col = pa.nulls(table.num_rows, type=field.type)
        else:
            raise SnapshotError(f"{where}: missing column {field.name!r} (expected {field.type}, not null)")
        if not field.nullable and col.null_count:
            raise SnapshotError(f"{where}: column {field.name!r} has {col.null_count} null value(s), expected none")
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=schema)
