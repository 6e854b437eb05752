"""Compare the results of two builds of a book byte for byte: every table and figure-data file and findings.json.

    python bench/compare_books.py BEFORE_BUILD AFTER_BUILD [--ignore NAME ...]

BEFORE_BUILD and AFTER_BUILD are build folders (``_build/<snapshot_id>``, or the same under
``HFHUB_BUILD_DIR``). Compared: every file under ``tables/`` (table CSVs, figure data and their
JSON sidecars) and ``findings.json``. A refactor that must not change a number passes when this
prints ``identical`` and exits 0; any missing, extra or differing file is listed (with the first
differing line) and the exit status is 1. ``--ignore`` skips a file by name (a named fix).

A sidecar's build stamp (``book.version``, the package version with the commit, and ``built``, the
build date) is not compared: it names the code and the day, not a result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path


def _files(build: Path) -> dict[str, Path]:
    out = {f"tables/{p.name}": p for p in sorted((build / "tables").glob("*")) if p.is_file()}
    if (build / "findings.json").is_file():
        out["findings.json"] = build / "findings.json"
    return out


#: A sidecar's build stamp: which code built it and when, not a result.
STAMP_KEYS = (("book", "version"), ("built",))


def _comparable(p: Path) -> bytes:
    data = p.read_bytes()
    if p.parent.name != "tables" or p.suffix != ".json":
        return data
    doc = json.loads(data)
    for path in STAMP_KEYS:
        node = doc
        for k in path[:-1]:
            node = node.get(k, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return json.dumps(doc, indent=1, sort_keys=True).encode()


def _digest(p: Path) -> str:
    return hashlib.sha256(_comparable(p)).hexdigest()


def _first_difference(a: Path, b: Path) -> str:
    la = _comparable(a).decode("utf-8", errors="replace").splitlines()
    lb = _comparable(b).decode("utf-8", errors="replace").splitlines()
    for i, (x, y) in enumerate(zip(la, lb, strict=False), start=1):
        if x != y:
            return f"line {i}: {x[:160]!r} != {y[:160]!r}"
    return f"{len(la)} lines != {len(lb)} lines"


def compare(before: Path, after: Path, ignore: set[str]) -> list[str]:
    """One line per difference between the two builds (empty: identical)."""
    fa, fb = _files(before), _files(after)
    if not fa:
        return [f"{before}: no tables/ or findings.json (not a build folder?)"]
    problems = []
    for name in sorted(set(fa) | set(fb)):
        if Path(name).name in ignore:
            continue
        if name not in fb:
            problems.append(f"missing after: {name}")
        elif name not in fa:
            problems.append(f"new after: {name}")
        elif _digest(fa[name]) != _digest(fb[name]):
            problems.append(f"differs: {name}: {_first_difference(fa[name], fb[name])}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--ignore", action="append", default=[], help="a file name to skip (repeatable)")
    a = ap.parse_args(argv)
    problems = compare(a.before, a.after, set(a.ignore))
    n = len(_files(a.before))
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} of {n} files differ")
        return 1
    print(f"identical ({n} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
