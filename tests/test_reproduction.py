"""analysis.publication.reproduction: the paper-vs-snapshot table (tab-paper-vs-snapshot)."""

from __future__ import annotations

import re

import pytest

from analysis import paths
from analysis.paper import paper_numbers
from analysis.publication.reproduction import COLUMNS, NA, compare

PAPER_MD = paths.ROOT.parent / "shared" / "PAPER.md"


def _values(**over):
    v = {
        "snapshot.date": "2024-07-11",
        "activity.models": 760_000,
        "activity.datasets": 175_000,
        "activity.spaces": None,
        "activity.models_zero_downloads_pct": 82.5,
        "activity.top1pct_downloads_share_pct": 97.25,
        "activity.models_no_license_pct": 62.0,
        "activity.datasets_no_license_pct": 70.0,
        "activity.models_single_commit_author_pct": 66.1,
        "activity.license_kw": {"likes": 1e-9, "downloads": 0.2},
        "network.isolates_pct": 91.0,
        "network.reciprocity_all": 0.1,
        "network.reciprocity_without_isolates": 0.6,
        "network.core_size": 12,
        "network.nodes": 400,
        "adoption.models_used_pct": 3.7,
        "adoption.top5_owners_usage_share_pct": 61.0,
        "adoption.top1pct_usage_share_pct": 55.0,
        "adoption.models_covered": 8650,
    }
    v.update(over)
    return v


def test_every_number_of_the_paper_has_a_row():
    numbers = paper_numbers()
    quantities = [n["quantity"] for n in numbers]
    expected = [
        "model repositories",
        "dataset repositories",
        "space repositories",
        "models with 0 downloads",
        "share of all downloads held by the top 1% of models",
        "developers who are isolates in the collaboration network",
        "license groups compared",
        "network",
        "adoption (models used in spaces)",
    ]
    assert quantities[: len(expected)] == expected
    secondary = [n for n in numbers if n["source"].startswith("secondary")]
    assert {n["paper"] for n in secondary} >= {"about 87%", "about 65%", "about 72%", "October 2023"}
    table = compare(_values(), {})
    assert list(table.columns) == COLUMNS
    assert len(table) == len(numbers)
    assert list(table["quantity"]) == quantities


def test_rows_match_paper_md_where_available():
    if not PAPER_MD.exists():
        pytest.skip("PAPER.md not available on this machine")
    text = PAPER_MD.read_text()
    section = text.split("## Numbers the paper reports", 1)[1].split("##", 1)[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("| ") and "---" not in ln][1:]
    quoted = {n["quantity"]: n["paper"] for n in paper_numbers()}
    for row in rows:
        quantity, paper = [c.strip() for c in row.strip("|").split("|")]
        assert quoted.get(quantity) == paper, f"PAPER.md row {quantity!r}: {paper!r} not quoted as such"


def test_numeric_differences_are_computed():
    t = compare(_values(), {"activity.models": 300_000}).set_index("quantity")
    row = t.loc["model repositories"]
    assert row["snapshot"] == "760,000"
    assert row["snapshot_as_of_paper_date"] == "300,000"
    # 760,000 - 348,181 = 411,819 ; 300,000 - 348,181 = -48,181
    assert "+411,819" in row["note"] and "-48,181" in row["note"]
    pct = t.loc["share of all downloads held by the top 1% of models"]
    assert pct["snapshot"] == "97.2%" or pct["snapshot"] == "97.3%"
    assert "-1.8 percentage points" in pct["note"]
    over = t.loc["models with 0 downloads"]
    assert "consistent with the paper's 'over 70%'" in over["note"]
    below = compare(_values(**{"activity.models_zero_downloads_pct": 55.0}), {}).set_index("quantity")
    assert "below the paper's 'over 70%'" in below.loc["models with 0 downloads", "note"]


def test_missing_values_show_as_na_with_a_reason():
    t = compare(_values(), {}).set_index("quantity")
    spaces = t.loc["space repositories"]
    assert spaces["snapshot"] == NA and "not computed" in spaces["note"]
    assert t.loc["dataset repositories", "snapshot_as_of_paper_date"] == NA
    assert "no as-of reconstruction" in t.loc["dataset repositories", "note"]


def test_qualitative_claims_get_verdicts():
    t = compare(_values(), {}).set_index("quantity")
    lic = t.loc["license groups compared"]
    assert "1 of 2 measures" in lic["snapshot"] and lic["note"].startswith("consistent")
    none_sig = compare(_values(**{"activity.license_kw": {"likes": 0.5}}), {}).set_index("quantity")
    assert none_sig.loc["license groups compared", "note"].startswith("not reproduced")
    net = t.loc["network"]
    assert "0.60 without isolates" in net["snapshot"] and "consistent" in net["note"]
    flat = compare(_values(**{"network.reciprocity_without_isolates": 0.05}), {}).set_index("quantity")
    assert flat.loc["network", "note"].startswith("not reproduced")
    ad = t.loc["adoption (models used in spaces)"]
    assert "3.7%" in ad["snapshot"] and ad["note"].startswith("consistent")
    spread = compare(_values(**{"adoption.top5_owners_usage_share_pct": 10.0}), {}).set_index("quantity")
    assert spread.loc["adoption (models used in spaces)", "note"].startswith("partly")


def test_snapshot_date_row_and_caveats():
    t = compare(
        _values(),
        {"snapshot.date": "2023-10-31 (reconstructed)"},
        caveats={"isolates": "commit histories cover: subset"},
    ).set_index("quantity")
    date = t.loc["data collection date"]
    assert date["snapshot"] == "2024-07-11"
    assert "+254 days" in date["note"]  # 2023-10-31 -> 2024-07-11
    assert "commit histories cover: subset" in t.loc["developers who are isolates in the collaboration network", "note"]


def test_every_note_is_a_sentence():
    t = compare(_values(), {})
    assert all(isinstance(n, str) and n.endswith(".") and len(n) > 5 for n in t["note"])
    assert not t.isna().any().any()


def test_unknown_measure_is_an_error():
    bad = [{"key": "x", "quantity": "x", "paper": "1", "source": "abstract", "measure": "nowhere.x"}]
    with pytest.raises(ValueError, match="no rule"):
        compare({}, {}, paper=bad)


def test_on_a_snapshot(tmp_path):
    """paper_vs_snapshot runs every part's headline on a small snapshot."""
    from book_fixtures import hand_snapshot

    from analysis.publication.reproduction import paper_vs_snapshot

    snap = hand_snapshot(tmp_path / "s", models=60)
    t = paper_vs_snapshot(snap)
    assert len(t) == len(paper_numbers())
    row = t.set_index("quantity").loc["model repositories"]
    assert row["snapshot"] == "60"
    assert re.fullmatch(r"\d+", row["snapshot_as_of_paper_date"].replace(",", ""))
    assert int(row["snapshot_as_of_paper_date"]) <= 60
    assert "synthetic" in row["note"]


def test_isolates_note_gives_the_cleaned_network():
    t = compare(_values(**{"network.cleaned_isolates_pct": 21.25}), {}).set_index("quantity")
    assert (
        "21.2% are isolates" in t.loc["developers who are isolates in the collaboration network", "note"]
        or "21.3% are isolates" in t.loc["developers who are isolates in the collaboration network", "note"]
    )
