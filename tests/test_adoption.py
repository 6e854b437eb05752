"""Part III: adoption counts, shares, top-N, owner kinds and co-usage on hand-made snapshots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analysis.snapshot.store as snapshot_mod
from analysis.parts import adoption, owners
from analysis.snapshot import SnapshotWriter, open_snapshot, write_snapshot

MODELS = pd.DataFrame(
    {
        "id": ["google/a", "google/b", "alice/c", "bob/d", "gpt2", "alice/unused"],
        "owner": ["google", "google", "alice", "bob", None, "alice"],
        "name": ["a", "b", "c", "d", "gpt2", "unused"],
        "tags": [
            ["text-generation"],
            ["image-classification"],
            ["text-to-image", "fill-mask"],
            [],
            ["text-generation"],
            ["translation"],
        ],
        "pipeline_tag": [
            "text-generation",
            "image-classification",
            "text-to-image",
            None,
            "text-generation",
            "translation",
        ],
        "downloads": [100, 5, 7, 0, 50, 1],
        "likes": [3, 0, 1, 0, 9, 0],
    }
)
SPACES = pd.DataFrame(
    {"id": ["u/s1", "u/s2", "u/s3", "u/s4", "u/s5"], "owner": ["u"] * 5, "name": ["s1", "s2", "s3", "s4", "s5"]}
)
# s1 twice uses google/a (a duplicate edge); s4 uses a model absent from the models table;
# s5 uses nothing; bob/d and alice/unused are used by no space.
EDGES = pd.DataFrame(
    [
        ("u/s1", "google/a"),
        ("u/s1", "alice/c"),
        ("u/s1", "google/a"),
        ("u/s2", "google/a"),
        ("u/s2", "google/b"),
        ("u/s2", "alice/c"),
        ("u/s3", "google/a"),
        ("u/s4", "gpt2"),
        ("u/s4", "ghost/x"),
    ],
    columns=["space_id", "model_id"],
)
MAPPING = pd.DataFrame(
    {"owner": ["google", "bob"], "kind": ["organization", "organization"], "reason": ["test", "test"]}
)


def _write_raw_edges(path, tables, coverage=None, **kw):
    """write_snapshot refuses duplicate keys, so write duplicates through the writer directly,
    with the deep (duplicate-key) check skipped for ``space_models`` only while finishing."""
    w = SnapshotWriter(path, source_kind="synthetic", snapshot_date="2024-01-01")
    for name, df in tables.items():
        w.write_table(name, df)
    cov = coverage or {n: {"scope": "all"} for n in tables}
    orig = snapshot_mod._deep_check
    snapshot_mod._deep_check = lambda name, p, pool=None: None if name == "space_models" else orig(name, p, pool)
    try:
        w.finish(cov)
    finally:
        snapshot_mod._deep_check = orig
    return open_snapshot(path)


@pytest.fixture
def full(tmp_path):
    return _write_raw_edges(tmp_path / "full", {"models": MODELS, "spaces": SPACES, "space_models": EDGES})


def test_counts_with_complete_listing(full):
    a = adoption.load(full)
    assert a.model_coverage == "all"
    assert a.edges_raw == 9 and a.edges == 8 and a.duplicate_edges == 1
    assert a.edges_absent_model == 1 and a.models_absent == 1
    assert a.edges_in_scope == 7
    spm = dict(zip(a.model_ids.to_pylist(), a.spaces_per_model.tolist()))
    assert spm == {"google/a": 3, "google/b": 1, "alice/c": 2, "bob/d": 0, "gpt2": 1, "alice/unused": 0}
    assert a.spaces_listed == 5 and a.spaces_covered == 5
    assert a.spaces_using == 4  # s5 uses nothing


def test_summary_with_complete_listing(full):
    summ = adoption.summary(adoption.load(full))
    s = summ.set_index("measure")
    assert s.loc["models used by at least one space", "value"] == 4
    assert s.loc["models used by at least one space", "percent"] == pytest.approx(100 * 4 / 6, abs=1e-3)
    assert s.loc["models used by no space", "value"] == 2
    assert s.loc["spaces using no model", "value"] == 1
    # top 1% of 6 models = 1 model (google/a: 3 of 7 uses)
    assert s.loc["share of uses: top 1% of covered models", "percent"] == pytest.approx(100 * 3 / 7, abs=1e-3)
    # counts are kept as integers (not floats shown as 3e+06 at Hub scale)
    assert all(
        isinstance(v, int)
        for m, v in zip(summ["measure"], summ["value"])
        if v is not None and not m.startswith(("Gini", "median"))
    )


def test_headline_with_complete_listing(full):
    h = adoption.headline(full)
    assert h["models_covered"] == 6 and h["models_used"] == 4
    assert h["models_used_pct"] == pytest.approx(100 * 4 / 6)
    assert h["spaces_covered"] == 5 and h["spaces_using_models"] == 4
    assert h["top1pct_usage_share_pct"] == pytest.approx(100 * 3 / 7)
    # google 4 uses, alice 2, legacy 1: top 5 owners hold everything
    assert h["top5_owners_usage_share_pct"] == pytest.approx(100.0)
    # google is in the repository's mapping file; alice and the legacy id are not classified
    assert h["top10_owners_org_share_pct"] == pytest.approx(400 / 7, abs=1e-3)
    assert h["top10_owners_unclassified_share_pct"] == pytest.approx(300 / 7, abs=1e-3)


def test_top_models_ties_and_owner_kinds(full):
    a = adoption.load(full)
    top = adoption.top_models(a, full, n=10, mapping=MAPPING)
    # unused models never appear; tie on 1 space broken by id
    assert top["model"].tolist() == ["google/a", "alice/c", "google/b", "gpt2"]
    assert top["rank"].tolist() == [1, 2, 3, 3]
    assert top["spaces"].tolist() == [3, 2, 1, 1]
    assert top["owner"].tolist() == ["google", "alice", "google", owners.NO_OWNER]
    assert top["owner_kind"].tolist() == ["organization", "unclassified", "organization", "unclassified"]
    assert top["kind_route"].tolist() == ["mapping", "unclassified", "mapping", "unclassified"]
    assert top.loc[0, "downloads"] == 100 and top.loc[3, "likes"] == 9
    # n smaller than the tie group: still deterministic
    top3 = adoption.top_models(a, full, n=3, mapping=MAPPING)
    assert top3["model"].tolist() == ["google/a", "alice/c", "google/b"]


def test_owner_usage_and_concentration(full):
    a = adoption.load(full)
    ou = adoption.owner_usage(a, full)
    assert ou["owner"].tolist() == ["google", "alice", owners.NO_OWNER]
    assert ou["uses"].tolist() == [4, 2, 1]
    assert ou["models_used"].tolist() == [2, 1, 1]
    assert ou["usage_share_pct"].sum() == pytest.approx(100)
    oc = adoption.owner_concentration(ou)
    assert oc["top1_owner_share_pct"] == pytest.approx(400 / 7)
    assert oc["owners_for_half_pct"] == 1
    top = adoption.top_owners(a, full, n=2, ou=ou, mapping=MAPPING)
    assert top["rank"].tolist() == [1, 2]
    assert top["owner_kind"].tolist() == ["organization", "unclassified"]
    ks = adoption.kind_shares(top)
    assert ks["organization"] == pytest.approx(400 / 7, abs=1e-3) and ks["user"] == 0
    assert ks["unclassified"] == pytest.approx(200 / 7, abs=1e-3)
    assert "the split is a bound" in adoption.kind_sentence(top)


def test_subfields(full):
    a = adoption.load(full)
    t = adoption.top_models_subfields(a, full, n=5, mapping=MAPPING)
    by = {sf: g["model"].tolist() for sf, g in t.groupby("subfield")}
    assert by["NLP"] == ["google/a", "alice/c", "gpt2"]  # fill-mask puts alice/c in NLP too
    assert by["computer vision"] == ["google/b"]
    assert by["multimodal"] == ["alice/c"]
    c = adoption.subfield_counts(a, full).set_index("subfield")
    assert c.loc["NLP", "covered_models"] == 4  # includes alice/unused (translation)
    assert c.loc["NLP", "models_used"] == 3 and c.loc["NLP", "uses"] == 6
    text = adoption.subfield_sentence(c.reset_index())
    assert "No covered" not in text and f"{100 * 6 / 7:.1f}% are of NLP models" in text
    c.loc["computer vision", ["models_used", "uses"]] = 0
    assert "No covered computer vision model" in adoption.subfield_sentence(c.reset_index())


def test_co_usage_projection(full):
    a = adoption.load(full)
    pairs, info = adoption.co_usage(a, top=10)
    got = {(r.model_a, r.model_b): r.spaces_together for r in pairs.itertuples()}
    assert got == {("alice/c", "google/a"): 2, ("google/a", "google/b"): 1, ("alice/c", "google/b"): 1}
    assert pairs.iloc[0]["model_a"] == "alice/c" and pairs.iloc[0]["jaccard"] == pytest.approx(2 / 3, abs=1e-4)
    assert pairs["rank"].tolist() == [1, 2, 2]
    # spaces with a covered model: s1, s2, s3, s4 (gpt2); two use more than one
    assert info["spaces_with_covered_model"] == 4 and info["spaces_multi"] == 2
    assert info["pairs_distinct"] == 3
    # a cap of 2 leaves s2 (three models) out of the pair counts
    pairs2, info2 = adoption.co_usage(a, top=10, cap=2)
    assert info2["spaces_over_cap"] == 1
    assert {(r.model_a, r.model_b): r.spaces_together for r in pairs2.itertuples()} == {("alice/c", "google/a"): 1}


def test_partial_model_coverage_without_spaces_listing(tmp_path):
    # like the snapshot imported from ../shared/data: no spaces listing, edges from model_info
    cov = pd.DataFrame(
        {"repo_type": "model", "repo_id": ["google/a", "bob/d", "gpt2"], "step": "model_spaces", "items": [3, 0, 1]}
    )
    edges = pd.DataFrame(
        [("u/s1", "google/a"), ("u/s2", "google/a"), ("u/s3", "google/a"), ("u/s4", "gpt2"), ("u/s1", "alice/c")],
        columns=["space_id", "model_id"],
    )
    snap = write_snapshot(
        tmp_path / "partial",
        {"models": MODELS, "space_models": edges, "repo_coverage": cov},
        coverage={
            "models": {"scope": "all"},
            "space_models": {"scope": "subset", "note": "edges for 3 models"},
            "repo_coverage": {"scope": "subset"},
        },
    )
    a = adoption.load(snap)
    assert a.model_coverage == "model_spaces"
    assert a.models_covered == 3 and a.models_used == 2
    assert a.edges_uncovered_model == 1  # alice/c is not covered
    assert a.spaces_covered is None and a.spaces_using is None
    s = adoption.summary(a).set_index("measure")
    assert s.loc["models used by at least one space", "percent"] == pytest.approx(100 * 2 / 3, abs=1e-3)
    assert "not covered" in s.loc["spaces using at least one model", "of"]
    assert pd.isna(s.loc["spaces using at least one model", "value"])
    h = adoption.headline(snap)
    assert h["spaces_covered"] is None and h["models_covered"] == 3
    assert "only 3 of 6 models" in h["coverage_note"]
    assert "edges for 3 models" in adoption.coverage_markdown(a)
    assert "Partial coverage" in adoption.coverage_markdown(a)


def test_no_edges_at_all(tmp_path):
    snap = write_snapshot(tmp_path / "empty", {"models": MODELS, "spaces": SPACES})
    a = adoption.load(snap)
    assert a.edges == 0 and a.models_used == 0 and a.spaces_using == 0
    assert adoption.top_models(a, snap, 5).empty
    assert adoption.owner_usage(a, snap).empty
    pairs, info = adoption.co_usage(a)
    assert pairs.empty and info["spaces_multi"] == 0
    h = adoption.headline(snap)
    assert h["models_used"] == 0 and h["top1pct_usage_share_pct"] is None
    fig, data = adoption.ccdf_figure(a)
    assert data.empty


def test_owner_precedence_recorded_over_mapping_over_unclassified():
    recorded = pd.DataFrame({"owner": ["google", "carol", "dave"], "kind": ["user", "organization", "robot"]})
    mapping = pd.DataFrame({"owner": ["google", "bob", "dave"], "kind": ["organization"] * 3, "reason": ["r"] * 3})
    k = owners.classify_owners(["google", "bob", "carol", "alice", None, "google", "dave"], recorded, mapping)
    got = {r.owner: (r.kind, r.route) for r in k.itertuples()}
    assert got == {
        "google": ("user", "recorded"),  # recorded beats the mapping
        "bob": ("organization", "mapping"),
        "carol": ("organization", "recorded"),
        "alice": ("unclassified", "unclassified"),  # never guessed
        owners.NO_OWNER: ("unclassified", "unclassified"),
        "dave": ("organization", "mapping"),  # an invalid recorded kind is ignored
    }
    assert len(k) == 6  # duplicates dropped
    # matching is exact: a different spelling is not classified
    k2 = owners.classify_owners(["Google"], None, mapping)
    assert k2.loc[0, "route"] == "unclassified"


def test_recorded_kinds_from_snapshot(tmp_path):
    snap = _write_raw_edges(
        tmp_path / "rec",
        {
            "models": MODELS,
            "spaces": SPACES,
            "space_models": EDGES,
            "owners": pd.DataFrame({"owner": ["alice"], "kind": ["user"]}),
        },
    )
    a = adoption.load(snap)
    top = adoption.top_models(a, snap, 10, mapping=MAPPING)
    assert top.set_index("model").loc["alice/c", ["owner_kind", "kind_route"]].tolist() == ["user", "recorded"]
    shown = adoption.owner_kinds_shown(snap, top, mapping=MAPPING)
    assert shown["owner"].tolist()[0] == "alice"  # recorded route listed first
    assert "1 recorded" in adoption.route_sentence(shown)


def test_mapping_file_is_valid_and_documented(tmp_path):
    m = owners.load_mapping()
    assert len(m) >= 10
    assert set(m["kind"]) <= {*owners.KINDS, owners.UNCLASSIFIED}
    assert m["owner"].is_unique and (m["reason"].str.len() > 3).all()
    for owner in ("google", "facebook", "microsoft", "openai", "stabilityai", "EleutherAI", "meta-llama"):
        assert owner in set(m["owner"])
    # every entry says who is behind the owner and where that is public
    assert set(m["category"]) <= set(owners.CATEGORIES) and (m["source"].str.len() > 3).all()
    assert m.set_index("owner").loc["google", "category"] == "company"
    # an owner reviewed and not publicly known stays unclassified, with its review recorded
    assert ((m["category"] == owners.UNCLASSIFIED) == (m["kind"] == owners.UNCLASSIFIED)).all()
    k = owners.classify_owners(["quantumaikr", "Qwen"], None, m).set_index("owner")
    assert k.loc["quantumaikr", "route"] == "unclassified" and k.loc["quantumaikr", "reason"].startswith("reviewed")
    assert (k.loc["Qwen", "kind"], k.loc["Qwen", "category"]) == ("organization", "company")
    bad = tmp_path / "bad.yml"
    good = "    category: company\n    source: s\n"
    bad.write_text("owners:\n  - owner: x\n    kind: company\n    reason: nope\n" + good)
    with pytest.raises(owners.OwnerMappingError, match="kind"):
        owners.load_mapping(bad)
    bad.write_text("owners:\n  - owner: x\n    kind: user\n" + good)
    with pytest.raises(owners.OwnerMappingError, match="reason"):
        owners.load_mapping(bad)
    bad.write_text("owners:\n  - owner: x\n    kind: user\n    reason: r\n    category: firm\n    source: s\n")
    with pytest.raises(owners.OwnerMappingError, match="category"):
        owners.load_mapping(bad)
    bad.write_text("owners:\n  - owner: x\n    kind: user\n    reason: r\n    category: individual\n")
    with pytest.raises(owners.OwnerMappingError, match="source"):
        owners.load_mapping(bad)


def test_the_mapping_file_reviews_the_real_imports_top_50_owners():
    """Every one of the 50 owners with most uses in the real import's Part III is in the mapping file
    (classified, or reviewed and left unclassified), and the classified share of uses is stated."""
    from analysis import paths

    if not (paths.SHARED_IMPORT / "manifest.json").exists():
        pytest.skip("the real import (make import-shared) is not on this machine")
    snap = open_snapshot(paths.SHARED_IMPORT)
    a = adoption.load(snap)
    ou = adoption.owner_usage(a, snap)
    listed = set(owners.load_mapping()["owner"])
    missing = [o for o in ou["owner"].head(50) if o not in listed]
    assert not missing, missing
    cs = adoption.classified_share(ou, snap)
    assert cs["top"] == 50 and 0 < cs["top_classified"] < 50 and 0 < cs["share_pct"] < 100
    text = adoption.classified_sentence(cs)
    assert f"{cs['share_pct']:.1f}% of all uses" in text


def test_classified_share_counts_uses_by_category(full):
    snap, a = full, adoption.load(full)
    ou = adoption.owner_usage(a, snap)
    mapping = pd.DataFrame(
        {
            "owner": [ou["owner"].iloc[0]],
            "kind": ["organization"],
            "category": ["academic"],
            "reason": ["r"],
            "source": ["s"],
        }
    )
    cs = adoption.classified_share(ou, snap, mapping, top=3)
    first = 100.0 * ou["uses"].iloc[0] / ou["uses"].sum()
    assert cs["share_pct"] == pytest.approx(first) and cs["by"]["academic"] == pytest.approx(first)
    assert cs["top_classified"] == 1


def test_usage_counts_match_a_naive_count(tmp_path):
    rng = np.random.default_rng(7)
    ids = [f"o{i % 7}/m{i}" for i in range(60)]
    models = pd.DataFrame({"id": ids, "owner": [i.split("/")[0] for i in ids], "name": ids})
    edges = pd.DataFrame(
        {
            "space_id": [f"s/{j}" for j in rng.integers(0, 40, 300)],
            "model_id": [ids[k] for k in rng.zipf(1.6, 300) % 60],
        }
    ).drop_duplicates()
    snap = write_snapshot(
        tmp_path / "rand",
        {
            "models": models,
            "space_models": edges,
            "spaces": pd.DataFrame({"id": [f"s/{j}" for j in range(40)], "name": "x"}),
        },
    )
    a = adoption.load(snap)
    naive = edges.groupby("model_id").size()
    got = pd.Series(a.spaces_per_model, index=a.model_ids.to_pylist())
    assert (got[got > 0].sort_index() == naive.sort_index()).all()
    pairs, _ = adoption.co_usage(a, top=5)
    # naive pair count via a self-merge
    m = edges.merge(edges, on="space_id")
    m = m[m.model_id_x < m.model_id_y].groupby(["model_id_x", "model_id_y"]).size()
    assert pairs["spaces_together"].tolist() == sorted(m.to_numpy(), reverse=True)[:5]
    assert m[(pairs.iloc[0].model_a, pairs.iloc[0].model_b)] == pairs.iloc[0].spaces_together


def test_real_model_info_edges(shared_data, tmp_path):
    """On the real model_info records: 324 of the 8,650 models are used, by 1,922 edges (data README)."""
    import gzip
    import json

    ids, edges = [], []
    with gzip.open(shared_data / "hub-2024-07" / "model_info.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            ids.append(r["id"])
            edges.extend((s, r["id"]) for s in (r.get("spaces") or []))
    models = pd.DataFrame(
        {
            "id": ids,
            "owner": [i.split("/")[0] if "/" in i else None for i in ids],
            "name": [i.split("/")[-1] for i in ids],
        }
    )
    cov = pd.DataFrame({"repo_type": "model", "repo_id": ids, "step": "model_spaces", "items": 0})
    snap = write_snapshot(
        tmp_path / "real-edges",
        {
            "models": models,
            "repo_coverage": cov,
            "space_models": pd.DataFrame(edges, columns=["space_id", "model_id"]).drop_duplicates(),
        },
        coverage={
            "models": {"scope": "all"},
            "space_models": {"scope": "subset"},
            "repo_coverage": {"scope": "subset"},
        },
    )
    h = adoption.headline(snap)
    assert h["models_covered"] == len(ids) == 8650
    assert h["models_used"] == 324 and h["edges"] == 1922
    assert h["spaces_covered"] is None
    assert 0 < h["top1pct_usage_share_pct"] <= 100


def test_partial_space_coverage_is_not_taken_as_complete(tmp_path):
    # model lists known for only 3 of the 5 listed spaces: no model is fully covered
    cov = pd.DataFrame(
        {"repo_type": "space", "repo_id": ["u/s1", "u/s2", "u/s5"], "step": "space_models", "items": [2, 3, 0]}
    )
    edges = EDGES.drop_duplicates()
    edges = edges[edges.space_id.isin(["u/s1", "u/s2"])]
    snap = write_snapshot(
        tmp_path / "ps",
        {"models": MODELS, "spaces": SPACES, "space_models": edges, "repo_coverage": cov},
        coverage={
            "models": {"scope": "all"},
            "spaces": {"scope": "all"},
            "space_models": {"scope": "subset"},
            "repo_coverage": {"scope": "subset"},
        },
    )
    a = adoption.load(snap)
    assert a.spaces_covered == 3 and a.spaces_using == 2
    assert a.model_coverage == "none" and a.models_covered == 0
    assert a.edges_uncovered_model == a.edges == 5
    s = adoption.summary(a).set_index("measure")
    assert s.loc["spaces using at least one model", "percent"] == pytest.approx(100 * 2 / 3, abs=1e-3)
    assert adoption.headline(snap)["models_used_pct"] is None
    assert "no model's full set of using spaces is known" in a.coverage_note
    assert "3 of 5 listed spaces" in a.coverage_note


def test_round_numbers():
    assert [n for n in (49, 50, 100, 150, 200, 500, 1000, 1001, 2000, 25000, 100000) if adoption.is_round(n)] == [
        50,
        100,
        200,
        500,
        1000,
        2000,
        100000,
    ]


def _usage(counts, spaces):
    from types import SimpleNamespace

    arr = np.asarray(counts, dtype=np.int64)
    return SimpleNamespace(covered_counts=lambda: arr, spaces_in_edges=spaces)


def test_a_capped_usage_field_is_detected():
    """The real import's signature: the two most-used models have exactly 100 spaces and the edges
    hold exactly 1,000 distinct spaces. Values that merely reach a round number once, or a total that
    is not round, are no sign of a cap."""
    capped = adoption.caps(_usage([100, 100, 85, 3, 0], 1000))
    assert [(c["what"], c["cap"], c["count"]) for c in capped] == [
        ("spaces per model", 100, 2),
        ("distinct spaces", 1000, 1000),
    ]
    assert "capped at 100" in adoption.cap_note(_usage([100, 100, 85], 1000))
    assert adoption.caps(_usage([100, 85, 3], 997)) == []  # one model at 100: no pile-up
    assert adoption.caps(_usage([97, 97, 3], 1234)) == []  # a pile-up at a value that is not round
    top = pd.DataFrame({"spaces": [100, 100, 85]})
    flagged = adoption.flag_capped(top, _usage([100, 100, 85, 0], 500))
    assert flagged["at a possible cap"].tolist() == ["yes", "yes", "no"]


def test_a_capped_field_makes_the_adoption_claim_untestable():
    from analysis.paper import paper_numbers
    from analysis.publication.reproduction import grade

    item = next(n for n in paper_numbers() if n["key"] == "adoption")
    t, v, why = grade(item, {"value": 3.7, "scope": "all", "top5": 76.0, "cap": 100})
    assert (t, v) == ("no", "") and "capped at 100" in why
    t, v, why = grade(item, {"value": 3.7, "scope": "subset", "top5": 76.0, "cap": 100})
    assert (t, v) == ("no", "") and "capped at 100" in why and "not a random sample" in why
    assert grade(item, {"value": 3.7, "scope": "all", "top5": 76.0, "cap": None})[1] == "agrees"
