"""Part I: activity distributions by repository type, and their license effects.

Everything the Part I notebook shows is computed here from a snapshot:

- :func:`load` reads, per repository type, only the columns it needs and
  builds one row per repository with the six activity measures (likes,
  downloads, commits, commit authors, discussions, discussion authors) and the
  license. Listing measures come from the repository tables; per-repository
  measures come from the ``commits`` and ``discussions`` tables, restricted to
  the repositories covered by the step per ``repo_coverage`` (a covered
  repository with no commit has 0 commits; an uncovered one is not known).
- Each (repository type, measure) has a status: ``ok``, ``not applicable``
  (spaces have no downloads) or ``not covered`` (the snapshot did not collect
  it). Neither is ever shown as zero.
- ``as_of`` restricts the snapshot to repositories created on or before a
  date (end of that day, UTC), and commits/discussions to those dated on or
  before it, to reconstruct the population an earlier collection saw.

Computation is vectorised (pyarrow / numpy); no per-repository Python loops.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import arrays, stats
from analysis.paper import paper_numbers
from analysis.parts import licenses
from analysis.snapshot import Snapshot, open_snapshot
from analysis.snapshot.schema import REPO_TABLES, REPO_TYPES, table_file

MEASURES: tuple[str, ...] = ("likes", "downloads", "commits", "commit_authors", "discussions", "discussion_authors")
MEASURE_LABELS: dict[str, str] = {
    "likes": "likes",
    "downloads": "downloads (30 days)",
    "commits": "commits",
    "commit_authors": "commit authors",
    "discussions": "discussions",
    "discussion_authors": "discussion authors",
}
LISTING_MEASURES = ("likes", "downloads")
#: Measures a repository type does not have at all.
NOT_APPLICABLE: frozenset[tuple[str, str]] = frozenset({("space", "downloads")})

OK, NOT_APPLICABLE_TEXT, NOT_COVERED = "ok", "not applicable", "not covered"
DEFAULT_IGNORE_AUTHORS: tuple[str, ...] = ("system",)


@dataclass
class RepoActivity:
    """Activity of one repository type (after any ``as_of`` restriction)."""

    repo_type: str
    listed: bool  # the snapshot has a listing of this type
    n: int  # repositories (0 when not listed)
    data: pd.DataFrame  # one row per repository: measures (float, NaN = not known), license, group
    status: dict[str, str] = field(default_factory=dict)
    covered: dict[str, int] = field(default_factory=dict)  # repositories with a known value
    notes: list[str] = field(default_factory=list)

    def values(self, measure: str) -> np.ndarray:
        """Known values of a measure (NaN dropped); empty unless status is ok."""
        if self.status.get(measure) != OK:
            return np.empty(0)
        v = self.data[measure].to_numpy(dtype=float)
        return v[~np.isnan(v)]


def parse_as_of(as_of: str | dt.date | None) -> pa.Scalar | None:
    """End of the given day (UTC) as an Arrow timestamp scalar, or None."""
    if as_of in (None, ""):
        return None
    day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    end = dt.datetime.combine(day, dt.time(23, 59, 59, 999000), tzinfo=dt.UTC)
    return pa.scalar(end, type=pa.timestamp("ms", tz="UTC"))


def _num(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Arrow integer column -> float numpy with NaN for null."""
    arr = col.cast(pa.float64())
    out = arr.to_numpy(zero_copy_only=False) if isinstance(arr, pa.Array) else arr.to_numpy()
    return np.array(out, dtype=float, copy=True)


def _read(
    snap: Snapshot, name: str, columns: list[str], filters: Any = None, dictionary: Sequence[str] = ()
) -> pa.Table:
    """Columns of a snapshot table, optionally reading string columns dictionary-encoded (less memory)."""
    return pq.read_table(
        snap.path / table_file(name), columns=columns, filters=filters, read_dictionary=list(dictionary) or None
    )


def _positions(col: pa.ChunkedArray, ids: pa.Array) -> np.ndarray:
    """For each value of a dictionary-encoded column, its position in ``ids`` (-1 where absent)."""
    return arrays.positions_in(col.chunks, ids)


def _covered_mask(snap: Snapshot, step: str, repo_type: str, ids: pa.Array) -> np.ndarray:
    """Which of ``ids`` the collection ``step`` covered (a row of ``repo_coverage``): one read of
    that step's rows (the filter is pushed into the Parquet reader), one hash lookup per id."""
    if len(ids) == 0:
        return np.zeros(0, dtype=bool)
    cov = _read(snap, "repo_coverage", ["repo_id"], filters=[("step", "==", step), ("repo_type", "==", repo_type)])
    if cov.num_rows == 0:
        return np.zeros(len(ids), dtype=bool)
    covered = cov.column("repo_id").combine_chunks()
    del cov
    if covered.equals(ids):  # every listed repository covered, in listing order: no lookup needed
        return np.ones(len(ids), dtype=bool)
    return np.asarray(pc.is_in(ids, value_set=covered).to_numpy(zero_copy_only=False), dtype=bool)


def _per_repo(
    snap: Snapshot,
    table: str,
    repo_type: str,
    ids: pa.Array,
    author_col: str,
    list_authors: bool,
    cutoffs: Sequence[pa.Scalar | None],
    ignore_authors: Sequence[str],
) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Per cut-off (None: all items): (items per repository, distinct authors per repository, items
    left out for having no date).

    Arrays are aligned with ``ids``. The table is read once for every cut-off. Vectorised:
    repository ids are read dictionary-encoded and mapped to positions once; distinct
    (repository, author) pairs are counted on integer keys.
    """
    n = len(ids)
    date_col = "date" if table == "commits" else "created_at"
    dated = any(c is not None for c in cutoffs)
    cols = ["repo_id", author_col] + ([date_col] if dated else [])
    # author names dictionary-encoded too (Parquet stores them so): no string per entry is built;
    # a file Arrow cannot return that way (a dictionary spilled into plain pages) is read plainly
    names = f"{author_col}.list.element" if list_authors else author_col
    try:
        t = _read(snap, table, cols, filters=[("repo_type", "==", repo_type)], dictionary=["repo_id", names])
    except pa.ArrowNotImplementedError:
        t = _read(snap, table, cols, filters=[("repo_type", "==", repo_type)], dictionary=["repo_id"])
    if t.num_rows == 0:
        return [(np.zeros(n), np.zeros(n), 0) for _ in cutoffs]
    # per cut-off: which rows count (None: all) and how many have no date
    selections: list[tuple[np.ndarray | None, int]] = []
    for cutoff in cutoffs:
        if cutoff is None:
            selections.append((None, 0))
        else:
            dates = t.column(date_col)
            within = pc.fill_null(pc.less_equal(dates, cutoff), False)
            selections.append((np.asarray(within.to_numpy(), dtype=bool), dates.null_count))
    repo = _positions(t.column("repo_id"), ids)
    col = t.column(author_col)
    if list_authors:
        flat, parents, start = [], [], 0
        for chunk in col.chunks:
            flat.append(pc.list_flatten(chunk))
            parents.append(
                np.asarray(pc.list_parent_indices(chunk).to_numpy(zero_copy_only=False), dtype=np.int64) + start
            )
            start += len(chunk)
        parent = np.concatenate(parents) if parents else np.empty(0, dtype=np.int64)
    else:
        flat = list(col.chunks)
        parent = np.arange(len(col), dtype=np.int64)
    del t, col
    if flat and pa.types.is_dictionary(flat[0].type):
        codes, dictionary = arrays.dictionary_codes(flat)  # one code space for every chunk's names
    else:
        enc = pc.dictionary_encode(pa.chunked_array(flat, type=pa.string()).combine_chunks())
        dictionary = enc.dictionary
        codes = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        del enc
    del flat
    if ignore_authors:
        bad = np.flatnonzero(
            pc.is_in(dictionary, value_set=pa.array(list(ignore_authors), pa.string())).to_numpy(zero_copy_only=False)
        )
        if bad.size:
            codes[np.isin(codes, bad)] = -1
    r = repo[parent] if parent.size else np.empty(0, dtype=np.int64)
    valid = (codes >= 0) & (r >= 0)
    n_auth = max(len(dictionary), 1)
    out = []
    for within, dropped in selections:
        if within is None:
            rows, keep = repo, valid
        else:
            rows, keep = repo[within], valid & within[parent]
        items = np.bincount(rows[rows >= 0], minlength=n).astype(float)
        keys = arrays.unique(r[keep] * n_auth + codes[keep])  # sorted (faster than hashing here: analysis.arrays)
        n_authors = np.bincount(keys // n_auth, minlength=n).astype(float)
        out.append((items, n_authors, dropped))
    return out


def _license_columns(lic: pa.ChunkedArray) -> tuple[pd.Categorical, pd.Categorical, pd.Categorical]:
    """(normalised license id, main group, alternative group) as categoricals, vectorised."""
    enc = pc.dictionary_encode(pc.utf8_lower(pc.utf8_trim_whitespace(lic)))
    enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
    codes = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    cats = [c if c else None for c in enc.dictionary.to_pylist()]  # "" is no license
    keep = sorted({c for c in cats if c is not None})
    pos = {c: i for i, c in enumerate(keep)}
    remap = np.array([pos[c] if c is not None else -1 for c in cats] + [-1], dtype=np.int64)
    lic_codes = remap[codes]
    license_cat = pd.Categorical.from_codes(lic_codes, categories=keep)
    main, alt = (
        pd.Categorical.from_codes(*licenses.group_codes(license_cat, mapping))
        for mapping in (licenses.MAIN, licenses.ALTERNATIVE)
    )
    return license_cat, main, alt


def _not_listed(repo_type: str) -> RepoActivity:
    empty = pd.DataFrame({m: pd.Series(dtype=float) for m in MEASURES})
    status = {m: NOT_APPLICABLE_TEXT if (repo_type, m) in NOT_APPLICABLE else NOT_COVERED for m in MEASURES}
    empty["license"] = pd.Series(dtype=object)
    empty["group"] = pd.Series(dtype=object)
    empty["alternative_group"] = pd.Series(dtype=object)
    return RepoActivity(
        repo_type,
        False,
        0,
        empty,
        status,
        {m: 0 for m in MEASURES},
        [f"the snapshot has no listing of {repo_type} repositories"],
    )


def load_types(
    snap: Snapshot,
    repo_type: str,
    as_ofs: Sequence[str | dt.date | None],
    ignore_authors: Sequence[str] = DEFAULT_IGNORE_AUTHORS,
) -> list[RepoActivity]:
    """Activity of one repository type under each restriction of ``as_ofs`` (None: none), every
    table read once for all of them; ``load_types(snap, t, [a])[0]`` is :func:`load_type`."""
    name = REPO_TABLES[repo_type]
    if snap.coverage(name).get("scope", "none") == "none":
        return [_not_listed(repo_type) for _ in as_ofs]
    cutoffs = [parse_as_of(a) for a in as_ofs]
    t = _read(snap, name, ["id", "created_at", "license", "likes", "downloads"])
    # per restriction: the listed repositories it keeps (None: all) and its notes
    keeps: list[np.ndarray | None] = []
    notes: list[list[str]] = []
    created = t.column("created_at")
    for as_of, cutoff in zip(as_ofs, cutoffs):
        notes.append([])
        if cutoff is None:
            keeps.append(None)
            continue
        keeps.append(np.asarray(pc.fill_null(pc.less_equal(created, cutoff), False).to_numpy(), dtype=bool))
        if created.null_count:
            notes[-1].append(
                f"{created.null_count:,} {repo_type} repositories without a creation date are left out of the "
                f"restriction to {as_of}"
            )
    data: list[dict[str, np.ndarray]] = [{} for _ in as_ofs]
    status: list[dict[str, str]] = [{} for _ in as_ofs]
    for m in LISTING_MEASURES:
        values = _num(t.column(m))
        for i, keep in enumerate(keeps):
            v = values if keep is None else values[keep]
            if (repo_type, m) in NOT_APPLICABLE:
                status[i][m], data[i][m] = NOT_APPLICABLE_TEXT, np.full(len(v), np.nan)
            elif len(v) and np.isnan(v).all():
                status[i][m], data[i][m] = NOT_COVERED, np.full(len(v), np.nan)
            else:
                status[i][m], data[i][m] = OK, v
    ids = t.column("id").combine_chunks()
    lic = t.column("license")
    del t
    for step, table, measures, author_col, is_list in (
        ("commits", "commits", ("commits", "commit_authors"), "authors", True),
        ("discussions", "discussions", ("discussions", "discussion_authors"), "author", False),
    ):
        covered_mask = _covered_mask(snap, step, repo_type, ids)
        wanted = [covered_mask.any() if keep is None else covered_mask[keep].any() for keep in keeps]
        results = (
            _per_repo(snap, table, repo_type, ids, author_col, is_list, cutoffs, ignore_authors) if any(wanted) else []
        )
        for i, keep in enumerate(keeps):
            n_i = len(ids) if keep is None else int(keep.sum())
            if not wanted[i]:
                for m in measures:
                    status[i][m], data[i][m] = NOT_COVERED, np.full(n_i, np.nan)
                continue
            items, authors, dropped = results[i]
            if dropped:
                notes[i].append(
                    f"{dropped:,} {step} of {repo_type} repositories without a date are left out "
                    f"of the restriction to {as_ofs[i]}"
                )
            items, authors = items.copy(), authors.copy()
            items[~covered_mask] = np.nan
            authors[~covered_mask] = np.nan
            if keep is not None:
                items, authors = items[keep], authors[keep]
            data[i][measures[0]], data[i][measures[1]] = items, authors
            for m in measures:
                status[i][m] = OK
    del ids
    out = []
    for i, keep in enumerate(keeps):
        frame = pd.DataFrame({m: data[i][m] for m in MEASURES})
        lic_i = lic if keep is None else lic.filter(pa.array(keep))
        frame["license"], frame["group"], frame["alternative_group"] = _license_columns(lic_i)
        covered = {m: int(frame[m].notna().sum()) for m in MEASURES}
        out.append(RepoActivity(repo_type, True, len(frame), frame, status[i], covered, notes[i]))
    return out


def load_type(
    snap: Snapshot,
    repo_type: str,
    as_of: str | dt.date | None = None,
    ignore_authors: Sequence[str] = DEFAULT_IGNORE_AUTHORS,
) -> RepoActivity:
    """Activity of one repository type (see the module docstring)."""
    return load_types(snap, repo_type, [as_of], ignore_authors)[0]


def load(
    snap: Snapshot,
    as_of: str | dt.date | None = None,
    ignore_authors: Sequence[str] = DEFAULT_IGNORE_AUTHORS,
    repo_types: Iterable[str] = REPO_TYPES,
) -> dict[str, RepoActivity]:
    """Activity of every repository type: ``{repo_type: RepoActivity}``."""
    return {t: load_type(snap, t, as_of=as_of, ignore_authors=ignore_authors) for t in repo_types}


def load_with_as_of(
    snap: Snapshot,
    as_of: str | dt.date | None,
    ignore_authors: Sequence[str] = DEFAULT_IGNORE_AUTHORS,
    repo_types: Iterable[str] = REPO_TYPES,
) -> tuple[dict[str, RepoActivity], dict[str, RepoActivity]]:
    """``(load(snap), load(snap, as_of))`` with every table read once for both (Part I shows both)."""
    both = {t: load_types(snap, t, [None, as_of], ignore_authors) for t in repo_types}
    return {t: v[0] for t, v in both.items()}, {t: v[1] for t, v in both.items()}


# --------------------------------------------------------------------------- #
# tables
# --------------------------------------------------------------------------- #

SUMMARY_COLUMNS = [
    "N",
    "mean",
    "SD",
    "median",
    "p90",
    "p99",
    "max",
    "% zero",
    "top 1% share (%)",
    "top 10% share (%)",
    "Gini",
]


#: The columns of ``tab-activity`` a page shows first (the paper's headline statistics).
ACTIVITY_KEY_COLUMNS = ("repository type", "measure", "N", "top 1% share (%)", "Gini", "median", "% zero", "status")


def activity_table(acts: dict[str, RepoActivity]) -> pd.DataFrame:
    """``tab-activity``: per measure x repository type, the summary statistics.

    The ``status`` column says "not applicable" or "not covered" where a
    measure is not available; its statistics are then empty (never 0).
    """
    rows = []
    for m in MEASURES:
        for t, a in acts.items():
            row: dict[str, Any] = {
                "measure": MEASURE_LABELS[m],
                "repository type": t,
                "status": a.status[m] if a.status[m] != OK else "",
            }
            if a.status[m] == OK:
                s = stats.summarize(a.values(m))
                row.update(
                    {
                        "N": int(s["n"]),
                        "mean": s["mean"],
                        "SD": s["sd"],
                        "median": s["median"],
                        "p90": s["p90"],
                        "p99": s["p99"],
                        "max": s["max"],
                        "% zero": s["pct_zero"],
                        "top 1% share (%)": 100 * s["top1_share"],
                        "top 10% share (%)": 100 * s["top10_share"],
                        "Gini": s["gini"],
                    }
                )
            else:
                row.update({c: np.nan for c in SUMMARY_COLUMNS})
            rows.append(row)
    df = pd.DataFrame(rows, columns=["measure", "repository type", "status"] + SUMMARY_COLUMNS)
    # plain Python ints (and None) so that the CSV has "5000", not "5000.0", and the book "5,000"
    df["N"] = pd.Series([None if pd.isna(x) else int(x) for x in df["N"]], dtype=object)
    return df


def coverage_text(acts: dict[str, RepoActivity]) -> str:
    """A short "covers ..." phrase for captions."""
    parts = []
    for t, a in acts.items():
        if not a.listed:
            parts.append(f"no {t} listing")
            continue
        extra = []
        for m in ("commits", "discussions"):
            if a.status[m] == OK:
                extra.append(f"{m} for {a.covered[m]:,} of them")
        parts.append(f"{a.n:,} {t} repositories" + (f" ({'; '.join(extra)})" if extra else ""))
    return "; ".join(parts)


def headline_from(acts: dict[str, RepoActivity], tests: bool = True) -> dict[str, Any]:
    """The headline numbers of :func:`headline` from already loaded activity
    (``tests=False`` skips the Kruskal-Wallis tests: ``license_kw`` is then {})."""
    out: dict[str, Any] = {}
    for t in REPO_TYPES:
        a = acts.get(t)
        out[f"{t}s"] = a.n if a is not None and a.listed else None
    m = acts.get("model")
    d = acts.get("dataset")
    dl = m.values("downloads") if m is not None else np.empty(0)
    out["models_zero_downloads_pct"] = stats.percent(int((dl == 0).sum()), dl.size)
    share = stats.top_share(dl, 0.01) if dl.size else float("nan")
    out["top1pct_downloads_share_pct"] = None if np.isnan(share) else 100 * share
    for key, a in (("models_no_license_pct", m), ("datasets_no_license_pct", d)):
        # an unlisted type has n = 0, so its percentage is None
        out[key] = None if a is None else stats.percent(int(a.data["license"].isna().sum()), a.n)
    if m is not None and m.status["commit_authors"] == OK:
        ca = m.data["commit_authors"].to_numpy(dtype=float)
        cc = m.data["commits"].to_numpy(dtype=float)
        with_commits = ~np.isnan(cc) & (cc > 0)
        out["models_single_commit_author_pct"] = stats.percent(
            int((ca[with_commits] == 1).sum()), int(with_commits.sum())
        )
    else:
        out["models_single_commit_author_pct"] = None
    kw: dict[str, float | None] = {}
    for meas in MEASURES if tests else ():
        if m is None or m.status[meas] != OK:
            kw[meas] = None
            continue
        res = licenses.kruskal(m.data[meas].to_numpy(dtype=float), m.data["group"])
        kw[meas] = None if np.isnan(res["p"]) else res["p"]
    out["license_kw"] = kw
    return out


def headline(snap: Snapshot | str, as_of: str | None = None) -> dict[str, Any]:
    """Headline numbers of a snapshot (optionally restricted to repositories created by ``as_of``).

    Keys:

    - ``models``, ``datasets``, ``spaces``: repository counts (None where the
      snapshot has no listing of that type);
    - ``models_zero_downloads_pct``: % of models (with a known download count)
      with 0 downloads;
    - ``top1pct_downloads_share_pct``: % of all model downloads held by the top
      1% of models;
    - ``models_no_license_pct``, ``datasets_no_license_pct``: % without a
      license tag (the tag ``unknown`` counts as a license tag here);
    - ``models_single_commit_author_pct``: % of covered models with at least
      one commit that have exactly one distinct commit author (the Hub's
      ``system`` author ignored); None if commits are not covered;
    - ``license_kw``: ``{measure: p}``, the Kruskal-Wallis p across license
      groups (main mapping) in model repositories, None for a measure that is
      not available or a test that is undefined.

    Percentages are 0-100; None means "not available in this snapshot".
    """
    if not isinstance(snap, Snapshot):
        snap = open_snapshot(snap)
    return headline_from(load(snap, as_of=as_of))


def as_of_table(full: dict[str, Any], restricted: dict[str, Any], as_of: str) -> pd.DataFrame:
    """Counts and headline shares for the full snapshot and the ``as_of`` restriction."""
    rows = [
        ("model repositories", "models"),
        ("dataset repositories", "datasets"),
        ("space repositories", "spaces"),
        ("models with 0 downloads (%)", "models_zero_downloads_pct"),
        ("share of model downloads held by the top 1% (%)", "top1pct_downloads_share_pct"),
        ("models without a license tag (%)", "models_no_license_pct"),
        ("datasets without a license tag (%)", "datasets_no_license_pct"),
        ("models with a single commit author (% of covered with commits)", "models_single_commit_author_pct"),
    ]

    def fmt(v: Any) -> Any:
        return "not covered" if v is None else v

    df = pd.DataFrame(
        {
            "quantity": [r[0] for r in rows],
            "full snapshot": pd.Series([fmt(full.get(k)) for _, k in rows], dtype=object),
            f"created on or before {as_of}": pd.Series([fmt(restricted.get(k)) for _, k in rows], dtype=object),
        }
    )
    return df


# --------------------------------------------------------------------------- #
# distributions and figures
# --------------------------------------------------------------------------- #


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


# --------------------------------------------------------------------------- #
# tails (extension beyond the paper)
# --------------------------------------------------------------------------- #


def fit_tail(values: Any, max_n: int = 20_000, seed: int = 0, min_n: int = 50) -> dict[str, Any]:
    """Power-law vs lognormal tail of the positive values (``powerlaw`` package).

    Above ``max_n`` positive values, a deterministic random subsample of
    ``max_n`` (numpy Generator seeded with ``seed``) is fitted, for speed.
    Returns n (positive values), n_fitted, subsampled, x_min, alpha, n_tail,
    R (normalised log-likelihood ratio, power law vs lognormal: > 0 favours
    the power law, < 0 the lognormal), p (significance of R's sign) and
    preferred ("power law", "lognormal" or "undecided" at p >= 0.1).
    """
    import powerlaw

    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v) & (v > 0)]
    out: dict[str, Any] = {
        "n": int(v.size),
        "n_fitted": 0,
        "subsampled": False,
        "x_min": np.nan,
        "alpha": np.nan,
        "n_tail": 0,
        "R": np.nan,
        "p": np.nan,
        "preferred": "too few values",
    }
    if v.size < min_n or np.unique(v).size < 3:
        return out
    if v.size > max_n:
        rng = np.random.default_rng(seed)
        v = rng.choice(np.sort(v), size=max_n, replace=False)
        out["subsampled"] = True
    out["n_fitted"] = int(v.size)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            fit = powerlaw.Fit(v, discrete=True, verbose=0)
            R, p = fit.distribution_compare("power_law", "lognormal", normalized_ratio=True)
        except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
            out["preferred"] = f"fit failed ({exc})"
            return out
    out.update(
        x_min=float(fit.xmin),
        alpha=float(fit.power_law.alpha),
        n_tail=int((v >= fit.xmin).sum()),
        R=float(R),
        p=float(p),
    )
    if np.isnan(p) or p >= 0.1:
        out["preferred"] = "undecided"
    else:
        out["preferred"] = "power law" if R > 0 else "lognormal"
    return out


def tails_table(
    acts: dict[str, RepoActivity], measures: Sequence[str] = MEASURES, max_n: int = 20_000, seed: int = 0
) -> pd.DataFrame:
    """Tail fits per measure x repository type (available measures only)."""
    rows = []
    for m in measures:
        for t, a in acts.items():
            if a.status[m] != OK:
                continue
            r = fit_tail(a.values(m), max_n=max_n, seed=seed)
            rows.append(
                {
                    "measure": MEASURE_LABELS[m],
                    "repository type": t,
                    "positive values": r["n"],
                    "fitted": r["n_fitted"],
                    "subsampled": "yes" if r["subsampled"] else "no",
                    "x_min": r["x_min"],
                    "alpha": r["alpha"],
                    "tail size": r["n_tail"],
                    "R (power law vs lognormal)": r["R"],
                    "p": r["p"],
                    "better fit": r["preferred"],
                }
            )
    cols = [
        "measure",
        "repository type",
        "positive values",
        "fitted",
        "subsampled",
        "x_min",
        "alpha",
        "tail size",
        "R (power law vs lognormal)",
        "p",
        "better fit",
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- #
# license helpers on loaded activity
# --------------------------------------------------------------------------- #


def license_ids_by_type(acts: dict[str, RepoActivity]) -> dict[str, Any]:
    """{repo_type: license ids} for listed types (None = no license tag)."""
    return {t: a.data["license"].array for t, a in acts.items() if a.listed}


def model_measures(acts: dict[str, RepoActivity]) -> list[str]:
    """Measures available for model repositories."""
    m = acts.get("model")
    return [x for x in MEASURES if m is not None and m.status[x] == OK]


# --------------------------------------------------------------------------- #
# narrative sentences (every number computed here)
# --------------------------------------------------------------------------- #


def _f(x: float | None, digits: int = 1) -> str:
    return "not available" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:,.{digits}f}"


def _paper(*keys: str) -> list[str]:
    """The paper's figures for ``keys``, quoted as ``analysis/resources/paper_numbers.yml`` has them."""
    quoted = {n["key"]: n["paper"] for n in paper_numbers()}
    return [quoted[k] for k in keys]


def describe_activity(acts: dict[str, RepoActivity]) -> str:
    """A paragraph summarising the activity table (Markdown)."""
    h = headline_from(acts, tests=False)
    sent = []
    counts = ", ".join(f"{h[f'{t}s']:,} {t}" for t in REPO_TYPES if h.get(f"{t}s") is not None)
    missing = [t for t in REPO_TYPES if h.get(f"{t}s") is None]
    sent.append(
        f"The snapshot lists {counts} repositories"
        + (f" and has no listing of {', '.join(t + 's' for t in missing)}" if missing else "")
        + "."
    )
    if h["models_zero_downloads_pct"] is not None:
        zero, top1 = _paper("models_zero_downloads", "top1pct_downloads")
        sent.append(
            f"Of the {acts['model'].covered['downloads']:,} model repositories with a known download "
            f"count, {_f(h['models_zero_downloads_pct'])}% had no download in the "
            f"30 days before collection, and the top 1% of them account for "
            f"{_f(h['top1pct_downloads_share_pct'])}% of all their downloads "
            f"(the paper reports {zero} and {top1})."
        )
    for t, a in acts.items():
        v = a.values("likes")
        if v.size:
            sent.append(
                f"{_f(stats.percent(int((v == 0).sum()), v.size))}% of the {v.size:,} {t} repositories "
                "with a known like count have no like."
            )
    m = acts.get("model")
    if m is not None and m.status["commits"] == OK:
        sent.append(
            f"Commits are covered for {m.covered['commits']:,} of the {m.n:,} listed model repositories (a commit "
            "source may also cover repositories the listing no longer has; Part II's network counts those too, "
            "so its count of repositories with commits can be larger); "
            f"among those with commits, {_f(h['models_single_commit_author_pct'])}% have a single "
            "commit author."
        )
    elif m is not None:
        sent.append("Commits are not covered by this snapshot, so commit measures are shown as not covered.")
    return " ".join(sent)


def describe_licenses(acts: dict[str, RepoActivity]) -> str:
    h = headline_from(acts, tests=False)
    sent = []
    if h["models_no_license_pct"] is not None:
        sent.append(f"{_f(h['models_no_license_pct'])}% of the {h['models']:,} model repositories carry no license tag")
    if h["datasets_no_license_pct"] is not None:
        sent.append(f"{_f(h['datasets_no_license_pct'])}% of the {h['datasets']:,} dataset repositories carry none")
    text = " and ".join(sent)
    if text:
        text += " (secondary summaries of the paper report {} and {}).".format(
            *_paper("models_no_license", "datasets_no_license")
        )
    un = 0
    for a in acts.values():
        if a.listed and len(a.data):
            lic = a.data["license"]
            unmapped = [c for c in lic.cat.categories if not licenses.is_mapped(c)]
            un += int(lic.isin(unmapped).sum()) if unmapped else 0
    text += (
        f" {un:,} repositories carry a license id that the mapping file does not list; they are "
        f"grouped as `{licenses.load_mapping()['unmapped_group']}`."
        if un
        else " Every license id in the snapshot is listed in the mapping file."
    )
    return text.strip()


def describe_license_tests(tests: pd.DataFrame, alpha: float = 0.05) -> str:
    if tests.empty:
        return "No activity measure is available for model repositories, so no test could be run."
    sig = tests[tests["p"] < alpha]
    nonsig = tests[~(tests["p"] < alpha)]
    parts = []
    if len(sig):
        best = sig.sort_values("epsilon²", ascending=False).iloc[0]
        parts.append(
            f"The license groups differ significantly (Kruskal-Wallis, p < {alpha}) in "
            f"{', '.join(sig['measure'])}; the largest effect is for {best['measure']} "
            f"(ε² = {best['epsilon²']:.4f}; read against Cohen's conventions for a share of variance "
            "explained, 0.01 is small, 0.06 medium and 0.14 large)."
        )
    if len(nonsig):
        parts.append(f"No significant difference at p < {alpha} for {', '.join(nonsig['measure'])}.")
    return " ".join(parts)


def describe_tails(tails: pd.DataFrame, max_n: int, seed: int) -> str:
    if tails.empty:
        return "No measure is available for a tail fit."
    counts = tails["better fit"].str.replace(r" \(.*", "", regex=True).value_counts()
    parts = [f"Of {len(tails)} distributions: " + "; ".join(f"{k}: {int(n)}" for k, n in counts.items()) + "."]
    sub = tails[tails["subsampled"] == "yes"]
    if len(sub):
        parts.append(
            f"For speed, distributions with more than {max_n:,} positive values were fitted on a "
            f"deterministic random subsample of {max_n:,} of them (numpy generator, seed {seed}): "
            + ", ".join(f"{r['measure']} of {r['repository type']}s" for _, r in sub.iterrows())
            + "."
        )
    else:
        parts.append("Every distribution was fitted on all of its positive values (no subsampling).")
    return " ".join(parts)


def describe_as_of(
    full: dict[str, Any], restricted: dict[str, Any], as_of: str, snapshot_date: str, notes: Iterable[str] = ()
) -> str:
    """The as-of paragraph: what the restriction keeps, the paper's counts, then each note of the restriction."""
    parts = []
    if full.get("models") is not None and restricted.get("models") is not None and full["models"]:
        parts.append(
            f"Restricting the snapshot of {snapshot_date} to repositories created on or before "
            f"{as_of} keeps {restricted['models']:,} of {full['models']:,} model repositories "
            f"({100 * restricted['models'] / full['models']:.1f}%)"
            + (
                f" and {restricted['datasets']:,} of {full['datasets']:,} dataset repositories"
                if full.get("datasets")
                else ""
            )
            + "."
        )
    parts.append(
        "The paper counted {} models, {} datasets and {} spaces in {}.".format(
            *_paper("models", "datasets", "spaces", "collection_date")
        )
    )
    text = " ".join(parts)
    notes = list(notes)
    return text + ("\n\n" + " ".join(f"Note: {n}." for n in notes) if notes else "")
