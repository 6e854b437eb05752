"""The paper this book reproduces: its reported numbers, how each is graded, and its date.

Osborne, Ding and Kirk (2024), *The AI community building the future? A quantitative
analysis of development activity on Hugging Face Hub*, J Comput Soc Sci 7(2) 2067-2105,
doi:10.1007/s42001-024-00300-8.

The numbers are quoted, with their source (the abstract, or secondary summaries only) and the
rule Part IV grades each by, in ``analysis/resources/paper_numbers.yml``; :func:`paper_numbers`
checks the file as it reads it (an unknown rule or a missing field is a one-line error naming
the entry). :data:`RULE_FIELDS` is the vocabulary of rules (what each kind needs);
:mod:`analysis.publication.grading` interprets them. :data:`PAPER_DATE` is the default of the
book's ``paper_date`` parameter (the end of October 2023, the collection month that secondary
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

#: Fields every entry of ``paper_numbers.yml`` has.
ENTRY_FIELDS = ("key", "quantity", "paper", "source", "measure", "rule")
#: Rule kinds and the fields each needs (besides ``kind``); a numeric kind also needs the
#: entry's ``value`` and ``unit``.
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "within": ("tolerance", "compare"),
    "above": ("compare",),
    "effect_interval": ("threshold",),
    "reciprocity_core": ("reciprocity_min", "core_z_min", "uses"),
    "minority_used": ("used_below", "top5_min", "uses"),
    "not_testable": ("because",),
}
#: Rule kinds that compare the entry's ``value`` with one number of the snapshot.
NUMERIC_RULES = ("within", "above")
#: The values a numeric rule's ``compare`` may take: the as-of-paper-date value where there is one
#: (else the snapshot's), or always the snapshot's.
COMPARE = ("as_of", "snapshot")
UNITS = ("count", "pct")
#: What ``rule.uses`` must name, per kind (the evidence the rule reads besides its measure).
RULE_USES = {"reciprocity_core": ("by_construction", "core_z"), "minority_used": ("top5", "cap")}


def _check_entry(r: Any, name: str) -> None:
    """Raise ``ValueError`` (one line naming the entry) unless ``r`` is a complete entry."""
    if not isinstance(r, dict):
        raise ValueError(f"{name}: an entry is not a mapping: {r!r}")
    key = r.get("key")
    for k in ENTRY_FIELDS:
        if k not in r:
            raise ValueError(f"{name}: entry {key!r} has no {k!r}")
    rule = r["rule"]
    kind = rule.get("kind") if isinstance(rule, dict) else None
    if kind not in RULE_FIELDS:
        raise ValueError(f"{name}: entry {key!r} has an unknown rule {kind!r} (known: {', '.join(RULE_FIELDS)})")
    for k in RULE_FIELDS[kind]:
        if k not in rule:
            raise ValueError(f"{name}: entry {key!r}: rule {kind!r} needs {k!r}")
    for k in RULE_USES.get(kind, ()):
        if k not in (rule.get("uses") or {}):
            raise ValueError(f"{name}: entry {key!r}: rule {kind!r} needs uses.{k} (the finding it reads)")
    if kind in NUMERIC_RULES:
        if not isinstance(r.get("value"), (int, float)) or r.get("unit") not in UNITS:
            raise ValueError(f"{name}: entry {key!r}: rule {kind!r} needs a numeric 'value' and a 'unit' in {UNITS}")
        if rule["compare"] not in COMPARE:
            raise ValueError(f"{name}: entry {key!r}: rule compare {rule['compare']!r} is not one of {COMPARE}")


def paper_numbers(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The paper's numbers, in the order of PAPER.md, each checked (:func:`_check_entry`)."""
    p = Path(path) if path else paths.resource("paper_numbers.yml")
    doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    rows = doc.get("numbers") if isinstance(doc, dict) else None
    if not isinstance(rows, list):
        raise ValueError(f"{p.name}: no list 'numbers'")
    for r in rows:
        _check_entry(r, p.name)
    keys = [r["key"] for r in rows]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"{p.name}: duplicate keys {', '.join(map(str, dup))}")
    return rows


def relation(item: dict[str, Any]) -> str:
    """``>`` for a claim 'over x' (rule ``above``), else ``=``."""
    return ">" if item["rule"]["kind"] == "above" else "="


def quoted(key: str) -> str:
    """The paper's figure for ``key`` as the paper (or a summary) words it, e.g. ``"89%"``."""
    for n in paper_numbers():
        if n["key"] == key:
            return str(n["paper"])
    raise KeyError(f"paper_numbers.yml has no entry {key!r}")
