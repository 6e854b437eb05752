"""The snapshot format: the contract every part of the project reads.

A snapshot is a directory ``data/snapshots/<snapshot_id>/`` holding one Parquet
file per table below plus ``manifest.json``. Every table is always present
(possibly with zero rows); what a table covers is said by the manifest's
``coverage`` and, per repository, by the ``repo_coverage`` table.

Conventions
-----------
- Timestamps are UTC, millisecond precision.
- A missing value (null) means "not known"; it is never used for zero. Zero
  likes or downloads are 0. A measure a repository type does not have (spaces
  have no downloads) is null in every row, and the manifest says so.
- ``gated`` is the API's value as a string: ``"false"``, ``"auto"`` or
  ``"manual"`` (null where the source did not say).
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa

SCHEMA_VERSION = 1

TS = pa.timestamp("ms", tz="UTC")
STR = pa.string()
I64 = pa.int64()
BOOL = pa.bool_()
STRLIST = pa.list_(pa.string())

REPO_TYPES = ("model", "dataset", "space")
#: table name of each repository type
REPO_TABLES = {"model": "models", "dataset": "datasets", "space": "spaces"}

_REPO_FIELDS = [
    pa.field("id", STR, nullable=False),
    pa.field("owner", STR),  # part of id before "/", null for legacy ids
    pa.field("name", STR, nullable=False),
    pa.field("created_at", TS),
    pa.field("last_modified", TS),
    pa.field("license", STR),  # the first "license:" tag, without the prefix
    pa.field("tags", STRLIST),
    pa.field("pipeline_tag", STR),
    pa.field("library_name", STR),
    pa.field("sdk", STR),  # spaces only
    pa.field("likes", I64),
    pa.field("downloads", I64),  # the API's rolling 30-day count
    pa.field("downloads_all_time", I64),
    pa.field("private", BOOL),
    pa.field("gated", STR),
    pa.field("disabled", BOOL),
    pa.field("sha", STR),
]

SCHEMAS: dict[str, pa.Schema] = {
    "models": pa.schema(_REPO_FIELDS),
    "datasets": pa.schema(_REPO_FIELDS),
    "spaces": pa.schema(_REPO_FIELDS),
    "commits": pa.schema(
        [
            pa.field("repo_type", STR, nullable=False),
            pa.field("repo_id", STR, nullable=False),
            pa.field("commit_id", STR, nullable=False),
            pa.field("date", TS),
            pa.field("authors", STRLIST),  # in the API's order; first = first author
            pa.field("title", STR),
        ]
    ),
    "discussions": pa.schema(
        [
            pa.field("repo_type", STR, nullable=False),
            pa.field("repo_id", STR, nullable=False),
            pa.field("number", I64, nullable=False),
            pa.field("author", STR),  # null for deleted accounts
            pa.field("is_pull_request", BOOL),
            pa.field("status", STR),  # open, closed, merged, draft
            pa.field("created_at", TS),
            pa.field("title", STR),
        ]
    ),
    "space_models": pa.schema(
        [
            pa.field("space_id", STR, nullable=False),
            pa.field("model_id", STR, nullable=False),
        ]
    ),
    # Which repositories each per-repository step covers: one row per
    # repository and step that was collected successfully, with the number of
    # items found (0 is a real zero). A repository absent here for a step was
    # not covered by it (see fetch_log for why, when it was attempted).
    # Steps: "commits", "discussions", "model_spaces" (model -> spaces that use
    # it, one request per model, the paper's way), "space_models" (space ->
    # models it uses, from the spaces listing).
    "repo_coverage": pa.schema(
        [
            pa.field("repo_type", STR, nullable=False),
            pa.field("repo_id", STR, nullable=False),
            pa.field("step", STR, nullable=False),
            pa.field("items", I64, nullable=False),
        ]
    ),
    # Owner kind, where recorded by the collector ("organization" or "user").
    "owners": pa.schema(
        [
            pa.field("owner", STR, nullable=False),
            pa.field("kind", STR, nullable=False),
        ]
    ),
    # Everything that could not be collected or imported, with why.
    "fetch_log": pa.schema(
        [
            pa.field("step", STR, nullable=False),  # e.g. list_models, commits, import
            pa.field("repo_type", STR),
            pa.field("repo_id", STR),
            # not_found_or_private, gated, rate_limited, server_error,
            # network_error, malformed, duplicate, other
            pa.field("outcome", STR, nullable=False),
            pa.field("reason", STR),
            pa.field("http_status", I64),
            pa.field("attempts", I64),
            pa.field("source", STR),  # file:line for imports, URL path for the Hub
        ]
    ),
}

TABLES: tuple[str, ...] = tuple(SCHEMAS)

#: Columns that must be unique (per table) in a valid snapshot.
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "models": ("id",),
    "datasets": ("id",),
    "spaces": ("id",),
    "commits": ("repo_type", "repo_id", "commit_id"),
    "discussions": ("repo_type", "repo_id", "number"),
    "space_models": ("space_id", "model_id"),
    "repo_coverage": ("repo_type", "repo_id", "step"),
    "owners": ("owner",),
}

STEPS = ("commits", "discussions", "model_spaces", "space_models")
OUTCOMES = (
    "not_found_or_private",
    "gated",
    "rate_limited",
    "server_error",
    "network_error",
    "malformed",
    "duplicate",
    "other",
)

#: Coverage scopes that the manifest may state for a table.
COVERAGE_SCOPES = ("all", "sample", "subset", "none")


#: The one snapshot-id rule of every command (import, collect, synth, validate, info, build): a
#: plain folder name of letters, digits, ``.``, ``_`` and ``-``, starting with a letter or digit
#: (so never ``.``, ``..`` or a path), at most 128 characters.
SNAPSHOT_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def snapshot_id_problem(value: Any) -> str | None:
    """Why ``value`` is not a valid snapshot id (None when it is)."""
    if not isinstance(value, str):
        return f"snapshot id is {type(value).__name__} {value!r}, expected a string"
    if not SNAPSHOT_ID_RE.fullmatch(value):
        return (
            f"snapshot id {value!r} is not a plain name (letters, digits, '.', '_', '-', "
            "starting with a letter or digit, at most 128 characters)"
        )
    return None


def table_file(name: str) -> str:
    return f"{name}.parquet"


def empty_table(name: str) -> pa.Table:
    return SCHEMAS[name].empty_table()
