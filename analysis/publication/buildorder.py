"""What a build runs after what, and how many notebooks at a time.

**Order, from declarations.** ``book/dataflow.yml`` names each file of the build folder that one
notebook writes and another reads, with its writers and its readers (today one file,
``findings.json``: Parts I, II, III and V record their findings in it; Part IV, the editions page and
the landing page read them). A notebook starts only once every notebook of the build that writes a
file it reads has finished (:func:`dependencies`); the landing page (the table of contents' root)
reads what every other page recorded and always runs last. Files the build itself writes before
any notebook starts (``parameters.json``, which the provenance page reads) are no dependency.
``tests/test_build_parallel.py`` checks the declarations against what the notebooks' code reads and
writes. Among the notebooks ready to start, the first in the table of contents starts first
(:func:`next_ready`); one at a time, that is the table of contents' order, except that a reader
waits for its writers (Part IV after Part V).

**How many at a time** (:func:`jobs_for`): ``--jobs N`` when given (``--jobs 1``: one at a time);
otherwise the usable CPUs, at most :data:`MAX_JOBS`, and one at a time when the snapshot holds more
than :data:`PARALLEL_MAX_ROWS` rows in all its tables. That is the memory rule: every notebook reads
the snapshot's tables, so its peak memory grows with their rows; at the 3,000,000-model synthetic
snapshot's 50 million rows single notebooks already peak at 2-4.5 GB (Part V 3.0 GB, Part I 2.2 GB,
Part II up to 4.5 GB), so two of them side by side would pass the build's 4 GB, while the whole
build of the real import's 0.95 million rows peaks at 1.9-2.0 GB one at a time and 2.2-2.5 GB two at
a time (the build summary's peak, all processes). The threshold keeps two at a time close to the
range measured.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from analysis.memory import available_cpus
from analysis.publication.builderror import BuildError

#: The declarations of what notebooks write and read in the build folder (in the book's ``book/``).
DATAFLOW_FILE = "dataflow.yml"
#: At most this many notebooks at a time unless ``--jobs`` says otherwise (the memory rule is
#: measured for two; this machine has two cores).
MAX_JOBS = 2
#: Above this many rows in all the snapshot's tables, notebooks run one at a time (see above).
PARALLEL_MAX_ROWS = 10_000_000


def load_dataflow(src: Path, notebooks: Collection[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """``{file: {"written_by": (...), "read_by": (...)}}`` from ``src/book/dataflow.yml`` (none if
    the book has no such file); a notebook it names that is not one of ``notebooks`` is refused."""
    f = Path(src) / "book" / DATAFLOW_FILE
    if not f.exists():
        return {}
    doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict):
        raise BuildError(f"book/{DATAFLOW_FILE}: expected a mapping of file names, got {type(doc).__name__}")
    flow: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, entry in doc.items():
        if not isinstance(entry, dict) or set(entry) - {"written_by", "read_by"}:
            raise BuildError(f"book/{DATAFLOW_FILE}: {name}: expected written_by and read_by, lists of notebooks")
        flow[str(name)] = {k: tuple(str(n) for n in entry.get(k) or ()) for k in ("written_by", "read_by")}
        unknown = sorted({n for names in flow[str(name)].values() for n in names} - set(notebooks))
        if unknown:
            raise BuildError(f"book/{DATAFLOW_FILE}: {name}: not a notebook of the book: {', '.join(unknown)}")
    return flow


def dependencies(
    selected: Sequence[str], flow: Mapping[str, Mapping[str, Sequence[str]]], root: str | None
) -> dict[str, tuple[str, ...]]:
    """For each selected notebook, the selected notebooks that must finish before it starts: those
    that write a file it reads, and, for the ``root`` page, every other one (in ``selected``'s order).
    A notebook left out of the build (``--only``) is no dependency: its outputs are the last build's."""
    deps: dict[str, tuple[str, ...]] = {}
    for nb in selected:
        if nb == root:
            deps[nb] = tuple(n for n in selected if n != nb)
            continue
        writers = {w for entry in flow.values() if nb in entry.get("read_by", ()) for w in entry.get("written_by", ())}
        deps[nb] = tuple(n for n in selected if n in writers and n != nb)
    return deps


def next_ready(pending: Sequence[str], done: Collection[str], deps: Mapping[str, Sequence[str]]) -> str | None:
    """The first of ``pending`` whose dependencies are all ``done`` (None: none is ready yet)."""
    return next((nb for nb in pending if all(d in done for d in deps.get(nb, ()))), None)


def sequential_order(selected: Sequence[str], deps: Mapping[str, Sequence[str]]) -> list[str]:
    """The order one at a time: the first ready notebook each time. A cycle in the declarations is
    refused, naming the notebooks in it."""
    order: list[str] = []
    pending = list(selected)
    while pending:
        nb = next_ready(pending, order, deps)
        if nb is None:
            raise BuildError(
                f"book/{DATAFLOW_FILE}: these notebooks wait for one another: {', '.join(pending)} "
                "(a notebook reads a file that a notebook after it writes)"
            )
        order.append(nb)
        pending.remove(nb)
    return order


def snapshot_rows(manifest: Mapping[str, Any]) -> int:
    """The rows of all the snapshot's tables, from its manifest."""
    tables = manifest.get("tables") or {}
    return sum(int(e.get("rows") or 0) for e in tables.values() if isinstance(e, dict))


def jobs_for(requested: int | None, rows: int, cpus: int | None = None) -> tuple[int, str]:
    """How many notebooks at a time, and why (a phrase for the build's log): ``requested`` when given;
    otherwise ``cpus`` (the usable CPUs) at most :data:`MAX_JOBS`, one when ``rows`` is over
    :data:`PARALLEL_MAX_ROWS`."""
    if requested is not None:
        if requested < 1:
            raise BuildError(f"--jobs {requested}: give 1 or more notebooks at a time")
        return requested, f"--jobs {requested}"
    cpus = available_cpus() if cpus is None else cpus
    if rows > PARALLEL_MAX_ROWS:
        return 1, (
            f"the snapshot's {rows:,} rows are over {PARALLEL_MAX_ROWS:,}: side by side, two notebooks "
            "of a snapshot this large would pass 4 GB"
        )
    jobs = max(1, min(cpus, MAX_JOBS))
    return jobs, f"{cpus} usable CPU(s), at most {MAX_JOBS}; the snapshot's {rows:,} rows"


def jobs_phrase(jobs: int) -> str:
    return "one at a time" if jobs == 1 else f"up to {jobs} at a time"
