"""The dump files HFCommunity publishes: what a file's name says (its date, its Zenodo record,
its schema version), the license, and the short id a dump's private server is kept under."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

LICENSE = "CC BY-SA 4.0"
PROJECT_URL = "https://som-research.github.io/HFCommunity/"

#: The dumps HFCommunity's download page lists: file name -> (collection date, Zenodo record, schema)
KNOWN_DUMPS: dict[str, tuple[str, str, str]] = {
    "dump_241122.zip": ("2022-11-24", "https://zenodo.org/records/7743893", "1.0"),
    "dump_090323.zip": ("2023-03-09", "https://zenodo.org/records/7743896", "1.0"),
    "dump_180423.zip": ("2023-04-18", "https://zenodo.org/records/7855371", "1.0"),
    "dump_051523.zip": ("2023-05-15", "https://zenodo.org/records/7943753", "1.0"),
    "dump_20230630.zip": ("2023-06-30", "https://zenodo.org/records/8112880", "1.0"),
    "dump_20230721.zip": ("2023-07-21", "https://zenodo.org/records/8172383", "1.0"),
    "dump_20230812.zip": ("2023-08-12", "https://zenodo.org/records/8240989", "1.0"),
    "dump_20230907.zip": ("2023-09-07", "https://zenodo.org/records/8324809", "1.0"),
    "dump_20231009.zip": ("2023-10-09", "https://zenodo.org/records/10020642", "1.0"),
    "dump_hfc_20241001.zip": ("2024-10-01", "https://zenodo.org/records/13929743", "1.1"),
}


def dump_id(path: str | os.PathLike) -> str:
    """``dump_20231009`` for ``dump_20231009.zip`` (or ``.sql``, ``.sql.gz``)."""
    name = Path(path).name
    for ext in (".sql.gz", ".sql.zip", ".zip", ".sql", ".gz"):
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "dump"


def dump_facts(path: str | os.PathLike) -> dict[str, Any]:
    """What the file's name says: its date and, for a dump HFCommunity lists, the record."""
    name = Path(path).name
    known = KNOWN_DUMPS.get(name)
    date = known[0] if known else None
    if date is None:
        m = re.search(r"(20\d{2})(\d{2})(\d{2})", name)
        if m:
            try:
                date = dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                date = None
    return {
        "file": name,
        "date": date,
        "record_url": known[1] if known else None,
        "schema_listed": known[2] if known else None,
        "license": LICENSE,
        "project": PROJECT_URL,
    }
