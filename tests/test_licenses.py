"""License mapping and the license-effect tests (Kruskal-Wallis, Dunn)."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sstats

from analysis.parts import licenses as L

# --------------------------------------------------------------------------- #
# mapping
# --------------------------------------------------------------------------- #


def test_mapping_file_is_valid_and_documented():
    m = L.load_mapping()
    assert m["groups"] == ["permissive", "restrictive", "none"]
    assert L.MAPPING_FILE.name == "license_groups.yml"
    table = L.mapping_table()
    assert list(table.columns) == ["license", "group", "alternative_group", "reason"]
    assert table["license"].is_unique
    assert (table["reason"].str.len() > 3).all()
    assert set(table["group"]) <= set(m["groups"])
    assert set(table["alternative_group"]) <= set(m["alternative_groups"])
    doc = L.mapping_documentation()
    for word in ("OpenRAIL", "other", "unknown", "Llama", "alternative"):
        assert word in doc


def test_group_of_hard_cases():
    ids = [
        "MIT",
        " apache-2.0 ",
        None,
        "",
        "unknown",
        "other",
        "openrail",
        "llama2",
        "cc-by-nc-4.0",
        "gpl-3.0",
        "no-such-license",
    ]
    main = L.group_of(ids)
    assert list(main) == [
        "permissive",
        "permissive",
        "none",
        "none",
        "none",
        "restrictive",
        "restrictive",
        "restrictive",
        "restrictive",
        "restrictive",
        "other",
    ]
    alt = L.group_of(ids, L.ALTERNATIVE)
    assert list(alt) == [
        "permissive",
        "permissive",
        "none",
        "none",
        "other",
        "other",
        "permissive",
        "restrictive",
        "restrictive",
        "restrictive",
        "other",
    ]
    assert not L.is_mapped("no-such-license") and L.is_mapped(None) and L.is_mapped("MIT")


def test_group_of_accepts_arrow_and_pandas():
    import pyarrow as pa

    arr = pa.chunked_array([["mit", None], ["openrail"]])
    assert list(L.group_of(arr)) == ["permissive", "none", "restrictive"]
    ser = pd.Series(["mit", np.nan, "gpl"], dtype="object")
    assert list(L.group_of(ser)) == ["permissive", "none", "restrictive"]
    cat = pd.Categorical(["mit", None, "mit"])
    assert list(L.group_of(cat)) == ["permissive", "none", "permissive"]


def test_mapping_error_on_bad_group(tmp_path):
    bad = tmp_path / "m.yml"
    bad.write_text(
        "groups: [a]\nalternative_groups: [a]\nno_license_group: a\nunmapped_group: a\n"
        "licenses:\n  - {license: mit, group: b, alternative: a, reason: x}\n"
    )
    with pytest.raises(L.MappingError, match="group 'b'"):
        L.load_mapping(str(bad))


def _real_license_ids(path):
    """Every license tag id in a JSON Lines file (streamed; only lines with a license tag are parsed)."""
    ids: dict[str, int] = {}
    with gzip.open(path, "rb") as fh:
        for line in fh:
            if b'"license:' not in line:
                continue
            for tag in json.loads(line).get("tags") or []:
                if isinstance(tag, str) and tag.startswith("license:"):
                    ids[tag[len("license:") :]] = ids.get(tag[len("license:") :], 0) + 1
    return ids


def test_every_real_license_id_is_classified(shared_data):
    seen: dict[str, int] = {}
    for name in ("models.jsonl.gz", "datasets.jsonl.gz"):
        for k, v in _real_license_ids(shared_data / "hub-2024-07" / name).items():
            seen[k] = seen.get(k, 0) + v
    assert len(seen) > 50  # the real records carry dozens of license ids
    unmapped = sorted(k for k in seen if not L.is_mapped(k))
    assert unmapped == [], f"license ids missing from {L.MAPPING_FILE.name}: {unmapped}"
    groups = L.group_of(list(seen))
    assert "other" not in set(groups)  # nothing falls through to the unmapped group


# --------------------------------------------------------------------------- #
# landscape tables
# --------------------------------------------------------------------------- #


def test_top_licenses_and_group_shares():
    by_type = {"model": ["mit", "mit", None, "gpl-3.0", "openrail"], "dataset": ["mit", None, None, ""]}
    top = L.top_licenses(by_type, top=2)
    assert list(top["license"]) == [L.NO_LICENSE, "mit", "gpl-3.0"]  # mit 3, then ties by name
    row = top.set_index("license").loc["mit"]
    assert row["models"] == 2 and row["models %"] == pytest.approx(40.0)
    assert row["datasets"] == 1 and row["datasets %"] == pytest.approx(25.0)
    assert top.set_index("license").loc[L.NO_LICENSE, "datasets"] == 3  # "" is no license
    shares = L.group_shares(by_type).set_index("license group")
    assert list(shares.index) == ["permissive", "restrictive", "none"]
    assert shares.loc["restrictive", "models"] == 2
    assert shares["models %"].sum() == pytest.approx(100.0)
    alt = L.group_shares(by_type, L.ALTERNATIVE).set_index("license group")
    assert alt.loc["permissive", "models"] == 3  # openrail moves


# --------------------------------------------------------------------------- #
# Kruskal-Wallis
# --------------------------------------------------------------------------- #


def test_kruskal_matches_scipy_with_ties_and_missing():
    rng = np.random.default_rng(3)
    v = rng.integers(0, 6, 200).astype(float)  # many ties
    g = rng.choice(["p", "r", "n"], 200)
    v[rng.random(200) < 0.1] = np.nan  # not known: dropped, not zero
    ok = ~np.isnan(v)
    ref = sstats.kruskal(*[v[ok & (g == k)] for k in ("n", "p", "r")])
    res = L.kruskal(v, g)
    assert res["n"] == ok.sum() and res["k"] == 3 and res["df"] == 2
    assert res["H"] == pytest.approx(ref.statistic)
    assert res["p"] == pytest.approx(ref.pvalue)
    assert res["epsilon_sq"] == pytest.approx(ref.statistic / (ok.sum() - 1))


def test_kruskal_undefined_cases_are_nan():
    assert np.isnan(L.kruskal([1, 2, 3], ["a", "a", "a"])["H"])  # one group
    assert np.isnan(L.kruskal([0, 0, 0, 0], ["a", "b", "a", "b"])["p"])  # all tied


def test_kruskal_separated_groups_is_significant():
    v = list(range(10)) + list(range(100, 110))
    g = ["a"] * 10 + ["b"] * 10
    res = L.kruskal(v, g)
    # no ties: H = 12/(n(n+1)) sum R_i^2/n_i - 3(n+1) with rank sums 55 and 155
    h = 12 / (20 * 21) * (55**2 / 10 + 155**2 / 10) - 3 * 21
    assert res["H"] == pytest.approx(h)
    assert res["p"] < 0.001


# --------------------------------------------------------------------------- #
# Dunn
# --------------------------------------------------------------------------- #

# Pulse by kind of exercise, the "exercise" data of the seaborn-data repository
# (mwaskom/seaborn-data, exercise.csv), 30 observations per group.
REST = [
    85,
    85,
    88,
    90,
    92,
    93,
    97,
    97,
    94,
    80,
    82,
    83,
    91,
    92,
    91,
    83,
    83,
    84,
    87,
    88,
    90,
    92,
    94,
    95,
    97,
    99,
    96,
    100,
    97,
    100,
]
WALKING = [
    86,
    86,
    84,
    93,
    103,
    104,
    90,
    92,
    93,
    95,
    96,
    100,
    89,
    96,
    95,
    84,
    86,
    89,
    103,
    109,
    90,
    92,
    96,
    101,
    97,
    98,
    100,
    102,
    104,
    103,
]
RUNNING = [
    93,
    98,
    110,
    98,
    104,
    112,
    98,
    105,
    99,
    87,
    132,
    120,
    94,
    110,
    116,
    95,
    126,
    143,
    100,
    126,
    140,
    103,
    124,
    140,
    94,
    135,
    130,
    99,
    111,
    150,
]


def test_dunn_holm_matches_published_r_values():
    # Expected Holm-adjusted p values: computed with R's PMCMR (Pohlert) and
    # published in scikit-posthocs' own test suite (tests/test_posthocs.py,
    # test_posthoc_dunn, "r_results") for exactly these data.
    v = REST + WALKING + RUNNING
    g = ["rest"] * 30 + ["walking"] * 30 + ["running"] * 30
    d = L.dunn(v, g, p_adjust="holm").set_index(["group_a", "group_b"])
    assert d.loc[("rest", "running"), "p_adj"] == pytest.approx(9.570998e-09, rel=1e-5)
    assert d.loc[("rest", "walking"), "p_adj"] == pytest.approx(4.390066e-02, rel=1e-5)
    assert d.loc[("running", "walking"), "p_adj"] == pytest.approx(1.873208e-04, rel=1e-5)
    # raw p is the two-sided normal p of z
    assert np.allclose(d["p"], 2 * sstats.norm.sf(np.abs(d["z"])))
    assert d.loc[("rest", "running"), "z"] < 0  # resting pulse ranks lower


def test_dunn_z_matches_published_worked_example():
    # Five groups of five; z statistics as published in the README of the
    # `dunn` package (GitHub pereirabarataap/dunn, "Dunn test H0 z-statistic",
    # no adjustment), which follows Dunn (1964).
    a = [0.28551035, 0.338524035, 0.088631321, 0.205930807, 0.363240102]
    b = [0.52173913, 0.763358779, 0.325436786, 0.425305688, 0.378071834]
    c = [0.98911968, 1.192718142, 0.788288288, 0.549176236, 0.544588155]
    d = [1.26705653, 1.625320787, 1.266108976, 1.154187629, 1.268489431]
    e = [1.25697569, 1.265897356, 1.237814561, 0.954612564, 2.365415457]
    g = [k for k, grp in zip("abcde", (a, b, c, d, e)) for _ in grp]
    res = L.dunn(a + b + c + d + e, g, p_adjust="holm").set_index(["group_a", "group_b"])
    expected_z = {
        ("a", "b"): -0.9882,
        ("a", "c"): -2.1054,
        ("a", "d"): -3.8241,
        ("a", "e"): -3.3944,
        ("b", "c"): -1.1171,
        ("b", "d"): -2.8358,
        ("b", "e"): -2.4061,
        ("c", "d"): -1.7187,
        ("c", "e"): -1.2890,
        ("d", "e"): 0.42967,
    }
    expected_p = {("a", "b"): 0.32304, ("a", "d"): 0.00013, ("c", "d"): 0.08567, ("d", "e"): 0.66744}
    for pair, z in expected_z.items():
        assert res.loc[pair, "z"] == pytest.approx(z, abs=1e-4)
    for pair, p in expected_p.items():
        assert res.loc[pair, "p"] == pytest.approx(p, abs=1e-5)
    assert (res["p_adj"] >= res["p"] - 1e-12).all()


def test_dunn_table_and_order():
    data = pd.DataFrame({"x": [1, 2, 3, 10, 11, 12, np.nan], "group": ["none"] * 3 + ["permissive"] * 3 + ["none"]})
    t = L.dunn_table(data, ["x"], "group", groups=["permissive", "restrictive", "none"])
    assert len(t) == 1
    assert (t.iloc[0]["group_a"], t.iloc[0]["group_b"]) == ("permissive", "none")
    assert t.iloc[0]["z"] > 0 and t.iloc[0]["n_b"] == 3
    assert "p (holm)" in t.columns


# --------------------------------------------------------------------------- #
# tables
# --------------------------------------------------------------------------- #


def test_tests_table_medians_means_by_hand():
    data = pd.DataFrame(
        {
            "likes": [0, 1, 2, 10, 20, 30, 5, np.nan],
            "group": ["none", "none", "none", "permissive", "permissive", "permissive", "restrictive", "restrictive"],
        }
    )
    t = L.tests_table(data, ["likes"], "group", {"likes": "likes"}, ["permissive", "restrictive", "none"])
    row = t.iloc[0]
    assert row["N"] == 7
    assert row["median none"] == 1 and row["median permissive"] == 20 and row["median restrictive"] == 5
    assert row["mean none"] == pytest.approx(1.0) and row["mean permissive"] == pytest.approx(20.0)
    assert row["df"] == 2
    ref = sstats.kruskal([10, 20, 30], [5], [0, 1, 2])
    assert row["H"] == pytest.approx(ref.statistic) and row["p"] == pytest.approx(ref.pvalue)


def test_sensitivity_table_reports_changes():
    # openrail models are as active as permissive ones: moving them changes the shares
    lic = ["mit"] * 20 + ["openrail"] * 20 + [None] * 20
    rng = np.random.default_rng(0)
    likes = np.concatenate([rng.integers(50, 100, 40), rng.integers(0, 5, 20)]).astype(float)
    data = pd.DataFrame({"likes": likes})
    s = L.sensitivity_table(data, ["likes"], lic)
    shares = s.iloc[0]
    assert "permissive 33.3%" in shares["main mapping"]
    assert "permissive 66.7%" in shares["alternative mapping"]
    assert shares["changes"].startswith("yes: 20 models")
    sig = s[s["aspect"].str.contains("significant")].iloc[0]
    assert sig["main mapping"].startswith("yes") and sig["alternative mapping"].startswith("yes")
    assert sig["changes"] == "no"


def test_underflow_note_only_when_some_p_is_zero():
    assert L.underflow_note(pd.DataFrame({"p": [0.5, 1e-10]})) is None
    assert "1e-308" in L.underflow_note(pd.DataFrame({"p": [0.5]}), pd.DataFrame({"p (holm)": [0.0]}))
