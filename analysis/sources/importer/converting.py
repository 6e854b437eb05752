"""Converting parsed records into the snapshot's tables and writing them: the importer's core.

Records are normalised into the snapshot format (:mod:`analysis.snapshot.schema`): ``owner`` is
the part of the id before ``/`` (null for legacy ids such as ``gpt2``), ``license`` the first
``license:`` tag, timestamps UTC, ``gated`` a string. A field a record does not have stays null.
``model_info`` records fill *missing* fields of the listed model (never overwrite it) and their
``spaces`` give the ``space_models`` edges. Malformed records (bad JSON, wrong types, missing id,
a value rule of :mod:`analysis.sources.hubapi` broken) and duplicate ids are never imported: they
are rows of ``fetch_log`` (:class:`ImportLog`); with ``on_error="stop"`` the first one stops the
import.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.snapshot import SnapshotWriter
from analysis.snapshot.schema import I64, PLACEHOLDER_MINUTE, REPO_TABLES, REPO_TYPE_OF_TABLE, SCHEMAS, STR, TS
from analysis.sources.hubapi import KEY_FIELDS, REPO_FIELDS, latest_plausible, rule_violations
from analysis.sources.importer.files import ImportStopped, SourceFile
from analysis.sources.importer.reading import FileBroken, HashingReader, blocks, parse_block

#: records of a block parsed line by line are written in batches of this size
PY_BATCH = 50_000

_REPO_TYPE_OF_KIND = {**REPO_TYPE_OF_TABLE, "model_info": "model"}
#: model fields that a model_info record may fill where the listing lacks them
ENRICH_FIELDS = ("created_at", "last_modified", "pipeline_tag", "library_name", "sha", "gated", "disabled", "private")

#: The Hub's placeholder creation minute (:data:`analysis.snapshot.schema.PLACEHOLDER_MINUTE`):
#: kept as given, counted in coverage.
PLACEHOLDER_CREATED = tuple(dt.datetime.fromisoformat(t).replace(tzinfo=dt.UTC) for t in PLACEHOLDER_MINUTE)


def _snapshot_table(name: str, cols: dict[str, Any]) -> pa.Table:
    """The columns ``cols`` as table ``name`` of the snapshot format, in its column order."""
    schema = SCHEMAS[name]
    return pa.Table.from_arrays([cols[f.name] for f in schema], schema=schema)


def _first_license(tags: pa.ChunkedArray | pa.Array) -> pa.Array:
    tags = tags.combine_chunks() if isinstance(tags, pa.ChunkedArray) else tags
    n = len(tags)
    flat = pc.list_flatten(tags)
    parents = pc.list_parent_indices(tags)
    mask = pc.fill_null(pc.starts_with(flat, "license:"), False)
    lic = pc.utf8_slice_codeunits(pc.filter(flat, mask), 8)
    par = pc.filter(parents, mask).to_numpy(zero_copy_only=False)
    out = np.full(n, -1, dtype=np.int64)
    if len(par):
        uniq, first = np.unique(par, return_index=True)
        out[uniq] = first
    idx = pa.array(np.where(out >= 0, out, 0))
    taken = pc.take(lic, idx) if len(lic) else pa.nulls(n, STR)
    return pc.if_else(pa.array(out >= 0), taken, pa.scalar(None, STR))


def _normalise_repos(t: pa.Table) -> pa.Table:
    ids = t.column("id").combine_chunks()
    has_owner = pc.match_substring(ids, "/")
    owner = pc.if_else(
        has_owner, pc.replace_substring_regex(ids, "(?s)/.*", "", max_replacements=1), pa.scalar(None, STR)
    )
    name = pc.replace_substring_regex(ids, "^[^/]*/", "", max_replacements=1)
    cols = {col: t.column(api) for api, (col, _) in REPO_FIELDS.items()}
    cols.update(id=ids, owner=owner, name=name, license=_first_license(t.column("tags")))
    return _snapshot_table("models", cols)


def _normalise_commits(t: pa.Table) -> pa.Table:
    authors = t.column("authors").combine_chunks()
    users = pc.struct_field(authors.values, [0])
    names = pa.ListArray.from_arrays(authors.offsets, users, mask=authors.is_null())
    cols = {
        "repo_type": t.column("repo_type"),
        "repo_id": t.column("repo_id"),
        "commit_id": t.column("id"),
        "date": t.column("date"),
        "authors": names,
        "title": t.column("title"),
    }
    return _snapshot_table("commits", cols)


def _normalise_discussions(t: pa.Table) -> pa.Table:
    author = t.column("author").combine_chunks()
    name = pc.struct_field(author, [0]) if len(author) else pa.array([], STR)
    name = pc.if_else(author.is_null(), pa.scalar(None, STR), name) if len(author) else name
    cols = {
        "repo_type": t.column("repo_type"),
        "repo_id": t.column("repo_id"),
        "number": t.column("num"),
        "author": name,
        "is_pull_request": t.column("isPullRequest"),
        "status": t.column("status"),
        "created_at": t.column("createdAt"),
        "title": t.column("title"),
    }
    return _snapshot_table("discussions", cols)


class ImportLog:
    """Collects import problems into fetch_log, in batches."""

    def __init__(self, writer: SnapshotWriter, on_error: str):
        self.app = writer.open_table("fetch_log")
        self.on_error = on_error
        self.rows: list[dict[str, Any]] = []
        self.counts: Counter = Counter()
        self.examples: list[str] = []

    def add(
        self, src: SourceFile, line: int | None, outcome: str, reason: str, repo_type: str | None, repo_id: str | None
    ) -> None:
        where = f"{src.label}:{line}" if line is not None else src.label
        if self.on_error == "stop":
            raise ImportStopped(f"{where}: {outcome} record: {reason}")
        self.counts[outcome] += 1
        if outcome == "malformed":
            src.malformed += 1
        else:
            src.duplicate += 1
        if len(self.examples) < 10:
            self.examples.append(f"{where}: {outcome}: {reason}")
        self.rows.append(
            {
                "step": "import",
                "repo_type": repo_type,
                "repo_id": repo_id,
                "outcome": outcome,
                "reason": reason,
                "source": where,
            }
        )
        if len(self.rows) >= PY_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            schema = pa.schema(
                [SCHEMAS["fetch_log"].field(n) for n in ("step", "repo_type", "repo_id", "outcome", "reason", "source")]
            )
            self.app.write(pa.Table.from_pylist(self.rows, schema=schema))
            self.rows = []


class Importer:
    def __init__(self, writer: SnapshotWriter, on_error: str, block_size: int, progress: Any):
        self.w = writer
        self.log = ImportLog(writer, on_error)
        self.block_size = block_size
        self.progress = progress
        self.not_after = latest_plausible()  # no record may carry a later timestamp
        self.apps: dict[str, Any] = {}
        self.seen: dict[str, set] = {}
        self.fields: dict[str, Counter] = {}
        self.rows: Counter = Counter()
        self.fast_blocks = 0
        self.slow_blocks = 0
        self.latest: dict[str, Any] = {}  # kind -> latest timestamp seen
        # model_info: kept as Arrow for enrichment; edges and coverage
        self.info_parts: list[pa.Table] = []
        self.edges: set[tuple[str, str]] = set()
        self.coverage_rows: dict[str, Counter] = {"commits": Counter(), "discussions": Counter()}
        self.enriched: Counter = Counter()
        self.placeholder: Counter = Counter()
        self.info_ids: pa.Array | None = None
        self.info_table: pa.Table | None = None
        self.model_spaces_cov: list[pa.Table] = []
        self.space_models_cov: list[pa.Table] = []

    def app(self, name: str):
        if name not in self.apps:
            self.apps[name] = self.w.open_table(name)
        return self.apps[name]

    # -- per file ------------------------------------------------------------
    def run_file(self, src: SourceFile) -> None:
        with open(src.path, "rb") as fh:
            raw = HashingReader(fh)
            if self.progress is not None:
                raw.on_read = self.progress.update
            try:
                for first_line, n_lines, block in blocks(raw, src.gz, self.block_size):
                    src.lines += n_lines
                    self.run_block(src, first_line, block, n_lines)
            except FileBroken as exc:
                src.broken = exc.reason
                self.log.add(src, exc.line, "malformed", exc.reason, None, None)
                raw.drain()
            src.sha256 = raw.sha.hexdigest()
            src.bytes = raw.pos

    def run_block(self, src: SourceFile, first_line: int, block: bytes, n_lines: int) -> None:
        kind = src.kind
        table, lines, errors, fast = parse_block(kind, block, first_line, n_lines)
        if fast:
            self.fast_blocks += 1
        else:
            self.slow_blocks += 1
        rtype = _REPO_TYPE_OF_KIND.get(kind)
        for line, reason, rid in errors:
            self.log.add(src, line, "malformed", reason, rtype, rid)
        broken = rule_violations(table, self.not_after)
        if broken:  # the value rules (hubapi): negative counts, timestamps after the import
            id_col = "repo_id" if kind in ("commits", "discussions") else "id"
            ids = table.column(id_col).to_pylist()
            for i, reason in sorted(broken.items()):
                self.log.add(src, int(lines[i]), "malformed", reason, rtype, ids[i])
            keep_rows = np.ones(table.num_rows, dtype=bool)
            keep_rows[list(broken)] = False
            table, lines = table.filter(pa.array(keep_rows)), lines[keep_rows]
        if kind in ("commits", "discussions"):
            table = table.set_column(0, "repo_type", pc.fill_null(table.column("repo_type"), "model"))
            bad_type = pc.invert(pc.is_in(table.column("repo_type"), pa.array(list(REPO_TABLES))))
            keep = self._check_keys(src, table, lines, extra_bad=bad_type)
        else:
            keep = self._check_keys(src, table, lines)
        if keep is not None:
            table = table.filter(keep)
        if not table.num_rows:
            return
        src.records += table.num_rows
        getattr(self, f"_write_{kind}")(table)

    def _check_keys(
        self, src: SourceFile, table: pa.Table, lines: np.ndarray, extra_bad: pa.Array | None = None
    ) -> np.ndarray | None:
        """Drop records without their key (malformed) or seen before (duplicate)."""
        kind = src.kind
        key = KEY_FIELDS[kind]
        n = table.num_rows
        ok = np.ones(n, dtype=bool)
        rtype_default = _REPO_TYPE_OF_KIND.get(kind)
        id_col = "repo_id" if kind in ("commits", "discussions") else "id"
        ids = table.column(id_col).to_pylist()
        for field in key:
            col = table.column(field)
            missing = col.is_null().to_numpy(zero_copy_only=False)
            if pa.types.is_string(col.type):
                missing |= pc.fill_null(pc.equal(pc.utf8_length(col), 0), False).to_numpy(zero_copy_only=False)
            for i in np.flatnonzero(missing & ok):
                self.log.add(src, int(lines[i]), "malformed", f"missing {field!r}", rtype_default, ids[i])
            ok &= ~missing
        if extra_bad is not None:
            bad = pc.fill_null(extra_bad, False).to_numpy(zero_copy_only=False)
            rts = table.column("repo_type").to_pylist()
            for i in np.flatnonzero(bad & ok):
                self.log.add(
                    src,
                    int(lines[i]),
                    "malformed",
                    f"repo_type is {rts[i]!r}, expected one of {', '.join(REPO_TABLES)}",
                    None,
                    ids[i],
                )
            ok &= ~bad
        seen = self.seen.setdefault(kind, set())
        if len(key) == 1:
            keys = ids
        else:
            keys = list(zip(*(table.column(k).to_pylist() for k in key)))
        if ok.all():
            fresh = set(keys)
            if len(fresh) == n and seen.isdisjoint(fresh):  # the usual case, at C speed
                seen |= fresh
                return None
        for i in np.flatnonzero(ok):
            k = keys[i]
            if k in seen:
                ok[i] = False
                what = k if isinstance(k, str) else "/".join(map(str, k))
                self.log.add(
                    src,
                    int(lines[i]),
                    "duplicate",
                    f"{what} seen before (first kept)",
                    rtype_default if kind not in ("commits", "discussions") else keys[i][0],
                    ids[i],
                )
            else:
                seen.add(k)
        return None if ok.all() else ok

    def _count_fields(self, name: str, t: pa.Table) -> None:
        c = self.fields.setdefault(name, Counter())
        for col in t.column_names:
            c[col] += t.num_rows - t.column(col).null_count
        self.rows[name] += t.num_rows

    def _track_latest(self, kind: str, *cols: pa.ChunkedArray) -> None:
        for col in cols:
            m = pc.max(col).as_py()
            if m is not None and (self.latest.get(kind) is None or m > self.latest[kind]):
                self.latest[kind] = m

    # -- per kind --------------------------------------------------------------
    def _write_model_info(self, t: pa.Table) -> None:
        norm = _normalise_repos(t)
        self.info_parts.append(norm.select(["id", *ENRICH_FIELDS]))
        self._track_latest("model_info", norm.column("created_at"), norm.column("last_modified"))
        cov_ids, counts = self._add_edges(t, "spaces", "model")
        self.model_spaces_cov.append(_coverage_table(["model"] * len(cov_ids), cov_ids, "model_spaces", counts))

    def _add_edges(self, t: pa.Table, column: str, repo_type: str) -> tuple[list[str], list[int]]:
        """Add the (space, model) edges named by each record's ``column``; return the ids of
        the records that have it (covered) and their numbers of distinct edges."""
        cov_ids: list[str] = []
        counts: list[int] = []
        for rid, others in zip(t.column("id").to_pylist(), t.column(column).combine_chunks().to_pylist()):
            if others is None:
                continue  # not covered: the record does not say
            uniq = {o for o in others if o}
            self.edges.update((rid, o) if repo_type == "space" else (o, rid) for o in uniq)
            cov_ids.append(rid)
            counts.append(len(uniq))
        return cov_ids, counts

    def _info(self) -> pa.Table | None:
        if self.info_table is None and self.info_parts:
            self.info_table = pa.concat_tables(self.info_parts).combine_chunks()
            self.info_ids = self.info_table.column("id").combine_chunks()
            self.info_parts = []
        return self.info_table

    def _write_repos(self, kind: str, t: pa.Table) -> None:
        norm = _normalise_repos(t)
        if kind == "models" and self._info() is not None:
            idx = pc.index_in(norm.column("id"), value_set=self.info_ids)
            if idx.null_count < len(idx):
                taken = self.info_table.take(pc.fill_null(idx, 0))
                has = pc.is_valid(idx)
                for f in ENRICH_FIELDS:
                    cur = norm.column(f).combine_chunks()
                    other = pc.if_else(has, taken.column(f).combine_chunks(), pa.scalar(None, cur.type))
                    filled = pc.coalesce(cur, other)
                    self.enriched[f] += cur.null_count - filled.null_count
                    norm = norm.set_column(norm.schema.get_field_index(f), f, filled)
        c = norm.column("created_at")
        in_minute = pc.and_(
            pc.greater_equal(c, pa.scalar(PLACEHOLDER_CREATED[0], TS)),
            pc.less(c, pa.scalar(PLACEHOLDER_CREATED[1], TS)),
        )
        self.placeholder[kind] += int(pc.sum(pc.cast(pc.fill_null(in_minute, False), I64)).as_py() or 0)
        self._count_fields(kind, norm)
        self._track_latest(kind, norm.column("created_at"), norm.column("last_modified"))
        self.app(kind).write(norm)

    def _write_models(self, t: pa.Table) -> None:
        self._write_repos("models", t)

    def _write_datasets(self, t: pa.Table) -> None:
        self._write_repos("datasets", t)

    def _write_spaces(self, t: pa.Table) -> None:
        self._write_repos("spaces", t)
        cov_ids, counts = self._add_edges(t, "models", "space")
        if cov_ids:
            self.space_models_cov.append(_coverage_table(["space"] * len(cov_ids), cov_ids, "space_models", counts))

    def _write_commits(self, t: pa.Table) -> None:
        norm = _normalise_commits(t)
        for rt, rid in zip(norm.column("repo_type").to_pylist(), norm.column("repo_id").to_pylist()):
            self.coverage_rows["commits"][(rt, rid)] += 1
        self._count_fields("commits", norm)
        self._track_latest("commits", norm.column("date"))
        self.app("commits").write(norm)

    def _write_discussions(self, t: pa.Table) -> None:
        norm = _normalise_discussions(t)
        for rt, rid in zip(norm.column("repo_type").to_pylist(), norm.column("repo_id").to_pylist()):
            self.coverage_rows["discussions"][(rt, rid)] += 1
        self._count_fields("discussions", norm)
        self._track_latest("discussions", norm.column("created_at"))
        self.app("discussions").write(norm)

    # -- end -------------------------------------------------------------------
    def write_derived(self) -> dict[str, int]:
        """space_models and repo_coverage; returns coverage row counts per step."""
        edges = sorted(self.edges)
        sm = pa.table(
            {"space_id": pa.array([e[0] for e in edges], STR), "model_id": pa.array([e[1] for e in edges], STR)}
        )
        self.w.write_table("space_models", sm)
        self.rows["space_models"] = sm.num_rows
        parts = list(self.model_spaces_cov) + list(self.space_models_cov)
        steps: Counter = Counter()
        for step, cnt in self.coverage_rows.items():
            if cnt:
                keys = list(cnt)
                parts.append(_coverage_table([k[0] for k in keys], [k[1] for k in keys], step, [cnt[k] for k in keys]))
        cov = pa.concat_tables(parts) if parts else SCHEMAS["repo_coverage"].empty_table()
        for s in cov.column("step").to_pylist() if cov.num_rows else []:
            steps[s] += 1
        self.w.write_table("repo_coverage", cov)
        self.rows["repo_coverage"] = cov.num_rows
        return dict(steps)


def _coverage_table(repo_types: list[str], repo_ids: list[str], step: str, items: list[int]) -> pa.Table:
    """repo_coverage rows: one per repository covered by ``step``, with its number of items."""
    return pa.table(
        {
            "repo_type": pa.array(repo_types, STR),
            "repo_id": pa.array(repo_ids, STR),
            "step": pa.array([step] * len(repo_ids), STR),
            "items": pa.array(items, I64),
        }
    )
