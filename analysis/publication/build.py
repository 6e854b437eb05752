"""``python -m analysis build SNAPSHOT_DIR``: one pipeline from a snapshot to a book.

1. Validate the snapshot (:func:`analysis.snapshot.open_snapshot`).
2. ``out = paths.build_dir(snapshot_id)``: each snapshot gets its own build
   folder, so builds of different snapshots never overwrite each other; the
   templates in ``book/`` are only read. The build writes into a staging folder
   beside ``out`` and puts it in place of ``out`` only when it is complete; it
   refuses an ``out`` that is, contains or is inside the repository's folders,
   and one holding anything a build did not write
   (:mod:`analysis.publication.buildfolder`). It holds ``out``'s folder lock
   (:class:`analysis.snapshot.lock.FolderLock`, as import, collect and synth do).
3. Resolve and check every notebook's parameters before any notebook runs
   (:mod:`analysis.publication.buildparams`): ``book/params.yml`` (a ``global``
   section, given to every notebook that declares the parameter, and one section
   per notebook), overridden by ``-p name=value`` / ``-p notebook.name=value``,
   each value checked against ``book/params.types.yml``; nothing that looks like a
   secret is accepted. A date parameter may be bounded by ``snapshot_date``
   (``paper_date`` is: an as-of date after the snapshot is refused).
4. Execute every notebook of the table of contents with papermill
   (:mod:`analysis.publication.buildnotebook`), up to N at a time
   (:mod:`analysis.publication.buildpool`), with those parameters and the
   build's own, all as papermill parameters (nothing passes through the
   environment): ``snapshot_dir``, ``output_dir``, ``page`` (the notebook's name),
   ``code_commit`` (asked of git once, here) and ``snapshot_verified`` (the snapshot
   need not be checksummed again by each notebook). The executed copies go to
   ``out/book/<name>.ipynb`` (tables land in ``out/tables``, figures in
   ``out/figures``); the parameter cells are tagged ``remove-cell``. A notebook
   starts once the notebooks that write a file it reads have finished, as
   ``book/dataflow.yml`` declares (Part IV after the parts whose findings it
   grades; the landing page last). N (:func:`analysis.publication.buildorder.jobs_for`):
   ``--jobs N`` (``--jobs 1``: one at a time), by default the usable CPUs, at
   most 2, and 1 for a snapshot of more than 10 million rows in all its tables
   (the memory rule: two notebooks of a snapshot that large would pass 4 GB
   together). Notebooks that record findings at the same time keep each
   other's entries (:func:`analysis.publication.findings.record` holds a lock).
5. ``jupyter-book build out -n -W --keep-going`` (notebooks are not executed
   again; :mod:`analysis.publication.buildsite`): the self-contained site is
   ``out/_build/html`` (tables and figures are also copied to
   ``out/_build/html/tables`` and ``figures``).

A failing notebook stops the build with one line naming the notebook and the
cell (a notebook running beside it is ended, its kernel killed); the executed
copy (with the traceback in it) is kept in the staging folder, and the published
folder keeps the last complete build. Any failure is one line
naming its cause (a full disk says "no space left on device";
:mod:`analysis.publication.builderror`). Each child (a notebook's kernel,
jupyter-book) runs in its own process group and dies with the build
(:mod:`analysis.publication.buildchildren`). The log has a line when each
notebook starts and when it ends (with its seconds); the summary prints the
time per notebook, the total wall-clock time, the CPU time of the build and
its children, how many notebooks ran at a time, and the peak memory.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.cli import OneLineParser
from analysis.memory import PeakMemory
from analysis.publication import buildfolder, buildnotebook, buildorder
from analysis.publication.buildchildren import BuildTerminated, NotebookChildren, children, signals_end_the_build
from analysis.publication.builderror import NO_SPACE, BuildError, os_message, show
from analysis.publication.buildnotebook import CELL_TIMEOUT
from analysis.publication.buildparams import (
    BUILD_PARAMETERS,
    SECRET_NAME_RE,
    SECRET_VALUE_RE,
    SNAPSHOT_DATE,
    TYPES_FILE,
    as_overrides,
    check_no_secrets,
    check_parameters,
    check_value,
    declared_parameters,
    load_params,
    load_types,
    parse_overrides,
    resolve_parameters,
)
from analysis.publication.buildpool import run_notebooks
from analysis.publication.buildsite import build_site, footer_html, toc_entries, toc_notebooks, toc_page
from analysis.snapshot import SnapshotError, open_snapshot
from analysis.snapshot.lock import FolderLock
from analysis.snapshot.store import git_commit, open_validated, verified_token

__all__ = [  # the build's public names, wherever they are defined
    "BUILD_PARAMETERS",
    "CELL_TIMEOUT",
    "NO_SPACE",
    "SECRET_NAME_RE",
    "SECRET_VALUE_RE",
    "SNAPSHOT_DATE",
    "TYPES_FILE",
    "BuildError",
    "BuildResult",
    "BuildTerminated",
    "build",
    "check_no_secrets",
    "check_parameters",
    "check_value",
    "footer_html",
    "load_params",
    "load_types",
    "main",
    "parse_overrides",
    "parser",
    "resolve_parameters",
    "toc_entries",
    "toc_notebooks",
    "validation_record",
]


@dataclass
class BuildResult:
    snapshot_id: str
    out: Path
    html: Path | None
    timings: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    peak_rss: int = 0
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    cpu: float = 0.0  # CPU seconds of the build and of every child it waited for (kernels, jupyter-book)
    jobs: int = 1  # notebooks at a time

    def summary(self) -> str:
        lines = [f"build summary for snapshot {self.snapshot_id}:"]
        for step, secs in self.timings.items():
            lines.append(f"  {step:<28} {secs:8.1f} s")
        lines.append(f"  {'total (wall clock)':<28} {self.total:8.1f} s")
        busy = f" ({self.cpu / self.total:.1f} CPUs busy on average)" if self.total > 0 else ""
        lines.append(f"  {'CPU time (all processes)':<28} {self.cpu:8.1f} s{busy}")
        lines.append(f"  {'notebooks at a time':<28} {self.jobs:8d}")
        lines.append(f"  {'peak memory (all processes)':<28} {self.peak_rss / 2**30:8.2f} GB")
        lines.append(f"  executed notebooks, tables, figures: {show(self.out)}")
        if self.html:
            lines.append(f"  site (self-contained folder): {show(self.html)}/index.html")
        return "\n".join(lines)


# --------------------------------------------------------------------------- #
# the snapshot and the notebooks of a build
# --------------------------------------------------------------------------- #


def validation_record(target: Path) -> Path:
    """The record, beside a snapshot's build folder, of the snapshot's last full validation (see
    :func:`_open_for_build`); beside it, so that the build folder holds only what a build wrote."""
    return target.parent / f".{target.name}.validated.json"


def _target_of(snapshot_dir: str | os.PathLike) -> Path | None:
    """The build folder of the snapshot at ``snapshot_dir`` by its manifest (None: no readable id)."""
    try:
        manifest = json.loads((Path(snapshot_dir) / "manifest.json").read_text(encoding="utf-8"))
        return paths.build_dir(str(manifest["snapshot_id"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _open_for_build(snapshot_dir: str | os.PathLike, target: Path | None):
    """The snapshot, validated as ``python -m analysis validate`` does (checksums, keys, nulls, every
    page) unless the record beside its build folder says a full validation passed on exactly its
    present state (manifest, file sizes and modification times, validator code):
    :func:`analysis.snapshot.store.open_validated`. Returns (snapshot, whether the full validation ran)."""
    if target is None:
        return open_snapshot(snapshot_dir, deep=True), True  # its own message for what is wrong
    return open_validated(snapshot_dir, validation_record(target))


def _check_target(target: Path, src: Path, snapshot: Path) -> None:
    try:
        buildfolder.check_target(target, src, snapshot)
    except buildfolder.FolderRefused as exc:
        raise BuildError(str(exc)) from None


def _open_checked(snapshot_dir: str | os.PathLike, src: Path, log: Callable[[str], None]):
    """The snapshot, validated, its build folder checked before anything is written (the validation
    record included); returns (snapshot, its build folder, seconds the validation took)."""
    target = _target_of(snapshot_dir)
    if target is not None:
        _check_target(target, src, Path(snapshot_dir))
    t_check = time.perf_counter()
    snap, full_check = _open_for_build(snapshot_dir, target)
    t_check = time.perf_counter() - t_check
    out = paths.build_dir(snap.id)
    _check_target(out, src, snap.path)
    if full_check:
        log(f"snapshot {snap.id} validated in full (checksums, keys, nulls, every page) in {t_check:.1f} s")
    else:
        log(
            f"snapshot {snap.id} unchanged since its full validation ({show(validation_record(out))}): "
            f"manifest, schema and row counts checked in {t_check:.1f} s"
        )
    return snap, out, t_check


def _select(src: Path, notebooks: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """``(every notebook of the toc, those to execute)`` in toc order; a toc page that does not
    exist or an ``--only`` that names no notebook is refused."""
    entries = toc_entries(src)
    missing = [e for e in entries if not (src / f"{e}.ipynb").exists() and not (src / f"{e}.md").exists()]
    if missing:
        raise BuildError(f"_toc.yml lists page(s) that do not exist: {', '.join(missing)}")
    all_nbs = toc_notebooks(src)
    if notebooks is None:
        return all_nbs, list(all_nbs)
    selected = [Path(str(n)).stem for n in notebooks]
    unknown = [n for n in selected if n not in all_nbs]
    if unknown:
        raise BuildError(f"--only {', '.join(unknown)}: not a notebook of the book (choose from {', '.join(all_nbs)})")
    return all_nbs, [n for n in all_nbs if n in selected]


# --------------------------------------------------------------------------- #
# the build
# --------------------------------------------------------------------------- #


def build(
    snapshot_dir: str | os.PathLike,
    params_overrides: Mapping[str, Any] | Iterable[str] | None = None,
    notebooks: Iterable[str] | None = None,
    html: bool = True,
    *,
    source: str | os.PathLike | None = None,
    log: Callable[[str], None] = print,
    dry_run: bool = False,
    jobs: int | None = None,
) -> BuildResult:
    """Execute the book's notebooks on one snapshot and build its site.

    ``params_overrides``: ``{"name": value}`` / ``{"nb.name": value}`` or
    ``["name=value", ...]``. ``notebooks``: only these (names such as
    ``part1_activity``); the site then holds the pages executed so far.
    ``source``: folder holding ``_config.yml``, ``_toc.yml`` and ``book/``
    (default: the project). ``dry_run``: stop once the parameters are resolved
    and checked (nothing is executed or written). ``jobs``: notebooks at a time
    (default: :func:`analysis.publication.buildorder.jobs_for`). Raises :class:`BuildError` or
    :class:`~analysis.snapshot.SnapshotError` with a message for the user.
    """
    t_start, cpu_start = time.perf_counter(), cpu_seconds()
    src = Path(source).resolve() if source else paths.ROOT
    overrides = as_overrides(params_overrides)  # secrets refused before touching anything
    glob, per = load_params(src / "book" / "params.yml")
    snap, out, t_check = _open_checked(snapshot_dir, src, log)
    toc = yaml.safe_load((src / "_toc.yml").read_text(encoding="utf-8"))
    all_nbs, selected = _select(src, notebooks)
    declared = declared_parameters(src, all_nbs)
    params = resolve_parameters(selected, declared, glob, per, overrides)
    params = check_parameters(params, declared, load_types(src / "book" / TYPES_FILE), snapshot_date=snap.date)
    n_jobs, why = buildorder.jobs_for(jobs, buildorder.snapshot_rows(snap.manifest))
    root_nb = Path(toc_page(str(toc.get("root", "")))).name
    deps = buildorder.dependencies(selected, buildorder.load_dataflow(src, all_nbs), root_nb)
    buildorder.sequential_order(selected, deps)  # a cycle is refused before anything runs
    if dry_run:
        return BuildResult(snap.id, out, None, parameters=params, jobs=n_jobs)
    run = _Run(src, toc, snap, params, selected, partial=set(selected) != set(all_nbs), html=html, log=log)
    run.deps, run.jobs, run.jobs_reason = deps, n_jobs, why
    undo_signals = signals_end_the_build()
    try:
        with FolderLock(out, "python -m analysis build"):
            return _build_into(out, run, t_start, t_check, cpu_start)
    finally:
        undo_signals()


@dataclass
class _Run:
    """What a build executes: the book's sources and table of contents, the snapshot, each selected
    notebook's checked parameters, whether some notebooks are left out, whether to build the site."""

    src: Path
    toc: Any
    snap: Any
    params: dict[str, dict[str, Any]]
    selected: list[str]
    partial: bool
    html: bool
    log: Callable[[str], None]
    deps: dict[str, tuple[str, ...]] = field(default_factory=dict)  # what each notebook waits for
    jobs: int = 1  # notebooks at a time
    jobs_reason: str = ""

    def build_parameters(self, nb: str, out: Path, own: Mapping[str, str]) -> dict[str, Any]:
        """Notebook ``nb``'s papermill parameters: its checked ones and the build's own."""
        return dict(self.params[nb], snapshot_dir=str(self.snap.path), output_dir=str(out), page=nb, **own)


def cpu_seconds() -> float:
    """User and system CPU seconds of this process and of the children it has waited for."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _build_into(out: Path, run: _Run, t_start: float, t_check: float, cpu_start: float) -> BuildResult:
    """The writing half of :func:`build`, holding the build folder's lock: the notebooks and the site
    are made in the staging folder beside ``out``, which replaces ``out`` only once complete."""
    snap, log = run.snap, run.log
    try:
        buildfolder.recover(out)
        buildfolder.check_owned(out)
        # a full build starts from an empty folder; a build of some notebooks from a copy of the last one
        staging = buildfolder.start_staging(out, snap.id, carry=run.partial)
    except buildfolder.FolderRefused as exc:
        raise BuildError(str(exc)) from None
    except OSError as exc:
        raise BuildError(os_message(exc, out, "preparing the build folder")) from None
    log(f"building the book of snapshot {snap.id} ({snap.date}, {snap.source_kind}) into {show(out)}")
    result = BuildResult(snap.id, staging, None, parameters=run.params, jobs=run.jobs)
    result.timings["snapshot validation"] = t_check
    own = {
        "code_commit": git_commit() or "",  # asked once here, not by every table of a large kernel
        "snapshot_verified": verified_token(snap.path),  # the notebooks need not checksum it again
    }
    try:
        (staging / "book").mkdir(exist_ok=True)
        (staging / "parameters.json").write_text(
            json.dumps({"snapshot_id": snap.id, "notebooks": run.params}, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        _execute(staging, run, own, result)
        result.total, result.cpu = time.perf_counter() - t_start, cpu_seconds() - cpu_start
        result.out, result.html = out, (out / "_build" / "html" if result.html else None)
        summary = result.summary()
        (staging / "build-summary.txt").write_text(summary + "\n", encoding="utf-8")
        left = buildfolder.publish(staging, out, snap.id, {"snapshot_date": snap.date, "partial": run.partial})
    except buildfolder.FolderRefused as exc:
        raise BuildError(f"{exc} (the new build is complete in {show(staging)})") from None
    except OSError as exc:
        raise BuildError(os_message(exc, out, "writing the book")) from None
    finally:
        children.close()
    for f in left:
        log(f"warning: {f} appeared during the build and was not written by a build; it is left where it is")
    log(summary)
    return result


def _execute(out: Path, run: _Run, own: Mapping[str, str], result: BuildResult) -> None:
    """Run the notebooks and build the site of ``out`` (the staging folder), filling in ``result``."""

    def execute(nb: str, kernel: NotebookChildren) -> None:
        template, out_nb = run.src / "book" / f"{nb}.ipynb", out / "book" / f"{nb}.ipynb"
        buildnotebook.execute(template, out_nb, run.build_parameters(nb, out, own), kernel)

    run.log(f"executing {len(run.selected)} notebook(s), {buildorder.jobs_phrase(run.jobs)} ({run.jobs_reason})")
    with PeakMemory(interval=0.25) as mem:
        try:
            times = run_notebooks(run.selected, run.deps, run.jobs, execute, run.log)
        except BuildError:
            result.peak_rss = mem.peak
            raise
        # in the order one at a time would run them (the toc's, readers after writers, the landing page last)
        result.timings.update(
            {f"notebook {nb}": times[nb] for nb in buildorder.sequential_order(run.selected, run.deps)}
        )
        if run.html:
            t0 = time.perf_counter()
            result.html = build_site(run.src, out, run.toc, run.snap, strict=not run.partial, log=run.log)
            result.timings["jupyter-book build"] = time.perf_counter() - t0
    result.peak_rss = mem.peak


# --------------------------------------------------------------------------- #
# command line
# --------------------------------------------------------------------------- #


def parser() -> OneLineParser:
    """The command line of ``python -m analysis build``."""
    parser = OneLineParser(
        prog="python -m analysis build",
        description="Execute the book's notebooks on a snapshot and build the site into _build/<snapshot_id>/.",
    )
    parser.add_argument("snapshot_dir", help="a complete snapshot folder, e.g. data/snapshots/synthetic-demo")
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter of book/params.yml (NAME or NOTEBOOK.NAME); repeatable",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="NOTEBOOK",
        help="execute only this notebook (repeatable); the site keeps earlier pages",
    )
    parser.add_argument("--no-html", action="store_true", help="execute the notebooks, skip jupyter-book")
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help=f"execute up to N notebooks at a time (default: the usable CPUs, at most {buildorder.MAX_JOBS}; 1 for a "
        f"snapshot of more than {buildorder.PARALLEL_MAX_ROWS:,} rows); --jobs 1 runs them one at a time",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        overrides = parse_overrides(args.param)
        build(args.snapshot_dir, overrides, notebooks=args.only, html=not args.no_html, jobs=args.jobs)
    except (BuildError, SnapshotError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # met outside the steps that name their own (one line, never a traceback)
        cause = NO_SPACE if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        print(f"error: {cause}" + (f" ({exc.filename})" if exc.filename else ""), file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        how = "terminated" if isinstance(exc, BuildTerminated) else "interrupted"
        print(
            f"error: {how}; the published book is unchanged (the last complete build), the unfinished one "
            "is left, marked incomplete, in its staging folder",
            file=sys.stderr,
        )
        return 143 if isinstance(exc, BuildTerminated) else 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
