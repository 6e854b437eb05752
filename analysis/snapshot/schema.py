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

This module also owns, each defined once, what every stage shares about the format: the
repository type <-> table map (:data:`REPO_TABLES`, :data:`REPO_TYPE_OF_TABLE`), the Hub's
placeholder creation time (:data:`PLACEHOLDER_MINUTE`), the coverage vocabulary
(:data:`COVERAGE_SCOPES`, :data:`SELECTION_MODES`, :data:`AUTHOR_NAMES`, :data:`OUTCOMES`, the
steps) and the format's errors (:class:`SnapshotError`, :class:`CoverageError`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
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
#: repository type of each repository table (the inverse of :data:`REPO_TABLES`)
REPO_TYPE_OF_TABLE = {table: repo_type for repo_type, table in REPO_TABLES.items()}

#: The Hub's placeholder creation time: repositories older than its 2022-03-02 migration were
#: given a ``createdAt`` in this minute, kept as given in ``created_at`` (and counted): ``[start,
#: end)`` in UTC, as ISO text (every reader makes its own type of it).
PLACEHOLDER_MINUTE = ("2022-03-02T23:29:00", "2022-03-02T23:30:00")
#: The day of :data:`PLACEHOLDER_MINUTE`.
PLACEHOLDER_DATE = PLACEHOLDER_MINUTE[0][:10]
#: The placeholder as the Hub's API writes it (the value the real records hold).
PLACEHOLDER_CREATED = "2022-03-02T23:29:04.000Z"

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
#: fetch_log steps besides STEPS: the listings, the importer, owner kinds
LOG_STEPS = (*STEPS, "list_models", "list_datasets", "list_spaces", "import", "owners")
#: how commit authors are named: Hub usernames, or git author names (not always usernames)
AUTHOR_NAMES = ("hub", "git")
#: how the repositories of a per-repository step were chosen
SELECTION_MODES = ("all", "sample", "top-downloads", "top-likes", "by-name", "as-given")


class SnapshotError(Exception):
    """A snapshot (or data written to one) does not satisfy the format."""


class CoverageError(ValueError):
    """A coverage entry that does not fit :class:`Coverage`."""


@dataclass(frozen=True)
class Selection:
    """How the repositories a table covers were chosen: ``mode`` (:data:`SELECTION_MODES`), the
    seed of a random sample, and how many were asked per repository type."""

    mode: str
    seed: int | None = None
    n_per_repo_type: int | None = None
    repositories: Mapping[str, int] | None = None  # chosen, per repository type


@dataclass(frozen=True)
class Coverage:
    """What one table of a snapshot covers: the typed form of a manifest ``coverage`` entry.

    ``scope``      all, sample, subset or none (:data:`COVERAGE_SCOPES`);
    ``rows``       rows of the table;
    ``population`` what a complete table would hold (e.g. "every model the listing returned");
    ``covered``    how many repositories the table has data for;
    ``selection``  how they were chosen (its seed, for a sample);
    ``author_names`` "hub" or "git" (commits only: how authors are named);
    ``note``       for readers, quoted by the book;
    ``details``    a source's own counts (fields given, malformed records, ...), kept as given.
    """

    scope: str
    rows: int | None = None
    population: str | None = None
    covered: int | None = None
    selection: Selection | None = None
    author_names: str | None = None
    note: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.scope not in COVERAGE_SCOPES:
            raise CoverageError(f"scope {self.scope!r}, expected one of {', '.join(COVERAGE_SCOPES)}")
        self._check_counts_and_texts()
        if self.author_names is not None and self.author_names not in AUTHOR_NAMES:
            raise CoverageError(f"author_names {self.author_names!r}, expected one of {', '.join(AUTHOR_NAMES)}")
        if self.selection is not None:
            _check_selection(self.selection)
        overlap = set(self.details) & set(_COVERAGE_FIELDS)
        if overlap:
            raise CoverageError(f"details repeat typed field(s) {', '.join(sorted(overlap))}")

    def _check_counts_and_texts(self) -> None:
        for name in ("rows", "covered"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                raise CoverageError(f"{name} is {v!r}, expected a count >= 0")
        for name in ("population", "note"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, str):
                raise CoverageError(f"{name} is {type(v).__name__}, expected text")

    def to_json(self) -> dict[str, Any]:
        """The manifest's form: typed fields first (those set), the source's details, the note last."""
        out: dict[str, Any] = {"scope": self.scope}
        for name in ("rows", "population", "covered", "author_names"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.selection is not None:
            out["selection"] = {k: v for k, v in vars(self.selection).items() if v is not None} | {
                "seed": self.selection.seed
            }
        out.update(self.details)
        if self.note is not None:
            out["note"] = self.note
        return out

    @classmethod
    def from_json(cls, entry: Any) -> Coverage:
        """Check a manifest entry (raises :class:`CoverageError` with what is wrong)."""
        if not isinstance(entry, Mapping):
            raise CoverageError(f"entry is {type(entry).__name__}, expected an object")
        if "scope" not in entry:
            raise CoverageError("entry has no scope")
        sel = entry.get("selection")
        if sel is not None:
            if not isinstance(sel, Mapping) or "mode" not in sel:
                raise CoverageError(f"selection {sel!r}, expected an object with a mode")
            sel = Selection(
                mode=sel["mode"],
                seed=sel.get("seed"),
                n_per_repo_type=sel.get("n_per_repo_type"),
                repositories=sel.get("repositories"),
            )
        return cls(
            scope=entry["scope"],
            rows=entry.get("rows"),
            population=entry.get("population"),
            covered=entry.get("covered"),
            selection=sel,
            author_names=entry.get("author_names"),
            note=entry.get("note"),
            details={k: v for k, v in entry.items() if k not in _COVERAGE_FIELDS},
        )


_COVERAGE_FIELDS = ("scope", "rows", "population", "covered", "selection", "author_names", "note")


def _check_selection(sel: Any) -> None:
    if not isinstance(sel, Selection) or sel.mode not in SELECTION_MODES:
        raise CoverageError(f"selection {sel!r}, expected a mode of {', '.join(SELECTION_MODES)}")
    if sel.seed is not None and (not isinstance(sel.seed, int) or isinstance(sel.seed, bool)):
        raise CoverageError(f"selection seed {sel.seed!r}, expected an integer")
    if sel.mode == "sample" and sel.seed is None:
        raise CoverageError("a sample's selection needs its seed")


def coverage(
    scope: str,
    *,
    rows: int | None = None,
    population: str | None = None,
    covered: int | None = None,
    selection: Selection | None = None,
    author_names: str | None = None,
    note: str | None = None,
    **details: Any,
) -> dict[str, Any]:
    """The ONE builder of a manifest coverage entry (importer, collector, synthetic Hub): checked
    as :class:`Coverage`, returned in the manifest's JSON form.

    A listing that returned nothing is never ``all``: give ``rows=0`` with ``scope="all"`` for a
    repository listing through :func:`listing_coverage`, which makes it ``none`` and says so.
    """
    return Coverage(scope, rows, population, covered, selection, author_names, note, details).to_json()


def listing_coverage(rows: int, population: str, note: str, *, scope: str = "all", **details: Any) -> dict[str, Any]:
    """Coverage of a repository listing: ``scope`` when it holds records, ``none`` (with a loud
    note) when the listing is empty: an empty answer is not evidence of an empty Hub."""
    if rows == 0:
        return coverage(
            "none",
            rows=0,
            population=population,
            note=f"EMPTY: the listing gave no records, so nothing is known of {population}; {note}",
            **details,
        )
    return coverage(scope, rows=rows, population=population, note=note, **details)


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
