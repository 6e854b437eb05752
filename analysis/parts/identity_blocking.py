"""Candidate pairs among distinct normalised names, found by blocking: only pairs that share a
block are ever scored.

Identity resolution (:mod:`analysis.parts.identity`) needs every pair of distinct
normalised names whose rapidfuzz ``token_set_ratio`` is at least the threshold
``t`` (default 90). Names with the same normalised form are one key here: they
resolve directly, without a score. A normalised name is a single token, so
``token_set_ratio`` equals ``fuzz.ratio``, the normalised Indel similarity
``100 * (1 - d / (len_a + len_b))`` (``d`` the number of character insertions
and deletions); a score of at least ``t`` therefore allows at most
``D = (100 - t) / 100 * (len_a + len_b)`` edits. Two kinds of block follow
from that bound, and both are necessary conditions, so the blocks lose no
pair (a test compares them with the exhaustive search on the real import and
on synthetic and hostile name sets):

- **deletion neighbourhoods** (pairs that can differ by at most 2 edits, at 90
  ``len_a + len_b < 30``: nearly every name): two such names share a
  one-deletion variant, or one is a one- or two-deletion variant of the
  other; hash joins of the variants (vectorised: the names of one length as a
  2-D array of code points, each variant a 64-bit position hash from prefix
  sums, so no variant string is built);
- **segments** (longer pairs, which may differ by 3 or more edits): the
  shorter name of ``s`` characters is cut into ``D + 2`` segments (``D`` the
  most edits any compatible partner allows); ``D`` edits can break at most
  ``D`` of them, so two segments appear unbroken in the partner. Take the
  first two unbroken ones; the one numbered ``i`` has at least ``i - 1``
  broken segments before it, an edit each, and its shift ``q`` in the partner
  takes ``|q|`` edits before it and ``|len_b - len_a - q|`` after it, so
  ``max(i - 1, |q|) + |len_b - len_a - q| <= D``. The block is the segment's
  number and content (a polynomial hash); the partner's substrings at those
  shifts are looked up in it, and a pair is a candidate only when it meets in
  two distinct segment numbers (the PassJoin filter of Li, Deng, Wang and
  Feng, VLDB 2011, for the Indel distance, with the pigeonhole taken one piece
  further). A name too short for ``D + 2`` segments is cut into ``D + 1`` and
  one unbroken segment suffices (``max(i, |q|) + ...``).

A hash collision can only add a pair. Before a pair is scored, a necessary
condition of its character counts is checked with numpy: the Indel distance
is ``len_a + len_b - 2 * LCS`` and a common subsequence holds each character
at most ``min(count_a, count_b)`` times, so ``d >= sum_c |count_a(c) -
count_b(c)|`` (counted in 64 bins, which can only lower the sum; first, as a
cheaper test, the bins one name uses and the other does not, a bit each of a
uint64). The pairs that pass are scored with ``token_set_ratio`` itself
(``rapidfuzz.process.cpdist``, element-wise, in C++; ``fuzz.ratio`` first, equal
on single tokens and faster), so the reported score is the authors' measure;
the number of pairs scored is ``attrs["scored_pairs"]`` of the result.

The search this replaces scored the long pairs with ``process.cdist`` on
length bands (each long name against every name of compatible length): 630
million scores for the 868,712 normalised names of the 3,000,000-model
synthetic snapshot, and 2,630 for the 418 of the real import.
:func:`normalised_pairs` keeps it as the reference (``method="length-bands"``)
for the tests and ``bench/bench_identity.py``, which measures both. On the
3M snapshot the blocks hold 56.8 million distinct candidate pairs (62.9
million when one shared segment sufficed), the character counts leave 5.33
million of them to score, 5.26 million of which reach 90.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from numba import njit

from analysis import arrays

DEFAULT_THRESHOLD = 90
#: The search of :func:`normalised_pairs` (blocks) and the exhaustive reference it replaces.
METHODS = ("blocked", "length-bands")


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


#: Candidate pairs scored at once by :func:`normalised_pairs` (two lists of names of this length).
SCORED_AT_ONCE = 2_000_000
#: Odd multiplier of the polynomial hash of :func:`_segment_pairs`, and a salt per segment number.
_BASE = np.uint64(0x100000001B3)
_SEGMENT_SALT = np.random.default_rng(20261207).integers(1, 2**63, 512, dtype=np.uint64)
#: Keys of the longer names looked up at once by :func:`_segment_pairs`.
LOOKUPS_AT_ONCE = 2_000_000


def _prefix_hashes(cp: np.ndarray) -> np.ndarray:
    """Polynomial prefix hashes (wrapping uint64): ``out[:, j]`` covers positions ``< j``."""
    out = np.zeros((cp.shape[0], cp.shape[1] + 1), np.uint64)
    for j in range(cp.shape[1]):
        np.multiply(out[:, j], _BASE, out=out[:, j + 1])
        out[:, j + 1] += cp[:, j]
    return out


def _power(length: int) -> np.uint64:
    """``_BASE ** length``, wrapping."""
    p = np.ones(1, np.uint64)
    for _ in range(length):
        p *= _BASE
    return p[0]


def _substring_hashes(prefix: np.ndarray, start: int, length: int) -> np.ndarray:
    """The hash of every row's substring ``[start, start + length)`` (equal strings, equal hashes)."""
    return prefix[:, start + length] - prefix[:, start] * _power(length)


def _segments(length: int, parts: int) -> list[tuple[int, int]]:
    """``(start, length)`` of ``parts`` consecutive segments of a string, shorter ones first."""
    small, extra = divmod(length, parts)
    sizes = [small] * (parts - extra) + [small + 1] * extra
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    return [(int(p), int(n)) for p, n in zip(starts, sizes)]


def _max_edits(total: int, threshold: float) -> int:
    """Most insertions and deletions a pair of ``total`` characters may differ by and still score."""
    return int(np.floor((100.0 - threshold) / 100.0 * total + 1e-9))


def _shifts(index: int, start: int, seg: int, short: int, long: int, edits: int, shared: int = 1) -> list[int]:
    """Positions in a name of ``long`` characters where segment number ``index`` (``start``, ``seg``
    characters) of a name of ``short`` characters can sit unbroken when it is one of the first
    ``shared`` unbroken segments and the names differ by at most ``edits`` edits. At least
    ``index - shared + 1`` segments before it are broken, an edit each at least, and the shift ``q``
    takes ``|q|`` edits before the segment and ``|long - short - q|`` after it:
    ``max(index - shared + 1, |q|) + |long - short - q| <= edits``."""
    delta = long - short
    broken = max(index - shared + 1, 0)
    return [
        start + q
        for q in range(-edits, edits + 1)
        if max(broken, abs(q)) + abs(delta - q) <= edits and 0 <= start + q <= long - seg
    ]


def _segment_keys(arr: np.ndarray, rows: np.ndarray, n: int, plan: list[tuple[int, list[int]]], seg: list) -> tuple:
    """Keys ``(segment number, content)`` of the substrings of ``arr[rows]`` (all of length ``n``)
    that ``plan`` names (per segment number, the positions to read); the owner and the segment
    number of each key."""
    prefix = _prefix_hashes(_codepoints(arr[rows], n))
    keys, owner, number = [], [], []
    for i, positions in plan:
        for q in positions:
            keys.append(_substring_hashes(prefix, q, seg[i][1]) + _SEGMENT_SALT[i])
            owner.append(rows)
            number.append(np.full(len(rows), i, np.int64))
    if not keys:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(keys), np.concatenate(owner), np.concatenate(number)


def _join(short_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(position in short_keys, position in keys)`` of equal keys; ``short_keys`` sorted."""
    left = np.searchsorted(short_keys, keys, "left")
    count = np.searchsorted(short_keys, keys, "right") - left
    hit = np.flatnonzero(count)
    count = count[hit]
    rep = np.repeat(hit, count)
    pos = np.repeat(left[hit] - np.cumsum(count) + count, count) + np.arange(len(rep))
    return pos, rep


#: Matches of segment keys (before the two-segment filter) held at once by :func:`_segment_pairs`:
#: short segments of common names meet many partners (hundreds of millions at Hub scale).
JOINED_AT_ONCE = 4_000_000


def _row_groups(short_keys: np.ndarray, keys: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive column ranges of ``keys`` (one column per name, one row per lookup) whose
    matches in sorted ``short_keys`` number at most :data:`JOINED_AT_ONCE` (or one column)."""
    count = np.searchsorted(short_keys, keys, "right") - np.searchsorted(short_keys, keys, "left")
    total = np.cumsum(count.sum(axis=0))
    groups, start, done = [], 0, 0
    while start < keys.shape[1]:
        stop = max(int(np.searchsorted(total, done + JOINED_AT_ONCE, "right")), start + 1)
        groups.append((start, stop))
        done, start = int(total[stop - 1]), stop
    return groups


def _sharing(a: np.ndarray, b: np.ndarray, number: np.ndarray, parts: int, shared: int, n_names: int) -> np.ndarray:
    """The pairs ``(a, b)`` (``a != b``) met in at least ``shared`` distinct segment numbers, as
    sorted distinct keys ``min * n_names + max``."""
    key = a * n_names
    key += b
    key *= parts
    key += number  # one entry per pair and segment number
    key = arrays.unique(key, overwrite=True) // parts
    if shared > 1:  # sorted: a pair met in ``shared`` numbers has ``shared`` equal entries in a row
        key = key[shared - 1 :][key[shared - 1 :] == key[: len(key) - shared + 1]]
    a, b = key // n_names, key % n_names
    keep = a != b
    a, b = a[keep], b[keep]
    key = np.minimum(a, b) * n_names
    key += np.maximum(a, b)
    return arrays.unique(key, overwrite=True)


def _segment_pairs(arr: np.ndarray, lengths: np.ndarray, limit: int, threshold: float) -> tuple[np.ndarray, list[int]]:
    """The pairs sharing two segment blocks (module docstring), for ``len_a + len_b >= limit``; and
    the name lengths too short to cut into enough segments (left to the length bands). The longer
    names are looked up a slice of rows at a time (at most :data:`LOOKUPS_AT_ONCE` keys), and only
    the pairs met in two distinct segments leave the slice, each once (as the key ``min * n + max``)."""
    n_names = len(arr)
    by_length = {int(n): np.flatnonzero(lengths == n) for n in arrays.unique(lengths)}
    found, unblocked = [], []
    for short, rows in by_length.items():
        lo, hi = max(short, limit - short), _max_len(short, threshold)
        partners = [n for n in range(lo, hi + 1) if n in by_length]
        if not partners:
            continue
        edits = _max_edits(short + partners[-1], threshold)
        shared = 2 if edits + 2 <= short else 1  # two unbroken segments where the name is long enough
        if edits + shared > short:  # too short for edits + 1 segments: scored against every partner
            unblocked.append(short)
            continue
        parts = edits + shared
        seg = _segments(short, parts)
        sk, so, sn = _segment_keys(arr, rows, short, [(i, [p]) for i, (p, _) in enumerate(seg)], seg)
        order = np.argsort(sk)
        sk, so, sn = sk[order], so[order], sn[order]
        for long in partners:
            allowed = _max_edits(short + long, threshold)
            plan = [(i, _shifts(i, p, n, short, long, allowed, shared)) for i, (p, n) in enumerate(seg)]
            per_row = max(sum(len(q) for _, q in plan), 1)
            long_rows = by_length[long]
            step = max(1, LOOKUPS_AT_ONCE // per_row)
            for s in range(0, len(long_rows), step):
                rows_now = long_rows[s : s + step]
                lk = _segment_keys(arr, rows_now, long, plan, seg)[0].reshape(-1, len(rows_now))
                for r0, r1 in _row_groups(sk, lk):  # the rows' matches a bounded number at a time
                    p, q = _join(sk, lk[:, r0:r1].ravel())
                    if len(p):
                        owner = rows_now[r0:r1][q % (r1 - r0)]
                        found.append(_sharing(so[p], owner, sn[p], parts, shared, n_names))
    key = np.concatenate(found) if found else np.zeros(0, np.int64)
    del found
    return arrays.unique(key, overwrite=True), unblocked


def _pair_keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Index pairs as keys ``min * n + max`` (int64)."""
    key = np.minimum(a, b).astype(np.int64)
    key *= n
    key += np.maximum(a, b)
    return key


def _length_band_pairs(
    arr: np.ndarray,
    lengths: np.ndarray,
    limit: int,
    cutoff: float,
    workers: int,
    chunk_cells: int,
    rows_of: Iterable[int] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The exhaustive search of long pairs (``len_a + len_b >= limit``): ``process.cdist`` of each
    name against every name of compatible length, ``[len, len * (200 - t) / t]`` (rows of the
    lengths ``rows_of``, or all), in chunks of at most ``chunk_cells`` scores; and the scores made."""
    from rapidfuzz import fuzz, process

    order = np.lexsort((arr.astype(str), lengths))
    arr_s, len_s = arr[order], lengths[order]
    wanted = None if rows_of is None else set(rows_of)
    out_i, out_j, cells = [], [], 0
    for length in arrays.unique(len_s):
        lo_len = max(int(length), limit - int(length))
        hi_len = _max_len(int(length), cutoff)
        if lo_len > hi_len or (wanted is not None and int(length) not in wanted):
            continue
        lo = np.searchsorted(len_s, lo_len, "left")
        row_lo = np.searchsorted(len_s, length, "left")
        mid = np.searchsorted(len_s, length, "right")
        hi = np.searchsorted(len_s, hi_len, "right")
        if hi <= lo:
            continue
        step = max(1, chunk_cells // max(hi - lo, 1))
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
            cells += m.size
            r, c = np.nonzero(m)
            r, c = r + start, c + first
            keep = c > r
            out_i.append(order[r[keep]])
            out_j.append(order[c[keep]])
    if not out_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), cells
    return np.concatenate(out_i), np.concatenate(out_j), cells


#: Character bins of :func:`_histograms`: one per lower-case ASCII letter and digit (nearly every
#: character of a normalised name), the other characters shared by the rest.
_BINS = 64
_OWN_BINS = 36


def _histograms(arr: np.ndarray, lengths: np.ndarray, chunk: int = 100_000) -> tuple[np.ndarray, np.ndarray]:
    """Each name's characters counted in :data:`_BINS` bins (``(n, bins)`` uint8, counts over 255
    kept at 255), and the bins it uses as the bits of a uint64."""
    hist = np.zeros((len(arr), _BINS), np.uint8)
    for s in range(0, len(arr), chunk):
        text = "".join(arr[s : s + chunk])
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.int64)
        lower, digit = (cp >= 97) & (cp <= 122), (cp >= 48) & (cp <= 57)
        bins = np.where(lower, cp - 97, np.where(digit, cp - 48 + 26, _OWN_BINS + cp % (_BINS - _OWN_BINS)))
        owner = np.repeat(np.arange(len(lengths[s : s + chunk])), lengths[s : s + chunk])
        counts = np.bincount(owner * _BINS + bins, minlength=len(lengths[s : s + chunk]) * _BINS)
        hist[s : s + chunk] = np.minimum(counts, 255).reshape(-1, _BINS)
    used = np.zeros(len(arr), np.uint64)
    for b in range(_BINS):
        used |= (hist[:, b] > 0).astype(np.uint64) << np.uint64(b)
    return hist, used


def _may_reach(hist, used, lengths, lo_: np.ndarray, hi_: np.ndarray, cutoff: float) -> np.ndarray:
    """Whether each pair may score >= ``cutoff`` by its character counts (a necessary condition).

    The Indel distance is ``len_a + len_b - 2 * LCS``, and a common subsequence holds each
    character at most ``min(count_a, count_b)`` times, so the distance is at least
    ``sum_c |count_a(c) - count_b(c)|``; counting characters in bins, or capping counts,
    only lowers that sum, and each bin one name uses and the other does not adds at least 1
    to it. A pair whose bound exceeds the edits its score allows (with the half-point
    margin of the scoring) cannot reach the cutoff. Compiled (:func:`_may_reach_compiled`): with
    numpy each slice of pairs gathered two ``(pairs, 64)`` arrays of counts.
    """
    return _may_reach_compiled(hist, used, lengths, lo_, hi_, (100.0 - cutoff + 0.5) / 100.0)


@njit(cache=True)
def _may_reach_compiled(hist, used, lengths, lo_, hi_, share):
    """:func:`_may_reach`, one pair at a time: ``floor(share * (len_a + len_b) + 1e-9)`` edits
    allowed, first the bins one name uses and the other does not (a bit each), then the counts."""
    keep = np.zeros(len(lo_), np.bool_)
    bins = hist.shape[1]
    for p in range(len(lo_)):
        a, b = lo_[p], hi_[p]
        allowed = np.floor(share * np.float64(lengths[a] + lengths[b]) + 1e-9)
        x = used[a] ^ used[b]
        bits = 0
        while x:
            x &= x - np.uint64(1)
            bits += 1
        if bits > allowed:
            continue
        diff = 0
        for c in range(bins):
            diff += abs(np.int64(hist[a, c]) - np.int64(hist[b, c]))
        keep[p] = diff <= allowed
    return keep


def _score_pairs(arr: np.ndarray, key: np.ndarray, cutoff: float, workers: int) -> pd.DataFrame:
    """The distinct pairs among the keys ``min * n + max`` (an array the caller no longer needs)
    scoring >= ``cutoff``, as ``i < j, score`` in ``(i, j)`` order; ``attrs["scored"]``: pairs scored.

    A slice of keys at a time: the pairs that the character counts allow (:func:`_may_reach`)
    are scored with ``fuzz.ratio`` (no tokenising: several times faster) with a margin below
    the cutoff; it equals ``token_set_ratio`` on single tokens, which then scores the pairs
    it keeps (the authors' measure)."""
    from rapidfuzz import fuzz, process

    n = len(arr)
    key = arrays.unique(key, overwrite=True)
    lengths = np.fromiter((len(s) for s in arr), dtype=np.int64, count=n)
    hist, used = _histograms(arr, lengths)
    kept, scored = [], 0
    for s in range(0, len(key), SCORED_AT_ONCE):
        lo_, hi_ = key[s : s + SCORED_AT_ONCE] // n, key[s : s + SCORED_AT_ONCE] % n
        ok = _may_reach(hist, used, lengths, lo_, hi_, cutoff)
        lo_, hi_ = lo_[ok], hi_[ok]
        scores = process.cpdist(
            list(arr[lo_]), list(arr[hi_]), scorer=fuzz.ratio, score_cutoff=cutoff - 0.5, workers=workers
        )
        scored += len(lo_)
        keep = scores >= cutoff - 0.5
        kept.append(key[s : s + SCORED_AT_ONCE][ok][keep])
    del key
    key = np.concatenate(kept) if kept else np.zeros(0, np.int64)
    lo_, hi_ = key // n, key % n
    scores = np.empty(len(lo_), np.float64)
    for s in range(0, len(lo_), SCORED_AT_ONCE):
        e = s + SCORED_AT_ONCE
        scores[s:e] = process.cpdist(
            list(arr[lo_[s:e]]), list(arr[hi_[s:e]]), scorer=fuzz.token_set_ratio, dtype=np.float64, workers=workers
        )
    keep = scores >= cutoff
    out = pd.DataFrame({"i": lo_[keep], "j": hi_[keep], "score": scores[keep]})  # sorted by (i, j): the keys were
    out.attrs["scored"] = scored
    return out


def normalised_pairs(
    normals: Iterable[str],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    workers: int = -1,
    chunk_cells: int = 50_000_000,
    method: str = "blocked",
) -> pd.DataFrame:
    """Pairs of distinct normalised names scoring >= ``threshold`` (``i < j`` indices, score).

    ``normals`` must be distinct, non-empty strings. Pairs that can differ by
    at most 2 edits are found by deletion neighbourhoods, longer ones by
    segment blocks (``method="blocked"``, the module docstring) or, as the
    reference, by ``process.cdist`` on length bands (``"length-bands"``, at
    most ``chunk_cells`` scores in memory at once). ``attrs["scored_pairs"]``
    is the number of pairs scored (the cdist's scores included).
    """
    if method not in METHODS:
        raise ValueError(f"method {method!r}: expected one of {', '.join(METHODS)}")
    arr = np.asarray(list(normals), dtype=object)
    n = len(arr)
    if n < 2:
        empty = pd.DataFrame({"i": np.zeros(0, np.int64), "j": np.zeros(0, np.int64), "score": np.zeros(0)})
        empty.attrs["scored_pairs"] = 0
        return empty
    cutoff = float(threshold)
    limit = _band_limit(cutoff)
    lengths = np.fromiter((len(s) for s in arr), dtype=np.int64, count=n)
    keys = [_pair_keys(*_deletion_pairs(arr, limit), n)]  # 1. short pairs (at most 2 edits)
    if method == "blocked":  # 2. long pairs: segment blocks, cdist only where a name is too short to cut
        segment_keys, unblocked = _segment_pairs(arr, lengths, limit, cutoff)
        keys.append(segment_keys)
        c, d, cells = _length_band_pairs(arr, lengths, limit, cutoff, workers, chunk_cells, unblocked)
    else:
        c, d, cells = _length_band_pairs(arr, lengths, limit, cutoff, workers, chunk_cells)
    keys.append(_pair_keys(c, d, n))
    del c, d
    key = np.concatenate(keys)  # tens of millions of candidate pairs at Hub scale: each held once
    del keys
    out = _score_pairs(arr, key, cutoff, workers)
    out.attrs["scored_pairs"] = int(out.attrs.pop("scored")) + int(cells)
    return out
