"""Identity resolution: normalisation, candidate search, merges and overrides."""

from __future__ import annotations

import itertools
import random
import string

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz

from analysis.parts import identity as I

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
        got = I.normalised_pairs(names, threshold, chunk_cells=5_000)
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
    """At Hub scale the shared deletion keys are paired a range of hash values at a time and the
    pairs scored a slice at a time (less memory): the same pairs and scores as all at once."""
    rng = random.Random(2)
    base = ["".join(rng.choice(string.ascii_lowercase[:5]) for _ in range(rng.randint(3, 10))) for _ in range(300)]
    names = list(dict.fromkeys(base + [b[:-1] + rng.choice("ab") for b in base[:150]]))
    whole = I.normalised_pairs(names, 85)
    keys = np.concatenate([np.arange(50, dtype=np.uint64) << np.uint64(58), np.arange(1, 51, dtype=np.uint64)] * 2)
    owner = np.arange(len(keys))
    at_once = I._pairs_sharing_a_key(keys, owner)
    monkeypatch.setattr(I, "KEYS_AT_ONCE", 7)
    monkeypatch.setattr(I, "SCORED_AT_ONCE", 11)
    ranged = I._pairs_sharing_a_key(keys, owner)
    assert sorted(zip(*map(np.ndarray.tolist, ranged))) == sorted(zip(*map(np.ndarray.tolist, at_once)))
    assert len(at_once[0]) == 100  # every key twice: one pair per key
    pd.testing.assert_frame_equal(I.normalised_pairs(names, 85), whole)
    assert len(whole) > 50


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
