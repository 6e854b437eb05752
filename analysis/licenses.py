"""License groups and the license-effect tests of Part I.

The mapping from a license id to a group lives in a documented parameter file,
:data:`MAPPING_FILE` (``analysis/resources/license_groups.yml``), which the
book shows in full with its reasoning. Two mappings are defined there: the
main one (groups permissive, restrictive, none) and the main alternative
(OpenRAIL family and ``cc`` as permissive; ``other`` and ``unknown`` as a
fourth group ``other``), used by the sensitivity table.

The tests compare model repositories across license groups:

- :func:`kruskal` - Kruskal-Wallis H (tie-corrected, as scipy), degrees of
  freedom, p and epsilon squared (E²_R = H / (n - 1); Tomczak & Tomczak 2014);
- :func:`dunn` - Dunn's (1964) pairwise z tests on mean ranks with the tie
  correction, with raw and Holm-adjusted p from scikit-posthocs.

Every function takes plain arrays (values with NaN for "not known", which is
dropped, never read as zero) and group labels; loading is done by
:mod:`analysis.activity`.
"""

from __future__ import annotations

import functools
import itertools
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from scipy import stats as sstats

from . import paths

#: The documented mapping file (shown in the book).
MAPPING_FILE: Path = paths.resource("license_groups.yml")

MAIN = "main"
ALTERNATIVE = "alternative"
MAPPINGS = (MAIN, ALTERNATIVE)


class MappingError(ValueError):
    """The license mapping file is malformed."""


@functools.lru_cache(maxsize=4)
def load_mapping(path: str | None = None) -> dict[str, Any]:
    """Read and validate the mapping file; returns a dict with keys
    ``groups``, ``alternative_groups``, ``no_license_group``,
    ``unmapped_group`` and ``licenses`` (id -> {group, alternative, reason}).
    """
    file = Path(path) if path else MAPPING_FILE
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"{file}: cannot read license mapping ({exc})") from None
    if not isinstance(raw, dict):
        raise MappingError(f"{file}: expected a mapping at top level")
    for key in ("groups", "alternative_groups", "no_license_group", "unmapped_group", "licenses"):
        if key not in raw:
            raise MappingError(f"{file}: missing key {key!r}")
    groups = list(raw["groups"])
    alt_groups = list(raw["alternative_groups"])
    lic: dict[str, dict[str, str]] = {}
    for i, entry in enumerate(raw["licenses"]):
        if not isinstance(entry, dict) or not {"license", "group", "alternative", "reason"} <= set(entry):
            raise MappingError(f"{file}: licenses[{i}] needs license, group, alternative and reason")
        lid = normalize_id(entry["license"])
        if lid in lic:
            raise MappingError(f"{file}: license {lid!r} listed twice")
        if entry["group"] not in groups:
            raise MappingError(f"{file}: license {lid!r} has group {entry['group']!r}, expected one of {groups}")
        if entry["alternative"] not in alt_groups:
            raise MappingError(
                f"{file}: license {lid!r} has alternative {entry['alternative']!r}, expected one of {alt_groups}")
        lic[lid] = {"group": entry["group"], "alternative": entry["alternative"],
                    "reason": str(entry["reason"])}
    return {
        "groups": groups,
        "alternative_groups": alt_groups,
        "no_license_group": raw["no_license_group"],
        "unmapped_group": raw["unmapped_group"],
        "licenses": lic,
    }


def normalize_id(license_id: Any) -> str | None:
    """Lower-cased, stripped license id; None for a missing or empty one."""
    if license_id is None or (isinstance(license_id, float) and np.isnan(license_id)) or license_id is pd.NA:
        return None
    text = str(license_id).strip().lower()
    return text or None


def group_names(mapping: str = MAIN) -> list[str]:
    """The groups of a mapping, in display order (plus the unmapped group if not among them)."""
    m = load_mapping()
    out = list(m["groups"] if mapping == MAIN else m["alternative_groups"])
    if m["unmapped_group"] not in out:
        out.append(m["unmapped_group"])
    return out


def _group_for(lid: str | None, mapping: str) -> str:
    m = load_mapping()
    if lid is None:
        return m["no_license_group"]
    entry = m["licenses"].get(lid)
    if entry is None:
        return m["unmapped_group"]
    return entry["group"] if mapping == MAIN else entry["alternative"]


def is_mapped(license_id: Any) -> bool:
    """True if the id is missing (no license) or listed in the mapping file."""
    lid = normalize_id(license_id)
    return lid is None or lid in load_mapping()["licenses"]


def _as_dictionary(license_ids: Any) -> tuple[np.ndarray, list[str | None]]:
    """(codes, values): codes index into values, -1 for null. Vectorised via Arrow."""
    if isinstance(license_ids, pa.ChunkedArray):
        arr = license_ids.combine_chunks() if license_ids.num_chunks != 1 else license_ids.chunk(0)
    elif isinstance(license_ids, pa.Array):
        arr = license_ids
    else:
        ser = pd.Series(license_ids, dtype="object") if not isinstance(license_ids, pd.Series) else license_ids
        ser = ser.astype("object").where(ser.notna(), None)
        arr = pa.array(ser.tolist(), type=pa.string())
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    enc = pc.dictionary_encode(arr)
    codes = enc.indices.to_numpy(zero_copy_only=False)
    codes = np.where(pc.is_null(enc.indices).to_numpy(zero_copy_only=False), -1, codes).astype(np.int64)
    values = [normalize_id(v) for v in enc.dictionary.to_pylist()]
    return codes, values


def group_of(license_ids: Any, mapping: str = MAIN) -> np.ndarray:
    """Group of each license id (array of str, same length), ``mapping`` main or alternative.

    A missing or empty id is ``no_license_group`` ("none"); an id not in the
    mapping file is ``unmapped_group``. Ids are compared lower-cased.
    """
    if mapping not in MAPPINGS:
        raise ValueError(f"mapping {mapping!r}; expected one of {MAPPINGS}")
    codes, values = _as_dictionary(license_ids)
    lookup = np.array([_group_for(v, mapping) for v in values] + [_group_for(None, mapping)], dtype=object)
    return lookup[codes]  # -1 picks the last entry: no license


def mapping_table() -> pd.DataFrame:
    """The mapping file as a table: license, group, alternative_group, reason."""
    m = load_mapping()
    rows = [{"license": NO_LICENSE, "group": m["no_license_group"],
             "alternative_group": m["no_license_group"],
             "reason": "no license tag: no grant of rights"}]
    order = {g: i for i, g in enumerate(m["groups"])}
    for lid, e in sorted(m["licenses"].items(), key=lambda kv: (order[kv[1]["group"]], kv[0])):
        rows.append({"license": lid, "group": e["group"], "alternative_group": e["alternative"],
                     "reason": e["reason"]})
    return pd.DataFrame(rows, columns=["license", "group", "alternative_group", "reason"])


def mapping_documentation() -> str:
    """The explanatory comment block at the top of the mapping file, as Markdown text."""
    lines = []
    for line in MAPPING_FILE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            if lines:
                break
            continue
        lines.append(re.sub(r"^# ?", "", line))
    return "\n".join(lines).strip()


# --------------------------------------------------------------------------- #
# landscape
# --------------------------------------------------------------------------- #

NO_LICENSE = "(no license tag)"


def license_counts(license_ids: Any) -> pd.Series:
    """Counts of normalised license ids (``NO_LICENSE`` for none), largest first."""
    codes, values = _as_dictionary(license_ids)
    counts = np.bincount(codes + 1, minlength=len(values) + 1)
    out: dict[str, int] = {}
    for k, c in zip([None] + values, counts):
        if c:
            key = NO_LICENSE if k is None else k
            out[key] = out.get(key, 0) + int(c)
    ser = pd.Series(out, dtype="int64")
    return ser.sort_values(ascending=False, kind="stable")


def top_licenses(by_type: Mapping[str, Any], top: int = 15) -> pd.DataFrame:
    """Most common license ids across the given repository types.

    ``by_type`` maps a repository type to its array of license ids (types
    without a listing are left out by the caller). Ranked by the total count
    over the types; the row ``NO_LICENSE`` is always included, first.
    """
    counts = {t: license_counts(ids) for t, ids in by_type.items()}
    totals: dict[str, int] = {}
    for ser in counts.values():
        for k, v in ser.items():
            totals[k] = totals.get(k, 0) + int(v)
    ranked = sorted((k for k in totals if k != NO_LICENSE), key=lambda k: (-totals[k], k))
    rows = []
    for k in [NO_LICENSE] + ranked[:top]:
        row: dict[str, Any] = {"license": k, "group": _group_for(None if k == NO_LICENSE else k, MAIN)}
        for t, ser in counts.items():
            n = int(ser.get(k, 0))
            total = int(ser.sum())
            row[f"{t}s"] = n
            row[f"{t}s %"] = 100.0 * n / total if total else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def group_shares(by_type: Mapping[str, Any], mapping: str = MAIN) -> pd.DataFrame:
    """Count and share (%) of each license group per repository type."""
    names = group_names(mapping)
    rows = {g: {"license group": g} for g in names}
    for t, ids in by_type.items():
        groups = group_of(ids, mapping)
        total = len(groups)
        vals, cnt = np.unique(groups.astype(str), return_counts=True) if total else ([], [])
        c = dict(zip(vals, cnt))
        for g in names:
            n = int(c.get(g, 0))
            rows[g][f"{t}s"] = n
            rows[g][f"{t}s %"] = 100.0 * n / total if total else float("nan")
    df = pd.DataFrame(list(rows.values()))
    # drop an unmapped group nobody falls into (it is listed only when used)
    m = load_mapping()
    if m["unmapped_group"] not in (m["groups"] if mapping == MAIN else m["alternative_groups"]):
        num = [c for c in df.columns if c.endswith("s") and c != "license group"]
        sel = df["license group"] == m["unmapped_group"]
        if sel.any() and not df.loc[sel, num].to_numpy().any():
            df = df[~sel]
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- #
# tests
# --------------------------------------------------------------------------- #

def _clean(values: Any, groups: Any) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float, na_value=np.nan))
    g = np.asarray(pd.Series(groups, dtype="object").to_numpy())
    if v.shape != g.shape:
        raise ValueError("values and groups must have the same length")
    ok = ~np.isnan(v) & pd.notna(g)
    return v[ok], g[ok].astype(str)


def kruskal(values: Any, groups: Any) -> dict[str, float]:
    """Kruskal-Wallis test across groups (NaN values dropped).

    Returns n, k (groups with data), H, df = k - 1, p and epsilon squared
    E²_R = H / (n - 1). With fewer than two groups, or when every value is
    tied, the statistics are NaN (the test is undefined).
    """
    v, g = _clean(values, groups)
    labels = sorted(set(g.tolist()))
    out = {"n": int(v.size), "k": len(labels), "H": float("nan"), "df": float("nan"),
           "p": float("nan"), "epsilon_sq": float("nan")}
    if len(labels) < 2 or v.size < 3 or np.all(v == v[0]):
        return out
    samples = [v[g == lab] for lab in labels]
    res = sstats.kruskal(*samples)
    n = v.size
    out.update(H=float(res.statistic), df=len(labels) - 1, p=float(res.pvalue),
               epsilon_sq=float(res.statistic) / (n - 1))
    return out


def dunn(values: Any, groups: Any, p_adjust: str = "holm",
         order: Sequence[str] | None = None) -> pd.DataFrame:
    """Dunn's pairwise tests after Kruskal-Wallis (NaN values dropped).

    One row per pair of groups: n and mean rank of each, z (positive when
    ``group_a`` ranks higher), the raw two-sided p and the ``p_adjust``-adjusted
    p, both from :func:`scikit_posthocs.posthoc_dunn` (its z is not exposed, so
    z is computed here with the same tie correction).
    """
    import scikit_posthocs as sp

    v, g = _clean(values, groups)
    present = sorted(set(g.tolist()))
    labels = [x for x in (order or present) if x in present] + [x for x in present if order and x not in order]
    cols = ["group_a", "group_b", "n_a", "n_b", "mean_rank_a", "mean_rank_b", "z", "p", "p_adj"]
    if len(labels) < 2:
        return pd.DataFrame(columns=cols)
    n = v.size
    ranks = sstats.rankdata(v)
    _, tie_counts = np.unique(v, return_counts=True)
    tie = float(((tie_counts.astype(float) ** 3) - tie_counts).sum()) / (12.0 * (n - 1))
    var = n * (n + 1) / 12.0 - tie
    frame = pd.DataFrame({"value": v, "group": g})
    raw = sp.posthoc_dunn(frame, val_col="value", group_col="group", p_adjust=None)
    adj = sp.posthoc_dunn(frame, val_col="value", group_col="group", p_adjust=p_adjust)
    stats_by = {lab: (int((g == lab).sum()), float(ranks[g == lab].mean())) for lab in labels}
    rows = []
    for a, b in itertools.combinations(labels, 2):
        na, ra = stats_by[a]
        nb, rb = stats_by[b]
        se = np.sqrt(var * (1.0 / na + 1.0 / nb)) if var > 0 else float("nan")
        z = (ra - rb) / se if se and se > 0 else float("nan")
        rows.append({"group_a": a, "group_b": b, "n_a": na, "n_b": nb,
                     "mean_rank_a": ra, "mean_rank_b": rb, "z": float(z),
                     "p": float(raw.loc[a, b]), "p_adj": float(adj.loc[a, b])})
    return pd.DataFrame(rows, columns=cols)


def order_by_mean_rank(values: Any, groups: Any) -> list[str]:
    """Groups from highest to lowest mean rank (NaN dropped)."""
    v, g = _clean(values, groups)
    if v.size == 0:
        return []
    ranks = sstats.rankdata(v)
    means = pd.Series(ranks).groupby(g).mean().sort_values(ascending=False, kind="stable")
    return [str(x) for x in means.index]


def tests_table(data: pd.DataFrame, measures: Iterable[str], group_col: str,
                labels: Mapping[str, str] | None = None,
                groups: Sequence[str] | None = None) -> pd.DataFrame:
    """Per measure: N, median and mean by group, Kruskal-Wallis H, df, p, epsilon².

    ``data`` holds one row per repository with the measure columns (NaN =
    not known) and ``group_col``. Groups with no repository are omitted.
    """
    labels = labels or {}
    present = list(pd.unique(data[group_col].astype(str)))
    groups = [x for x in (groups or sorted(present)) if x in present] + \
        [x for x in present if groups and x not in groups]
    rows = []
    for m in measures:
        v = data[m].to_numpy(dtype=float, na_value=np.nan)
        g = data[group_col].to_numpy(dtype=object)
        ok = ~np.isnan(v)
        row: dict[str, Any] = {"measure": labels.get(m, m), "N": int(ok.sum())}
        for grp in groups:
            sel = ok & (g == grp)
            row[f"median {grp}"] = float(np.median(v[sel])) if sel.any() else float("nan")
        for grp in groups:
            sel = ok & (g == grp)
            row[f"mean {grp}"] = float(v[sel].mean()) if sel.any() else float("nan")
        kw = kruskal(v, g)
        row.update({"H": kw["H"], "df": kw["df"], "p": kw["p"], "epsilon²": kw["epsilon_sq"]})
        rows.append(row)
    return pd.DataFrame(rows)


def dunn_table(data: pd.DataFrame, measures: Iterable[str], group_col: str,
               labels: Mapping[str, str] | None = None,
               groups: Sequence[str] | None = None, p_adjust: str = "holm") -> pd.DataFrame:
    """Dunn's pairwise tests for each measure, stacked (Holm-adjusted p by default)."""
    labels = labels or {}
    parts = []
    for m in measures:
        d = dunn(data[m].to_numpy(dtype=float, na_value=np.nan), data[group_col].to_numpy(dtype=object),
                 p_adjust=p_adjust, order=groups)
        if d.empty:
            continue
        d.insert(0, "measure", labels.get(m, m))
        parts.append(d)
    cols = ["measure", "group_a", "group_b", "n_a", "n_b", "mean_rank_a", "mean_rank_b", "z", "p", "p_adj"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    return out.rename(columns={"p_adj": f"p ({p_adjust})"})


def sensitivity_table(data: pd.DataFrame, measures: Iterable[str], license_ids: Any,
                      labels: Mapping[str, str] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Which conclusions change under the alternative mapping (model repositories).

    ``data`` has one row per model with the measure columns; ``license_ids``
    the model's license ids (same order). Compares group shares, whether the
    Kruskal-Wallis test is significant at ``alpha``, the order of groups by
    mean rank, and the effect size, main vs alternative mapping.
    """
    labels = labels or {}
    main = group_of(license_ids, MAIN)
    alt = group_of(license_ids, ALTERNATIVE)
    rows = []

    def share_text(gr: np.ndarray, names: list[str]) -> str:
        n = len(gr)
        if not n:
            return "no repositories"
        parts = []
        for name in names:
            c = int((gr == name).sum())
            if c or name in load_mapping()["groups"]:
                parts.append(f"{name} {100.0 * c / n:.1f}%")
        return ", ".join(parts)

    main_sh = share_text(main, group_names(MAIN))
    alt_sh = share_text(alt, group_names(ALTERNATIVE))
    moved = int((main != alt).sum())
    rows.append({"aspect": "license group shares (models)", "main mapping": main_sh,
                 "alternative mapping": alt_sh,
                 "changes": f"yes: {moved:,} models ({100.0 * moved / max(len(main), 1):.1f}%) change group"
                 if moved else "no"})
    for m in measures:
        v = data[m].to_numpy(dtype=float, na_value=np.nan)
        k1, k2 = kruskal(v, main), kruskal(v, alt)
        s1 = "n/a" if np.isnan(k1["p"]) else ("yes" if k1["p"] < alpha else "no")
        s2 = "n/a" if np.isnan(k2["p"]) else ("yes" if k2["p"] < alpha else "no")
        o1 = " > ".join(order_by_mean_rank(v, main))
        o2 = " > ".join(order_by_mean_rank(v, alt))
        name = labels.get(m, m)
        rows.append({"aspect": f"{name}: differences significant (p < {alpha})",
                     "main mapping": f"{s1} (H = {k1['H']:.1f}, ε² = {k1['epsilon_sq']:.4f})" if s1 != "n/a" else "n/a",
                     "alternative mapping": f"{s2} (H = {k2['H']:.1f}, ε² = {k2['epsilon_sq']:.4f})" if s2 != "n/a" else "n/a",
                     "changes": "yes" if s1 != s2 else "no"})
        # compare the order of the groups both mappings share
        common = [x for x in o1.split(" > ") if x in o2.split(" > ")]
        o2_common = [x for x in o2.split(" > ") if x in common]
        rows.append({"aspect": f"{name}: groups by mean rank (highest first)",
                     "main mapping": o1 or "n/a", "alternative mapping": o2 or "n/a",
                     "changes": "yes" if common != o2_common else "no (shared groups keep their order)"})
    return pd.DataFrame(rows)


def underflow_note(*frames: pd.DataFrame) -> str | None:
    """A note for tables where some p value is exactly 0 (below floating-point range), else None."""
    for df in frames:
        pcols = [c for c in df.columns if c == "p" or str(c).startswith("p (")]
        if any((pd.to_numeric(df[c], errors="coerce") == 0).any() for c in pcols):
            return ("A p value shown as 0 is smaller than the smallest number a double-precision float "
                    "holds (about 1e-308): the test is beyond doubt, and the effect size says how large "
                    "the difference is.")
    return None
