"""The manifest's account of an import: each table's coverage and the snapshot's date.

Coverage entries are built by :func:`analysis.snapshot.schema.coverage` (the one builder every
source uses). The snapshot date is by default the latest collection date that the sources justify:
for source files the importer knows (the shared real records, by sha256 in
:data:`analysis.sources.importer.files.KNOWN_SOURCES`) the latest date a *listing* was collected
(the shared import gets 2024-07-11, the day the models were listed); for other sources the latest
modification time of the listing files. It is never read from the records.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from analysis.snapshot.schema import (
    PLACEHOLDER_DATE,
    PLACEHOLDER_MINUTE,
    REPO_TABLES,
    SCHEMAS,
    Selection,
    coverage,
    listing_coverage,
)
from analysis.sources.importer.converting import Importer
from analysis.sources.importer.files import KNOWN_SOURCES, SourceFile


def fmt(n: int) -> str:
    return f"{n:,}"


def _selection(ids: list[str]) -> str:
    """Describe how a set of repository ids was selected, if by their first character."""
    counts = Counter(i[:1].lower() for i in ids if i)
    total = sum(counts.values())
    chosen: list[str] = []
    covered = 0
    for ch, n in counts.most_common():
        if covered >= 0.99 * total:
            break
        chosen.append(ch)
        covered += n
    if not total or len(chosen) > 12:
        return "how those models were selected is not recorded"
    digits = sorted(c for c in chosen if c.isdigit())
    other = sorted(c for c in chosen if not c.isdigit())
    parts = (["0-9"] if len(digits) == 10 else digits) + other
    rest = total - covered
    return (
        f"the models whose id starts with {', '.join(parts)}"
        + (f" ({fmt(rest)} other id(s))" if rest else "")
        + "; selected by name, not a random sample"
    )


class CoverageOf:
    """The manifest's coverage of an import, one table at a time (entries built by
    :func:`analysis.snapshot.schema.coverage`, the one builder every source uses)."""

    def __init__(self, imp: Importer, files: list[SourceFile], steps: dict[str, int]):
        self.imp, self.files, self.steps = imp, files, steps
        self.kinds = {f.kind for f in files}

    def _of(self, kind: str) -> list[SourceFile]:
        return [f for f in self.files if f.kind == kind]

    def _labels(self, kind: str) -> str:
        return ", ".join(f.label for f in self._of(kind))

    def _known(self, kind: str, key: str = "note") -> list[str]:
        return [KNOWN_SOURCES[f.sha256][key] for f in self._of(kind) if key in KNOWN_SOURCES.get(f.sha256, {})]

    def _bad(self, kind: str) -> dict[str, int]:
        return {
            "malformed": sum(f.malformed for f in self._of(kind)),
            "duplicate": sum(f.duplicate for f in self._of(kind)),
        }

    def _fields(self, table: str) -> dict[str, int]:
        return {c: self.imp.fields.get(table, Counter())[c] for c in SCHEMAS[table].names}

    def listing(self, table: str) -> dict[str, Any]:
        imp, kind = self.imp, table
        if kind not in self.kinds:
            return coverage("none", rows=0, note=f"no {kind} listing in the sources")
        rows = imp.rows[table]
        fields = self._fields(table)
        missing = [c for c, n in fields.items() if n == 0]
        partial = [f"{c} {n:,}" for c, n in fields.items() if 0 < n < rows]
        note = f"every record of {self._labels(kind)} ({fmt(rows)} repositories)"
        if missing and rows:
            note += f"; never given (null in every row): {', '.join(missing)}"
        if partial:
            note += f"; given for only some rows: {', '.join(partial)}"
        filled = ", ".join(f"{f} {n:,}" for f, n in imp.enriched.items() if n)
        if table == "models" and filled:
            note += f"; fields the listing lacks were filled from model_info records (never overwritten), for: {filled}"
        if imp.placeholder[table]:
            note += (
                f"; created_at is the Hub's placeholder ({PLACEHOLDER_DATE} {PLACEHOLDER_MINUTE[0][11:16]} UTC, "
                "given to repositories "
                f"created before then) for {fmt(imp.placeholder[table])} rows"
            )
        note += "".join(f"; source: {k}" for k in self._known(kind))
        lost = self._bad(kind)["malformed"]
        broken = [f"{f.label} ({f.broken})" for f in self._of(kind) if f.broken]
        scope = "all"
        if lost or broken:
            scope = "subset"  # some listed repositories could not be imported
            note = (
                f"NOT the whole listing: {fmt(lost)} malformed record(s) were not imported (see fetch_log)"
                + (f"; broken file(s), read only up to the break: {', '.join(broken)}" if broken else "")
                + "; "
                + note
            )
        return listing_coverage(
            rows,
            f"the {kind} listed in {self._labels(kind)}",
            note,
            scope=scope,
            covered=rows,
            fields_non_null=fields,
            created_at_placeholder=imp.placeholder[table],
            **self._bad(kind),
        )

    def space_models(self) -> dict[str, Any]:
        imp = self.imp
        info_n, space_n = self.steps.get("model_spaces", 0), self.steps.get("space_models", 0)
        if not (info_n or space_n):
            return coverage("none", rows=0, note="no model_info records with spaces and no spaces listing with models")
        bits, selection = [], None
        if info_n:
            listed = imp.rows["models"]
            ids = imp.info_ids.to_pylist() if imp.info_ids is not None else []
            sel = _selection(ids)
            selection = Selection("by-name" if "selected by name" in sel else "as-given")
            unlisted = sum(1 for i in ids if i not in imp.seen.get("models", ()))
            if listed and unlisted:
                sel += f"; {fmt(unlisted)} of them are not in the models listing"
            of = f" of {fmt(listed)} listed" if listed else ""
            bits.append(
                f"space edges for {fmt(info_n)}{of} models from model_info records ({sel}); "
                "a space appears only if it uses one of these models"
            )
        if space_n:
            bits.append(f"models used by {fmt(space_n)} spaces from the spaces listing")
        return coverage(
            "subset",
            rows=imp.rows["space_models"],
            population="the models every space uses",
            covered=info_n + space_n,
            selection=selection,
            repositories={"model_spaces": info_n, "space_models": space_n},
            **self._bad("model_info"),
            note="; ".join(bits),
        )

    def per_repo(self, table: str) -> dict[str, Any]:
        imp, kind = self.imp, table
        if kind not in self.kinds:
            return coverage("none", rows=0, note=f"no {kind} in the sources")
        n_repos = self.steps.get(kind, 0)
        by_type = Counter(k[0] for k in imp.coverage_rows[kind])
        listed = sum(imp.rows[REPO_TABLES[t]] for t in by_type)
        of = f" (of {fmt(listed)} listed)" if listed else ""
        note = (
            f"{fmt(imp.rows[table])} {kind} of only the {fmt(n_repos)} repositories{of} that appear in "
            f"{self._labels(kind)}; other repositories were not covered (see repo_coverage)"
        )
        note += "".join(f"; source: {k}" for k in self._known(kind))
        names = sorted(set(self._known(kind, "author_names")))
        return coverage(
            "subset" if imp.rows[table] else "none",
            rows=imp.rows[table],
            population=f"the {kind} of every listed repository",
            covered=n_repos,
            selection=Selection("as-given"),
            author_names=", ".join(names) if names else None,
            repositories=n_repos,
            repositories_by_type=dict(by_type),
            fields_non_null=self._fields(table),
            **self._bad(kind),
            note=note if imp.rows[table] else f"EMPTY: {self._labels(kind)} gave no records; {note}",
        )

    def all(self) -> dict[str, dict[str, Any]]:
        imp, steps = self.imp, self.steps
        cov = {t: self.listing(t) for t in ("models", "datasets", "spaces")}
        cov["space_models"] = self.space_models()
        cov |= {t: self.per_repo(t) for t in ("commits", "discussions")}
        cov["repo_coverage"] = coverage(
            "subset" if steps else "none",
            rows=imp.rows["repo_coverage"],
            steps=steps,
            note="one row per repository and step covered: "
            + (", ".join(f"{s} {fmt(n)}" for s, n in steps.items()) or "none"),
        )
        cov["owners"] = coverage("none", rows=0, note="owner kinds (user/organization) are not in the records")
        cov["fetch_log"] = coverage(
            "all",
            rows=sum(imp.log.counts.values()),
            note=f"every record not imported: {fmt(imp.log.counts['malformed'])} malformed, "
            f"{fmt(imp.log.counts['duplicate'])} duplicate",
        )
        return cov


def snapshot_date_of(files: list[SourceFile], imp: Importer) -> tuple[str, str]:
    """The snapshot's date and its basis: when the listings were fetched, never a date read from the
    records (one record's absurd ``createdAt`` would date the whole snapshot; records dated after the
    snapshot date are flagged in the book's data-quality table instead)."""
    listing = [f for f in files if f.kind in ("models", "datasets", "spaces")]
    if listing and all(f.sha256 in KNOWN_SOURCES for f in listing):
        date = max(KNOWN_SOURCES[f.sha256]["collected"] for f in listing)
        return date, (
            f"latest collection date of the listings ({', '.join(f.label for f in listing)}), "
            "as documented for these known source files"
        )
    fetched = listing or files
    if fetched:
        latest = max(f.path.stat().st_mtime for f in fetched)
        day = dt.datetime.fromtimestamp(latest, dt.UTC).date().isoformat()
        return day, (
            f"latest modification time of the {'listing' if listing else 'record'} files "
            f"({', '.join(f.label for f in fetched)}): when they were written, at or after their fetch; "
            "give --snapshot-date if they were copied later"
        )
    return dt.date.today().isoformat(), "no record files: the import date"
