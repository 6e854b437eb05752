"""Part III's uses by owner: uses per owner and their concentration, ``tab-top-owners`` with each owner's
kind and category, the owners figure, the owners shown with their classification route, and the
share of use by owners whose category is known."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import stats
from analysis.parts import owners as owners_mod
from analysis.parts.adoption.usage import Adoption, _fmt_pct, _model_columns, _nan_none, _owner_kinds
from analysis.style import CATEGORY_COLORS, KIND_COLORS


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
