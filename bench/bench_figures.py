"""How much the phone's crops of a figure cost: ``Publisher.figure`` timed on three representative
figures of a snapshot, with and without the crops a phone shows (``phonefigure.phone_images``).

    .venv/bin/python bench/bench_figures.py [SNAPSHOT_DIR ...]

(default: the demo and the real-data import). The figures: Part I's activity CCDFs (dense lines,
several panels), Part III's owners' usage shares (one panel of bars with long labels) and Part V's
growth (bars and lines, several panels). CPU seconds of one run each (the machine is shared: read the
ratio, not the seconds), and the bytes of each figure's phone crops; each figure is drawn anew for
every run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from analysis import paths  # noqa: E402
from analysis.publication.publish import Publisher  # noqa: E402
from analysis.snapshot import open_snapshot  # noqa: E402

DEFAULT_SNAPSHOTS = ("synthetic-demo", "hub-2024-07-import")


def _figures(snap: Any) -> dict[str, Callable[[], Any]]:
    """Each label with a function that draws its figure anew (the data computed once)."""
    from analysis.parts import activity, adoption, history, owners

    acts = activity.load(snap)
    usage = adoption.load(snap)
    top = adoption.top_owners(usage, snap, 15, mapping=owners.load_mapping())
    grow = history.growth(history.load(snap))
    return {
        "fig-activity-ccdf": lambda: activity.ccdf_figure(acts)[0],
        "fig-owner-usage-share": lambda: adoption.owners_figure(top),
        "fig-history-growth": lambda: history.growth_figure(grow, "2023-10-01"),
    }


def _time(pub: Publisher, label: str, draw: Callable[[], Any]) -> float:
    """The CPU seconds of ``pub.figure`` on a figure drawn anew (CPU, not wall: the machine is shared)."""
    fig = draw()
    start = time.process_time()
    pub.figure(fig, label, "A figure.", covers="the benchmark")
    return time.process_time() - start


def bench(snapshot_dir: Path) -> None:
    snap = open_snapshot(snapshot_dir)
    figures = _figures(snap)
    print(f"{snap.id}  (CPU seconds; load average {os.getloadavg()[0]:.1f})")
    print(f"  {'figure':<24} {'without':>9} {'with':>9} {'phone':>9} {'ratio':>7} {'crops':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, draw in figures.items():
            plain = Publisher(snap, Path(tmp) / "plain", page="bench")
            plain._phone_images = lambda *a, **k: ""  # the figure alone: its PNG and SVG
            without = _time(plain, label, draw)
            with_phone = _time(Publisher(snap, Path(tmp) / "phone", page="bench"), label, draw)
            phone = with_phone - without
            crops = sum(p.stat().st_size for p in (Path(tmp) / "phone" / "figures").glob(f"{label}.phone-*.png"))
            print(
                f"  {label:<24} {without:8.2f}s {with_phone:8.2f}s {phone:8.2f}s {phone / without:6.2f}x"
                f" {crops / 1e3:7.0f}kB"
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("snapshots", nargs="*", help="snapshot folders (default: the demo and the real import)")
    args = ap.parse_args(argv)
    dirs = [Path(s) for s in args.snapshots] or [paths.ROOT / "data" / "snapshots" / s for s in DEFAULT_SNAPSHOTS]
    for d in dirs:
        if not d.exists():
            print(f"{d}: no such snapshot, skipped", file=sys.stderr)
            continue
        bench(d)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
