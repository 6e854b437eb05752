"""Writing, loading and validating snapshots (the format is in :mod:`analysis.snapshot.schema`).

Every source writes through :class:`SnapshotWriter`, a context manager: the tables go into a
temporary folder beside the target; :meth:`SnapshotWriter.finish` checksums and validates them,
marks the snapshot complete (``"complete": true`` in ``manifest.json``, written last and
atomically), makes its files read-only and renames the folder into place. Any failure discards
the temporary folder and leaves the target untouched; a complete snapshot is never written
again. Loading goes through :func:`open_snapshot`, which refuses a partial snapshot and checks
the schema, row counts and checksums of every table (the opened :class:`Snapshot` is in
:mod:`.reader`); any problem raises :class:`SnapshotError` naming the file, the column and what
was expected.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import glob
import hashlib
import json
import os
import platform
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import paths
from analysis.memory import available_cpus
from analysis.snapshot.conform import conform
from analysis.snapshot.reader import Snapshot
from analysis.snapshot.rowhash import row_hashes
from analysis.snapshot.schema import (
    LOG_STEPS,
    OUTCOMES,
    SCHEMA_VERSION,
    SCHEMAS,
    TABLES,
    UNIQUE_KEYS,
    Coverage,
    CoverageError,
    SnapshotError,
    snapshot_id_problem,
    table_file,
)

__all__ = ["Snapshot", "SnapshotError", "conform"]  # re-exported: their old home

MANIFEST = "manifest.json"
SOURCE_KINDS = ("hub", "import", "synthetic")
VERSIONED_PACKAGES = (
    "pyarrow",
    "pandas",
    "numpy",
    "huggingface_hub",
    "networkx",
    "scipy",
    "statsmodels",
    "scikit-posthocs",
    "rapidfuzz",
    "powerlaw",
    "matplotlib",
    "seaborn",
    "papermill",
    "jupyter-book",
)


class SnapshotExistsError(SnapshotError):
    """Attempt to write into a snapshot that is already complete."""


# --------------------------------------------------------------------------- #
# writing
# --------------------------------------------------------------------------- #


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in VERSIONED_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    commit = git_commit()
    if commit:
        out["analysis (git commit)"] = commit
    return out


def git_commit() -> str | None:
    """The commit of the analysis code (``git rev-parse HEAD``), or None outside a git checkout.
    The build asks once and hands the answer to its notebooks as their ``code_commit`` parameter
    (:func:`analysis.publication.context.open_part`): asking git from a kernel that holds gigabytes
    of a large snapshot forks that kernel, which doubles its resident memory for as long as the
    child takes to start."""
    return _git_rev_parse()


def _git_rev_parse() -> str | None:
    try:
        res = subprocess.run(
            ["git", "-C", str(paths.ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() or None if res.returncode == 0 else None


def atomic_write_json(path: Path, obj: Any, *, sort_keys: bool = False) -> None:
    """Write JSON so that a reader sees the old file or the whole new one, even after a crash
    (temporary file, fsync, rename, then fsync of the folder)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, sort_keys=sort_keys, default=str)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def is_complete(directory: str | os.PathLike) -> bool:
    path = Path(directory) / MANIFEST
    if not path.exists():
        return False
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("complete") is True
    except (OSError, ValueError):
        return False


def seal(directory: Path) -> None:
    """Make a complete snapshot's files read-only (the last step of writing it; idempotent)."""
    for p in list(Path(directory).glob("*.parquet")) + [Path(directory) / MANIFEST]:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


class TableAppender:
    """Streams record batches into one table's Parquet file."""

    def __init__(self, name: str, path: Path, row_group_size: int = 256_000):
        self.name = name
        self.path = path
        self.rows = 0
        self._writer = pq.ParquetWriter(path, SCHEMAS[name], compression="zstd")
        self._row_group_size = row_group_size

    def write(self, data: Any) -> None:
        table = conform(self.name, data)
        if table.num_rows:
            self._writer.write_table(table, row_group_size=self._row_group_size)
            self.rows += table.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self) -> TableAppender:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class SnapshotWriter:
    """Writes one snapshot through a temporary folder; only :meth:`finish` puts it in place.

    >>> with SnapshotWriter(path, "demo", source_kind="synthetic", source_parameters={"seed": 1}) as w:
    ...     w.write_table("models", df)
    ...     w.finish(coverage={...})

    The tables are written into ``.<name>.partial-<random>`` beside the target (the same file
    system; a snapshot folder of its own, marked ``"complete": false``). :meth:`finish` validates
    the whole snapshot, marks it complete and renames it into place. Leaving the ``with`` block
    without :meth:`finish` (an exception, Ctrl-C) discards the temporary folder: the target stays
    as it was, and a partial snapshot is never readable at its name (the temporary folder of a
    writer killed outright is removed by the next writer of that target). The target may be absent,
    an empty folder or a snapshot left partial by an interrupted writer (replaced); a complete
    snapshot, or a folder holding anything else, is refused. Writers that may run at once take
    the target's :class:`analysis.snapshot.lock.FolderLock` first (import, collect, synth do).
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        snapshot_id: str | None = None,
        *,
        snapshot_date: str | dt.date | None = None,
        source_kind: str,
        source_parameters: Mapping[str, Any] | None = None,
    ):
        self.target = Path(directory)
        _check_target(self.target)
        if source_kind not in SOURCE_KINDS:
            raise SnapshotError(f"source kind {source_kind!r}; expected one of {', '.join(SOURCE_KINDS)}")
        self.snapshot_id = self.target.name if snapshot_id is None else snapshot_id
        problem = snapshot_id_problem(self.snapshot_id)
        if problem:
            raise SnapshotError(f"{self.target}: {problem}")
        if isinstance(snapshot_date, dt.date):
            snapshot_date = snapshot_date.isoformat()
        self.snapshot_date = snapshot_date or dt.date.today().isoformat()
        try:
            dt.date.fromisoformat(self.snapshot_date)
        except ValueError:
            raise SnapshotError(f"snapshot date {self.snapshot_date!r}; expected YYYY-MM-DD") from None
        self.source_kind = source_kind
        self.source_parameters = dict(source_parameters or {})
        self._real = Path(os.path.realpath(self.target))  # a link's folder: where the lock is keyed too
        self._real.parent.mkdir(parents=True, exist_ok=True)
        #: where the tables are written until :meth:`finish` (held by this writer while it lives)
        self.dir, self._held = _start_partial(self._real)
        self.finished = False
        self._written: set[str] = set()
        self._open: dict[str, TableAppender] = {}
        atomic_write_json(self.dir / MANIFEST, self._manifest_base() | {"complete": False})

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self.finished:
            self.discard()

    def discard(self) -> None:
        """Close the open tables and remove the temporary folder (the target is untouched)."""
        for app in self._open.values():
            try:
                app.close()
            except Exception:  # noqa: BLE001 - the folder goes anyway
                pass
        self._open.clear()
        shutil.rmtree(self.dir, ignore_errors=True)
        _let_go(self)

    def _manifest_base(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "snapshot_id": self.snapshot_id,
            "snapshot_date": self.snapshot_date,
            "source": {"kind": self.source_kind, "parameters": self.source_parameters},
        }

    def path(self, name: str) -> Path:
        return self.dir / table_file(name)

    def write_table(self, name: str, data: Any) -> int:
        """Write a whole table at once; returns its row count."""
        table = conform(name, data)
        pq.write_table(table, self.path(name), compression="zstd", row_group_size=256_000)
        self._written.add(name)
        return table.num_rows

    def open_table(self, name: str) -> TableAppender:
        """Open a table for streaming writes (closed by :meth:`finish` if still open)."""
        if name in self._open or name in self._written:
            raise SnapshotError(f"{table_file(name)}: table already written")
        app = TableAppender(name, self.path(name))
        self._open[name] = app
        return app

    def finish(
        self,
        coverage: Mapping[str, Mapping[str, Any]],
        *,
        notes: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> Path:
        """Write missing tables empty, checksum and validate everything, mark complete, then
        rename the snapshot into place; returns the target."""
        for name, app in list(self._open.items()):
            app.close()
            self._written.add(name)
        self._open.clear()
        for name in TABLES:
            if name not in self._written:
                self.write_table(name, SCHEMAS[name].empty_table())
        manifest = self._manifest_base() | {
            "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "package_versions": package_versions(),
            "tables": {name: self._table_entry(name) for name in TABLES},
            "coverage": {name: _coverage_entry(name, coverage) for name in TABLES},
            "notes": list(notes),
        }
        if extra:
            manifest["extra"] = dict(extra)
        # everything else is in place: validate, then write the flag last
        validate_manifest(self.dir, manifest | {"complete": True})
        validate_tables(self.dir, manifest, deep=True)
        manifest["complete"] = True
        atomic_write_json(self.dir / MANIFEST, manifest)
        seal(self.dir)
        _put_in_place(self.dir, self._real)
        _let_go(self)
        self.finished = True
        return self.target

    def _table_entry(self, name: str) -> dict[str, Any]:
        p = self.path(name)
        return {"file": p.name, "rows": pq.ParquetFile(p).metadata.num_rows, "sha256": sha256_file(p)}


def _coverage_entry(name: str, coverage: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    c = dict(coverage.get(name, {"scope": "none", "note": "not collected"}))
    try:
        Coverage.from_json(c)
    except CoverageError as exc:
        raise SnapshotError(f"{MANIFEST}: coverage of {name!r}: {exc}") from None
    return c


#: What a folder left by an interrupted writer may hold (it is replaced; anything else is refused).
_LEFTOVER = (MANIFEST, MANIFEST + ".tmp", "*.parquet")


def _check_target(target: Path) -> None:
    """A snapshot may be written at ``target``: absent, an empty folder or an incomplete snapshot."""
    if is_complete(target):
        raise SnapshotExistsError(f"{target / MANIFEST}: snapshot is complete and immutable; choose a new snapshot id")
    if not target.exists():
        return
    if not target.is_dir():
        raise SnapshotError(f"{target}: exists and is not a folder; give a new folder")
    others = [p.name for p in target.iterdir() if not any(p.match(g) for g in _LEFTOVER)]
    if others or (any(target.iterdir()) and not (target / MANIFEST).exists()):
        raise SnapshotError(f"{target}: exists and is not a snapshot; give a new folder")


def _start_partial(target: Path) -> tuple[Path, int]:
    """A new temporary folder beside ``target``, held (``flock`` on the folder) by its writer for as
    long as that lives; the temporary folders of writers that died (``kill -9``) go first."""
    for old in target.parent.glob(f".{glob.escape(target.name)}.partial-*"):
        try:
            fd = os.open(old, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # taken: its writer is gone
            shutil.rmtree(old, ignore_errors=True)
        except BlockingIOError:
            pass  # its writer is alive
        finally:
            os.close(fd)
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return folder, fd


def _let_go(writer: SnapshotWriter) -> None:
    if writer._held is not None:
        os.close(writer._held)  # releases the flock
        writer._held = None


def _put_in_place(folder: Path, target: Path) -> None:
    """Rename the finished ``folder`` to ``target`` (same parent), replacing an empty folder or a
    partial snapshot left there; then sync the parent so the rename survives a crash."""
    stale = None
    if target.exists():
        stale = Path(tempfile.mkdtemp(prefix=f".{target.name}.stale-", dir=target.parent))
        os.replace(target, stale / target.name)
    os.rename(folder, target)
    dfd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    if stale is not None:
        shutil.rmtree(stale, ignore_errors=True)


def write_snapshot(
    directory: str | os.PathLike,
    tables: Mapping[str, Any],
    *,
    snapshot_id: str | None = None,
    snapshot_date: str | None = "2024-01-01",
    source_kind: str = "synthetic",
    source_parameters: Mapping[str, Any] | None = None,
    coverage: Mapping[str, Mapping[str, Any]] | None = None,
    notes: Iterable[str] = (),
) -> Snapshot:
    """Write a whole snapshot from in-memory tables (tests and small tools).

    Tables not given are written empty. Without ``coverage`` every given repo
    table is covered in full and others are marked from ``repo_coverage``.
    """
    with SnapshotWriter(
        directory,
        snapshot_id,
        snapshot_date=snapshot_date,
        source_kind=source_kind,
        source_parameters=source_parameters,
    ) as w:
        rows = {name: w.write_table(name, data) for name, data in tables.items()}
        if coverage is None:
            coverage = {
                name: ({"scope": "all", "rows": n} if name in tables else {"scope": "none"})
                for name, n in ((t, rows.get(t, 0)) for t in TABLES)
            }
        w.finish(coverage, notes=notes)
    return open_snapshot(directory)


# --------------------------------------------------------------------------- #
# validating and loading
# --------------------------------------------------------------------------- #


def _read_manifest(directory: Path) -> dict[str, Any]:
    mpath = directory / MANIFEST
    if not directory.is_dir():
        raise SnapshotError(f"{directory}: no such snapshot directory")
    if not mpath.exists():
        raise SnapshotError(f"{mpath}: missing; {directory} is not a snapshot (or is still being written)")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SnapshotError(f"{mpath}: not valid JSON ({exc})") from None
    except OSError as exc:
        raise SnapshotError(f"{mpath}: cannot be read ({exc.strerror or exc})") from None
    if not isinstance(manifest, dict):
        raise SnapshotError(f"{mpath}: expected a JSON object")
    return manifest


def validate_manifest(directory: Path, manifest: Mapping[str, Any]) -> None:
    mpath = directory / MANIFEST
    if manifest.get("complete") is not True:
        raise SnapshotError(
            f"{mpath}: 'complete' is {manifest.get('complete')!r}, expected true; "
            "the snapshot is partial (still being written, or interrupted) and cannot be read as whole"
        )
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        raise SnapshotError(f"{mpath}: schema_version is {version!r}, expected {SCHEMA_VERSION}")
    for key in ("snapshot_id", "snapshot_date", "source", "tables", "coverage", "package_versions"):
        if key not in manifest:
            raise SnapshotError(f"{mpath}: missing key {key!r}")
    problem = snapshot_id_problem(manifest["snapshot_id"])
    if problem:
        raise SnapshotError(f"{mpath}: {problem}")
    try:
        dt.date.fromisoformat(str(manifest["snapshot_date"]))
    except ValueError:
        raise SnapshotError(f"{mpath}: snapshot_date is {manifest['snapshot_date']!r}, expected YYYY-MM-DD") from None
    kind = (manifest.get("source") or {}).get("kind")
    if kind not in SOURCE_KINDS:
        raise SnapshotError(f"{mpath}: source.kind is {kind!r}, expected one of {', '.join(SOURCE_KINDS)}")
    for key in ("tables", "coverage"):
        if not isinstance(manifest[key], dict):
            raise SnapshotError(f"{mpath}: {key} is {type(manifest[key]).__name__}, expected an object")
    for name in TABLES:
        if not isinstance(manifest["tables"].get(name), dict):
            raise SnapshotError(f"{mpath}: tables has no entry for {name!r}")
        if name not in manifest["coverage"]:
            raise SnapshotError(f"{mpath}: coverage has no entry for {name!r}")
        try:
            Coverage.from_json(manifest["coverage"][name])
        except CoverageError as exc:
            raise SnapshotError(f"{mpath}: coverage of {name!r}: {exc}") from None


def validate_tables(
    directory: Path, manifest: Mapping[str, Any], *, deep: bool = False, checksums: bool = True
) -> None:
    """Check every table file against the manifest and the schema."""
    pool = _deep_pool(manifest) if deep else None
    try:
        _validate_tables(directory, manifest, deep, checksums, pool)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _validate_tables(directory: Path, manifest: Mapping[str, Any], deep: bool, checksums: bool, pool: Any) -> None:
    for name in TABLES:
        entry = manifest["tables"][name]
        path = directory / table_file(name)
        _check_file(name, path, entry, checksums)
        pf = _parquet_file(path)
        _check_columns(name, path, pf.schema_arrow)
        if pf.metadata.num_rows != entry.get("rows"):
            raise SnapshotError(
                f"{path}: has {pf.metadata.num_rows} rows, expected {entry.get('rows')} from {MANIFEST}"
            )
        if name == "fetch_log" and pf.metadata.num_rows:
            _check_log_values(path, pf)
        if deep:
            try:
                _deep_check(name, path, pool)
            except SnapshotError:
                raise
            except (OSError, pa.ArrowException) as exc:  # a corrupt page, a bad encoding
                detail = " ".join(str(exc).split())
                raise SnapshotError(f"{path}: corrupt data ({type(exc).__name__}: {detail})") from None


def _check_file(name: str, path: Path, entry: Mapping[str, Any], checksums: bool) -> None:
    """The table's file is there, a file, and (with ``checksums``) has the manifest's sha256."""
    if not path.exists():
        raise SnapshotError(f"{path}: missing (table {name!r})")
    if not path.is_file():
        raise SnapshotError(f"{path}: not a file (table {name!r})")
    if not checksums:
        return
    try:
        digest = sha256_file(path)
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if digest != entry.get("sha256"):
        raise SnapshotError(
            f"{path}: sha256 is {digest}, expected {entry.get('sha256')} from {MANIFEST}; "
            "the file was changed after the snapshot was completed"
        )


def _parquet_file(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        detail = " ".join(str(exc).split())
        raise SnapshotError(f"{path}: not a readable Parquet file ({detail})") from None


def _check_columns(name: str, path: Path, schema: pa.Schema) -> None:
    """The file's columns are the table's, with the schema's types."""
    expected = SCHEMAS[name]
    for field in expected:
        if field.name not in schema.names:
            raise SnapshotError(f"{path}: missing column {field.name!r} (expected {field.type})")
        got = schema.field(field.name).type
        if got != field.type:
            raise SnapshotError(f"{path}: column {field.name!r} has type {got}, expected {field.type}")
    extra = [n for n in schema.names if n not in expected.names]
    if extra:
        raise SnapshotError(f"{path}: unexpected column(s) {', '.join(extra)}")


def _check_log_values(path: Path, pf: pq.ParquetFile) -> None:
    """fetch_log's step and outcome are from :data:`LOG_STEPS` and :data:`OUTCOMES`."""
    try:
        t = pf.read(columns=["step", "outcome"])
    except (OSError, pa.ArrowException) as exc:
        detail = " ".join(str(exc).split())
        raise SnapshotError(f"{path}: corrupt data ({type(exc).__name__}: {detail})") from None
    for col, allowed in (("step", LOG_STEPS), ("outcome", OUTCOMES)):
        values = set(pc.unique(t.column(col)).to_pylist()) - set(allowed) - {None}
        if values:
            raise SnapshotError(
                f"{path}: column {col!r} has value(s) {', '.join(map(repr, sorted(values)))}, "
                f"expected one of {', '.join(allowed)}"
            )


def _deep_check(name: str, path: Path, pool: Any = None) -> None:
    """Null and unique-key checks, streamed one row group at a time (by the worker processes of
    ``pool``, a ``concurrent.futures`` executor, when given: :func:`_deep_pool`).

    Keys are checked through a 64-bit hash per row (8 bytes a row in memory, so
    tables of tens of millions of rows validate in a few hundred MB); rows whose
    hashes collide are then compared exactly, so a hash collision never reports
    a false duplicate.
    """
    schema = SCHEMAS[name]
    key = list(UNIQUE_KEYS.get(name) or ())
    needed = [f.name for f in schema if not f.nullable]
    pf = pq.ParquetFile(path)
    groups = range(pf.metadata.num_row_groups)
    if pool is not None and len(groups) > 1:
        n = len(groups)
        facts = pool.map(_row_group_facts, [path] * n, groups, [needed] * n, [key] * n)
    else:
        facts = (_row_group_facts(pf, rg, needed, key) for rg in groups)
    nulls = dict.fromkeys(needed, 0)
    hashes: list[np.ndarray] = []
    for counts, h in facts:
        for col, k in zip(needed, counts):
            nulls[col] += k
        if h is not None:
            hashes.append(h)
    for col in needed:
        if nulls[col]:
            raise SnapshotError(f"{path}: column {col!r} has {nulls[col]} null value(s), expected none")
    if not key or not hashes:
        return
    h = np.sort(np.concatenate(hashes))
    same = h[1:] == h[:-1]
    if not same.any():
        return
    suspects = np.unique(h[1:][same])
    parts = []
    for rg, hrg in enumerate(hashes):
        mask = np.isin(hrg, suspects)
        if mask.any():
            parts.append(pf.read_row_group(rg, columns=key).filter(pa.array(mask)))
    table = pa.concat_tables(parts)
    grouped = table.group_by(key).aggregate([([], "count_all")])
    dup = grouped.filter(pc.greater(grouped.column("count_all"), 1))
    if dup.num_rows:
        example = {k: dup.column(k)[0].as_py() for k in key}
        raise SnapshotError(
            f"{path}: {dup.num_rows} duplicate key(s) on ({', '.join(key)}), expected unique; e.g. {example}"
        )


def _row_group_facts(
    source: Path | pq.ParquetFile, rg: int, needed: list[str], key: list[str]
) -> tuple[list[int], np.ndarray | None]:
    """Null counts of the ``needed`` columns and the key hashes of one row group, every column
    decoded (a corrupt page anywhere is found). Runs in a worker process of :func:`_deep_pool`."""
    pf = source if isinstance(source, pq.ParquetFile) else pq.ParquetFile(source)
    part = pf.read_row_group(rg)
    part.validate(full=True)
    return [part.column(col).null_count for col in needed], (_row_hashes(part, key) if key else None)


#: A deep validation of at least this many rows in all decodes and hashes its row groups in worker
#: processes, one per CPU (the 3,000,000-model synthetic snapshot's 50 million rows took 35 s in one
#: process). Smaller snapshots are checked here: starting the workers costs about a second.
DEEP_PARALLEL_ROWS = 5_000_000


def _deep_pool(manifest: Mapping[str, Any]) -> Any:
    """Spawned worker processes for the deep validation of a large snapshot, or None (small, or one CPU)."""
    rows = sum(int(e.get("rows") or 0) for e in manifest["tables"].values() if isinstance(e, dict))
    cpus = available_cpus()
    if rows < DEEP_PARALLEL_ROWS or cpus < 2:
        return None
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(cpus, mp_context=mp.get_context("spawn"))


def _row_hashes(table: pa.Table, key: list[str]) -> np.ndarray:
    return row_hashes(table, key)  # from the Arrow buffers (analysis/snapshot/rowhash.py)


def validate(directory: str | os.PathLike, *, deep: bool = True) -> dict[str, Any]:
    """Fully validate a snapshot; returns its manifest or raises SnapshotError.

    ``deep``: also decode every row of every table and check nulls and unique keys (what
    ``python -m analysis validate`` and ``build`` run; :func:`open_snapshot` with ``deep=True``)."""
    directory = Path(directory)
    manifest = _read_manifest(directory)
    validate_manifest(directory, manifest)
    validate_tables(directory, manifest, deep=deep)
    return manifest


def verified_token(directory: str | os.PathLike) -> str:
    """``<snapshot folder>:<sha256 of its manifest>``: what the build hands its notebooks (their
    ``verified_token`` parameter) once it has opened the snapshot with every check."""
    directory = Path(directory).resolve()
    return f"{directory}:{sha256_file(directory / MANIFEST)}"


def open_snapshot(
    directory: str | os.PathLike, *, checksums: bool = True, deep: bool = False, verified: str | None = None
) -> Snapshot:
    """Open a complete snapshot, validating manifest (the snapshot-id rule included), schema, row
    counts and checksums; with ``deep`` also every row (nulls, unique keys, decodable pages), as
    ``validate`` does: what ``build`` asks for, so that it never computes on a snapshot
    ``validate`` refuses. ``verified``: the :func:`verified_token` of a snapshot the running build
    has already verified; when it is this snapshot's (the manifest unchanged; a complete
    snapshot's files are read-only), its checksums are not computed again."""
    directory = Path(directory).resolve()
    manifest = _read_manifest(directory)
    validate_manifest(directory, manifest)
    if checksums and not deep and verified and verified == verified_token(directory):
        checksums = False
    validate_tables(directory, manifest, deep=deep, checksums=checksums)
    return Snapshot(directory, manifest)


load = open_snapshot


# --------------------------------------------------------------------------- #
# a record of a full validation (so that a rebuild need not repeat it)
# --------------------------------------------------------------------------- #

#: What a full validation of a snapshot depends on: the validator's own code.
_VALIDATOR_SOURCES = ("store.py", "schema.py", "rowhash.py")


def _validator_digest() -> str:
    h = hashlib.sha256()
    for name in _VALIDATOR_SOURCES:
        h.update((Path(__file__).parent / name).read_bytes())
    return h.hexdigest()


def validation_state(directory: str | os.PathLike) -> dict[str, Any]:
    """What a full validation of ``directory`` held for: the snapshot's path and manifest
    (:func:`verified_token`), each table file's size and modification time (ns), and a digest of
    the validator's code. Any change to one of them calls for a new full validation."""
    directory = Path(directory).resolve()
    files = {}
    for name in TABLES:
        st = (directory / table_file(name)).stat()
        files[name] = [st.st_size, st.st_mtime_ns]
    return {"token": verified_token(directory), "files": files, "validator": _validator_digest()}


def open_validated(directory: str | os.PathLike, record: Path) -> tuple[Snapshot, bool]:
    """Open a snapshot for a build: fully validated (:func:`open_snapshot` with ``deep``), unless
    ``record`` (a JSON file the build keeps outside the snapshot) says that a full validation
    passed on exactly this state (:func:`validation_state`); then only the manifest, schema and
    row counts are checked. Returns the snapshot and whether the full validation ran; after one
    that passed, ``record`` is written."""
    directory = Path(directory).resolve()
    try:
        state = validation_state(directory)
        known = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else None
    except (OSError, ValueError):
        state, known = None, None
    if state is not None and known is not None and {k: known.get(k) for k in state} == state:
        return open_snapshot(directory, checksums=False), False
    snap = open_snapshot(directory, deep=True)
    if state is not None:
        stamp = dict(state, validated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        try:
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        except OSError:  # a full disk, say: the next build validates in full again, and meets it itself
            record.unlink(missing_ok=True)
    return snap, True
