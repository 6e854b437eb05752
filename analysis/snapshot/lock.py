"""One writer per folder: an exclusive lock that names its holder.

A snapshot folder (a collector's checkpoint folder, a book's build folder) is written by one
process at a time: ``import``, ``collect``, ``synth`` and ``build`` all take this lock.
:class:`FolderLock` takes an exclusive ``flock`` on ``.<name>.lock`` beside the folder (so the
folder itself holds only what the snapshot format says). The lock is keyed by the folder's real
path (symbolic links resolved, also a link to a folder that does not exist yet): a writer that
reaches the folder through a link, or through a linked parent, meets the same lock. The lock file
records who holds it (process id, command, start time), and a second writer gets a one-line
:class:`FolderBusy` naming that process instead of doing the work twice. The kernel releases the
lock when its process ends, however it ends (``kill -9`` included), so a lock never outlives its
holder.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import Any

from analysis.snapshot.store import SnapshotError


class FolderBusy(SnapshotError):
    """Another process is writing the folder."""


class FolderLock:
    def __init__(self, folder: str | os.PathLike, what: str = "writer"):
        self.folder = Path(folder)
        self.what = what
        self.real = Path(os.path.realpath(self.folder))  # one lock per folder, whatever the path to it
        self.path = self.real.parent / f".{self.real.name}.lock"
        self._fd: int | None = None

    def holder(self) -> str:
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            info = {}
        if not info:
            return "another process"
        return f"process {info.get('pid')} ({info.get('command', '?')} since {info.get('started', '?')})"

    def acquire(self) -> FolderLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                real = "" if self.real == self.folder.absolute() else f" (the folder {self.real})"
                raise FolderBusy(
                    f"{self.folder}{real}: in use by {self.holder()}; wait for it to end (or stop it), then rerun"
                ) from None
            try:  # the file we locked is still the one at the path (not unlinked by a releasing holder)
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        info: dict[str, Any] = {
            "pid": os.getpid(),
            "command": self.what,  # never the arguments: they may hold an endpoint's credentials
            "started": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        }
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()
