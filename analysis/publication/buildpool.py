"""The notebooks of a build executed up to N at a time (:func:`run_notebooks`).

Each notebook runs in a thread of the build (papermill waits on its kernel, a process of its own;
the work is the kernels'), started once the notebooks it depends on have finished
(:mod:`analysis.publication.buildorder`). The main thread starts notebooks and waits for them,
so SIGINT and SIGTERM still reach it (:func:`analysis.publication.buildchildren.signals_end_the_build`).
The log has one line when a notebook starts and one when it ends, each with the notebook's number
(``[3/10]``) and name, and its seconds.

A failing notebook stops the build with its one-line :class:`BuildError`: the notebooks running
beside it are ended (their kernels' process groups killed, :class:`NotebookChildren`) and waited
for, so nothing writes into the staging folder after the build has stopped; what papermill logs
about a kernel the build ended itself ("Kernel died ...") is not shown (:class:`_Ended`). An
interruption ends them the same way.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from analysis.publication.buildchildren import NotebookChildren
from analysis.publication.builderror import BuildError
from analysis.publication.buildorder import next_ready

#: Seconds to wait for a stopped notebook's thread (its kernel is dead: papermill notices within seconds).
STOP_WAIT = 30.0
#: How often the main thread wakes while it waits (a signal is handled when it wakes).
POLL = 0.2

#: ``execute(name, own)``: run one notebook, its kernel's groups kept in ``own``; raises on failure.
Execute = Callable[[str, NotebookChildren], None]


class _Ended(logging.Filter):
    """Drops papermill's log records from the thread of a notebook the build has ended itself (its
    kernel died because the build killed it: the build's own one-line error says why it stopped)."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName not in self.threads


_ENDED = _Ended()
logging.getLogger("papermill").addFilter(_ENDED)


@dataclass
class _Running:
    name: str
    number: int
    t0: float
    own: NotebookChildren = field(default_factory=NotebookChildren)
    thread: threading.Thread | None = None


def run_notebooks(
    order: Sequence[str],
    deps: Mapping[str, Sequence[str]],
    jobs: int,
    execute: Execute,
    log: Callable[[str], None],
) -> dict[str, float]:
    """Execute the notebooks of ``order``, up to ``jobs`` at a time, each once its ``deps`` have
    finished, the first ready in ``order`` first; returns each notebook's seconds. Raises the first
    failure (the others running are ended first)."""
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:  # one line at a time from the build's threads
            log(line)

    finished: queue.Queue[tuple[str, BaseException | None]] = queue.Queue()
    pending, done, running = list(order), [], {}
    timings: dict[str, float] = {}
    started = 0
    try:
        while pending or running:
            while len(running) < jobs and (nb := next_ready(pending, done, deps)) is not None:
                pending.remove(nb)
                started += 1
                running[nb] = _start(nb, started, len(order), execute, finished, say)
            if not running:
                raise BuildError(f"notebooks wait for one another: {', '.join(pending)}")
            nb, exc = _wait(finished)
            r = running.pop(nb)
            if r.thread is not None:
                r.thread.join()
            if exc is not None:
                raise exc
            timings[nb] = time.perf_counter() - r.t0
            done.append(nb)
            say(f"[{r.number}/{len(order)}] book/{nb}.ipynb done in {timings[nb]:.1f} s")
    finally:
        _stop(running.values())
    return timings


def _start(
    nb: str,
    number: int,
    total: int,
    execute: Execute,
    finished: queue.Queue,
    say: Callable[[str], None],
) -> _Running:
    say(f"[{number}/{total}] executing book/{nb}.ipynb ...")
    r = _Running(nb, number, time.perf_counter())

    def work() -> None:
        try:
            execute(nb, r.own)
        except BaseException as exc:  # handed to the main thread, which raises it
            finished.put((nb, exc))
        else:
            finished.put((nb, None))

    # a daemon: a build that was interrupted does not wait for a thread whose kernel is already dead
    r.thread = threading.Thread(target=work, name=f"notebook {nb}", daemon=True)
    r.thread.start()
    return r


def _wait(finished: queue.Queue) -> tuple[str, BaseException | None]:
    while True:
        try:
            return finished.get(timeout=POLL)
        except queue.Empty:
            continue


def _stop(running: Iterable[_Running]) -> None:
    """End the notebooks still running (their kernels' groups) and wait for their threads."""
    rs = list(running)
    for r in rs:
        if r.thread is not None:
            _ENDED.threads.add(r.thread.name)
        r.own.end()
    deadline = time.monotonic() + STOP_WAIT
    for r in rs:
        if r.thread is not None:
            r.thread.join(max(0.0, deadline - time.monotonic()))
            if not r.thread.is_alive():
                _ENDED.threads.discard(r.thread.name)
