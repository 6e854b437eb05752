"""The build's children die with the build: each notebook's kernel and jupyter-book run in their own
process group, ended when their step ends, on failure, on SIGINT and SIGTERM, and killed by the
operating system (``PR_SET_PDEATHSIG``) and by a reaper process if the build itself is killed.

:data:`children` holds the groups; :func:`kernel_manager_class` is the kernel manager papermill
starts each kernel with (the groups of one notebook are also kept apart, so that a notebook's end,
or its failure beside another running notebook, ends its own kernel and no other: the build runs
notebooks side by side, each in a thread of its own, :mod:`analysis.publication.buildpool`);
:func:`signals_end_the_build` installs the signal handlers of a build.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any


class BuildTerminated(KeyboardInterrupt):
    """The build was sent SIGTERM: it stops as if interrupted (its children are ended)."""


#: The reaper: a small process that, when the build ends however it ends (its pipe closes, also on
#: ``kill -9``), kills the process groups the build still had running.
_REAPER = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
groups = set()
for line in sys.stdin:
    sign, group = line[:1], int(line[1:])
    (groups.add if sign == "+" else groups.discard)(group)
for group in groups:
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
"""


def die_with_parent_fn() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the child killed when the build's thread that started it ends
    (Linux's ``PR_SET_PDEATHSIG``); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:  # runs in the child, between fork and exec
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (when the thread that started it ends)
        if os.getppid() != parent:  # the build ended before the line above
            os._exit(1)

    return preexec


class _Children:
    """The process groups of the build's children (each notebook's kernel, jupyter-book): each runs
    in its own group, is ended with its group when its step ends or the build is interrupted or
    terminated, and is killed by the kernel (``PR_SET_PDEATHSIG``) and by :data:`_REAPER` if the
    build itself is killed."""

    def __init__(self) -> None:
        self.groups: set[int] = set()
        self._reaper: subprocess.Popen | None = None
        self._lock = threading.RLock()  # notebooks side by side start and end their kernels in their own threads

    def _tell(self, line: str) -> None:
        with self._lock:
            self._tell_reaper(line)

    def _tell_reaper(self, line: str) -> None:
        try:
            if self._reaper is None or self._reaper.poll() is not None:
                self._reaper = subprocess.Popen(
                    [sys.executable, "-c", _REAPER], stdin=subprocess.PIPE, start_new_session=True
                )
            assert self._reaper.stdin is not None
            self._reaper.stdin.write(line.encode() + b"\n")
            self._reaper.stdin.flush()
        except OSError:
            pass  # the kernel's PR_SET_PDEATHSIG still ends the direct child

    def add(self, group: int) -> None:
        with self._lock:
            self.groups.add(group)
            self._tell(f"+{group}")

    def end(self, group: int) -> None:
        """Kill what is left of a group (nothing, after a step that ended normally)."""
        import signal

        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            pass
        with self._lock:
            if group in self.groups:
                self.groups.discard(group)
                self._tell(f"-{group}")

    def end_groups(self, groups: Iterable[int]) -> None:
        """End these groups (one notebook's kernel and what it started), leaving the others running."""
        for group in list(groups):
            self.end(group)

    def end_all(self) -> None:
        self.end_groups(list(self.groups))

    def close(self) -> None:
        self.end_all()
        with self._lock:
            self._close_reaper()

    def _close_reaper(self) -> None:
        if self._reaper is not None:
            try:
                assert self._reaper.stdin is not None
                self._reaper.stdin.close()
                self._reaper.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._reaper.kill()
            self._reaper = None


#: The process groups of the running build.
children = _Children()


class NotebookChildren:
    """One notebook's process groups (its kernel, and what the kernel started), apart from another
    notebook's running beside it: :meth:`end` ends them, from the notebook's own thread when it ends
    or from the build's when another notebook failed; a kernel that starts after that is ended as it
    starts."""

    def __init__(self) -> None:
        self.groups: set[int] = set()
        self.ended = False
        self._lock = threading.Lock()

    def add(self, group: int) -> None:
        with self._lock:
            self.groups.add(group)
            ended = self.ended
        if ended:
            children.end(group)

    def end(self) -> None:
        with self._lock:
            self.ended = True
            groups = list(self.groups)
        children.end_groups(groups)


def kernel_manager_class(own: NotebookChildren | None = None) -> type:
    """nbclient's kernel manager, with each kernel (in its own session, as jupyter_client starts it)
    registered as a child of the build and set to die with it, and as one of ``own``'s (one
    notebook's groups, which its end or failure ends) when given."""
    from jupyter_client.manager import AsyncKernelManager

    class BuildKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            preexec = die_with_parent_fn()
            if preexec is not None:
                kw["preexec_fn"] = preexec
            await super()._async_launch_kernel(kernel_cmd, **kw)
            process = getattr(self.provisioner, "process", None)
            if process is not None:
                children.add(process.pid)  # a new session: its group id is its pid
                if own is not None:
                    own.add(process.pid)

    return BuildKernelManager


def signals_end_the_build():
    """While the build runs (in the main thread), SIGINT and SIGTERM end its children at once (their
    process groups) and raise KeyboardInterrupt (:class:`BuildTerminated` for SIGTERM), so that the
    build stops without waiting for a kernel's shutdown and leaves its staging folder marked
    incomplete; returns the undo."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum, frame):
        children.end_all()
        raise BuildTerminated("terminated") if signum == signal.SIGTERM else KeyboardInterrupt

    old = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # a background job ignoring SIGINT keeps doing so
            old[signum] = signal.signal(signum, stop)

    def undo() -> None:
        for signum, handler in old.items():
            signal.signal(signum, handler)

    return undo
