"""The checkpoint's journals: append-only JSON lines, one per listing page and per finished step."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


class Journal:
    """Append-only JSON-lines file; a line is written whole or (after a kill) dropped.

    Every record is one ``write`` of one line ending in a newline, flushed to the kernel
    at once (so a SIGKILL loses at most the line being written) and fsync'd at most every
    ``fsync_every`` seconds and on :meth:`sync` (so a power cut loses at most that much).
    On opening, a trailing partial line is cut off.
    """

    def __init__(self, path: Path, fsync_every: float = 1.0, transform: Callable[[dict], Any] | None = None):
        self.path = path
        self.lock = threading.Lock()
        self.fsync_every = fsync_every
        self._last_sync = time.monotonic()
        self.records: list[dict] = []
        if path.exists():
            data = path.read_bytes()
            end = data.rfind(b"\n") + 1
            if end < len(data):
                with open(path, "r+b") as fh:
                    fh.truncate(end)
                    fh.flush()
                    os.fsync(fh.fileno())
            for line in data[:end].splitlines():
                if line.strip():
                    rec = json.loads(line)
                    self.records.append(transform(rec) if transform else rec)
            del data
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: dict) -> None:
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        with self.lock:
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
            now = time.monotonic()
            if now - self._last_sync >= self.fsync_every:
                os.fsync(self._fd)
                self._last_sync = now

    def sync(self) -> None:
        with self.lock:
            os.fsync(self._fd)

    def iter_file(self) -> Iterator[dict]:
        """Every complete record in the file, read back one line at a time."""
        with open(self.path, "rb") as fh:
            for line in fh:
                if line.endswith(b"\n") and line.strip():
                    yield json.loads(line)

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
