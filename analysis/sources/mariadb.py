"""A private MariaDB server, started and stopped by the project, and loading a dump into it.

:class:`Server` runs Debian's ``mariadbd`` (package ``mariadb-server``; ``make mariadb-deps``
installs it) on a folder of its own: the data directory ``<root>/db``, the Unix socket
``<root>/mariadb.sock``, the log ``<root>/mariadb.err``. It never listens on a TCP port
(``--skip-networking``), runs as the current user (``--user=root`` when that is root, as mariadbd
requires), and accepts only that user, over the socket (``unix_socket`` authentication). A
server started by :meth:`Server.start` is stopped by :meth:`Server.stop` (or on leaving the
``with`` block); a server that was already running on the folder is used and left running. It
runs with bulk-load settings: its data can always be loaded again from the dump, so it keeps no
binary log, writes no doublewrite buffer and flushes its redo log about once a second rather
than at every commit; its buffer pool is sized to the machine (:func:`buffer_pool_size`).

:func:`load_dump` streams a dump into the server through the ``mariadb`` client, with a
progress bar (rate and time left) over the bytes of the file. :class:`Container` reads what dumps
come in: ``.sql``, ``.sql.gz``, ``.sql.zst``, a ``.zip`` whose members are stored, Deflate,
Deflate64 (ZIP method 9, what Windows and 7-Zip write for large files; ``inflate64``), bzip2 or
LZMA, and a ``.rar`` (RAR 4 or 5, through libarchive: ``libarchive-c``). In an archive the
``.sql`` may sit in a folder, or the dump may be split over several ``.sql`` files (loaded one
after the other in name order, numbers compared as numbers). Nothing is extracted to disk.
:class:`SqlStream` splits the SQL into statements as it streams: only the tables wanted reach
the server, and every ``CREATE TABLE`` is shown to a check before that table's rows arrive, so a
dump the importer cannot read fails in seconds. A file that is not a dump, an archive that
cannot be read (an unknown method, a password, one volume of several, no or several unrelated
``.sql`` files), a dump cut in the middle of a statement or a full disk is a :class:`DumpError`
with a one-line message naming the file; a server that cannot start, a :class:`ServerError`.
"""

from __future__ import annotations

import getpass
import gzip
import hashlib
import io
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: the longest Unix socket path the kernel accepts (sun_path is 108 bytes with the NUL)
MAX_SOCKET_PATH = 107
#: the first line mariadb-dump / mysqldump writes, and the last one (absent from a cut dump)
DUMP_HEADER = re.compile(rb"^-- (MariaDB|MySQL) dump ", re.M)
DUMP_TRAILER = re.compile(rb"-- Dump completed(?: on (\d{4}-\d{2}-\d{2}))?")
CHUNK = 1 << 20


class ServerError(Exception):
    """The MariaDB server cannot be installed, started, reached or stopped."""


class DumpError(Exception):
    """A dump file is not a MariaDB dump, is truncated, or failed to load."""


def _find(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for d in ("/usr/sbin", "/usr/bin", "/usr/local/sbin") if (p := Path(d) / name).is_file()), None
    )


def binaries() -> dict[str, str]:
    """Paths of mariadbd, mariadb-install-db and the mariadb client; ServerError if missing."""
    out = {}
    for key, names in (
        ("server", ("mariadbd", "mysqld")),
        ("install", ("mariadb-install-db", "mysql_install_db")),
        ("client", ("mariadb", "mysql")),
    ):
        found = next((p for n in names if (p := _find(n))), None)
        if not found:
            raise ServerError(
                f"{names[0]} not found: Debian's mariadb-server is not installed (run: make mariadb-deps)"
            )
        out[key] = found
    return out


def available() -> bool:
    try:
        binaries()
    except ServerError:
        return False
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _log_reason(log: Path, offset: int) -> str:
    """The first [ERROR] line the server logged since ``offset`` (without its time stamp)."""
    try:
        with open(log, "rb") as fh:
            fh.seek(offset)
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return "no log written"
    return _first_error(text)


def _first_error(text: str) -> str:
    errors = [ln for ln in text.splitlines() if "[ERROR]" in ln]
    # the innermost cause is usually the first line; the 'Aborting' line says nothing
    errors = [e for e in errors if "Aborting" not in e and "Plugin 'InnoDB' registration" not in e] or errors
    if not errors:
        tail = [ln for ln in text.splitlines() if ln.strip()]
        return tail[-1].strip() if tail else "the server exited without logging a reason"
    line = errors[0]
    return re.sub(r"^\S+\s+\S+\s+\d+\s+\[ERROR\]\s*", "", line).strip()


def buffer_pool_size() -> str:
    """A quarter of the machine's memory, between 256 MB and 8 GB (the importer, beside the server,
    stays under 4 GB)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 4 << 30
    return f"{max(256, min(8192, total // 4 >> 20))}M"


class Server:
    """One private mariadbd on ``root`` (see the module's docstring)."""

    def __init__(
        self,
        root: str | os.PathLike,
        *,
        user: str | None = None,
        buffer_pool: str | None = None,
        log_file_size: str = "96M",
        extra_args: list[str] | None = None,
    ):
        self.root = Path(root).absolute()
        self.os_user = getpass.getuser()
        self.user = user or self.os_user  # the OS user mariadbd runs as
        self.buffer_pool = buffer_pool or buffer_pool_size()
        self.log_file_size = log_file_size
        self.extra_args = list(extra_args or [])
        self.proc: subprocess.Popen | None = None
        self.owned = False

    datadir = property(lambda self: self.root / "db")
    socket = property(lambda self: self.root / "mariadb.sock")
    log = property(lambda self: self.root / "mariadb.err")
    pidfile = property(lambda self: self.root / "mariadb.pid")

    def initialised(self) -> bool:
        return (self.datadir / "mysql").is_dir()

    def running(self) -> bool:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return False
        return _pid_alive(pid) and self.socket.exists()

    def initialise(self) -> None:
        bins = binaries()
        self.datadir.mkdir(parents=True, exist_ok=True)
        cmd = [
            bins["install"],
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--user={self.user}",
            "--auth-root-authentication-method=socket",
            f"--auth-root-socket-user={self.os_user}",
            "--skip-test-db",
        ]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0 or not self.initialised():
            shutil.rmtree(self.datadir / "mysql", ignore_errors=True)
            why = _first_error(res.stderr + "\n" + res.stdout)
            raise ServerError(f"MariaDB server could not start in {self.datadir}: mariadb-install-db failed: {why}")

    def command(self) -> list[str]:
        return [
            binaries()["server"],
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--socket={self.socket}",
            "--skip-networking",
            f"--pid-file={self.pidfile}",
            f"--log-error={self.log}",
            f"--user={self.user}",
            f"--tmpdir={self.root / 'tmp'}",
            f"--innodb-buffer-pool-size={self.buffer_pool}",
            f"--innodb-log-file-size={self.log_file_size}",
            # bulk-load settings: the data can always be loaded again from the dump
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--skip-log-bin",
            "--max-allowed-packet=1G",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
            "--default-time-zone=+00:00",
            *self.extra_args,
        ]

    def start(self, timeout: float = 120) -> Server:
        if len(os.fsencode(self.socket)) > MAX_SOCKET_PATH:
            raise ServerError(
                f"{self.socket}: socket path is {len(os.fsencode(self.socket))} bytes, longer than the "
                f"{MAX_SOCKET_PATH} a Unix socket allows; use a shorter folder"
            )
        if self.running():
            self.owned = False
            return self
        binaries()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / "tmp").mkdir(exist_ok=True)
            if not self.initialised():
                self.initialise()
        except OSError as exc:
            raise ServerError(f"MariaDB server could not start in {self.datadir}: {exc}") from None
        if self.socket.exists() or self.socket.is_symlink():
            if self._socket_in_use():
                raise ServerError(
                    f"MariaDB server could not start in {self.datadir}: its socket {self.socket} is in use by "
                    "another server; stop that server or use another folder"
                )
            self.socket.unlink()  # left by a server that died
        offset = self.log.stat().st_size if self.log.exists() else 0
        self.proc = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.owned = True
        deadline = time.monotonic() + timeout
        while True:
            code = self.proc.poll()
            if code is not None:
                self.proc = None
                self.owned = False
                raise ServerError(f"MariaDB server could not start in {self.datadir}: {_log_reason(self.log, offset)}")
            if self.socket.exists():
                try:
                    self.connect().close()
                    return self
                except ServerError:
                    pass
            if time.monotonic() > deadline:
                self.stop()
                raise ServerError(f"MariaDB server in {self.datadir} did not accept connections within {timeout:.0f} s")
            time.sleep(0.2)

    def _socket_in_use(self) -> bool:
        import socket as _socket

        s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            s.connect(str(self.socket))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def connect(self, database: str | None = None, **kw: Any):
        import pymysql

        try:
            return pymysql.connect(
                unix_socket=str(self.socket), user=self.os_user, database=database, charset="utf8mb4", **kw
            )
        except pymysql.MySQLError as exc:
            raise ServerError(f"{self.socket}: cannot connect ({exc.args[-1] if exc.args else exc})") from None

    def stop(self, timeout: float = 300) -> None:
        """Stop the server if this object started it (a clean InnoDB shutdown)."""
        if not self.owned or self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self.owned = False

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


# --------------------------------------------------------------------------- #
# containers: what a dump comes in
# --------------------------------------------------------------------------- #

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


# --------------------------------------------------------------------------- #
# the statements of a dump, as they stream past
# --------------------------------------------------------------------------- #

_NAME = rb"`((?:[^`]|``)+)`"
_INSERT = re.compile(
    rb"\s*(?:INSERT|REPLACE)(?:\s+(?:IGNORE|DELAYED|LOW_PRIORITY|HIGH_PRIORITY))*\s+INTO\s+" + _NAME, re.I
)
_TABLE_STMT = re.compile(
    rb"\s*(?:(DROP) TABLE (?:IF EXISTS )?|(CREATE) TABLE (?:IF NOT EXISTS )?|(LOCK) TABLES |"
    rb"/\*!40000 (ALTER) TABLE )" + _NAME,
    re.I,
)
_END = re.compile(rb";\r?\n")
_SECONDARY = re.compile(rb"^\s*(?:(?:UNIQUE|FULLTEXT|SPATIAL)\s+)?(?:KEY|INDEX)\s|^\s*CONSTRAINT\s", re.I)


def without_secondary_keys(stmt: bytes) -> bytes:
    """A ``CREATE TABLE`` without its secondary keys and foreign keys (the primary key kept):
    rows load in the primary key's order, which mariadb-dump writes, and no other index is
    maintained row by row."""
    lines = stmt.split(b"\n")
    kept = [ln for ln in lines if not _SECONDARY.match(ln)]
    if len(kept) == len(lines):
        return stmt
    for i in range(len(kept) - 1, 0, -1):  # the definition before the closing ')' takes no comma
        if kept[i].lstrip().startswith(b")"):
            kept[i - 1] = kept[i - 1].rstrip().rstrip(b",")
            break
    return b"\n".join(kept)


_COLUMN = re.compile(rb"^\s*" + _NAME + rb"\s+([A-Za-z]+(?:\([^)]*\))?(?:\s+unsigned)?)", re.M)


def create_columns(stmt: bytes) -> dict[str, str]:
    """The columns of a ``CREATE TABLE`` statement, with their types (lower case)."""
    body = stmt[stmt.index(b"(") + 1 :] if b"(" in stmt else b""
    return {
        m.group(1).decode("utf-8", "replace").replace("``", "`"): m.group(2).decode("ascii", "replace").lower()
        for m in _COLUMN.finditer(body)
    }


class SqlStream:
    """A dump's statements, split as they stream past, filtered to the tables wanted.

    A statement ends at a line ending in ``;``: mariadb-dump escapes the newlines inside values,
    and writes an ``INSERT`` on one line or (10.11 and later) one row a line. ``keep(table)`` says whether a table's
    statements go to the server; ``on_create(table, columns)`` sees every ``CREATE TABLE`` (and may
    raise to stop the load there). ``CREATE DATABASE`` and ``USE`` are dropped (the load chooses
    the database), and so are views, triggers and routines (they may name tables not loaded).
    """

    def __init__(
        self,
        keep: Callable[[str], bool] = lambda t: True,
        on_create: Callable[[str, dict[str, str]], None] = lambda t, c: None,
        rewrite: Callable[[str, bytes], bytes] = lambda t, stmt: stmt,
    ):
        self.keep, self.on_create, self.rewrite = keep, on_create, rewrite
        self.buf = b""
        self.mode: str | None = None  # inside an INSERT: 'pass' or 'drop' until its line ends in ';'
        self.stmt: list[bytes] = []  # a statement being gathered (not an INSERT)
        self.delimiter = b";"
        self.current: str | None = None  # the table whose section this is
        self.current_kept = True
        self.created: list[str] = []
        self.filled: set[str] = set()
        self.closed: set[str] = set()
        self.skipped: Counter = Counter()  # table -> bytes not passed to the server
        self.dropped: Counter = Counter()  # kind of statement -> count (database, view, trigger...)
        self.trailer: bytes | None = None
        self.last = b";"  # the last non-blank byte of the last statement's text
        self.complete = False
        self.feeding_stopped = False

    def _table(self, name: str) -> None:
        if self.current is not None and name != self.current:
            self.closed.add(self.current)
        self.current = name
        self.current_kept = self.keep(name)

    def feed(self, block: bytes) -> bytes:
        buf = self.buf + block if self.buf else block
        out: list[bytes] = []
        pos, end = 0, len(buf)
        while pos < end:
            if self.mode is not None:  # an INSERT (one line or one row a line) runs to a ';' ending a line
                m = _END.search(buf, pos)
                # without an end here, keep the last two bytes: a ';' whose newline is in the next block
                stop = max(pos, end - 2) if m is None else m.end()
                if self.mode == "pass":
                    out.append(buf[pos:stop])
                else:
                    self.skipped[self.current or "?"] += stop - pos
                pos = stop
                if m is None:
                    break
                self.mode = None
                self.last = b";"
                continue
            nl = buf.find(b"\n", pos)
            if self.stmt:
                if nl < 0:
                    break
                self.stmt.append(buf[pos : nl + 1])
                pos = nl + 1
                if self.stmt[-1].rstrip().endswith(self.delimiter):
                    out.append(self._statement(b"".join(self.stmt)))
                    self.stmt = []
                continue
            if nl < 0 and end - pos < 256:
                break  # too little to tell what this line is
            head = buf[pos : pos + 256]
            m = _INSERT.match(head)
            if m:
                table = m.group(1).decode("utf-8", "replace")
                if table != self.current:
                    self._table(table)
                self.filled.add(table)
                self.mode = "pass" if self.current_kept else "drop"
                continue
            if nl < 0:
                nl = end - 1 if len(buf) - pos > (1 << 24) else -1
                if nl < 0:
                    break
            line = buf[pos : nl + 1]
            pos = nl + 1
            stripped = line.strip()
            if not stripped or stripped.startswith(b"--"):
                if stripped.startswith(b"-- Dump completed"):
                    self.trailer = stripped
                continue  # comments are not passed on
            if stripped.startswith(b"/*M!999999"):  # mariadb-dump's sandbox line (no ';'): for the client
                out.append(line)
                continue
            if stripped.upper().startswith(b"DELIMITER"):
                self.delimiter = stripped.split()[1] if len(stripped.split()) > 1 else b";"
                self.dropped["routine or trigger"] += 1
                continue
            if stripped.endswith(self.delimiter):
                out.append(self._statement(line))
            else:
                self.stmt = [line]
        self.buf = buf[pos:]
        return b"".join(out)

    def _statement(self, stmt: bytes) -> bytes:
        text = stmt.rstrip()
        self.last = text[-1:] if text else self.last
        head = stmt.lstrip()[:300]
        if self.delimiter != b";":
            return b""  # inside a DELIMITER block: triggers and routines
        m = _TABLE_STMT.match(head)
        if m:
            table = m.group(5).decode("utf-8", "replace").replace("``", "`")
            if m.group(2):  # CREATE TABLE: checked before anything of the table is loaded
                self.on_create(table, create_columns(stmt))
            self._table(table)
            if m.group(2) and self.current_kept:
                self.created.append(table)
                stmt = self.rewrite(table, stmt)
            if m.group(4) and b"ENABLE KEYS" in head.upper():
                self.closed.add(table)
            if not self.current_kept:
                self.skipped[table] += len(stmt)
                return b""
            return stmt
        up = head.upper()
        if up.startswith(b"UNLOCK TABLES"):
            if self.current is not None:
                self.closed.add(self.current)
            return stmt if self.current_kept else b""
        if up.startswith((b"CREATE DATABASE", b"USE ", b"/*!40000 DROP DATABASE", b"/*!40000 CREATE DATABASE")):
            self.dropped["database"] += 1
            return b""
        if re.match(rb"/\*!50001 |/\*!50003 |/\*!50013 |/\*!50017 |CREATE (?:OR REPLACE )?(?:ALGORITHM|VIEW)", up):
            self.dropped["view"] += 1
            return b""
        return stmt

    def finish(self) -> bytes:
        """What is left to pass on once the stream has ended; then ``complete`` says whether it
        ended after a whole statement."""
        out = self.feed(b"\n") if self.buf.strip() else b""
        self.complete = self.mode is None and not self.stmt and not self.buf.strip()
        if self.current is not None and self.trailer:
            self.closed.add(self.current)
        return out


# --------------------------------------------------------------------------- #
# loading
# --------------------------------------------------------------------------- #


def free_bytes(folder: Path) -> int:
    while not folder.exists():
        folder = folder.parent
    return shutil.disk_usage(folder).free


def load_dump(
    server: Server,
    path: str | os.PathLike,
    database: str,
    *,
    progress: bool | None = None,
    keep: Callable[[str], bool] = lambda t: True,
    on_create: Callable[[str, dict[str, str]], None] = lambda t, c: None,
    rewrite: Callable[[str, bytes], bytes] = lambda t, stmt: stmt,
    need_tables: Callable[[SqlStream], list[str]] | None = None,
) -> dict[str, Any]:
    """Load dump ``path`` into ``database`` (created if needed), passing only the tables ``keep``
    accepts. Returns what was read: ``bytes``, ``sha256``, ``kind``, ``member`` (archives),
    ``order`` (several members), ``completed_on`` (the trailer's date), ``trailer`` (``present`` or
    ``absent``), ``loaded`` and ``skipped`` (tables), ``seconds``.

    A dump without the closing ``-- Dump completed`` line (``--skip-comments``) is accepted when it
    ended after a whole statement and ``need_tables(stream)`` (the tables that must have been
    created and filled) names none that was not; without ``need_tables`` it is refused."""
    path = Path(path)
    if not path.is_file():
        raise DumpError(f"{path}: no such file")
    size = path.stat().st_size
    from tqdm import tqdm

    bar = tqdm(
        total=size,
        unit="B",
        unit_scale=True,
        desc=f"load {path.name}",
        disable=(None if progress is None else not progress),
        file=sys.stderr,
        leave=False,
    )

    def on_pos(pos: int) -> None:
        bar.update(min(pos, size) - bar.n)

    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4")
    finally:
        conn.close()
    t0 = time.monotonic()
    dump = open_dump(path, on_pos)
    where = f"{path}" + (f" ({', '.join(dump.members)})" if dump.members else "")
    sql = SqlStream(keep, on_create, rewrite)
    err = tempfile.TemporaryFile()
    client = subprocess.Popen(
        [
            binaries()["client"],
            "--no-defaults",
            f"--socket={server.socket}",
            f"--user={server.os_user}",
            f"--database={database}",
            "--binary-mode",
            "--max-allowed-packet=1G",
            "--default-character-set=utf8mb4",
            "--init-command=SET SESSION foreign_key_checks=0, unique_checks=0, sql_log_bin=0, time_zone='+00:00'",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=err,
    )
    first = True
    try:
        while True:
            block = dump.stream.read(CHUNK)
            if first:
                first = False
                check_head(path, block)
            if not block:
                break
            data = sql.feed(block)
            if data:
                try:
                    client.stdin.write(data)
                except BrokenPipeError:
                    sql.feeding_stopped = True  # the client stopped at an error: reported below
                    break
        data = sql.finish()
        try:
            if data:
                client.stdin.write(data)
            client.stdin.close()
        except BrokenPipeError:
            pass
        code = client.wait()
    except BaseException:
        client.kill()
        client.wait()
        raise
    finally:
        bar.close()
        dump.close()
    err.seek(0)
    message = err.read().decode("utf-8", "replace").strip()
    err.close()
    if not sql.complete and not sql.feeding_stopped:
        raise DumpError(f"{where}: truncated: the dump ends in the middle of a statement")
    if code != 0 and message:
        lines = message.splitlines()
        line = next((x for x in lines if x.startswith("ERROR")), lines[0])
        m = re.match(r"ERROR (\d+) \(\w+\) at line (\d+)(?: in file: '.*?')?: (.*)", line)
        free = free_bytes(server.datadir)
        full = re.search(r"[Ee]rr(?:code|no): (?:28|135)\b|No space left|is full|No more room", line)
        if (m and m.group(1) in ("1114", "1021")) or full or free < (16 << 20):
            raise DumpError(
                f"{where}: the disk of {server.datadir} is full ({free / 2**20:,.0f} MB free): "
                f"{m.group(3)[:120] if m else line[:120]}; free space (see make hfcommunity's estimate) and load again"
            )
        if m and m.group(1) in ("1064",):
            raise DumpError(f"{where}: not a loadable MariaDB dump: SQL error at line {m.group(2)}: {m.group(3)[:160]}")
        if m:
            raise DumpError(f"{where}: loading failed at line {m.group(2)}: ERROR {m.group(1)}: {m.group(3)[:200]}")
        raise DumpError(f"{where}: loading failed: {line[:200]}")
    if code != 0:
        raise DumpError(f"{where}: the mariadb client exited with status {code}")
    if sql.trailer is None:
        unfinished = need_tables(sql) if need_tables else ["(no check of the tables given)"]
        if unfinished:
            raise DumpError(
                f"{where}: truncated: the dump ends without the closing '-- Dump completed' line that "
                f"mariadb-dump writes last, and {', '.join(unfinished)} did not finish"
            )
    trailer = DUMP_TRAILER.search(sql.trailer or b"")
    return {
        "bytes": size,
        "sha256": dump.sha256(),
        "kind": dump.kind,
        "member": ", ".join(dump.members) or None,
        "order": dump.order or None,
        "completed_on": trailer.group(1).decode() if trailer and trailer.group(1) else None,
        "trailer": "present" if sql.trailer is not None else "absent",
        "loaded": [t for t in sql.created],
        "skipped": {t: n for t, n in sorted(sql.skipped.items())},
        "dropped": dict(sql.dropped),
        "seconds": round(time.monotonic() - t0, 1),
    }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK * 8):
            h.update(block)
    return h.hexdigest()
