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

   Names with the same normalised form are one key and resolve directly;
   pairs of distinct normalised names are found by blocking
   (:mod:`analysis.parts.identity_blocking`: deletion neighbourhoods for
   names that can differ by at most two characters, segment blocks for longer
   ones), and only the pairs that share a block are scored. The blocks are
   necessary conditions, so no pair is lost: the result equals the full
   all-pairs comparison (tests check it). Every raw name of one normalised
   name is then paired with every raw name of the other.

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
from analysis.parts.identity_blocking import DEFAULT_THRESHOLD, _all_pairs_within, normalised_pairs

SYSTEM = "system"
OVERRIDES_FILE = paths.resource("identity_overrides.csv")
DECISIONS = ("accept", "reject", "bot", "person")
#: Rows of the candidates table's CSV for readers (the first by score); the book's Parquet file has them all.
CANDIDATES_CSV_ROWS = 10_000

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
# candidate pairs of raw names
# --------------------------------------------------------------------------- #


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
    scored: int = 0  # pairs of normalised names scored to find them

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


#: Candidate pairs of raw names expanded at once by :func:`_candidates` (each normalised pair
#: brings every raw name of one with every raw name of the other): at Hub scale 8.7 million pairs
#: made in one piece held a dozen arrays of that length at once (1.4 GB with the search).
PAIRS_AT_ONCE = 1_000_000


def _candidates(
    raw: np.ndarray, threshold: float, workers: int, method: str = "blocked", *, at_once: int | None = None
) -> _Pairs:
    """Candidate pairs among distinct raw names (see :func:`candidate_pairs`), as integer arrays.

    The raw pairs are made a bounded number at a time (``at_once``, default :data:`PAIRS_AT_ONCE`)
    and each kept only as its place in the table, one int64 (the score's rank among the distinct
    scores, then the two names' ranks in string order); one in-place sort of those keys puts the
    table in order and every column is read back from them. Where the key would not fit in 63 bits,
    the pairs are made in one piece (:func:`_candidates_in_one_piece`, the same table)."""
    raw = np.asarray(raw, dtype=object)
    names = _Names.of(raw)
    pairs = normalised_pairs(list(names.normals), threshold, workers=workers, method=method)
    scored = int(pairs.attrs["scored_pairs"])
    pi, pj = pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)
    ps = pairs["score"].to_numpy(float)
    del pairs
    negated = np.unique(np.r_[-ps, -100.0])  # the distinct scores, highest first
    n = max(len(raw), 1)
    if len(negated) * n * n >= 2**63:
        return _candidates_in_one_piece(raw, names, pi, pj, ps, scored)
    at_once = PAIRS_AT_ONCE if at_once is None else max(1, int(at_once))
    combos = names.gsize[pi] * names.gsize[pj]
    within = names.gsize * (names.gsize - 1) // 2
    key = np.empty(int(combos.sum()) + int(within.sum()), np.int64)
    done = 0
    for a, b, score in _raw_pairs(names, pi, pj, ps, combos, within, at_once):
        ra, rb = names.rank[a], names.rank[b]
        part = np.searchsorted(negated, -score) * (n * n)
        part += np.minimum(ra, rb) * n
        part += np.maximum(ra, rb)
        key[done : done + len(part)] = part
        done += len(part)
    del pi, pj, ps, combos
    key.sort()  # in place: the table's order (score descending, then the two names)
    score = -negated[key // (n * n)]
    key %= n * n
    a = names.order[key // n]
    key %= n
    b = names.order[key]
    del key
    return _Pairs(raw, names.normals, a, b, names.code[a], names.code[b], score, names.rank, scored)


@dataclass
class _Names:
    """Distinct raw names, their ranks in string order (``order`` the inverse), their normalised
    names (``normals``, distinct, non-empty), the code of each name's normalised name (-1 where
    empty), and the raw names of each normalised name grouped (``members[gstart[c]:][:gsize[c]]``)."""

    order: np.ndarray
    rank: np.ndarray
    normals: np.ndarray
    code: np.ndarray
    members: np.ndarray
    gsize: np.ndarray
    gstart: np.ndarray

    @classmethod
    def of(cls, raw: np.ndarray) -> _Names:
        order = np.argsort(raw, kind="stable") if len(raw) else np.zeros(0, np.int64)
        rank = np.empty(len(raw), np.int64)
        rank[order] = np.arange(len(raw))
        norm = normalise_many(raw) if len(raw) else np.zeros(0, object)
        ok = np.flatnonzero(norm != "")
        codes, uniq = pd.factorize(pd.Series(norm[ok], dtype=object))
        codes = np.asarray(codes, dtype=np.int64)
        code = np.full(len(raw), -1, np.int64)
        code[ok] = codes
        gsize = np.bincount(codes, minlength=len(uniq))
        gstart = np.r_[0, np.cumsum(gsize)[:-1]].astype(np.int64) if len(uniq) else np.zeros(0, np.int64)
        members = ok[np.argsort(codes, kind="stable")]
        return cls(order, rank, np.asarray(uniq, dtype=object), code, members, gsize, gstart)


def _slices(counts: np.ndarray, at_once: int) -> list[tuple[int, int]]:
    """Consecutive ranges of ``counts`` adding up to at most ``at_once`` each (or one entry)."""
    total = np.cumsum(counts)
    out, start, done = [], 0, 0
    while start < len(counts):
        stop = max(int(np.searchsorted(total, done + at_once, "right")), start + 1)
        out.append((start, stop))
        done, start = int(total[stop - 1]), stop
    return out


def _raw_pairs(names: _Names, pi, pj, ps, combos, within, at_once: int):
    """The raw-name pairs ``(a, b, score)`` of the normalised pairs ``(pi, pj, ps)`` (every raw
    name of one with every raw name of the other), then of the names sharing a normalised name
    (score 100), about ``at_once`` pairs at a time."""
    gsize, gstart, members = names.gsize, names.gstart, names.members
    for s, e in _slices(combos, at_once):
        c = combos[s:e]
        row = np.repeat(np.arange(s, e), c)
        offs = np.arange(len(row)) - np.repeat(np.cumsum(c) - c, c)
        wj = gsize[pj[row]]
        a = members[gstart[pi[row]] + offs // wj]
        b = members[gstart[pj[row]] + offs % wj]
        yield a, b, ps[row]
    for s, e in _slices(within, at_once):
        lo = gstart[s]  # the slice of groups s..e is members[lo:] in that order
        group = np.repeat(np.arange(s, e), gsize[s:e])
        p, q = _all_pairs_within(group)
        yield members[lo + p], members[lo + q], np.full(len(p), 100.0)


def _candidates_in_one_piece(raw: np.ndarray, names: _Names, pi, pj, ps, scored: int) -> _Pairs:
    """The pairs of :func:`_candidates` made in one piece and put in order by :func:`_table_order`
    (where the chunked path's key would not fit in 63 bits; and the tests' reference)."""
    combos = names.gsize[pi] * names.gsize[pj]
    within = names.gsize * (names.gsize - 1) // 2
    whole = max(int(combos.sum()), int(within.sum()), 1)
    parts = list(_raw_pairs(names, pi, pj, ps, combos, within, whole))
    a = np.concatenate([x[0] for x in parts] + [np.zeros(0, np.int64)])
    b = np.concatenate([x[1] for x in parts] + [np.zeros(0, np.int64)])
    score = np.concatenate([x[2] for x in parts] + [np.zeros(0)])
    del parts
    swap = names.rank[a] > names.rank[b]  # each pair as (first name, second name) in string order
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    order = _table_order(score, names.rank[a], names.rank[b])
    a, b, score = a[order], b[order], score[order]
    return _Pairs(raw, names.normals, a, b, names.code[a], names.code[b], score, names.rank, scored)


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
    method: str = "blocked",
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
    return _candidates(np.asarray(raw, dtype=object), threshold, workers, method).frame(weights)


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
    scored_pairs: int = 0  # pairs of distinct normalised names scored (identity_blocking)

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
    method: str = "blocked",
) -> Resolution:
    """Resolve identities among ``names`` (see the module docstring).

    ``weights``: commits per name (for the canonical choice and the table);
    ``owners``: Hub namespaces (preferred as canonical names); ``overrides``:
    a DataFrame as from :func:`load_overrides`, a path, or None for the
    project's file; ``method``: the search of
    :func:`analysis.parts.identity_blocking.normalised_pairs` (``"length-bands"``
    is the exhaustive reference).
    """
    raw = pd.unique(pd.Series(list(names), dtype=object).dropna().astype(str))
    if not isinstance(overrides, pd.DataFrame):
        overrides = load_overrides(overrides)
    weights = dict(weights or {})
    pairs = _candidates(np.asarray(raw, dtype=object), threshold, workers, method)
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
        scored_pairs=pairs.scored,
    )
