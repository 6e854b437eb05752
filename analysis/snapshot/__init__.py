"""The snapshot contract: the tables and columns, their constants and errors (:mod:`.schema`),
data conformed to a table (:mod:`.conform`), writing and validating a snapshot (:mod:`.store`), a
snapshot opened for reading (:mod:`.reader`), one writer per folder (:mod:`.lock`), and its
command line (``validate``, ``info``: :mod:`.cli`).

Every stage reads and writes snapshots through this package only: sources write them, the
parts and the publication read them. The public names of :mod:`.store` are re-exported here,
so ``from analysis.snapshot import open_snapshot`` is the way to open one.
"""

from analysis.snapshot.store import (
    MANIFEST,
    SOURCE_KINDS,
    Snapshot,
    SnapshotError,
    SnapshotExistsError,
    SnapshotWriter,
    TableAppender,
    atomic_write_json,
    conform,
    is_complete,
    open_snapshot,
    package_versions,
    seal,
    sha256_file,
    validate,
    validate_manifest,
    validate_tables,
    write_snapshot,
)

__all__ = [
    "MANIFEST",
    "SOURCE_KINDS",
    "Snapshot",
    "SnapshotError",
    "SnapshotExistsError",
    "SnapshotWriter",
    "TableAppender",
    "atomic_write_json",
    "conform",
    "is_complete",
    "open_snapshot",
    "package_versions",
    "seal",
    "sha256_file",
    "validate",
    "validate_manifest",
    "validate_tables",
    "write_snapshot",
]
