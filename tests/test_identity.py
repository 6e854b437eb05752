"""Identity resolution: normalisation, candidate search, merges and overrides."""

from __future__ import annotations

import itertools
import random
import string

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz

from analysis import paths
from analysis.parts import identity as I
from analysis.parts import identity_blocking as B

NO_OVERRIDES = pd.DataFrame(columns=["decision", "name_a", "name_b", "reason"])


def test_normalise_as_the_authors_did():
    assert I.normalise("Joao Gante") == "joaogante"
    assert I.normalise("joao-gante") == "joaogante"
    assert I.normalise("J.Doe_42 ") == "jdoe42"
    assert I.normalise("Hervé BREDIN") == "hervébredin"
    assert I.normalise(None) == ""
    names = ["Joao Gante", "j.doe", "Ming Xu (徐明)", "ÉCOLE-x", "a_b c"]
    assert list(I.normalise_many(names)) == [I.normalise(n) for n in names]


def test_token_set_ratio_equals_ratio_on_normalised_names():
    rng = random.Random(0)
    for _ in range(300):
        a = "".join(rng.choice("abcde12") for _ in range(rng.randint(1, 12)))
        b = "".join(rng.choice("abcde12") for _ in range(rng.randint(1, 12)))
        assert fuzz.token_set_ratio(a, b) == pytest.approx(fuzz.ratio(a, b))


def test_blocked_search_equals_all_pairs():
    rng = random.Random(1)
    base = ["".join(rng.choice(string.ascii_lowercase[:6]) for _ in range(rng.randint(3, 14))) for _ in range(250)]
    # add near variants so that there are many true pairs
    variants = [b[:-1] + rng.choice("abc") for b in base[:80]] + [b + "x" for b in base[80:140]]
    variants += [b + "xy" for b in base[140:200] if len(b) >= 9]  # two deletions apart: the hash-table lookup
    names = list(dict.fromkeys(base + variants))
    for threshold in (80, 90, 95):
        got = B.normalised_pairs(names, threshold, chunk_cells=5_000)
        got_set = set(zip(got["i"], got["j"]))
        expected = {
            (i, j)
            for i, j in itertools.combinations(range(len(names)), 2)
            if fuzz.token_set_ratio(names[i], names[j]) >= threshold
        }
        assert got_set == expected
        assert len(expected) > 20
        assert got[["i", "j"]].equals(got[["i", "j"]].sort_values(["i", "j"]))  # in (i, j) order
        if threshold == 90:  # names two characters apart, found by the double-deletion lookup
            assert any(abs(len(names[i]) - len(names[j])) == 2 for i, j in got_set)


def test_pairs_found_by_ranges_of_keys_and_scored_by_slices_are_the_same(monkeypatch):
    """At Hub scale the shared deletion keys are paired a range of hash values at a time, the
    segment keys looked up and joined a few names at a time and the pairs scored a slice at a
    time (less memory): the same pairs and scores as all at once."""
    rng = random.Random(2)
    base = ["".join(rng.choice(string.ascii_lowercase[:5]) for _ in range(rng.randint(3, 10))) for _ in range(300)]
    names = list(dict.fromkeys(base + [b[:-1] + rng.choice("ab") for b in base[:150]]))
    whole = B.normalised_pairs(names, 85)
    long = _hostile_names(0)
    whole_long = B.normalised_pairs(long, 90)
    keys = np.concatenate([np.arange(50, dtype=np.uint64) << np.uint64(58), np.arange(1, 51, dtype=np.uint64)] * 2)
    owner = np.arange(len(keys))
    at_once = B._pairs_sharing_a_key(keys, owner)
    monkeypatch.setattr(B, "KEYS_AT_ONCE", 7)
    monkeypatch.setattr(B, "SCORED_AT_ONCE", 11)
    monkeypatch.setattr(B, "LOOKUPS_AT_ONCE", 5)
    monkeypatch.setattr(B, "JOINED_AT_ONCE", 3)
    ranged = B._pairs_sharing_a_key(keys, owner)
    assert sorted(zip(*map(np.ndarray.tolist, ranged))) == sorted(zip(*map(np.ndarray.tolist, at_once)))
    assert len(at_once[0]) == 100  # every key twice: one pair per key
    pd.testing.assert_frame_equal(B.normalised_pairs(names, 85), whole)
    assert len(whole) > 50
    pd.testing.assert_frame_equal(B.normalised_pairs(long, 90), whole_long)


def test_candidates_merge_variants_and_keep_distinct_people_apart():
    names = [
        "Joao Gante",
        "joaogante",
        "joao_gante",
        "Alice Smith",
        "alicesmith",
        "Bob Jones",
        "bob",
        "Alicia Smith",
        "user1",
        "user2",
        "Christopher Manning",
        "christophermannings",
        "nadia_taylor2",
        "nadia-taylor3",
        "Jane Larsen",
        "jane-lorsen",
        "janelarsan",
    ]
    res = I.resolve(names, overrides=NO_OVERRIDES, weights={"joaogante": 5, "Joao Gante": 9})
    m = res.mapping
    assert m["joaogante"] == m["Joao Gante"] == m["joao_gante"] == "Joao Gante"  # most commits
    assert m["Alice Smith"] == m["alicesmith"]
    assert m["Christopher Manning"] == m["christophermannings"]  # score 97
    assert m["Alicia Smith"] != m["Alice Smith"]  # 'aliciasmith' vs 'alicesmith' scores < 90
    assert m["user1"] != m["user2"] and m["bob"] != m["Bob Jones"]
    assert m["nadia_taylor2"] != m["nadia-taylor3"]  # a candidate (92) but numbers differ
    dec = dict(zip(zip(res.candidates["name_a"], res.candidates["name_b"]), res.candidates["decision"]))
    assert dec[("nadia-taylor3", "nadia_taylor2")] == I.NOT_MERGED_NUMBERS
    assert dec[("Joao Gante", "joaogante")] == I.MERGED_SAME
    assert dec[("Christopher Manning", "christophermannings")] == I.MERGED_SIMILAR
    # three similar names: no chain, all left apart and listed
    assert len({m["Jane Larsen"], m["jane-lorsen"], m["janelarsan"]}) == 3
    assert dec[("Jane Larsen", "janelarsan")] == I.NOT_MERGED_AMBIGUOUS
    assert res.n_names == len(names)
    assert res.n_identities == len(names) - 4
    cand = res.candidates
    assert (cand["score"] >= 90).all() and (cand["name_a"] < cand["name_b"]).all()


def test_owner_name_preferred_as_canonical():
    res = I.resolve(
        ["Joao Gante", "joaogante"],
        overrides=NO_OVERRIDES,
        owners={"joaogante"},
        weights={"Joao Gante": 50, "joaogante": 1},
    )
    assert res.mapping["Joao Gante"] == "joaogante"


def test_overrides_accept_reject_bot_person(tmp_path):
    f = tmp_path / "ov.csv"
    f.write_text(
        "# comment line\n"
        "decision,name_a,name_b,reason\n"
        "reject,Alice Smith,alicesmith,two different people (test)\n"
        "accept,Nils Reimers,nreimers,same person (test)\n"
        "bot,deploy-runner,,a CI account (test)\n"
        "person,Robot Talbot,,a person (test)\n",
        encoding="utf-8",
    )
    ov = I.load_overrides(f)
    names = [
        "Alice Smith",
        "alicesmith",
        "Nils Reimers",
        "nreimers",
        "deploy-runner",
        "SFconvertbot",
        "system",
        "Robot Talbot",
        "Some Bot",
    ]
    res = I.resolve(names, overrides=ov)
    assert res.mapping["Alice Smith"] != res.mapping["alicesmith"]
    assert res.mapping["Nils Reimers"] == res.mapping["nreimers"]
    dec = dict(zip(zip(res.candidates["name_a"], res.candidates["name_b"]), res.candidates["decision"]))
    assert dec[("Alice Smith", "alicesmith")] == "rejected (override)"
    assert dec[("Nils Reimers", "nreimers")] == "accepted (override)"
    removed = dict(zip(res.removed["name"], res.removed["kind"]))
    assert removed == {"system": "system", "deploy-runner": "bot", "SFconvertbot": "bot", "Some Bot": "bot"}


def test_overrides_file_validation(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("decision,name_a,name_b,reason\nmerge,a,b,why\n", encoding="utf-8")
    with pytest.raises(I.OverridesError, match="decision"):
        I.load_overrides(f)
    f.write_text("decision,name_a,name_b,reason\naccept,a,,why\n", encoding="utf-8")
    with pytest.raises(I.OverridesError, match="name_b"):
        I.load_overrides(f)
    f.write_text("decision,name_a\nbot,a\n", encoding="utf-8")
    with pytest.raises(I.OverridesError, match="missing column"):
        I.load_overrides(f)


def test_project_overrides_file_is_valid():
    ov = I.load_overrides()
    assert set(ov["decision"]) <= set(I.DECISIONS)
    assert (ov["reason"].str.len() > 10).all()


def test_bot_rule():
    for name in ("SFconvertbot", "librarian-bot", "github-actions[bot]", "ModelConvertBot", "my_bot", "Some Bot"):
        assert I.is_bot(name), name
    for name in ("Talbot", "Abbot Lee", "robotics-lab", "Bottomley", "TimeRobber", "system", ""):
        assert not I.is_bot(name), name


def test_empty_and_degenerate_inputs():
    res = I.resolve([], overrides=NO_OVERRIDES)
    assert res.mapping == {} and res.candidates.empty
    res = I.resolve(["!!!", "???", "a"], overrides=NO_OVERRIDES)
    assert res.candidates.empty  # empty normalised forms are never candidates
    assert len(set(res.mapping.values())) == 3


def test_removed_names_looked_at_only_where_bot_appears_are_those_of_the_rule():
    """Only names with "bot" in them (any case) are matched against the bot rule one by one: the
    same names removed as checking every name."""
    rng = random.Random(0)
    parts = ["bot", "Bot", "BOT", "abbot", "talbot", "[bot]", "-bot", "_bot", " bot", "bot-", "ConvertBot"]
    parts += ["system", "SFconvertbot", "robotics", "BoTany", "hf-bot ", "dependabot[bot]", "x", "y", "Ab"]
    names = list(dict.fromkeys("".join(rng.choice(parts) for _ in range(rng.randint(1, 3))) for _ in range(5000)))
    removed = I._removed_names(np.asarray(names, dtype=object), I.load_overrides(), {})
    assert sorted(removed["name"]) == sorted(x for x in names if x == I.SYSTEM or I.is_bot(x))
    assert 100 < len(removed) < len(names)


def test_candidates_table_order_is_that_of_the_lexsort_of_its_three_keys():
    """Score descending, then the names' ranks: one int64 key where it fits, the lexsort where not."""
    rng = np.random.default_rng(5)
    for n in (50, 2**31 + 7):  # the second does not fit: the lexsort itself
        key = np.unique(rng.integers(0, n, 3000) * np.int64(n) + rng.integers(0, n, 3000))
        rng.shuffle(key)
        ra, rb = key // n, key % n
        score = rng.choice([100.0, 95.5, 92.30769230769231, 90.0], len(key))  # many ties
        assert np.array_equal(I._table_order(score, ra, rb), np.lexsort((rb, ra, -score)))
    assert len(I._table_order(np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64))) == 0


def test_candidate_pairs_made_a_slice_at_a_time_are_those_made_in_one_piece():
    """At Hub scale the raw-name pairs are made a bounded number at a time, each kept as its place
    in the table (one int64 key): the same pairs, normalised names, scores and order as made in one
    piece and put in order by the lexsort of the three keys, with several slices of both kinds
    (pairs between normalised names and within one)."""
    names = _hostile_names(3)
    variants = [v for n in names[:120] for v in (n.upper(), "-".join(n), "_" + n)]
    names = list(dict.fromkeys(names + variants + ["Joao Gante", "joao-gante", "JOAO_GANTE", "joao gante2"]))
    raw = np.asarray(names, dtype=object)
    parts = I._Names.of(raw)
    assert (parts.gsize >= 3).sum() > 100  # many normalised names with several raw names
    for threshold in (80, 90):
        pairs = B.normalised_pairs(list(parts.normals), threshold)
        pi, pj, ps = (pairs[c].to_numpy() for c in ("i", "j", "score"))
        whole = I._candidates_in_one_piece(raw, parts, pi, pj, ps, pairs.attrs["scored_pairs"])
        combos, within = parts.gsize[pi] * parts.gsize[pj], parts.gsize * (parts.gsize - 1) // 2
        assert len(whole.a) == combos.sum() + within.sum() > 1000
        for at_once in (1, 7, 100):
            assert len(I._slices(combos, at_once)) > 5 and len(I._slices(within, at_once)) > 5
            sliced = I._candidates(raw, threshold, 1, at_once=at_once)
            for field in ("a", "b", "ca", "cb", "score", "rank"):
                assert np.array_equal(getattr(sliced, field), getattr(whole, field)), (threshold, at_once, field)
            assert list(sliced.normals) == list(whole.normals) and sliced.scored == whole.scored
        frame = I.candidate_pairs(names, threshold)
        assert (frame["name_a"] < frame["name_b"]).all()
        expected = frame.sort_values(["score", "name_a", "name_b"], ascending=[False, True, True], ignore_index=True)
        pd.testing.assert_frame_equal(frame, expected)
    assert len(I._candidates(np.zeros(0, object), 90, 1).a) == 0


def _all_pairs(names: list[str], threshold: float) -> set[tuple[int, int]]:
    return {
        (i, j)
        for i, j in itertools.combinations(range(len(names)), 2)
        if fuzz.token_set_ratio(names[i], names[j]) >= threshold
    }


def _hostile_names(seed: int) -> list[str]:
    """Long and short names, repeated characters, shared prefixes and suffixes, digits and other
    scripts: many pairs three or more edits apart that still score."""
    rng = random.Random(seed)
    alphabet = "aab" + "éж中" + "12"
    base = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(150)]
    base += ["a" * n for n in range(1, 45)] + ["ab" * n for n in range(1, 22)]
    edits = []
    for b in base[:150]:
        x = list(b)
        for _ in range(rng.randint(1, 5)):  # up to five insertions or deletions
            if x and rng.random() < 0.5:
                del x[rng.randrange(len(x))]
            else:
                x.insert(rng.randint(0, len(x)), rng.choice(alphabet))
        edits.append("".join(x))
    long = ["christopherdavidmanning" + s for s in ("", "x", "xy", "xyz", "1", "jr", "abcd")]
    long += ["x" + n for n in long] + [n[1:] + "q" for n in long]
    return [n for n in dict.fromkeys(base + edits + long) if n]


@pytest.mark.parametrize("threshold", [50, 75, 85, 90, 95])
def test_blocked_search_equals_the_exhaustive_search_on_hostile_names(threshold):
    """The segment blocks lose no pair: the same pairs and scores as the length-band cdist (today's
    search) and as scoring every pair; fewer pairs scored. At 50 short names cannot be cut into
    enough segments: those are scored against every partner, as before."""
    for seed in range(3):
        names = _hostile_names(seed)
        blocked = B.normalised_pairs(names, threshold, method="blocked")
        reference = B.normalised_pairs(names, threshold, method="length-bands", chunk_cells=3_000)
        pd.testing.assert_frame_equal(blocked, reference)
        assert set(zip(blocked["i"], blocked["j"])) == _all_pairs(names, threshold)
        if threshold >= 85:  # at low thresholds short segments of "aaaa..." names block little
            assert blocked.attrs["scored_pairs"] <= reference.attrs["scored_pairs"]
        assert len(blocked) > 10


def test_segment_shifts_are_those_the_edit_bound_allows():
    """A segment found at position q after at most D edits: brute force over every edit placement
    of a short string agrees with :func:`identity_blocking._shifts` (no position is missed)."""
    from rapidfuzz.distance import Indel

    rng = random.Random(3)
    for _ in range(400):
        s = "".join(rng.choice("ab") for _ in range(rng.randint(6, 14)))
        x = list(s)
        for _ in range(rng.randint(0, 4)):
            if x and rng.random() < 0.5:
                del x[rng.randrange(len(x))]
            else:
                x.insert(rng.randint(0, len(x)), rng.choice("ab"))
        t = "".join(x)
        d = Indel.distance(s, t)
        if len(t) < len(s) or d + 1 > len(s):
            continue
        seg = B._segments(len(s), d + 1)
        found = any(
            t[q : q + n] == s[p : p + n] for i, (p, n) in enumerate(seg) for q in B._shifts(i, p, n, len(s), len(t), d)
        )
        assert found, (s, t, d)


def test_blocked_resolution_has_the_clusters_of_the_exhaustive_one():
    names = _hostile_names(7) + [
        "Joao Gante",
        "joaogante",
        "nadia_taylor2",
        "nadia-taylor3",
        "Jane Larsen",
        "jane-lorsen",
    ]
    names += ["Christopher Manning", "christophermannings", "Christopher D Manning", "Christopher Mannings Jr"]
    blocked = I.resolve(names, overrides=NO_OVERRIDES)
    reference = I.resolve(names, overrides=NO_OVERRIDES, method="length-bands")
    assert blocked.mapping == reference.mapping
    pd.testing.assert_frame_equal(blocked.candidates, reference.candidates)
    pd.testing.assert_frame_equal(blocked.groups, reference.groups)
    assert 0 < blocked.scored_pairs < reference.scored_pairs


@pytest.mark.skipif(not (paths.SHARED_IMPORT / "manifest.json").exists(), reason="the real import is absent")
def test_on_the_real_import_blocking_keeps_the_clusters_and_scores_ten_times_fewer_pairs():
    from analysis.parts import network
    from analysis.snapshot import open_snapshot

    snap = open_snapshot(paths.SHARED_IMPORT)
    commits = network.load_commit_authors(snap)
    kw = {"weights": commits.commits_per_name().to_dict(), "owners": network.hub_namespaces(snap)}
    blocked = I.resolve(commits.names, **kw)
    reference = I.resolve(commits.names, method="length-bands", **kw)
    assert blocked.mapping == reference.mapping
    pd.testing.assert_frame_equal(blocked.candidates, reference.candidates)
    assert blocked.scored_pairs * 10 <= reference.scored_pairs


def test_two_segments_stay_unbroken_at_the_shifts_the_edit_bound_allows():
    """Cut into D + 2 segments (D >= the Indel distance), a string and any string at most D edits
    away share two distinct segments, each unbroken at a position :func:`_shifts` names with
    ``shared=2`` (brute force over random edits of short strings): the filter that asks for two
    shared segments drops no pair."""
    from rapidfuzz.distance import Indel

    rng = random.Random(4)
    checked = 0
    for _ in range(3000):
        s = "".join(rng.choice("ab" if rng.random() < 0.5 else "abc") for _ in range(rng.randint(4, 16)))
        x = list(s)
        for _ in range(rng.randint(0, 5)):
            if x and rng.random() < 0.5:
                del x[rng.randrange(len(x))]
            else:
                x.insert(rng.randint(0, len(x)), rng.choice("abc"))
        t = "".join(x)
        d = Indel.distance(s, t)
        if len(t) < len(s):
            s, t = t, s
        edits = d + rng.choice([0, 0, 1, 2])  # the cut may be finer than the pair needs
        if edits + 2 > len(s):
            continue
        seg = B._segments(len(s), edits + 2)
        numbers = {
            i
            for i, (p, n) in enumerate(seg)
            for q in B._shifts(i, p, n, len(s), len(t), d, shared=2)
            if t[q : q + n] == s[p : p + n]
        }
        assert len(numbers) >= 2, (s, t, d, edits)
        checked += 1
    assert checked > 1000


@pytest.mark.parametrize("threshold", [60, 80, 90])
def test_blocked_search_equals_all_pairs_on_random_small_strings(threshold):
    """Random short strings over a small alphabet with many near variants: the blocked search
    (deletion blocks and the two-segment filter) finds every pair that scoring all pairs finds."""
    rng = random.Random(threshold)
    base = ["".join(rng.choice("abc") for _ in range(rng.randint(1, 24))) for _ in range(150)]
    edits = []
    for b in base:
        x = list(b)
        for _ in range(rng.randint(1, 4)):
            if x and rng.random() < 0.5:
                del x[rng.randrange(len(x))]
            else:
                x.insert(rng.randint(0, len(x)), rng.choice("abc"))
        edits.append("".join(x))
    names = [n for n in dict.fromkeys(base + edits) if n]
    got = B.normalised_pairs(names, threshold)
    assert set(zip(got["i"], got["j"])) == _all_pairs(names, threshold)
    pd.testing.assert_frame_equal(got, B.normalised_pairs(names, threshold, method="length-bands"))


@pytest.mark.parametrize("threshold", [50, 80, 90, 95])
def test_character_count_bound_never_drops_a_pair_that_scores(threshold):
    """:func:`identity_blocking._may_reach` (the Indel distance is at least the characters' count
    difference) keeps every pair scoring >= the threshold (brute force over random strings, with
    characters outside the own bins and counts over 255), and drops most of the others."""
    rng = random.Random(threshold)
    alphabet = "ab9z" + "éß徐\u00e0-_"
    names = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(120)]
    names += [n[: rng.randint(0, len(n))] + rng.choice(alphabet) + n for n in names[:60]]
    names += ["a" * 300, "a" * 299 + "b", "a" * 280]
    names = list(dict.fromkeys(names))
    arr = np.asarray(names, dtype=object)
    lengths = np.array([len(n) for n in names])
    hist, used = B._histograms(arr, lengths, chunk=7)
    lo_, hi_ = (np.array(x) for x in zip(*itertools.combinations(range(len(names)), 2)))
    keep = B._may_reach(hist, used, lengths, lo_, hi_, threshold)
    scores = np.array([fuzz.ratio(names[i], names[j]) for i, j in zip(lo_, hi_)])
    assert keep[scores >= threshold - 0.5].all()
    assert (scores >= threshold).sum() >= 3
    assert (~keep).sum() > (scores < threshold).sum() / 4
