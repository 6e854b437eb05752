"""Part V: the Hub over time, from the creation dates of one snapshot (an extension beyond the paper).

A snapshot is one photograph, but every repository in it carries its creation date, so some of
the Hub's history can be read back from it:

- :func:`growth`: repositories created per month and cumulatively, per repository type. The
  Hub gave every repository older than its March 2022 migration the same placeholder creation
  time (2022-03-02 23:29 UTC); those are one bar of their own (``period`` = ``PLACEHOLDER``),
  never spread over months, and repositories without a creation date are counted apart.
- :func:`cohorts`: for each creation cohort (year or quarter), the share with zero downloads,
  the top-1% share and Gini of downloads and likes, the license-group mix, and, where commits
  are covered, the share of covered model repositories with a single commit author.
- :func:`as_of_series`: what can be reconstructed as of earlier dates (counts per type, license
  shares, the concentration of likes among repositories that existed by then).
- :func:`owner_concentration`: downloads and likes by owner, Hub-wide from the listing.
- :func:`findings` (declared for ``part5_history``): the counts created by and after the paper's date
  and the owner concentration, as ``findings.json`` records them.

What a single snapshot cannot show is said with each result (:data:`NOT_RECONSTRUCTABLE`):
downloads are the 30 days before the snapshot date and likes are counted at the snapshot date,
whatever the cohort; deleted repositories are not in the snapshot at all.

Everything is vectorised over Arrow and numpy; the listings are read once (:func:`load`, in
:mod:`analysis.parts.history_listing`, re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import arrays, finding, stats
from analysis.parts import owners as owners_mod
from analysis.parts.history_listing import (  # noqa: F401 (the listings, read once: re-exported)
    LISTING_COLUMNS,
    NO_DATE,
    NO_DATE_CODE,
    PH_CODE,
    PLACEHOLDER,
    PLACEHOLDER_END,
    PLACEHOLDER_START,
    Listing,
    coverage_text,
    listed_types,
    load,
    load_type,
    month_codes,
)
from analysis.snapshot import Snapshot
from analysis.snapshot.schema import REPO_TABLES

FREQUENCIES = {"year": "Y", "quarter": "Q", "month": "M"}
#: Commit authors that are not people (as Part I's default): not counted as authors.
DEFAULT_IGNORE_AUTHORS: tuple[str, ...] = ("system",)

#: Quantities of the paper that one snapshot cannot give as of an earlier date, and why.
NOT_RECONSTRUCTABLE: list[tuple[str, str]] = [
    (
        "downloads as of an earlier date (share with zero downloads, top-1% share)",
        "the API's downloads are the 30 days before the snapshot date; earlier counts are not in any listing",
    ),
    (
        "likes as of an earlier date",
        "likes are counted at the snapshot date; the as-of series uses them for the repositories that existed "
        "by then, which is the concentration among those repositories today, not then",
    ),
    (
        "repositories deleted or made private since",
        "a snapshot lists only what existed and was public at its date; as-of counts are lower bounds",
    ),
    (
        "repositories older than March 2022, by month",
        "the Hub gave them one placeholder creation date; they can be counted, not dated",
    ),
    (
        "the collaboration network as of an earlier date",
        "commits carry dates, but the authors' construction uses a repository's whole author set; "
        "a dated network is a different construction (not attempted here)",
    ),
]


# --------------------------------------------------------------------------- #
# periods
# --------------------------------------------------------------------------- #


def period_codes(month: np.ndarray, freq: str = "month") -> np.ndarray:
    """Period code of each repository from its month code: months, quarters (month // 3) or years
    (month // 12) since 1970; the placeholder and unknown codes are kept."""
    if freq not in FREQUENCIES:
        raise ValueError(f"frequency {freq!r}; expected one of {', '.join(FREQUENCIES)}")
    div = {"month": 1, "quarter": 3, "year": 12}[freq]
    return np.where(month >= 0, month // div, month)


def period_label(code: int, freq: str = "month") -> str:
    """``2023-10``, ``2023Q4`` or ``2023`` for a period code; :data:`PLACEHOLDER` or :data:`NO_DATE`."""
    if code == PH_CODE:
        return PLACEHOLDER
    if code == NO_DATE_CODE:
        return NO_DATE
    if freq == "month":
        return f"{1970 + code // 12}-{code % 12 + 1:02d}"
    if freq == "quarter":
        return f"{1970 + code // 4}Q{code % 4 + 1}"
    return str(1970 + code)


def period_labels(month: np.ndarray, freq: str = "month") -> list[str]:
    """The creation period of each repository as text (small inputs; the tables use codes)."""
    return [period_label(int(c), freq) for c in period_codes(month, freq)]


def _label_key(label: str) -> tuple[int, str]:
    """Sort key of period labels: the placeholder first, dated periods in order, no date last."""
    return (0, "") if label == PLACEHOLDER else (2, "") if label == NO_DATE else (1, label)


def _ordered_codes(codes: np.ndarray) -> list[int]:
    """Distinct period codes: the placeholder first, dated periods in order, no date last."""
    u = set(arrays.unique(codes).tolist())
    dated = sorted(c for c in u if c >= 0)
    return ([PH_CODE] if PH_CODE in u else []) + dated + ([NO_DATE_CODE] if NO_DATE_CODE in u else [])


# --------------------------------------------------------------------------- #
# growth
# --------------------------------------------------------------------------- #

GROWTH_COLUMNS = ["repo_type", "period", "created", "cumulative", "share_of_listing_pct"]


def growth(listings: dict[str, Listing], freq: str = "month") -> pd.DataFrame:
    """Repositories created per period and cumulatively, per type (placeholder first, undated last).

    ``cumulative`` counts every repository created in or before the period, the placeholder
    ones included (they are older than every dated month); undated ones are not in it.
    """
    rows = []
    for t in listed_types(listings):
        lst = listings[t]
        codes = period_codes(lst.month, freq)
        values, counts = np.unique(codes, return_counts=True)
        count_of = dict(zip(values.tolist(), counts.tolist()))
        run = 0
        for code in _ordered_codes(codes):
            c = int(count_of[code])
            period = period_label(code, freq)
            if period != NO_DATE:
                run += c
            rows.append(
                {
                    "repo_type": t,
                    "period": period,
                    "created": c,
                    "cumulative": run if period != NO_DATE else pd.NA,
                    "share_of_listing_pct": 100.0 * c / lst.n,
                }
            )
    return pd.DataFrame(rows, columns=GROWTH_COLUMNS).astype({"cumulative": "Int64"})


def growth_figure(table: pd.DataFrame, paper_date: str | None = None):
    """Monthly creations (bars; the placeholder as its own bar) and the cumulative count, per type."""
    import matplotlib.pyplot as plt

    from analysis.style import REPO_TYPE_COLORS

    types = list(dict.fromkeys(table["repo_type"]))
    fig, axes = plt.subplots(2, 1, figsize=(8, 6.4), sharex=False)
    if not types:
        for ax in axes:
            ax.text(0.5, 0.5, "no listing in this snapshot", ha="center", va="center", transform=ax.transAxes)
        return fig
    dated = table[~table["period"].isin([PLACEHOLDER, NO_DATE])].copy()
    dated["start"] = pd.PeriodIndex(dated["period"], freq="M").to_timestamp()
    width = 25 / len(types)
    for i, t in enumerate(types):
        d = dated[dated["repo_type"] == t]
        color = REPO_TYPE_COLORS.get(t)
        offset = pd.to_timedelta((i - (len(types) - 1) / 2) * width, unit="D")
        axes[0].bar(d["start"] + offset, d["created"], width=width, color=color, label=t)
        axes[1].plot(d["start"], d["cumulative"].astype(float), color=color, lw=1.8, label=t)
        ph = table[(table["repo_type"] == t) & (table["period"] == PLACEHOLDER)]
        if len(ph):
            first = d["start"].min() if len(d) else PLACEHOLDER_START.tz_localize(None)
            axes[0].bar(
                first - pd.Timedelta(days=75) + offset,
                int(ph["created"].iloc[0]),
                width=width,
                color=color,
                hatch="//",
                edgecolor="black",
                lw=0.4,
            )
    ph_any = (table["period"] == PLACEHOLDER).any()
    axes[0].set_ylabel("repositories created per month")
    title = "Repositories created per month"
    if ph_any:
        title += " (hatched bar: the Hub's placeholder date, repositories created before March 2022)"
    axes[0].set_title(title, fontsize=9)
    axes[1].set_ylabel("repositories (cumulative)")
    axes[1].set_title("Cumulative count (placeholder-dated repositories included from the start)", fontsize=9)
    for ax in axes:
        if paper_date:
            ax.axvline(pd.Timestamp(paper_date), color="black", ls="--", lw=1)
            ax.text(pd.Timestamp(paper_date), ax.get_ylim()[1] * 0.95, " paper's date", fontsize=8, va="top", ha="left")
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- #
# cohorts
# --------------------------------------------------------------------------- #


def _top1(v: np.ndarray) -> float:
    v = v[~np.isnan(v)]
    return 100.0 * stats.top_share(v, 0.01) if v.size and v.sum() > 0 else float("nan")


def _gini(v: np.ndarray) -> float:
    v = v[~np.isnan(v)]
    return stats.gini(v) if v.size else float("nan")


def _pct(mask: np.ndarray, known: np.ndarray) -> float:
    n = int(known.sum())
    return 100.0 * int((mask & known).sum()) / n if n else float("nan")


def single_author_repos(
    snap: Snapshot, ignore_authors: Sequence[str] = DEFAULT_IGNORE_AUTHORS
) -> tuple[pa.Array, np.ndarray] | None:
    """Model repositories covered by the commits step, with their number of distinct commit
    authors (``ignore_authors`` left out): ``(ids, authors)``, or None where none is covered.

    Repository ids and author names are read dictionary-encoded; distinct (repository, author)
    pairs are counted on integer keys, so no author list becomes a Python object."""
    import pyarrow.parquet as pq

    from analysis.snapshot.schema import table_file

    cov = snap.arrow("repo_coverage", ["repo_id"], filters=[("step", "==", "commits"), ("repo_type", "==", "model")])
    if cov.num_rows == 0:
        return None
    ids = pc.unique(cov.column("repo_id").combine_chunks())
    commits = pq.read_table(
        snap.path / table_file("commits"),
        columns=["repo_id", "authors"],
        filters=[("repo_type", "==", "model")],
        read_dictionary=["repo_id", "authors.list.element"],
    )
    n = np.zeros(len(ids))
    if commits.num_rows == 0:
        return ids, n
    repo_pos = arrays.positions_in(commits.column("repo_id").chunks, ids)
    lists = commits.column("authors").chunks
    parents, start = [], 0
    for c in lists:
        parents.append(np.asarray(pc.list_parent_indices(c).to_numpy(), dtype=np.int64) + start)
        start += len(c)
    parent = np.concatenate(parents)
    codes, names = arrays.dictionary_codes([pc.list_flatten(c) for c in lists])
    del commits, lists
    n_names = max(len(names), 1)
    keep = codes >= 0
    if ignore_authors:
        bad = np.flatnonzero(pc.is_in(names, value_set=pa.array(list(ignore_authors))).to_numpy(zero_copy_only=False))
        if bad.size:
            keep &= ~np.isin(codes, bad)
    r = repo_pos[parent]
    keep &= r >= 0
    keys = arrays.unique(r[keep] * n_names + codes[keep])
    return ids, np.bincount(keys // n_names, minlength=len(ids)).astype(float)


COHORT_COLUMNS = [
    "repo_type",
    "cohort",
    "repositories",
    "% zero downloads",
    "downloads top 1% share (%)",
    "downloads Gini",
    "likes top 1% share (%)",
    "likes Gini",
    "% permissive",
    "% restrictive",
    "% no license",
    "commits covered",
    "% single commit author",
]


def cohorts(
    listings: dict[str, Listing], freq: str = "year", authors: tuple[pa.Array, np.ndarray] | None = None
) -> pd.DataFrame:
    """Per repository type and creation cohort, the activity and license mix of its repositories.

    ``authors``: :func:`single_author_repos` (models only); the single-author share is over the
    cohort's covered model repositories with at least one commit author.
    """
    if freq not in ("year", "quarter"):
        raise ValueError(f"cohorts are by 'year' or 'quarter', not {freq!r}")
    rows = []
    for t in listed_types(listings):
        lst = listings[t]
        codes = period_codes(lst.month, freq)
        n_auth = np.full(lst.n, np.nan)
        if authors is not None and t == "model":
            ids, counts = authors
            pos = np.asarray(pc.fill_null(pc.index_in(lst.ids, value_set=ids), -1).to_numpy(zero_copy_only=False))
            hit = pos >= 0
            n_auth[hit] = counts[pos[hit]]
        for code in _ordered_codes(codes):
            cohort = period_label(code, freq)
            m = codes == code
            dl, lk, grp = lst.downloads[m], lst.likes[m], lst.group[m]
            known_dl = ~np.isnan(dl)
            na = n_auth[m]
            has_auth = ~np.isnan(na) & (na > 0)
            rows.append(
                {
                    "repo_type": t,
                    "cohort": cohort,
                    "repositories": int(m.sum()),
                    "% zero downloads": _pct(dl == 0, known_dl) if known_dl.any() else float("nan"),
                    "downloads top 1% share (%)": _top1(dl),
                    "downloads Gini": _gini(dl),
                    "likes top 1% share (%)": _top1(lk),
                    "likes Gini": _gini(lk),
                    "% permissive": 100.0 * float((grp == "permissive").mean()),
                    "% restrictive": 100.0 * float((grp == "restrictive").mean()),
                    "% no license": 100.0 * float((grp == "none").mean()),
                    "commits covered": int(has_auth.sum()) if t == "model" and authors is not None else pd.NA,
                    "% single commit author": _pct(na == 1, has_auth) if has_auth.any() else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=COHORT_COLUMNS).astype({"commits covered": "Int64"})


def cohort_figure(table: pd.DataFrame):
    """Small multiples: one panel per cohort measure, one line per repository type."""
    import matplotlib.pyplot as plt

    from analysis.style import REPO_TYPE_COLORS

    measures = [
        "% zero downloads",
        "downloads top 1% share (%)",
        "likes top 1% share (%)",
        "likes Gini",
        "% no license",
        "% single commit author",
    ]
    fig, axes = plt.subplots(2, 3, figsize=(10, 5.6))
    order = sorted(set(table["cohort"]), key=_label_key)
    x = {c: i for i, c in enumerate(order)}
    handles: dict[str, Any] = {}
    for ax, m in zip(axes.ravel(), measures):
        drawn = False
        for t, d in table.groupby("repo_type", sort=False):
            y = pd.to_numeric(d[m], errors="coerce")
            if y.notna().any():
                (line,) = ax.plot(
                    [x[c] for c in d["cohort"]], y, marker="o", ms=3, lw=1.4, color=REPO_TYPE_COLORS.get(t), label=t
                )
                handles.setdefault(t, line)
                drawn = True
        if not drawn:
            ax.text(0.5, 0.5, "not covered by this snapshot", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(m, fontsize=9)
        ax.set_xticks(range(len(order)))
        ax.set_xticklabels(
            ["< 2022-03" if c == PLACEHOLDER else ("no date" if c == NO_DATE else c) for c in order],
            rotation=60,
            fontsize=7,
        )
        ax.grid(alpha=0.3)
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="upper center", ncol=len(handles), fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


# --------------------------------------------------------------------------- #
# as-of series
# --------------------------------------------------------------------------- #

AS_OF_COLUMNS = [
    "as_of",
    "repo_type",
    "repositories",
    "% permissive",
    "% restrictive",
    "% no license",
    "likes top 1% share (%)",
    "likes Gini",
]


GROUP_COLUMNS = ("% permissive", "% restrictive", "% no license")


def as_of_dates(listings: dict[str, Listing], end: str, every: str = "month") -> list[str]:
    """Month ends (or quarter ends) from the first dated creation to ``end`` (the snapshot date)."""
    firsts = [lst.created[lst.month >= 0].min() for lst in listings.values() if lst.listed and (lst.month >= 0).any()]
    if not firsts:
        return []
    start = pd.Timestamp(min(firsts))
    freq = {"month": "ME", "quarter": "QE"}[every]
    ends = pd.date_range(start.normalize(), pd.Timestamp(end), freq=freq)
    out = [d.date().isoformat() for d in ends]
    if not out or out[-1] != str(end):
        out.append(str(end))
    return out


def grouped_concentration(values: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
    """(top-1% share in %, Gini) of a multiset given as distinct ascending ``values`` and their
    ``counts`` (:func:`analysis.parts.robustness.concentration`, the one implementation)."""
    from analysis.parts.robustness import concentration

    c = concentration(np.asarray(values, dtype=float), np.asarray(counts, dtype=float))
    return 100.0 * float(c["top1"][0]), float(c["gini"][0])


def as_of_series(listings: dict[str, Listing], dates: Sequence[str]) -> pd.DataFrame:
    """Per as-of date and type: repositories created by the end of that day (placeholder-dated
    ones included: they are older), their license mix, and the concentration of their likes
    (as counted at the snapshot date).

    One pass per type: repositories sorted by creation once, then the counts of license groups
    and of distinct like values grow date by date (no re-sorting per date).
    """
    rows = []
    groups = np.array(["permissive", "restrictive", "none"], dtype=object)
    for t in listed_types(listings):
        lst = listings[t]
        created = lst.created
        dated = ~np.isnat(created)
        order = np.flatnonzero(dated)[np.argsort(created[dated], kind="stable")]
        created_sorted = created[order]
        gcode = np.full(lst.n, len(groups), dtype=np.int64)
        for i, g in enumerate(groups):
            gcode[lst.group == g] = i
        likes = lst.likes
        known = ~np.isnan(likes)
        values, lcode = np.unique(np.where(known, likes, 0.0), return_inverse=True)
        lcode = np.where(known, lcode, len(values))  # unknown likes: a bin of their own, left out
        g_counts = np.zeros(len(groups) + 1)
        l_counts = np.zeros(len(values) + 1)
        done = 0
        for d in dates:
            cut = np.datetime64(pd.Timestamp(d).normalize() + pd.Timedelta(days=1) - pd.Timedelta(milliseconds=1))
            k = int(np.searchsorted(created_sorted, cut, side="right"))
            new = order[done:k]
            g_counts += np.bincount(gcode[new], minlength=len(groups) + 1)
            l_counts += np.bincount(lcode[new], minlength=len(values) + 1)
            done = k
            top1, gini = grouped_concentration(values, l_counts[:-1]) if k else (float("nan"), float("nan"))
            rows.append(
                {
                    "as_of": d,
                    "repo_type": t,
                    "repositories": k,
                    **{col: 100.0 * g_counts[i] / k if k else float("nan") for i, col in enumerate(GROUP_COLUMNS)},
                    "likes top 1% share (%)": top1,
                    "likes Gini": gini,
                }
            )
    return pd.DataFrame(rows, columns=AS_OF_COLUMNS)


def as_of_figure(series: pd.DataFrame, paper: dict[str, float], paper_date: str | None):
    """Counts per type and the no-license share over as-of dates; the paper's values marked."""
    import matplotlib.pyplot as plt

    from analysis.style import REPO_TYPE_COLORS

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    for t, d in series.groupby("repo_type", sort=False):
        x = pd.to_datetime(d["as_of"])
        c = REPO_TYPE_COLORS.get(t)
        axes[0].plot(x, d["repositories"], color=c, lw=1.6, label=t)
        axes[1].plot(x, d["% no license"], color=c, lw=1.6, label=t)
        axes[2].plot(x, d["likes top 1% share (%)"], color=c, lw=1.6, label=t)
        if paper_date and t in paper:
            axes[0].scatter(
                [pd.Timestamp(paper_date)], [paper[t]], color=c, marker="*", s=90, edgecolor="black", zorder=5
            )
    axes[0].set_yscale("log")
    axes[0].set_title("repositories (log); ★ = the paper's count", fontsize=9)
    axes[1].set_title("% without a license", fontsize=9)
    axes[2].set_title("likes: top 1% share (%), likes as at the snapshot date", fontsize=9)
    for ax in axes:
        if paper_date:
            ax.axvline(pd.Timestamp(paper_date), color="black", ls="--", lw=1)
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def not_reconstructable_table() -> pd.DataFrame:
    return pd.DataFrame(NOT_RECONSTRUCTABLE, columns=["quantity", "why it cannot be reconstructed from one snapshot"])


# --------------------------------------------------------------------------- #
# owners, Hub-wide
# --------------------------------------------------------------------------- #

OWNER_MEASURES = ("downloads", "likes")


def owner_totals(listings: dict[str, Listing], measure: str, repo_types: Sequence[str] = ("model",)) -> pd.DataFrame:
    """Per owner: repositories and the total of ``measure`` over its repositories of ``repo_types``
    with a known value (legacy ids without an owner are one row, :data:`analysis.parts.owners.NO_OWNER`),
    sorted by the total, then the owner's name."""
    names: dict[str, int] = {}
    parts = []
    for t in repo_types:
        lst = listings.get(t)
        if lst is None or not lst.listed or not lst.n:
            continue
        v = getattr(lst, measure)
        known = ~np.isnan(v)
        local = [names.setdefault(n, len(names)) for n in lst.owner_names]
        none = names.setdefault(owners_mod.NO_OWNER, len(names))
        remap = np.array(local + [none], dtype=np.int64)
        parts.append((remap[lst.owner_codes[known]], v[known]))
    if not parts:
        return pd.DataFrame(columns=["owner", "repositories", measure])
    codes = np.concatenate([c for c, _ in parts])
    vals = np.concatenate([v for _, v in parts])
    k = len(names)
    size = np.bincount(codes, minlength=k)
    total = np.bincount(codes, weights=vals, minlength=k)
    label = np.array(list(names), dtype=object)
    keep = size > 0
    g = pd.DataFrame({"owner": label[keep], "repositories": size[keep], measure: total[keep]})
    return g.sort_values([measure, "owner"], ascending=[False, True], kind="stable").reset_index(drop=True)


OWNER_SUMMARY_COLUMNS = [
    "repo_type",
    "measure",
    "owners",
    "total",
    "top 1 owner share (%)",
    "top 5 owners share (%)",
    "top 10 owners share (%)",
    "top 1% of owners share (%)",
    "owner Gini",
]


def _head_share(v: np.ndarray, k: int) -> float:
    """Share (%) of the total held by the first ``k`` values (``v`` sorted descending)."""
    total = float(v.sum())
    return 100.0 * float(v[:k].sum()) / total if total else float("nan")


def owner_tables(listings: dict[str, Listing]) -> dict[tuple[str, str], pd.DataFrame]:
    """:func:`owner_totals` of every listed type and measure, computed once for Part V."""
    return {
        (t, m): owner_totals(listings, m, (t,))
        for t in listed_types(listings)
        for m in OWNER_MEASURES
        if not (m == "downloads" and t == "space")
    }


def owner_concentration(tables: dict[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    """How concentrated downloads and likes are by owner, per repository type (Hub-wide)."""
    rows = []
    for (t, m), tot in tables.items():
        v = tot[m].to_numpy(dtype=float)
        total = float(v.sum())
        rows.append(
            {
                "repo_type": t,
                "measure": m,
                "owners": len(tot),
                "total": total,
                "top 1 owner share (%)": _head_share(v, 1),
                "top 5 owners share (%)": _head_share(v, 5),
                "top 10 owners share (%)": _head_share(v, 10),
                "top 1% of owners share (%)": _top1(v),
                "owner Gini": _gini(v),
            }
        )
    return pd.DataFrame(rows, columns=OWNER_SUMMARY_COLUMNS)


def top_owners(
    snap: Snapshot, tables: dict[tuple[str, str], pd.DataFrame], measure: str = "downloads", top: int = 15
) -> pd.DataFrame:
    """The owners of model repositories with the most ``measure``, with their kind where known."""
    tot = tables.get(("model", measure), pd.DataFrame(columns=["owner", "repositories", measure]))
    total = float(tot[measure].sum()) if len(tot) else 0.0
    head = tot.head(top).copy()
    head["share (%)"] = 100.0 * head[measure] / total if total else np.nan
    head["cumulative share (%)"] = head["share (%)"].cumsum()
    kinds = owners_mod.classify_snapshot_owners(snap, [None if o == owners_mod.NO_OWNER else o for o in head["owner"]])
    head = head.merge(kinds[["owner", "kind", "route"]], on="owner", how="left")
    head.insert(0, "rank", range(1, len(head) + 1))
    return head.rename(columns={"kind": "owner kind", "route": "kind route"})


def owner_lorenz_figure(tables: dict[tuple[str, str], pd.DataFrame]):
    """Lorenz curves of downloads and likes by owner (model repositories), with the diagonal."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8, 3.8))
    for ax, m in zip(axes, OWNER_MEASURES):
        tot = tables.get(("model", m))
        lz = stats.lorenz(tot[m].to_numpy(dtype=float)) if tot is not None and len(tot) else None
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
        if lz is not None:
            g = _gini(tot[m].to_numpy(dtype=float))
            ax.plot(lz["population_share"], lz["value_share"], lw=1.8, label=f"owners of models (Gini {g:.3f})")
        ax.set_title(f"{m} by owner", fontsize=9)
        ax.set_xlabel("share of owners (ascending)")
        ax.set_ylabel(f"share of all {m}")
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def owner_lorenz_data(tables: dict[tuple[str, str], pd.DataFrame], points: int = 1000) -> pd.DataFrame:
    """The curves of :func:`owner_lorenz_figure` as a table (``fig-history-owner-lorenz``'s CSV): per
    measure, the share of owners (ascending) and the share of the measure they hold, at most ``points``
    points per curve (evenly spaced along the curve, its ends kept)."""
    frames = []
    for m in OWNER_MEASURES:
        tot = tables.get(("model", m))
        if tot is None or not len(tot):
            continue
        lz = pd.DataFrame(stats.lorenz(tot[m].to_numpy(dtype=float)))
        if len(lz) > points:
            lz = lz.iloc[np.unique(np.linspace(0, len(lz) - 1, points).round().astype(int))]
        frames.append(
            pd.DataFrame(
                {
                    "measure": m,
                    "share of owners": lz["population_share"].to_numpy(),
                    f"share of {m}": lz["value_share"].to_numpy(),
                }
            ).rename(columns={f"share of {m}": "share of the measure"})
        )
    cols = ["measure", "share of owners", "share of the measure"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def describe(snap: Snapshot, listings: dict[str, Listing], growth_table: pd.DataFrame, paper_date: str) -> str:
    """Two sentences on growth: how many repositories existed by the paper's date, and since."""
    out = []
    cut = np.datetime64(pd.Timestamp(paper_date) + pd.Timedelta(days=1), "ms")
    for t in listed_types(listings):
        lst = listings[t]
        known = ~np.isnat(lst.created)
        by = int((known & (lst.created < cut)).sum())
        after = int((known & (lst.created >= cut)).sum())
        ph = int(lst.placeholder.sum())
        out.append(
            f"Of the {lst.n:,} {t} repositories of snapshot `{snap.id}` ({snap.date}), {by:,} were created by "
            f"{paper_date} (the paper's date; {ph:,} of them carry the Hub's placeholder date) and {after:,} after it"
            + (f"; {lst.n - int(known.sum()):,} have no creation date" if not known.all() else "")
            + "."
        )
    return " ".join(out)


def star_sentence(listings: dict[str, Listing], paper_counts: dict[str, float | None], paper_date: str) -> str:
    """What the gap between each star (the paper's count) and the as-of curve at the paper's date is,
    read from the numbers: below the star, deletions and differences of method; above it, repositories
    the paper's collection did not see (created between its collection day, not recorded, and
    ``paper_date``) and differences of method, since deletions only lower the curve."""
    cut = np.datetime64(pd.Timestamp(paper_date) + pd.Timedelta(days=1), "ms")
    out = []
    for t in listed_types(listings):
        paper = paper_counts.get(t)
        if paper is None:
            continue
        lst = listings[t]
        by = int(((~np.isnat(lst.created)) & (lst.created < cut)).sum())
        gap = by - paper
        rel = 100 * gap / paper if paper else float("nan")
        if gap < 0:
            out.append(
                f"For {t} repositories the curve at {paper_date} ({by:,}) lies {-gap:,.0f} below the star "
                f"({paper:,.0f}; {rel:+.1f}%): repositories deleted or made private since, and any difference of "
                "method, account for the gap."
            )
        else:
            out.append(
                f"For {t} repositories the curve at {paper_date} ({by:,}) lies {gap:,.0f} above the star "
                f"({paper:,.0f}; {rel:+.1f}%). Deletions since can only lower the curve, so they do not explain "
                "a curve above the star; repositories created between the paper's collection day (in October 2023, "
                f"not recorded) and {paper_date} can, and so can any difference of method."
            )
    return " ".join(out)


@finding.declares("part5_history")
def findings(
    snap: Snapshot, listings: dict[str, Listing], owner_summary: pd.DataFrame, parameters: dict[str, Any]
) -> list[dict[str, Any]]:
    """Part V's findings: repositories created by and after the paper's date (``tab-history-growth``) and the
    Hub-wide owner concentration (``owner_summary``, from :func:`owner_concentration`)."""
    date = str(parameters.get("paper_date"))
    cut = np.datetime64(pd.Timestamp(date) + pd.Timedelta(days=1), "ms")
    rows = []  # (repository type, key, value, unit, quantity, source)
    for t, lst in listings.items():
        if lst.listed and lst.n:
            known = ~np.isnat(lst.created)
            for when, created in (("by", known & (lst.created < cut)), ("after", known & (lst.created >= cut))):
                what = f"{t} repositories created {when} {date}"
                rows.append(
                    (t, f"{t}s_created_{when}_paper_date", int(created.sum()), "count", what, "tab-history-growth")
                )
    for r in owner_summary.to_dict("records"):
        for col, key, unit in (
            ("top 5 owners share (%)", "top5_owners_share_pct", "pct"),
            ("owner Gini", "owner_gini", "ratio"),
        ):
            what = f"{r['measure']} of {r['repo_type']} repositories: {col}"
            rows.append(
                (
                    r["repo_type"],
                    f"{r['repo_type']}_{r['measure']}_{key}",
                    r[col],
                    unit,
                    what,
                    "tab-history-owner-concentration",
                )
            )
    return [
        finding.entry(
            f"history.{k}",
            v,
            u,
            quantity=q,
            source=s,
            coverage=finding.listing_coverage(snap, REPO_TABLES[t]),
            parameters=parameters,
        )
        for t, k, v, u, q, s in rows
    ]
