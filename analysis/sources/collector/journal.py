"""The checkpoint's journals: append-only JSON lines, one per listing page and per finished step."""

from __future__ import annotations

import json
import os
import sys
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

    def __init__(
        self,
        path: Path,
        fsync_every: float = 1.0,
        transform: Callable[[dict], Any] | None = None,
        *,
        on_bad: str = "skip",
        warn: Callable[[str], None] | None = None,
    ):
        """``on_bad``: what an unreadable line in the middle (NULs after a crash, a torn write)
        does: ``"skip"`` drops that line (its step is redone), ``"truncate"`` cuts the journal
        there (a listing resumes from the last good page). Either way ``warn`` is told the file
        and line."""
        self.path = path
        self.lock = threading.Lock()
        self.fsync_every = fsync_every
        self._last_sync = time.monotonic()
        self.records: list[dict] = []
        self.bad_lines: list[int] = []
        if path.exists():
            data = path.read_bytes()
            end = data.rfind(b"\n") + 1
            offset = 0
            for lineno, line in enumerate(data[:end].splitlines(keepends=True), 1):
                rec = _parse(line)
                if rec is _BAD:
                    self.bad_lines.append(lineno)
                    if on_bad == "truncate":
                        (warn or _stderr)(
                            f"warning: {path}:{lineno}: unreadable journal line (a crash artefact); "
                            "the journal is cut there and continues from the line before"
                        )
                        end = offset
                        break
                    (warn or _stderr)(
                        f"warning: {path}:{lineno}: unreadable journal line (a crash artefact); its step is redone"
                    )
                elif rec is not None:
                    self.records.append(transform(rec) if transform else rec)
                offset += len(line)
            if end < len(data):
                with open(path, "r+b") as fh:
                    fh.truncate(end)
                    fh.flush()
                    os.fsync(fh.fileno())
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
                if line.endswith(b"\n"):
                    rec = _parse(line)
                    if rec is not None and rec is not _BAD:
                        yield rec

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None


class Tally:
    """Counts events that must survive ``kill -9`` exactly: one byte appended per event (one
    ``write`` to an ``O_APPEND`` file, no fsync: the kernel keeps it when the process dies)."""

    def __init__(self, path: Path):
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def add(self) -> None:
        os.write(self._fd, b".")

    @staticmethod
    def count(path: Path) -> int | None:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


_BAD = object()


def _parse(line: bytes) -> Any:
    """A journal line as a record: None for a blank line, ``_BAD`` for one that does not parse."""
    if not line.strip():
        return None
    try:
        rec = json.loads(line)
    except ValueError:  # UnicodeDecodeError included
        return _BAD
    return rec if isinstance(rec, dict) else _BAD


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)
