"""What a dump comes in, opened as one stream of SQL (:func:`open_dump`, :class:`Container`).

``.sql``, ``.sql.gz``, ``.sql.zst``, a ``.zip`` whose members are stored, Deflate, Deflate64 (ZIP
method 9, what Windows and 7-Zip write for large files; ``inflate64``), bzip2 or LZMA, and a
``.rar`` (RAR 4 or 5, through libarchive: ``libarchive-c``). In an archive the ``.sql`` may sit in
a folder, or the dump may be split over several ``.sql`` files (read one after the other in name
order, numbers compared as numbers). Nothing is extracted to disk. A file that is not a dump, or
an archive that cannot be read (an unknown method, a password, one volume of several, no or
several unrelated ``.sql`` files, data cut or corrupt) is a :class:`DumpError` with a one-line
message naming the file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: the first line mariadb-dump / mysqldump writes
DUMP_HEADER = re.compile(rb"^-- (MariaDB|MySQL) dump ", re.M)
CHUNK = 1 << 20


class DumpError(Exception):
    """A dump file is not a MariaDB dump, is truncated, or failed to load."""


#: member names that hold SQL (plain or compressed) inside a zip or rar archive
SQL_SUFFIXES = (".sql", ".sql.gz", ".sql.zst", ".sql.zstd")
#: ZIP compression methods by number (APPNOTE 4.4.5), for messages
ZIP_METHODS = {
    0: "stored",
    8: "Deflate",
    9: "Deflate64",
    12: "bzip2",
    14: "LZMA",
    93: "Zstandard",
    95: "XZ",
    98: "PPMd",
    99: "AES",
}
_UNPACK = "extract the .sql file with 7-Zip (7z x FILE) and give that"


class _Counting(io.RawIOBase):
    """Wraps a binary file: the bytes read so far (for progress) and, if read in order, a sha256."""

    def __init__(self, fh, on_pos: Callable[[int], None] | None = None, hashing: bool = True):
        self.fh = fh
        self.on_pos = on_pos
        self.sha = hashlib.sha256() if hashing else None
        self.done = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self.fh.seekable()

    def seek(self, *a):
        if self.sha is not None and a != (0, 1):
            self.sha = None  # not read in order: hashed separately
        return self.fh.seek(*a)

    def tell(self) -> int:
        return self.fh.tell()

    def readinto(self, b) -> int:
        n = self.fh.readinto(b)
        if self.sha is not None and n:
            self.sha.update(memoryview(b)[:n])
        self.done += n or 0
        if self.on_pos and n:
            self.on_pos(self.done)
        return n

    def close(self) -> None:
        self.fh.close()
        super().close()


def dump_kind(path: Path) -> str:
    """``zip``, ``rar``, ``gzip``, ``zstd`` or ``sql`` from the file's first bytes (not its name)."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if magic.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if magic.startswith(b"\x1f\x8b"):
        return "gzip"
    if magic.startswith(b"\x28\xb5\x2f\xfd"):
        return "zstd"
    if magic.startswith(b"7z\xbc\xaf\x27\x1c"):
        raise DumpError(f"{path}: a 7z archive, which this loader does not read; {_UNPACK}")
    return "sql"


def _natural(name: str) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)]


def _decompressing(name: str, stream):
    """A member's own compression (``.sql.gz``, ``.sql.zst``) undone."""
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=stream)
    if name.endswith((".zst", ".zstd")):
        import pyarrow as pa

        return pa.CompressedInputStream(pa.PythonFile(stream, mode="r"), "zstd")
    return stream


class _Deflate64(io.RawIOBase):
    """A zip member compressed with Deflate64 (ZIP method 9), inflated as it is read (``inflate64``),
    its CRC-32 and size checked at the end."""

    def __init__(self, fh, info: zipfile.ZipInfo):
        import inflate64

        fh.seek(info.header_offset)
        head = fh.read(30)
        if head[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"no local header for {info.filename}")
        n, m = struct.unpack("<HH", head[26:30])
        fh.seek(info.header_offset + 30 + n + m)
        self.fh, self.info, self.left = fh, info, info.compress_size
        self.inflater = inflate64.Inflater()
        self.pending = b""
        self.at = 0
        self.crc = 0
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while self.at >= len(self.pending) and self.left:
            data = self.fh.read(min(self.left, CHUNK))
            if not data:
                raise EOFError(f"the file ends inside member {self.info.filename}")
            self.left -= len(data)
            self.pending, self.at = self.inflater.inflate(data), 0
            self.crc = zlib.crc32(self.pending, self.crc)
            self.size += len(self.pending)
        if self.at >= len(self.pending):
            if self.size != self.info.file_size or self.crc != self.info.CRC:
                raise zipfile.BadZipFile(f"member {self.info.filename}: bad CRC-32 or size (corrupt data)")
            return 0
        n = min(len(b), len(self.pending) - self.at)
        b[:n] = memoryview(self.pending)[self.at : self.at + n]
        self.at += n
        return n


class _Concat(io.RawIOBase):
    """Members read one after the other as one stream; a member that cannot be read is a DumpError."""

    def __init__(self, where: str, openers: list[tuple[str, Callable[[], Any]]]):
        self.where = where
        self.openers = list(openers)
        self.current: Any = None
        self.member = ""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while True:
            if self.current is None:
                if not self.openers:
                    return 0
                self.member, opener = self.openers.pop(0)
                self.current = self._guard(opener)
            data = self._guard(lambda: self.current.read(len(b)))
            if data:
                b[: len(data)] = data
                return len(data)
            self.current.close()
            self.current = None

    def _guard(self, fn):
        try:
            return fn()
        except DumpError:
            raise
        except Exception as exc:  # zlib, gzip, zipfile, inflate64, Arrow and libarchive errors
            what = f" ({self.member})" if self.member else ""
            raise DumpError(
                f"{self.where}{what}: truncated or corrupt compressed data ({str(exc)[:160] or type(exc).__name__}); "
                "the download may be incomplete: compare its size with the record's"
            ) from None

    def close(self) -> None:
        if self.current is not None:
            try:
                self.current.close()
            except Exception:
                pass
        super().close()


class Container:
    """An opened dump file: its kind, the SQL members read (in order) and their SQL as one stream."""

    def __init__(self, path: Path, on_pos: Callable[[int], None] | None = None):
        self.path = path
        self.kind = dump_kind(path)
        self.raw = _Counting(open(path, "rb"), on_pos, hashing=self.kind in ("sql", "gzip", "zstd"))
        self.members: list[str] = []
        self.sql_bytes: int | None = None  # the SQL's size where the container says it
        self.order = ""
        try:
            openers = getattr(self, f"_open_{self.kind}")()
        except BaseException:
            self.raw.close()
            raise
        self.stream = io.BufferedReader(_Concat(str(path), openers), CHUNK)

    # single streams
    def _open_sql(self):
        self.sql_bytes = self.path.stat().st_size
        return [("", lambda: self.raw)]

    def _open_gzip(self):
        return [("", lambda: gzip.GzipFile(fileobj=self.raw))]

    def _open_zstd(self):
        return [("", lambda: _decompressing(".zst", self.raw))]

    # archives
    def _choose(self, names: list[str], peek: Callable[[str], bytes] | None) -> list[str]:
        every = [n for n in names if not n.endswith("/")]
        sql = [
            n
            for n in every
            if n.lower().endswith(SQL_SUFFIXES) and not n.startswith("__MACOSX/") and not Path(n).name.startswith("._")
        ]
        shown = ", ".join(every[:6]) + (", ..." if len(every) > 6 else "") or "none"
        if not sql:
            raise DumpError(
                f"{self.path}: no .sql file in the {self.kind} archive (members: {shown}); "
                "this is not a database dump: check the download"
            )
        sql.sort(key=_natural)
        if len(sql) == 1:
            return sql
        # parts of one dump: the same name but for numbers (dump_part1.sql, dump_part2.sql, ...), or
        # each a mariadb-dump of the same database (one file per table)
        if len({re.sub(r"\d+", "#", n) for n in sql}) == 1:
            self.order = f"{len(sql)} parts of one dump, loaded in name order (numbers compared as numbers)"
            return sql
        if peek is not None:
            dbs = set()
            for n in sql:
                m = re.search(rb"^-- Host: .*?Database: (\S+)", peek(n), re.M)
                dbs.add(m.group(1) if m else None)
            if len(dbs) == 1 and None not in dbs:
                self.order = f"{len(sql)} dumps of database {dbs.pop().decode(errors='replace')}, loaded in name order"
                return sql
        raise DumpError(
            f"{self.path}: {len(sql)} unrelated .sql files in the archive ({', '.join(sql[:4])}"
            f"{', ...' if len(sql) > 4 else ''}); extract the dump you mean (7z x FILE) and give that file"
        )

    def _open_zip(self):
        try:
            zf = zipfile.ZipFile(self.raw)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DumpError(
                f"{self.path}: not a readable zip file ({exc}); the download may be incomplete: "
                "compare its size with the record's"
            ) from None
        infos = {i.filename: i for i in zf.infolist()}

        def check(i: zipfile.ZipInfo) -> None:
            if i.flag_bits & 0x1 or i.compress_type == 99:
                raise DumpError(
                    f"{self.path}: member {i.filename} is encrypted (password-protected); extract it with its "
                    "password (7z x FILE) and give the .sql file"
                )
            if i.compress_type not in (0, 8, 9, 12, 14):
                method = ZIP_METHODS.get(i.compress_type, "unknown")
                raise DumpError(
                    f"{self.path}: member {i.filename} is compressed with ZIP method {i.compress_type} ({method}), "
                    f"which this loader cannot read; {_UNPACK}"
                )

        def opener(name: str):
            i = infos[name]
            check(i)
            return (
                (lambda: _decompressing(name, _Deflate64(self.raw, i)))
                if i.compress_type == 9
                else (lambda: _decompressing(name, zf.open(i)))
            )

        def peek(name: str) -> bytes:
            s = opener(name)()
            try:
                return s.read(4096)
            finally:
                s.close()

        chosen = self._choose(list(infos), peek)
        for n in chosen:
            check(infos[n])
        self.members = chosen
        if all(not n.endswith((".gz", ".zst", ".zstd")) for n in chosen):
            self.sql_bytes = sum(infos[n].file_size for n in chosen)
        return [(n, opener(n)) for n in chosen]

    def _open_rar(self):
        try:
            import libarchive
        except (ImportError, OSError) as exc:  # libarchive-c finds the system's libarchive when imported
            raise DumpError(
                f"{self.path}: reading a RAR archive needs libarchive ({exc}); install it with make mariadb-deps"
            ) from None

        flags = rar_flags(self.path)
        if flags.get("volume"):
            raise DumpError(
                f"{self.path}: one volume of a multi-volume RAR archive; put all its volumes (.part1.rar, "
                ".part2.rar, ...) in one folder and extract them with unrar x FIRST_VOLUME, then give the .sql file"
            )
        if flags.get("encrypted"):
            raise DumpError(
                f"{self.path}: a password-protected RAR archive; extract it with its password and give the .sql file"
            )
        sizes: dict[str, int] = {}
        fmt = flags["format"]
        try:
            with open(self.path, "rb") as fh, libarchive.stream_reader(fh, format_name=fmt) as arc:
                for entry in arc:
                    if not entry.isdir:
                        sizes[entry.pathname] = entry.size
        except libarchive.ArchiveError as exc:
            raise DumpError(
                f"{self.path}: not a readable RAR archive ({exc}); the download may be incomplete"
            ) from None
        chosen = self._choose(list(sizes), None)
        self.members = chosen
        if all(not n.endswith((".gz", ".zst", ".zstd")) for n in chosen):
            self.sql_bytes = sum(sizes[n] for n in chosen)
        raw = self.raw

        class _Rar(io.RawIOBase):
            """The chosen members' blocks, in archive order (libarchive reads RAR 4 and 5)."""

            def __init__(self):
                self.ctx = libarchive.stream_reader(raw, format_name=fmt, block_size=CHUNK)
                arc = self.ctx.__enter__()
                self.blocks = (blk for e in arc if e.pathname in chosen for blk in e.get_blocks(CHUNK))
                self.pending = b""
                self.at = 0

            def readable(self) -> bool:
                return True

            def readinto(self, b) -> int:
                if self.at >= len(self.pending):
                    self.pending, self.at = next(self.blocks, b""), 0
                n = min(len(b), len(self.pending) - self.at)
                b[:n] = memoryview(self.pending)[self.at : self.at + n]
                self.at += n
                return n

            def close(self) -> None:
                try:
                    self.ctx.__exit__(None, None, None)
                except Exception:
                    pass
                super().close()

        if len(chosen) > 1 and [n for n in sizes if n in chosen] != chosen:
            self.order = f"{len(chosen)} parts, loaded in archive order"
        return [(", ".join(chosen), _Rar)]

    def sha256(self) -> str:
        return self.raw.sha.hexdigest() if self.raw.sha is not None else _sha256(self.path)

    def close(self) -> None:
        try:
            self.stream.close()
        finally:
            self.raw.close()


def rar_flags(path: Path) -> dict[str, Any]:
    """libarchive's ``format`` name (``rar`` for RAR 4, ``rar5``), ``volume`` and ``encrypted`` from a RAR archive's main header (RAR 4 and 5 layouts)."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    if head.startswith(b"Rar!\x1a\x07\x01\x00"):  # RAR 5: CRC32, then vints: size, type, flags, ...

        def vint(pos: int) -> tuple[int, int]:
            out = shift = 0
            while pos < len(head):
                byte = head[pos]
                out |= (byte & 0x7F) << shift
                pos += 1
                if not byte & 0x80:
                    break
                shift += 7
            return out, pos

        pos = 12
        _, pos = vint(pos)  # header size
        htype, pos = vint(pos)
        if htype == 4:  # archive encryption header: the headers themselves are encrypted
            return {"format": "rar5", "volume": False, "encrypted": True}
        hflags, pos = vint(pos)
        if hflags & 0x1:
            _, pos = vint(pos)  # extra area size
        if hflags & 0x2:
            _, pos = vint(pos)  # data size
        aflags, _ = vint(pos)
        return {"format": "rar5", "volume": htype == 1 and bool(aflags & 0x1), "encrypted": False}
    if head.startswith(b"Rar!\x1a\x07\x00") and len(head) >= 14:  # RAR 4: MAIN_HEAD flags after CRC16 and type
        flags = struct.unpack("<H", head[10:12])[0]
        return {"format": "rar", "volume": bool(flags & 0x0001), "encrypted": bool(flags & 0x0080)}
    return {"format": "rar"}


def open_dump(path: Path, on_pos: Callable[[int], None] | None = None) -> Container:
    """The dump file opened (see :class:`Container`); a DumpError naming the file if it cannot be."""
    return Container(Path(path), on_pos)


def check_head(path: Path, head: bytes) -> None:
    """Refuse a file that does not start like a MariaDB/MySQL dump."""
    if DUMP_HEADER.search(head[:4096]):
        return
    text = head[:65536]
    if b"\x00" in text[:4096]:
        raise DumpError(f"{path}: not a MariaDB dump (binary content, no '-- MariaDB dump' header)")
    if re.search(rb"^\s*(CREATE TABLE|INSERT INTO|DROP TABLE|LOCK TABLES|/\*!40\d{3} SET)", text, re.M | re.I):
        return
    first = text.strip().splitlines()[:1]
    shown = first[0][:60].decode("utf-8", "replace") if first else "(empty)"
    raise DumpError(f"{path}: not a MariaDB dump (no '-- MariaDB dump' header; it starts with {shown!r})")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK * 8):
            h.update(block)
    return h.hexdigest()
