"""A private MariaDB server, started and stopped by the project (:class:`Server`).

It runs Debian's ``mariadbd`` (package ``mariadb-server``; ``make mariadb-deps`` installs it) on a
folder of its own: the data directory ``<root>/db``, the Unix socket ``<root>/mariadb.sock``, the
log ``<root>/mariadb.err``. It never listens on a TCP port (``--skip-networking``), runs as the
current user (``--user=root`` when that is root, as mariadbd requires), and accepts only that
user, over the socket (``unix_socket`` authentication). A server started by :meth:`Server.start`
is stopped by :meth:`Server.stop` (or on leaving the ``with`` block); a server that was already
running on the folder is used and left running. It runs with bulk-load settings: its data can
always be loaded again from the dump, so it keeps no binary log, writes no doublewrite buffer
and flushes its redo log about once a second rather than at every commit; its buffer pool is
sized to the machine (:func:`buffer_pool_size`). A server that cannot start is a
:class:`ServerError` with the server's own reason, in one line.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

#: the longest Unix socket path the kernel accepts (sun_path is 108 bytes with the NUL)
MAX_SOCKET_PATH = 107


class ServerError(Exception):
    """The MariaDB server cannot be installed, started, reached or stopped."""


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
