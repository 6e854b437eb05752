"""License groups and the license-effect tests of Part I.

The mapping from a license id to a group lives in a documented parameter file,
:data:`MAPPING_FILE` (``analysis/resources/license_groups.yml``), which the
book shows in full with its reasoning. Two mappings are defined there: the
main one (groups permissive, restrictive, none) and the main alternative
(OpenRAIL family and ``cc`` as permissive; ``other`` and ``unknown`` as a
fourth group ``other``), used by the sensitivity table.

The tests compare model repositories across license groups:

- :func:`kruskal` - Kruskal-Wallis H (tie-corrected, as scipy), degrees of
  freedom, p and epsilon squared (E²_R = H / (n - 1); Tomczak & Tomczak 2014), and
  :func:`epsilon_sq_interval`, its percentile-bootstrap 95% interval;
- :func:`dunn` - Dunn's (1964) pairwise z tests on mean ranks with the tie
  correction, with raw and Holm-adjusted p from scikit-posthocs.

Every function takes plain arrays (values with NaN for "not known", which is
dropped, never read as zero) and group labels; loading is done by
:mod:`analysis.parts.activity`.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from scipy import stats as sstats

from analysis import arrays, paths, stats

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
                f"{file}: license {lid!r} has alternative {entry['alternative']!r}, expected one of {alt_groups}"
            )
        lic[lid] = {"group": entry["group"], "alternative": entry["alternative"], "reason": str(entry["reason"])}
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
    if isinstance(license_ids, pd.Series) and isinstance(license_ids.dtype, pd.CategoricalDtype):
        license_ids = license_ids.array
    if isinstance(license_ids, pd.Categorical):
        return (np.asarray(license_ids.codes, dtype=np.int64), [normalize_id(v) for v in license_ids.categories])
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
    codes, names = group_codes(license_ids, mapping)
    return np.array(names, dtype=object)[codes]


def mapping_table() -> pd.DataFrame:
    """The mapping file as a table: license, group, alternative_group, reason."""
    m = load_mapping()
    rows = [
        {
            "license": NO_LICENSE,
            "group": m["no_license_group"],
            "alternative_group": m["no_license_group"],
            "reason": "no license tag: no grant of rights",
        }
    ]
    order = {g: i for i, g in enumerate(m["groups"])}
    for lid, e in sorted(m["licenses"].items(), key=lambda kv: (order[kv[1]["group"]], kv[0])):
        rows.append({"license": lid, "group": e["group"], "alternative_group": e["alternative"], "reason": e["reason"]})
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


def _percent(n: int, total: int) -> float:
    """:func:`analysis.stats.percent`, NaN (a float table cell) where there is no total."""
    p = stats.percent(n, total)
    return float("nan") if p is None else p


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
    type_totals = {t: int(ser.sum()) for t, ser in counts.items()}
    rows = []
    for k in [NO_LICENSE] + ranked[:top]:
        row: dict[str, Any] = {"license": k, "group": _group_for(None if k == NO_LICENSE else k, MAIN)}
        for t, ser in counts.items():
            n = int(ser.get(k, 0))
            row[f"{t}s"] = n
            row[f"{t}s %"] = _percent(n, type_totals[t])
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
            rows[g][f"{t}s %"] = _percent(n, total)
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


#: The columns of ``tab-license-tests`` and ``tab-license-dunn`` a page shows first (the tests' results).
TESTS_KEY_COLUMNS = ("measure", "N", "p", "epsilon²", "H", "df")
DUNN_KEY_COLUMNS = ("measure", "group_a", "group_b", "z", "p (holm)", "p")


def _group_codes(groups: Any) -> tuple[np.ndarray, list[str]]:
    """(codes, labels): integer code per element (-1 = missing), labels sorted by name.

    Categoricals are used as they are (no string handling), so millions of
    rows stay cheap.
    """
    if isinstance(groups, pd.Series) and isinstance(groups.dtype, pd.CategoricalDtype):
        groups = groups.array
    if isinstance(groups, pd.Categorical):
        cats = [str(c) for c in groups.categories]
        order = np.argsort(cats, kind="stable")
        remap = np.empty(len(cats) + 1, dtype=np.int64)
        remap[order] = np.arange(len(cats))
        remap[-1] = -1
        codes = np.asarray(groups.codes, dtype=np.int64)
        return remap[codes], [cats[i] for i in order]
    arr = np.asarray(pd.Series(groups, dtype="object").to_numpy(), dtype=object)
    missing = pd.isna(arr)
    labels = sorted({str(x) for x in arr[~missing]})
    pos = {lab: i for i, lab in enumerate(labels)}
    codes = np.fromiter((pos[str(x)] if not m else -1 for x, m in zip(arr, missing)), dtype=np.int64, count=arr.size)
    return codes, labels


def _clean(values: Any, groups: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(values, group codes, labels) with unknown values and missing groups dropped."""
    if isinstance(values, pd.Series):
        v = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float, na_value=np.nan))
    codes, labels = _group_codes(groups)
    if v.shape != codes.shape:
        raise ValueError("values and groups must have the same length")
    ok = ~np.isnan(v) & (codes >= 0)
    return v[ok], codes[ok], labels


def _ranks(v: np.ndarray) -> tuple[np.ndarray, float]:
    """Mid-ranks of v and the tie term sum(t^3 - t) over groups of tied values."""
    ranks = sstats.rankdata(v)
    _, counts = np.unique(v, return_counts=True)
    c = counts.astype(float)
    return ranks, float((c**3 - c).sum())


def _kw_codes(ranks: np.ndarray, tie_term: float, codes: np.ndarray, k: int) -> dict[str, float]:
    """Kruskal-Wallis from ranks and group codes, with the tie correction (as scipy.stats.kruskal)."""
    n = ranks.size
    sizes = np.bincount(codes, minlength=k).astype(float)
    present = sizes > 0
    out = {
        "n": int(n),
        "k": int(present.sum()),
        "H": float("nan"),
        "df": float("nan"),
        "p": float("nan"),
        "epsilon_sq": float("nan"),
    }
    corr = 1.0 - tie_term / (n**3 - n) if n > 1 else 0.0
    if out["k"] < 2 or n < 3 or corr <= 0:
        return out
    sums = np.bincount(codes, weights=ranks, minlength=k)
    h = 12.0 / (n * (n + 1)) * float((sums[present] ** 2 / sizes[present]).sum()) - 3.0 * (n + 1)
    h /= corr
    df = out["k"] - 1
    out.update(H=h, df=df, p=float(sstats.chi2.sf(h, df)), epsilon_sq=h / (n - 1))
    return out


def kruskal(values: Any, groups: Any) -> dict[str, float]:
    """Kruskal-Wallis test across groups (NaN values and missing groups dropped).

    Returns n, k (groups with data), H (tie-corrected), df = k - 1, p and
    epsilon squared E²_R = H / (n - 1). With fewer than two groups, or when
    every value is tied, the statistics are NaN (the test is undefined).
    Computed from one ranking, vectorised; equal to scipy.stats.kruskal.
    """
    v, codes, labels = _clean(values, groups)
    ranks, tie = _ranks(v)
    return _kw_codes(ranks, tie, codes, len(labels))


#: Bootstrap of epsilon squared (:func:`epsilon_sq_interval`): resamples, and the largest subsample resampled.
BOOT_B = 200
BOOT_MAX_N = 20_000


def epsilon_sq_interval(
    values: np.ndarray, groups: np.ndarray, *, b: int = BOOT_B, max_n: int = BOOT_MAX_N, seed: int = 0
) -> tuple[float | None, float | None, str]:
    """95% percentile-bootstrap interval of Kruskal-Wallis epsilon squared (:func:`kruskal`).

    Resamples (with replacement) a seeded subsample of at most ``max_n``
    values, so the interval is never narrower than the full sample's would be.
    """
    g_all = np.asarray(groups, dtype=object)
    ok = ~np.isnan(values) & np.asarray(pd.notna(g_all), dtype=bool)
    v, g = values[ok], g_all[ok]
    rng = np.random.default_rng(seed)
    if v.size > max_n:
        idx = rng.choice(v.size, max_n, replace=False)
        v, g = v[idx], g[idx]
    method = f"95% percentile bootstrap, {b} resamples of {v.size:,} repositories (seed {seed})"
    if v.size < 3:
        return None, None, method
    cat = pd.Categorical(g)  # integer codes once: each resample is then a Categorical view
    est = []
    for _ in range(b):
        i = rng.integers(0, v.size, v.size)
        e = kruskal(v[i], pd.Categorical.from_codes(cat.codes[i], cat.categories))["epsilon_sq"]
        if not np.isnan(e):
            est.append(e)
    if len(est) < b // 2:
        return None, None, method
    lo, hi = np.percentile(est, [2.5, 97.5])
    return float(lo), float(hi), method


def _mean_ranks(ranks: np.ndarray, codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(size, mean rank) of each of the k group codes (mean 0 for an empty group)."""
    sizes = np.bincount(codes, minlength=k)
    return sizes, np.bincount(codes, weights=ranks, minlength=k) / np.maximum(sizes, 1)


def _order(ranks: np.ndarray, codes: np.ndarray, labels: Sequence[str]) -> list[str]:
    """The groups with data, highest mean rank first."""
    sizes, means = _mean_ranks(ranks, codes, len(labels))
    present = [i for i in np.argsort(-means, kind="stable") if sizes[i] > 0]
    return [labels[i] for i in present]


def dunn(values: Any, groups: Any, p_adjust: str = "holm", order: Sequence[str] | None = None) -> pd.DataFrame:
    """Dunn's pairwise tests after Kruskal-Wallis (NaN values dropped).

    One row per pair of groups: n and mean rank of each, z (positive when
    ``group_a`` ranks higher), the two-sided p from
    :func:`scikit_posthocs.posthoc_dunn` and that p adjusted with
    ``p_adjust`` over all pairs (statsmodels ``multipletests``, as
    scikit-posthocs does). scikit-posthocs does not expose z, so z is
    computed here with the same tie correction (Glantz 2012).
    """
    import scikit_posthocs as sp
    from statsmodels.stats.multitest import multipletests

    cols = ["group_a", "group_b", "n_a", "n_b", "mean_rank_a", "mean_rank_b", "z", "p", "p_adj"]
    v, codes, labels = _clean(values, groups)
    ranks, tie_term = _ranks(v)
    sizes, means = _mean_ranks(ranks, codes, len(labels))
    present = [labels[i] for i in range(len(labels)) if sizes[i] > 0]
    ordered = [x for x in (order or []) if x in present] + [x for x in present if x not in (order or [])]
    if len(ordered) < 2:
        return pd.DataFrame(columns=cols)
    n = v.size
    var = n * (n + 1) / 12.0 - tie_term / (12.0 * (n - 1))
    raw = sp.posthoc_dunn(pd.DataFrame({"value": v, "group": codes}), val_col="value", group_col="group", p_adjust=None)
    index = {lab: i for i, lab in enumerate(labels)}
    rows = []
    for a, b in itertools.combinations(ordered, 2):
        i, j = index[a], index[b]
        se = np.sqrt(var * (1.0 / sizes[i] + 1.0 / sizes[j])) if var > 0 else float("nan")
        z = (means[i] - means[j]) / se if se and se > 0 else float("nan")
        rows.append(
            {
                "group_a": a,
                "group_b": b,
                "n_a": int(sizes[i]),
                "n_b": int(sizes[j]),
                "mean_rank_a": float(means[i]),
                "mean_rank_b": float(means[j]),
                "z": float(z),
                "p": float(raw.loc[i, j]),
            }
        )
    out = pd.DataFrame(rows, columns=cols[:-1])
    out["p_adj"] = multipletests(out["p"].to_numpy(), method=p_adjust)[1]
    return out[cols]


def tests_table(
    data: pd.DataFrame,
    measures: Iterable[str],
    group_col: str,
    labels: Mapping[str, str] | None = None,
    groups: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per measure: N, median and mean by group, Kruskal-Wallis H, df, p, epsilon².

    ``data`` holds one row per repository with the measure columns (NaN =
    not known) and ``group_col``. Groups with no repository are omitted.
    """
    names = labels or {}
    codes_all, glabels = _group_codes(data[group_col])
    present = [glabels[i] for i in arrays.unique(codes_all[codes_all >= 0])]
    shown = [x for x in (groups or present) if x in present] + [x for x in present if groups and x not in groups]
    rows = []
    for m in measures:
        v_all = data[m].to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(v_all) & (codes_all >= 0)
        v, codes = v_all[ok], codes_all[ok]
        row: dict[str, Any] = {"measure": names.get(m, m), "N": int(ok.sum())}
        per = {g: v[codes == glabels.index(g)] for g in shown}
        for g in shown:
            row[f"median {g}"] = float(np.median(per[g])) if per[g].size else float("nan")
        for g in shown:
            row[f"mean {g}"] = float(per[g].mean()) if per[g].size else float("nan")
        kw = _kw_codes(*_ranks(v), codes, len(glabels))
        row.update({"H": kw["H"], "df": kw["df"], "p": kw["p"], "epsilon²": kw["epsilon_sq"]})
        rows.append(row)
    return pd.DataFrame(rows)


def dunn_table(
    data: pd.DataFrame,
    measures: Iterable[str],
    group_col: str,
    labels: Mapping[str, str] | None = None,
    groups: Sequence[str] | None = None,
    p_adjust: str = "holm",
) -> pd.DataFrame:
    """Dunn's pairwise tests for each measure, stacked (Holm-adjusted p by default)."""
    labels = labels or {}
    parts = []
    for m in measures:
        d = dunn(data[m], data[group_col], p_adjust=p_adjust, order=groups)
        if d.empty:
            continue
        d.insert(0, "measure", labels.get(m, m))
        parts.append(d)
    cols = ["measure", "group_a", "group_b", "n_a", "n_b", "mean_rank_a", "mean_rank_b", "z", "p", "p_adj"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    return out.rename(columns={"p_adj": f"p ({p_adjust})"})


def group_codes(license_ids: Any, mapping: str = MAIN) -> tuple[np.ndarray, list[str]]:
    """(codes into :func:`group_names`, names): the group of each license id, as integers."""
    codes, values = _as_dictionary(license_ids)
    names = group_names(mapping)
    lookup = np.array(
        [names.index(_group_for(x, mapping)) for x in values] + [names.index(_group_for(None, mapping))], dtype=np.int64
    )
    return lookup[codes], names


def sensitivity_table(
    data: pd.DataFrame,
    measures: Iterable[str],
    license_ids: Any,
    labels: Mapping[str, str] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Which conclusions change under the alternative mapping (model repositories).

    ``data`` has one row per model with the measure columns; ``license_ids``
    the model's license ids (same order). Compares group shares, whether the
    Kruskal-Wallis test is significant at ``alpha``, the order of groups by
    mean rank, and the effect size, main vs alternative mapping.
    """
    labels = labels or {}
    main, main_names = group_codes(license_ids, MAIN)
    alt, alt_names = group_codes(license_ids, ALTERNATIVE)
    base = set(load_mapping()["groups"])

    def share_text(codes: np.ndarray, names: list[str]) -> str:
        n = codes.size
        if not n:
            return "no repositories"
        counts = np.bincount(codes, minlength=len(names))
        return ", ".join(f"{name} {stats.percent(c, n):.1f}%" for name, c in zip(names, counts) if c or name in base)

    moved = int((np.array(main_names, dtype=object)[main] != np.array(alt_names, dtype=object)[alt]).sum())
    rows = [
        {
            "aspect": "license group shares (models)",
            "main mapping": share_text(main, main_names),
            "alternative mapping": share_text(alt, alt_names),
            "changes": f"yes: {moved:,} models ({stats.percent(moved, main.size):.1f}%) change group"
            if moved
            else "no",
        }
    ]

    def significant(k: dict[str, float]) -> str:
        return "n/a" if np.isnan(k["p"]) else ("yes" if k["p"] < alpha else "no")

    def fmt(k: dict[str, float], sig: str) -> str:
        return "n/a" if sig == "n/a" else f"{sig} (H = {k['H']:.1f}, ε² = {k['epsilon_sq']:.4f})"

    for m in measures:
        v = data[m].to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(v)
        name = labels.get(m, m)
        if ok.sum() >= 3:
            ranks, tie = _ranks(v[ok])
            k1 = _kw_codes(ranks, tie, main[ok], len(main_names))
            k2 = _kw_codes(ranks, tie, alt[ok], len(alt_names))
            o1, o2 = _order(ranks, main[ok], main_names), _order(ranks, alt[ok], alt_names)
        else:
            k1 = k2 = {"H": float("nan"), "p": float("nan"), "epsilon_sq": float("nan")}
            o1 = o2 = []
        s1, s2 = significant(k1), significant(k2)
        rows.append(
            {
                "aspect": f"{name}: differences significant (p < {alpha})",
                "main mapping": fmt(k1, s1),
                "alternative mapping": fmt(k2, s2),
                "changes": "yes" if s1 != s2 else "no",
            }
        )
        common = [x for x in o1 if x in o2]
        o2_common = [x for x in o2 if x in common]
        rows.append(
            {
                "aspect": f"{name}: groups by mean rank (highest first)",
                "main mapping": " > ".join(o1) or "n/a",
                "alternative mapping": " > ".join(o2) or "n/a",
                "changes": "yes" if common != o2_common else "no (shared groups keep their order)",
            }
        )
    return pd.DataFrame(rows)


def underflow_note(*frames: pd.DataFrame) -> str | None:
    """A note for tables where some p value is exactly 0 (below floating-point range), else None."""
    for df in frames:
        pcols = [c for c in df.columns if c == "p" or str(c).startswith("p (")]
        if any((pd.to_numeric(df[c], errors="coerce") == 0).any() for c in pcols):
            return (
                "A p value shown as < 1e-300 is smaller than the smallest number a double-precision float "
                "holds (about 1e-308; the CSV has 0): the test is beyond doubt, and the effect size says how "
                "large the difference is."
            )
    return None
