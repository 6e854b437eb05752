"""Import raw Hub API records (JSON Lines, optionally gzipped) into a snapshot.

``python -m analysis import SRC_DIR... OUT_DIR [--snapshot-id ID] [--snapshot-date YYYY-MM-DD] [--strict]``

Record files are recognised by name (``NAME.jsonl``, ``NAME.jsonl.gz``, or a
shard ``NAME-*.jsonl[.gz]``), where NAME is one of:

``models``, ``datasets``, ``spaces``
    listing items of ``GET /api/{models,datasets,spaces}``, one per line.
``model_info``
    ``GET /api/models/{id}`` records; their ``spaces`` give the
    ``space_models`` edges (the ``model_spaces`` step) and their fields fill
    *missing* fields of the listed model (never overwrite it).
``commits``
    items of ``GET /api/{type}s/{id}/commits/{rev}`` carrying ``repo_id``
    (and ``repo_type``, default ``model``).
``discussions``
    items of ``GET /api/{type}s/{id}/discussions`` carrying ``repo_id``
    (and ``repo_type``, default ``model``).

Records are normalised into the snapshot format (:mod:`analysis.snapshot.schema`):
``owner`` is the part of the id before ``/`` (null for legacy ids such as
``gpt2``), ``license`` the first ``license:`` tag, timestamps UTC, ``gated`` a
string. A field a record does not have stays null, and the manifest's coverage
says, per table and column, how many rows have it. Nothing is invented.

Streaming: files are read as decompressed byte blocks (``BLOCK_SIZE``) cut at
line ends; a block is parsed by ``pyarrow.json`` with an explicit schema. A
block that does not parse (bad JSON, a wrong type) is parsed again line by line
with :func:`json.loads`, so that each bad line is found and reported with its
file and line number. Malformed records (bad JSON, wrong types, missing id)
and duplicate ids are never imported: they are counted, written to the
``fetch_log`` table (outcome ``malformed`` or ``duplicate``, source
``file:line``) and summarised; with ``on_error="stop"`` (``--strict``) the
first one stops the import with a one-line message.

Snapshot date: by default the latest collection date that the sources justify.
For source files this module knows (the shared real records, recognised by
their sha256 in :data:`KNOWN_SOURCES`) that is the latest date a *listing* was
collected: the shared import (``make import-shared``) gets 2024-07-11, the day
the models were listed. For other sources it is the latest modification time of
the listing files (when they were written, at or after their fetch), unless
``--snapshot-date`` gives it; the manifest says which basis was used. It is never
read from the records: a record dated after the snapshot date is flagged (the
import's summary warns, the book's data-quality table counts them), not used to
date the snapshot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from analysis.cli import OneLineParser
from analysis.snapshot import Snapshot, SnapshotError, SnapshotWriter, open_snapshot
from analysis.snapshot.lock import FolderLock
from analysis.snapshot.schema import I64, REPO_TABLES, SCHEMAS, STR, TABLES, TS, Selection, coverage, listing_coverage
from analysis.sources.hubapi import (
    JSON_SCHEMAS,
    KEY_FIELDS,
    REPO_FIELDS,
    check_value,
    latest_plausible,
    rule_violations,
    type_name,
)

KINDS = ("model_info", "models", "datasets", "spaces", "commits", "discussions")
FILE_RE = re.compile(
    r"^(?P<kind>model_info|models|datasets|spaces|commits|discussions)(?:[-_.][^/]*?)?\.jsonl(?P<gz>\.gz)?$"
)
#: decompressed bytes parsed at once (about 80,000 model records)
BLOCK_SIZE = 16 << 20
#: records of a block parsed line by line are written in batches of this size
PY_BATCH = 50_000

_REPO_TYPE_OF_KIND = {"models": "model", "datasets": "dataset", "spaces": "space", "model_info": "model"}
#: model fields that a model_info record may fill where the listing lacks them
ENRICH_FIELDS = ("created_at", "last_modified", "pipeline_tag", "library_name", "sha", "gated", "disabled", "private")

#: The Hub gave repositories older than its 2022-03-02 migration a createdAt in
#: this minute (e.g. 2022-03-02T23:29:04.000Z): kept as given, counted in coverage.
PLACEHOLDER_CREATED = (dt.datetime(2022, 3, 2, 23, 29, tzinfo=dt.UTC), dt.datetime(2022, 3, 2, 23, 30, tzinfo=dt.UTC))

_GATED_RE = re.compile(rb'"gated"\s*:\s*(true|false)')

#: Source files this module knows, by sha256: when they were collected and what
#: they are (from ../shared/data/README.md). Only exact files match.
#: ``author_names: "git"`` marks commit records whose authors are git names; it is
#: carried into the manifest's coverage of ``commits``.
KNOWN_SOURCES: dict[str, dict[str, str]] = {
    "65b5a2472608ad8be8140fc13536547046db6b2c6d84c5fa17b8235de49f57e8": {
        "name": "hub-2024-07/models.jsonl.gz",
        "collected": "2024-07-11",
        "note": "every public model as GET /api/models listed it on 2024-07-11 (1,000 per page, "
        "sorted by downloads); the listing has no lastModified, author, sha or gated fields",
    },
    "91a46eb3c6d535b5b9cabb3f2c87cf8bf11737661d0d30c93d6ba2937c76916a": {
        "name": "hub-2024-07/datasets.jsonl.gz",
        "collected": "2024-07-09",
        "note": "every public dataset as GET /api/datasets listed it on 2024-07-09",
    },
    "9094ffb095ad05b70fa323f6accb3a0d0c16c65e10a3aba82fa3f4948b90fa74": {
        "name": "hub-2024-07/model_info.jsonl.gz",
        "collected": "2024-07-09",
        "note": "GET /api/models/{id} on 2024-07-09 for the models whose id starts with a digit or q "
        "(not a random sample)",
    },
    "4e785d5dae58036894c13d96201e3e9c42ea9654a7f1257848295e589de6db87": {
        "name": "model-commits-2024-09/commits.jsonl.gz",
        "collected": "2024-09-25",
        "note": "commits of 1,031 model repositories, only the commits that touched a model weight "
        "file (s2e-lab/model-evolution); authors are git author names, not always Hub "
        "usernames; dates recorded without time zone, read as UTC",
        "author_names": "git",
    },
}


class ImportStopped(Exception):
    """The import stopped on a bad record or file (``on_error="stop"``), or cannot start."""


# --------------------------------------------------------------------------- #
# reading files in blocks
# --------------------------------------------------------------------------- #


class _HashingReader(io.RawIOBase):
    """Wraps a binary file: hashes and counts the (compressed) bytes read."""

    def __init__(self, fh):
        self.fh = fh
        self.sha = hashlib.sha256()
        self.pos = 0
        self.on_read: Callable[[int], None] | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.fh.read(len(b))
        n = len(data)
        b[:n] = data
        self.sha.update(data)
        self.pos += n
        if self.on_read and n:
            self.on_read(n)
        return n

    def drain(self) -> None:
        """Read (and hash) whatever is left, e.g. after a gzip error."""
        while self.readinto(bytearray(1 << 20)):
            pass


class _FileBroken(Exception):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _gunzip(raw: _HashingReader, block_size: int) -> Iterator[bytes]:
    """Decompressed bytes of a gzip stream (members one after another), at most ``block_size`` at
    a time. Every byte that decompresses is yielded BEFORE a break is reported: a truncated or
    corrupt stream then raises ``EOFError``/``zlib.error``, so the lines before it are kept."""
    chunk = 1 << 20
    d = zlib.decompressobj(wbits=31)
    started = False
    pending = b""
    while True:
        if not pending:
            pending = raw.read(chunk)
            if not pending:
                if started and not d.eof:
                    raise EOFError("compressed file ended before the end-of-stream marker was reached")
                return
        if d.eof:  # the next member of a multi-member file
            d, started = zlib.decompressobj(wbits=31), False
        started = True
        out = d.decompress(pending, block_size)
        pending = d.unconsumed_tail or d.unused_data
        if d.eof and not d.unused_data.strip(b"\0"):
            pending = b""  # trailing padding after the last member
        if out:
            yield out


def _blocks(raw: _HashingReader, gz: bool, block_size: int) -> Iterator[tuple[int, int, bytes]]:
    """Yield (number of the block's first line, its number of lines, bytes ending with a newline)."""
    stream = _gunzip(raw, block_size) if gz else iter(lambda: raw.read(block_size), b"")
    line = 1
    rest = b""
    while True:
        try:
            data = next(stream, b"")
        except (EOFError, OSError, zlib.error) as exc:
            # yield what is complete, then report the break
            if rest:
                last = rest.rfind(b"\n")
                if last >= 0:
                    n = rest.count(b"\n", 0, last + 1)
                    yield line, n, rest[: last + 1]
                    line += n
            tail = len(rest) - (rest.rfind(b"\n") + 1)
            raise _FileBroken(
                line,
                f"file is truncated or corrupt after line {line - 1:,} (the last complete line, kept); "
                f"lost: a partial line of {tail:,} bytes and whatever followed ({exc})",
            ) from None
        if not data:
            if rest:
                if not rest.endswith(b"\n"):
                    rest += b"\n"
                yield line, rest.count(b"\n"), rest
            return
        buf = rest + data
        if len(buf) < block_size and gz:
            rest = buf  # gather up to a whole block before parsing
            continue
        last = buf.rfind(b"\n")
        if last < 0:
            rest = buf
            continue
        block, rest = buf[: last + 1], buf[last + 1 :]
        n = block.count(b"\n")
        yield line, n, block
        line += n


# --------------------------------------------------------------------------- #
# parsing a block: fast (pyarrow) or line by line (json)
# --------------------------------------------------------------------------- #


def _parse_lines(
    kind: str, block: bytes, first_line: int
) -> tuple[pa.Table, np.ndarray, list[tuple[int, str, str | None]]]:
    """Line-by-line parse: (good records as a table, their line numbers, errors)."""
    schema = JSON_SCHEMAS[kind]
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    errors: list[tuple[int, str, str | None]] = []
    for i, raw in enumerate(block.split(b"\n")[:-1]):
        lineno = first_line + i
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError as exc:  # includes UnicodeDecodeError
            errors.append((lineno, f"bad JSON ({exc})", None))
            continue
        if not isinstance(obj, dict):
            errors.append((lineno, f"record is {type_name(obj)}, expected an object", None))
            continue
        rid = obj.get("repo_id") if kind in ("commits", "discussions") else obj.get("id")
        rid = rid if isinstance(rid, str) else None
        try:
            rec = {f.name: check_value(kind, f.name, f.type, obj.get(f.name)) for f in schema}
        except ValueError as exc:
            errors.append((lineno, f"wrong type: {exc}", rid))
            continue
        rows.append(rec)
        lines.append(lineno)
    table = pa.Table.from_pylist(rows, schema=schema)
    return table, np.asarray(lines, dtype=np.int64), errors


def _parse_block(
    kind: str, block: bytes, first_line: int, n_lines: int | None = None
) -> tuple[pa.Table, np.ndarray, list[tuple[int, str, str | None]], bool]:
    """Parse a block; returns (table, line numbers, errors, fast path used)."""
    schema = JSON_SCHEMAS[kind]
    if "gated" in schema.names and b'"gated"' in block:
        block = _GATED_RE.sub(rb'"gated":"\1"', block)
    if n_lines is None:
        n_lines = block.count(b"\n")
    try:
        table = pj.read_json(
            io.BytesIO(block),
            read_options=pj.ReadOptions(block_size=len(block) + 1, use_threads=True),
            parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
        )
        table.validate(full=True)  # pyarrow's parser does not check UTF-8; this does
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        table = None
    if table is not None and table.num_rows == n_lines:
        table = table.select(schema.names)
        if table.schema.equals(schema):
            return table.combine_chunks(), np.arange(first_line, first_line + n_lines, dtype=np.int64), [], True
    # blank lines, a bad record, or an unexpected shape: find the bad lines
    t, lines, errors = _parse_lines(kind, block, first_line)
    return t, lines, errors, False


# --------------------------------------------------------------------------- #
# normalising into the snapshot format
# --------------------------------------------------------------------------- #


def _snapshot_table(name: str, cols: dict[str, Any]) -> pa.Table:
    """The columns ``cols`` as table ``name`` of the snapshot format, in its column order."""
    schema = SCHEMAS[name]
    return pa.Table.from_arrays([cols[f.name] for f in schema], schema=schema)


def _first_license(tags: pa.ChunkedArray | pa.Array) -> pa.Array:
    tags = tags.combine_chunks() if isinstance(tags, pa.ChunkedArray) else tags
    n = len(tags)
    flat = pc.list_flatten(tags)
    parents = pc.list_parent_indices(tags)
    mask = pc.fill_null(pc.starts_with(flat, "license:"), False)
    lic = pc.utf8_slice_codeunits(pc.filter(flat, mask), 8)
    par = pc.filter(parents, mask).to_numpy(zero_copy_only=False)
    out = np.full(n, -1, dtype=np.int64)
    if len(par):
        uniq, first = np.unique(par, return_index=True)
        out[uniq] = first
    idx = pa.array(np.where(out >= 0, out, 0))
    taken = pc.take(lic, idx) if len(lic) else pa.nulls(n, STR)
    return pc.if_else(pa.array(out >= 0), taken, pa.scalar(None, STR))


def _normalise_repos(t: pa.Table) -> pa.Table:
    ids = t.column("id").combine_chunks()
    has_owner = pc.match_substring(ids, "/")
    owner = pc.if_else(
        has_owner, pc.replace_substring_regex(ids, "(?s)/.*", "", max_replacements=1), pa.scalar(None, STR)
    )
    name = pc.replace_substring_regex(ids, "^[^/]*/", "", max_replacements=1)
    cols = {col: t.column(api) for api, (col, _) in REPO_FIELDS.items()}
    cols.update(id=ids, owner=owner, name=name, license=_first_license(t.column("tags")))
    return _snapshot_table("models", cols)


def _normalise_commits(t: pa.Table) -> pa.Table:
    authors = t.column("authors").combine_chunks()
    users = pc.struct_field(authors.values, [0])
    names = pa.ListArray.from_arrays(authors.offsets, users, mask=authors.is_null())
    cols = {
        "repo_type": t.column("repo_type"),
        "repo_id": t.column("repo_id"),
        "commit_id": t.column("id"),
        "date": t.column("date"),
        "authors": names,
        "title": t.column("title"),
    }
    return _snapshot_table("commits", cols)


def _normalise_discussions(t: pa.Table) -> pa.Table:
    author = t.column("author").combine_chunks()
    name = pc.struct_field(author, [0]) if len(author) else pa.array([], STR)
    name = pc.if_else(author.is_null(), pa.scalar(None, STR), name) if len(author) else name
    cols = {
        "repo_type": t.column("repo_type"),
        "repo_id": t.column("repo_id"),
        "number": t.column("num"),
        "author": name,
        "is_pull_request": t.column("isPullRequest"),
        "status": t.column("status"),
        "created_at": t.column("createdAt"),
        "title": t.column("title"),
    }
    return _snapshot_table("discussions", cols)


# --------------------------------------------------------------------------- #
# the import
# --------------------------------------------------------------------------- #


@dataclasses.dataclass
class SourceFile:
    path: Path
    kind: str
    gz: bool
    label: str  # "<folder>/<file>": no machine paths in the manifest
    sha256: str = ""
    bytes: int = 0
    lines: int = 0
    records: int = 0
    malformed: int = 0
    duplicate: int = 0
    broken: str | None = None

    def info(self) -> dict[str, Any]:
        out = {
            "file": self.label,
            "kind": self.kind,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "lines": self.lines,
            "records_imported": self.records,
            "malformed": self.malformed,
            "duplicate": self.duplicate,
        }
        if self.broken:
            out["broken"] = self.broken
        known = KNOWN_SOURCES.get(self.sha256)
        if known:
            out["collected"] = known["collected"]
            out["known_source"] = known["note"]
        return out


def find_sources(sources: list[Path]) -> tuple[list[SourceFile], list[str]]:
    """Record files in the given folders (or files), in import order; and ignored files."""
    found: list[SourceFile] = []
    ignored: list[str] = []
    for src in sources:
        src = Path(src)
        if src.is_dir():
            candidates = sorted(p for p in src.iterdir() if p.is_file())
            explicit = False
        elif src.is_file():
            candidates, explicit = [src], True
        else:
            raise ImportStopped(f"{src}: no such file or folder")
        n = 0
        for p in candidates:
            m = FILE_RE.match(p.name)
            if not m:
                if explicit or ".jsonl" in p.name:
                    ignored.append(f"{p.parent.name}/{p.name}")
                continue
            found.append(SourceFile(p, m["kind"], bool(m["gz"]), f"{p.parent.name}/{p.name}"))
            n += 1
        if n == 0:
            raise ImportStopped(f"{src}: no record files (expected {', '.join(k + '.jsonl[.gz]' for k in KINDS)})")
    found.sort(key=lambda s: KINDS.index(s.kind))
    return found, ignored


class _Log:
    """Collects import problems into fetch_log, in batches."""

    def __init__(self, writer: SnapshotWriter, on_error: str):
        self.app = writer.open_table("fetch_log")
        self.on_error = on_error
        self.rows: list[dict[str, Any]] = []
        self.counts: Counter = Counter()
        self.examples: list[str] = []

    def add(
        self, src: SourceFile, line: int | None, outcome: str, reason: str, repo_type: str | None, repo_id: str | None
    ) -> None:
        where = f"{src.label}:{line}" if line is not None else src.label
        if self.on_error == "stop":
            raise ImportStopped(f"{where}: {outcome} record: {reason}")
        self.counts[outcome] += 1
        if outcome == "malformed":
            src.malformed += 1
        else:
            src.duplicate += 1
        if len(self.examples) < 10:
            self.examples.append(f"{where}: {outcome}: {reason}")
        self.rows.append(
            {
                "step": "import",
                "repo_type": repo_type,
                "repo_id": repo_id,
                "outcome": outcome,
                "reason": reason,
                "source": where,
            }
        )
        if len(self.rows) >= PY_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            schema = pa.schema(
                [SCHEMAS["fetch_log"].field(n) for n in ("step", "repo_type", "repo_id", "outcome", "reason", "source")]
            )
            self.app.write(pa.Table.from_pylist(self.rows, schema=schema))
            self.rows = []


class _Importer:
    def __init__(self, writer: SnapshotWriter, on_error: str, block_size: int, progress: Any):
        self.w = writer
        self.log = _Log(writer, on_error)
        self.block_size = block_size
        self.progress = progress
        self.not_after = latest_plausible()  # no record may carry a later timestamp
        self.apps: dict[str, Any] = {}
        self.seen: dict[str, set] = {}
        self.fields: dict[str, Counter] = {}
        self.rows: Counter = Counter()
        self.fast_blocks = 0
        self.slow_blocks = 0
        self.latest: dict[str, Any] = {}  # kind -> latest timestamp seen
        # model_info: kept as Arrow for enrichment; edges and coverage
        self.info_parts: list[pa.Table] = []
        self.edges: set[tuple[str, str]] = set()
        self.coverage_rows: dict[str, Counter] = {"commits": Counter(), "discussions": Counter()}
        self.enriched: Counter = Counter()
        self.placeholder: Counter = Counter()
        self.info_ids: pa.Array | None = None
        self.info_table: pa.Table | None = None
        self.model_spaces_cov: list[pa.Table] = []
        self.space_models_cov: list[pa.Table] = []

    def app(self, name: str):
        if name not in self.apps:
            self.apps[name] = self.w.open_table(name)
        return self.apps[name]

    # -- per file ------------------------------------------------------------
    def run_file(self, src: SourceFile) -> None:
        with open(src.path, "rb") as fh:
            raw = _HashingReader(fh)
            if self.progress is not None:
                raw.on_read = self.progress.update
            try:
                for first_line, n_lines, block in _blocks(raw, src.gz, self.block_size):
                    src.lines += n_lines
                    self.run_block(src, first_line, block, n_lines)
            except _FileBroken as exc:
                src.broken = exc.reason
                self.log.add(src, exc.line, "malformed", exc.reason, None, None)
                raw.drain()
            src.sha256 = raw.sha.hexdigest()
            src.bytes = raw.pos

    def run_block(self, src: SourceFile, first_line: int, block: bytes, n_lines: int) -> None:
        kind = src.kind
        table, lines, errors, fast = _parse_block(kind, block, first_line, n_lines)
        if fast:
            self.fast_blocks += 1
        else:
            self.slow_blocks += 1
        rtype = _REPO_TYPE_OF_KIND.get(kind)
        for line, reason, rid in errors:
            self.log.add(src, line, "malformed", reason, rtype, rid)
        broken = rule_violations(table, self.not_after)
        if broken:  # the value rules (hubapi): negative counts, timestamps after the import
            id_col = "repo_id" if kind in ("commits", "discussions") else "id"
            ids = table.column(id_col).to_pylist()
            for i, reason in sorted(broken.items()):
                self.log.add(src, int(lines[i]), "malformed", reason, rtype, ids[i])
            keep_rows = np.ones(table.num_rows, dtype=bool)
            keep_rows[list(broken)] = False
            table, lines = table.filter(pa.array(keep_rows)), lines[keep_rows]
        if kind in ("commits", "discussions"):
            table = table.set_column(0, "repo_type", pc.fill_null(table.column("repo_type"), "model"))
            bad_type = pc.invert(pc.is_in(table.column("repo_type"), pa.array(list(REPO_TABLES))))
            keep = self._check_keys(src, table, lines, extra_bad=bad_type)
        else:
            keep = self._check_keys(src, table, lines)
        if keep is not None:
            table = table.filter(keep)
        if not table.num_rows:
            return
        src.records += table.num_rows
        getattr(self, f"_write_{kind}")(table)

    def _check_keys(
        self, src: SourceFile, table: pa.Table, lines: np.ndarray, extra_bad: pa.Array | None = None
    ) -> np.ndarray | None:
        """Drop records without their key (malformed) or seen before (duplicate)."""
        kind = src.kind
        key = KEY_FIELDS[kind]
        n = table.num_rows
        ok = np.ones(n, dtype=bool)
        rtype_default = _REPO_TYPE_OF_KIND.get(kind)
        id_col = "repo_id" if kind in ("commits", "discussions") else "id"
        ids = table.column(id_col).to_pylist()
        for field in key:
            col = table.column(field)
            missing = col.is_null().to_numpy(zero_copy_only=False)
            if pa.types.is_string(col.type):
                missing |= pc.fill_null(pc.equal(pc.utf8_length(col), 0), False).to_numpy(zero_copy_only=False)
            for i in np.flatnonzero(missing & ok):
                self.log.add(src, int(lines[i]), "malformed", f"missing {field!r}", rtype_default, ids[i])
            ok &= ~missing
        if extra_bad is not None:
            bad = pc.fill_null(extra_bad, False).to_numpy(zero_copy_only=False)
            rts = table.column("repo_type").to_pylist()
            for i in np.flatnonzero(bad & ok):
                self.log.add(
                    src,
                    int(lines[i]),
                    "malformed",
                    f"repo_type is {rts[i]!r}, expected one of {', '.join(REPO_TABLES)}",
                    None,
                    ids[i],
                )
            ok &= ~bad
        seen = self.seen.setdefault(kind, set())
        if len(key) == 1:
            keys = ids
        else:
            keys = list(zip(*(table.column(k).to_pylist() for k in key)))
        if ok.all():
            fresh = set(keys)
            if len(fresh) == n and seen.isdisjoint(fresh):  # the usual case, at C speed
                seen |= fresh
                return None
        for i in np.flatnonzero(ok):
            k = keys[i]
            if k in seen:
                ok[i] = False
                what = k if isinstance(k, str) else "/".join(map(str, k))
                self.log.add(
                    src,
                    int(lines[i]),
                    "duplicate",
                    f"{what} seen before (first kept)",
                    rtype_default if kind not in ("commits", "discussions") else keys[i][0],
                    ids[i],
                )
            else:
                seen.add(k)
        return None if ok.all() else ok

    def _count_fields(self, name: str, t: pa.Table) -> None:
        c = self.fields.setdefault(name, Counter())
        for col in t.column_names:
            c[col] += t.num_rows - t.column(col).null_count
        self.rows[name] += t.num_rows

    def _track_latest(self, kind: str, *cols: pa.ChunkedArray) -> None:
        for col in cols:
            m = pc.max(col).as_py()
            if m is not None and (self.latest.get(kind) is None or m > self.latest[kind]):
                self.latest[kind] = m

    # -- per kind --------------------------------------------------------------
    def _write_model_info(self, t: pa.Table) -> None:
        norm = _normalise_repos(t)
        self.info_parts.append(norm.select(["id", *ENRICH_FIELDS]))
        self._track_latest("model_info", norm.column("created_at"), norm.column("last_modified"))
        cov_ids, counts = self._add_edges(t, "spaces", "model")
        self.model_spaces_cov.append(_coverage_table(["model"] * len(cov_ids), cov_ids, "model_spaces", counts))

    def _add_edges(self, t: pa.Table, column: str, repo_type: str) -> tuple[list[str], list[int]]:
        """Add the (space, model) edges named by each record's ``column``; return the ids of
        the records that have it (covered) and their numbers of distinct edges."""
        cov_ids: list[str] = []
        counts: list[int] = []
        for rid, others in zip(t.column("id").to_pylist(), t.column(column).combine_chunks().to_pylist()):
            if others is None:
                continue  # not covered: the record does not say
            uniq = {o for o in others if o}
            self.edges.update((rid, o) if repo_type == "space" else (o, rid) for o in uniq)
            cov_ids.append(rid)
            counts.append(len(uniq))
        return cov_ids, counts

    def _info(self) -> pa.Table | None:
        if self.info_table is None and self.info_parts:
            self.info_table = pa.concat_tables(self.info_parts).combine_chunks()
            self.info_ids = self.info_table.column("id").combine_chunks()
            self.info_parts = []
        return self.info_table

    def _write_repos(self, kind: str, t: pa.Table) -> None:
        norm = _normalise_repos(t)
        if kind == "models" and self._info() is not None:
            idx = pc.index_in(norm.column("id"), value_set=self.info_ids)
            if idx.null_count < len(idx):
                taken = self.info_table.take(pc.fill_null(idx, 0))
                has = pc.is_valid(idx)
                for f in ENRICH_FIELDS:
                    cur = norm.column(f).combine_chunks()
                    other = pc.if_else(has, taken.column(f).combine_chunks(), pa.scalar(None, cur.type))
                    filled = pc.coalesce(cur, other)
                    self.enriched[f] += cur.null_count - filled.null_count
                    norm = norm.set_column(norm.schema.get_field_index(f), f, filled)
        c = norm.column("created_at")
        in_minute = pc.and_(
            pc.greater_equal(c, pa.scalar(PLACEHOLDER_CREATED[0], TS)),
            pc.less(c, pa.scalar(PLACEHOLDER_CREATED[1], TS)),
        )
        self.placeholder[kind] += int(pc.sum(pc.cast(pc.fill_null(in_minute, False), I64)).as_py() or 0)
        self._count_fields(kind, norm)
        self._track_latest(kind, norm.column("created_at"), norm.column("last_modified"))
        self.app(kind).write(norm)

    def _write_models(self, t: pa.Table) -> None:
        self._write_repos("models", t)

    def _write_datasets(self, t: pa.Table) -> None:
        self._write_repos("datasets", t)

    def _write_spaces(self, t: pa.Table) -> None:
        self._write_repos("spaces", t)
        cov_ids, counts = self._add_edges(t, "models", "space")
        if cov_ids:
            self.space_models_cov.append(_coverage_table(["space"] * len(cov_ids), cov_ids, "space_models", counts))

    def _write_commits(self, t: pa.Table) -> None:
        norm = _normalise_commits(t)
        for rt, rid in zip(norm.column("repo_type").to_pylist(), norm.column("repo_id").to_pylist()):
            self.coverage_rows["commits"][(rt, rid)] += 1
        self._count_fields("commits", norm)
        self._track_latest("commits", norm.column("date"))
        self.app("commits").write(norm)

    def _write_discussions(self, t: pa.Table) -> None:
        norm = _normalise_discussions(t)
        for rt, rid in zip(norm.column("repo_type").to_pylist(), norm.column("repo_id").to_pylist()):
            self.coverage_rows["discussions"][(rt, rid)] += 1
        self._count_fields("discussions", norm)
        self._track_latest("discussions", norm.column("created_at"))
        self.app("discussions").write(norm)

    # -- end -------------------------------------------------------------------
    def write_derived(self) -> dict[str, int]:
        """space_models and repo_coverage; returns coverage row counts per step."""
        edges = sorted(self.edges)
        sm = pa.table(
            {"space_id": pa.array([e[0] for e in edges], STR), "model_id": pa.array([e[1] for e in edges], STR)}
        )
        self.w.write_table("space_models", sm)
        self.rows["space_models"] = sm.num_rows
        parts = list(self.model_spaces_cov) + list(self.space_models_cov)
        steps: Counter = Counter()
        for step, cnt in self.coverage_rows.items():
            if cnt:
                keys = list(cnt)
                parts.append(_coverage_table([k[0] for k in keys], [k[1] for k in keys], step, [cnt[k] for k in keys]))
        cov = pa.concat_tables(parts) if parts else SCHEMAS["repo_coverage"].empty_table()
        for s in cov.column("step").to_pylist() if cov.num_rows else []:
            steps[s] += 1
        self.w.write_table("repo_coverage", cov)
        self.rows["repo_coverage"] = cov.num_rows
        return dict(steps)


def _coverage_table(repo_types: list[str], repo_ids: list[str], step: str, items: list[int]) -> pa.Table:
    """repo_coverage rows: one per repository covered by ``step``, with its number of items."""
    return pa.table(
        {
            "repo_type": pa.array(repo_types, STR),
            "repo_id": pa.array(repo_ids, STR),
            "step": pa.array([step] * len(repo_ids), STR),
            "items": pa.array(items, I64),
        }
    )


def _fmt(n: int) -> str:
    return f"{n:,}"


def _selection(ids: list[str]) -> str:
    """Describe how a set of repository ids was selected, if by their first character."""
    counts = Counter(i[:1].lower() for i in ids if i)
    total = sum(counts.values())
    chosen: list[str] = []
    covered = 0
    for ch, n in counts.most_common():
        if covered >= 0.99 * total:
            break
        chosen.append(ch)
        covered += n
    if not total or len(chosen) > 12:
        return "how those models were selected is not recorded"
    digits = sorted(c for c in chosen if c.isdigit())
    other = sorted(c for c in chosen if not c.isdigit())
    parts = (["0-9"] if len(digits) == 10 else digits) + other
    rest = total - covered
    return (
        f"the models whose id starts with {', '.join(parts)}"
        + (f" ({_fmt(rest)} other id(s))" if rest else "")
        + "; selected by name, not a random sample"
    )


class _CoverageOf:
    """The manifest's coverage of an import, one table at a time (entries built by
    :func:`analysis.snapshot.schema.coverage`, the one builder every source uses)."""

    def __init__(self, imp: _Importer, files: list[SourceFile], steps: dict[str, int]):
        self.imp, self.files, self.steps = imp, files, steps
        self.kinds = {f.kind for f in files}

    def _of(self, kind: str) -> list[SourceFile]:
        return [f for f in self.files if f.kind == kind]

    def _labels(self, kind: str) -> str:
        return ", ".join(f.label for f in self._of(kind))

    def _known(self, kind: str, key: str = "note") -> list[str]:
        return [KNOWN_SOURCES[f.sha256][key] for f in self._of(kind) if key in KNOWN_SOURCES.get(f.sha256, {})]

    def _bad(self, kind: str) -> dict[str, int]:
        return {
            "malformed": sum(f.malformed for f in self._of(kind)),
            "duplicate": sum(f.duplicate for f in self._of(kind)),
        }

    def _fields(self, table: str) -> dict[str, int]:
        return {c: self.imp.fields.get(table, Counter())[c] for c in SCHEMAS[table].names}

    def listing(self, table: str) -> dict[str, Any]:
        imp, kind = self.imp, table
        if kind not in self.kinds:
            return coverage("none", rows=0, note=f"no {kind} listing in the sources")
        rows = imp.rows[table]
        fields = self._fields(table)
        missing = [c for c, n in fields.items() if n == 0]
        partial = [f"{c} {n:,}" for c, n in fields.items() if 0 < n < rows]
        note = f"every record of {self._labels(kind)} ({_fmt(rows)} repositories)"
        if missing and rows:
            note += f"; never given (null in every row): {', '.join(missing)}"
        if partial:
            note += f"; given for only some rows: {', '.join(partial)}"
        filled = ", ".join(f"{f} {n:,}" for f, n in imp.enriched.items() if n)
        if table == "models" and filled:
            note += f"; fields the listing lacks were filled from model_info records (never overwritten), for: {filled}"
        if imp.placeholder[table]:
            note += (
                f"; created_at is the Hub's placeholder (2022-03-02 23:29 UTC, given to repositories "
                f"created before then) for {_fmt(imp.placeholder[table])} rows"
            )
        note += "".join(f"; source: {k}" for k in self._known(kind))
        lost = self._bad(kind)["malformed"]
        broken = [f"{f.label} ({f.broken})" for f in self._of(kind) if f.broken]
        scope = "all"
        if lost or broken:
            scope = "subset"  # some listed repositories could not be imported
            note = (
                f"NOT the whole listing: {_fmt(lost)} malformed record(s) were not imported (see fetch_log)"
                + (f"; broken file(s), read only up to the break: {', '.join(broken)}" if broken else "")
                + "; "
                + note
            )
        return listing_coverage(
            rows,
            f"the {kind} listed in {self._labels(kind)}",
            note,
            scope=scope,
            covered=rows,
            fields_non_null=fields,
            created_at_placeholder=imp.placeholder[table],
            **self._bad(kind),
        )

    def space_models(self) -> dict[str, Any]:
        imp = self.imp
        info_n, space_n = self.steps.get("model_spaces", 0), self.steps.get("space_models", 0)
        if not (info_n or space_n):
            return coverage("none", rows=0, note="no model_info records with spaces and no spaces listing with models")
        bits, selection = [], None
        if info_n:
            listed = imp.rows["models"]
            ids = imp.info_ids.to_pylist() if imp.info_ids is not None else []
            sel = _selection(ids)
            selection = Selection("by-name" if "selected by name" in sel else "as-given")
            unlisted = sum(1 for i in ids if i not in imp.seen.get("models", ()))
            if listed and unlisted:
                sel += f"; {_fmt(unlisted)} of them are not in the models listing"
            of = f" of {_fmt(listed)} listed" if listed else ""
            bits.append(
                f"space edges for {_fmt(info_n)}{of} models from model_info records ({sel}); "
                "a space appears only if it uses one of these models"
            )
        if space_n:
            bits.append(f"models used by {_fmt(space_n)} spaces from the spaces listing")
        return coverage(
            "subset",
            rows=imp.rows["space_models"],
            population="the models every space uses",
            covered=info_n + space_n,
            selection=selection,
            repositories={"model_spaces": info_n, "space_models": space_n},
            **self._bad("model_info"),
            note="; ".join(bits),
        )

    def per_repo(self, table: str) -> dict[str, Any]:
        imp, kind = self.imp, table
        if kind not in self.kinds:
            return coverage("none", rows=0, note=f"no {kind} in the sources")
        n_repos = self.steps.get(kind, 0)
        by_type = Counter(k[0] for k in imp.coverage_rows[kind])
        listed = sum(imp.rows[REPO_TABLES[t]] for t in by_type)
        of = f" (of {_fmt(listed)} listed)" if listed else ""
        note = (
            f"{_fmt(imp.rows[table])} {kind} of only the {_fmt(n_repos)} repositories{of} that appear in "
            f"{self._labels(kind)}; other repositories were not covered (see repo_coverage)"
        )
        note += "".join(f"; source: {k}" for k in self._known(kind))
        names = sorted(set(self._known(kind, "author_names")))
        return coverage(
            "subset" if imp.rows[table] else "none",
            rows=imp.rows[table],
            population=f"the {kind} of every listed repository",
            covered=n_repos,
            selection=Selection("as-given"),
            author_names=", ".join(names) if names else None,
            repositories=n_repos,
            repositories_by_type=dict(by_type),
            fields_non_null=self._fields(table),
            **self._bad(kind),
            note=note if imp.rows[table] else f"EMPTY: {self._labels(kind)} gave no records; {note}",
        )

    def all(self) -> dict[str, dict[str, Any]]:
        imp, steps = self.imp, self.steps
        cov = {t: self.listing(t) for t in ("models", "datasets", "spaces")}
        cov["space_models"] = self.space_models()
        cov |= {t: self.per_repo(t) for t in ("commits", "discussions")}
        cov["repo_coverage"] = coverage(
            "subset" if steps else "none",
            rows=imp.rows["repo_coverage"],
            steps=steps,
            note="one row per repository and step covered: "
            + (", ".join(f"{s} {_fmt(n)}" for s, n in steps.items()) or "none"),
        )
        cov["owners"] = coverage("none", rows=0, note="owner kinds (user/organization) are not in the records")
        cov["fetch_log"] = coverage(
            "all",
            rows=sum(imp.log.counts.values()),
            note=f"every record not imported: {_fmt(imp.log.counts['malformed'])} malformed, "
            f"{_fmt(imp.log.counts['duplicate'])} duplicate",
        )
        return cov


def _snapshot_date(files: list[SourceFile], imp: _Importer) -> tuple[str, str]:
    """The snapshot's date and its basis: when the listings were fetched, never a date read from the
    records (one record's absurd ``createdAt`` would date the whole snapshot; records dated after the
    snapshot date are flagged in the book's data-quality table instead)."""
    listing = [f for f in files if f.kind in ("models", "datasets", "spaces")]
    if listing and all(f.sha256 in KNOWN_SOURCES for f in listing):
        date = max(KNOWN_SOURCES[f.sha256]["collected"] for f in listing)
        return date, (
            f"latest collection date of the listings ({', '.join(f.label for f in listing)}), "
            "as documented for these known source files"
        )
    fetched = listing or files
    if fetched:
        latest = max(f.path.stat().st_mtime for f in fetched)
        day = dt.datetime.fromtimestamp(latest, dt.UTC).date().isoformat()
        return day, (
            f"latest modification time of the {'listing' if listing else 'record'} files "
            f"({', '.join(f.label for f in fetched)}): when they were written, at or after their fetch; "
            "give --snapshot-date if they were copied later"
        )
    return dt.date.today().isoformat(), "no record files: the import date"


def import_records(sources: list[Path], out_dir: Path, **options: Any) -> Snapshot:
    """Import record files from ``sources`` (folders or files) into a new snapshot at ``out_dir``.

    ``on_error``: ``"log"`` rejects bad records into ``fetch_log`` and goes on;
    ``"stop"`` raises :class:`ImportStopped` at the first one (the partial
    snapshot is removed). ``progress``: a tqdm bar over the bytes read (None:
    only on a terminal); also ``snapshot_id``, ``snapshot_date``, ``block_size`` and
    ``summary`` (called with the summary text). Returns the opened snapshot.

    One import at a time per output folder: a second one gets a one-line error naming the
    first (:class:`analysis.snapshot.lock.FolderLock`).
    """
    with FolderLock(Path(out_dir), "python -m analysis import"):
        return _import_records(sources, out_dir, **options)


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
    if on_error not in ("log", "stop"):
        raise ValueError(f"on_error is {on_error!r}, expected 'log' or 'stop'")
    out_dir = Path(out_dir)
    files, ignored = find_sources([Path(s) for s in sources])
    if snapshot_date is not None:
        try:
            dt.date.fromisoformat(snapshot_date)
        except ValueError:
            raise ImportStopped(f"snapshot date {snapshot_date!r}; expected YYYY-MM-DD") from None
    existed = out_dir.exists()
    if existed:
        resolved = out_dir.resolve()
        if any(resolved == Path(s).resolve() or resolved in Path(s).resolve().parents for s in sources):
            raise ImportStopped(f"{out_dir}: the output folder is one of the sources; give a new folder as OUT_DIR")
        if any(out_dir.iterdir()) and not (out_dir / "manifest.json").exists():
            raise ImportStopped(f"{out_dir}: exists and is not a snapshot; give a new folder as OUT_DIR")
    writer = SnapshotWriter(
        out_dir, snapshot_id, snapshot_date=snapshot_date or "1970-01-01", source_kind="import", source_parameters={}
    )
    bar = None
    try:
        from tqdm import tqdm

        total = sum(f.path.stat().st_size for f in files)
        bar = tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            desc="import",
            disable=(None if progress is None else not progress),
            file=sys.stderr,
            leave=False,
        )
        imp = _Importer(writer, on_error, block_size, bar)
        for f in files:
            bar.set_postfix_str(f.label, refresh=False)
            imp.run_file(f)
        bar.close()
        imp.log.flush()
        steps = imp.write_derived()
        date, basis = (snapshot_date, "given") if snapshot_date else _snapshot_date(files, imp)
        writer.snapshot_date = date
        writer.source_parameters = {
            "importer": "analysis.sources.importer",
            "files": [f.info() for f in files],
            "ignored_files": ignored,
            "on_error": on_error,
            "snapshot_date_basis": basis,
            "models_enriched_from_model_info": {k: v for k, v in imp.enriched.items() if v},
            "blocks": {"parsed_by_pyarrow": imp.fast_blocks, "parsed_line_by_line": imp.slow_blocks},
        }
        cov = _CoverageOf(imp, files, steps).all()
        notes = [f"imported from {', '.join(f.label for f in files)}"]
        notes += [f"{f.label}: {KNOWN_SOURCES[f.sha256]['note']}" for f in files if f.sha256 in KNOWN_SOURCES]
        if any(imp.log.counts.values()):
            notes.append(
                f"{_fmt(imp.log.counts['malformed'])} malformed and {_fmt(imp.log.counts['duplicate'])} "
                "duplicate records were not imported (see fetch_log)"
            )
        writer.finish(cov, notes=notes)
    except BaseException:
        if bar is not None:
            bar.close()
        for app in getattr(writer, "_open", {}).values():
            try:
                app.close()
            except Exception:
                pass
        if not existed:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    snap = open_snapshot(out_dir)
    if summary:
        summary(_summary(snap, imp, files))
    return snap


def _summary(snap: Snapshot, imp: _Importer, files: list[SourceFile]) -> str:
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
