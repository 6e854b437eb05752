"""Every path the project uses, in one place.

Nothing in the project depends on the current working directory: all paths are
derived from the location of this file. Two environment variables may move
things for a user who wants to (both optional):

- ``HFHUB_SHARED_DATA``: where the real Hub records live (default
  ``../shared/data`` beside the project root);
- ``HFHUB_BUILD_DIR``: where builds go (default ``_build`` in the project root).
"""

from __future__ import annotations

import os
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
#: Collector checkpoints (resumable collection state) live beside the snapshot.
CHECKPOINTS: Path = DATA / "checkpoints"

TESTS: Path = ROOT / "tests"
BENCH: Path = ROOT / "bench"


def shared_data() -> Path:
    """Folder of the real Hub records (may not exist: callers must check)."""
    env = os.environ.get("HFHUB_SHARED_DATA")
    return Path(env).resolve() if env else (ROOT.parent / "shared" / "data")


def build_root() -> Path:
    env = os.environ.get("HFHUB_BUILD_DIR")
    return Path(env).resolve() if env else (ROOT / "_build")


def build_dir(snapshot_id: str) -> Path:
    """Where the book of one snapshot is built: ``_build/<snapshot_id>/``."""
    if not snapshot_id or "/" in snapshot_id or snapshot_id in {".", ".."}:
        raise ValueError(f"invalid snapshot id {snapshot_id!r}")
    return build_root() / snapshot_id


def site_dir(snapshot_id: str) -> Path:
    """The self-contained HTML site of one snapshot's book."""
    return build_dir(snapshot_id) / "_build" / "html"


def tables_dir(snapshot_id: str) -> Path:
    return build_dir(snapshot_id) / "tables"


def figures_dir(snapshot_id: str) -> Path:
    return build_dir(snapshot_id) / "figures"


def resource(name: str) -> Path:
    return RESOURCES / name
