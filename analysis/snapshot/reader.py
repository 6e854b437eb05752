"""A complete, validated snapshot opened for reading (:func:`analysis.snapshot.store.open_snapshot`
opens one): its manifest's facts and its tables, as Arrow or pandas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.memory import release_arrow_memory
from analysis.snapshot.schema import REPO_TABLES, SCHEMAS, TABLES, SnapshotError, table_file

#: The pandas types of a snapshot's nullable columns: ``Int64`` and ``boolean``.
PANDAS_TYPES = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


@dataclass
class Snapshot:
    """A complete, validated snapshot opened for reading."""

    path: Path
    manifest: dict[str, Any]

    @property
    def id(self) -> str:
        return self.manifest["snapshot_id"]

    @property
    def date(self) -> str:
        return self.manifest["snapshot_date"]

    @property
    def source_kind(self) -> str:
        return self.manifest["source"]["kind"]

    @property
    def is_synthetic(self) -> bool:
        return self.source_kind == "synthetic"

    def rows(self, name: str) -> int:
        return int(self.manifest["tables"][name]["rows"])

    def coverage(self, name: str) -> dict[str, Any]:
        return dict(self.manifest["coverage"][name])

    def arrow(self, name: str, columns: list[str] | None = None, filters: Any = None) -> pa.Table:
        if name not in SCHEMAS:
            raise SnapshotError(f"unknown table {name!r}; expected one of {', '.join(TABLES)}")
        path = self.path / table_file(name)
        if columns:
            unknown = [c for c in columns if c not in SCHEMAS[name].names]
            if unknown:
                raise SnapshotError(f"{path}: no column(s) {', '.join(unknown)}; has {', '.join(SCHEMAS[name].names)}")
        table = pq.read_table(path, columns=columns, filters=filters)
        release_arrow_memory()
        return table

    def table(self, name: str, columns: list[str] | None = None, filters: Any = None) -> pd.DataFrame:
        """A table as pandas: nullable ints/bools (``Int64``/``boolean``), UTC timestamps."""
        return self.arrow(name, columns, filters).to_pandas(types_mapper=PANDAS_TYPES.get)

    def repos(self, repo_type: str, columns: list[str] | None = None) -> pd.DataFrame:
        return self.table(REPO_TABLES[repo_type], columns)

    def covered(self, step: str, repo_type: str | None = None) -> pd.DataFrame:
        """Repositories covered by a per-repository step (with item counts)."""
        filters = [("step", "==", step)]
        if repo_type:
            filters.append(("repo_type", "==", repo_type))
        return self.table("repo_coverage", filters=filters)

    def describe(self) -> str:
        src = self.manifest["source"]
        lines = [
            f"snapshot {self.id} ({self.date}), source: {src['kind']}",
            f"path: {self.path}",
        ]
        for name in TABLES:
            cov = self.manifest["coverage"][name]
            lines.append(
                f"  {name:<14} {self.rows(name):>12,} rows  coverage: {cov.get('scope')}"
                + (f" - {cov['note']}" if cov.get("note") else "")
            )
        return "\n".join(lines)
