"""Benchmark: build the book (papermill + Jupyter Book) and print time and peak memory.

Targets (issue 7, from an existing environment): the default book in under 3 minutes;
the book of the snapshot imported from ../shared/data in under 10 minutes with peak
memory under 4 GB. Peak memory is the largest sampled sum of the resident memory of the
build process and all its children (kernels, jupyter-book).

Targets at today's Hub scale (issue 12, ``--scale hub-2026``): on the 3,000,000-model
synthetic snapshot (``python -m analysis synth DIR --models 3000000 --seed 1``: 3.0M
models, 0.69M datasets, 1.35M spaces, 28.2M commits), generated once into
``paths.bench_cache()`` (``~/.cache/hf-hub-activity/``, or ``$HFHUB_BENCH_CACHE``), the
whole book in under 180 s and 4 GB, Part II under 60 s, Part I under 45 s. The output
gives seconds and peak memory per notebook beside the figures measured before the
work on that issue (the table in the issue) and their ratio; ``--profile`` first runs
Part I and Part II in one process under pyinstrument (``bench/profile_notebook.py``)
and prints where their time goes. The machine's load (``os.getloadavg``) is printed
beside every timing: on a shared machine timings are noisy.

    .venv/bin/python bench/bench_book.py            # default book, and the real-data book if imported
    .venv/bin/python bench/bench_book.py SNAPSHOT_DIR ...
    .venv/bin/python bench/bench_book.py --scale hub-2026 [--profile] [--no-html]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from analysis import paths
from analysis.memory import PeakMemory
from analysis.publication.build import build

TARGETS = {"synthetic-demo": (180, None), "hub-2024-07-import": (600, 4 * 2**30)}

#: The scales ``--scale`` knows: the synth arguments and the snapshot folder's name in the cache.
SCALES = {"hub-2026": {"models": 3_000_000, "seed": 1}}

#: Issue 12's table: seconds per notebook of the 3,000,000-model book before that issue's work
#: (``everything else`` is the other notebooks and the site), and the peak memory.
HUB_2026_BEFORE = {
    "part1_activity": 76.8,
    "part2_network": 336.1,
    "part3_adoption": 12.5,
    "reproduction": 327.6,
    "everything else": 22.5,
    "total": 771.5,
}
HUB_2026_BEFORE_PEAK = 7.26 * 2**30
#: Issue 12's targets (seconds; the peak memory target is the whole build's).
HUB_2026_TARGETS = {"part1_activity": 45, "part2_network": 60, "total": 180}
HUB_2026_PEAK_TARGET = 4 * 2**30

GB = 2**30


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min) {five:.2f} (5 min), {os.cpu_count()} cores"


def warm(snap: Path) -> str:
    """Read every file of the snapshot once, untimed, so that runs compare computation rather than
    the state of this shared machine's page cache (a cold read here runs at tens of MB/s)."""
    t0 = time.perf_counter()
    size = 0
    for f in sorted(snap.iterdir()):
        if f.is_file():
            with open(f, "rb") as fh:
                while chunk := fh.read(1 << 24):
                    size += len(chunk)
    secs = time.perf_counter() - t0
    return f"read the snapshot's {size / 2**30:.2f} GB once to warm the page cache: {secs:.1f} s (not counted)"


def scale_snapshot(scale: str) -> Path:
    """The cached snapshot of ``scale``, generated first if missing (not timed)."""
    spec = SCALES[scale]
    folder = paths.bench_cache() / f"{scale}-models{spec['models']}-seed{spec['seed']}"
    if (folder / "manifest.json").exists() and '"complete": true' in (folder / "manifest.json").read_text():
        return folder
    if folder.exists():
        shutil.rmtree(folder)  # an interrupted generation
    folder.parent.mkdir(parents=True, exist_ok=True)
    print(f"generating the {scale} snapshot into {folder} (once; 2-3 minutes, 2 GB) ...", flush=True)
    cmd = [sys.executable, "-m", "analysis", "synth", str(folder), "--models", str(spec["models"])]
    subprocess.run(cmd + ["--seed", str(spec["seed"])], check=True, stdout=subprocess.DEVNULL)
    return folder


class Phases:
    """Seconds and peak memory per notebook, from the build's log lines (no change to the build)."""

    def __init__(self, mem: PeakMemory):
        self.mem = mem
        self.current: str | None = None
        self.peaks: dict[str, int] = {}
        self.loads: dict[str, str] = {}

    def __call__(self, line: str) -> None:
        text = str(line)
        if text.startswith("[") or text.strip().startswith("done in"):
            print(f"  {text.strip()}", flush=True)
        if "] executing book/" in text:
            self.close()
            self.current = text.split("executing book/", 1)[1].split(".ipynb", 1)[0]
            self.mem.new_phase()
        elif text.startswith("building the site"):
            self.close()
            self.current = "jupyter-book build"
            self.mem.new_phase()

    def close(self) -> None:
        if self.current is not None:
            self.mem.sample()
            self.peaks[self.current] = self.mem.phase_peak
            self.loads[self.current] = load()
            self.current = None


def build_measured(snap: Path, html: bool = True):
    with PeakMemory(interval=0.2) as mem:
        phases = Phases(mem)
        res = build(snap, html=html, log=phases)
        phases.close()
    return res, phases


def hub_2026_report(res, phases: Phases) -> str:
    times = {k.removeprefix("notebook "): v for k, v in res.timings.items()}
    named = [k for k in HUB_2026_BEFORE if k not in ("everything else", "total")]
    rest = res.total - sum(v for k, v in times.items() if k in named)  # the rows add up to the total
    lines = [
        f"book at the hub-2026 scale ({res.snapshot_id}): seconds and peak memory per notebook",
        f"  {'notebook':<22} {'seconds':>8} {'before':>8} {'ratio':>7} {'target':>8}  {'peak GB':>8}  load",
    ]

    def row(name, secs, peak, ld):
        before = HUB_2026_BEFORE.get(name)
        target = HUB_2026_TARGETS.get(name)
        ratio = f"{secs / before:7.2f}" if before else f"{'':7}"
        verdict = f"< {target}: {'ok' if secs < target else 'MISSED'}" if target else ""
        b = f"{before:8.1f}" if before else f"{'':8}"
        p = f"{peak / GB:8.2f}" if peak is not None else f"{'':8}"
        lines.append(f"  {name:<22} {secs:8.1f} {b} {ratio} {verdict:>8}  {p}  {ld}")

    for name, secs in times.items():
        row(name, secs, phases.peaks.get(name), phases.loads.get(name, ""))
    row("everything else", rest, None, "")
    row("total", res.total, res.peak_rss, load())
    ok = res.peak_rss < HUB_2026_PEAK_TARGET
    lines.append(
        f"  peak memory of the whole build (all processes): {res.peak_rss / GB:.2f} GB, before "
        f"{HUB_2026_BEFORE_PEAK / GB:.2f} GB (ratio {res.peak_rss / HUB_2026_BEFORE_PEAK:.2f}); "
        f"target < {HUB_2026_PEAK_TARGET / GB:.0f} GB: {'ok' if ok else 'MISSED'}"
    )
    lines.append(
        "  ('everything else' is the total less the four notebooks of the issue's table: the snapshot's "
        "validation, the other notebooks, the kernels' start-up and the site build when it runs)"
    )
    return "\n".join(lines)


def profile(snap: Path) -> None:
    for nb in ("part2_network", "part1_activity"):
        print(f"[{load()}]", flush=True)
        subprocess.run([sys.executable, str(paths.BENCH / "profile_notebook.py"), nb, str(snap)], check=True)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("snapshots", nargs="*", type=Path)
    ap.add_argument("--scale", choices=sorted(SCALES), help="build the book of a cached large synthetic snapshot")
    ap.add_argument("--profile", action="store_true", help="with --scale: profile Part I and Part II first")
    ap.add_argument("--no-html", action="store_true", help="execute the notebooks only (no site)")
    args = ap.parse_args(argv)

    if args.scale:
        snap = scale_snapshot(args.scale)
        print(warm(snap), flush=True)
        if args.profile:
            profile(snap)
        print(f"building the book of {snap} [{load()}] ...", flush=True)
        t0 = time.perf_counter()
        res, phases = build_measured(snap, html=not args.no_html)
        print(res.summary())
        print()
        print(hub_2026_report(res, phases))
        print(f"  (wall {time.perf_counter() - t0:.1f} s)")
        return 0

    snaps = args.snapshots or [paths.DEFAULT_SNAPSHOT, paths.SNAPSHOTS / "hub-2024-07-import"]
    rows = []
    for snap in snaps:
        if not (snap / "manifest.json").exists():
            print(f"skip {snap}: not a snapshot (run 'make import-shared' for the real-data one)")
            continue
        res, _ = build_measured(snap, html=not args.no_html)
        print(res.summary())
        rows.append((res.snapshot_id, res.total, res.peak_rss, load()))
    print("\nbook build benchmark")
    print(f"  {'snapshot':<24} {'seconds':>9} {'peak GB':>9}  target")
    for sid, secs, peak, ld in rows:
        t_secs, t_mem = TARGETS.get(sid, (None, None))
        target = []
        if t_secs:
            target.append(f"< {t_secs} s: {'ok' if secs < t_secs else 'MISSED'}")
        if t_mem:
            target.append(f"< {t_mem / GB:.0f} GB: {'ok' if peak < t_mem else 'MISSED'}")
        print(f"  {sid:<24} {secs:9.1f} {peak / GB:9.2f}  {'; '.join(target)}  [{ld}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
