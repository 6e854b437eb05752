"""The build's one-line errors: :class:`BuildError`, what a full disk says, paths as the user sees them.

Every step of ``python -m analysis build`` (:mod:`analysis.publication.build`) stops with a
:class:`BuildError` whose message is meant for the user as is: one line naming the cause.
"""

from __future__ import annotations

import errno
from pathlib import Path

from analysis import paths

#: What a full disk says, wherever it is met (a kernel, papermill, jupyter-book, the build itself).
NO_SPACE = "no space left on device"


class BuildError(Exception):
    """The build cannot go on; the message is meant for the user as is."""


def no_space(text: str) -> bool:
    """Whether ``text`` (an error's message or a log) says the disk is full."""
    return NO_SPACE in text.lower() or f"[errno {errno.ENOSPC}]" in text.lower()


def show(p: Path) -> str:
    """``p`` relative to the project's folder where it lies inside it (as the user types it)."""
    try:
        return str(Path(p).resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(p)


def os_message(exc: OSError, out: Path, doing: str) -> str:
    """One line for an operating system error met by the build itself (a full disk, say)."""
    cause = NO_SPACE if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{cause} while {doing}{where}; the build stopped and the published book at {show(out)} is unchanged"
