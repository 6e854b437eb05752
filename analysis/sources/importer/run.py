"""One import: record files in, a complete snapshot out (``python -m analysis import``).

:func:`import_records` checks its arguments, reads every file in import order through
:class:`~analysis.sources.importer.converting.Importer`, writes the derived tables, the manifest's
source parameters, coverage and notes through one :class:`~analysis.snapshot.SnapshotWriter` (nothing
is left at ``out_dir`` if anything fails).
:func:`main` is the command line.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.cli import OneLineParser
from analysis.snapshot import Snapshot, SnapshotError, SnapshotWriter, open_snapshot
from analysis.snapshot.lock import FolderLock
from analysis.snapshot.schema import TABLES
from analysis.sources.importer.converting import Importer
from analysis.sources.importer.coverage import CoverageOf, fmt, snapshot_date_of
from analysis.sources.importer.files import KNOWN_SOURCES, ImportStopped, SourceFile, find_sources
from analysis.sources.importer.reading import BLOCK_SIZE


def import_records(sources: list[Path], out_dir: Path, **options: Any) -> Snapshot:
    """Import record files from ``sources`` (folders or files) into a new snapshot at ``out_dir``.

    ``on_error``: ``"log"`` rejects bad records into ``fetch_log`` and goes on;
    ``"stop"`` raises :class:`ImportStopped` at the first one (nothing is
    written). ``progress``: a tqdm bar over the bytes read (None:
    only on a terminal); also ``snapshot_id``, ``snapshot_date``, ``block_size`` and
    ``summary`` (called with the summary text). Returns the opened snapshot.

    One import at a time per output folder: a second one gets a one-line error naming the
    first (:class:`analysis.snapshot.lock.FolderLock`).
    """
    with FolderLock(Path(out_dir), "python -m analysis import"):
        return _import_records(sources, out_dir, **options)


def _check_arguments(sources: list[Path], out_dir: Path, snapshot_date: str | None) -> None:
    """Stop before anything is written: a bad snapshot date or output folder."""
    if snapshot_date is not None:
        try:
            dt.date.fromisoformat(snapshot_date)
        except ValueError:
            raise ImportStopped(f"snapshot date {snapshot_date!r}; expected YYYY-MM-DD") from None
    if out_dir.exists():
        resolved = out_dir.resolve()
        if any(resolved == Path(s).resolve() or resolved in Path(s).resolve().parents for s in sources):
            raise ImportStopped(f"{out_dir}: the output folder is one of the sources; give a new folder as OUT_DIR")
        if any(out_dir.iterdir()) and not (out_dir / "manifest.json").exists():
            raise ImportStopped(f"{out_dir}: exists and is not a snapshot; give a new folder as OUT_DIR")


def _progress_bar(files: list[SourceFile], progress: bool | None):
    """A tqdm bar over the bytes of ``files`` (None: shown only on a terminal)."""
    from tqdm import tqdm

    return tqdm(
        total=sum(f.path.stat().st_size for f in files),
        unit="B",
        unit_scale=True,
        desc="import",
        disable=(None if progress is None else not progress),
        file=sys.stderr,
        leave=False,
    )


def _source_parameters(
    files: list[SourceFile], ignored: list[str], on_error: str, basis: str, imp: Importer
) -> dict[str, Any]:
    return {
        "importer": "analysis.sources.importer",
        "files": [f.info() for f in files],
        "ignored_files": ignored,
        "on_error": on_error,
        "snapshot_date_basis": basis,
        "models_enriched_from_model_info": {k: v for k, v in imp.enriched.items() if v},
        "blocks": {"parsed_by_pyarrow": imp.fast_blocks, "parsed_line_by_line": imp.slow_blocks},
    }


def _notes(files: list[SourceFile], imp: Importer) -> list[str]:
    notes = [f"imported from {', '.join(f.label for f in files)}"]
    notes += [f"{f.label}: {KNOWN_SOURCES[f.sha256]['note']}" for f in files if f.sha256 in KNOWN_SOURCES]
    if any(imp.log.counts.values()):
        notes.append(
            f"{fmt(imp.log.counts['malformed'])} malformed and {fmt(imp.log.counts['duplicate'])} "
            "duplicate records were not imported (see fetch_log)"
        )
    return notes


def _write(
    writer: SnapshotWriter,
    files: list[SourceFile],
    ignored: list[str],
    bar: Any,
    *,
    snapshot_date: str | None,
    on_error: str,
    block_size: int,
) -> Importer:
    """Read every file into ``writer`` and finish the snapshot (manifest last)."""
    imp = Importer(writer, on_error, block_size, bar)
    for f in files:
        bar.set_postfix_str(f.label, refresh=False)
        imp.run_file(f)
    bar.close()
    imp.log.flush()
    steps = imp.write_derived()
    date, basis = (snapshot_date, "given") if snapshot_date else snapshot_date_of(files, imp)
    writer.snapshot_date = date
    writer.source_parameters = _source_parameters(files, ignored, on_error, basis, imp)
    writer.finish(CoverageOf(imp, files, steps).all(), notes=_notes(files, imp))
    return imp


def _import_records(
    sources: list[Path],
    out_dir: Path,
    *,
    snapshot_id: str | None = None,
    snapshot_date: str | None = None,
    on_error: str = "log",
    progress: bool | None = None,
    block_size: int = BLOCK_SIZE,
    summary: Callable[[str], None] | None = None,
) -> Snapshot:
    out_dir = Path(out_dir)
    if on_error not in ("log", "stop"):
        raise ValueError(f"on_error is {on_error!r}, expected 'log' or 'stop'")
    files, ignored = find_sources([Path(s) for s in sources])
    _check_arguments(sources, out_dir, snapshot_date)
    with SnapshotWriter(
        out_dir, snapshot_id, snapshot_date=snapshot_date or "1970-01-01", source_kind="import", source_parameters={}
    ) as writer:
        bar = _progress_bar(files, progress)
        try:
            imp = _write(
                writer, files, ignored, bar, snapshot_date=snapshot_date, on_error=on_error, block_size=block_size
            )
        finally:
            bar.close()
    snap = open_snapshot(out_dir)
    if summary:
        summary(_summary(snap, imp, files))
    return snap


def _summary(snap: Snapshot, imp: Importer, files: list[SourceFile]) -> str:
    lines = [f"imported {snap.id} ({snap.date}) into {snap.path}"]
    for f in files:
        lines.append(
            f"  {f.label:<45} {f.records:>10,} imported  {f.malformed:>6,} malformed  {f.duplicate:>6,} duplicate"
            + (f"  BROKEN: {f.broken}" if f.broken else "")
        )
    for name in TABLES:
        lines.append(f"  {name:<14} {snap.rows(name):>12,} rows  ({snap.coverage(name).get('scope')})")
    for name in TABLES:
        note = snap.coverage(name).get("note") or ""
        if note.startswith("EMPTY"):
            lines.append(f"WARNING: {name}: {note}")
    end = dt.datetime.fromisoformat(snap.date).replace(tzinfo=dt.UTC) + dt.timedelta(days=1)
    late = {k: v for k, v in imp.latest.items() if v is not None and v >= end}
    if late:
        lines.append(
            f"WARNING: records dated after the snapshot date {snap.date} (latest: "
            + ", ".join(f"{k} {v.isoformat()}" for k, v in sorted(late.items()))
            + "); they are kept, and counted in the book's data-quality table"
        )
    if imp.log.examples:
        lines.append("problems (all in fetch_log):")
        lines += [f"  {e}" for e in imp.log.examples]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    p = OneLineParser(
        prog="python -m analysis import",
        description="Import raw Hub API records (JSON Lines, optionally gzipped) into a snapshot.",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="SRC_DIR... OUT_DIR",
        help="one or more folders (or files) of record files, then the new snapshot's folder",
    )
    p.add_argument("--snapshot-id", help="default: the name of OUT_DIR")
    p.add_argument(
        "--snapshot-date",
        help="YYYY-MM-DD; default: when the listings were fetched (2024-07-11 for the shared hub-2024-07 "
        "records; otherwise the listing files' modification time)",
    )
    p.add_argument("--strict", action="store_true", help="stop at the first malformed or duplicate record")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if len(args.paths) < 2:
        print("error: expected SRC_DIR... OUT_DIR (at least one source and the output folder)", file=sys.stderr)
        return 2
    *srcs, out = args.paths
    try:
        import_records(
            [Path(s) for s in srcs],
            Path(out),
            snapshot_id=args.snapshot_id,
            snapshot_date=args.snapshot_date,
            on_error="stop" if args.strict else "log",
            progress=False if args.no_progress else None,
            summary=print,
        )
    except ImportStopped as exc:
        print(f"error: {exc}" + (" (--strict; nothing was written)" if args.strict else ""), file=sys.stderr)
        return 1
    except SnapshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; the snapshot was not completed", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug, not bad input: still one line, but say so
        print(f"error: import failed unexpectedly ({type(exc).__name__}: {exc}); please report it", file=sys.stderr)
        return 1
    return 0
