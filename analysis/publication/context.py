"""The opening of every notebook of the book: one call, right after its ``parameters`` cell::

    from analysis.publication.context import open_part

    snap, pub, params = open_part("part1_activity", globals())

:func:`open_part` reads the parameters the build gave the notebook (papermill parameters only;
nothing reaches a notebook through the environment), as its ``parameters`` cell left them in the
notebook's namespace:

- ``snapshot_dir`` (empty: the demo snapshot) and ``snapshot_verified`` (the token of the snapshot the
  build has verified: its checksums are not computed again), to open the snapshot;
- ``output_dir``, ``page`` (the notebook's name in a build, for its URLs and code links) and
  ``code_commit`` (the commit the build asked git for once; None outside a build: the Publisher
  asks), to open the :class:`~analysis.publication.publish.Publisher`;

shows the page's banner, and returns the snapshot, the Publisher and ``params``: the notebook's own
parameters (those ``book/params.types.yml`` declares for it, global or its own, that its parameters
cell sets) with their values, a value left empty taking the book's default (``paper_date``: the
paper's date). ``params`` is what its findings record as the parameters that produced them.

It imports nothing heavy: the Publisher and the snapshot are imported when a notebook opens them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from analysis import paths
from analysis.paper import PAPER_DATE
from analysis.publication.buildparams import TYPES_FILE, declarations_of, load_types

#: The value of a parameter left empty (a notebook run outside the build, say).
DEFAULTS: dict[str, Any] = {"paper_date": PAPER_DATE}


class Part(NamedTuple):
    """What :func:`open_part` returns: ``snap, pub, params = open_part(...)``."""

    snap: Any  # analysis.snapshot.Snapshot
    pub: Any  # analysis.publication.publish.Publisher
    params: dict[str, Any]


def part_parameters(name: str, namespace: Mapping[str, Any], types_file: Path | None = None) -> dict[str, Any]:
    """Notebook ``name``'s own parameters with their values in ``namespace``: every parameter the
    types file (default ``book/params.types.yml``) declares for it that ``namespace`` holds, in the
    file's order; an empty value takes its :data:`DEFAULTS` entry."""
    types = load_types(types_file or paths.BOOK / TYPES_FILE)
    out = {}
    for key in declarations_of(types, name):
        if key in namespace:
            value = namespace[key]
            out[key] = DEFAULTS[key] if key in DEFAULTS and value in ("", None) else value
    return out


def open_part(name: str, namespace: Mapping[str, Any]) -> Part:
    """Open notebook ``name``'s snapshot and Publisher from its parameters (``namespace``: the
    notebook's ``globals()``), show its banner, and return them with its own parameters."""
    from analysis.publication.publish import Publisher
    from analysis.snapshot import open_snapshot

    snap = open_snapshot(
        namespace.get("snapshot_dir") or paths.DEFAULT_SNAPSHOT, verified=namespace.get("snapshot_verified") or None
    )
    pub = Publisher(
        snap, namespace.get("output_dir") or None, page=namespace.get("page") or "", commit=namespace.get("code_commit")
    )
    _show(pub.banner())
    return Part(snap, pub, part_parameters(name, namespace))


def _show(obj: Any) -> None:
    """``obj`` shown as a cell's output (nothing outside IPython)."""
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - the book's kernels have IPython
        return
    display(obj)
