"""Part III's usage edges: the (space, model) edges of a snapshot resolved against its models and coverage.

A *use* is a distinct (space, model) edge of the snapshot's ``space_models``
table: the space declares that it uses the model. :func:`load` reads those
edges, deduplicates them and resolves them against the snapshot's coverage
into an :class:`Adoption`, which every other module of the package reads:

- **Covered models** are the models whose full set of using spaces is known:
  every model when the snapshot has a complete spaces listing whose model lists
  were all collected (then any use of a model would be in the listing);
  otherwise the models covered by the per-model step ``model_spaces`` (table
  ``repo_coverage``). Counts, shares and concentration are over covered models,
  zeros (covered models that no space uses) included.
- **Covered spaces** are the spaces whose list of models is known: those of
  step ``space_models`` in ``repo_coverage``, or every listed space when that
  table has no such rows and the manifest says ``space_models`` covers ``all``.
  Without a spaces listing, space counts are *not covered* (``None``), never 0.
- Edges to models absent from the ``models`` table, and edges to models that
  are in the table but not covered, are counted and reported, and left out of
  per-model statistics (a partial count would bias them).

All heavy work is vectorised on integer codes (Arrow dictionary encoding,
numpy ``bincount``); only the columns needed are read (the models table's
other columns once per :class:`Adoption`, cached), so a snapshot of 3 million
models, 800,000 spaces and 2 million edges fits well within a few GB.

This module also says in words what the usage data cover (:func:`coverage_note`,
:func:`coverage_markdown`) and holds the number formats the part's sentences share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import arrays, stats
from analysis.parts import owners as owners_mod

MODEL_STEP = "model_spaces"
SPACE_STEP = "space_models"


@dataclass
class Adoption:
    """Deduplicated usage edges resolved against the snapshot's models and coverage."""

    snapshot_id: str
    model_ids: pa.Array  # ids of the models table, in table order
    covered: np.ndarray  # bool per models-table row
    spaces_per_model: np.ndarray  # int64 per models-table row (0 where not covered)
    model_coverage: str  # "all" (complete spaces listing), "model_spaces" or "none"
    edges_raw: int
    edges: int  # distinct (space, model) edges, all of them
    edges_absent_model: int
    models_absent: int
    edges_uncovered_model: int
    edge_space: np.ndarray  # in-scope edges (distinct, to covered models of the models table): code into space_ids
    edge_model: np.ndarray  # in-scope edges: row of the models table
    space_ids: pa.Array  # distinct space ids of all edges
    spaces_listed: int | None  # None: no spaces listing
    spaces_covered: int | None  # None: not covered
    spaces_using: int | None
    spaces_absent_from_listing: int | None
    coverage_note: str = ""
    snapshot_note: str = ""  # the manifest's coverage note of space_models
    extra: dict[str, Any] = field(default_factory=dict)  # cache of models-table columns

    @property
    def n_models(self) -> int:
        return len(self.model_ids)

    @property
    def duplicate_edges(self) -> int:
        return self.edges_raw - self.edges

    @property
    def edges_in_scope(self) -> int:
        """Distinct edges to covered models of the models table (the uses counted)."""
        return int(self.edge_space.size)

    @property
    def spaces_in_edges(self) -> int:
        return len(self.space_ids)

    @property
    def models_covered(self) -> int:
        return int(self.covered.sum())

    @property
    def models_used(self) -> int:
        return int((self.spaces_per_model > 0).sum())

    def covered_counts(self) -> np.ndarray:
        """Spaces per model over covered models (zeros included)."""
        return self.spaces_per_model[self.covered]


def _chunk(a: pa.ChunkedArray | pa.Array) -> pa.Array:
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def _index_in(values: pa.Array, value_set: pa.Array) -> np.ndarray:
    """Position of each value in ``value_set`` (-1 where absent), as int64."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    idx = pc.index_in(values, value_set=value_set)
    return pc.fill_null(idx, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _count_in(values: pa.Array, value_set: pa.Array) -> int:
    """How many of ``values`` are in ``value_set``."""
    return int(pc.sum(pc.is_in(values, value_set=value_set)).as_py() or 0)


def load(snap) -> Adoption:
    """Read what Part III needs from snapshot ``snap`` (an opened :class:`Snapshot`)."""
    model_ids = _chunk(snap.arrow("models", ["id"]).column("id"))
    n_models = len(model_ids)

    # -- edges: dictionary-encode both ends, deduplicate on integer codes
    e = snap.arrow("space_models", ["space_id", "model_id"])
    edges_raw = e.num_rows
    sp = _chunk(e.column("space_id")).dictionary_encode()
    mo = _chunk(e.column("model_id")).dictionary_encode()
    del e
    space_ids = sp.dictionary
    m_dict = mo.dictionary
    s_code = sp.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    m_code = mo.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    del sp, mo
    if edges_raw:
        width = max(len(m_dict), 1)
        key = arrays.unique(s_code * width + m_code)
        s_code, m_code = key // width, key % width
        del key
    edges = len(s_code)
    # rows of the models table for each distinct edge model (-1: absent)
    m_row_of_code = _index_in(m_dict, model_ids)
    m_row = m_row_of_code[m_code] if edges else np.zeros(0, dtype=np.int64)
    absent = m_row < 0
    edges_absent_model = int(absent.sum())
    models_absent = int((m_row_of_code < 0).sum())

    # -- spaces: listing and coverage
    spaces_listed: int | None = snap.rows("spaces") or None
    spaces_covered = spaces_using = spaces_absent = None
    complete_listing = False
    if spaces_listed:
        listed = _chunk(snap.arrow("spaces", ["id"]).column("id"))
        cov_s = snap.arrow(
            "repo_coverage", ["repo_id"], filters=[("step", "==", SPACE_STEP), ("repo_type", "==", "space")]
        )
        if cov_s.num_rows:
            cov_ids = pc.unique(_chunk(cov_s.column("repo_id")))
            cov_ids = cov_ids.filter(pc.is_in(cov_ids, value_set=listed))
        elif snap.coverage("space_models").get("scope") == "all":
            cov_ids = listed
        else:
            cov_ids = listed.slice(0, 0)
        spaces_covered = len(cov_ids)
        spaces_using = _count_in(space_ids, cov_ids)
        spaces_absent = len(space_ids) - _count_in(space_ids, listed)
        complete_listing = snap.coverage("spaces").get("scope") == "all" and spaces_covered == spaces_listed
        del listed, cov_ids

    # -- covered models
    if complete_listing:
        covered = np.ones(n_models, dtype=bool)
        model_coverage = "all"
    else:
        cov_m = snap.arrow(
            "repo_coverage", ["repo_id"], filters=[("step", "==", MODEL_STEP), ("repo_type", "==", "model")]
        )
        covered = np.zeros(n_models, dtype=bool)
        if cov_m.num_rows:
            rows = _index_in(_chunk(cov_m.column("repo_id")), model_ids)
            covered[rows[rows >= 0]] = True
        model_coverage = MODEL_STEP if covered.any() else "none"

    in_table = ~absent
    in_scope = in_table.copy()
    in_scope[in_table] = covered[m_row[in_table]]
    edges_uncovered = int(in_table.sum() - in_scope.sum())
    edge_space = s_code[in_scope]
    edge_model = m_row[in_scope]
    spm = np.bincount(edge_model, minlength=n_models).astype(np.int64) if n_models else np.zeros(0, np.int64)

    a = Adoption(
        snapshot_id=snap.id,
        model_ids=model_ids,
        covered=covered,
        spaces_per_model=spm,
        model_coverage=model_coverage,
        edges_raw=edges_raw,
        edges=edges,
        edges_absent_model=edges_absent_model,
        models_absent=models_absent,
        edges_uncovered_model=edges_uncovered,
        edge_space=edge_space,
        edge_model=edge_model,
        space_ids=space_ids,
        spaces_listed=spaces_listed,
        spaces_covered=spaces_covered,
        spaces_using=spaces_using,
        spaces_absent_from_listing=spaces_absent,
    )
    a.coverage_note = coverage_note(a)
    a.snapshot_note = (snap.coverage("space_models").get("note") or "").strip()
    return a


def _model_columns(a: Adoption, snap, columns: list[str]) -> pa.Table:
    """Columns of the models table (read once per :class:`Adoption`, then cached)."""
    cache = a.extra.setdefault("models_columns", {})
    missing = [c for c in columns if c not in cache and c != "id"]
    if missing:
        t = snap.arrow("models", missing)
        for c in missing:
            cache[c] = _chunk(t.column(c))
    cache.setdefault("id", a.model_ids)
    return pa.table({c: cache[c] for c in columns})


def _owner_kinds(snap, owners, mapping: pd.DataFrame | None) -> pd.DataFrame:
    """Kind, route and reason of owners given by display name (:data:`~analysis.parts.owners.NO_OWNER` for legacy ids)."""
    return owners_mod.classify_snapshot_owners(snap, [None if o == owners_mod.NO_OWNER else o for o in owners], mapping)


def coverage_note(a: Adoption) -> str:
    """One sentence on what the usage data covers (for captions and text)."""
    if a.model_coverage == "all":
        models = f"all {a.n_models:,} models (complete spaces listing)"
    elif a.model_coverage == MODEL_STEP:
        models = (
            f"only {a.models_covered:,} of {a.n_models:,} models "
            f"({_fmt_pct(stats.percent(a.models_covered, a.n_models))}), those reached by "
            f"the per-model step `{MODEL_STEP}`, which need not be a random sample"
        )
    elif a.edges:
        models = "no model (no model's full set of using spaces is known)"
    else:
        models = "no model (no space-usage data)"
    if a.spaces_listed is None:
        spaces = "no spaces listing, so counts of spaces are not covered"
    else:
        spaces = f"{a.spaces_covered:,} of {a.spaces_listed:,} listed spaces with known model lists"
    return f"space usage of {models}; {spaces}"


def covers(a: Adoption) -> str:
    """The ``covers=`` text of Part III's tables and figures."""
    return a.coverage_note


def coverage_markdown(a: Adoption) -> str:
    """The coverage statement shown at the top of Part III (an admonition when partial)."""
    text = (
        f"Every number in this part is computed from the {a.edges_in_scope:,} uses of covered models "
        f"in snapshot `{a.snapshot_id}`: {a.coverage_note}."
    )
    if a.snapshot_note:
        text += f" The snapshot's manifest says: {a.snapshot_note.rstrip('.')}."
    if a.duplicate_edges or a.edges_absent_model or a.edges_uncovered_model:
        text += (
            f" {a.duplicate_edges:,} duplicate edge(s) were removed; {a.edges_absent_model:,} edge(s) "
            f"point to {a.models_absent:,} model(s) absent from the models table and "
            f"{a.edges_uncovered_model:,} to models not covered; both are left out of per-model figures."
        )
    partial = a.model_coverage != "all" or a.spaces_covered is None
    if partial:
        return ":::{important}\n**Partial coverage.** " + text + "\n:::\n"
    return text


def _fmt_pct(x) -> str:
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.1f}%"


def _nan_none(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)
