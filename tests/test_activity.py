"""Part I activity: measures per repository type, coverage, as-of restriction, headline, tails."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import stats
from analysis.parts import activity as A
from analysis.parts.activity.figures import _thin_log
from analysis.snapshot import write_snapshot
from analysis.snapshot.schema import REPO_TYPES

TS = pd.Timestamp


def _repos(ids, created, licenses=None, likes=None, downloads=None):
    n = len(ids)
    return pd.DataFrame(
        {
            "id": ids,
            "owner": [i.split("/")[0] if "/" in i else None for i in ids],
            "name": [i.split("/")[-1] for i in ids],
            "created_at": pd.to_datetime(created, utc=True, format="ISO8601"),
            "license": licenses if licenses is not None else [None] * n,
            "likes": pd.array(likes if likes is not None else [0] * n, dtype="Int64"),
            "downloads": pd.array(downloads if downloads is not None else [None] * n, dtype="Int64"),
        }
    )


@pytest.fixture
def snap(tmp_path):
    models = _repos(
        ["u/m1", "u/m2", "u/m3", "v/m4", "legacy"],
        ["2021-01-01", "2023-10-31T23:00:00", "2023-11-01T00:00:00", "2024-02-01", None],
        licenses=["mit", "openrail", None, "unknown", "MIT"],
        likes=[0, 3, 0, 10, None],  # legacy: not known
        downloads=[0, 0, 5, 100, 0],
    )
    datasets = _repos(
        ["u/d1", "u/d2"], ["2022-01-01", "2024-01-01"], licenses=[None, "cc-by-4.0"], likes=[1, 0], downloads=[0, 7]
    )
    spaces = _repos(["u/s1", "u/s2", "u/s3"], ["2022-01-01", "2022-01-01", "2024-01-01"], likes=[0, 2, 4])
    commits = pd.DataFrame(
        [
            # m1: system initial commit + two by alice, one by bob
            dict(repo_type="model", repo_id="u/m1", commit_id="a", date=TS("2021-01-01", tz="UTC"), authors=["system"]),
            dict(repo_type="model", repo_id="u/m1", commit_id="b", date=TS("2022-01-01", tz="UTC"), authors=["alice"]),
            dict(
                repo_type="model",
                repo_id="u/m1",
                commit_id="c",
                date=TS("2023-01-01", tz="UTC"),
                authors=["alice", "bob"],
            ),
            # m2: one commit after the as-of date
            dict(repo_type="model", repo_id="u/m2", commit_id="d", date=TS("2023-12-01", tz="UTC"), authors=["carol"]),
            # m4 has commits but is NOT covered: must be ignored
            dict(repo_type="model", repo_id="v/m4", commit_id="e", date=TS("2024-03-01", tz="UTC"), authors=["dan"]),
        ]
    )
    discussions = pd.DataFrame(
        [
            dict(repo_type="model", repo_id="u/m1", number=1, author="eve", is_pull_request=False),
            dict(repo_type="model", repo_id="u/m1", number=2, author="eve", is_pull_request=True),
            dict(repo_type="model", repo_id="u/m1", number=3, author=None, is_pull_request=False),
        ]
    )
    coverage = pd.DataFrame(
        [
            dict(repo_type="model", repo_id="u/m1", step="commits", items=3),
            dict(repo_type="model", repo_id="u/m2", step="commits", items=1),
            dict(repo_type="model", repo_id="u/m3", step="commits", items=0),  # covered, none
            dict(repo_type="model", repo_id="u/m1", step="discussions", items=3),
            dict(repo_type="model", repo_id="u/m3", step="discussions", items=0),
        ]
    )
    return write_snapshot(
        tmp_path / "snap",
        {
            "models": models,
            "datasets": datasets,
            "spaces": spaces,
            "commits": commits,
            "discussions": discussions,
            "repo_coverage": coverage,
        },
    )


def _by_id(snap, acts, repo_type="model"):
    ids = snap.arrow("models", columns=["id"]).column("id").to_pylist()
    return acts[repo_type].data.assign(id=ids).set_index("id")


def test_per_repo_measures_respect_coverage(snap):
    acts = A.load(snap)
    m = _by_id(snap, acts)
    assert m.loc["u/m1", "commits"] == 3
    assert m.loc["u/m1", "commit_authors"] == 2  # alice, bob; "system" ignored
    assert m.loc["u/m2", "commits"] == 1 and m.loc["u/m2", "commit_authors"] == 1
    assert m.loc["u/m3", "commits"] == 0 and m.loc["u/m3", "commit_authors"] == 0  # covered, none: a real 0
    assert np.isnan(m.loc["v/m4", "commits"])  # not covered: not known, although it has a commit row
    assert np.isnan(m.loc["legacy", "commits"])
    assert m.loc["u/m1", "discussions"] == 3 and m.loc["u/m1", "discussion_authors"] == 1
    assert m.loc["u/m3", "discussions"] == 0
    assert np.isnan(m.loc["u/m2", "discussions"])
    assert np.isnan(m.loc["legacy", "likes"])  # null likes stay unknown
    assert acts["model"].covered["commits"] == 3
    assert acts["model"].status["commits"] == A.OK


def test_ignore_authors_can_follow_the_paper(snap):
    acts = A.load(snap, ignore_authors=())
    m = _by_id(snap, acts)
    assert m.loc["u/m1", "commit_authors"] == 3  # system counted, as the authors' scripts did


def test_not_applicable_and_not_covered_are_never_zero(snap):
    acts = A.load(snap)
    assert acts["space"].status["downloads"] == A.NOT_APPLICABLE_TEXT
    assert acts["dataset"].status["commits"] == A.NOT_COVERED  # no dataset covered by the step
    assert acts["space"].values("downloads").size == 0
    t = A.activity_table(acts).set_index(["measure", "repository type"])
    assert len(t) == len(A.MEASURES) * 3
    row = t.loc[("downloads (30 days)", "space")]
    assert row["status"] == "not applicable"
    assert pd.isna(row["N"]) and np.isnan(row["mean"]) and np.isnan(row["% zero"])
    row = t.loc[("commits", "dataset")]
    assert row["status"] == "not covered" and pd.isna(row["N"])
    ok = t.loc[("commits", "model")]
    assert ok["status"] == "" and ok["N"] == 3 and ok["mean"] == pytest.approx(4 / 3)
    assert ok["% zero"] == pytest.approx(100 / 3)
    likes = t.loc[("likes", "model")]
    assert likes["N"] == 4  # the null is dropped, not counted as zero
    assert likes["% zero"] == pytest.approx(50.0)
    assert likes["Gini"] == pytest.approx(stats.gini([0, 3, 0, 10]))


def test_missing_listing_is_not_covered(tmp_path):
    models = _repos(["u/a", "u/b"], ["2022-01-01", "2022-01-02"], likes=[1, 0], downloads=[3, 0])
    s = write_snapshot(tmp_path / "s", {"models": models})  # datasets/spaces: scope none
    acts = A.load(s)
    assert not acts["space"].listed and acts["space"].n == 0
    assert acts["space"].status["likes"] == A.NOT_COVERED
    assert acts["space"].status["downloads"] == A.NOT_APPLICABLE_TEXT  # applicability wins
    assert acts["model"].status["commits"] == A.NOT_COVERED
    h = A.headline_from(acts)
    assert h["models"] == 2 and h["datasets"] is None and h["spaces"] is None
    assert h["datasets_no_license_pct"] is None
    assert h["models_single_commit_author_pct"] is None
    assert h["license_kw"]["commits"] is None
    t = A.activity_table(acts)
    assert (t.loc[t["repository type"] == "space", "status"] != "").all()
    assert "no space listing" in A.coverage_text(acts)


def test_all_null_column_is_not_covered(tmp_path):
    models = _repos(["u/a", "u/b"], ["2022-01-01", "2022-01-02"], likes=[None, None], downloads=[1, 0])
    s = write_snapshot(tmp_path / "s", {"models": models})
    assert A.load(s)["model"].status["likes"] == A.NOT_COVERED


def test_as_of_restriction(snap):
    full = A.load(snap)
    cut = A.load(snap, as_of="2023-10-31")
    assert full["model"].n == 5
    # m1 and m2 (23:00 on the day itself) are kept; m3 (next midnight), m4 and the undated legacy are not
    assert cut["model"].n == 2
    assert any("without a creation date" in n for n in cut["model"].notes)
    ids = [
        i
        for i, c in zip(
            snap.arrow("models", columns=["id"]).column("id").to_pylist(),
            snap.arrow("models", columns=["created_at"]).column("created_at").to_pylist(),
        )
        if c is not None and c <= TS("2023-10-31T23:59:59", tz="UTC")
    ]
    m = cut["model"].data.assign(id=ids).set_index("id")
    assert m.loc["u/m2", "commits"] == 0  # its only commit is dated after the cut-off
    assert m.loc["u/m1", "commits"] == 3
    assert cut["dataset"].n == 1 and cut["space"].n == 2
    h_full, h_cut = A.headline_from(full), A.headline_from(cut)
    assert (h_full["models"], h_cut["models"]) == (5, 2)
    assert h_cut["models_zero_downloads_pct"] == pytest.approx(100.0)
    table = A.as_of_table(h_full, h_cut, "2023-10-31")
    assert list(table.columns) == ["quantity", "full snapshot", "created on or before 2023-10-31"]
    assert table.iloc[0, 1:].tolist() == [5, 2]


def test_headline_by_hand(snap):
    h = A.headline_from(A.load(snap))
    for key in (
        "models",
        "datasets",
        "spaces",
        "models_zero_downloads_pct",
        "top1pct_downloads_share_pct",
        "models_no_license_pct",
        "datasets_no_license_pct",
        "models_single_commit_author_pct",
        "license_kw",
    ):
        assert key in h
    assert (h["models"], h["datasets"], h["spaces"]) == (5, 2, 3)
    assert h["models_zero_downloads_pct"] == pytest.approx(60.0)  # 3 of 5
    assert h["top1pct_downloads_share_pct"] == pytest.approx(100 * 100 / 105)  # top 1 unit of 5
    assert h["models_no_license_pct"] == pytest.approx(20.0)  # only m3 has no tag ("unknown" is a tag)
    assert h["datasets_no_license_pct"] == pytest.approx(50.0)
    # covered models with >= 1 commit: m1 (2 authors), m2 (1 author)
    assert h["models_single_commit_author_pct"] == pytest.approx(50.0)
    assert set(h["license_kw"]) == set(A.MEASURES)
    assert 0 <= h["license_kw"]["likes"] <= 1


def test_extra_stats_known_by_hand():
    # top 10% of 20 units = the 2 largest; top 1% of 150 = ceil(1.5) = 2 units
    assert stats.top_share(list(range(1, 21)), 0.10) == pytest.approx((19 + 20) / 210)
    x = [1] * 148 + [50, 100]
    assert stats.top_share(x, 0.01) == pytest.approx(150 / 298)
    assert stats.gini([0, 10]) == pytest.approx(0.5)
    s = stats.summarize([1, 1, 1, 1, 2, 2, 2, 2, 3, 9])
    assert s["median"] == 2
    assert s["p90"] == pytest.approx(3.6)  # linear: 3 + 0.1*(9-3)*... position 8.1 -> 3 + 0.1*6
    assert s["p99"] == pytest.approx(3 + 0.91 * 6)
    assert s["max"] == 9 and s["pct_zero"] == 0


def test_ccdf_and_lorenz_figures(snap):
    import matplotlib

    matplotlib.use("Agg")
    acts = A.load(snap)
    data = A.ccdf_data(acts)
    d = data[(data["measure"] == "likes") & (data["repository type"] == "model")]
    # likes of models: 0, 3, 0, 10 -> P(X>=3) = 2/4, P(X>=10) = 1/4
    assert list(d["value"]) == [3, 10] and list(d["ccdf"]) == pytest.approx([0.5, 0.25])
    assert not (data["repository type"].eq("space") & data["measure"].str.startswith("downloads")).any()
    fig, _ = A.ccdf_figure(acts)
    assert len(fig.axes) == 6
    fig, lz = A.lorenz_figure(acts)
    top = lz[(lz["measure"] == "likes") & (lz["repository type"] == "model")]["top1_share"].iloc[0]
    tc = lz[(lz["curve"] == "top share") & (lz["measure"] == "likes") & (lz["repository type"] == "model")]
    assert tc["y"].iloc[-1] == pytest.approx(1.0) and tc["x"].iloc[0] == pytest.approx(0.25)
    assert top == pytest.approx(10 / 13)
    fig, ld = A.license_distribution_figure(acts["model"])
    assert set(ld["license group"]) <= {"permissive", "restrictive", "none"}


def test_thinning_keeps_ends():
    v = np.arange(1, 100001, dtype=float)
    c = 1 - (v - 1) / v.size
    x, y = _thin_log(v, c, 100)
    assert x[0] == 1 and x[-1] == 100000 and len(x) <= 101
    assert np.all(np.diff(x) > 0)


def test_fit_tail_recovers_power_law_and_subsamples_deterministically():
    rng = np.random.default_rng(1)
    # discrete power law with alpha about 2.5 above x_min = 10, lognormal body below
    tail = np.floor(10 * (1 - rng.random(6000)) ** (-1 / 1.5))
    body = np.floor(rng.lognormal(1, 0.5, 2000)) + 1
    x = np.concatenate([body[body < 10], tail])
    r = A.fit_tail(x, max_n=100_000)
    assert not r["subsampled"] and r["n_fitted"] == r["n"]
    assert 2.2 < r["alpha"] < 2.8
    s1 = A.fit_tail(x, max_n=3000, seed=7)
    s2 = A.fit_tail(x, max_n=3000, seed=7)
    assert s1["subsampled"] and s1["n_fitted"] == 3000
    assert s1["alpha"] == s2["alpha"] and s1["R"] == s2["R"]
    assert A.fit_tail([0, 0, 1, 2])["preferred"] == "too few values"


def test_top_share_curve_by_hand():
    c = A.top_share_curve(np.array([5.0, 3.0, 1.0, 1.0]), points=10)
    # top 1 of 4 holds 5/10, top 2 hold 8/10, all hold everything
    got = dict(zip(c["top_fraction"], c["share"]))
    assert got[0.25] == pytest.approx(0.5) and got[0.5] == pytest.approx(0.8) and got[1.0] == pytest.approx(1.0)
    assert A.top_share_curve(np.zeros(3)).empty


def _same_activity(a, b):
    assert (a.repo_type, a.listed, a.n, a.status, a.covered, a.notes) == (
        b.repo_type,
        b.listed,
        b.n,
        b.status,
        b.covered,
        b.notes,
    )
    pd.testing.assert_frame_equal(a.data, b.data)


def test_one_read_for_the_full_and_the_restricted_activity(snap):
    full, cut = A.load_with_as_of(snap, "2023-10-31")
    for t in REPO_TYPES:
        _same_activity(full[t], A.load(snap)[t])
        _same_activity(cut[t], A.load(snap, as_of="2023-10-31")[t])


def test_one_read_equals_two_loads_on_a_synthetic_hub(tmp_path):
    from analysis.sources import synth

    s = synth.generate(tmp_path / "synth", models=1500, seed=7)
    full, cut = A.load_with_as_of(s, "2023-10-31")
    assert 0 < cut["model"].n < full["model"].n
    for t in REPO_TYPES:
        _same_activity(full[t], A.load(s)[t])
        _same_activity(cut[t], A.load(s, as_of="2023-10-31")[t])


def test_describe_as_of_appends_the_restriction_notes():
    full, cut = {"models": 10, "datasets": 4}, {"models": 4, "datasets": 1}
    text = A.describe_as_of(full, cut, "2023-10-31", "2024-07-01", notes=["3 model repositories lack a date"])
    assert "keeps 4 of 10 model repositories (40.0%)" in text
    assert text.endswith("\n\nNote: 3 model repositories lack a date.")
    assert "Note:" not in A.describe_as_of(full, cut, "2023-10-31", "2024-07-01")
