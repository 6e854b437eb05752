"""Part III's most-used models: ``tab-top-models`` (with each owner's kind and category), the same
per subfield (``tab-top-models-subfields``) and the uses per subfield."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import stats
from analysis.parts import owners as owners_mod
from analysis.parts.adoption.usage import Adoption, _fmt_pct, _model_columns, _owner_kinds
from analysis.subfields import SUBFIELDS, subfield_mask


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


def _model_meta(a: Adoption, snap, rows: np.ndarray, columns: list[str]) -> pd.DataFrame:
    t = _model_columns(a, snap, columns)
    return t.take(pa.array(rows, type=pa.int64())).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


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
