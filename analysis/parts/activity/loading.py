"""Part I's loading: one row per repository, per repository type, with its activity and license.

:func:`load_types` reads, per repository type, only the columns it needs and
builds one row per repository with the six activity measures (likes,
downloads, commits, commit authors, discussions, discussion authors) and the
license. Listing measures come from the repository tables; per-repository
measures come from the ``commits`` and ``discussions`` tables, restricted to
the repositories covered by the step per ``repo_coverage`` (a covered
repository with no commit has 0 commits; an uncovered one is not known).

Each (repository type, measure) has a status: ``ok``, ``not applicable``
(spaces have no downloads) or ``not covered`` (the snapshot did not collect
it). Neither is ever shown as zero.

``as_of`` restricts the snapshot to repositories created on or before a date
(end of that day, UTC), and commits/discussions to those dated on or before
it, to reconstruct the population an earlier collection saw; every table is
read once for all the restrictions asked for (:func:`load_with_as_of`).

Computation is vectorised (pyarrow / numpy); no per-repository Python loops.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import arrays
from analysis.parts import licenses
from analysis.snapshot import Snapshot
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


def _dated_selections(t: pa.Table, date_col: str, cutoffs: Sequence[pa.Scalar | None]) -> list[tuple[Any, int]]:
    """Per cut-off: which rows of ``t`` count (None: all) and how many were left out for having no date."""
    selections: list[tuple[np.ndarray | None, int]] = []
    for cutoff in cutoffs:
        if cutoff is None:
            selections.append((None, 0))
        else:
            dates = t.column(date_col)
            within = pc.fill_null(pc.less_equal(dates, cutoff), False)
            selections.append((np.asarray(within.to_numpy(), dtype=bool), dates.null_count))
    return selections


def _author_codes(
    col: pa.ChunkedArray, list_authors: bool, ignore_authors: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, int]:
    """(author code of each entry, -1 for none or an ignored author; the row each entry belongs to;
    the number of codes) of an author column, a list of authors per row when ``list_authors``."""
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
    return codes, parent, max(len(dictionary), 1)


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
    selections = _dated_selections(t, date_col, cutoffs)
    repo = _positions(t.column("repo_id"), ids)
    col = t.column(author_col)
    del t  # the other columns' memory back before the authors are encoded
    codes, parent, n_auth = _author_codes(col, list_authors, ignore_authors)
    del col
    r = repo[parent] if parent.size else np.empty(0, dtype=np.int64)
    valid = (codes >= 0) & (r >= 0)
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


@dataclass(frozen=True)
class _Step:
    """A per-repository collection step: its ``repo_coverage`` step and table (one name), the two
    measures it gives (items, distinct authors) and the column naming the authors."""

    name: str
    measures: tuple[str, str]
    author_col: str
    list_authors: bool


_STEPS = (
    _Step("commits", ("commits", "commit_authors"), "authors", True),
    _Step("discussions", ("discussions", "discussion_authors"), "author", False),
)


@dataclass
class _Restriction:
    """One ``as_of`` restriction of a repository type while it is loaded: the listed repositories it
    keeps (None: all) and, per measure, its values and status so far, with its notes."""

    as_of: Any
    cutoff: pa.Scalar | None
    keep: np.ndarray | None = None
    data: dict[str, np.ndarray] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def subset(self, values: np.ndarray) -> np.ndarray:
        """The values (aligned with the listing) of the repositories this restriction keeps."""
        return values if self.keep is None else values[self.keep]

    def put(self, measure: str, status: str, values: np.ndarray) -> None:
        self.status[measure], self.data[measure] = status, values


def _keep_created(created: pa.ChunkedArray, repo_type: str, restrictions: Sequence[_Restriction]) -> None:
    """Per restriction with a cut-off: the listed repositories created on or before it (a repository
    without a creation date is left out, and a note says how many)."""
    for r in restrictions:
        if r.cutoff is None:
            continue
        r.keep = np.asarray(pc.fill_null(pc.less_equal(created, r.cutoff), False).to_numpy(), dtype=bool)
        if created.null_count:
            r.notes.append(
                f"{created.null_count:,} {repo_type} repositories without a creation date are left out of the "
                f"restriction to {r.as_of}"
            )


def _listing_measures(listing: pa.Table, repo_type: str, restrictions: Sequence[_Restriction]) -> None:
    """The measures of the listing itself (likes, downloads), per restriction."""
    for m in LISTING_MEASURES:
        values = _num(listing.column(m))
        for r in restrictions:
            v = r.subset(values)
            if (repo_type, m) in NOT_APPLICABLE:
                r.put(m, NOT_APPLICABLE_TEXT, np.full(len(v), np.nan))
            elif len(v) and np.isnan(v).all():
                r.put(m, NOT_COVERED, np.full(len(v), np.nan))
            else:
                r.put(m, OK, v)


def _step_measures(
    snap: Snapshot,
    repo_type: str,
    ids: pa.Array,
    step: _Step,
    restrictions: Sequence[_Restriction],
    ignore_authors: Sequence[str],
) -> None:
    """The two measures of one per-repository step, per restriction: not known (NaN) for a repository
    the step did not cover, not covered for a restriction that keeps no covered repository."""
    covered_mask = _covered_mask(snap, step.name, repo_type, ids)
    wanted = [bool(r.subset(covered_mask).any()) for r in restrictions]
    results: list[tuple[np.ndarray, np.ndarray, int] | None] = [None] * len(restrictions)
    if any(wanted):
        cutoffs = [r.cutoff for r in restrictions]
        results = _per_repo(
            snap, step.name, repo_type, ids, step.author_col, step.list_authors, cutoffs, ignore_authors
        )
    for r, want, result in zip(restrictions, wanted, results):
        if not want or result is None:
            n = len(ids) if r.keep is None else int(r.keep.sum())
            for m in step.measures:
                r.put(m, NOT_COVERED, np.full(n, np.nan))
            continue
        items, authors, dropped = result
        if dropped:
            r.notes.append(
                f"{dropped:,} {step.name} of {repo_type} repositories without a date are left out "
                f"of the restriction to {r.as_of}"
            )
        for m, values in zip(step.measures, (items, authors)):
            values = values.copy()
            values[~covered_mask] = np.nan
            r.put(m, OK, r.subset(values))


def _activity(repo_type: str, lic: pa.ChunkedArray, r: _Restriction) -> RepoActivity:
    """The loaded restriction as a :class:`RepoActivity` (its measures, license and license groups)."""
    frame = pd.DataFrame({m: r.data[m] for m in MEASURES})
    lic_r = lic if r.keep is None else lic.filter(pa.array(r.keep))
    frame["license"], frame["group"], frame["alternative_group"] = _license_columns(lic_r)
    covered = {m: int(frame[m].notna().sum()) for m in MEASURES}
    return RepoActivity(repo_type, True, len(frame), frame, r.status, covered, r.notes)


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
    restrictions = [_Restriction(as_of, parse_as_of(as_of)) for as_of in as_ofs]
    t = _read(snap, name, ["id", "created_at", "license", "likes", "downloads"])
    _keep_created(t.column("created_at"), repo_type, restrictions)
    _listing_measures(t, repo_type, restrictions)
    ids = t.column("id").combine_chunks()
    lic = t.column("license")
    del t
    for step in _STEPS:
        _step_measures(snap, repo_type, ids, step, restrictions, ignore_authors)
    del ids
    return [_activity(repo_type, lic, r) for r in restrictions]


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
