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
  of the other: they are found by hash joins of deletion neighbourhoods
  (vectorised: the names of one length as a 2-D array of code points, each
  deletion variant a 64-bit position hash computed from prefix sums, so no
  variant string is built; a hash collision can only add a pair, which the
  scoring then drops);
- the remaining long pairs are scored with ``rapidfuzz.process.cdist`` (SIMD,
  ``workers`` threads, ``score_cutoff``) on length blocks (a name only against
  names whose length allows the score: ``[len, len * (200 - t) / t]``), in row
  chunks of bounded memory;
- every pair found is re-scored with ``token_set_ratio`` itself
  (``rapidfuzz.process.cpdist``, element-wise, in C++), so the reported score
  is the authors' measure.

Nothing is lost (both filters are necessary conditions), so the result equals
the full all-pairs comparison; a test checks it. The 1,015,837 names of the
3,000,000-model synthetic snapshot take 22 s on two cores for the 8.66 million
candidate pairs, 32 s for the whole resolution (alone on the machine; in the book the null
model's worker shares the second core: ``bench/bench_book.py --scale hub-2026 --profile``).

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

from analysis import arrays, paths

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


#: Random odd 64-bit weights of the position hash of :func:`_deletion_pairs` (fixed: results never
#: depend on them, since every pair found is scored again).
_HASH_WEIGHTS = np.random.default_rng(20240711).integers(1, 2**63, 512, dtype=np.uint64) | np.uint64(1)
_LENGTH_SALT = np.uint64(0x9E3779B97F4A7C15)


def _codepoints(words: np.ndarray, n: int) -> np.ndarray:
    """Strings of length ``n`` as a ``(k, n)`` array of code points."""
    return np.asarray(list(words), dtype=f"<U{n}").view(np.uint32).reshape(len(words), n).astype(np.uint64)


def _position_hash(cp: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Prefix sums of ``code point * weight`` (uint64, wrapping): ``out[:, j]`` covers positions ``< j``."""
    out = np.zeros((cp.shape[0], cp.shape[1] + 1), np.uint64)
    np.cumsum(cp * weights, axis=1, out=out[:, 1:])
    return out


def _variant_hashes(cp: np.ndarray, deletions: int) -> np.ndarray:
    """Hashes of every string of ``cp`` (k, n) with ``deletions`` (0, 1 or 2) characters deleted.

    The hash of a string ``s`` is ``len(s) * SALT + sum_j s[j] * W[j]`` (wrapping
    uint64). Deleting positions shifts the later characters' weights, so each
    variant's hash comes from prefix sums over three weightings (no strings
    are built): ``(k, number of variants)``.
    """
    k, n = cp.shape
    w = _HASH_WEIGHTS
    salt = np.uint64((n - deletions) * int(_LENGTH_SALT) % 2**64)
    p0 = _position_hash(cp, w[:n])
    if deletions == 0:
        return (p0[:, n] + salt)[:, None]
    # s1[:, i] = sum_{j >= i} cp[j] * W[j - 1]  (characters after one deletion)
    w1 = np.r_[np.uint64(0), w[: n - 1]]
    p1 = _position_hash(cp, w1)
    s1 = p1[:, n : n + 1] - p1
    if deletions == 1:
        x = np.arange(n)
        return p0[:, x] + s1[:, x + 1] + salt
    w2 = np.r_[np.zeros(2, np.uint64), w[: n - 2]]
    p2 = _position_hash(cp, w2)
    s2 = p2[:, n : n + 1] - p2
    x, y = np.triu_indices(n, 1)
    return p0[:, x] + (s1[:, x + 1] - s1[:, y]) + s2[:, y + 1] + salt


#: Keys handled at once by :func:`_pairs_sharing_a_key` (by ranges of hash values): at Hub scale
#: ten million keys made nine million pairs, and all their index arrays at once held 0.65 GB.
KEYS_AT_ONCE = 2_000_000


def _pairs_sharing_a_key(keys: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(a, b)``, ``a < b``, of owners with a key in common (possibly repeated, in no
    particular order). Equal keys fall in the same range of the top bits, so each range of keys is
    paired on its own."""
    parts = -(-len(keys) // KEYS_AT_ONCE)
    if parts <= 1:
        return _pairs_sharing_a_key_at_once(keys, owner)
    bits = int(np.ceil(np.log2(parts)))
    bucket = keys >> np.uint64(64 - bits)
    out_a, out_b = [], []
    for k in range(1 << bits):
        sel = np.flatnonzero(bucket == k)
        a, b = _pairs_sharing_a_key_at_once(keys[sel], owner[sel])
        out_a.append(a)
        out_b.append(b)
    return np.concatenate(out_a), np.concatenate(out_b)


def _pairs_sharing_a_key_at_once(keys: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys)  # any order within a key: the caller deduplicates the pairs
    a, b = _all_pairs_within(keys[order])  # positions of every two entries with the same key
    owner = owner[order]
    ia, ib = owner[a], owner[b]
    distinct = ia != ib  # a string whose variants coincide ("aab": "ab" twice) meets itself
    ia, ib = ia[distinct], ib[distinct]
    return np.minimum(ia, ib), np.maximum(ia, ib)


def _deletion_pairs(arr: np.ndarray, limit: int, chunk: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs within Indel distance 2 of each other (a superset), for ``len_a + len_b < limit``.

    Indel distance <= 2 means: equal lengths and one deletion from each gives
    the same string; lengths differing by one and the shorter is a deletion of
    the longer; or lengths differing by two and the shorter is a double
    deletion of the longer. The first two are found by joining one-deletion
    neighbourhoods (each string included in its own), the third by looking up
    double deletions among the strings two characters shorter.

    Vectorised: the strings of one length are a 2-D array of code points and
    every variant is a 64-bit position hash (:func:`_variant_hashes`), so no
    variant string is ever built; equal strings have equal hashes, so nothing
    is missed, and a hash collision only adds a pair that the caller's
    scoring then drops.
    """
    lengths = np.fromiter((len(w) for w in arr), dtype=np.int64, count=len(arr))
    keys, owner = [], []
    exact: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    da, db = [], []
    for n in arrays.unique(lengths):
        n = int(n)
        if n == 0:
            continue
        members = np.flatnonzero(lengths == n)
        cp = _codepoints(arr[members], n)
        h0 = _variant_hashes(cp, 0)[:, 0]
        order = np.argsort(h0)
        exact[n] = (h0[order], members[order])
        if 2 * n - 1 < limit + 1:
            for s in range(0, len(members), chunk):
                part = cp[s : s + chunk]
                h = np.concatenate([_variant_hashes(part, 0), _variant_hashes(part, 1)], axis=1)
                keys.append(h.ravel())
                owner.append(np.repeat(members[s : s + chunk], h.shape[1]))
    for n in sorted(exact):
        if n < 3 or 2 * n - 2 >= limit or (n - 2) not in exact:
            continue
        target_h, target_i = exact[n - 2]
        # a hash table of the shorter strings' hashes (8x faster than a binary search per
        # variant here); a hash shared by two of them (a collision) falls back to the search
        table = pd.Index(target_h)
        unique = table.is_unique
        members = exact[n][1]
        for s in range(0, len(members), chunk):
            rows = members[s : s + chunk]
            h = _variant_hashes(_codepoints(arr[rows], n), 2)
            if unique:
                pos = table.get_indexer(h.ravel()).reshape(h.shape)
                r, c = np.nonzero(pos >= 0)
            else:
                pos = np.minimum(np.searchsorted(target_h, h), len(target_h) - 1)
                r, c = np.nonzero(target_h[pos] == h)
            da.append(rows[r])
            db.append(target_i[pos[r, c]])
    if keys:
        a, b = _pairs_sharing_a_key(np.concatenate(keys), np.concatenate(owner))
    else:
        a = b = np.zeros(0, np.int64)
    da.append(a)
    db.append(b)
    return np.concatenate(da).astype(np.int64, copy=False), np.concatenate(db).astype(np.int64, copy=False)


#: Candidate pairs scored at once by :func:`normalised_pairs` (two lists of names of this length).
SCORED_AT_ONCE = 2_000_000


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
    for length in arrays.unique(len_s):
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
    del out_i, a
    j = np.concatenate(out_j)
    del out_j, b  # tens of millions of candidate indices at Hub scale: hold each once
    if len(i) == 0:
        return empty
    key = np.minimum(i, j)
    key *= n
    np.maximum(i, j, out=i)
    key += i
    del i, j
    key = arrays.unique(key, overwrite=True)
    lo_, hi_ = key // n, key % n
    del key
    scores = np.empty(len(lo_), np.float64)
    for s in range(0, len(lo_), SCORED_AT_ONCE):  # lists of names a slice at a time
        e = s + SCORED_AT_ONCE
        scores[s:e] = process.cpdist(
            list(arr[lo_[s:e]]), list(arr[hi_[s:e]]), scorer=fuzz.token_set_ratio, dtype=np.float64, workers=workers
        )
    keep = scores >= cutoff
    # sorted by (i, j) already: the keys were
    return pd.DataFrame({"i": lo_[keep], "j": hi_[keep], "score": scores[keep]})


@dataclass
class _Pairs:
    """Candidate pairs as arrays over ``raw`` (distinct names) and ``normals`` (distinct normalised names).

    ``a < b`` as names; rows in the order of the candidates table (score
    descending, then ``name_a``, ``name_b``).
    """

    raw: np.ndarray
    normals: np.ndarray
    a: np.ndarray
    b: np.ndarray
    ca: np.ndarray
    cb: np.ndarray
    score: np.ndarray
    rank: np.ndarray  # rank of each raw name in string order

    def frame(self, weights: Mapping[str, int] | None = None) -> pd.DataFrame:
        out = pd.DataFrame(
            {
                "name_a": pd.Series(self.raw[self.a], dtype=object),
                "name_b": pd.Series(self.raw[self.b], dtype=object),
                "normalised_a": pd.Series(self.normals[self.ca], dtype=object),
                "normalised_b": pd.Series(self.normals[self.cb], dtype=object),
                "score": np.asarray(self.score, dtype=float),  # shared with the pairs, not copied
            },
            copy=False,  # one block per column, not a consolidated copy of millions of rows
        )
        if weights is not None:
            w = _weights_of(self.raw, weights)
            out["commits_a"] = w[self.a]
            out["commits_b"] = w[self.b]
        return out


def _weights_of(raw: np.ndarray, weights: Mapping[str, int]) -> np.ndarray:
    return np.fromiter((int(weights.get(x, 0)) for x in raw), dtype=np.int64, count=len(raw))


def _all_pairs_within(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(p, q)``, ``p < q``, of every two entries with the same value in sorted ``groups``."""
    start = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if len(groups) else np.zeros(0, np.int64)
    end = np.r_[start[1:], len(groups)]
    size = end - start
    multi = size > 1
    if not multi.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    firsts = np.repeat(start[multi], size[multi])
    p = firsts + (np.arange(len(firsts)) - np.repeat(np.cumsum(size[multi]) - size[multi], size[multi]))
    later = np.repeat(end[multi], size[multi]) - p - 1
    a = np.repeat(p, later)
    return a, a + 1 + (np.arange(len(a)) - np.repeat(np.cumsum(later) - later, later))


def _candidates(raw: np.ndarray, threshold: float, workers: int) -> _Pairs:
    """Candidate pairs among distinct raw names (see :func:`candidate_pairs`), as integer arrays."""
    raw = np.asarray(raw, dtype=object)
    order_names = np.argsort(raw, kind="stable") if len(raw) else np.zeros(0, np.int64)
    rank = np.empty(len(raw), np.int64)
    rank[order_names] = np.arange(len(raw))
    norm = normalise_many(raw) if len(raw) else np.zeros(0, object)
    ok = np.flatnonzero(norm != "")
    codes, uniq = pd.factorize(pd.Series(norm[ok], dtype=object))
    codes = np.asarray(codes, dtype=np.int64)
    normals = np.asarray(uniq, dtype=object)
    pairs = normalised_pairs(list(normals), threshold, workers=workers)
    # raw names of each normalised name, grouped (CSR)
    by_code = np.argsort(codes, kind="stable")
    gsize = np.bincount(codes, minlength=len(normals))
    gstart = np.r_[0, np.cumsum(gsize)[:-1]] if len(normals) else np.zeros(0, np.int64)
    members = ok[by_code]
    # between groups: every raw name of one normalised name with every raw name of the other
    pi, pj = pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)
    ps = pairs["score"].to_numpy(float)
    combos = gsize[pi] * gsize[pj]
    row = np.repeat(np.arange(len(pi)), combos)
    offs = np.arange(len(row)) - np.repeat(np.cumsum(combos) - combos, combos)
    wj = gsize[pj][row]
    a1 = members[gstart[pi][row] + offs // wj]
    b1 = members[gstart[pj][row] + offs % wj]
    del offs, wj  # at Hub scale every array here is millions of pairs: each goes as soon as it is used
    # within a group (the same normalised form): score 100
    p, q = _all_pairs_within(codes[by_code])
    a2, b2 = members[p], members[q]
    a = np.concatenate([a1, a2])
    b = np.concatenate([b1, b2])
    n_within = len(a2)
    del a1, b1, a2, b2
    ca = np.concatenate([pi[row], codes[by_code][p]])
    cb = np.concatenate([pj[row], codes[by_code][q]])
    del p, q
    score = np.concatenate([ps[row], np.full(n_within, 100.0)])
    del row
    del pairs, pi, pj, ps
    swap = np.flatnonzero(rank[a] > rank[b])  # each pair as (first name, second name) in string order
    for x, y in ((a, b), (ca, cb)):  # in place: no second copy of millions of pairs
        x_swapped = x[swap]
        x[swap] = y[swap]
        y[swap] = x_swapped
    del swap, x_swapped, x, y
    order = _table_order(score, rank[a], rank[b])
    # put in table order one array at a time, each unordered copy freed before the next is made
    a = a[order]
    b = b[order]
    ca = ca[order]
    cb = cb[order]
    score = score[order]
    return _Pairs(raw, normals, a, b, ca, cb, score, rank)


def _table_order(score: np.ndarray, ra: np.ndarray, rb: np.ndarray) -> np.ndarray:
    """The order of ``np.lexsort((rb, ra, -score))`` (score descending, then the names' ranks) for
    distinct ``(ra, rb)``: one sort of an int64 key (the score's rank among the distinct scores,
    then ``ra``, then ``rb``) where it fits in 63 bits, three times faster than the lexsort of
    three keys at Hub scale (8.7 million pairs)."""
    if len(score) == 0:
        return np.zeros(0, np.int64)
    distinct, code = np.unique(-score, return_inverse=True)
    n = int(max(ra.max(), rb.max())) + 1
    if len(distinct) * n * n >= 2**63:
        return np.lexsort((rb, ra, -score))
    key = code.astype(np.int64) * (n * n)
    key += ra * n
    key += rb
    return np.argsort(key)


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
    Sorted by score (descending), then the two names.
    """
    raw = pd.unique(pd.Series(list(names), dtype=object).dropna().astype(str))
    return _candidates(np.asarray(raw, dtype=object), threshold, workers).frame(weights)


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


def _decide(
    pairs: _Pairs, overrides: pd.DataFrame, weights: Mapping[str, int]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Candidate pairs with their ``decision`` (step 3 of the module docstring), and the accepted
    pairs the threshold missed; on integer codes (one regular expression per normalised name).
    Also the raw-name indices ``(a, b)`` of the pairs that merge."""
    from rapidfuzz import fuzz

    raw = pairs.raw
    n = max(len(raw), 1)
    index = pd.Index(raw)
    key = pairs.a * n + pairs.b

    def keys_of(frame: pd.DataFrame) -> np.ndarray:
        ia = index.get_indexer(frame["name_a"].astype(object).to_numpy())
        ib = index.get_indexer(frame["name_b"].astype(object).to_numpy())
        known = (ia >= 0) & (ib >= 0) & (ia != ib)
        if not known.any():
            return np.full(len(frame), -1, np.int64)
        swap = pairs.rank[np.maximum(ia, 0)] > pairs.rank[np.maximum(ib, 0)]
        lo, hi = np.where(swap, ib, ia), np.where(swap, ia, ib)
        return np.where(known, lo * n + hi, -1)

    rejects = overrides.loc[overrides["decision"] == "reject", ["name_a", "name_b"]]
    rejected = np.isin(key, keys_of(rejects)) if len(rejects) else np.zeros(len(key), bool)
    same = pairs.ca == pairs.cb
    digits = pd.Series([" ".join(_DIGITS.findall(x)) for x in pairs.normals], dtype=object)
    dcode = np.asarray(pd.factorize(digits)[0], dtype=np.int64) if len(digits) else np.zeros(0, np.int64)
    numbers_differ = (dcode[pairs.ca] != dcode[pairs.cb]) & ~same
    # 0 rejected, 1 same, 2 numbers differ, 3 similar, 4 ambiguous, 5 accepted
    # an object array: indexing it gives references to these six strings (a str array would give a
    # fixed-width copy per pair, and then a new string object per pair: gigabytes at Hub scale)
    labels = np.array(
        [REJECTED, MERGED_SAME, NOT_MERGED_NUMBERS, MERGED_SIMILAR, NOT_MERGED_AMBIGUOUS, ACCEPTED], dtype=object
    )
    decision = np.full(len(key), 3, dtype=np.int8)  # one byte a pair; later rules take precedence
    decision[numbers_differ] = 2
    decision[same] = 1
    decision[rejected] = 0
    del numbers_differ
    # no chains: a similar (not identical) pair merges only if each of its two
    # normalised names has no other similar partner
    sim = decision == 3
    if sim.any():
        m = max(len(pairs.normals), 1)
        u = arrays.unique(pairs.ca[sim] * m + pairs.cb[sim])
        partners = np.bincount(np.concatenate([u // m, u % m]), minlength=len(pairs.normals))
        amb = sim & ((partners[pairs.ca] > 1) | (partners[pairs.cb] > 1))
        decision[amb] = 4
    accepts = overrides.loc[overrides["decision"] == "accept", ["name_a", "name_b", "reason"]]
    extra, extra_a, extra_b = [], [], []
    if len(accepts):
        sorter = np.argsort(key)
        for (na, nb), k in zip(accepts[["name_a", "name_b"]].itertuples(index=False), keys_of(accepts)):
            if k < 0:
                continue
            pos = np.searchsorted(key, k, sorter=sorter) if len(key) else 0
            if len(key) and pos < len(key) and key[sorter[pos]] == k:
                decision[sorter[pos]] = 5
            else:
                x, y = _pair(na, nb)
                extra_a.append(k // n)
                extra_b.append(k % n)
                extra.append(
                    {
                        "name_a": x,
                        "name_b": y,
                        "normalised_a": normalise(x),
                        "normalised_b": normalise(y),
                        "score": float(fuzz.token_set_ratio(normalise(x), normalise(y))),
                        "decision": ACCEPTED,
                    }
                )
    cand = pairs.frame(weights)
    cand["decision"] = pd.Series(labels[decision], dtype=object)
    if extra:
        ex = pd.DataFrame(extra)
        ex["commits_a"] = ex["name_a"].map(weights).fillna(0).astype("int64")
        ex["commits_b"] = ex["name_b"].map(weights).fillna(0).astype("int64")
        cand = pd.concat([cand, ex[cand.columns]], ignore_index=True)
    merging = decision >= 5
    merging |= (decision == 1) | (decision == 3)
    ma = np.concatenate([pairs.a[merging], np.asarray(extra_a, np.int64)])
    mb = np.concatenate([pairs.b[merging], np.asarray(extra_b, np.int64)])
    return cand, ma, mb


_DIGITS = re.compile(r"\d+")


def _merge(
    raw: np.ndarray,
    ia: np.ndarray,
    ib: np.ndarray,
    owners: set[str],
    weights: Mapping[str, int],
    rank: np.ndarray | None = None,
) -> tuple[dict[str, str], pd.DataFrame]:
    """Raw name -> canonical name, and the groups of more than one name (connected components of
    the merged pairs ``(raw[ia], raw[ib])``; ``rank``: each name's rank in string order)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    raw = np.asarray(raw, dtype=object)
    n = len(raw)
    graph = coo_matrix((np.ones(len(ia)), (ia, ib)), shape=(n, n))
    _, comp = connected_components(graph, directed=False) if n else (0, np.zeros(0, np.int64))
    is_owner = np.fromiter((x in owners for x in raw), dtype=bool, count=n)
    commits = _weights_of(raw, weights)
    if rank is None:
        rank = np.empty(n, np.int64)
        rank[np.argsort(raw, kind="stable") if n else np.zeros(0, np.int64)] = np.arange(n)
    # canonical: an owner first, then most commits, then the first name alphabetically
    order = np.lexsort((rank, -commits, ~is_owner, comp))
    comp_sorted = comp[order]
    first = np.flatnonzero(np.r_[True, comp_sorted[1:] != comp_sorted[:-1]]) if n else np.zeros(0, np.int64)
    canon_of_comp = np.empty(comp.max() + 1 if n else 0, np.int64)
    canon_of_comp[comp_sorted[first]] = order[first]
    canonical = raw[canon_of_comp[comp]] if n else raw
    mapping = dict(zip(raw.tolist(), canonical.tolist()))
    sizes = np.bincount(comp) if n else np.zeros(0, np.int64)
    multi = np.flatnonzero(sizes[comp] > 1) if n else np.zeros(0, np.int64)
    if len(multi):
        by = multi[np.lexsort((rank[multi], comp[multi]))]
        c = comp[by]
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        ends = np.r_[starts[1:], len(by)]
        names = raw[by]
        groups = pd.DataFrame(
            {
                "canonical": raw[canon_of_comp[c[starts]]],
                "names": [" | ".join(names[s:e]) for s, e in zip(starts, ends)],
                "size": (ends - starts).astype(np.int64),
                "commits": np.add.reduceat(commits[by], starts).astype(np.int64),
            }
        )
        groups = groups.sort_values(["size", "commits", "canonical"], ascending=[False, False, True])
        groups = groups.reset_index(drop=True)
    else:
        groups = pd.DataFrame(
            {
                "canonical": pd.Series(dtype=object),
                "names": pd.Series(dtype=object),
                "size": pd.Series(dtype="int64"),
                "commits": pd.Series(dtype="int64"),
            }
        )
    return mapping, groups


def _removed_names(raw: np.ndarray, overrides: pd.DataFrame, weights: Mapping[str, int]) -> pd.DataFrame:
    """``name, kind, why, commits`` of ``system`` and the bots (after the overrides' bot/person marks)."""
    marked_bot = set(overrides.loc[overrides["decision"] == "bot", "name_a"])
    marked_person = set(overrides.loc[overrides["decision"] == "person", "name_a"])
    # every bot by rule or by name has "bot" in it: only those names (and the marked ones) are
    # looked at one by one (a million names at Hub scale)
    names = pd.Series(raw, dtype=object)
    maybe = names.str.contains("bot", case=False, regex=False, na=False) | names.isin(marked_bot | {SYSTEM})
    rem = []
    for x in np.asarray(raw, dtype=object)[maybe.to_numpy(dtype=bool)]:
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
    pairs = _candidates(np.asarray(raw, dtype=object), threshold, workers)
    cand, ma, mb = _decide(pairs, overrides, weights)
    owners = owners if isinstance(owners, set) else set(owners)
    mapping, groups = _merge(pairs.raw, ma, mb, owners, weights, pairs.rank)
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
