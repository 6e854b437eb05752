"""Part II's figures: degree distributions, a drawing of the network, reciprocity by coreness."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from analysis.parts.network.construction import Network
from analysis.parts.network.part import Part2
from analysis.parts.network.statistics import (
    RECIPROCITY_NAME,
    core_periphery,
    degree_distribution,
    reciprocity_by_position,
)
from analysis.stats import ccdf


def degree_figure(p: Part2):
    """In- and out-degree CCDFs (log-log) of both networks."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), sharey=True)
    data = []
    for ax, col, title in zip(axes, ("in_degree", "out_degree"), ("in-degree", "out-degree")):
        for net, style in ((p.reproduction, "-"), (p.cleaned, "--")):
            d = degree_distribution(net)
            c = ccdf(d[col])
            if len(c):
                ax.loglog(c["value"], c["ccdf"], style, marker=".", ms=3, label=f"{net.label} network")
            c = c.assign(network=net.label, degree=col)
            data.append(c)
        ax.set_xlabel(f"{title} (distinct co-developers, log scale)")
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("share of developers with degree ≥ k (log scale)")
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig, pd.concat(data, ignore_index=True) if data else pd.DataFrame()


def drawing_nodes(net: Network, max_nodes: int = 300) -> tuple[np.ndarray, str]:
    """Nodes to draw: the largest component without isolates, or the main cores if too large."""
    cp = core_periphery(net)
    keep = ~cp["isolate"]
    if not keep.any():
        return np.zeros(0, np.int64), "no developer has a tie to another"
    sub = net.undirected()
    _, lab = connected_components(sub, directed=False)
    big = np.bincount(lab[keep]).argmax()
    comp = keep & (lab == big)
    if comp.sum() <= max_nodes:
        return np.flatnonzero(comp), f"the largest component ({int(comp.sum()):,} developers)"
    core = cp["coreness"]
    for k in range(1, int(core.max()) + 1):
        sel = comp & (core >= k)
        if sel.sum() <= max_nodes:
            return np.flatnonzero(sel), (
                f"the developers of coreness {k} or more in the largest component "
                f"({int(sel.sum()):,} of {int(comp.sum()):,})"
            )
    kmax = int(core.max())
    sel = np.flatnonzero(comp & (core == kmax))
    deg = cp["degree"][sel]
    sel = sel[np.argsort(-deg, kind="stable")[:max_nodes]]
    return np.sort(sel), f"the {len(sel):,} highest-degree developers of the main core"


def network_figure(net: Network, max_nodes: int = 300, seed: int = 42):
    """A drawing of the network without isolates, BE core and periphery marked (seeded layout)."""
    import matplotlib.pyplot as plt
    import networkx as nx

    cp = core_periphery(net)
    nodes, what = drawing_nodes(net, max_nodes)
    fig, ax = plt.subplots(figsize=(8, 8))
    ax.set_axis_off()
    if len(nodes) == 0:
        ax.text(0.5, 0.5, "no ties between distinct developers", ha="center", va="center")
        return fig, what, pd.DataFrame()
    inset = np.zeros(net.n, bool)
    inset[nodes] = True
    e = inset[net.src] & inset[net.dst] & ~net.loops
    G = nx.DiGraph()
    G.add_nodes_from(nodes.tolist())
    G.add_weighted_edges_from(zip(net.src[e].tolist(), net.dst[e].tolist(), net.weight[e].tolist()))
    undirected = G.to_undirected()
    pos = nx.spring_layout(undirected, seed=seed, k=1.5 / np.sqrt(max(len(nodes), 1)), iterations=100)
    core = cp["be_core"][nodes]
    colors = np.where(core, "#d62728", "#7f7f7f")
    deg = cp["degree"][nodes]
    sizes = 10 + 60 * np.log1p(deg) / max(np.log1p(deg).max(), 1)
    nx.draw_networkx_edges(undirected, pos, ax=ax, alpha=0.25, width=0.5, arrows=False, edge_color="#555555")
    nx.draw_networkx_nodes(
        G, pos, nodelist=nodes.tolist(), node_color=colors.tolist(), node_size=sizes.tolist(), ax=ax, linewidths=0
    )
    from matplotlib.lines import Line2D

    ax.legend(
        handles=[
            Line2D([], [], marker="o", ls="", color="#d62728", label="core (Borgatti-Everett fit)"),
            Line2D([], [], marker="o", ls="", color="#7f7f7f", label="periphery"),
        ],
        loc="lower left",
        fontsize=8,
        frameon=False,
    )
    data = pd.DataFrame(
        {
            "developer": net.names[nodes],
            "x": [pos[i][0] for i in nodes],
            "y": [pos[i][1] for i in nodes],
            "be_core": core,
            "coreness": cp["coreness"][nodes],
            "degree": deg,
        }
    )
    return fig, what, data


def reciprocity_figure(p: Part2):
    """Reciprocity between distinct developers by coreness bin, for both networks."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    frames = []
    for ax, net in zip(axes, (p.reproduction, p.cleaned)):
        d = reciprocity_by_position(net)
        x = np.arange(len(d))
        d = d.drop(columns="reciprocity_with_loops")  # the book's one reciprocity: between distinct developers
        ax.bar(x, d["reciprocity"].fillna(0), width=0.6, color="#1f77b4", label=RECIPROCITY_NAME)
        for xi, n in zip(x, d["developers"]):
            ax.text(xi, 1.02, f"{n:,}", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(x, d["coreness"], fontsize=8)
        ax.set_title(f"{net.label} network")
        ax.set_xlabel("coreness of the developer (k-core number)")
        ax.set_ylim(0, 1.15)
        frames.append(d.assign(network=net.label))
    axes[0].set_ylabel("share of edges reciprocated")
    axes[0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig, pd.concat(frames, ignore_index=True)
