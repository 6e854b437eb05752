"""Identity resolution of commit authors: the authors' fuzzy matching, made reviewable.

Commit authors can be Hub usernames (``joaogante``) or git names
(``Joao Gante``). The paper's method, reproduced here:

1. **Normalise** every name: lower case, punctuation and spaces removed
   (:func:`normalise`; ``"Joao Gante"`` and ``"joao-gante"`` both become
   ``"joaogante"``). Letters of any script are kept.
2. **Candidate pairs**: two names are candidates when the rapidfuzz
   ``token_set_ratio`` of their normalised forms is at least ``threshold``
   (default 90, on a 0-100 scale). Names with the same normalised form score
   100.

Because normalisation removes spaces, a normalised name is a single token, and
for single tokens ``token_set_ratio`` equals ``fuzz.ratio`` (the normalised Indel
similarity ``100 * (1 - d / (len_a + len_b))``, ``d`` the number of character
insertions and deletions). That gives an exact, efficient search
(:func:`normalised_pairs`), never a Python double loop over pairs:

- a score of at least ``t`` allows at most ``(100 - t) / 100 * (len_a +
  len_b)`` edits; at 90 almost every pair of names (``len_a + len_b < 30``)
  can then differ by at most 2 edits, and such pairs are exactly those that
  share a one-deletion variant, or where one is a one- or two-deletion variant
  of the other: they are found by hash joins of deletion neighbourhoods;
- the remaining long pairs are scored with ``rapidfuzz.process.cdist`` (SIMD,
  ``workers`` threads, ``score_cutoff``) on length blocks (a name only against
  names whose length allows the score: ``[len, len * (200 - t) / t]``), in row
  chunks of bounded memory;
- every pair found is re-scored with ``token_set_ratio`` itself, so the
  reported score is the authors' measure.

Nothing is lost (both filters are necessary conditions), so the result equals
the full all-pairs comparison; a test checks it. 300,000 names take a few
minutes on two cores (``bench/bench_part2.py``).

3. **Merges** (:func:`resolve`): every candidate pair is merged unless the
   overrides file rejects it, or the digits in the two normalised names
   differ (``nadiataylor2`` and ``nadiataylor3`` score 92 but are numbered
   accounts, usually different people: the pair stays a listed candidate,
   "not merged: numbers differ", that the overrides file may accept). This
   rule is the project's, not the authors' (they listed candidates); without
   it, chains of numbered names merge thousands of accounts into one. For the
   same reason a *similar* pair (normalised names not identical) is merged
   only when neither name has another similar partner ("not merged: several
   similar names" otherwise: ``janelarsen``, ``janelorsen`` and
   ``janelarsan`` are left apart), so merges never chain through fuzzy
   matches; identical normalised names always merge. The overrides file can
   accept any listed pair, and pairs the threshold misses. Merged names
   form groups (connected components of the merged pairs); each group is
   named by its *canonical* member: a name that is a Hub namespace (a
   repository owner) if there is one, else the name with most commits, ties
   broken alphabetically.
4. **Non-people**: the Hub's ``system`` author and bots are flagged
   (:func:`is_bot`: a ``bot`` token at the end of the name, ``[bot]``, a
   CamelCase ``...Bot``, or a known bot account; the overrides file can
   mark or unmark names). The cleaned network drops them.

The overrides file ``analysis/resources/identity_overrides.csv`` has columns
``decision,name_a,name_b,reason``; ``decision`` is ``accept`` or ``reject``
(a pair of names exactly as spelled in commits), ``bot`` or ``person``
(``name_a`` only). Lines starting with ``#`` are comments.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths

DEFAULT_THRESHOLD = 90
SYSTEM = "system"
OVERRIDES_FILE = paths.resource("identity_overrides.csv")
DECISIONS = ("accept", "reject", "bot", "person")

#: Known bot accounts of the Hub (exact names as they appear in commits).
KNOWN_BOTS = frozenset(
    {
        "SFconvertbot",
        "Safetensors convertbot",
        "librarian-bot",
        "Librarian Bot",
        "bigscience-bot",
        "HuggingFaceBot",
        "hf-bot",
        "github-actions[bot]",
        "dependabot[bot]",
        "codecov[bot]",
    }
)
_BOT_RE = re.compile(
    r"(?:\[bot\]$)"  # github-actions[bot]
    r"|(?:(?:^|[\s_.\-])bot$)"  # librarian-bot, hf_bot, "Some Bot"
    r"|(?:^bot[\s_.\-])"  # bot-something
    r"|(?:[a-z0-9]Bot$)"  # CamelCase: ConvertBot
    r"|(?:convert-?bot$)",  # SFconvertbot
    re.IGNORECASE,
)
_CAMEL_BOT = re.compile(r"[a-z0-9]Bot$")
#: What normalisation removes: anything but letters and digits (any script).
_STRIP = re.compile(r"[\W_]+")


#: Decisions on candidate pairs; the first three merge the pair.
MERGED_SAME = "merged: same normalised name"
MERGED_SIMILAR = "merged: similar"
ACCEPTED = "accepted (override)"
NOT_MERGED_NUMBERS = "not merged: numbers differ"
NOT_MERGED_AMBIGUOUS = "not merged: several similar names"
REJECTED = "rejected (override)"
MERGING = (MERGED_SAME, MERGED_SIMILAR, ACCEPTED)


class OverridesError(ValueError):
    """The overrides file is malformed."""


# --------------------------------------------------------------------------- #
# normalisation and bots
# --------------------------------------------------------------------------- #


def normalise(name: str | None) -> str:
    """Lower case, with punctuation, symbols and white space removed (letters and digits kept).

    Accents are kept (``"Hervé"`` -> ``"hervé"``): the authors' normalisation
    did not transliterate.
    """
    if name is None:
        return ""
    return _STRIP.sub("", unicodedata.normalize("NFC", str(name)).lower())


def normalise_many(names: Iterable[str]) -> np.ndarray:
    """:func:`normalise` over many names (object array)."""
    s = pd.Series(list(names), dtype=object).astype(str)
    return s.str.normalize("NFC").str.lower().str.replace(_STRIP, "", regex=True).to_numpy(dtype=object)


def is_bot(name: str | None) -> bool:
    """Whether a commit-author name looks like a bot (rule in the module docstring)."""
    if not name:
        return False
    name = str(name).strip()
    if name in KNOWN_BOTS:
        return True
    if _CAMEL_BOT.search(name):
        return True
    return bool(_BOT_RE.search(name)) and not name.lower().endswith(("abbot", "talbot", "cabot"))


# --------------------------------------------------------------------------- #
# overrides
# --------------------------------------------------------------------------- #


def load_overrides(path: str | Path | None = None) -> pd.DataFrame:
    """The overrides file as ``decision, name_a, name_b, reason`` (validated)."""
    path = Path(path) if path else OVERRIDES_FILE
    cols = ["decision", "name_a", "name_b", "reason"]
    if not path.exists():
        return pd.DataFrame(columns=cols)
    try:
        df = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise OverridesError(f"{path}: not a valid CSV file ({exc})") from None
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise OverridesError(f"{path}: missing column(s) {', '.join(missing)}; expected {','.join(cols)}")
    df = df[cols].copy()
    for c in cols:
        df[c] = df[c].astype(str).str.strip()
    bad = df[~df["decision"].isin(DECISIONS)]
    if len(bad):
        raise OverridesError(
            f"{path}: line with decision {bad['decision'].iloc[0]!r}; expected one of {', '.join(DECISIONS)}"
        )
    pair = df["decision"].isin(["accept", "reject"])
    if (df["name_a"] == "").any() or (pair & (df["name_b"] == "")).any():
        raise OverridesError(f"{path}: accept/reject need name_a and name_b; bot/person need name_a")
    if (df["reason"] == "").any():
        raise OverridesError(f"{path}: every override needs a reason")
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- #
# candidate pairs
# --------------------------------------------------------------------------- #


def _max_len(length: int, threshold: float) -> int:
    """Longest name that can score >= threshold against a name of ``length`` characters."""
    if threshold <= 0:
        return 1 << 30
    return int(np.floor(length * (200.0 - threshold) / threshold + 1e-9))


def _band_limit(threshold: float) -> int:
    """Smallest total length ``len_a + len_b`` at which a pair may differ by 3 or more edits."""
    if threshold >= 100:
        return 1 << 30
    frac = (100.0 - threshold) / 100.0
    return int(np.ceil(3.0 / frac - 1e-9))


def _deletion_pairs(arr: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs within Indel distance 2 of each other (a superset), for ``len_a + len_b < limit``.

    Indel distance <= 2 means: equal lengths and one deletion from each gives
    the same string; lengths differing by one and the shorter is a deletion of
    the longer; or lengths differing by two and the shorter is a double
    deletion of the longer. The first two are found by joining one-deletion
    neighbourhoods (each string included in its own), the third by looking up
    double deletions.
    """
    keys: list[str] = []
    owner: list[int] = []
    for i, w in enumerate(arr):
        if 2 * len(w) - 1 >= limit + 1:
            continue
        variants = {w[:k] + w[k + 1 :] for k in range(len(w))}
        variants.add(w)
        keys.extend(variants)
        owner.extend([i] * len(variants))
    df = pd.DataFrame({"key": keys, "i": np.asarray(owner, dtype=np.int64)})
    df = df[df.duplicated("key", keep=False)]
    m = df.merge(df, on="key", suffixes=("_a", "_b"))
    m = m[m["i_a"] < m["i_b"]]
    ia, ib = [m["i_a"].to_numpy()], [m["i_b"].to_numpy()]
    # double deletions: len_a = len_b + 2
    by_len: dict[int, dict[str, int]] = {}
    for i, w in enumerate(arr):
        by_len.setdefault(len(w), {})[w] = i
    da, db = [], []
    for i, w in enumerate(arr):
        n = len(w)
        if n < 3 or 2 * n - 2 >= limit or (n - 2) not in by_len:
            continue
        target = by_len[n - 2]
        seen = set()
        for x in range(n):
            v1 = w[:x] + w[x + 1 :]
            for y in range(x, n - 1):
                v = v1[:y] + v1[y + 1 :]
                if v in target and v not in seen:
                    seen.add(v)
                    da.append(i)
                    db.append(target[v])
    ia.append(np.asarray(da, dtype=np.int64))
    ib.append(np.asarray(db, dtype=np.int64))
    return np.concatenate(ia), np.concatenate(ib)


def normalised_pairs(
    normals: Iterable[str],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    workers: int = -1,
    chunk_cells: int = 50_000_000,
) -> pd.DataFrame:
    """Pairs of distinct normalised names scoring >= ``threshold`` (``i < j`` indices, score).

    ``normals`` must be distinct, non-empty strings. Exact: a score of at
    least ``t`` allows at most ``(100 - t) / 100 * (len_a + len_b)`` edits
    (insertions or deletions). Pairs that can differ by at most 2 edits (at
    90: ``len_a + len_b < 30``, nearly all names) are found by deletion
    neighbourhoods (hash joins, no pairwise scoring); longer pairs by
    ``process.cdist`` on length blocks (a name only against names of
    compatible length), at most ``chunk_cells`` scores in memory at once.
    Every pair found is then scored with ``token_set_ratio``.
    """
    from rapidfuzz import fuzz, process

    arr = np.asarray(list(normals), dtype=object)
    n = len(arr)
    empty = pd.DataFrame({"i": np.zeros(0, np.int64), "j": np.zeros(0, np.int64), "score": np.zeros(0)})
    if n < 2:
        return empty
    cutoff = float(threshold)
    limit = _band_limit(cutoff)
    lengths = np.fromiter((len(s) for s in arr), dtype=np.int64, count=n)
    out_i, out_j = [], []
    # 1. short pairs (at most 2 edits): deletion neighbourhoods
    a, b = _deletion_pairs(arr, limit)
    out_i.append(a)
    out_j.append(b)
    # 2. long pairs (len_a + len_b >= limit): cdist on length blocks
    order = np.lexsort((arr.astype(str), lengths))
    arr_s, len_s = arr[order], lengths[order]
    for length in np.unique(len_s):
        lo_len = max(int(length), limit - int(length))
        hi_len = _max_len(int(length), cutoff)
        if lo_len > hi_len:
            continue
        lo = np.searchsorted(len_s, lo_len, "left")
        row_lo = np.searchsorted(len_s, length, "left")
        mid = np.searchsorted(len_s, length, "right")
        hi = np.searchsorted(len_s, hi_len, "right")
        if hi <= lo:
            continue
        width = hi - lo
        step = max(1, chunk_cells // max(width, 1))
        for start in range(row_lo, mid, step):
            stop = min(mid, start + step)
            first = max(lo, start)  # upper triangle within the same length
            m = process.cdist(
                list(arr_s[start:stop]),
                list(arr_s[first:hi]),
                scorer=fuzz.ratio,
                score_cutoff=cutoff,
                dtype=np.uint8,
                workers=workers,
            )
            r, c = np.nonzero(m)
            r, c = r + start, c + first
            keep = c > r
            out_i.append(order[r[keep]])
            out_j.append(order[c[keep]])
    i = np.concatenate(out_i)
    j = np.concatenate(out_j)
    if len(i) == 0:
        return empty
    lo_, hi_ = np.minimum(i, j), np.maximum(i, j)
    key = np.unique(lo_ * n + hi_)
    lo_, hi_ = key // n, key % n
    scores = np.array([fuzz.token_set_ratio(arr[x], arr[y]) for x, y in zip(lo_, hi_)], dtype=float)
    keep = scores >= cutoff
    df = pd.DataFrame({"i": lo_[keep], "j": hi_[keep], "score": scores[keep]})
    return df.sort_values(["i", "j"]).reset_index(drop=True)


def candidate_pairs(
    names: Iterable[str],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    weights: Mapping[str, int] | None = None,
    workers: int = -1,
) -> pd.DataFrame:
    """Candidate duplicate pairs among raw names.

    Returns ``name_a, name_b, normalised_a, normalised_b, score`` with
    ``name_a < name_b``, one row per pair of distinct raw names whose
    normalised forms score >= ``threshold`` (equal normalised forms score
    100). Names whose normalised form is empty are never candidates. With
    ``weights`` (commits per name) columns ``commits_a, commits_b`` are added.
    """
    raw = pd.Series(pd.unique(pd.Series(list(names), dtype=object).dropna().astype(str)), dtype=object)
    norm = pd.Series(normalise_many(raw), dtype=object)
    ok = norm != ""
    raw, norm = raw[ok].reset_index(drop=True), norm[ok].reset_index(drop=True)
    codes, uniq = pd.factorize(norm)
    pairs = normalised_pairs(list(uniq), threshold, workers=workers)
    by_norm = pd.DataFrame({"code": codes, "name": raw.to_numpy()})
    # pairs between groups
    left = pairs.rename(columns={"i": "ca", "j": "cb"})
    x = left.merge(by_norm.rename(columns={"code": "ca", "name": "name_a"}), on="ca")
    x = x.merge(by_norm.rename(columns={"code": "cb", "name": "name_b"}), on="cb")
    # pairs within a group (same normalised form)
    g = by_norm.merge(by_norm, on="code", suffixes=("_a", "_b"))
    g = g[g["name_a"] < g["name_b"]].rename(columns={"code": "ca"})
    g["cb"] = g["ca"]
    g["score"] = 100.0
    cols = ["name_a", "name_b", "ca", "cb", "score"]
    out = pd.concat([x[cols], g[cols]], ignore_index=True)
    if out.empty:
        out = pd.DataFrame(
            {
                "name_a": pd.Series(dtype=object),
                "name_b": pd.Series(dtype=object),
                "ca": pd.Series(dtype="int64"),
                "cb": pd.Series(dtype="int64"),
                "score": pd.Series(dtype=float),
            }
        )
    swap = out["name_a"] > out["name_b"]
    if swap.any():
        sw = swap.to_numpy()
        for x, y in (("name_a", "name_b"), ("ca", "cb")):
            a, b = out[x].to_numpy(), out[y].to_numpy()
            out[x], out[y] = np.where(sw, b, a), np.where(sw, a, b)
    uniq_arr = np.asarray(uniq, dtype=object)
    out["normalised_a"] = uniq_arr[out["ca"].to_numpy(dtype=np.int64)]
    out["normalised_b"] = uniq_arr[out["cb"].to_numpy(dtype=np.int64)]
    out = out[["name_a", "name_b", "normalised_a", "normalised_b", "score"]]
    if weights is not None:
        w = pd.Series(weights, dtype="int64")
        out["commits_a"] = out["name_a"].map(w).fillna(0).astype("int64")
        out["commits_b"] = out["name_b"].map(w).fillna(0).astype("int64")
    return out.sort_values(["score", "name_a", "name_b"], ascending=[False, True, True]).reset_index(drop=True)


# --------------------------------------------------------------------------- #
# resolution
# --------------------------------------------------------------------------- #


@dataclass
class Resolution:
    """The result of identity resolution over a set of names.

    - ``mapping``: raw name -> canonical name, for every raw name (non-merged
      names map to themselves);
    - ``candidates``: the candidate pairs with a ``decision`` column
      (one of :data:`MERGING`, :data:`NOT_MERGED_NUMBERS`,
      :data:`NOT_MERGED_AMBIGUOUS`, :data:`REJECTED`);
    - ``groups``: one row per merged group with more than one name;
    - ``removed``: names dropped from the cleaned network with why
      (``system`` or ``bot``);
    - ``conflicts``: rejected pairs that still ended in one group through
      other merges (reviewers should add more rejections).
    """

    mapping: dict[str, str]
    candidates: pd.DataFrame
    groups: pd.DataFrame
    removed: pd.DataFrame
    conflicts: pd.DataFrame
    threshold: float

    @property
    def n_names(self) -> int:
        return len(self.mapping)

    @property
    def n_identities(self) -> int:
        removed = set(self.removed["name"])
        return len({c for n, c in self.mapping.items() if n not in removed and c not in removed})


def _pair(a: str, b: str) -> tuple[str, str]:
    """Two names in the order candidate pairs list them."""
    return (a, b) if a <= b else (b, a)


def _decide(cand: pd.DataFrame, overrides: pd.DataFrame, known: set[str], weights: Mapping[str, int]) -> pd.DataFrame:
    """Candidate pairs with their ``decision`` (step 3 of the module docstring), and the accepted
    pairs the threshold missed."""
    from rapidfuzz import fuzz

    rejects = {
        _pair(a, b)
        for a, b in overrides.loc[overrides["decision"] == "reject", ["name_a", "name_b"]].itertuples(index=False)
    }
    accepts = overrides.loc[overrides["decision"] == "accept", ["name_a", "name_b", "reason"]]
    cand_keys = list(zip(cand["name_a"], cand["name_b"]))
    rejected = np.fromiter((k in rejects for k in cand_keys), dtype=bool, count=len(cand_keys))
    same = (cand["normalised_a"] == cand["normalised_b"]).to_numpy()
    digits_a = cand["normalised_a"].str.findall(r"\d+").str.join(" ")
    digits_b = cand["normalised_b"].str.findall(r"\d+").str.join(" ")
    numbers_differ = (digits_a != digits_b).to_numpy() & ~same
    cand["decision"] = np.where(
        rejected, REJECTED, np.where(same, MERGED_SAME, np.where(numbers_differ, NOT_MERGED_NUMBERS, MERGED_SIMILAR))
    )
    # no chains: a similar (not identical) pair merges only if each of its two
    # normalised names has no other similar partner
    sim = cand["decision"] == MERGED_SIMILAR
    if sim.any():
        pairs = cand.loc[sim, ["normalised_a", "normalised_b"]].drop_duplicates()
        partners = pd.concat([pairs["normalised_a"], pairs["normalised_b"]]).value_counts()
        amb = sim & ((cand["normalised_a"].map(partners) > 1) | (cand["normalised_b"].map(partners) > 1))
        cand.loc[amb, "decision"] = NOT_MERGED_AMBIGUOUS
    extra = []
    have = set(cand_keys)
    for a, b, _reason in accepts.itertuples(index=False):
        if a in known and b in known and a != b and _pair(a, b) not in have:
            na, nb = _pair(a, b)
            extra.append(
                {
                    "name_a": na,
                    "name_b": nb,
                    "normalised_a": normalise(na),
                    "normalised_b": normalise(nb),
                    "score": float(fuzz.token_set_ratio(normalise(na), normalise(nb))),
                    "decision": ACCEPTED,
                }
            )
        elif _pair(a, b) in have:
            pos = cand_keys.index(_pair(a, b))
            cand.loc[pos, "decision"] = ACCEPTED
    if extra:
        ex = pd.DataFrame(extra)
        if "commits_a" in cand.columns:
            ex["commits_a"] = ex["name_a"].map(weights).fillna(0).astype("int64")
            ex["commits_b"] = ex["name_b"].map(weights).fillna(0).astype("int64")
        cand = pd.concat([cand, ex[cand.columns]], ignore_index=True)
    return cand


def _merge(
    raw: np.ndarray, cand: pd.DataFrame, owners: set[str], weights: Mapping[str, int]
) -> tuple[dict[str, str], pd.DataFrame]:
    """Raw name -> canonical name, and the groups of more than one name (connected components of
    the merged pairs)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    index = {n: i for i, n in enumerate(raw)}
    merged = cand[cand["decision"].isin(MERGING)]
    ia = merged["name_a"].map(index).to_numpy(dtype=np.int64)
    ib = merged["name_b"].map(index).to_numpy(dtype=np.int64)
    n = len(raw)
    graph = coo_matrix((np.ones(len(ia)), (ia, ib)), shape=(n, n))
    _, comp = connected_components(graph, directed=False) if n else (0, np.zeros(0, np.int64))
    info = pd.DataFrame(
        {
            "name": raw,
            "comp": comp,
            "is_owner": [x in owners for x in raw],
            "commits": [int(weights.get(x, 0)) for x in raw],
        }
    )
    info = info.sort_values(["comp", "is_owner", "commits", "name"], ascending=[True, False, False, True])
    canon = info.groupby("comp", sort=False)["name"].first()
    info["canonical"] = info["comp"].map(canon)
    mapping = dict(zip(info["name"], info["canonical"]))
    sizes = info.groupby("comp")["name"].transform("size")
    multi = info[sizes > 1]
    groups = (
        multi.groupby("canonical")
        .agg(names=("name", lambda s: " | ".join(sorted(s))), size=("name", "size"), commits=("commits", "sum"))
        .reset_index()
        .sort_values(["size", "commits", "canonical"], ascending=[False, False, True])
        .reset_index(drop=True)
    )
    return mapping, groups


def _removed_names(raw: np.ndarray, overrides: pd.DataFrame, weights: Mapping[str, int]) -> pd.DataFrame:
    """``name, kind, why, commits`` of ``system`` and the bots (after the overrides' bot/person marks)."""
    marked_bot = set(overrides.loc[overrides["decision"] == "bot", "name_a"])
    marked_person = set(overrides.loc[overrides["decision"] == "person", "name_a"])
    rem = []
    for x in raw:
        if x == SYSTEM:
            rem.append((x, "system", "the Hub's own initial-commit author"))
        elif x in marked_bot:
            rem.append((x, "bot", "overrides file"))
        elif x not in marked_person and is_bot(x):
            rem.append((x, "bot", "name rule" if x not in KNOWN_BOTS else "known bot account"))
    removed = pd.DataFrame(rem, columns=["name", "kind", "why"])
    removed["commits"] = removed["name"].map(lambda v: int(weights.get(v, 0))).astype("int64")
    return removed.sort_values(["kind", "commits"], ascending=[False, False]).reset_index(drop=True)


def resolve(
    names: Iterable[str],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    weights: Mapping[str, int] | None = None,
    owners: Iterable[str] = (),
    overrides: pd.DataFrame | str | Path | None = None,
    workers: int = -1,
) -> Resolution:
    """Resolve identities among ``names`` (see the module docstring).

    ``weights``: commits per name (for the canonical choice and the table);
    ``owners``: Hub namespaces (preferred as canonical names); ``overrides``:
    a DataFrame as from :func:`load_overrides`, a path, or None for the
    project's file.
    """
    raw = pd.unique(pd.Series(list(names), dtype=object).dropna().astype(str))
    if not isinstance(overrides, pd.DataFrame):
        overrides = load_overrides(overrides)
    weights = dict(weights or {})
    cand = _decide(candidate_pairs(raw, threshold, weights=weights, workers=workers), overrides, set(raw), weights)
    mapping, groups = _merge(raw, cand, set(owners), weights)
    # conflicts: rejected pairs that ended up in one group anyway
    rj = cand[cand["decision"] == REJECTED]
    conflicts = rj[[mapping[a] == mapping[b] for a, b in zip(rj["name_a"], rj["name_b"])]] if len(rj) else rj
    return Resolution(
        mapping=mapping,
        candidates=cand.reset_index(drop=True),
        groups=groups,
        removed=_removed_names(raw, overrides, weights),
        conflicts=conflicts.reset_index(drop=True),
        threshold=float(threshold),
    )
