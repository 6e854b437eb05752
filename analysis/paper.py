"""The paper this book reproduces: its reported numbers and its date, in one place.

Osborne, Ding and Kirk (2024), *The AI community building the future? A quantitative
analysis of development activity on Hugging Face Hub*, J Comput Soc Sci 7(2) 2067-2105,
doi:10.1007/s42001-024-00300-8.

The numbers are quoted, with their source (the abstract, or secondary summaries only), in
``analysis/resources/paper_numbers.yml``. :data:`PAPER_DATE` is the default of the book's
``paper_date`` parameter (the end of October 2023, the collection month that secondary
summaries report); every part reads the parameter, never a date of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from analysis import paths

#: The paper's data were collected in October 2023 (secondary summaries); the as-of
#: reconstruction counts what existed at the end of that month.
PAPER_DATE = "2023-10-31"


def paper_numbers(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The paper's numbers, in the order of PAPER.md."""
    p = Path(path) if path else paths.resource("paper_numbers.yml")
    rows = yaml.safe_load(p.read_text(encoding="utf-8"))["numbers"]
    keys = [r["key"] for r in rows]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{p.name}: duplicate keys")
    for r in rows:
        for k in ("key", "quantity", "paper", "source", "measure"):
            if k not in r:
                raise ValueError(f"{p.name}: entry {r.get('key')!r} has no {k!r}")
    return rows


def quoted(key: str) -> str:
    """The paper's figure for ``key`` as the paper (or a summary) words it, e.g. ``"89%"``."""
    for n in paper_numbers():
        if n["key"] == key:
            return str(n["paper"])
    raise KeyError(f"paper_numbers.yml has no entry {key!r}")
