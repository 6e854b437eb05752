"""Every path the project uses, in one place.

Nothing in the project depends on the current working directory: all paths are
derived from the location of this file. Two environment variables may move
things for a user who wants to (both optional):

- ``HFHUB_SHARED_DATA``: where the real Hub records live (default
  ``../shared/data`` beside the project root);
- ``HFHUB_BUILD_DIR``: where builds go (default ``_build`` in the project root);
- ``HFHUB_BENCH_CACHE``: where benchmarks keep large generated snapshots
  (default ``~/.cache/hf-hub-activity``, outside the repository).
- ``HFHUB_CITATION_FILE``: the citation file the book cites itself with (default the
  project's ``CITATION.cff``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

#: The project's root: the folder holding README.md, Makefile and analysis/.
ROOT: Path = Path(__file__).resolve().parent.parent

#: Package resources (license mapping, owner kinds, identity overrides, ...).
RESOURCES: Path = ROOT / "analysis" / "resources"

#: The book's sources: notebook templates and pages (never written by a build).
BOOK: Path = ROOT / "book"
BOOK_CONFIG: Path = ROOT / "_config.yml"
BOOK_TOC: Path = ROOT / "_toc.yml"
#: Default notebook parameters, overridable on the command line.
BOOK_PARAMS: Path = BOOK / "params.yml"

DATA: Path = ROOT / "data"
SNAPSHOTS: Path = DATA / "snapshots"
#: The small synthetic snapshot bundled with the repository.
DEFAULT_SNAPSHOT: Path = SNAPSHOTS / "synthetic-demo"
#: The snapshot that ``make import-shared`` makes from the real records of the shared data folder.
SHARED_IMPORT: Path = SNAPSHOTS / "hub-2024-07-import"
#: The folders of the shared data folder that ``make import-shared`` reads.
SHARED_SOURCES: tuple[str, ...] = ("hub-2024-07", "model-commits-2024-09")
#: Private MariaDB servers of loaded HFCommunity dumps: ``data/hfcommunity/<dump id>/`` (never committed).
HFCOMMUNITY: Path = DATA / "hfcommunity"
#: Collector checkpoints (resumable collection state) live beside the snapshot.
CHECKPOINTS: Path = DATA / "checkpoints"

TESTS: Path = ROOT / "tests"
BENCH: Path = ROOT / "bench"


def shared_data() -> Path:
    """Folder of the real Hub records (may not exist: callers must check)."""
    env = os.environ.get("HFHUB_SHARED_DATA")
    return Path(env).resolve() if env else (ROOT.parent / "shared" / "data")


def shared_sources() -> list[Path]:
    """The real-record folders that ``make import-shared`` imports (they may not exist)."""
    return [shared_data() / name for name in SHARED_SOURCES]


def build_root() -> Path:
    env = os.environ.get("HFHUB_BUILD_DIR")
    return Path(env).resolve() if env else (ROOT / "_build")


def bench_cache() -> Path:
    """Where benchmarks cache large generated snapshots (outside the repository; may not exist yet)."""
    env = os.environ.get("HFHUB_BENCH_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "hf-hub-activity"


def build_dir(snapshot_id: str) -> Path:
    """Where the book of one snapshot is built: ``_build/<snapshot_id>/``."""
    if not snapshot_id or "/" in snapshot_id or snapshot_id in {".", "..", "editions"}:
        raise ValueError(f"invalid snapshot id {snapshot_id!r}")
    return build_root() / snapshot_id


def editions_dir() -> Path:
    """Where ``python -m analysis editions`` writes the page comparing editions."""
    return build_root() / "editions"


def site_dir(snapshot_id: str) -> Path:
    """The self-contained HTML site of one snapshot's book."""
    return build_dir(snapshot_id) / "_build" / "html"


def site_root() -> Path:
    """Where ``make site`` assembles the site of editions by default: ``_build/site/``."""
    return build_root() / "site"


def citation_file() -> Path:
    """The citation file the book cites itself with: ``HFHUB_CITATION_FILE`` (a publisher's own, e.g.
    with the real authors filled in), else the project's ``CITATION.cff``."""
    env = os.environ.get("HFHUB_CITATION_FILE")
    return Path(env).resolve() if env else ROOT / "CITATION.cff"


def tables_dir(snapshot_id: str) -> Path:
    return build_dir(snapshot_id) / "tables"


def figures_dir(snapshot_id: str) -> Path:
    return build_dir(snapshot_id) / "figures"


def resource(name: str) -> Path:
    return RESOURCES / name


#: What ``python -m analysis paths NAME`` prints, for the Makefile and CI (which compute no path).
NAMED: dict[str, Callable[[], list[Path]]] = {
    "root": lambda: [ROOT],
    "default-snapshot": lambda: [DEFAULT_SNAPSHOT],
    "shared-data": lambda: [shared_data()],
    "shared-sources": shared_sources,
    "shared-import": lambda: [SHARED_IMPORT],
    "build-root": lambda: [build_root()],
    "site-root": lambda: [site_root()],
    "snapshots": lambda: [SNAPSHOTS],
}


def main(argv: list[str] | None = None) -> int:
    """``python -m analysis paths NAME``: print a named path (several paths: one per line)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    names = ", ".join(NAMED)
    if args and args[0] in {"-h", "--help"}:
        print(f"usage: python -m analysis paths NAME, with NAME one of: {names}")
        return 0
    if len(args) != 1 or args[0] not in NAMED:
        got = " ".join(args) or "nothing"
        print(f"error: expected one path name ({names}), got {got!r}", file=sys.stderr)
        return 2
    for path in NAMED[args[0]]():
        print(path)
    return 0
