"""The synthetic Hub: determinism, validity, calibration against the committed targets, the bundled demo."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis import paths, stats
from analysis.snapshot import SnapshotError, open_snapshot, validate
from analysis.snapshot.schema import TABLES
from analysis.sources import calibrate, synth
from analysis.subfields import SUBFIELDS, subfield_mask


@pytest.fixture(scope="module")
def targets():
    return synth.load_targets()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return synth.generate(tmp_path_factory.mktemp("synth") / "small", models=1500, seed=7)


@pytest.fixture(scope="module")
def medium(tmp_path_factory):
    """Large enough for the marginals to settle (still a few seconds)."""
    return synth.generate(tmp_path_factory.mktemp("synth") / "medium", models=40_000, seed=3)


def _hashes(snap):
    return {name: snap.manifest["tables"][name]["sha256"] for name in TABLES}


# --------------------------------------------------------------------------- #
# determinism
# --------------------------------------------------------------------------- #


def test_same_seed_same_tables(tmp_path, small):
    again = synth.generate(tmp_path / "again", models=1500, seed=7)
    assert _hashes(again) == _hashes(small)


def test_different_seed_differs(tmp_path, small):
    other = synth.generate(tmp_path / "other", models=1500, seed=8)
    a, b = _hashes(small), _hashes(other)
    for name in ("models", "datasets", "spaces", "commits", "discussions", "space_models", "repo_coverage"):
        assert a[name] != b[name], name


def test_bundled_demo_equals_fresh_generation(tmp_path):
    demo = open_snapshot(paths.DEFAULT_SNAPSHOT)
    assert demo.id == "synthetic-demo"
    assert demo.is_synthetic
    src = demo.manifest["source"]["parameters"]
    assert src["targets_sha256"] == synth.targets_sha256(), "targets changed: regenerate the demo snapshot"
    fresh = synth.generate(tmp_path / "synthetic-demo", seed=src["seed"], snapshot_date=demo.date, **src["requested"])
    assert fresh.id == demo.id
    assert _hashes(fresh) == _hashes(demo)
    total = sum(p.stat().st_size for p in paths.DEFAULT_SNAPSHOT.iterdir())
    assert total < 3 * 2**20


# --------------------------------------------------------------------------- #
# validity and content
# --------------------------------------------------------------------------- #


def test_every_table_valid_and_filled(small):
    manifest = validate(small.path, deep=True)
    assert manifest["source"]["kind"] == "synthetic"
    params = manifest["source"]["parameters"]
    assert params["seed"] == 7 and params["requested"]["models"] == 1500
    for name in TABLES:
        if name == "fetch_log":
            assert small.coverage(name)["scope"] == "all"  # nothing failed, and it says so
            continue
        assert small.rows(name) > 0, name
    for name in ("models", "datasets", "spaces", "commits", "discussions", "space_models", "repo_coverage"):
        assert small.coverage(name)["scope"] == "all", name
    assert small.rows("models") == 1500


def test_ids_owners_names(small):
    for table in ("models", "datasets", "spaces"):
        df = small.table(table, ["id", "owner", "name"])
        assert df["id"].is_unique
        owned = df["owner"].notna()
        assert (df.loc[owned, "id"] == df.loc[owned, "owner"] + "/" + df.loc[owned, "name"]).all()
        assert (df.loc[~owned, "id"] == df.loc[~owned, "name"]).all()
    models = small.table("models", ["owner"])
    assert models["owner"].isna().any(), "some legacy ids without owner"
    per_owner = models["owner"].value_counts()
    assert per_owner.max() >= 10 and (per_owner == 1).any()


def test_licenses_and_tags_consistent(small):
    for table in ("models", "datasets", "spaces"):
        df = small.table(table, ["license", "tags"])
        first = df["tags"].map(lambda t: next((x[8:] for x in t if x.startswith("license:")), None))
        assert (first.fillna("<none>") == df["license"].fillna("<none>")).all(), table
    models = small.table("models", ["license", "tags", "pipeline_tag", "library_name"])
    assert {"openrail", "llama2", "apache-2.0", "mit", "other"} <= set(models["license"].dropna())
    has_pt = models["pipeline_tag"].notna()
    assert models[has_pt].apply(lambda r: r["pipeline_tag"] in r["tags"], axis=1).all()
    for sub in SUBFIELDS:
        assert subfield_mask(models, sub).sum() > 10, sub


def test_spaces_have_no_downloads(small):
    spaces = small.table("spaces", ["downloads", "sdk", "likes"])
    assert spaces["downloads"].isna().all()
    assert spaces["sdk"].notna().all() and spaces["likes"].notna().all()
    for table in ("models", "datasets"):
        assert small.table(table, ["downloads"])["downloads"].notna().all()


def test_commits_start_with_system_and_have_name_variants(small):
    commits = small.table("commits")
    first = commits.sort_values("date", kind="stable").groupby(["repo_type", "repo_id"]).head(1)
    assert (first["title"] == "initial commit").all()
    by_system = first["authors"].map(list).map(lambda a: a == ["system"])
    # 'system' makes the initial commit in the calibrated share of repositories (and in every
    # repository with no other commit); elsewhere the first developer does, alone
    sizes = (
        commits.groupby(["repo_type", "repo_id"])
        .size()
        .reindex(pd.MultiIndex.from_frame(first[["repo_type", "repo_id"]]))
        .to_numpy()
    )
    assert by_system[sizes == 1].all()
    share = by_system[sizes > 1].mean()
    want = synth.load_targets()("commits.system_repo_share")
    assert 0 < share < 0.5, share
    assert abs(share - want) < 0.06, (share, want)
    assert (first.loc[~by_system, "authors"].map(len) == 1).all()
    authors = commits["authors"].explode()
    assert set(synth.BOTS) & set(authors), "bots commit too"
    assert (commits["authors"].map(len) > 1).any(), "co-authored commits"
    names = set(authors.dropna()) - {"system", *synth.BOTS}
    norm = {re.sub(r"[^a-z0-9]", "", n.lower()) for n in names if " " not in n and "." not in n}
    git_like = [n for n in names if " " in n or "." in n]
    matched = [n for n in git_like if re.sub(r"[^a-z0-9]", "", n.lower()) in norm]
    assert len(git_like) > 20 and len(matched) > 5, "git-name variants of usernames ('Joao Gante' vs 'joaogante')"
    # every covered repository: commit items in repo_coverage = its commits
    cov = small.covered("commits").set_index(["repo_type", "repo_id"])["items"]
    counts = commits.groupby(["repo_type", "repo_id"]).size()
    assert counts.sort_index().equals(cov.sort_index().astype("int64"))
    total_repos = sum(small.rows(t) for t in ("models", "datasets", "spaces"))
    assert len(cov) == total_repos
    # the last commit is the repository's last modification; none before its creation
    for table, kind in (("models", "model"), ("datasets", "dataset"), ("spaces", "space")):
        repos = small.table(table, ["id", "created_at", "last_modified"]).set_index("id")
        c = commits[commits["repo_type"] == kind].groupby("repo_id")["date"].agg(["min", "max"])
        assert (repos.loc[c.index, "last_modified"] == c["max"]).all(), table
        assert (repos.loc[c.index, "created_at"] == c["min"]).all(), table


def test_discussions(small):
    d = small.table("discussions")
    assert d["is_pull_request"].any() and (~d["is_pull_request"]).any()
    assert set(d["status"]) <= {"open", "closed", "merged", "draft"}
    assert set(d.loc[~d["is_pull_request"], "status"]) <= {"open", "closed"}
    assert d["author"].isna().any(), "deleted authors"
    numbers = d.groupby(["repo_type", "repo_id"])["number"].agg(["min", "max", "count"])
    assert (numbers["min"] == 1).all() and (numbers["max"] == numbers["count"]).all()
    cov = small.covered("discussions")
    assert len(cov) == sum(small.rows(t) for t in ("models", "datasets", "spaces"))
    assert int(cov["items"].sum()) == len(d)


def test_space_models_edges(small):
    e = small.table("space_models")
    models = small.table("models", ["id", "owner"]).set_index("id")
    assert set(e["model_id"]) <= set(models.index)
    assert set(e["space_id"]) <= set(small.table("spaces", ["id"])["id"])
    indeg = e["model_id"].value_counts()
    ms = small.covered("model_spaces", "model").set_index("repo_id")["items"]
    assert len(ms) == len(models)
    assert (ms[ms > 0].sort_index().astype("int64") == indeg.sort_index()).all()
    sm = small.covered("space_models", "space")
    assert int(sm["items"].sum()) == len(e)
    # heavy-tailed and concentrated: most models unused, a few used a lot, few owners hold most usage
    assert len(indeg) < 0.2 * len(models) and indeg.max() >= 5 * indeg.median()
    by_owner = models.loc[e["model_id"], "owner"].value_counts()
    assert by_owner.head(5).sum() / len(e) > 0.3


def test_owners_table(small):
    owners = small.table("owners")
    assert set(owners["kind"]) == {"organization", "user"}
    all_owners = set()
    for t in ("models", "datasets", "spaces"):
        all_owners |= set(small.table(t, ["owner"])["owner"].dropna())
    assert set(owners["owner"]) <= all_owners
    assert len(owners) < len(all_owners)  # kinds for some owners only, as the manifest says
    assert small.coverage("owners")["scope"] == "subset"


def test_explicit_counts_are_honoured(tmp_path):
    snap = synth.generate(
        tmp_path / "explicit",
        models=2000,
        seed=1,
        datasets=300,
        spaces=900,
        commits=6000,
        developers=700,
        space_edges=1500,
        discussions=444,
    )
    assert snap.rows("datasets") == 300 and snap.rows("spaces") == 900
    assert snap.rows("commits") == 6000
    assert snap.rows("discussions") == 444
    assert snap.rows("space_models") == 1500
    res = snap.manifest["source"]["parameters"]["resolved"]
    assert res["developers"] == 700
    # fewer commits than repositories: a subset covered, said so
    few = synth.generate(tmp_path / "few", models=2000, seed=1, commits=1000)
    assert few.rows("commits") == 1000
    assert few.coverage("commits")["scope"] == "subset"
    assert len(few.covered("commits")) < 3000


def test_snapshot_date_moves_dates(tmp_path):
    snap = synth.generate(tmp_path / "d", models=1000, seed=2, snapshot_date="2023-10-01")
    end = pd.Timestamp("2023-10-01", tz="UTC")
    for t, col in (
        ("models", "created_at"),
        ("models", "last_modified"),
        ("commits", "date"),
        ("discussions", "created_at"),
    ):
        assert (snap.table(t, [col])[col] <= end).all(), (t, col)


def test_bad_arguments(tmp_path, capsys):
    assert synth.main([str(tmp_path / "x"), "--models", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert synth.main([str(tmp_path / "y"), "--snapshot-date", "yesterday"]) == 2
    with pytest.raises(SnapshotError):
        synth.generate(tmp_path / "z", models=10, commits=-1)
    with pytest.raises(SnapshotError, match="exceeds"):
        synth.generate(tmp_path / "z2", models=10, spaces=2, space_edges=21)
    synth.generate(tmp_path / "done", models=10)
    assert synth.main([str(tmp_path / "done"), "--models", "10"]) == 2  # complete snapshots are immutable
    assert "immutable" in capsys.readouterr().err


def test_dense_space_edges_and_no_commits(tmp_path):
    dense = synth.generate(tmp_path / "dense", models=200, spaces=3, space_edges=500, seed=4)
    assert dense.rows("space_models") == 500
    none = synth.generate(tmp_path / "none", models=20, commits=0, discussions=0, space_edges=0, seed=4)
    assert none.rows("commits") == 0 and none.coverage("commits")["scope"] == "none"
    assert none.rows("discussions") == 0 and none.rows("space_models") == 0


def test_vocabularies_are_data(monkeypatch, tmp_path):
    """The name lists come from analysis/resources/synth_names.yml, read once; a broken file is one error."""
    from analysis.sources.synth import names

    v = synth.vocabulary()
    assert v is synth.vocabulary(), "read once, cached"
    assert v.first_names[:2] == ("joao", "maria") and v.org_c[0] == "", "the file's order, empty strings kept"
    assert len(v.commit_titles) == len(v.commit_title_weights) and abs(sum(v.commit_title_weights) - 1) < 1e-9
    assert all(len(w) > 1 for k in ("model", "dataset", "space") for w in v.repo_words(k))
    text = paths.resource(names.NAMES_FILE).read_text(encoding="utf-8")
    (tmp_path / names.NAMES_FILE).write_text(text.replace('- "joao"', "- 12"), encoding="utf-8")
    monkeypatch.setattr(paths, "RESOURCES", tmp_path)
    names.vocabulary.cache_clear()
    try:
        with pytest.raises(SnapshotError, match="first_names"):
            names.vocabulary()
    finally:
        names.vocabulary.cache_clear()


def test_stages_return_frozen_results():
    import dataclasses

    from analysis.sources.synth import commits, people, repos

    T = synth.load_targets()
    params = synth.Params(models=200, seed=5)
    sizes = people.resolve_sizes(params, T)
    who = people.draw_people(params, sizes, T)
    collab = people.collaboration(sizes.seed, who.owners)
    rs = repos.draw_repos(sizes, T, who, collab)
    plan = commits.plan_commits(sizes, T, rs, who, collab)
    for result in (sizes, who, who.owners, who.devs, collab, rs["model"], rs["model"].num, plan):
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.n = 0
    assert plan.last_modified.size == sizes.repos == sum(r.n for r in rs.values())


# --------------------------------------------------------------------------- #
# calibration: generated marginals against the committed targets
# --------------------------------------------------------------------------- #


def test_targets_file_records_sources(targets):
    for name, fig in targets.figures.items():
        assert fig["source"] and fig["computation"], name
        assert not str(fig["source"]).startswith("/"), "no absolute machine paths"
    for what, src in synth.CALIBRATED.items():
        names = re.findall(r"[a-z_]+\.[a-z0-9_]+", src.split("(")[0])
        for n in names:
            if not n.startswith("*"):
                assert any(k == n or k.endswith(n.split(".", 1)[1]) for k in targets.figures), (what, n)


# (figure, tolerance): absolute tolerances on shares at 40,000 models
TOLERANCES = {
    "models.zero_downloads_share": 0.02,
    "models.zero_likes_share": 0.02,
    "models.no_license_share": 0.02,
    "models.top1_downloads_share": 0.05,
    "datasets.zero_downloads_share": 0.03,
    "datasets.no_license_share": 0.03,
    "models.created_placeholder_share": 0.01,
    "commits.single_author_share": 0.05,
    "model_spaces.used_share": 0.01,
    "models.owner_single_repo_share": 0.05,
    "commits.isolate_author_share": 0.08,
}


def _model_commit_authors(snap):
    """(repo_id, author) rows of the model repositories' commits, without the Hub's 'system'."""
    c = snap.table("commits", ["repo_type", "repo_id", "authors"])
    c = c[c["repo_type"] == "model"].explode("authors")
    return c[c["authors"] != "system"]


def _generated(snap, name):
    m = snap.table("models", ["downloads", "likes", "license", "created_at", "owner"])
    if name == "models.zero_downloads_share":
        return (m["downloads"] == 0).mean()
    if name == "models.zero_likes_share":
        return (m["likes"] == 0).mean()
    if name == "models.no_license_share":
        return m["license"].isna().mean()
    if name == "models.top1_downloads_share":
        return stats.top_share(m["downloads"], 0.01)
    if name == "models.created_placeholder_share":
        ph = pd.Timestamp(calibrate.PLACEHOLDER_CREATED)
        return ((m["created_at"] == ph) & m["owner"].notna()).mean()
    if name == "models.owner_single_repo_share":
        return (m["owner"].value_counts() == 1).mean()
    if name.startswith("datasets."):
        d = snap.table("datasets", ["downloads", "license"])
        return (d["downloads"] == 0).mean() if "downloads" in name else d["license"].isna().mean()
    if name == "commits.single_author_share":
        c = _model_commit_authors(snap)
        return (c.groupby("repo_id")["authors"].nunique() == 1).mean()
    if name == "commits.isolate_author_share":
        c = _model_commit_authors(snap)
        sets = c.groupby("repo_id")["authors"].agg(set)
        shared = set().union(*[s for s in sets if len(s) > 1])
        nodes = set(c["authors"])
        return 1 - len(shared) / len(nodes)
    if name == "model_spaces.used_share":
        return snap.table("space_models", ["model_id"])["model_id"].nunique() / snap.rows("models")
    raise KeyError(name)


@pytest.mark.parametrize("name", sorted(TOLERANCES))
def test_marginals_match_targets(medium, targets, name):
    got = float(_generated(medium, name))
    want = float(targets(name))
    assert abs(got - want) <= TOLERANCES[name], f"{name}: generated {got:.4f}, target {want:.4f}"


def test_ratios_follow_targets(medium, targets):
    n = medium.rows("models")
    assert medium.rows("datasets") == round(n * targets("ratios.datasets_per_model"))
    assert medium.rows("spaces") == round(n * synth.ASSUMPTIONS["spaces_per_model"]["value"])
    assert medium.rows("space_models") <= round(n * targets("model_spaces.edges_per_model"))
    assert medium.rows("space_models") >= 0.95 * round(n * targets("model_spaces.edges_per_model"))


def test_license_mix_follows_targets(medium, targets):
    lic = medium.table("models", ["license"])["license"].dropna().value_counts(normalize=True)
    for name, share in list(targets("models.license_shares").items())[:5]:
        assert abs(lic.get(name, 0.0) - share) < 0.02, name


def test_collaboration_differs_by_license_as_in_real_commits(medium, targets):
    """Licensed model repositories are co-authored more often and have more commits (commits.by_license)."""
    m = medium.table("models", ["id", "license"]).set_index("id")
    c = medium.table("commits", ["repo_type", "repo_id", "authors"])
    c = c[c["repo_type"] == "model"]
    k = c.groupby("repo_id").size() - 1
    a = _model_commit_authors(medium).groupby("repo_id")["authors"].nunique()
    m = m.assign(k=k, a=a).dropna(subset=["a"])
    lic = m["license"].notna()
    single = {g: float((m.loc[lic == g, "a"] == 1).mean()) for g in (True, False)}
    want = targets("commits.by_license")
    gap = want["unlicensed"]["single_author_share"] - want["licensed"]["single_author_share"]
    assert abs((single[False] - single[True]) - gap) < 0.08, (single, gap)
    assert m.loc[lic, "k"].mean() > m.loc[~lic, "k"].mean()


def test_subfield_mix_follows_targets(medium, targets):
    models = medium.table("models", ["tags", "pipeline_tag"])
    for sub, share in targets("models.subfield_shares").items():
        got = float(subfield_mask(models, sub).mean())
        assert abs(got - share) < 0.04, (sub, got, share)


def test_calibrate_on_real_records(shared_data, capsys):
    """The calibration script derives the committed figures from the real records (skipped without them)."""
    derived = calibrate.derive(shared_data, progress=False)
    committed = calibrate.load_targets()["figures"]
    for name in (
        "models.count",
        "models.zero_downloads_share",
        "models.no_license_share",
        "models.subfield_shares",
        "commits.single_author_share",
        "model_spaces.used_share",
        "datasets.count",
    ):
        assert derived["figures"][name]["value"] == committed[name]["value"], name
    assert calibrate.main(["--shared", str(shared_data / "nonexistent")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
