"""What an HFCommunity snapshot covers: the manifest's coverage entry of every table (one small
builder per table, :func:`build_coverage` the one place they are put together), the per-repository
``repo_coverage`` rows, and the notes on what the real dumps are known to get wrong."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from analysis.snapshot.schema import I64, SCHEMAS, STR, coverage
from analysis.sources.hfcommunity.tables import TABLE_OF, Stats

_fmt = "{:,}".format


# --------------------------------------------------------------------------- #
# repo_coverage
# --------------------------------------------------------------------------- #


def _coverage_rows(repo_type: list[str], repo_id: list[str], step: str, items: list[int]) -> pa.Table:
    return pa.table(
        {
            "repo_type": pa.array(repo_type, STR),
            "repo_id": pa.array(repo_id, STR),
            "step": pa.array([step] * len(repo_id), STR),
            "items": pa.array(items, I64),
        }
    )


def _counts_for(ids: list[str], keys: pa.Array, counts: pa.Array) -> list[int]:
    if not len(keys):
        return [0] * len(ids)
    idx = pc.index_in(pa.array(ids, STR), value_set=keys)
    got = pc.take(counts, pc.fill_null(idx, 0))
    return pc.if_else(pc.is_valid(idx), got, pa.scalar(0, got.type)).to_pylist()


def _discussion_rows(per_disc: pa.Table, ids: dict[str, list[str]]) -> tuple[list[pa.Table], int]:
    """Every listed repository's discussions (zero where it has none), then those of repositories
    not in the listing; and how many repositories that is."""
    parts, n = [], 0
    for rt, lst in ids.items():
        sub = per_disc.filter(pc.equal(per_disc.column("repo_type"), rt)) if per_disc.num_rows else None
        keys = sub.column("repo_id").combine_chunks() if sub is not None else pa.array([], STR)
        vals = sub.column("number_count_sum").combine_chunks() if sub is not None else pa.array([], I64)
        parts.append(_coverage_rows([rt] * len(lst), lst, "discussions", _counts_for(lst, keys, vals)))
        n += len(lst)
        listed = set(lst)
        extra = [(r, c) for r, c in zip(keys.to_pylist(), vals.to_pylist()) if r not in listed]
        if extra:
            parts.append(_coverage_rows([rt] * len(extra), [e[0] for e in extra], "discussions", [e[1] for e in extra]))
            n += len(extra)
    return parts, n


def repo_coverage(
    schema: dict, per_repo: pa.Table, per_disc: pa.Table, per_space: pa.Table, ids: dict[str, list[str]]
) -> tuple[pa.Table, dict[str, int]]:
    """The ``repo_coverage`` table (items per repository and step) and the repositories per step."""
    parts: list[pa.Table] = []
    steps: dict[str, int] = {}
    if per_repo.num_rows:
        parts.append(
            _coverage_rows(
                per_repo.column("repo_type").to_pylist(),
                per_repo.column("repo_id").to_pylist(),
                "commits",
                per_repo.column("n").to_pylist(),
            )
        )
        steps["commits"] = per_repo.num_rows
    if "discussion" in schema["columns"]:
        disc, steps["discussions"] = _discussion_rows(per_disc, ids)
        parts += disc
    if "models_in_space" in schema["columns"]:
        lst = ids["space"]
        keys = per_space.column("space_id").combine_chunks() if per_space.num_rows else pa.array([], STR)
        vals = per_space.column("model_id_count_sum").combine_chunks() if per_space.num_rows else pa.array([], I64)
        parts.append(_coverage_rows(["space"] * len(lst), lst, "space_models", _counts_for(lst, keys, vals)))
        steps["space_models"] = len(lst)
    table = pa.concat_tables(parts) if parts else SCHEMAS["repo_coverage"].empty_table()
    return table, steps


# --------------------------------------------------------------------------- #
# the manifest's coverage, one entry per table
# --------------------------------------------------------------------------- #


def source_name(schema: dict, dump: dict) -> str:
    return f"HFCommunity dump {dump.get('file') or '(file not recorded)'} (schema v{schema['version']})"


def _repositories(schema: dict, st: Stats, src: str) -> dict[str, dict[str, Any]]:
    cov = {}
    for rt, name in TABLE_OF.items():
        rows = st.rows[name]
        fields = {c: st.fields.get(name, Counter())[c] for c in SCHEMAS[name].names}
        never = [c for c, n in fields.items() if n == 0]
        note = f"every {rt} repository of {src} ({_fmt(rows)})"
        note += (
            "; created_at is the date of the repository's first commit in the dump (HFCommunity records no "
            "creation date; a git author date, which can predate the upload)"
        )
        if never:
            note += f"; never given (null in every row): {', '.join(never)}"
        if rt == "space" and "space" not in schema["columns"]:
            note += "; no sdk: the dump has no `space` table (schema v1.0)"
        cov[name] = {
            "scope": "all" if rows else "none",
            "rows": rows,
            "fields_non_null": fields,
            "created_at_basis": "first_commit",
            "note": note,
        }
    cov["models"]["created_at_from_first_commit"] = st.counts["created_from_first_commit"]  # over all three
    return cov


def _commits(schema: dict, st: Stats, ids: dict[str, list[str]], steps: dict[str, int], src: str) -> dict:
    if "commits" not in schema["columns"] or not schema["commit_link"]:
        missing = schema["missing_tables"] + schema["missing_columns"]
        return {
            "scope": "none",
            "rows": 0,
            "note": f"{src} has no usable commits table (missing: {', '.join(missing) or 'commits'})",
        }
    listed = sum(len(v) for v in ids.values())
    n = steps.get("commits", 0)
    note = (
        f"{_fmt(st.rows['commits'])} commits of {_fmt(n)} of {_fmt(listed)} repositories in {src}; authors are "
        "git author names as recorded (one per commit), not Hub usernames; every Hub repository has at "
        "least its initial commit, so a repository without any was not covered by the dump"
    )
    if schema["version"] == "1.1":
        note += (
            f"; main branch only ({_fmt(st.counts['commits_off_main_branch'])} commits off it left out); "
            "time = author_date + author_tz"
        )
    else:
        note += (
            "; v1.0 links commits to repositories only through the files they touched (files_in_commit -> file): "
            f"{_fmt(st.counts['commits:other'])} commits touching no listed file were not imported (see fetch_log); "
            "times are the dump's timestamp read as UTC (the author's local clock time without its offset: up to "
            "about 14 h off either way)"
        )
    return {
        "scope": "all" if n == listed and listed else "subset",
        "rows": st.rows["commits"],
        "covered": n,
        "author_names": "git",
        "commit_link": schema["commit_link"],
        "fields_non_null": {c: st.fields.get("commits", Counter())[c] for c in SCHEMAS["commits"].names},
        "note": note,
    }


def _discussions(schema: dict, st: Stats, steps: dict[str, int], src: str) -> dict:
    if "discussion" not in schema["columns"]:
        return {"scope": "none", "rows": 0, "note": f"{src} has no `discussion` table"}
    return {
        "scope": "all",
        "rows": st.rows["discussions"],
        "covered": steps.get("discussions", 0),
        "author_deleted": st.counts["discussion_author_deleted"],
        "note": f"every discussion and pull request of {src}; zero where a repository has none (the dump does "
        "not record a failed lookup); author 'deleted' (a deleted account) is null: "
        f"{_fmt(st.counts['discussion_author_deleted'])}",
    }


def _space_models(schema: dict, st: Stats, src: str) -> dict:
    if "models_in_space" not in schema["columns"]:
        return {"scope": "none", "rows": 0, "note": f"{src} has no `models_in_space` table"}
    return {
        "scope": "all",
        "method": "spaces-listing",
        "rows": st.rows["space_models"],
        "note": f"models each space uses (models_in_space of {src}, from the spaces listing)",
    }


def _owners(st: Stats, ids: dict[str, list[str]]) -> dict:
    owners = {o for v in ids.values() for o in (h.split("/", 1)[0] for h in v if "/" in h)}
    n = st.rows["owners"]
    note = (
        f"author.type of {_fmt(n)} of {_fmt(len(owners))} owners; HFCommunity records a type only for "
        "accounts it met as authors of discussion events"
    )
    merged = st.counts["owners_merged_by_collation"]
    if merged:
        note += (
            f"; {_fmt(merged)} owners share their name, up to case and accents, with another owner: the dump's "
            "`author` table (utf8mb4_general_ci) holds one row for them, whose type is given only to the owner "
            "spelled as that row is"
        )
    return {"scope": "none" if not n else ("all" if n >= len(owners) else "subset"), "rows": n, "note": note}


def build_coverage(
    schema: dict, st: Stats, ids: dict[str, list[str]], steps: dict[str, int], dump: dict
) -> dict[str, dict[str, Any]]:
    """The manifest's coverage of every table (the one place it is built)."""
    src = source_name(schema, dump)
    cov = _repositories(schema, st, src)
    cov["commits"] = _commits(schema, st, ids, steps, src)
    cov["discussions"] = _discussions(schema, st, steps, src)
    cov["space_models"] = _space_models(schema, st, src)
    cov["repo_coverage"] = {"scope": "all", "rows": sum(steps.values()), "steps": steps}
    cov["owners"] = _owners(st, ids)
    cov["fetch_log"] = {
        "scope": "all",
        "rows": len(st.log),
        "note": "rows of the dump that could not be imported, with why",
    }
    # every entry through the snapshot contract's one builder (checked as schema.Coverage)
    return {name: coverage(**entry) for name, entry in cov.items()}


# --------------------------------------------------------------------------- #
# the notes
# --------------------------------------------------------------------------- #


def known_traps(version: str, dump: dict[str, Any]) -> list[str]:
    """What the real dumps are known to get wrong, for the manifest's notes (the snapshot page)."""
    notes = []
    if dump.get("trailer") == "absent":
        notes.append(
            "trailer: absent: the dump has no closing '-- Dump completed' line (written with --skip-comments); "
            "it was accepted because it ended after a whole statement and every table read was created and filled"
        )
    if version == "1.0":
        notes.append(
            "schema v1.0's commits.timestamp is the author's local clock time without its offset, read as UTC: a "
            "commit time (and a created_at from it) can be off by up to about 14 hours either way; use its date "
            "at day resolution where that matters"
        )
    if version == "1.1":
        notes.append(
            "schema v1.1 stores a commit once (INSERT IGNORE on its sha): a commit shared by repositories "
            "(a duplicated space) belongs to whichever repository HFCommunity read first"
        )
    notes.append(
        "the dump compares names under utf8mb4_general_ci, so its `author` table merges accented and unaccented "
        "spellings (José Pérez = Jose Perez); commits keep each spelling, and the identity resolution sees "
        "the commits' spelling"
    )
    notes.append(
        "HFCommunity updates its database incrementally: repositories deleted from the Hub since it first read "
        "them can still be listed"
    )
    return notes
