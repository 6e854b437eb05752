"""Reading raw record files: decompressed blocks cut at line ends, each parsed into an Arrow table.

Files are read as decompressed byte blocks (:data:`BLOCK_SIZE`) cut at line ends; a block is
parsed by ``pyarrow.json`` with an explicit schema. A block that does not parse (bad JSON, a wrong
type) is parsed again line by line with :func:`json.loads`, so that each bad line is found and
reported with its file and line number. A truncated or corrupt file yields every complete line
before the break, then raises :class:`FileBroken`.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.json as pj

from analysis.sources.hubapi import JSON_SCHEMAS, check_value, type_name

#: decompressed bytes parsed at once (about 80,000 model records)
BLOCK_SIZE = 16 << 20

_GATED_RE = re.compile(rb'"gated"\s*:\s*(true|false)')


class HashingReader(io.RawIOBase):
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


class FileBroken(Exception):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _gunzip(raw: HashingReader, block_size: int) -> Iterator[bytes]:
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


def blocks(raw: HashingReader, gz: bool, block_size: int) -> Iterator[tuple[int, int, bytes]]:
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
            raise FileBroken(
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


def parse_block(
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
