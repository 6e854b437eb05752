"""The importer's record files: their names, the source files it knows by sha256, finding them.

Record files are recognised by name (``NAME.jsonl``, ``NAME.jsonl.gz``, or a shard
``NAME-*.jsonl[.gz]``, NAME one of :data:`KINDS`); :func:`find_sources` lists them in import
order. :data:`KNOWN_SOURCES` documents the shared real records (when they were collected, what they
are); :class:`SourceFile` carries one file's counts into the manifest.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

KINDS = ("model_info", "models", "datasets", "spaces", "commits", "discussions")
FILE_RE = re.compile(
    r"^(?P<kind>model_info|models|datasets|spaces|commits|discussions)(?:[-_.][^/]*?)?\.jsonl(?P<gz>\.gz)?$"
)

#: Source files the importer knows, by sha256: when they were collected and what
#: they are (from ../shared/data/README.md). Only exact files match.
#: ``author_names: "git"`` marks commit records whose authors are git names; it is
#: carried into the manifest's coverage of ``commits``.
KNOWN_SOURCES: dict[str, dict[str, str]] = {
    "65b5a2472608ad8be8140fc13536547046db6b2c6d84c5fa17b8235de49f57e8": {
        "name": "hub-2024-07/models.jsonl.gz",
        "collected": "2024-07-11",
        "note": "every public model as GET /api/models listed it on 2024-07-11 (1,000 per page, "
        "sorted by downloads); the listing has no lastModified, author, sha or gated fields",
    },
    "91a46eb3c6d535b5b9cabb3f2c87cf8bf11737661d0d30c93d6ba2937c76916a": {
        "name": "hub-2024-07/datasets.jsonl.gz",
        "collected": "2024-07-09",
        "note": "every public dataset as GET /api/datasets listed it on 2024-07-09",
    },
    "9094ffb095ad05b70fa323f6accb3a0d0c16c65e10a3aba82fa3f4948b90fa74": {
        "name": "hub-2024-07/model_info.jsonl.gz",
        "collected": "2024-07-09",
        "note": "GET /api/models/{id} on 2024-07-09 for the models whose id starts with a digit or q "
        "(not a random sample)",
    },
    "4e785d5dae58036894c13d96201e3e9c42ea9654a7f1257848295e589de6db87": {
        "name": "model-commits-2024-09/commits.jsonl.gz",
        "collected": "2024-09-25",
        "note": "commits of 1,031 model repositories, only the commits that touched a model weight "
        "file (s2e-lab/model-evolution); authors are git author names, not always Hub "
        "usernames; dates recorded without time zone, read as UTC",
        "author_names": "git",
    },
}


class ImportStopped(Exception):
    """The import stopped on a bad record or file (``on_error="stop"``), or cannot start."""


@dataclasses.dataclass
class SourceFile:
    path: Path
    kind: str
    gz: bool
    label: str  # "<folder>/<file>": no machine paths in the manifest
    sha256: str = ""
    bytes: int = 0
    lines: int = 0
    records: int = 0
    malformed: int = 0
    duplicate: int = 0
    broken: str | None = None

    def info(self) -> dict[str, Any]:
        out = {
            "file": self.label,
            "kind": self.kind,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "lines": self.lines,
            "records_imported": self.records,
            "malformed": self.malformed,
            "duplicate": self.duplicate,
        }
        if self.broken:
            out["broken"] = self.broken
        known = KNOWN_SOURCES.get(self.sha256)
        if known:
            out["collected"] = known["collected"]
            out["known_source"] = known["note"]
        return out


def find_sources(sources: list[Path]) -> tuple[list[SourceFile], list[str]]:
    """Record files in the given folders (or files), in import order; and ignored files."""
    found: list[SourceFile] = []
    ignored: list[str] = []
    for src in sources:
        src = Path(src)
        if src.is_dir():
            candidates = sorted(p for p in src.iterdir() if p.is_file())
            explicit = False
        elif src.is_file():
            candidates, explicit = [src], True
        else:
            raise ImportStopped(f"{src}: no such file or folder")
        n = 0
        for p in candidates:
            m = FILE_RE.match(p.name)
            if not m:
                if explicit or ".jsonl" in p.name:
                    ignored.append(f"{p.parent.name}/{p.name}")
                continue
            found.append(SourceFile(p, m["kind"], bool(m["gz"]), f"{p.parent.name}/{p.name}"))
            n += 1
        if n == 0:
            raise ImportStopped(f"{src}: no record files (expected {', '.join(k + '.jsonl[.gz]' for k in KINDS)})")
    found.sort(key=lambda s: KINDS.index(s.kind))
    return found, ignored
