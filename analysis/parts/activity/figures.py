"""Part I's figures: the activity CCDFs by repository type (``fig-activity-ccdf``), the Lorenz and
top-share curves (``fig-activity-lorenz``) and the CCDFs by license group; each returns the figure
and the table of what it plots."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import stats
from analysis.parts import licenses
from analysis.parts.activity.loading import MEASURE_LABELS, MEASURES, OK, RepoActivity


def _thin_log(values: np.ndarray, ccdf: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    if values.size <= max_points:
        return values, ccdf
    edges = np.geomspace(values[0], values[-1], max_points)
    idx = np.unique(np.concatenate([np.searchsorted(values, edges), [values.size - 1]]))
    idx = idx[idx < values.size]
    return values[idx], ccdf[idx]


def _ccdf_points(values: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`analysis.stats.ccdf` of the values, thinned on a log grid (empty when none is positive)."""
    c = stats.ccdf(values)
    return _thin_log(c["value"].to_numpy(), c["ccdf"].to_numpy(), max_points)


def ccdf_data(acts: dict[str, RepoActivity], measures: Sequence[str] = MEASURES, max_points: int = 400) -> pd.DataFrame:
    """Long table (measure, repository type, value, ccdf) thinned on a log grid for plotting.

    ccdf is P(X >= value) over all repositories with a known value (zeros
    count in the denominator; they cannot be drawn on a log axis).
    """
    parts = []
    for m in measures:
        for t, a in acts.items():
            x, y = _ccdf_points(a.values(m), max_points)
            if x.size == 0:
                continue
            parts.append(pd.DataFrame({"measure": MEASURE_LABELS[m], "repository type": t, "value": x, "ccdf": y}))
    if not parts:
        return pd.DataFrame(columns=["measure", "repository type", "value", "ccdf"])
    return pd.concat(parts, ignore_index=True)


def _tidy_log_axis(ax) -> None:
    """Readable labels on log axes that span less than two decades (no "2×10⁰" minor labels)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        lo, hi = sorted(lim)
        if lo > 0 and hi / lo < 100:
            fmt = FuncFormatter(lambda v, _: f"{v:g}")
            axis.set_major_formatter(fmt)
            axis.set_minor_formatter(fmt)
        else:
            axis.set_minor_formatter(NullFormatter())


def _seaborn_lines(ax, frame: pd.DataFrame, x: str, y: str, hue: str, colors: dict, labels: dict, log: str = "xy"):
    """One line per ``hue`` value of ``frame``, drawn by seaborn's ``lineplot`` (every point as it is:
    no estimator, no error band), coloured by ``colors`` and named by ``labels`` (hue value ->
    legend text, in legend order); ``log``: which axes are logarithmic."""
    import seaborn as sns

    present = set(frame[hue]) if len(frame) else set()
    order = [h for h in labels if h in present]
    if not order:
        return
    d = frame[frame[hue].isin(order)].assign(_line=lambda f: f[hue].map(labels))
    sns.lineplot(
        data=d,
        x=x,
        y=y,
        hue="_line",
        hue_order=[labels[h] for h in order],
        palette={labels[h]: colors.get(h, "0.5") for h in order},
        estimator=None,
        errorbar=None,
        sort=False,
        lw=1.5,
        ax=ax,
    )
    if "x" in log:
        ax.set_xscale("log")
    if "y" in log:
        ax.set_yscale("log")


def _status_note(acts: dict[str, RepoActivity], m: str) -> str:
    bits = [f"{t}: {a.status[m]}" for t, a in acts.items() if a.status[m] != OK]
    bits += [
        f"{t}: all zero"
        for t, a in acts.items()
        if a.status[m] == OK and a.values(m).size and not (a.values(m) > 0).any()
    ]
    return "\n".join(bits)


def ccdf_figure(acts: dict[str, RepoActivity], measures: Sequence[str] = MEASURES):
    """Log-log CCDFs, one panel per measure and one line per repository type.

    Returns (figure, data) where data is the plotted (thinned) table.
    """
    import matplotlib.pyplot as plt

    from analysis.style import REPO_TYPE_COLORS

    data = ccdf_data(acts, measures)
    ncols = 3
    nrows = int(np.ceil(len(measures) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
    for ax, m in zip(axes.flat, measures):
        sub = data[data["measure"] == MEASURE_LABELS[m]]
        labels = {t: f"{t} (N = {acts[t].covered[m]:,})" for t in acts}
        _seaborn_lines(ax, sub, "value", "ccdf", "repository type", REPO_TYPE_COLORS, labels)
        ax.set_title(MEASURE_LABELS[m])
        ax.set_xlabel("value x")
        ax.set_ylabel("P(X ≥ x)")
        note = _status_note(acts, m)
        if len(sub):
            ax.legend(fontsize=7, loc="lower left")
            ax.grid(True, which="major", alpha=0.3)
            _tidy_log_axis(ax)
            if note:
                ax.text(0.98, 0.98, note, transform=ax.transAxes, ha="right", va="top", fontsize=7, color="0.35")
        else:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.text(
                0.5,
                0.5,
                note or "no positive values",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=9,
                color="0.35",
            )
    for ax in list(axes.flat)[len(measures) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig, data


def top_share_curve(values: np.ndarray, points: int = 200) -> pd.DataFrame:
    """Share of the total held by the top q of units, at log-spaced q from 1/n to 1.

    The full :func:`analysis.stats.lorenz` curve read from the top: the top k
    of n units hold 1 minus the share of the bottom n - k.
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n == 0 or v.sum() == 0:
        return pd.DataFrame({"top_fraction": [], "share": []})
    bottom = stats.lorenz(v, points=None)["value_share"].to_numpy()
    k = np.unique(np.round(np.geomspace(1, n, points)).astype(int))
    return pd.DataFrame({"top_fraction": k / n, "share": 1.0 - bottom[n - k]})


def lorenz_figure(acts: dict[str, RepoActivity], measures: Sequence[str] = ("downloads", "likes")):
    """Concentration of each measure, one column per measure, one line per repository type.

    Top row: Lorenz curves (share of the total held by the bottom p of
    repositories), with the point where the top 1% begins marked. Bottom row:
    the same information from the top, on a log axis - the share held by the
    top q of repositories - where the top-1% share is read off at q = 1%.
    Returns (figure, data); data has both curves and the top-1% shares.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from analysis.style import REPO_TYPE_COLORS

    fig, axes = plt.subplots(2, len(measures), figsize=(5.2 * len(measures), 8.4), squeeze=False)
    parts = []
    for col, m in enumerate(measures):
        ax, ax2 = axes[0, col], axes[1, col]
        ax.plot([0, 1], [0, 1], color="0.6", ls=":", lw=1, label="equality")
        ax.axvline(0.99, color="0.4", ls="--", lw=0.8)
        ax2.axvline(0.01, color="0.4", ls="--", lw=0.8)
        texts = []
        curves, gini_labels = [], {}
        for t, a in acts.items():
            v = a.values(m)
            if v.size == 0 or v.sum() == 0:
                continue
            color = REPO_TYPE_COLORS.get(t)
            lz = stats.lorenz(v, points=2000)
            top1 = stats.top_share(v, 0.01)
            gini_labels[t] = f"{t} (Gini {stats.gini(v):.3f})"
            tc = top_share_curve(v)
            curves.append((t, lz, tc))
            ax.plot([0.99], [1 - top1], "o", color=color, ms=5)
            ax2.plot([0.01], [100 * top1], "o", color=color, ms=5)
            ax2.annotate(
                f"{100 * top1:.1f}%",
                (0.01, 100 * top1),
                textcoords="offset points",
                xytext=(6, -10),
                fontsize=8,
                color=color,
            )
            texts.append(f"{t}: top 1% hold {100 * top1:.1f}%")
            parts.append(
                lz.rename(columns={"population_share": "x", "value_share": "y"}).assign(
                    curve="lorenz", measure=MEASURE_LABELS[m], **{"repository type": t}, top1_share=top1
                )
            )
            parts.append(
                tc.rename(columns={"top_fraction": "x", "share": "y"}).assign(
                    curve="top share", measure=MEASURE_LABELS[m], **{"repository type": t}, top1_share=top1
                )
            )
        if curves:
            lorenz_lines = pd.concat([lz.assign(t=t) for t, lz, _ in curves], ignore_index=True)
            _seaborn_lines(ax, lorenz_lines, "population_share", "value_share", "t", REPO_TYPE_COLORS, gini_labels, "")
            top_lines = pd.concat([tc.assign(t=t, pct=100 * tc["share"]) for t, _, tc in curves], ignore_index=True)
            _seaborn_lines(
                ax2, top_lines, "top_fraction", "pct", "t", REPO_TYPE_COLORS, {t: t for t, _, _ in curves}, "x"
            )
        note = _status_note(acts, m)
        ax.text(0.03, 0.97, "\n".join(texts + ([note] if note else [])), transform=ax.transAxes, va="top", fontsize=8)
        ax.set_title(f"{MEASURE_LABELS[m]}: Lorenz curve")
        ax.set_xlabel("share of repositories, least to most")
        ax.set_ylabel(f"cumulative share of all {MEASURE_LABELS[m]}")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.legend(fontsize=8, loc="center left")
        ax2.set_title(f"{MEASURE_LABELS[m]}: share held by the top repositories")
        ax2.set_xlabel("top share of repositories (log scale)")
        ax2.set_ylabel(f"% of all {MEASURE_LABELS[m]}")
        ax2.set_ylim(0, 101)
        ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
        ax2.grid(True, which="major", alpha=0.3)
        if ax2.lines:
            ax2.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    cols = ["measure", "repository type", "curve", "x", "y", "top1_share"]
    data = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
    return fig, data


def license_distribution_figure(
    models: RepoActivity, group_col: str = "group", measures: Sequence[str] = MEASURES, max_points: int = 300
):
    """CCDF of each available measure by license group (model repositories).

    Returns (figure, data).
    """
    import matplotlib.pyplot as plt

    from analysis.style import LICENSE_GROUP_COLORS

    avail = [m for m in measures if models.status.get(m) == OK]
    ncols = min(3, max(1, len(avail)))
    nrows = max(1, int(np.ceil(len(avail) / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
    order = licenses.group_names(licenses.MAIN if group_col == "group" else licenses.ALTERNATIVE)
    parts = []
    codes, glabels = licenses._group_codes(models.data[group_col])
    for ax, m in zip(axes.flat, avail):
        v = models.data[m].to_numpy(dtype=float)
        lines, labels = [], {}
        for grp in order:
            if grp not in glabels:
                continue
            sel = (codes == glabels.index(grp)) & ~np.isnan(v)
            x, y = _ccdf_points(v[sel], max_points)
            if x.size == 0:
                continue
            labels[grp] = f"{grp} (N = {int(sel.sum()):,}, median {float(np.median(v[sel])):g})"
            lines.append(pd.DataFrame({"measure": MEASURE_LABELS[m], "license group": grp, "value": x, "ccdf": y}))
        if lines:
            _seaborn_lines(
                ax, pd.concat(lines, ignore_index=True), "value", "ccdf", "license group", LICENSE_GROUP_COLORS, labels
            )
        parts += lines
        ax.set_title(MEASURE_LABELS[m])
        ax.set_xlabel("value x")
        ax.set_ylabel("P(X ≥ x)")
        ax.legend(fontsize=7, loc="lower left")
        ax.grid(True, which="major", alpha=0.3)
        _tidy_log_axis(ax)
    for ax in list(axes.flat)[len(avail) :]:
        ax.axis("off")
    fig.tight_layout()
    cols = ["measure", "license group", "value", "ccdf"]
    data = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    return fig, data
