"""A private MariaDB server, started and stopped by the project, and loading a dump into it.

:class:`Server` runs Debian's ``mariadbd`` (package ``mariadb-server``; ``make mariadb-deps``
installs it) on a folder of its own: the data directory ``<root>/db``, the Unix socket
``<root>/mariadb.sock``, the log ``<root>/mariadb.err``. It never listens on a TCP port
(``--skip-networking``), runs as the current user (``--user=root`` when that is root, as mariadbd
requires), and accepts only that user, over the socket (``unix_socket`` authentication). A
server started by :meth:`Server.start` is stopped by :meth:`Server.stop` (or on leaving the
``with`` block); a server that was already running on the folder is used and left running.

:func:`load_dump` streams a dump file (``.sql``, ``.sql.gz`` or a ``.zip`` holding one ``.sql``
file) into the server through the ``mariadb`` client, with a progress bar over the bytes of the
file, and refuses a file that is not a MariaDB/MySQL dump or is truncated (no closing
``-- Dump completed`` line, or a broken compressed stream). Every failure is a
:class:`ServerError` or :class:`DumpError` with a one-line message naming the file.
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
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
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


class Server:
    """One private mariadbd on ``root`` (see the module's docstring)."""

    def __init__(
        self,
        root: str | os.PathLike,
        *,
        user: str | None = None,
        buffer_pool: str = "1G",
        extra_args: list[str] | None = None,
    ):
        self.root = Path(root).absolute()
        self.os_user = getpass.getuser()
        self.user = user or self.os_user  # the OS user mariadbd runs as
        self.buffer_pool = buffer_pool
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
            "--innodb-log-file-size=512M",
            "--innodb-flush-log-at-trx-commit=2",
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
# reading and loading a dump
# --------------------------------------------------------------------------- #


class _Counting(io.RawIOBase):
    """Wraps a binary file: the position reached (for progress) and, if sequential, a sha256."""

    def __init__(self, fh, on_pos: Callable[[int], None] | None = None, hashing: bool = True):
        self.fh = fh
        self.on_pos = on_pos
        self.sha = hashlib.sha256() if hashing else None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self.fh.seekable()

    def seek(self, *a):
        return self.fh.seek(*a)

    def tell(self) -> int:
        return self.fh.tell()

    def readinto(self, b) -> int:
        data = self.fh.read(len(b))
        n = len(data)
        b[:n] = data
        if self.sha is not None:
            self.sha.update(data)
        if self.on_pos and n:
            self.on_pos(self.fh.tell())
        return n


def dump_kind(path: Path) -> str:
    """``zip``, ``gzip`` or ``sql`` from the file's first bytes (not its name)."""
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic.startswith(b"PK\x03\x04"):
        return "zip"
    if magic.startswith(b"\x1f\x8b"):
        return "gzip"
    if magic.startswith(b"Rar!"):
        raise DumpError(f"{path}: a RAR archive; extract the .sql file from it and give that")
    return "sql"


def open_dump(path: Path, on_pos: Callable[[int], None] | None = None) -> tuple[io.BufferedIOBase, _Counting, str]:
    """The decompressed SQL stream of a dump; the counting wrapper; and the member read (zip)."""
    kind = dump_kind(path)
    raw = _Counting(open(path, "rb"), on_pos, hashing=kind != "zip")
    if kind == "zip":
        try:
            zf = zipfile.ZipFile(raw)
        except zipfile.BadZipFile as exc:
            raise DumpError(f"{path}: not a readable zip file ({exc}); the download may be incomplete") from None
        members = [m for m in zf.namelist() if m.endswith((".sql", ".sql.gz")) and not m.startswith("__MACOSX")]
        if len(members) != 1:
            raise DumpError(
                f"{path}: expected one .sql file in the zip, found {len(members)} "
                f"(members: {', '.join(zf.namelist()[:5]) or 'none'})"
            )
        stream = zf.open(members[0])
        if members[0].endswith(".gz"):
            stream = gzip.GzipFile(fileobj=stream)
        return stream, raw, members[0]
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw), raw, ""
    return io.BufferedReader(raw, CHUNK), raw, ""


def check_head(path: Path, head: bytes) -> None:
    """Refuse a file that does not start like a MariaDB/MySQL dump."""
    if DUMP_HEADER.search(head[:4096]):
        return
    text = head[:65536]
    if b"\x00" in text[:4096]:
        raise DumpError(f"{path}: not a MariaDB dump (binary content, no '-- MariaDB dump' header)")
    if re.search(rb"^\s*(CREATE TABLE|INSERT INTO|DROP TABLE|/\*!40\d{3} SET)", text, re.M | re.I):
        return
    first = text.strip().splitlines()[:1]
    shown = first[0][:60].decode("utf-8", "replace") if first else "(empty)"
    raise DumpError(f"{path}: not a MariaDB dump (no '-- MariaDB dump' header; it starts with {shown!r})")


def load_dump(
    server: Server,
    path: str | os.PathLike,
    database: str,
    *,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Load dump ``path`` into ``database`` (created if needed). Returns what was read:
    ``bytes``, ``sha256``, ``member`` (zip), ``completed_on`` (the trailer's date, if any)."""
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
        bar.update(pos - bar.n)

    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4")
    finally:
        conn.close()
    stream, raw, member = open_dump(path, on_pos)
    where = f"{path}" + (f" ({member})" if member else "")
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
            "--init-command=SET SESSION foreign_key_checks=0, unique_checks=0, time_zone='+00:00'",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=err,
    )
    tail = b""
    first = True
    broken: str | None = None
    try:
        while True:
            try:
                block = stream.read(CHUNK)
            except (EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
                broken = f"truncated or corrupt compressed data ({exc})"
                break
            if first:
                first = False
                try:
                    check_head(path, block)
                except DumpError:
                    client.kill()
                    raise
            if not block:
                break
            tail = (tail + block)[-4096:]
            try:
                client.stdin.write(block)
            except BrokenPipeError:
                break
        try:
            client.stdin.close()
        except BrokenPipeError:
            pass
        code = client.wait()
    finally:
        bar.close()
        if client.poll() is None:
            client.kill()
            client.wait()
        stream.close()
        raw.fh.close()
    err.seek(0)
    message = err.read().decode("utf-8", "replace").strip()
    err.close()
    if code != 0 and message:
        line = message.splitlines()[0]
        m = re.match(r"ERROR (\d+) \(\w+\) at line (\d+)(?: in file: '.*?')?: (.*)", line)
        if m and m.group(1) in ("1064",):
            raise DumpError(f"{where}: not a loadable MariaDB dump: SQL error at line {m.group(2)}: {m.group(3)[:160]}")
        if m:
            raise DumpError(f"{where}: loading failed at line {m.group(2)}: ERROR {m.group(1)}: {m.group(3)[:200]}")
        raise DumpError(f"{where}: loading failed: {line[:200]}")
    if broken:
        raise DumpError(f"{where}: {broken}")
    if code != 0:
        raise DumpError(f"{where}: the mariadb client exited with status {code}")
    trailer = DUMP_TRAILER.search(tail)
    if not trailer:
        raise DumpError(
            f"{where}: truncated: the dump ends without the closing '-- Dump completed' line "
            "that mariadb-dump writes last"
        )
    sha = raw.sha.hexdigest() if raw.sha is not None else _sha256(path)
    return {
        "bytes": size,
        "sha256": sha,
        "member": member or None,
        "completed_on": trailer.group(1).decode() if trailer.group(1) else None,
    }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK * 8):
            h.update(block)
    return h.hexdigest()
