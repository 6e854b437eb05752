"""Part III: model adoption in spaces (RQ3).

A *use* is a distinct (space, model) edge of the snapshot's ``space_models``
table: the space declares that it uses the model. Everything here is computed
from those edges, deduplicated, against the snapshot's coverage:

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
numpy ``bincount``, a scipy sparse product for co-usage); only the columns
needed are read, so a snapshot of 3 million models, 800,000 spaces and 2
million edges fits well within a few GB.
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
from analysis.style import CATEGORY_COLORS, KIND_COLORS
from analysis.subfields import SUBFIELDS, subfield_mask

MODEL_STEP = "model_spaces"
SPACE_STEP = "space_models"
#: Spaces using more models than this are left out of the pair counts of co-usage
#: (their pairs grow quadratically); they are counted and reported.
DEFAULT_PAIR_CAP = 50


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


# --------------------------------------------------------------------------- #
# loading
# --------------------------------------------------------------------------- #


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


# --------------------------------------------------------------------------- #
# summary
# --------------------------------------------------------------------------- #


def summary(a: Adoption) -> pd.DataFrame:
    """``tab-adoption``: one row per measure with ``value``, ``percent`` and ``of`` (the denominator)."""
    counts = a.covered_counts()
    used = counts[counts > 0]
    pct = stats.percent
    conc = _concentration(counts)
    unused = int(counts.size - used.size)
    idle = None if a.spaces_covered is None else a.spaces_covered - a.spaces_using

    def spaces_of(text: str) -> str:  # the denominator of a space count, unless there is no listing
        return "not covered (no spaces listing)" if a.spaces_listed is None else text

    rows: list[tuple[str, Any, Any, str]] = [
        ("models in the snapshot", a.n_models, None, ""),
        (
            "models covered by space-usage data",
            a.models_covered,
            pct(a.models_covered, a.n_models),
            "of models in the snapshot",
        ),
        ("models used by at least one space", int(used.size), pct(used.size, counts.size), "of covered models"),
        ("models used by no space", unused, pct(unused, counts.size), "of covered models"),
        ("spaces listed", a.spaces_listed, None, spaces_of("")),
        (
            "spaces with known model lists (covered)",
            a.spaces_covered,
            pct(a.spaces_covered, a.spaces_listed),
            spaces_of("of listed spaces"),
        ),
        (
            "spaces using at least one model",
            a.spaces_using,
            pct(a.spaces_using, a.spaces_covered),
            spaces_of("of covered spaces"),
        ),
        ("spaces using no model", idle, pct(idle, a.spaces_covered), spaces_of("of covered spaces")),
        ("distinct spaces appearing in edges", a.spaces_in_edges, None, "any model"),
        ("space-model edges (distinct)", a.edges, None, ""),
        ("duplicate edges removed", a.duplicate_edges, None, ""),
        (
            "edges to models absent from the models table",
            a.edges_absent_model,
            pct(a.edges_absent_model, a.edges),
            f"of distinct edges; {a.models_absent:,} distinct models, left out",
        ),
        (
            "edges to models not covered",
            a.edges_uncovered_model,
            pct(a.edges_uncovered_model, a.edges),
            "of distinct edges; left out",
        ),
        (
            "uses of covered models (edges counted)",
            a.edges_in_scope,
            pct(a.edges_in_scope, a.edges),
            "of distinct edges",
        ),
        ("share of uses: top 1% of covered models", None, conc["top1_pct"], "of uses of covered models"),
        ("share of uses: top 10% of covered models", None, conc["top10_pct"], "of uses of covered models"),
        ("Gini of spaces per model (covered models)", conc["gini"], None, "0 = equal, 1 = one model"),
        ("Gini of spaces per model (used models only)", _nan_none(stats.gini(used)), None, ""),
        ("median spaces per used model", float(np.median(used)) if used.size else None, None, ""),
        ("most spaces using one model", int(used.max()) if used.size else None, None, ""),
    ]
    if a.spaces_absent_from_listing:
        rows.insert(
            9,
            (
                "spaces in edges absent from the spaces listing",
                a.spaces_absent_from_listing,
                None,
                "kept in edge counts",
            ),
        )
    df = pd.DataFrame(rows, columns=["measure", "value", "percent", "of"])
    # counts stay Python ints (shown as 3,000,000, not 3e+06), ratios floats, missing None
    df["value"] = pd.Series(
        [None if v is None else (int(v) if isinstance(v, (int, np.integer)) else float(v)) for _, v, _, _ in rows],
        dtype=object,
    )
    df["percent"] = pd.to_numeric(df["percent"], errors="coerce").round(3)
    return df


def _nan_none(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


def _concentration(counts: np.ndarray) -> dict[str, float | None]:
    """Share (%) of uses held by the top 1% and top 10% of models, and the Gini (None where undefined)."""
    return {
        "top1_pct": _nan_none(100 * stats.top_share(counts, 0.01)),
        "top10_pct": _nan_none(100 * stats.top_share(counts, 0.10)),
        "gini": _nan_none(stats.gini(counts)),
    }


def ccdf_data(a: Adoption) -> pd.DataFrame:
    """CCDF of spaces per model over covered models: ``spaces``, ``ccdf`` = P(X >= spaces)."""
    c = stats.ccdf(a.covered_counts())
    return c.rename(columns={"value": "spaces"}).astype({"spaces": "int64"})


def ccdf_figure(a: Adoption):
    import matplotlib.pyplot as plt

    from analysis.style import REPO_TYPE_COLORS

    data = ccdf_data(a)
    fig, ax = plt.subplots(figsize=(6, 4))
    if len(data):
        ax.plot(data["spaces"], data["ccdf"], marker="o", ms=3, lw=1, color=REPO_TYPE_COLORS["model"])
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        ax.text(0.5, 0.5, "no model is used by any space", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("spaces using the model, x (log scale)")
    ax.set_ylabel("share of covered models with ≥ x spaces (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    return fig, data


# --------------------------------------------------------------------------- #
# most-used models and owners
# --------------------------------------------------------------------------- #


def _rank(values: np.ndarray) -> np.ndarray:
    """Competition rank, largest first (tied values share the rank)."""
    return pd.Series(values).rank(method="min", ascending=False).astype("int64").to_numpy()


def _top_rows(counts: np.ndarray, ids: pa.Array, candidates: np.ndarray, n: int) -> np.ndarray:
    """Rows among ``candidates`` with the ``n`` largest counts; ties by id (ascending)."""
    if n <= 0 or candidates.size == 0:
        return np.zeros(0, dtype=np.int64)
    c = counts[candidates]
    if candidates.size > n:
        cut = np.partition(c, c.size - n)[c.size - n]
        keep = c >= cut
        candidates, c = candidates[keep], c[keep]
    names = ids.take(pa.array(candidates)).to_numpy(zero_copy_only=False)
    order = np.lexsort((names, -c))
    return candidates[order][:n]


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


def _model_meta(a: Adoption, snap, rows: np.ndarray, columns: list[str]) -> pd.DataFrame:
    t = _model_columns(a, snap, columns)
    return t.take(pa.array(rows, type=pa.int64())).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def _owner_kinds(snap, owners, mapping: pd.DataFrame | None) -> pd.DataFrame:
    """Kind, route and reason of owners given by display name (:data:`~analysis.parts.owners.NO_OWNER` for legacy ids)."""
    return owners_mod.classify_snapshot_owners(snap, [None if o == owners_mod.NO_OWNER else o for o in owners], mapping)


def top_models(
    a: Adoption, snap, n: int = 20, mask: np.ndarray | None = None, mapping: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``tab-top-models``: the ``n`` covered models used by most spaces.

    Ties on the number of spaces are broken by model id (ascending); ``rank`` is
    the competition rank (tied models share it). ``mask`` (per models-table
    row) restricts the candidates, e.g. to a subfield.
    """
    cand = np.flatnonzero(a.covered & (a.spaces_per_model > 0) & (True if mask is None else mask))
    rows = _top_rows(a.spaces_per_model, a.model_ids, cand, n)
    meta = _model_meta(a, snap, rows, ["id", "owner", "pipeline_tag", "downloads", "likes"])
    spaces = a.spaces_per_model[rows]
    total = a.edges_in_scope
    owner = meta["owner"].astype(object).where(meta["owner"].notna(), owners_mod.NO_OWNER)
    kinds = _owner_kinds(snap, owner, mapping).set_index("owner")
    df = pd.DataFrame(
        {
            "rank": _rank(spaces),
            "model": meta["id"].to_numpy(),
            "spaces": spaces.astype("int64"),
            "usage_share_pct": (100.0 * spaces / total).round(3) if total else np.nan,
            "owner": owner.to_numpy(),
            "owner_kind": owner.map(kinds["kind"]).to_numpy(),
            "owner category": owner.map(kinds["category"]).to_numpy(),
            "kind_route": owner.map(kinds["route"]).to_numpy(),
            "task": meta["pipeline_tag"].astype(object).to_numpy(),
            "downloads": meta["downloads"].to_numpy(),
            "likes": meta["likes"].to_numpy(),
        }
    )
    return df


def _subfield_rows(a: Adoption, snap, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per subfield, those of the given models-table ``rows`` that belong to it (tags read only if needed)."""
    if rows.size == 0:
        return {sf: rows for sf in SUBFIELDS}
    tags = _model_columns(a, snap, ["tags", "pipeline_tag"]).take(pa.array(rows, type=pa.int64()))
    return {sf: rows[subfield_mask(tags, sf)] for sf in SUBFIELDS}


def top_models_subfields(a: Adoption, snap, n: int = 10, mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """``tab-top-models-subfields``: the ``n`` most-used models of each subfield."""
    frames = []
    for sf, rows in _subfield_rows(a, snap, np.flatnonzero(a.covered & (a.spaces_per_model > 0))).items():
        mask = np.zeros(a.n_models, dtype=bool)
        mask[rows] = True
        df = top_models(a, snap, n, mask=mask, mapping=mapping)
        df.insert(0, "subfield", sf)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def subfield_counts(a: Adoption, snap) -> pd.DataFrame:
    """Per subfield: covered models, used models, uses (edges) and share of all uses."""
    rows = []
    for sf, members in _subfield_rows(a, snap, np.flatnonzero(a.covered)).items():
        c = a.spaces_per_model[members]
        rows.append(
            {
                "subfield": sf,
                "covered_models": int(c.size),
                "models_used": int((c > 0).sum()),
                "models_used_pct": stats.percent(int((c > 0).sum()), c.size),
                "uses": int(c.sum()),
                "uses_share_pct": stats.percent(int(c.sum()), a.edges_in_scope),
            }
        )
    return pd.DataFrame(rows)


def owner_usage(a: Adoption, snap) -> pd.DataFrame:
    """Uses (edges) per owner over covered models, sorted by uses then owner name.

    Columns: ``owner``, ``models_used``, ``uses``, ``usage_share_pct``,
    ``cumulative_share_pct``.
    """
    used = np.flatnonzero(a.covered & (a.spaces_per_model > 0))
    if used.size == 0:
        return pd.DataFrame(
            {
                "owner": pd.Series([], dtype=object),
                "models_used": pd.Series([], dtype="int64"),
                "uses": pd.Series([], dtype="int64"),
                "usage_share_pct": [],
                "cumulative_share_pct": [],
            }
        )
    own = _model_columns(a, snap, ["owner"]).column("owner").take(pa.array(used, type=pa.int64()))
    own = pc.fill_null(own, owners_mod.NO_OWNER)
    t = pa.table({"owner": own, "uses": pa.array(a.spaces_per_model[used])})
    g = t.group_by("owner").aggregate([("uses", "sum"), ("uses", "count")]).to_pandas()
    g = g.rename(columns={"uses_sum": "uses", "uses_count": "models_used"})
    g = g.sort_values(["uses", "owner"], ascending=[False, True], kind="stable").reset_index(drop=True)
    total = g["uses"].sum()
    g["usage_share_pct"] = 100.0 * g["uses"] / total
    g["cumulative_share_pct"] = g["usage_share_pct"].cumsum()
    return g[["owner", "models_used", "uses", "usage_share_pct", "cumulative_share_pct"]].astype(
        {"models_used": "int64", "uses": "int64"}
    )


def owner_concentration(ou: pd.DataFrame) -> dict[str, Any]:
    """Concentration of uses among owners: top-5/top-10 shares, owners for half the uses, Gini."""
    if ou.empty:
        return {
            "owners": 0,
            "top1_owner_share_pct": None,
            "top5_owners_share_pct": None,
            "top10_owners_share_pct": None,
            "owners_for_half_pct": None,
            "gini": None,
        }
    cum = ou["cumulative_share_pct"].to_numpy()
    return {
        "owners": int(len(ou)),
        "top1_owner_share_pct": float(cum[0]),
        "top5_owners_share_pct": float(cum[min(4, len(cum) - 1)]),
        "top10_owners_share_pct": float(cum[min(9, len(cum) - 1)]),
        "owners_for_half_pct": int(np.searchsorted(cum, 50.0 - 1e-9) + 1),
        "gini": _nan_none(stats.gini(ou["uses"].to_numpy())),
    }


def top_owners(
    a: Adoption, snap, n: int = 15, ou: pd.DataFrame | None = None, mapping: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``tab-top-owners``: the ``n`` owners with most uses, with owner kind and route."""
    ou = owner_usage(a, snap) if ou is None else ou
    top = ou.head(n).copy()
    top.insert(0, "rank", np.arange(1, len(top) + 1, dtype="int64"))
    kinds = _owner_kinds(snap, top["owner"], mapping).set_index("owner")
    top["owner_kind"] = top["owner"].map(kinds["kind"])
    top["owner category"] = top["owner"].map(kinds["category"])
    top["kind_route"] = top["owner"].map(kinds["route"])
    top["usage_share_pct"] = top["usage_share_pct"].round(3)
    top["cumulative_share_pct"] = top["cumulative_share_pct"].round(3)
    return top.reset_index(drop=True)


def kind_shares(top: pd.DataFrame) -> dict[str, float]:
    """Share (%) of *all* uses held by the owners of ``top`` (a :func:`top_owners` frame), per owner kind."""
    out = {k: 0.0 for k in (*owners_mod.KINDS, owners_mod.UNCLASSIFIED)}
    for kind, share in top.groupby("owner_kind")["usage_share_pct"].sum().items():
        out[str(kind)] = float(share)
    return out


def kind_sentence(top: pd.DataFrame) -> str:
    """Who the top owners are, by kind, as a sentence (from :func:`top_owners`)."""
    if top.empty:
        return ""
    ks = kind_shares(top)
    n = len(top)
    counts = top["owner_kind"].value_counts()
    text = (
        f"The {n:,} owners shown hold {_fmt_pct(sum(ks.values()))} of all uses of covered models: organisations "
        f"({int(counts.get('organization', 0)):,} owners) {_fmt_pct(ks['organization'])}, individual users "
        f"({int(counts.get('user', 0)):,}) {_fmt_pct(ks['user'])}"
    )
    if counts.get(owners_mod.UNCLASSIFIED, 0):
        text += (
            f", and unclassified owners ({int(counts[owners_mod.UNCLASSIFIED]):,}) "
            f"{_fmt_pct(ks[owners_mod.UNCLASSIFIED])}; their kind is not known, so the split is a bound"
        )
    return text + "."


def owners_figure(top: pd.DataFrame):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.35 * len(top) + 1)))
    if len(top):
        y = np.arange(len(top))[::-1]
        vals = top["usage_share_pct"].to_numpy(dtype=float)
        by = "owner category" if "owner category" in top else "owner_kind"
        colors = CATEGORY_COLORS if by == "owner category" else KIND_COLORS
        ax.barh(y, vals, color=[colors.get(k, "#999999") for k in top[by]])
        for yi, v in zip(y, vals):
            ax.text(v, yi, f" {v:.1f}%", va="center", fontsize=8)
        ax.set_xlim(0, vals.max() * 1.15 if vals.max() > 0 else 1)
        ax.set_yticks(y, top["owner"])
        present = [k for k in colors if k in set(top[by])]
        ax.legend(
            handles=[Patch(color=colors[k], label=k) for k in present],
            title="owner category" if by == "owner category" else "owner kind",
            loc="lower right",
        )
    else:
        ax.text(0.5, 0.5, "no model is used by any space", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("share of all model uses in spaces (%)")
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def owner_kinds_shown(snap, *frames: pd.DataFrame, mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every owner shown in the given tables with its kind, route and reason."""
    shown = dict.fromkeys(o for f in frames for o in f["owner"])  # first-seen order, no duplicates
    kinds = _owner_kinds(snap, shown, mapping)
    kinds["route"] = pd.Categorical(kinds["route"], categories=list(owners_mod.ROUTES), ordered=True)
    kinds["_key"] = kinds["owner"].str.lower()
    kinds = kinds.sort_values(["route", "_key", "owner"], kind="stable").drop(columns="_key").reset_index(drop=True)
    kinds["route"] = kinds["route"].astype(str).map(owners_mod.ROUTE_LABELS)
    return kinds


# --------------------------------------------------------------------------- #
# co-usage (extension beyond the paper)
# --------------------------------------------------------------------------- #


def co_usage(a: Adoption, top: int = 20, cap: int = DEFAULT_PAIR_CAP) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Model-model projection of the space-model graph (in-scope edges only).

    Returns the ``top`` most frequent pairs (``model_a < model_b`` by id;
    ties broken by the pair's ids) with the number of spaces using both, each
    model's number of spaces and the Jaccard index, and a dict of summary
    figures: spaces with at least one covered model, how many use more than
    one, and how many were left out of the pair counts for using more than
    ``cap`` models.
    """
    import scipy.sparse as sps

    k = np.bincount(a.edge_space, minlength=len(a.space_ids)) if a.edge_space.size else np.zeros(0, np.int64)
    with_any = int((k > 0).sum())
    multi = int((k > 1).sum())
    capped = int((k > cap).sum())
    info = {
        "spaces_with_covered_model": with_any,
        "spaces_multi": multi,
        "spaces_multi_pct": stats.percent(multi, with_any),
        "spaces_over_cap": capped,
        "cap": cap,
        "pairs_distinct": 0,
    }
    empty = pd.DataFrame(
        {
            "model_a": pd.Series([], dtype=object),
            "model_b": pd.Series([], dtype=object),
            "spaces_together": pd.Series([], dtype="int64"),
            "spaces_a": pd.Series([], dtype="int64"),
            "spaces_b": pd.Series([], dtype="int64"),
            "jaccard": pd.Series([], dtype=float),
        }
    )
    if multi == 0:
        return empty, info
    keep = (k[a.edge_space] > 1) & (k[a.edge_space] <= cap)
    es, em = a.edge_space[keep], a.edge_model[keep]
    if es.size == 0:
        return empty, info
    su, s_loc = np.unique(es, return_inverse=True)
    mu, m_loc = np.unique(em, return_inverse=True)
    mat = sps.csr_matrix((np.ones(es.size, dtype=np.int32), (s_loc, m_loc)), shape=(su.size, mu.size))
    co = sps.triu(mat.T.tocsr() @ mat, k=1).tocoo()
    del mat
    info["pairs_distinct"] = int(co.nnz)
    if co.nnz == 0:
        return empty, info
    cnt = co.data.astype(np.int64)
    if cnt.size > top:
        cut = np.partition(cnt, cnt.size - top)[cnt.size - top]
        sel = cnt >= cut
    else:
        sel = np.ones(cnt.size, dtype=bool)
    ra, rb, c = mu[co.row[sel]], mu[co.col[sel]], cnt[sel]
    ids_a = a.model_ids.take(pa.array(ra)).to_numpy(zero_copy_only=False)
    ids_b = a.model_ids.take(pa.array(rb)).to_numpy(zero_copy_only=False)
    swap = ids_a > ids_b  # each pair in id order
    lo, hi = np.where(swap, ids_b, ids_a), np.where(swap, ids_a, ids_b)
    r_lo, r_hi = np.where(swap, rb, ra), np.where(swap, ra, rb)
    order = np.lexsort((hi, lo, -c))[:top]
    na, nb = a.spaces_per_model[r_lo[order]], a.spaces_per_model[r_hi[order]]
    cc = c[order]
    df = pd.DataFrame(
        {
            "model_a": lo[order],
            "model_b": hi[order],
            "spaces_together": cc,
            "spaces_a": na,
            "spaces_b": nb,
            "jaccard": np.round(cc / (na + nb - cc), 4),
        }
    )
    df.insert(0, "rank", _rank(cc))
    return df, info


# --------------------------------------------------------------------------- #
# headline numbers for Part IV
# --------------------------------------------------------------------------- #


# --------------------------------------------------------------------------- #
# capped fields: values piling up at a round maximum
# --------------------------------------------------------------------------- #

#: A count is "round" when it is 1, 2 or 5 times a power of ten, at least this.
ROUND_MIN = 50


def is_round(n: int) -> bool:
    """``n`` is 1, 2 or 5 times a power of ten and at least :data:`ROUND_MIN` (50, 100, 200, 500, 1,000...)."""
    if n < ROUND_MIN:
        return False
    while n % 10 == 0:
        n //= 10
    return n in (1, 2, 5)


def caps(a: Adoption) -> list[dict[str, Any]]:
    """Signs that the usage data come from a capped API field (the Hub's model_info lists at most a
    fixed number of spaces per model; a listing stops at a page limit), as the book flags a
    selection: ``[{"what", "cap", "count", "text"}]``, empty when there is none.

    - spaces per model: the largest count is round and two or more models have exactly it (a count
      that piles up at its maximum);
    - distinct spaces: the number of distinct spaces in the edges is round (1,000 exactly)."""
    out: list[dict[str, Any]] = []
    counts = a.covered_counts()
    if counts.size and counts.max() > 0:
        top = int(counts.max())
        at = int((counts == top).sum())
        if is_round(top) and at >= 2:
            out.append(
                {
                    "what": "spaces per model",
                    "cap": top,
                    "count": at,
                    "text": f"{at:,} models have exactly {top:,} spaces, the largest count: the spaces field of a "
                    f"model looks capped at {top:,}, so the most-used models' counts are lower bounds and the "
                    "concentration of use is understated",
                }
            )
    if a.spaces_in_edges and is_round(a.spaces_in_edges) and a.spaces_in_edges >= 1000:
        out.append(
            {
                "what": "distinct spaces",
                "cap": int(a.spaces_in_edges),
                "count": int(a.spaces_in_edges),
                "text": f"the edges hold exactly {a.spaces_in_edges:,} distinct spaces: a round total, the signature "
                "of a capped listing rather than of the Hub",
            }
        )
    return out


def cap_note(a: Adoption) -> str:
    """The caption's sentence on capped fields (empty when there is no sign of one)."""
    found = caps(a)
    if not found:
        return ""
    return "Possibly capped data: " + "; ".join(c["text"] for c in found) + "."


def flag_capped(top: pd.DataFrame, a: Adoption) -> pd.DataFrame:
    """``top`` (:func:`top_models`) with a column ``at a possible cap``: yes where a model's number of
    spaces is the value its field looks capped at (see :func:`caps`)."""
    cap = next((c["cap"] for c in caps(a) if c["what"] == "spaces per model"), None)
    out = top.copy()
    out["at a possible cap"] = ["yes" if cap is not None and int(n) == cap else "no" for n in out["spaces"]]
    return out


def headline(snap, a: Adoption | None = None) -> dict[str, Any]:
    """Headline adoption numbers of snapshot ``snap`` (for the paper comparison).

    Keys (``None`` where not covered or undefined):

    - ``models``: models in the snapshot;
    - ``models_covered``: models whose using spaces are known (see module doc);
    - ``models_used``: covered models used by at least one space;
    - ``models_used_pct``: ``models_used`` as % of ``models_covered``;
    - ``spaces_listed``: spaces in the spaces listing (None: no listing);
    - ``spaces_covered``: spaces with known model lists (None: no listing);
    - ``spaces_using_models``: covered spaces using at least one model;
    - ``spaces_using_models_pct``: as % of ``spaces_covered``;
    - ``edges``: distinct space-model edges; ``edges_in_scope``: those to covered models;
    - ``top1pct_usage_share_pct`` / ``top10pct_usage_share_pct``: share (%) of
      uses held by the top 1% / 10% of covered models;
    - ``gini_spaces_per_model``: Gini over covered models (zeros included);
    - ``top5_owners_usage_share_pct``: share (%) of uses held by the 5 owners
      with most uses;
    - ``top10_owners_org_share_pct`` / ``top10_owners_user_share_pct`` /
      ``top10_owners_unclassified_share_pct``: share (%) of all uses held by
      the organisations / users / unclassified owners among the 10 owners
      with most uses (kinds as in :mod:`analysis.parts.owners`);
    - ``model_coverage``: ``"all"``, ``"model_spaces"`` or ``"none"``;
    - ``coverage_note``: one sentence on what the numbers cover.
    """
    a = load(snap) if a is None else a
    conc = _concentration(a.covered_counts())
    ou = owner_usage(a, snap)
    oc = owner_concentration(ou)
    ks = kind_shares(top_owners(a, snap, 10, ou=ou)) if len(ou) else {}
    return {
        "models": a.n_models,
        "models_covered": a.models_covered,
        "models_used": a.models_used,
        "models_used_pct": stats.percent(a.models_used, a.models_covered),
        "spaces_listed": a.spaces_listed,
        "spaces_covered": a.spaces_covered,
        "spaces_using_models": a.spaces_using,
        "spaces_using_models_pct": stats.percent(a.spaces_using, a.spaces_covered),
        "edges": a.edges,
        "edges_in_scope": a.edges_in_scope,
        "top1pct_usage_share_pct": conc["top1_pct"],
        "top10pct_usage_share_pct": conc["top10_pct"],
        "gini_spaces_per_model": conc["gini"],
        "top5_owners_usage_share_pct": oc["top5_owners_share_pct"],
        "top10_owners_org_share_pct": ks.get("organization"),
        "top10_owners_user_share_pct": ks.get("user"),
        "top10_owners_unclassified_share_pct": ks.get(owners_mod.UNCLASSIFIED),
        "model_coverage": a.model_coverage,
        "coverage_note": a.coverage_note,
        "spaces_per_model_cap": next((c["cap"] for c in caps(a) if c["what"] == "spaces per model"), None),
        "caps_note": cap_note(a),
    }


# --------------------------------------------------------------------------- #
# sentences for the book
# --------------------------------------------------------------------------- #


def covers(a: Adoption) -> str:
    """The ``covers=`` text of Part III's tables and figures."""
    return a.coverage_note


def _fmt_pct(x) -> str:
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.1f}%"


def summary_sentences(a: Adoption) -> str:
    """Sentences stating the adoption summary (all numbers computed)."""
    used = a.models_used
    parts = [
        f"Of the {a.models_covered:,} models whose use in spaces is known, {used:,} "
        f"({_fmt_pct(stats.percent(used, a.models_covered))}) are used by at least one space."
    ]
    if used:
        conc = _concentration(a.covered_counts())
        parts.append(
            f"The top 1% of these models account for {_fmt_pct(conc['top1_pct'])} "
            f"of all {a.edges_in_scope:,} uses, the top 10% for "
            f"{_fmt_pct(conc['top10_pct'])} (Gini {conc['gini']:.3f})."
        )
    if a.spaces_covered is None:
        parts.append("The snapshot has no spaces listing, so the share of spaces that use a model is not covered.")
    else:
        parts.append(
            f"{a.spaces_using:,} of {a.spaces_covered:,} covered spaces "
            f"({_fmt_pct(stats.percent(a.spaces_using, a.spaces_covered))}) use at least one model."
        )
    return " ".join(parts)


def owner_sentences(oc: dict[str, Any]) -> str:
    """Concentration of uses among owners, as a sentence."""
    if not oc.get("owners"):
        return "No covered model is used by any space, so there is no concentration among owners to report."
    return (
        f"Uses of covered models are spread over {oc['owners']:,} owners; the top owner holds "
        f"{_fmt_pct(oc['top1_owner_share_pct'])} of all uses, the top 5 "
        f"{_fmt_pct(oc['top5_owners_share_pct'])}, the top 10 {_fmt_pct(oc['top10_owners_share_pct'])}, "
        f"and {oc['owners_for_half_pct']:,} owner(s) together hold half of all uses "
        f"(Gini over owners {oc['gini']:.3f})."
    )


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


def route_sentence(kinds: pd.DataFrame) -> str:
    """How many of the shown owners each route classified."""
    if kinds.empty:
        return "No owner is shown in this part."
    counts = kinds["route"].value_counts()
    parts = [
        f"{int(counts.get(owners_mod.ROUTE_LABELS[r], 0)):,} {owners_mod.ROUTE_LABELS[r]}" for r in owners_mod.ROUTES
    ]
    return f"Of the {len(kinds):,} owners shown in this part: " + "; ".join(parts) + "."


def classified_share(ou: pd.DataFrame, snap, mapping: pd.DataFrame | None = None, top: int = 50) -> dict[str, Any]:
    """How much of all use is by owners whose category is known (company, academic, non-profit,
    community, individual): over every owner, and among the ``top`` owners with most uses."""
    if ou.empty:
        return {"owners": 0, "top": 0, "top_classified": 0, "top_share_pct": None, "share_pct": None, "by": {}}
    kinds = _owner_kinds(snap, ou["owner"], mapping).set_index("owner")
    cat = ou["owner"].map(kinds["category"]).fillna(owners_mod.UNCLASSIFIED)
    known = cat != owners_mod.UNCLASSIFIED
    total = float(ou["uses"].sum())
    head = ou.head(top)
    head_known = known.iloc[: len(head)]
    by = {str(c): 100.0 * float(ou["uses"][cat == c].sum()) / total for c in owners_mod.CATEGORIES if (cat == c).any()}
    return {
        "owners": int(len(ou)),
        "top": int(len(head)),
        "top_classified": int(head_known.sum()),
        "top_share_pct": 100.0 * float(head["uses"][head_known].sum()) / total,
        "share_pct": 100.0 * float(ou["uses"][known].sum()) / total,
        "by": by,
    }


def classified_sentence(cs: dict[str, Any]) -> str:
    """The classified share of usage, in words (from :func:`classified_share`)."""
    if not cs["owners"]:
        return "No model is used by any space, so no owner is classified."
    parts = ", ".join(
        f"{c} {_fmt_pct(v)}" for c, v in sorted(cs["by"].items(), key=lambda kv: -kv[1]) if c != owners_mod.UNCLASSIFIED
    )
    return (
        f"Of the {cs['top']:,} owners with most uses, {cs['top_classified']:,} are classified by who is behind them "
        f"(the mapping file, with a source for each); owners whose category is known hold {_fmt_pct(cs['share_pct'])} "
        f"of all uses of covered models" + (f" ({parts})" if parts else "") + ", and the remaining "
        f"{_fmt_pct(100 - cs['share_pct'])} is held by owners not publicly known, left unclassified rather than "
        "guessed."
    )


def co_usage_sentences(a: Adoption, info: dict[str, Any]) -> str:
    """Sentences on co-usage (with the coverage caveat where model coverage is partial)."""
    if not info["spaces_with_covered_model"]:
        return "No space uses a covered model, so there is no co-usage to report."
    text = (
        f"Of the {info['spaces_with_covered_model']:,} spaces that use at least one covered model, "
        f"{info['spaces_multi']:,} ({_fmt_pct(info['spaces_multi_pct'])}) use more than one; "
        f"together they link {info['pairs_distinct']:,} distinct pair(s) of models."
    )
    if info["spaces_over_cap"]:
        text += (
            f" {info['spaces_over_cap']:,} space(s) using more than {info['cap']:,} models are left out "
            "of the pair counts (their pairs grow quadratically) but counted above."
        )
    if a.model_coverage != "all":
        text += (
            " Only uses of covered models are known here, so spaces may use more models than "
            "counted, and these shares are lower bounds."
        )
    return text


def subfield_sentence(counts: pd.DataFrame) -> str:
    """Which subfields hold most uses, and which have no used model (from :func:`subfield_counts`)."""
    if counts.empty:
        return ""
    parts = []
    used = counts[counts["uses"] > 0].sort_values("uses", ascending=False)
    if len(used):
        parts.append(
            "Of all uses of covered models, "
            + ", ".join(f"{_fmt_pct(r.uses_share_pct)} are of {r.subfield} models" for r in used.itertuples())
            + "."
        )
    none = counts.loc[counts["models_used"] == 0, "subfield"].tolist()
    if none:
        parts.append(
            f"No covered {' or '.join(none)} model is used by any space, so "
            f"{'that subfield has' if len(none) == 1 else 'those subfields have'} no rows below."
        )
    return " ".join(parts)
