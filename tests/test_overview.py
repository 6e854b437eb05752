"""analysis.publication.overview: the front and back matter tables (what a snapshot holds, where from)."""

from __future__ import annotations

import pandas as pd
from book_fixtures import hand_snapshot

from analysis.publication import overview
from analysis.publication.publish import Publisher
from analysis.snapshot.schema import TABLES


def test_tables_of_a_snapshot(tmp_path):
    snap = hand_snapshot(tmp_path / "s", models=60, seed=3)
    repos = overview.repo_summary(snap).set_index("repository type")
    models = snap.table("models", ["owner", "license", "downloads"])
    assert repos.loc["model", "repositories"] == 60
    assert repos.loc["model", "distinct owners"] == models["owner"].nunique()
    assert repos.loc["model", "zero downloads (%)"] == round(100 * (models["downloads"] == 0).mean(), 2)
    assert repos.loc["model", "with a license tag (%)"] == round(100 * models["license"].notna().mean(), 2)
    assert repos.loc["space", "downloads known"] == 0 and pd.isna(repos.loc["space", "zero downloads (%)"])

    cov = overview.coverage_table(snap)
    assert list(cov["table"]) == list(TABLES)
    assert (cov.set_index("table")["rows"] == pd.Series({t: snap.rows(t) for t in TABLES})).all()

    src = overview.data_sources(snap)
    assert "came from" in src.columns and src["came from"].str.contains("synthetic").all()

    failed = overview.fetch_log_summary(snap)
    assert failed.to_dict("records") == [
        {"step": "commits", "repo_type": "model", "outcome": "not_found_or_private", "count": 1}
    ]

    files = overview.table_checksums(snap)
    assert len(files) == len(TABLES) and files["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    src_files = overview.source_files(snap)
    assert len(src_files) == 1 and src_files.loc[0, "kind"] == "synthetic"
    assert "seed=3" in src_files.loc[0, "known_source"]
    assert "seed=3" in overview.source_summary(snap)


def test_flatten_and_manifest_rows(tmp_path):
    rows = overview.flatten({"b": {"x": 1, "y": [1, 2]}, "files": [{"file": "a"}, {"file": "b"}], "a": "t"}, "source")
    assert rows == [
        ("source.a", "t"),
        ("source.b.x", 1),
        ("source.b.y", [1, 2]),
        ("source.files[0].file", "a"),
        ("source.files[1].file", "b"),
    ]
    snap = hand_snapshot(tmp_path / "s", models=20)
    m = overview.manifest_table(snap).set_index("key")["value"]
    assert m["snapshot_id"] == "s" and m["source.seed"] == 0 and m["complete"] is True


def test_parameters_and_packages(tmp_path):
    params = {"notebooks": {"b": {"x": 1}, "a": {"y": "z", "w": [1]}}}
    t = overview.parameters_table(params)
    assert t.values.tolist() == [["a", "w", [1]], ["a", "y", "z"], ["b", "x", 1]]
    snap = hand_snapshot(tmp_path / "s", models=20)
    pk = overview.package_table(snap).set_index("package")
    assert pk.loc["pandas", "book built with"] == pd.__version__
    assert pk.loc["pandas", "snapshot made with"] == snap.manifest["package_versions"]["pandas"]


def test_front_matter_helpers(tmp_path):
    from analysis.parts import licenses

    snap = hand_snapshot(tmp_path / "s", models=20)
    assert overview.repo_counts(snap) == {"model": 20, "dataset": snap.rows("datasets"), "space": snap.rows("spaces")}
    pub = Publisher(snap, tmp_path / "out")
    bib = overview.book_bibtex(snap, pub.version, pub.built, "")
    assert bib.startswith("@misc{hf-hub-activity-s,") and f"snapshot date {snap.date}" in bib
    # the landing page's entry and every cite box agree on authors, version, year and edition
    box = pub.cite("tab-x", "table")
    for field in ("author", "version", "edition", "year"):
        line = next(ln for ln in bib.splitlines() if ln.strip().startswith(field + " ="))
        assert line.strip().rstrip(",") in box, field
    assert overview.edition_text(snap) == f"snapshot s of {snap.date}"

    mapping = licenses.mapping_table()
    groups = overview.license_groups(mapping)
    assert list(groups.columns) == ["group", "count", "licenses"]
    assert groups["count"].sum() == len(mapping)
    assert 0 < overview.regrouped(mapping) < len(mapping)
    assert overview.build_parameters(tmp_path) == {"notebooks": {}}
    (tmp_path / "parameters.json").write_text('{"notebooks": {"a": {"x": 1}}}')
    assert overview.build_parameters(tmp_path)["notebooks"] == {"a": {"x": 1}}
    assert overview.build_commit()


def test_absent_is_not_zero_in_the_repository_counts():
    counts = {"model": 760_000, "dataset": 175_000, "space": None}
    text = overview.counts_sentence(counts)
    assert text == ("760,000 model and 175,000 dataset repositories (it has no listing of spaces, so no count of them)")
    assert " 0 " not in text


def test_data_quality_flags_capped_listings_placeholders_and_late_commits(tmp_path):
    from analysis.snapshot.store import write_snapshot

    base = hand_snapshot(tmp_path / "base", models=1000, seed=2)
    tables = {t: base.table(t) for t in TABLES}
    m = tables["models"]
    m.loc[m.index[:7], "created_at"] = pd.Timestamp(overview.PLACEHOLDER_DATE + "T23:29:04", tz="UTC")
    day = pd.Timestamp(overview.PLACEHOLDER_DATE, tz="UTC")  # the day's first instant counts, the next day's not
    m.loc[m.index[7:9], "created_at"] = [day, day + pd.Timedelta(days=1)]
    m.loc[m.index[9], "created_at"] = day - pd.Timedelta(milliseconds=1)
    c = tables["commits"]
    c.loc[c.index[:3], "date"] = pd.Timestamp("2030-01-01", tz="UTC")
    snap = write_snapshot(tmp_path / "q", tables, snapshot_id="q", snapshot_date="2024-07-11")
    dq = overview.data_quality(snap).set_index("table")
    assert "exact multiple" in dq.loc["models", "listing may be capped"]
    assert dq.loc["datasets", "listing may be capped"] == "no sign" or snap.rows("datasets") % 1000 == 0
    # the placeholder is the minute 23:29 UTC of that day (as Parts I and V count it); the rest of the day is said apart
    created = pd.to_datetime(m["created_at"], utc=True)
    lo, hi = (pd.Timestamp(t, tz="UTC") for t in overview.PLACEHOLDER_MINUTE)
    expect = int(((created >= lo) & (created < hi)).sum())
    assert dq.loc["models", "placeholder creation dates"] == expect >= 7
    assert "more were created on 2022-03-02 outside that minute" in dq.loc["models", "what it means for the findings"]
    late = int((pd.to_datetime(c["date"], utc=True) >= pd.Timestamp("2024-07-12", tz="UTC")).sum())
    assert dq.loc["commits", "commits dated after the snapshot"] == late >= 3
    assert "after the snapshot date" in dq.loc["commits", "what it means for the findings"]


def _finding(key, value, unit, covered, population, scope):
    return {
        "key": key,
        "quantity": key,
        "value": value,
        "unit": unit,
        "ci_low": None,
        "ci_high": None,
        "coverage": {"covered": covered, "population": population, "scope": scope, "note": None},
        "source": "tab-x",
    }


def test_the_landing_page_names_what_each_count_counts():
    """Part II's network covers the commit data's repositories (1,031, listed or not), Part I's commit
    measures the listed ones with commits (1,010), both beside the listing's 760,000: each named."""
    import pandas as pd

    from analysis.publication.coverage_text import covers

    doc = {
        "findings": [
            _finding("activity.models_zero_downloads_pct", 49.5, "pct", 760_000, 760_000, "all"),
            _finding("network.isolates_pct", 50.5, "pct", 1_031, 760_000, "subset"),
            _finding("adoption.models_used_pct", 3.7, "pct", 8_650, 760_000, "subset"),
        ]
    }
    text = overview.edition_findings(doc, pd.DataFrame(columns=["quantity"]))
    assert "covers all 760,000 listed model repositories; coverage: all" in text
    assert (
        "covers 1,031 model repositories, listed or not, with a named commit author in the commit data, beside the "
        "listing's 760,000 model repositories; coverage: subset" in text
    )
    assert "covers 8,650 models whose use in spaces is known, of the 760,000 listed; coverage: subset" in text
    assert "1,031 of 760,000" not in text and "of 760,000 repositories" not in text
    cov = {"covered": 1_010, "population": 760_000, "scope": "subset"}
    assert covers("activity.models_single_commit_author_pct", cov).startswith(
        "1,010 model repositories with commit histories, of the 760,000 listed"
    )
    assert covers("network.isolates_pct", {"covered": None, "population": 5, "scope": "none"}) == "coverage: none"


def test_a_claim_measured_on_part_of_the_listing_says_on_what():
    import pandas as pd

    doc = {"findings": [_finding("network.isolates_pct", 50.5, "pct", 1_031, 760_000, "subset")]}
    row = {
        "quantity": "developers who are isolates in the collaboration network",
        "paper": "89%",
        "snapshot": "50.5%",
        "snapshot_as_of_paper_date": "n/a",
        "testable": "no",
        "verdict": "",
        "rests_on": "",
    }
    text = overview.edition_findings(doc, pd.DataFrame([row]))
    assert "this snapshot: 50.5% (measured on 1,031 model repositories, listed or not, with a named commit" in text
    doc["findings"][0]["coverage"].update(covered=760_000, scope="all")
    assert "measured on" not in overview.edition_findings(doc, pd.DataFrame([row]))


def test_a_value_that_holds_by_construction_says_so_on_the_landing_page():
    """Reciprocity of the reproduction network is 1 by construction: the landing page must not state it as a finding."""
    import pandas as pd

    built = _finding("network.reciprocity_by_construction", True, "bool", 1_031, 760_000, "subset")
    doc = {"findings": [_finding("network.reciprocity", 1.0, "ratio", 1_031, 760_000, "subset"), built]}
    text = overview.edition_findings(doc, pd.DataFrame(columns=["quantity"]))
    assert "**1.00 (by construction: not a finding)**" in text
    built["value"] = False
    assert "by construction" not in overview.edition_findings(doc, pd.DataFrame(columns=["quantity"]))
