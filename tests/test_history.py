"""Part V, the Hub over time (analysis.parts.history): each result against a direct computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from book_fixtures import assert_published, hand_snapshot, run_book_notebook

from analysis import stats
from analysis.parts import history as H
from analysis.snapshot import write_snapshot

PH = "2022-03-02T23:29:04.000Z"


def _repos(rows):
    """A models table from (id, created_at or None, likes, downloads, license)."""
    return pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "owner": [r[0].split("/")[0] if "/" in r[0] else None for r in rows],
            "name": [r[0].split("/")[-1] for r in rows],
            "created_at": pd.to_datetime([r[1] for r in rows], utc=True, format="ISO8601"),
            "likes": [r[2] for r in rows],
            "downloads": [r[3] for r in rows],
            "license": [r[4] for r in rows],
        }
    )


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    """Seven models: two with the placeholder date, one undated, the rest in three months;
    commits for three of them (one with two authors, one with `system` besides its author)."""
    models = _repos(
        [
            ("a/old1", PH, 5, 100, "mit"),
            ("a/old2", PH, 0, 0, None),
            ("b/m1", "2023-01-15T10:00:00Z", 1, 10, "apache-2.0"),
            ("b/m2", "2023-01-31T23:59:59Z", 0, 0, "openrail"),
            ("c/m3", "2023-03-01T00:00:00Z", 10, 1000, None),
            ("c/m4", "2024-02-10T00:00:00Z", 2, 0, "mit"),
            ("undated", None, 0, 5, None),
        ]
    )
    commits = pd.DataFrame(
        {
            "repo_type": "model",
            "repo_id": ["a/old1", "a/old1", "b/m1", "c/m3"],
            "commit_id": ["1", "2", "3", "4"],
            "date": pd.to_datetime(["2023-01-01"] * 4, utc=True),
            "authors": [["system"], ["alice"], ["bob", "carol"], ["system", "dave"]],
        }
    )
    cov = pd.DataFrame(
        {
            "repo_type": "model",
            "repo_id": ["a/old1", "b/m1", "c/m3", "b/m2"],
            "step": "commits",
            "items": [2, 1, 1, 0],
        }
    )
    snap = write_snapshot(
        tmp_path_factory.mktemp("hist") / "hand",
        {"models": models, "commits": commits, "repo_coverage": cov},
        snapshot_date="2024-03-31",
    )
    return snap, H.load(snap, ["model"])


def test_monthly_growth_keeps_placeholder_and_undated_apart(hand):
    _, listings = hand
    g = H.growth(listings).set_index("period")
    assert list(g.index) == [H.PLACEHOLDER, "2023-01", "2023-03", "2024-02", H.NO_DATE]
    assert g["created"].tolist() == [2, 2, 1, 1, 1]
    # the placeholder repositories are older than every month: in the cumulative count from the start
    assert g["cumulative"].tolist()[:4] == [2, 4, 5, 6]
    assert pd.isna(g.loc[H.NO_DATE, "cumulative"])
    assert g["share_of_listing_pct"].sum() == pytest.approx(100.0)


def test_period_labels_by_quarter_and_year(hand):
    _, listings = hand
    lst = listings["model"]
    assert H.period_labels(lst.month, "quarter") == [
        H.PLACEHOLDER,
        H.PLACEHOLDER,
        "2023Q1",
        "2023Q1",
        "2023Q1",
        "2024Q1",
        H.NO_DATE,
    ]
    assert H.period_labels(lst.month, "year")[2:6] == ["2023", "2023", "2023", "2024"]
    assert H.period_labels(lst.month)[2:6] == ["2023-01", "2023-01", "2023-03", "2024-02"]
    with pytest.raises(ValueError, match="frequency"):
        H.period_labels(lst.month, "week")


def test_as_of_series_counts_by_end_of_day_and_before_any_repository(hand):
    _, listings = hand
    s = H.as_of_series(listings, ["2022-01-01", "2023-01-31", "2023-02-28", "2024-03-31"]).set_index("as_of")
    # 2022-01-01 is before the placeholder minute: nothing existed yet
    assert s.loc["2022-01-01", "repositories"] == 0 and np.isnan(s.loc["2022-01-01", "% no license"])
    # the end of 2023-01-31 includes the repository created at 23:59:59 that day
    assert s.loc["2023-01-31", "repositories"] == 4
    assert s.loc["2024-03-31", "repositories"] == 6  # the undated one is never counted
    # license mix of the four by 2023-01-31: mit, none, apache (permissive x2), openrail (restrictive)
    row = s.loc["2023-01-31"]
    assert (row["% permissive"], row["% restrictive"], row["% no license"]) == pytest.approx((50, 25, 25))


def test_as_of_series_equals_a_direct_computation(tmp_path):
    rng = np.random.default_rng(3)
    n = 3000
    created = pd.Timestamp("2022-06-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    likes = (rng.pareto(1.1, n) * 3).astype(int)
    lic = rng.choice(np.array(["mit", "openrail", None], dtype=object), n)
    models = pd.DataFrame(
        {
            "id": [f"o{i % 50}/m{i}" for i in range(n)],
            "owner": [f"o{i % 50}" for i in range(n)],
            "name": [f"m{i}" for i in range(n)],
            "created_at": created,
            "likes": likes,
            "downloads": rng.integers(0, 50, n),
            "license": lic,
        }
    )
    snap = write_snapshot(tmp_path / "rand", {"models": models}, snapshot_date="2024-06-01")
    listings = H.load(snap, ["model"])
    dates = ["2022-12-31", "2023-06-30", "2024-06-01"]
    s = H.as_of_series(listings, dates).set_index("as_of")
    for d in dates:
        keep = (models["created_at"] < pd.Timestamp(d, tz="UTC") + pd.Timedelta(days=1)).to_numpy()
        v = likes[keep]
        assert s.loc[d, "repositories"] == keep.sum()
        assert s.loc[d, "likes Gini"] == pytest.approx(stats.gini(v), rel=1e-9)
        assert s.loc[d, "likes top 1% share (%)"] == pytest.approx(100 * stats.top_share(v, 0.01), rel=1e-9)
        assert s.loc[d, "% no license"] == pytest.approx(100 * np.mean(pd.isna(lic[keep])))


def test_grouped_concentration_is_the_expanded_statistic():
    rng = np.random.default_rng(0)
    for n in (1, 7, 99, 100, 101, 5000):
        v = rng.integers(0, 30, n) * (rng.random(n) < 0.4)
        values, counts = np.unique(v, return_counts=True)
        top1, gini = H.grouped_concentration(values, counts)
        if v.sum() == 0:
            assert np.isnan(top1) and np.isnan(gini)
            continue
        assert gini == pytest.approx(stats.gini(v), rel=1e-12, abs=1e-12)
        assert top1 == pytest.approx(100 * stats.top_share(v, 0.01), rel=1e-12)


def test_cohorts_against_a_direct_computation(hand):
    snap, listings = hand
    authors = H.single_author_repos(snap)
    ids, n = authors
    assert dict(zip(ids.to_pylist(), n.tolist())) == {"a/old1": 1, "b/m1": 2, "c/m3": 1, "b/m2": 0}
    c = H.cohorts(listings, "year", authors).set_index("cohort")
    assert list(c.index) == [H.PLACEHOLDER, "2023", "2024", H.NO_DATE]
    y = c.loc["2023"]
    assert y["repositories"] == 3
    assert y["% zero downloads"] == pytest.approx(100 / 3)
    assert y["downloads Gini"] == pytest.approx(stats.gini([10, 0, 1000]))
    assert y["likes top 1% share (%)"] == pytest.approx(100 * 10 / 11)
    # covered models of 2023 with an author: b/m1 (2 authors) and c/m3 (dave; system is not counted)
    assert y["commits covered"] == 2 and y["% single commit author"] == pytest.approx(50)
    assert c.loc[H.PLACEHOLDER, "% single commit author"] == pytest.approx(100)
    assert pd.isna(c.loc["2024", "commits covered"]) or c.loc["2024", "commits covered"] == 0
    with pytest.raises(ValueError, match="year"):
        H.cohorts(listings, "month")


def test_owner_concentration_and_top_owners(hand):
    snap, listings = hand
    tabs = H.owner_tables(listings)
    dl = tabs[("model", "downloads")].set_index("owner")
    assert dl.loc["c", "downloads"] == 1000 and dl.loc["a", "repositories"] == 2
    conc = H.owner_concentration(tabs).set_index("measure")
    total = 100 + 10 + 1000 + 5
    assert conc.loc["downloads", "top 1 owner share (%)"] == pytest.approx(100 * 1000 / total)
    assert conc.loc["downloads", "owner Gini"] == pytest.approx(stats.gini(dl["downloads"]))
    top = H.top_owners(snap, tabs, "downloads", top=2)
    assert top["owner"].tolist() == ["c", "a"] and top["rank"].tolist() == [1, 2]
    assert top["cumulative share (%)"].iloc[-1] == pytest.approx(100 * 1100 / total)
    assert set(top["owner kind"]) <= {"organization", "user", "unclassified"}


def test_part5_notebook_publishes_its_tables_and_figures(tmp_path):
    snap = hand_snapshot(tmp_path / "snap", models=90)
    out = tmp_path / "out"
    run_book_notebook("part5_history", snap.path, out, tmp_path)
    assert_published(
        out,
        tables=[
            "tab-history-growth",
            "tab-history-cohorts",
            "tab-history-as-of",
            "tab-history-not-reconstructable",
            "tab-history-owner-concentration",
            "tab-history-top-owners",
        ],
        figures=["fig-history-growth", "fig-history-cohorts", "fig-history-as-of", "fig-history-owner-lorenz"],
    )
    growth = pd.read_csv(out / "tables" / "tab-history-growth.csv")
    assert growth.groupby("repo_type")["created"].sum().to_dict() == {"model": 90, "dataset": 30, "space": 45}


def test_the_star_sentence_follows_the_side_of_the_curve(hand):
    """By 2023-06-30 the hand snapshot holds 5 dated-or-placeholder models: a paper's count of 8 is
    above the curve (deletions can explain it), a count of 3 below it (deletions cannot)."""
    _, listings = hand
    below = H.star_sentence(listings, {"model": 8.0}, "2023-06-30")
    assert "(5) lies 3 below the star" in below and "deleted or made private" in below
    above = H.star_sentence(listings, {"model": 3.0}, "2023-06-30")
    assert "(5) lies 2 above the star" in above and "Deletions since can only lower the curve" in above
    assert H.star_sentence(listings, {"dataset": 3.0}, "2023-06-30") == ""


def test_the_owner_lorenz_figure_has_its_data(hand):
    _, listings = hand
    data = H.owner_lorenz_data(H.owner_tables(listings), points=3)
    assert set(data["measure"]) == set(H.OWNER_MEASURES)
    for _, d in data.groupby("measure"):
        assert len(d) <= 3 and d["share of owners"].iloc[-1] == pytest.approx(1.0)
        assert d["share of the measure"].iloc[-1] == pytest.approx(1.0)
