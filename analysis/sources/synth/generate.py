"""The synthetic Hub's command: validate the request, run the stages in order, write the snapshot.

:func:`generate` takes the folder's lock and runs :func:`_generate`: sizes, people (owners and
developers), collaboration propensities, repositories, the commit plan, then the tables in a
fixed order (models, datasets, spaces, space_models, commits, discussions, repo_coverage,
owners, fetch_log) and the manifest. ``python -m analysis synth`` is :func:`main`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from analysis.cli import OneLineParser
from analysis.snapshot import Snapshot, SnapshotError, SnapshotWriter, open_snapshot
from analysis.snapshot.lock import FolderLock
from analysis.sources import calibrate
from analysis.sources.synth.commits import plan_commits, write_commits
from analysis.sources.synth.coverage import manifest_coverage, write_coverage, write_owners
from analysis.sources.synth.discussions import plan_discussions, write_discussions
from analysis.sources.synth.edges import draw_space_edges, write_space_edges
from analysis.sources.synth.people import Params, collaboration, draw_people, resolve_sizes
from analysis.sources.synth.repos import draw_repos, write_repos
from analysis.sources.synth.targets import (
    ASSUMPTIONS,
    CALIBRATED,
    CALIBRATION_DATE,
    GENERATOR_VERSION,
    SCALED_COUNTS,
    load_targets,
    targets_sha256,
)


def generate(out_dir: str | Path, **options: Any) -> Snapshot:
    """Generate a complete synthetic snapshot in ``out_dir`` (:func:`_generate`'s options) and return it
    opened, holding the folder's lock (:class:`analysis.snapshot.lock.FolderLock`) as ``import`` and
    ``collect`` do: a second writer of the folder, by whatever path, gets a one-line error."""
    with FolderLock(Path(out_dir), "python -m analysis synth"):
        return _generate(out_dir, **options)


def _check(counts: dict[str, Any], snapshot_date: str) -> None:
    for name, v in counts.items():
        if v is not None and (not isinstance(v, (int, np.integer)) or v < 0):
            raise SnapshotError(f"{name} must be a non-negative integer, got {v!r}")
    models, spaces, space_edges = counts["models"], counts["spaces"], counts["space_edges"]
    if models < 1:
        raise SnapshotError("models must be at least 1")
    if space_edges is not None and spaces is not None and space_edges > models * spaces:
        raise SnapshotError(f"space_edges={space_edges} exceeds models x spaces = {models * spaces}")
    try:
        dt.date.fromisoformat(snapshot_date)
    except (TypeError, ValueError):
        raise SnapshotError(f"snapshot date {snapshot_date!r}; expected YYYY-MM-DD") from None


def _progress(progress: Any):
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        if callable(progress):
            progress(msg)
        elif progress:
            print(f"[{time.perf_counter() - t0:7.1f}s] {msg}", file=sys.stderr, flush=True)

    return log


def _generate(
    out_dir: str | Path,
    *,
    models: int = 5000,
    seed: int = 0,
    datasets: int | None = None,
    spaces: int | None = None,
    commits: int | None = None,
    developers: int | None = None,
    space_edges: int | None = None,
    discussions: int | None = None,
    snapshot_id: str | None = None,
    snapshot_date: str = CALIBRATION_DATE,
    progress: Any = False,
) -> Snapshot:
    """Generate a complete synthetic snapshot in ``out_dir`` and return it opened.

    ``None`` counts are scaled from ``models`` by the calibrated ratios.
    ``progress``: True prints phases to stderr; a callable receives each phase message.
    """
    counts = dict(
        models=models,
        datasets=datasets,
        spaces=spaces,
        commits=commits,
        developers=developers,
        space_edges=space_edges,
        discussions=discussions,
    )
    _check(counts, snapshot_date)
    out = Path(out_dir)
    params = Params(
        **{**counts, "models": int(models)},
        seed=int(seed),
        snapshot_id=snapshot_id or out.name,
        snapshot_date=snapshot_date,
    )
    T = load_targets()
    log = _progress(progress)
    sizes = resolve_sizes(params, T)
    source_params = {
        "generator": "analysis.sources.synth",
        "generator_version": GENERATOR_VERSION,
        "seed": params.seed,
        "requested": {k: getattr(params, k) for k in ("models", *SCALED_COUNTS)},
        "targets_file": f"analysis/resources/{calibrate.TARGETS_FILE}",
        "targets_sha256": targets_sha256(),
    }
    with SnapshotWriter(
        out, params.snapshot_id, snapshot_date=snapshot_date, source_kind="synthetic", source_parameters=source_params
    ) as w:
        log("owners and developers")
        people = draw_people(params, sizes, T)
        collab = collaboration(sizes.seed, people.owners)
        repos = draw_repos(sizes, T, people, collab)
        plan = plan_commits(sizes, T, repos, people, collab)
        repos = {
            kind: dataclasses.replace(
                R, num=dataclasses.replace(R.num, last_modified=plan.last_modified_of(sizes, kind))
            )
            for kind, R in repos.items()
        }
        log("repository tables")
        write_repos(w, sizes.seed, T, repos, people.owner_names)
        log("space-model edges")
        edges = draw_space_edges(sizes.seed, T, sizes.space_edges, repos["model"], repos["space"], people.owners)
        write_space_edges(w, edges, repos["model"], repos["space"])
        log("commits")
        write_commits(w, sizes, T, repos, people, plan)
        log("discussions")
        counts_d = plan_discussions(sizes, repos)
        write_discussions(w, sizes, repos, people, plan, counts_d)
        log("coverage, owners")
        cov_rows = write_coverage(w, sizes, repos, plan, counts_d, edges)
        owners_rows = write_owners(w, sizes.seed, people, repos["model"], edges)
        w.write_table("fetch_log", [])
        resolved = sizes.resolved()
        resolved.update({"developers": people.devs.n, "owners": people.owners.n, "space_edges": edges.n})
        w.source_parameters["resolved"] = resolved
        log("checksums and validation")
        w.finish(
            manifest_coverage(sizes, plan, counts_d, edges, owners_rows, cov_rows),
            notes=[
                "SYNTHETIC: generated by analysis.sources.synth (calibrated to the real records in ../shared/data; "
                "see source.parameters and extra.synthetic); not data about the real Hub.",
            ],
            extra={
                "synthetic": {
                    "calibrated": CALIBRATED,
                    "assumptions": {k: v["source"] for k, v in ASSUMPTIONS.items()},
                }
            },
        )
    log("done")
    return open_snapshot(out)


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(
        prog="python -m analysis synth",
        description="Generate a calibrated synthetic snapshot (deterministic given the seed).",
    )
    ap.add_argument("out_dir", help="snapshot directory to create (its name is the default snapshot id)")
    ap.add_argument("--models", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    for name in SCALED_COUNTS:
        ap.add_argument(f"--{name.replace('_', '-')}", type=int, default=None, help="default: scaled from --models")
    ap.add_argument("--snapshot-id", default=None)
    ap.add_argument(
        "--snapshot-date",
        default=CALIBRATION_DATE,
        help="default: the calibration date (the real listing's collection date)",
    )
    ap.add_argument("--quiet", action="store_true")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        snap = generate(
            args.out_dir,
            models=args.models,
            seed=args.seed,
            **{name: getattr(args, name) for name in SCALED_COUNTS},
            snapshot_id=args.snapshot_id,
            snapshot_date=args.snapshot_date,
            progress=not args.quiet,
        )
    except (SnapshotError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(snap.describe())
    return 0
