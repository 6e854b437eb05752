"""Findings recorded once: ``_build/<snapshot_id>/findings.json``.

Each part module declares its findings beside the code that computes them
(:func:`analysis.finding.declares`); its notebook collects them from what it has
computed (:func:`collect`) and records them through its
:class:`~analysis.publication.publish.Publisher` (``pub.findings(part, entries)``).
This module computes nothing: it collects, writes (:func:`record`), reads and
validates. Part IV (:mod:`analysis.publication.reproduction`) and the landing page read
the file and compute nothing of Parts I-III again, so a parameter given to a
part reaches every page that shows its findings.

The file (JSON Schema: ``findings.schema.json`` beside this module)::

    {"schema_version": 1,
     "snapshot": {"id", "date", "source_kind", "synthetic"},
     "parts": {"part1_activity": {"parameters": {...}}, ...},
     "findings": [ENTRY, ...]}            # sorted by key, keys unique

and every ENTRY::

    {"key": "network.isolates_pct",        # stable across builds and snapshots
     "part": "part2_network",
     "snapshot_id", "snapshot_date",       # so editions can be lined up by key and date
     "quantity": "developers who are isolates",
     "value": 91.2, "unit": "pct",         # count | pct | ratio | epsilon_sq | p | bool | text
     "ci_low": null, "ci_high": null, "ci_method": null,
     "parameters": {"threshold": 90},      # the parameters that produced it
     "coverage": {"scope": "subset", "covered": 1010, "population": 760000, "note": "..."},
     "source": "tab-network",              # the label of the table or figure it comes from
     "note": null}

``coverage.scope`` is the manifest's scope of the evidence (``all``; ``sample``
= a seeded random sample; ``subset`` = a selection that is not a random sample;
``none``); ``covered`` and ``population`` are repositories (or developers,
where the unit says so) covered and in the snapshot.

A part rerun alone (``--only``) replaces its own entries and keeps the others. The build runs
notebooks side by side (:mod:`analysis.publication.buildorder`), so :func:`record` reads, changes and
writes the file holding an exclusive lock on its folder (``fcntl.flock`` on the folder itself: no
lock file is left among the build's files), and replaces it atomically (a reader sees the old file
or the new one, never half of one).
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from analysis import finding
from analysis.finding import UNITS, coverage, entry, format_p

SCHEMA_VERSION = 1
FILE_NAME = "findings.json"
SCHEMA_FILE = Path(__file__).with_name("findings.schema.json")

#: Collaboration measures of Part I (the "collaboration patterns" of the license claim).
COLLABORATION_MEASURES = ("commits", "commit_authors", "discussions", "discussion_authors")

__all__ = [
    "COLLABORATION_MEASURES",
    "FILE_NAME",
    "SCHEMA_FILE",
    "SCHEMA_VERSION",
    "UNITS",
    "FindingsError",
    "by_key",
    "collect",
    "coverage",
    "entry",
    "format_p",
    "load",
    "part_module",
    "path",
    "record",
    "schema",
    "validate",
    "values",
]


class FindingsError(Exception):
    """findings.json is missing, of another snapshot or not valid."""


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of ``findings.json``."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def validate(doc: Mapping[str, Any]) -> None:
    """Raise :class:`FindingsError` unless ``doc`` matches the schema and its keys are unique."""
    import jsonschema

    try:
        jsonschema.validate(doc, schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        raise FindingsError(f"{FILE_NAME}: {exc.message} (at {where})") from None
    keys = [e["key"] for e in doc["findings"]]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise FindingsError(f"{FILE_NAME}: duplicate keys {', '.join(dup)}")


def path(out_dir: str | os.PathLike) -> Path:
    return Path(out_dir) / FILE_NAME


def _empty(snapshot: Any) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "snapshot": {
            "id": snapshot.id,
            "date": snapshot.date,
            "source_kind": snapshot.source_kind,
            "synthetic": bool(snapshot.is_synthetic),
        },
        "parts": {},
        "findings": [],
    }


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (every writer of its findings file takes it; the lock
    ends with the process, however it ends)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def record(
    out_dir: str | os.PathLike,
    snapshot: Any,
    part: str,
    entries: Iterable[Mapping[str, Any]],
    parameters: Mapping[str, Any] | None = None,
) -> Path:
    """Replace ``part``'s entries in ``out_dir/findings.json`` (validated; read, changed and written
    under the folder's lock, so that notebooks recording at the same time keep each other's entries;
    written atomically)."""
    f = path(out_dir)
    f.parent.mkdir(parents=True, exist_ok=True)
    new = [dict(e) for e in entries]
    with _locked(f.parent):
        doc = _updated(f, snapshot, part, new, parameters)
        fd, tmp = tempfile.mkstemp(dir=f.parent, prefix=".findings-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, sort_keys=True, allow_nan=False)
            fh.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp makes it private (0600); a site serves it to readers
        os.replace(tmp, f)
    return f


def _updated(
    f: Path, snapshot: Any, part: str, entries: list[dict[str, Any]], parameters: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The findings document of ``f`` with ``part``'s entries replaced by ``entries`` (validated)."""
    doc = _empty(snapshot)
    if f.exists():
        try:
            old = json.loads(f.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            old = None
        if (
            isinstance(old, dict)
            and old.get("schema_version") == SCHEMA_VERSION
            and old.get("snapshot") == doc["snapshot"]
        ):
            doc["parts"] = {k: v for k, v in old.get("parts", {}).items() if k != part}
            doc["findings"] = [e for e in old.get("findings", []) if e.get("part") != part]
    doc["parts"][part] = {"parameters": finding.plain(dict(parameters or {}))}
    for e in entries:
        doc["findings"].append({**e, "part": part, "snapshot_id": snapshot.id, "snapshot_date": snapshot.date})
    doc["findings"].sort(key=lambda e: e["key"])
    doc["parts"] = dict(sorted(doc["parts"].items()))
    validate(doc)
    return doc


def load(out_dir: str | os.PathLike, snapshot: Any | None = None) -> dict[str, Any]:
    """The findings file of a build (validated; of ``snapshot`` when given)."""
    f = path(out_dir)
    if not f.exists():
        raise FindingsError(
            f"{f}: no findings yet; Parts I-III record them, so build them first "
            "(python -m analysis build SNAPSHOT, or --only part1_activity --only part2_network --only part3_adoption)"
        )
    doc = json.loads(f.read_text(encoding="utf-8"))
    validate(doc)
    if snapshot is not None and doc["snapshot"]["id"] != snapshot.id:
        raise FindingsError(f"{f}: findings of snapshot {doc['snapshot']['id']!r}, not {snapshot.id!r}")
    return doc


def by_key(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["key"]: e for e in doc["findings"]}


def values(doc: Mapping[str, Any]) -> dict[str, Any]:
    """``{key: value}`` of every finding."""
    return {e["key"]: e["value"] for e in doc["findings"]}


def part_module(part: str) -> str:
    """The module that declares the findings of notebook ``part`` (``partN_<name>``: ``analysis.parts.<name>``)."""
    return "analysis.parts." + part.split("_", 1)[-1]


def collect(part: str, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """``part``'s findings, from the function its part module declares beside the code that computes them
    (:func:`analysis.finding.declares`), called with ``args`` and ``kwargs``: what the notebook has computed."""
    importlib.import_module(part_module(part))
    return finding.collect(part, *args, **kwargs)
