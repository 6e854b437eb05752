"""The collector's snapshot tables and their coverage, built from its journals at the end of a run.

Rows are streamed from the task journal (only the record that counts for each wanted task: its first
success, else its last failure), de-duplicated by key and sorted, so that a resumed run writes the
same snapshot as an uninterrupted one. Coverage entries are built by
:func:`analysis.snapshot.schema.coverage`, the one builder every source uses.

:class:`SnapshotTables` is a part of :class:`analysis.sources.collector.run.Collector`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from analysis.snapshot.schema import REPO_TABLES, REPO_TYPES, SCHEMAS, Selection, coverage, listing_coverage
from analysis.sources.collector.listing import arrow_table
from analysis.sources.collector.options import STEP_CHOICES, _redact_endpoint


class _Chunked:
    """Rows gathered into Arrow tables 100,000 at a time (Python objects never pile up)."""

    def __init__(self, name: str, extra: Iterable[pa.Field] = ()):
        self.schema = SCHEMAS[name]
        for f in extra:
            self.schema = self.schema.append(f)
        self.rows: list[dict] = []
        self.parts: list[pa.Table] = []

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= 100_000:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.parts.append(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def table(self, sort: list[str]) -> pa.Table:
        self.flush()
        t = pa.concat_tables(self.parts) if self.parts else self.schema.empty_table()
        return t.sort_by([(k, "ascending") for k in sort]).combine_chunks() if t.num_rows else t


def _add_commits(out: _Chunked, rt: str, rid: str, rows: list) -> int:
    """A repository's commits (the API's order kept in ``_ord``); returns how many distinct."""
    ids: set[str] = set()
    for i, (cid, date, authors, title) in enumerate(rows):
        if cid in ids:
            continue
        ids.add(cid)
        out.add(
            {
                "repo_type": rt,
                "repo_id": rid,
                "commit_id": cid,
                "date": date,
                "authors": authors,
                "title": title,
                "_ord": i,
            }
        )
    return len(ids)


def _add_discussions(out: _Chunked, rt: str, rid: str, rows: list) -> int:
    """A repository's discussions, one per number; returns how many distinct."""
    nums: set[int] = set()
    for num, author, is_pr, status, created, title in rows:
        if num in nums:
            continue
        nums.add(num)
        out.add(
            {
                "repo_type": rt,
                "repo_id": rid,
                "number": num,
                "author": author,
                "is_pull_request": is_pr,
                "status": status,
                "created_at": created,
                "title": title,
            }
        )
    return len(nums)


def _failure_row(step: str, rt: str, rid: str, fail: dict) -> dict:
    """A fetch_log row for a task that failed (an owner's row has the step ``owners``, no type)."""
    return {
        "step": "owners" if step == "owner" else step,
        "repo_type": None if step == "owner" else rt,
        "repo_id": rid,
        **fail,
    }


class _JournalRows:
    """The rows of the per-repository tables, gathered from the task journal's records."""

    def __init__(self, log: list[dict]):
        self.commits = _Chunked("commits", [pa.field("_ord", pa.int64())])
        self.discussions = _Chunked("discussions")
        self.coverage = _Chunked("repo_coverage")
        self.log = log
        self.owners: list[dict] = []

    def add(self, rec: dict) -> None:
        step, rt, rid = rec["k"]
        if "fail" in rec:
            self.log.append(_failure_row(step, rt, rid, rec["fail"]))
            return
        if step == "owner":
            self.owners.append({"owner": rid, "kind": rec["kind"]})
            return
        if step == "commits":
            items = _add_commits(self.commits, rt, rid, rec["rows"])
        elif step == "discussions":
            items = _add_discussions(self.discussions, rt, rid, rec["rows"])
        else:  # model_spaces
            items = len(set(rec["rows"]))
        self.coverage.add({"repo_type": rt, "repo_id": rid, "step": step, "items": items})

    def add_space_listing(self, listing_records: list[dict]) -> None:
        """repo_coverage rows of the spaces listing's adoption edges (first page's record of a space)."""
        seen: set[str] = set()
        for rec in sorted(listing_records, key=lambda r: (r["type"], r["page"])):
            for space, models in rec["edges"]:
                if space in seen:
                    continue
                seen.add(space)
                self.coverage.add(
                    {"repo_type": "space", "repo_id": space, "step": "space_models", "items": len(set(models))}
                )


class SnapshotTables:
    """The snapshot's tables and coverage (a part of ``Collector``)."""

    def build_tables(
        self, listed: dict[str, pa.Table], tasks: list[tuple], owners: list[str], edges: list[tuple[str, str]]
    ) -> dict[str, pa.Table]:
        """The snapshot's tables, streamed from the journals, de-duplicated and sorted by key."""
        o = self.o
        tables: dict[str, pa.Table] = {}
        for t in REPO_TYPES:
            name = REPO_TABLES[t]
            tables[name] = (
                listed[t].sort_by("id").combine_chunks()
                if t in listed and listed[t].num_rows
                else SCHEMAS[name].empty_table()
            )
        rows = _JournalRows(list(self.listing_problems))
        wanted = set(tasks) | {("owner", "owner", own) for own in owners}
        keep = set(self._kept().values())
        for i, rec in enumerate(self.tasks.iter_file()):
            if (
                i in keep and tuple(rec["k"]) in wanted
            ):  # the record that counts: the first success, else the last failure
                rows.add(rec)
        if o.adoption == "spaces-listing" and "space" in o.repo_types:
            rows.add_space_listing(self.listing.records)
        log = sorted(rows.log, key=lambda r: (r["step"], r["repo_type"] or "", r["repo_id"] or "", r["outcome"]))
        # repositories sorted; the API's order (newest first) within a repository
        tables["commits"] = rows.commits.table(["repo_type", "repo_id", "_ord"]).drop_columns(["_ord"])
        tables["discussions"] = rows.discussions.table(["repo_type", "repo_id", "number"])
        tables["space_models"] = arrow_table("space_models", [{"space_id": s, "model_id": m} for s, m in edges])
        tables["repo_coverage"] = rows.coverage.table(["repo_type", "repo_id", "step"])
        tables["owners"] = arrow_table("owners", sorted(rows.owners, key=lambda r: r["owner"]))
        tables["fetch_log"] = arrow_table("fetch_log", log)
        return tables

    # -- coverage ----------------------------------------------------------------------
    def _selection(self) -> tuple[str, Selection]:
        """The scope and selection of what the per-repository steps cover (``--select``)."""
        o = self.o
        scope = {"all": "all", "sample": "sample"}.get(o.select, "subset")
        selection = Selection(
            mode=o.select,
            seed=o.seed if o.select == "sample" else None,
            n_per_repo_type=o.n,
            repositories={t: len(self.chosen[t]) for t in o.repo_types},
        )
        return scope, selection

    def _listings_coverage(self, tables: dict[str, pa.Table]) -> dict[str, Any]:
        o = self.o
        ep = _redact_endpoint(o.endpoint)
        cov: dict[str, Any] = {}
        for t in REPO_TYPES:
            name = REPO_TABLES[t]
            if t in o.repo_types:
                population = f"every {t} the listing of {ep} returned on {self.plan['snapshot_date']}"
                cov[name] = listing_coverage(tables[name].num_rows, population, population)
            else:
                cov[name] = coverage("none", note=f"{t}s not collected (--repo-types)")
        return cov

    def _steps_coverage(self, tables: dict[str, pa.Table], tasks: list[tuple]) -> dict[str, Any]:
        o = self.o
        scope, selection = self._selection()
        wanted = set(tasks)
        ok = {tuple(r["k"]) for r in self.tasks.records if "fail" not in r} & wanted
        cov: dict[str, Any] = {}
        for step in STEP_CHOICES:
            if step not in o.steps:
                cov[step] = coverage("none", note=f"{step} not collected (--steps)")
                continue
            attempted = sum(1 for k in wanted if k[0] == step)
            covered = sum(1 for k in ok if k[0] == step)
            cov[step] = coverage(
                scope if attempted else "none",
                rows=tables[step].num_rows,
                population=f"the {step} of the selected repositories ({', '.join(o.repo_types)})",
                covered=covered,
                selection=selection,
                author_names="hub" if step == "commits" else None,
                repo_types=list(o.repo_types),
                repositories_attempted=attempted,
                repositories_covered=covered,
                note="per repository: see repo_coverage (successes) and fetch_log (failures)",
            )
        return cov

    def _adoption_coverage(self, tables: dict[str, pa.Table]) -> dict[str, Any]:
        o = self.o
        if o.adoption == "spaces-listing":
            if "space" not in o.repo_types:
                return coverage("none", note="spaces not listed, so no adoption edges")
            return coverage(
                "all" if tables["spaces"].num_rows else "none",
                rows=tables["space_models"].num_rows,
                population="the models every listed space uses",
                method="spaces-listing",
                note="models each listed space uses (expand=models of the spaces listing)",
            )
        if "model" not in o.repo_types:
            return coverage("none", note="models not listed")
        scope, selection = self._selection()
        return coverage(
            scope if self.chosen.get("model") else "none",
            rows=tables["space_models"].num_rows,
            population="the spaces using each selected model",
            selection=selection,
            method="model-info",
            note="spaces using each selected model (one model_info per model)",
        )

    def _owners_coverage(self, tables: dict[str, pa.Table]) -> dict[str, Any]:
        top = self.o.owner_kinds_top
        if not top:
            return coverage("none", note="not collected (--owner-kinds-top 0)")
        return coverage(
            "subset",
            rows=tables["owners"].num_rows,
            population=f"the owners of the {top} models used by the most spaces",
            top_models=top,
            note=f"owners of the {top} models used by the most spaces",
        )

    def coverage(self, tables: dict[str, pa.Table], tasks: list[tuple]) -> dict[str, dict]:
        """The manifest's coverage (entries built by :func:`analysis.snapshot.schema.coverage`)."""
        cov: dict[str, dict] = self._listings_coverage(tables)
        cov |= self._steps_coverage(tables, tasks)
        cov["space_models"] = self._adoption_coverage(tables)
        cov["repo_coverage"] = coverage("all", rows=tables["repo_coverage"].num_rows)
        cov["owners"] = self._owners_coverage(tables)
        cov["fetch_log"] = coverage("all", rows=tables["fetch_log"].num_rows)
        return cov
