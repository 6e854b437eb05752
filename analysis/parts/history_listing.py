"""Part V's listings: one repository type's creation dates, likes, downloads, license groups and owners, read once.

The Hub gave every repository older than its March 2022 migration the same placeholder creation
time; :func:`month_codes` gives those (and repositories without a date) codes of their own, so
that Part V's growth and cohorts never spread them over months. Re-exported by
:mod:`analysis.parts.history`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.parts import licenses
from analysis.snapshot import Snapshot
from analysis.snapshot.schema import PLACEHOLDER_DATE, PLACEHOLDER_MINUTE, REPO_TABLES, REPO_TYPES

#: The Hub's placeholder creation time for repositories older than its March 2022 migration:
#: every such repository has a ``createdAt`` within this minute (UTC).
PLACEHOLDER_START, PLACEHOLDER_END = (pd.Timestamp(t, tz="UTC") for t in PLACEHOLDER_MINUTE)
#: The ``period`` of repositories with the placeholder date, and of those with no date at all.
PLACEHOLDER = f"placeholder (created before {PLACEHOLDER_DATE})"
NO_DATE = "no creation date"
LISTING_COLUMNS = ["id", "owner", "created_at", "likes", "downloads", "license"]


#: Month codes of :attr:`Listing.month` for the placeholder date and for no date.
PH_CODE, NO_DATE_CODE = -1, -2


@dataclass
class Listing:
    """One repository type's listing, as Part V needs it (one row per repository)."""

    repo_type: str
    listed: bool
    created: np.ndarray  # datetime64[ms] (NaT = unknown), UTC
    month: np.ndarray  # months since 1970-01 (int64); PH_CODE = placeholder date, NO_DATE_CODE = unknown
    likes: np.ndarray  # float, NaN = unknown
    downloads: np.ndarray  # float, NaN = unknown or not applicable
    group: np.ndarray  # license group (main mapping), str
    owner_codes: np.ndarray  # int64 index into owner_names, -1 for legacy ids without an owner
    owner_names: list[str]
    ids: pa.Array

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def placeholder(self) -> np.ndarray:
        return self.month == PH_CODE


def _num(col: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(col.cast(pa.float64()).to_numpy(), dtype=float)


def _codes(col: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """(int64 codes, dictionary values) of a string column; -1 for null."""
    enc = pc.dictionary_encode(col).combine_chunks()
    codes = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return codes, enc.dictionary.to_pylist()


def month_codes(created: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each creation time; the placeholder minute and NaT get their codes."""
    ms = created.astype("datetime64[ms]")
    out = ms.astype("datetime64[M]").astype(np.int64)
    lo, hi = (
        np.datetime64(PLACEHOLDER_START.tz_localize(None), "ms"),
        np.datetime64(PLACEHOLDER_END.tz_localize(None), "ms"),
    )
    out[(ms >= lo) & (ms < hi)] = PH_CODE
    out[np.isnat(ms)] = NO_DATE_CODE
    return out


def load_type(snap: Snapshot, repo_type: str) -> Listing:
    """The listing of one repository type (empty, ``listed=False``, where the snapshot has none)."""
    name = REPO_TABLES[repo_type]
    listed = snap.coverage(name).get("scope", "none") != "none"
    t = snap.arrow(name, LISTING_COLUMNS)
    created = np.asarray(t.column("created_at").cast(pa.timestamp("ms")).to_numpy(), dtype="datetime64[ms]")
    downloads = _num(t.column("downloads")) if repo_type != "space" else np.full(t.num_rows, np.nan)
    owner_codes, owner_names = _codes(t.column("owner"))
    return Listing(
        repo_type=repo_type,
        listed=listed,
        created=created,
        month=month_codes(created),
        likes=_num(t.column("likes")),
        downloads=downloads,
        group=licenses.group_of(t.column("license")),
        owner_codes=owner_codes,
        owner_names=owner_names,
        ids=t.column("id").combine_chunks(),
    )


def load(snap: Snapshot, repo_types: Iterable[str] = REPO_TYPES) -> dict[str, Listing]:
    """Every repository type's listing (read once for the whole of Part V)."""
    return {t: load_type(snap, t) for t in repo_types}


def listed_types(listings: dict[str, Listing]) -> list[str]:
    return [t for t, lst in listings.items() if lst.listed and lst.n]


def coverage_text(snap: Snapshot, listings: dict[str, Listing]) -> str:
    """What Part V's tables and figures cover, for their captions."""
    parts = [f"{lst.n:,} {t} repositories" for t, lst in listings.items() if lst.listed]
    return ("the listings of " + ", ".join(parts)) if parts else "no listing"
