"""The Hub's record format: ONE owner of the field lists, the JSON shapes and the conversions
between the API's records and the snapshot's columns.

The importer (JSON Lines of API records), the collector (live API answers) and the fake Hub
(which serves a snapshot back in the API's shapes) all convert through this module, so that
they agree by construction:

- :data:`EXPAND` the ``expand`` fields asked of each listing (every field the tables use);
- :data:`JSON_SCHEMAS` the API's field names and types, per record kind, as parsed;
- :func:`repo_row` an API repository record -> a row of ``models``/``datasets``/``spaces``;
- :func:`api_field` a snapshot row -> the value of one API field (the fake Hub's direction);
- :func:`check_value` and :data:`VALUE_RULES` the value rules every source applies
  (a wrongly typed or implausible value rejects the record, with a reason for ``fetch_log``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.snapshot.schema import BOOL, I64, REPO_TABLES, STR, STRLIST, TS

#: ``expand`` fields asked of each listing (every field the snapshot's tables use).
EXPAND: dict[str, list[str]] = {
    "model": [
        "createdAt",
        "lastModified",
        "tags",
        "pipeline_tag",
        "library_name",
        "likes",
        "downloads",
        "downloadsAllTime",
        "private",
        "gated",
        "disabled",
        "sha",
    ],
    "dataset": [
        "createdAt",
        "lastModified",
        "tags",
        "likes",
        "downloads",
        "downloadsAllTime",
        "private",
        "gated",
        "disabled",
        "sha",
    ],
    "space": ["createdAt", "lastModified", "tags", "likes", "private", "disabled", "sha", "sdk"],
}

#: API field -> (snapshot column, type) of a repository record; ``id`` also gives ``owner`` and
#: ``name``, ``tags`` also gives ``license`` (the first ``license:`` tag).
REPO_FIELDS: dict[str, tuple[str, pa.DataType]] = {
    "id": ("id", STR),
    "createdAt": ("created_at", TS),
    "lastModified": ("last_modified", TS),
    "tags": ("tags", STRLIST),
    "pipeline_tag": ("pipeline_tag", STR),
    "library_name": ("library_name", STR),
    "sdk": ("sdk", STR),
    "likes": ("likes", I64),
    "downloads": ("downloads", I64),
    "downloadsAllTime": ("downloads_all_time", I64),
    "private": ("private", BOOL),
    "gated": ("gated", STR),
    "disabled": ("disabled", BOOL),
    "sha": ("sha", STR),
}
#: fields a repository type does not have (null in every row of its table)
NOT_OF_TYPE: dict[str, tuple[str, ...]] = {
    "model": ("sdk",),
    "dataset": ("sdk",),
    "space": ("downloads", "downloadsAllTime"),
}
_REPO_JSON = [(api, typ) for api, (_, typ) in REPO_FIELDS.items()]

#: The API's field names and types per record kind, as the importer parses them (JSON Lines).
JSON_SCHEMAS: dict[str, pa.Schema] = {
    "models": pa.schema(_REPO_JSON),
    "datasets": pa.schema(_REPO_JSON),
    "spaces": pa.schema(_REPO_JSON + [("models", STRLIST)]),
    "model_info": pa.schema(_REPO_JSON + [("spaces", STRLIST)]),
    "commits": pa.schema(
        [
            ("repo_type", STR),
            ("repo_id", STR),
            ("id", STR),
            ("date", TS),
            ("authors", pa.list_(pa.struct([("user", STR)]))),
            ("title", STR),
        ]
    ),
    "discussions": pa.schema(
        [
            ("repo_type", STR),
            ("repo_id", STR),
            ("num", I64),
            ("author", pa.struct([("name", STR)])),
            ("isPullRequest", BOOL),
            ("status", STR),
            ("createdAt", TS),
            ("title", STR),
        ]
    ),
}
#: the fields that identify a record (a record without them is malformed)
KEY_FIELDS = {
    "models": ("id",),
    "datasets": ("id",),
    "spaces": ("id",),
    "model_info": ("id",),
    "commits": ("repo_type", "repo_id", "id"),
    "discussions": ("repo_type", "repo_id", "num"),
}

# --------------------------------------------------------------------------- #
# value rules: one set, for every source
# --------------------------------------------------------------------------- #

#: counts that cannot be negative (API names)
NON_NEGATIVE = ("likes", "downloads", "downloadsAllTime", "num")
#: a timestamp later than the run's clock by more than this is implausible (clocks differ a little)
FUTURE_TOLERANCE = dt.timedelta(days=1)
_INT64_MAX = (1 << 63) - 1


class RecordError(ValueError):
    """A record breaks the format or a value rule; the message is the reason for ``fetch_log``."""


def type_name(v: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }.get(type(v), type(v).__name__)


def parse_ts(v: str) -> dt.datetime:
    s = v.strip()
    t = dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC)


def latest_plausible(now: dt.datetime | None = None) -> dt.datetime:
    """The latest timestamp a record collected or imported at ``now`` may carry."""
    return (now or dt.datetime.now(dt.UTC)) + FUTURE_TOLERANCE


def _expected(typ: pa.DataType) -> str:
    if pa.types.is_list(typ):
        return "an array"
    if pa.types.is_struct(typ):
        return "an object"
    if pa.types.is_timestamp(typ):
        return "a timestamp string"
    return {"string": "a string", "int64": "an integer", "bool": "a boolean"}.get(str(typ), str(typ))


#: what a type's checker returns for a value of another JSON type (the record is then malformed)
_MISMATCH = object()


def _as_string(kind: str, name: str, typ: pa.DataType, v: Any) -> Any:
    return v if isinstance(v, str) else _MISMATCH


def _as_int64(kind: str, name: str, typ: pa.DataType, v: Any) -> Any:
    if not isinstance(v, int) or isinstance(v, bool):
        return _MISMATCH
    if -_INT64_MAX - 1 <= v <= _INT64_MAX:
        return v
    raise RecordError(f"field {name!r} is {v}, out of the 64-bit integer range")


def _as_boolean(kind: str, name: str, typ: pa.DataType, v: Any) -> Any:
    return v if isinstance(v, bool) else _MISMATCH


def _as_timestamp(kind: str, name: str, typ: pa.DataType, v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v if v.tzinfo else v.replace(tzinfo=dt.UTC)
    if not isinstance(v, str):
        return _MISMATCH
    try:
        return parse_ts(v)
    except ValueError:
        raise RecordError(f"field {name!r} is {v[:40]!r}, expected an ISO 8601 timestamp") from None


def _as_list(kind: str, name: str, typ: pa.DataType, v: Any) -> Any:
    if not isinstance(v, list):
        return _MISMATCH
    return [check_value(kind, f"{name}[]", typ.value_type, x) for x in v]


def _as_struct(kind: str, name: str, typ: pa.DataType, v: Any) -> Any:
    if not isinstance(v, dict):
        return _MISMATCH
    return {f.name: check_value(kind, f"{name}.{f.name}", f.type, v.get(f.name)) for f in typ}


#: (is this Arrow type, its checker), the first that matches the field's type applies
_CHECKERS = (
    (pa.types.is_string, _as_string),
    (pa.types.is_int64, _as_int64),
    (pa.types.is_boolean, _as_boolean),
    (pa.types.is_timestamp, _as_timestamp),
    (pa.types.is_list, _as_list),
    (pa.types.is_struct, _as_struct),
)


def check_value(kind: str, name: str, typ: pa.DataType, v: Any) -> Any:
    """Return ``v`` as the type ``typ`` of field ``name`` holds (no coercion: ``"false"`` is not a
    boolean, 1.5 is not an integer), or raise :class:`RecordError` with the reason."""
    if v is None:
        return None
    if name == "gated" and isinstance(v, bool):
        return "true" if v else "false"
    if kind == "discussions" and name == "author" and isinstance(v, str):
        return {"name": v}
    for is_type, checker in _CHECKERS:
        if is_type(typ):
            out = checker(kind, name, typ, v)
            if out is not _MISMATCH:
                return out
            break
    raise RecordError(f"field {name!r} is {type_name(v)}, expected {_expected(typ)}")


def rule_violation(name: str, v: Any, latest: dt.datetime) -> str | None:
    """The value rule a checked value ``v`` of field ``name`` breaks, or None."""
    if v is None:
        return None
    if name in NON_NEGATIVE and isinstance(v, int) and v < 0:
        return f"field {name!r} is {v}, expected >= 0"
    if isinstance(v, dt.datetime) and v > latest:
        return f"field {name!r} is {v.isoformat()}, later than the time of collection ({latest.date()} at the latest)"
    return None


def rule_violations(table: pa.Table, latest: dt.datetime) -> dict[int, str]:
    """The value rules broken by the rows of ``table`` (API field names, as :data:`JSON_SCHEMAS`
    parses them): {row index: reason}, the first rule a row breaks. The same rules as
    :func:`rule_violation`, column by column."""
    bad: dict[int, str] = {}
    for name in table.column_names:
        col = table.column(name)
        if name in NON_NEGATIVE and pa.types.is_integer(col.type):
            mask = pc.fill_null(pc.less(col, 0), False)
        elif pa.types.is_timestamp(col.type):
            mask = pc.fill_null(pc.greater(col, pa.scalar(latest, col.type)), False)
        else:
            continue
        rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
        if not len(rows):
            continue
        values = col.take(pa.array(rows)).to_pylist()
        for i, v in zip(rows.tolist(), values):
            if i not in bad:
                bad[i] = rule_violation(name, v, latest) or f"field {name!r} breaks a value rule"
    return bad


# --------------------------------------------------------------------------- #
# API record -> snapshot row (the collector; the importer does the same column by column)
# --------------------------------------------------------------------------- #

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_ms(value: Any) -> int | None:
    """An API timestamp (ISO string or datetime) as UTC epoch milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = parse_ts(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return (value - _EPOCH) // dt.timedelta(milliseconds=1)


def split_id(rid: str) -> tuple[str | None, str]:
    """(owner, name) of a repository id; owner is None for legacy ids such as ``gpt2``."""
    return tuple(rid.split("/", 1)) if "/" in rid else (None, rid)  # type: ignore[return-value]


def first_license(tags: Iterable[str] | None) -> str | None:
    return next((t[8:] for t in tags or () if t.startswith("license:")), None)


def repo_row(item: Mapping[str, Any], repo_type: str, latest: dt.datetime | None = None) -> dict:
    """One listing record as a row of the repository table of ``repo_type``.

    Raises :class:`RecordError` (with the reason) for a record without an id, a wrongly typed
    field or a value that breaks a rule: such a record is not kept, it goes to ``fetch_log``.
    """
    if not isinstance(item, Mapping):
        raise RecordError(f"record is {type_name(item)}, expected an object")
    rid = item.get("id")
    if not isinstance(rid, str) or not rid:
        raise RecordError("missing 'id'")
    latest = latest or latest_plausible()
    skip = NOT_OF_TYPE[repo_type]
    row: dict[str, Any] = {}
    for api, (col, typ) in REPO_FIELDS.items():
        v = check_value(REPO_TABLES[repo_type], api, typ, item.get(api)) if api not in skip else None
        why = rule_violation(api, v, latest)
        if why:
            raise RecordError(why)
        row[col] = to_ms(v) if pa.types.is_timestamp(typ) else v
    owner, name = split_id(rid)
    return {
        "id": rid,
        "owner": owner,
        "name": name,
        **{k: v for k, v in row.items() if k != "id"},
        "license": first_license(row["tags"]),
    }


def space_model_ids(item: Mapping[str, Any]) -> list[str]:
    """The models a spaces-listing record says the space uses (``expand=models``)."""
    models = item.get("models") or []
    out = []
    for m in models:
        mid = m.get("id") if isinstance(m, dict) else m
        if isinstance(mid, str) and mid:
            out.append(mid)
    return out


def commit_row(commit_id: str, created_at: Any, authors: Iterable[str], title: str | None) -> list:
    """A commit as the collector journals it: [commit_id, date (ms), authors, title]."""
    return [commit_id, to_ms(created_at), list(authors), title]


def discussion_row(
    num: int, author: str | None, is_pr: Any, status: str | None, created_at: Any, title: str | None
) -> list:
    """A discussion as the collector journals it; ``huggingface_hub`` reports a deleted
    account's author as ``"deleted"``: null here."""
    author = None if author in (None, "deleted") else author
    return [num, author, bool(is_pr), status, to_ms(created_at), title]


# --------------------------------------------------------------------------- #
# snapshot row -> API record (the fake Hub, and JSON Lines written from a snapshot)
# --------------------------------------------------------------------------- #


def iso(value: Any) -> str | None:
    """A snapshot timestamp in the API's form (``2024-01-02T03:04:05.000Z``)."""
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def api_field(row: Mapping[str, Any], name: str, repo_type: str) -> Any:
    """The value of API field ``name`` of a snapshot row (None: the API would leave it out)."""
    if name == "author":
        return row["owner"]
    if name == "sdk" and repo_type != "space":
        return None
    if name == "id":
        return row["id"]
    if name == "gated":
        g = row["gated"]
        if g is None:
            return None
        return False if g == "false" else g
    if name == "tags":
        tags = row["tags"]
        lic = row["license"]
        if lic is not None and not any(t.startswith("license:") for t in (tags or ())):
            tags = list(tags or ()) + [f"license:{lic}"]
        return tags
    spec = REPO_FIELDS.get(name)
    if spec is None:
        return None  # a valid expand the snapshot has no data for
    value = row[spec[0]]
    return iso(value) if pa.types.is_timestamp(spec[1]) else value


def api_repo(row: Mapping[str, Any], repo_type: str, fields: Iterable[str]) -> dict[str, Any]:
    """A repository record in the API's JSON shape with ``fields`` (null fields left out)."""
    out: dict[str, Any] = {"id": row["id"]}
    for f in fields:
        value = api_field(row, f, repo_type)
        if value is not None:
            out[f] = value
    return out


def api_commit(row: Mapping[str, Any]) -> dict[str, Any]:
    """A ``commits`` row as an item of ``GET /api/{type}s/{id}/commits/{rev}``."""
    return {
        "id": row["commit_id"],
        "title": row["title"],
        "message": "",
        "date": iso(row["date"]),
        "authors": [{"user": u, "avatar": ""} for u in (row["authors"] or [])],
    }


def api_discussion(row: Mapping[str, Any]) -> dict[str, Any]:
    """A ``discussions`` row as an item of ``GET /api/{type}s/{id}/discussions`` (author as a name only)."""
    item: dict[str, Any] = {
        "num": row["number"],
        "title": row["title"],
        "status": row["status"],
        "createdAt": iso(row["created_at"]),
        "isPullRequest": bool(row["is_pull_request"]) if row["is_pull_request"] is not None else None,
    }
    if row["author"] is not None:
        item["author"] = {"name": row["author"]}
    return item
