"""The key actors of RQ2 and RQ3 by name: Part II's core developers, ranked, and the network drawing
with its most central developers labelled.

:func:`core_members` (``tab-core-members``) ranks the developers of a network's main k-core and of
its Borgatti-Everett core by coreness, then degree, then eigenvector centrality (undirected graph
without self-loops, as every core statistic of Part II), with the model repositories each commits
to and the downloads of those repositories (the Hub's rolling 30-day count at the snapshot date;
missing where the listing does not have the repository, never 0). :func:`label_drawing` names the
top developers of :func:`analysis.parts.network.network_figure`'s drawing, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.parts import network
from analysis.snapshot import Snapshot

#: How many developers the drawing names.
LABELLED = 12


def _eigenvector(net: network.Network) -> np.ndarray:
    """Eigenvector centrality (scaled to a maximum of 1) of the undirected simple graph."""
    g = net.graph()
    if g.ecount() == 0:
        return np.zeros(net.n)
    return np.asarray(g.eigenvector_centrality(scale=True), dtype=float)


def _repo_downloads(snap: Snapshot, repo_ids: np.ndarray) -> np.ndarray:
    """Downloads of each repository id (NaN where the models listing does not have it)."""
    models = snap.arrow("models", ["id", "downloads"])
    ids = pa.array([str(r) for r in repo_ids], pa.string())
    pos = pc.index_in(ids, value_set=models.column("id").combine_chunks()).to_numpy(zero_copy_only=False)
    dl = models.column("downloads").cast(pa.float64()).to_numpy()
    out = np.full(len(ids), np.nan)
    ok = ~pd.isna(pos)
    out[ok] = dl[pos[ok].astype(np.int64)]
    return out


def core_members(net: network.Network, snap: Snapshot, repo_ids: np.ndarray, top: int = 25) -> pd.DataFrame:
    """``tab-core-members``: the developers of the main k-core and the Borgatti-Everett core, ranked
    by coreness, degree and eigenvector centrality (``top`` rows), with their repositories' downloads."""
    cp = network.core_periphery(net)
    coreness, degree = np.asarray(cp["coreness"]), np.asarray(cp["degree"])
    kmax = int(coreness.max()) if net.n else 0
    members = np.flatnonzero(((coreness == kmax) & (kmax > 0)) | np.asarray(cp["be_core"], bool))
    eig = _eigenvector(net)
    order = members[np.lexsort((net.names[members].astype(str), -eig[members], -degree[members], -coreness[members]))]
    order = order[:top]
    ra = net.repo_author
    dl = _repo_downloads(snap, repo_ids)
    rows = []
    for rank, node in enumerate(order, 1):
        repos = ra[ra[:, 1] == node, 0]
        d = dl[repos]
        known = d[~np.isnan(d)]
        best = repos[np.nanargmax(d)] if known.size else None
        rows.append(
            {
                "rank": rank,
                "developer": str(net.names[node]),
                "core": ", ".join(
                    x
                    for x, on in (("main k-core", coreness[node] == kmax), ("Borgatti-Everett", cp["be_core"][node]))
                    if on
                ),
                "coreness": int(coreness[node]),
                "degree": int(degree[node]),
                "eigenvector centrality": round(float(eig[node]), 3),
                "model repositories": int(repos.size),
                "downloads of its repositories (30 days)": int(known.sum()) if known.size else None,
                "most downloaded repository": str(repo_ids[best]) if best is not None else "",
            }
        )
    df = pd.DataFrame(rows)
    if len(df):
        df["downloads of its repositories (30 days)"] = df["downloads of its repositories (30 days)"].astype("Int64")
    return df


def members_sentence(table: pd.DataFrame, net: network.Network, *, name: Callable[[Any], str]) -> str:
    """Who the core is, from :func:`core_members` (the text follows the table). ``name`` renders a
    developer's or repository's name (a string from the Hub) for the page: a safe code span
    (``publish.md_code``), never the raw name."""
    if table.empty:
        return "This network has no tie between distinct developers, so it has no core to name."
    lead = table.iloc[0]
    most = table.dropna(subset=["downloads of its repositories (30 days)"])
    text = (
        f"The {len(table):,} core developers listed are led by {name(lead['developer'])} (coreness {lead['coreness']}, "
        f"degree {lead['degree']}, {lead['model repositories']:,} model repositories)."
    )
    if len(most):
        top = most.sort_values("downloads of its repositories (30 days)", ascending=False).iloc[0]
        text += (
            f" Among them, the repositories of {name(top['developer'])} have the most downloads "
            f"({int(top['downloads of its repositories (30 days)']):,} in 30 days; most downloaded: "
            f"{name(top['most downloaded repository'])})."
        )
    return text


def label_drawing(fig: Any, data: pd.DataFrame, n: int = LABELLED) -> list[str]:
    """Name the ``n`` developers of highest coreness, then degree, on the drawing of
    :func:`analysis.parts.network.network_figure` (its ``data``); returns the names, in that order."""
    if data.empty or not fig.axes:
        return []
    ax = fig.axes[0]
    top = data.sort_values(["coreness", "degree", "developer"], ascending=[False, False, True]).head(n)
    # labels on a ring around the drawing, in the order of their nodes' angles, joined by a line:
    # a dense core would otherwise put every name on top of another
    cx, cy = float(data["x"].mean()), float(data["y"].mean())
    radius = float(np.hypot(data["x"] - cx, data["y"] - cy).max()) * 1.25 or 1.0
    angles = np.arctan2(top["y"].to_numpy() - cy, top["x"].to_numpy() - cx)
    order = np.argsort(angles)
    spread = angles[order][0] + np.arange(len(order)) * 2 * np.pi / max(len(order), 1)
    for slot, i in zip(spread, order):
        row = top.iloc[i]
        lx, ly = cx + radius * np.cos(slot), cy + radius * np.sin(slot)
        ax.annotate(
            str(row["developer"]),
            (row["x"], row["y"]),
            xytext=(lx, ly),
            textcoords="data",
            ha="left" if np.cos(slot) >= 0 else "right",
            va="center",
            fontsize=10,
            arrowprops={"arrowstyle": "-", "color": "#333333", "lw": 0.6, "alpha": 0.7},
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
        )
    pad = radius * 1.6
    ax.set_xlim(cx - pad, cx + pad)
    ax.set_ylim(cy - pad, cy + pad)
    legend = ax.get_legend()
    if legend is not None:
        legend.set_title(f"named: top {len(top)} by coreness, then degree")
    return [str(d) for d in top["developer"]]
