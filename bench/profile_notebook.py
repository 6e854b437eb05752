"""Profile a book notebook's code in one process with pyinstrument (no kernel, no papermill).

The notebook's code cells are run in order in a fresh namespace, with the
``parameters`` cell followed by the build's parameters (``snapshot_dir``,
``output_dir`` and any ``-p name=value``), exactly as papermill injects them;
``display`` and ``Markdown`` are IPython's own (outside a kernel they print a
repr, which is discarded). Each cell is timed, and pyinstrument's call tree is
printed, trimmed to the frames that take at least ``--min-share`` of the time.

    .venv/bin/python bench/profile_notebook.py part2_network SNAPSHOT_DIR [--out DIR] [--min-share 0.02]

Used by ``bench/bench_book.py --profile`` to report where Part I and Part II
spend their time.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

from analysis import paths


def code_cells(notebook: str) -> list[tuple[list[str], str]]:
    """``(tags, source)`` of every code cell of ``book/<notebook>.ipynb``."""
    nb = json.loads((paths.BOOK / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    return [
        (c.get("metadata", {}).get("tags", []), "".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"
    ]


def _high_water() -> float:
    """The process's peak resident memory so far (GB; Linux reports ru_maxrss in KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def first_line(source: str) -> str:
    for line in source.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line[:70]
    return ""


def run(notebook: str, snapshot: Path, out: Path, params: dict | None = None, min_share: float = 0.02):
    """Run the notebook's cells under pyinstrument; returns ((first line, seconds, peak GB) per cell,
    profile text, total seconds)."""
    from IPython.display import display
    from pyinstrument import Profiler

    ns: dict = {"__name__": "__main__", "display": display}  # a kernel's built-in
    inject = dict(params or {}, snapshot_dir=str(snapshot), output_dir=str(out))
    timings: list[tuple[str, float, float]] = []
    profiler = Profiler(interval=0.005)
    t_all = time.perf_counter()
    profiler.start()
    try:
        for tags, src in code_cells(notebook):
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(ast.parse(src), f"<{notebook} cell>", "exec"), ns)
                if "parameters" in tags:
                    for k, v in inject.items():
                        ns[k] = v
            timings.append((first_line(src), time.perf_counter() - t0, _high_water()))
            import matplotlib.pyplot as plt

            plt.close("all")
    finally:
        profiler.stop()
    total = time.perf_counter() - t_all
    text = profiler.output_text(unicode=False, color=False, show_all=False, time="seconds", flat=False)
    return timings, trim(text, total, min_share), total


def trim(text: str, total: float, min_share: float) -> str:
    """Only the lines of pyinstrument's tree whose time is at least ``min_share`` of the total."""
    keep = []
    for line in text.splitlines():
        s = line.strip().lstrip("|-` ").strip()
        head = s.split(" ", 1)[0]
        try:
            secs = float(head)
        except ValueError:
            continue
        if secs >= min_share * total:
            keep.append(line.rstrip())
    return "\n".join(keep)


def report(notebook: str, snapshot: Path, out: Path | None = None, min_share: float = 0.02) -> str:
    with tempfile.TemporaryDirectory(prefix="profile-") as tmp:
        timings, tree, total = run(notebook, snapshot, Path(out or tmp), min_share=min_share)
    lines = [
        f"profile of {notebook} (in one process, pyinstrument): {total:.1f} s",
        "  cells (seconds; the process's peak memory after the cell):",
    ]
    for head, secs, peak in timings:
        if secs >= 0.05:
            lines.append(f"    {secs:7.1f} s  {peak:5.2f} GB  {head}")
    lines.append(f"  call tree (frames taking at least {100 * min_share:g}% of the time):")
    lines += ["    " + x for x in tree.splitlines()]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebook")
    ap.add_argument("snapshot", type=Path)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--min-share", type=float, default=0.02)
    args = ap.parse_args(argv)
    print(report(args.notebook, args.snapshot, args.out, args.min_share), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
