"""One reader per snapshot table, each behind a small spec of what it selects from the dump.

A :class:`TableSpec` says which of the dump's tables a reader needs, the columns it selects (each
a :class:`Field`: the first SQL expression whose dump columns exist, else NULL), the joins and
filters that apply when their tables or columns exist, and the order. :data:`SPECS` holds one
spec per snapshot table and schema version (``"*"``: any version): adding a table or a schema
version is one entry there plus, for a new snapshot table, its conversion. Each reader streams
its rows (server-side cursors, :data:`BATCH` rows at a time), converts a batch into the
snapshot's columns and writes it; rows that cannot be imported are counted and logged
(:class:`Stats`, the snapshot's ``fetch_log``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from analysis.snapshot import SnapshotWriter
from analysis.snapshot.schema import BOOL, I64, REPO_TABLES, SCHEMAS, STR, STRLIST, TS
from analysis.sources.hfcommunity.schema import HFCommunityError
from analysis.sources.mariadb.query import QueryError, client_args, client_batches

BATCH = 50_000
#: the session the readers' queries run in (times in UTC; a repository's tags in one GROUP_CONCAT)
SESSION = "SET SESSION time_zone = '+00:00', group_concat_max_len = 67108864"
#: read rows through the ``mariadb`` client where it is installed (False: always through PyMySQL)
USE_CLIENT = True
_SEP = "\x1f"
#: the repository types, and the snapshot table of each (the schema's map)
TABLE_OF = REPO_TABLES
_KIND = {"user": "user", "org": "organization", "organization": "organization", "organisation": "organization"}


# --------------------------------------------------------------------------- #
# the specs
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Field:
    """A selected column: the first ``(dump columns, SQL)`` choice whose ``table.column`` all
    exist in the database; NULL when none does."""

    name: str
    choices: tuple[tuple[tuple[str, ...], str], ...]

    def sql(self, columns: dict[str, Any]) -> str:
        for needs, expr in self.choices:
            if all(_has(columns, n) for n in needs):
                return expr
        return "NULL"


@dataclass(frozen=True)
class TableSpec:
    """What one reader selects: ``source`` (the dump's table, aliased ``alias``) must exist;
    ``joins`` and ``where`` clauses apply when their ``table`` or ``table.column`` exists."""

    source: str
    alias: str
    fields: tuple[Field, ...]
    joins: tuple[tuple[str, str], ...] = ()
    where: tuple[tuple[str, str], ...] = ()
    order: str = ""

    def parts(self, columns: dict[str, Any]) -> tuple[list[str], str]:
        """The selected expressions, and the query after them (FROM, joins, WHERE, ORDER BY)."""
        rest = f"FROM `{self.source}` {self.alias}"
        rest += "".join(f" {clause}" for need, clause in self.joins if _has(columns, need))
        where = [clause for need, clause in self.where if _has(columns, need)]
        rest += f" WHERE {' AND '.join(where)}" if where else ""
        return [f.sql(columns) for f in self.fields], rest + (f" ORDER BY {self.order}" if self.order else "")

    def select(self, columns: dict[str, Any]) -> str:
        exprs, rest = self.parts(columns)
        return f"SELECT {', '.join(exprs)} {rest}"


def _has(columns: dict[str, Any], need: str) -> bool:
    """Whether ``table`` or ``table.column`` exists in the database's ``columns``."""
    table, _, column = need.partition(".")
    return table in columns and (not column or column in columns[table])


def col(name: str, alias: str, table: str, column: str | None = None) -> Field:
    """A dump column selected as it is (NULL where the dump lacks it)."""
    column = column or name
    return Field(name, (((f"{table}.{column}",), f"{alias}.`{column}`"),))


_TITLE = Field("title", ((("commits.message",), "SUBSTRING_INDEX(c.`message`, '\\n', 1)"),))
_TAGS = f"(SELECT GROUP_CONCAT(t.`tag_name` SEPARATOR '{_SEP}') FROM `tags_in_repo` t WHERE t.`repo_id` = r.`id`)"

SPECS: dict[str, dict[str, TableSpec]] = {
    "commits": {
        # v1.1: each commit names its repository; the time is author_date plus its offset
        "1.1": TableSpec(
            "commits",
            "c",
            (
                Field("repo", ((("commits.repo_id",), "c.`repo_id`"),)),
                Field("sha", ((("commits.sha",), "c.`sha`"),)),
                Field(
                    "date",
                    (
                        (
                            ("commits.author_date", "commits.author_tz"),
                            "c.`author_date` + INTERVAL COALESCE(c.`author_tz`, 0) SECOND",
                        ),
                        (("commits.author_date",), "c.`author_date`"),
                    ),
                ),
                col("author", "c", "commits", "author_name"),
                _TITLE,
            ),
            where=(("commits.in_main_branch", "(c.`in_main_branch` IS NULL OR c.`in_main_branch` <> 0)"),),
        ),
        # v1.0 as the project loads it: one row per commit and repository, made of files_in_commit
        # and file as the dump streamed past (.commit_repo); in commit order, as below
        "commit_repo": TableSpec(
            "commits",
            "c",
            (
                Field("repo", ((("commit_repo.repo_id",), "cr.`repo_id`"),)),
                Field("sha", ((("commits.sha",), "c.`sha`"),)),
                col("date", "c", "commits", "timestamp"),
                col("author", "c", "commits"),
                _TITLE,
            ),
            joins=(("commit_repo", "LEFT JOIN `commit_repo` cr ON cr.`sha` = c.`sha`"),),
            order="c.`sha`",
        ),
        # v1.0: one row per commit and file it touched, in commit order (the commits' primary key),
        # so that the repositories of one commit arrive together and are deduplicated on the fly
        "*": TableSpec(
            "commits",
            "c",
            (
                Field("repo", ((("file.repo_id",), "f.`repo_id`"),)),
                Field("sha", ((("commits.sha",), "c.`sha`"),)),
                col("date", "c", "commits", "timestamp"),
                col("author", "c", "commits"),
                _TITLE,
            ),
            joins=(
                ("files_in_commit", "LEFT JOIN `files_in_commit` fc ON fc.`sha` = c.`sha`"),
                ("file", "LEFT JOIN `file` f ON f.`id` = fc.`file_id`"),
            ),
            order="c.`sha`",
        ),
    },
    "discussions": {
        "*": TableSpec(
            "discussion",
            "d",
            tuple(
                col(name, "d", "discussion", column)
                for name, column in (
                    ("repo", "repo_id"),
                    ("number", "num"),
                    ("author", None),
                    ("is_pull_request", None),
                    ("status", None),
                    ("created_at", None),
                    ("title", None),
                )
            ),
        )
    },
    "repositories": {
        "*": TableSpec(
            "repository",
            "r",
            (
                *(
                    col(name, "r", "repository")
                    for name in ("id", "name", "type", "last_modified", "likes", "private", "gated", "disabled")
                ),
                *(col(name, "r", "repository") for name in ("sha", "created_at")),
                col("model_downloads", "m", "model", "downloads"),
                col("pipeline_tag", "m", "model"),
                col("library_name", "m", "model"),
                col("model_likes", "m", "model", "likes"),
                col("dataset_downloads", "d", "dataset", "downloads"),
                col("sdk", "s", "space"),
                Field("tags", ((("tags_in_repo",), _TAGS),)),
            ),
            joins=(
                ("model", "LEFT JOIN `model` m ON m.`model_id` = r.`id`"),
                ("dataset", "LEFT JOIN `dataset` d ON d.`dataset_id` = r.`id`"),
                ("space", "LEFT JOIN `space` s ON s.`space_id` = r.`id`"),
            ),
        )
    },
    "space_models": {
        "*": TableSpec(
            "models_in_space",
            "ms",
            (col("space", "ms", "models_in_space", "space_id"), col("model", "ms", "models_in_space", "model_id")),
        )
    },
    "owners": {
        "*": TableSpec(
            "author",
            "a",
            (col("owner", "a", "author", "username"), col("kind", "a", "author", "type")),
            where=(("author.type", "a.`type` IS NOT NULL"),),
        )
    },
}


def spec_for(table: str, schema: dict[str, Any]) -> TableSpec | None:
    """The spec of ``table`` for the database's schema version; None if its source table is absent."""
    specs = SPECS[table]
    made = [k for k in specs if k in schema["columns"]]  # a table the load made (commit_repo)
    spec = specs.get(made[0] if made else schema["version"]) or specs["*"]
    return spec if spec.source in schema["columns"] else None


def stream(conn, sql: str, batch: int = BATCH) -> Iterator[list[tuple]]:
    """The rows of ``sql``, a batch at a time, through a server-side cursor."""
    import pymysql

    cur = conn.cursor(pymysql.cursors.SSCursor)
    try:
        cur.execute(sql)
        while rows := cur.fetchmany(batch):
            yield rows
    except pymysql.MySQLError as exc:
        raise HFCommunityError(f"query failed ({exc.args[-1] if exc.args else exc}): {sql[:120]}") from None
    finally:
        cur.close()


def _client(conn) -> tuple[list[str], dict[str, str]] | None:
    """How the ``mariadb`` client reaches ``conn``'s server and database (None: read through PyMySQL)."""
    if not USE_CLIENT:
        return None
    with conn.cursor() as cur:
        cur.execute("SELECT DATABASE()")
        database = cur.fetchone()[0]
    return client_args(conn, database) if database else None


def batches(conn, spec: TableSpec, schema: dict[str, Any]) -> Iterator[dict[str, list]]:
    """The spec's rows, a batch at a time, as lists by field name: through the ``mariadb`` client
    where it is installed (:func:`~analysis.sources.mariadb.query.client_batches`: numbers and
    times as text, which the conversions read alike), else through PyMySQL."""
    names = [f.name for f in spec.fields]
    args = _client(conn)
    if args is None:
        for rows in stream(conn, spec.select(schema["columns"])):
            yield dict(zip(names, (list(x) for x in zip(*rows))))
        return
    exprs, rest = spec.parts(schema["columns"])
    try:
        for cols in client_batches(args, exprs, rest, init=SESSION):
            yield dict(zip(names, cols))
    except QueryError as exc:
        raise HFCommunityError(str(exc)) from None


# --------------------------------------------------------------------------- #
# conversions and the tally
# --------------------------------------------------------------------------- #


def timestamps(values: list) -> pa.Array:
    """MariaDB DATETIME text (UTC) as the snapshot's timestamps; zero dates are null."""
    arr = pa.array(values, STR)
    arr = pc.if_else(pc.fill_null(pc.starts_with(arr, "0000"), False), pa.scalar(None, STR), arr)
    try:
        return arr.cast(pa.timestamp("s")).cast(TS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out = []
        for v in arr.to_pylist():
            try:
                out.append(dt.datetime.fromisoformat(v).replace(tzinfo=dt.UTC) if v else None)
            except ValueError:
                out.append(None)
        return pa.array(out, TS)


def integers(values: list) -> pa.Array:
    return pa.array([None if v is None else int(v) for v in values], I64)


def booleans(values: list) -> pa.Array:
    return pa.array([None if v is None else bool(int(v)) for v in values], BOOL)


def split_ids(ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``models/x`` -> (``model``, ``x``); null for an id without a known type prefix."""
    parts = pc.extract_regex(ids, r"^(?P<t>models|datasets|spaces)/(?P<id>.+)$")
    t = pc.struct_field(parts, [0])
    rid = pc.struct_field(parts, [1])
    rtype = pc.replace_substring_regex(t, "s$", "")
    return rtype, rid


class Stats:
    """Rows written and non-null fields per table, counters, and the ``fetch_log`` rows."""

    def __init__(self):
        self.rows: Counter = Counter()
        self.counts: Counter = Counter()
        self.fields: dict[str, Counter] = {}
        self.log: list[dict[str, Any]] = []

    def field_counts(self, name: str, t: pa.Table) -> None:
        c = self.fields.setdefault(name, Counter())
        for column in t.column_names:
            c[column] += t.num_rows - t.column(column).null_count
        self.rows[name] += t.num_rows

    def bad(self, step: str, outcome: str, reason: str, repo_type=None, repo_id=None, source=None) -> None:
        self.counts[f"{step}:{outcome}"] += 1
        self.log.append(
            {
                "step": step,
                "repo_type": repo_type,
                "repo_id": repo_id,
                "outcome": outcome,
                "reason": reason,
                "source": source,
            }
        )


def group(parts: list[pa.Table], keys: list[str], aggs: list[tuple[str, str]]) -> pa.Table:
    t = pa.concat_tables(parts) if parts else None
    if t is None or not t.num_rows:
        return pa.table({k: pa.array([], STR) for k in keys})
    return t.group_by(keys).aggregate(aggs)


EMPTY_PER_REPO = pa.table(
    {"repo_type": pa.array([], STR), "repo_id": pa.array([], STR), "first": pa.array([], TS), "n": pa.array([], I64)}
)


def _typed_ids(c: dict[str, list], st: Stats, step: str, reason: str, source: str, key: str) -> tuple:
    """The batch's repository ids split into (type, id), and a mask of those with a type prefix;
    each one without is logged as malformed."""
    rtype, rid = split_ids(pa.array(c["repo"], STR))
    ok = pc.is_valid(rid)
    for i, v in enumerate(ok.to_pylist()):
        if not v:
            st.bad(step, "malformed", reason.format(repr(c["repo"][i])), source=f"{source}:{c[key][i]}")
    return rtype, rid, ok


# --------------------------------------------------------------------------- #
# commits
# --------------------------------------------------------------------------- #


class _OneRowPerRepository:
    """v1.0: the join gives one row per commit and file it touched; keep one per (commit,
    repository), and log a commit that touched no file of any repository."""

    def __init__(self, st: Stats):
        self.st = st
        self.sha: str | None = None
        self.repos: set[str] = set()

    def __call__(self, c: dict[str, list]) -> dict[str, list]:
        keep = []
        for i, (r, sha) in enumerate(zip(c["repo"], c["sha"])):
            if sha != self.sha:
                self.finish()
                self.sha, self.repos = sha, set()
            if r is None or r in self.repos:
                continue
            self.repos.add(r)
            keep.append(i)
        if len(keep) < len(c["repo"]):
            c = {k: [v[i] for i in keep] for k, v in c.items()}
        return c

    def finish(self) -> None:
        if self.sha is not None and not self.repos:
            self.st.bad(
                "commits",
                "other",
                "commit names no file of any repository (files_in_commit)",
                source=f"commits:{self.sha}",
            )


def commit_rows(c: dict[str, list], st: Stats) -> pa.Table:
    rtype, rid, ok = _typed_ids(
        c, st, "commits", "repo_id {} is not models/..., datasets/... or spaces/...", "commits", "sha"
    )
    t = pa.table(
        {
            "repo_type": rtype,
            "repo_id": rid,
            "commit_id": pa.array(c["sha"], STR),
            "date": timestamps(c["date"]),
            "authors": pa.array([[n] if n is not None else None for n in c["author"]], STRLIST),
            "title": pc.replace_substring_regex(pa.array(c["title"], STR), "\r$", ""),
        }
    )
    if not all(ok.to_pylist()):
        t = t.filter(ok)
    return t.select(SCHEMAS["commits"].names)


def read_commits(conn, schema: dict, w: SnapshotWriter, st: Stats, progress) -> pa.Table:
    """Stream commits into the snapshot; returns (repo_type, repo_id, first, n) per repository."""
    spec = spec_for("commits", schema)
    if spec is None or not schema["commit_link"]:
        return EMPTY_PER_REPO
    per_commit = None if schema["version"] == "1.1" else _OneRowPerRepository(st)
    if per_commit is None and "in_main_branch" in schema["columns"]["commits"]:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM `commits` WHERE `in_main_branch` = 0")
            st.counts["commits_off_main_branch"] = int(cur.fetchone()[0])
    app = w.open_table("commits")
    aggs: list[pa.Table] = []
    for c in batches(conn, spec, schema):
        if per_commit is not None and not (c := per_commit(c))["repo"]:
            continue
        t = commit_rows(c, st)
        app.write(t)
        st.field_counts("commits", t)
        aggs.append(t.group_by(["repo_type", "repo_id"]).aggregate([("date", "min"), ("commit_id", "count")]))
        if progress:
            progress(f"commits {st.rows['commits']:,}")
    if per_commit is not None:
        per_commit.finish()
    per_repo = group(aggs, ["repo_type", "repo_id"], [("date_min", "min"), ("commit_id_count", "sum")])
    if not per_repo.num_rows:
        return EMPTY_PER_REPO
    return (  # in the repositories' order: the same whatever the batches were
        per_repo.select(["repo_type", "repo_id", "date_min_min", "commit_id_count_sum"])
        .rename_columns(["repo_type", "repo_id", "first", "n"])
        .sort_by([("repo_type", "ascending"), ("repo_id", "ascending")])
    )


# --------------------------------------------------------------------------- #
# discussions
# --------------------------------------------------------------------------- #


def discussion_rows(c: dict[str, list], st: Stats) -> pa.Table:
    rtype, rid, ok = _typed_ids(c, st, "discussions", "repo_id {} has no known type prefix", "discussion", "number")
    st.counts["discussion_author_deleted"] += sum(1 for a in c["author"] if a == "deleted")
    t = pa.table(
        {
            "repo_type": rtype,
            "repo_id": rid,
            "number": integers(c["number"]),
            "author": pa.array([None if a == "deleted" else a for a in c["author"]], STR),
            "is_pull_request": booleans(c["is_pull_request"]),
            "status": pa.array(c["status"], STR),
            "created_at": timestamps(c["created_at"]),
            "title": pa.array(c["title"], STR),
        }
    )
    return t if all(ok.to_pylist()) else t.filter(ok)


def read_discussions(conn, schema: dict, w: SnapshotWriter, st: Stats, progress) -> pa.Table:
    """Stream discussions into the snapshot; returns their count per repository."""
    spec = spec_for("discussions", schema)
    if spec is None:
        return group([], ["repo_type", "repo_id"], [])
    app = w.open_table("discussions")
    aggs = []
    for c in batches(conn, spec, schema):
        t = discussion_rows(c, st)
        app.write(t)
        st.field_counts("discussions", t)
        aggs.append(t.group_by(["repo_type", "repo_id"]).aggregate([("number", "count")]))
        if progress:
            progress(f"discussions {st.rows['discussions']:,}")
    return group(aggs, ["repo_type", "repo_id"], [("number_count", "sum")])


# --------------------------------------------------------------------------- #
# repositories
# --------------------------------------------------------------------------- #


def _first_commits(first_commit: pa.Table) -> dict[str, pa.Table | None]:
    """Each repository type's first-commit dates (the created_at the dump does not record)."""
    return {
        rt: first_commit.filter(pc.equal(first_commit.column("repo_type"), rt)).combine_chunks()
        if first_commit.num_rows
        else None
        for rt in TABLE_OF
    }


def _created(ids: pa.Array, created: pa.Array, fc: pa.Table | None, st: Stats) -> pa.Array:
    """``created_at`` where the dump has it, else the repository's first commit's date."""
    if fc is None or not fc.num_rows:
        return created
    idx = pc.index_in(ids, value_set=fc.column("repo_id").combine_chunks())
    from_commit = pc.take(fc.column("first"), pc.fill_null(idx, 0))
    from_commit = pc.if_else(pc.is_valid(idx), from_commit, pa.scalar(None, TS))
    filled = pc.coalesce(created, from_commit)
    st.counts["created_from_first_commit"] += created.null_count - filled.null_count
    return filled


#: columns only one repository type has: its snapshot column -> (type, the reader's field)
_ONE_TYPE = {
    "pipeline_tag": ("model", "pipeline_tag"),
    "library_name": ("model", "library_name"),
    "sdk": ("space", "sdk"),
}


def _hub_ids(rt: str, c: dict[str, list]) -> list[str]:
    """The Hub's ids (``owner/name``): the dump's without its type prefix (else its name)."""
    prefix = f"{rt}s/"
    return [i[len(prefix) :] if i.startswith(prefix) else (nm or i) for i, nm in zip(c["id"], c["name"])]


def _license(tags: list[str]) -> str | None:
    return next((x[8:] for x in tags if x.startswith("license:")), None)


def _gated(g: Any) -> str | None:
    """The dump's integer gated flag as the snapshot's string (auto and manual are not told apart)."""
    return None if g is None else ("false" if int(g) == 0 else "true")


def repository_rows(rt: str, c: dict[str, list], fc: pa.Table | None, st: Stats) -> tuple[pa.Table, list[str]]:
    """One repository type's rows of a batch as its snapshot table, and their Hub ids."""
    n = len(c["id"])
    hub = _hub_ids(rt, c)
    tag_lists = [sorted(s.split(_SEP)) if s else [] for s in c["tags"]]
    ids = pa.array(hub, STR)
    only = {col: pa.array(c[field] if rt == t else [None] * n, STR) for col, (t, field) in _ONE_TYPE.items()}
    downloads = {"model": c["model_downloads"], "dataset": c["dataset_downloads"]}.get(rt, [None] * n)
    t = pa.table(
        {
            "id": ids,
            "owner": pa.array([h.split("/", 1)[0] if "/" in h else None for h in hub], STR),
            "name": pa.array([h.split("/", 1)[1] if "/" in h else h for h in hub], STR),
            "created_at": _created(ids, timestamps(c["created_at"]), fc, st),
            "last_modified": timestamps(c["last_modified"]),
            "license": pa.array([_license(tl) for tl in tag_lists], STR),
            "tags": pa.array(tag_lists, STRLIST),
            **only,
            "likes": integers([a if a is not None else b for a, b in zip(c["likes"], c["model_likes"])]),
            "downloads": integers(downloads),
            "private": booleans(c["private"]),
            "gated": pa.array([_gated(g) for g in c["gated"]], STR),
            "disabled": booleans(c["disabled"]),
            "sha": pa.array(c["sha"], STR),
        }
    )
    return t, hub


def _by_type(c: dict[str, list], st: Stats) -> dict[str, dict[str, list]]:
    """A batch of repositories split by type; a row of an unknown type is logged."""
    index: dict[str, list[int]] = {rt: [] for rt in TABLE_OF}
    for i, rt in enumerate(c["type"]):
        if rt in index:
            index[rt].append(i)
        else:
            st.bad(
                "import",
                "malformed",
                f"repository.type is {rt!r}, expected model, dataset or space",
                source=f"repository:{c['id'][i]}",
            )
    return {rt: {k: [v[i] for i in rows] for k, v in c.items()} for rt, rows in index.items() if rows}


def read_repos(
    conn, schema: dict, w: SnapshotWriter, st: Stats, first_commit: pa.Table, progress
) -> dict[str, list[str]]:
    """Stream repository (+ model, dataset, space, tags) into the three repository tables;
    returns the Hub ids of each type."""
    spec = spec_for("repositories", schema)
    firsts = _first_commits(first_commit)
    apps = {rt: w.open_table(tname) for rt, tname in TABLE_OF.items()}
    ids: dict[str, list[str]] = {rt: [] for rt in TABLE_OF}
    st.counts["created_from_first_commit"] = 0
    for c in batches(conn, spec, schema):
        for rt, sub in _by_type(c, st).items():
            t, hub = repository_rows(rt, sub, firsts[rt], st)
            apps[rt].write(t)
            st.field_counts(TABLE_OF[rt], t)
            ids[rt] += hub
        if progress:
            progress(f"repositories {sum(len(v) for v in ids.values()):,}")
    return ids


# --------------------------------------------------------------------------- #
# space edges and owner kinds
# --------------------------------------------------------------------------- #


def read_space_models(conn, schema: dict, w: SnapshotWriter, st: Stats) -> pa.Table:
    """The models each space uses (v1.1); returns their count per space."""
    spec = spec_for("space_models", schema)
    if spec is None:
        w.write_table("space_models", SCHEMAS["space_models"].empty_table())
        return group([], ["space_id"], [])
    app = w.open_table("space_models")
    parts = []
    for c in batches(conn, spec, schema):
        _, sid = split_ids(pa.array(c["space"], STR))
        _, mid = split_ids(pa.array(c["model"], STR))
        t = pa.table({"space_id": sid, "model_id": mid})
        ok = pc.and_(pc.is_valid(sid), pc.is_valid(mid))
        for i, v in enumerate(ok.to_pylist()):
            if not v:
                st.bad(
                    "space_models",
                    "malformed",
                    f"models_in_space ({c['model'][i]!r}, {c['space'][i]!r}) lacks a type prefix",
                    source="models_in_space",
                )
        t = t.filter(ok)
        app.write(t)
        st.rows["space_models"] += t.num_rows
        parts.append(t.group_by(["space_id"]).aggregate([("model_id", "count")]))
    return group(parts, ["space_id"], [("model_id_count", "sum")])


def collation_key(name: str) -> str:
    """A name as the dump's collation (utf8mb4_general_ci) nearly compares it: accents dropped, case folded."""
    return "".join(ch for ch in unicodedata.normalize("NFD", name) if not unicodedata.combining(ch)).casefold()


def read_owners(conn, schema: dict, w: SnapshotWriter, st: Stats, owners: set[str]) -> None:
    """The kind (user or organization) of the repositories' owners that ``author`` records one for."""
    spec = spec_for("owners", schema)
    if spec is None or "type" not in schema["columns"]["author"]:
        w.write_table("owners", SCHEMAS["owners"].empty_table())
        return
    keys = Counter(collation_key(o) for o in owners)
    st.counts["owners_merged_by_collation"] = sum(1 for o in owners if keys[collation_key(o)] > 1)
    found: dict[str, str] = {}
    for c in batches(conn, spec, schema):
        for u, k in zip(c["owner"], c["kind"]):
            kind = _KIND.get(str(k).lower())
            if u in owners and kind:
                found.setdefault(u, kind)
            elif u in owners:
                st.counts["owner_type_unknown"] += 1
    st.rows["owners"] = w.write_table("owners", [{"owner": u, "kind": k} for u, k in found.items()])
