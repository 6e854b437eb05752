"""The machine's resources: peak resident memory, sampled in a background thread (for build
summaries and benchmarks), Arrow's cached memory, and the CPUs this process may use.

``with PeakMemory() as mem: ...`` then ``mem.peak`` is the largest resident set
seen (bytes) of this process and, with ``children=True``, all its descendants
(a notebook's kernel, say); ``mem.children_peak`` is that of the descendants
alone; ``mem.new_phase()`` starts a new ``mem.phase_peak``.

:func:`release_arrow_memory` hands back to the operating system what Arrow's
allocator keeps after a read; :func:`available_cpus` counts the CPUs the process may run on
(the validation's and the null model's worker processes are sized by it).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import psutil


class PeakMemory:
    def __init__(self, interval: float = 0.2, children: bool = True):
        self.interval = interval
        self.children = children
        self.peak = 0
        self.phase_peak = 0
        self.children_peak = 0
        self._proc = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        """Measure now; returns the current total and updates the peaks."""
        try:
            own = self._proc.memory_info().rss
            kids = self._proc.children(recursive=True) if self.children else []
        except psutil.Error:
            return 0
        kids_rss = 0
        for p in kids:
            try:
                kids_rss += p.memory_info().rss
            except psutil.Error:  # a child that just ended
                pass
        total = own + kids_rss
        self.peak = max(self.peak, total)
        self.phase_peak = max(self.phase_peak, total)
        self.children_peak = max(self.children_peak, kids_rss)
        return total

    def new_phase(self) -> None:
        """Start a new phase: ``phase_peak`` restarts from the current level."""
        self.phase_peak = 0
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> PeakMemory:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def release_arrow_memory() -> None:
    """Return the memory Arrow's allocator (mimalloc in the pyarrow wheels) keeps cached after a
    read to the operating system. Without it a process holds on to the read's freed buffers: about
    0.4 GB after reading the commits of the 3,000,000-model synthetic snapshot, 0.4 GB after its
    ``repo_coverage`` (``bench/bench_book.py --scale hub-2026`` measures the build's peak)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
