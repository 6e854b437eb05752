"""Findings recorded once (findings.json), the book's parameter declarations, and what pages may print."""

from __future__ import annotations

import json
import re
import shlex

import jsonschema
import pandas as pd
import pytest
from book_fixtures import hand_snapshot, small_book_build

from analysis import finding, paths
from analysis.parts import network
from analysis.publication import findings as fnd
from analysis.publication import reproduction
from analysis.publication.build import BuildError, build, parse_overrides, parser
from analysis.snapshot.schema import TABLES


def _quiet(*_):
    pass


# --------------------------------------------------------------------------- #
# parameters: declared once, checked before any notebook runs
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "override, message",
    [
        ("part1_activity.top_licenses=-5", r"parameter 'part1_activity.top_licenses': -5 is below its minimum 1"),
        ("alpha=2", r"parameter 'part1_activity.alpha': 2.0 must be less than 1|parameter 'part1_activity.alpha'"),
        ("paper_date=notadate", r"parameter 'paper_date': 'notadate' is not a date"),
        ("part2_network.threshold=120", r"parameter 'part2_network.threshold': .* above its maximum 100"),
    ],
)
def test_bad_parameters_are_refused_before_any_notebook_runs(tmp_path, build_root, override, message):
    snap = hand_snapshot(tmp_path / "s", models=30)
    with pytest.raises(BuildError, match=message) as exc:
        build(snap.path, [override], log=_quiet)
    assert "\n" not in str(exc.value)
    assert not (build_root / snap.id / "book").exists()  # nothing executed


def test_a_date_on_the_command_line_is_a_string(tmp_path, build_root):
    assert parse_overrides(["paper_date=2023-10-31"]) == {"paper_date": "2023-10-31"}
    snap = hand_snapshot(tmp_path / "s", models=30)
    res = build(snap.path, ["paper_date=2023-10-31"], log=_quiet, dry_run=True)
    assert res.parameters["part1_activity"]["paper_date"] == "2023-10-31"
    assert res.parameters["reproduction"]["paper_date"] == "2023-10-31"
    assert res.parameters["index"]["paper_date"] == "2023-10-31"


def _examples(text: str) -> list[str]:
    return [ln.split("#")[0].strip() for ln in text.splitlines() if ln.strip().startswith("python -m analysis build ")]


def test_readme_and_landing_page_commands_run_verbatim(tmp_path, build_root):
    """Every `python -m analysis build` example of README.md and the landing page parses and passes the checks."""
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    index = "".join(
        "".join(c["source"]) for c in json.loads((paths.BOOK / "index.ipynb").read_text(encoding="utf-8"))["cells"]
    )
    commands = _examples(readme) + _examples(index)
    assert len(commands) >= 5 and any("paper_date=2023-10-31" in c for c in commands)
    snap = hand_snapshot(tmp_path / "s", models=30)
    for cmd in commands:
        argv = shlex.split(cmd.replace("data/snapshots/<id>", str(snap.path)))[4:]
        args = parser().parse_args(argv)
        res = build(
            args.snapshot_dir, parse_overrides(args.param), notebooks=args.only, html=False, log=_quiet, dry_run=True
        )
        assert res.parameters, cmd


def test_every_parameter_of_every_notebook_is_declared():
    import papermill as pm
    import yaml

    types = yaml.safe_load((paths.BOOK / "params.types.yml").read_text(encoding="utf-8"))
    for nb in paths.BOOK.glob("*.ipynb"):
        for name in pm.inspect_notebook(str(nb)):
            if name in ("snapshot_dir", "output_dir"):
                continue
            assert f"{nb.stem}.{name}" in types or name in types, f"{nb.stem}.{name} has no declaration"


# --------------------------------------------------------------------------- #
# findings.json
# --------------------------------------------------------------------------- #


def test_each_part_declares_its_findings_once_beside_the_code_that_computes_them():
    import importlib
    import pkgutil

    import analysis.parts

    for m in pkgutil.walk_packages(analysis.parts.__path__, "analysis.parts."):
        importlib.import_module(m.name)
    parts = {p: where for p, where in finding.declared().items() if p.startswith("part")}
    assert parts == {
        "part1_activity": "analysis.parts.activity.summary.findings",
        "part2_network": "analysis.parts.network.summary.findings",
        "part3_adoption": "analysis.parts.adoption.headlines.findings",
        "part5_history": "analysis.parts.history.findings",
    }
    for part, where in parts.items():  # collect finds the module from the notebook's name
        assert where.startswith(fnd.part_module(part) + ".")
    # every notebook that records findings collects them from its own part's declaration
    for nb in paths.BOOK.glob("*.ipynb"):
        source = "".join("".join(c["source"]) for c in json.loads(nb.read_text(encoding="utf-8"))["cells"])
        if "pub.findings(" in source:
            assert re.search(rf'findings\.collect\(\s*"{nb.stem}"', source) and nb.stem in parts, nb.name


def test_parts_one_three_and_five_collect_their_findings_with_coverage(tmp_path):
    from analysis.parts import activity, adoption, history, licenses

    snap = hand_snapshot(tmp_path / "s", models=40)
    params = {"paper_date": "2023-10-31"}
    acts, acts_as_of = activity.load_with_as_of(snap, params["paper_date"])
    models = acts["model"]
    tests = licenses.tests_table(
        models.data, activity.model_measures(acts), "group", activity.MEASURE_LABELS, licenses.group_names()
    )
    one = fnd.by_key({"findings": fnd.collect("part1_activity", snap, acts, acts_as_of, tests, params)})
    assert one["activity.models"]["value"] == snap.rows("models") == one["activity.models"]["coverage"]["covered"]
    assert one["activity.models.as_of_paper_date"]["value"] == acts_as_of["model"].n
    assert one["activity.models_single_commit_author_pct"]["coverage"]["population"] == snap.rows("models")
    effect = one["activity.license_effect.likes"]
    assert effect["unit"] == "epsilon_sq" and effect["ci_method"].startswith("95% percentile bootstrap")
    assert effect["note"].startswith("N = ") and "; p " in effect["note"]

    usage = adoption.load(snap)
    three = fnd.by_key({"findings": fnd.collect("part3_adoption", snap, usage, {})})
    assert three["adoption.models_used_pct"]["value"] == adoption.headline(snap, usage)["models_used_pct"]

    owners = history.owner_concentration(history.owner_tables(history.load(snap)))
    five = fnd.by_key({"findings": fnd.collect("part5_history", snap, history.load(snap), owners, params)})
    by, after = five["history.models_created_by_paper_date"], five["history.models_created_after_paper_date"]
    assert by["value"] + after["value"] == snap.rows("models") and by["coverage"]["scope"] == "all"
    assert "history.model_downloads_owner_gini" in five


def test_the_writer_collects_and_builds_no_finding():
    """publication/findings.py only collects, writes and reads: no entry nor coverage is built there."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(fnd))
    called = {
        n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", None)
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
    }
    assert not called & {"entry", "coverage", "table_coverage", "listing_coverage", "headline", "headline_from"}
    assert "entry(" not in inspect.getsource(fnd)
    assert fnd.entry is finding.entry and fnd.coverage is finding.coverage and fnd.UNITS is finding.UNITS


def _coverage(commits_scope: str) -> dict:
    cov = {t: {"scope": "all"} for t in TABLES}
    cov["commits"] = {"scope": commits_scope, "note": "commits kept only when they touched a weight file"}
    return cov


def _import_snapshot(tmp_path, commits_scope: str):
    from analysis.snapshot import open_snapshot
    from analysis.snapshot.store import write_snapshot

    base = hand_snapshot(tmp_path / f"base-{commits_scope}", models=40, source_kind="import")
    tables = {t: base.table(t) for t in TABLES}
    write_snapshot(
        tmp_path / commits_scope,
        tables,
        snapshot_id=f"tiny-{commits_scope}",
        snapshot_date=base.date,
        source_kind="import",
        coverage=_coverage(commits_scope),
    )
    return open_snapshot(tmp_path / commits_scope)


def _part2_doc(snap, out, threshold=90):
    p = network.compute(snap, threshold=threshold)
    entries = fnd.collect("part2_network", p, {"threshold": threshold})
    fnd.record(out, snap, "part2_network", entries, {"threshold": threshold})
    return fnd.load(out, snap)


def test_findings_validate_against_the_schema(tmp_path):
    snap = _import_snapshot(tmp_path, "all")
    doc = _part2_doc(snap, tmp_path / "out")
    jsonschema.validate(doc, fnd.schema())
    e = fnd.by_key(doc)["network.isolates_pct"]
    assert {"ci_low", "ci_high", "ci_method", "snapshot_id", "snapshot_date", "unit", "parameters", "coverage"} <= set(
        e
    )
    assert e["parameters"] == {"threshold": 90} and e["coverage"]["scope"] == "all"
    bad = json.loads(json.dumps(doc))
    del bad["findings"][0]["ci_low"]
    with pytest.raises(fnd.FindingsError, match="ci_low"):
        fnd.validate(bad)
    bad = json.loads(json.dumps(doc))
    bad["findings"].append(dict(bad["findings"][0]))
    with pytest.raises(fnd.FindingsError, match="duplicate"):
        fnd.validate(bad)


def test_a_part_rerun_alone_rewrites_only_its_own_entries(tmp_path):
    snap = _import_snapshot(tmp_path, "all")
    out = tmp_path / "out"
    fnd.record(out, snap, "part3_adoption", [], {})
    other = fnd.entry("adoption.x", 1.0, "pct", quantity="x", source="tab-adoption", coverage=fnd.coverage("all", 1, 1))
    fnd.record(out, snap, "part3_adoption", [other], {})
    _part2_doc(snap, out, threshold=90)
    doc = _part2_doc(snap, out, threshold=80)
    keys = [e["key"] for e in doc["findings"]]
    assert keys.count("network.isolates_pct") == 1 and "adoption.x" in keys
    assert doc["parts"]["part2_network"]["parameters"] == {"threshold": 80}


def test_the_findings_file_is_readable_by_everyone(tmp_path):
    """A site serves findings.json to readers: it is not left private (mkstemp's 0600)."""
    snap = hand_snapshot(tmp_path / "s", models=10)
    f = fnd.record(tmp_path / "out", snap, "part3_adoption", [], {})
    assert f.stat().st_mode & 0o444 == 0o444


def test_non_random_commit_selection_makes_the_isolates_claim_untestable(tmp_path):
    sub = reproduction.paper_vs_snapshot(_part2_doc(_import_snapshot(tmp_path, "subset"), tmp_path / "a"))
    full = reproduction.paper_vs_snapshot(_part2_doc(_import_snapshot(tmp_path, "all"), tmp_path / "b"))
    q = "developers who are isolates in the collaboration network"
    assert sub.set_index("quantity").loc[q, "testable"] == "no"
    assert sub.set_index("quantity").loc[q, "verdict"] == ""
    assert full.set_index("quantity").loc[q, "testable"] == "partly"
    assert full.set_index("quantity").loc[q, "verdict"] in ("agrees", "differs")


def test_construction_bound_reciprocity_gets_no_verdict(tmp_path):
    # one author per commit: every author is a first author, so every tie is returned
    one = network.CommitAuthors.from_lists(["r1", "r1", "r2", "r2"], [["a"], ["b"], ["b"], ["c"]])
    two = network.CommitAuthors.from_lists(["r1", "r1"], [["a", "b"], ["a"]])
    for commits, bound in ((one, True), (two, False)):
        part = type("P", (), {"commits": commits, "reproduction": network.reproduction_network(commits)})()
        assert network.reciprocity_by_construction(part) is bound
    snap = _import_snapshot(tmp_path, "all")
    doc = _part2_doc(snap, tmp_path / "out")
    row = reproduction.paper_vs_snapshot(doc).set_index("quantity").loc["network"]
    if fnd.by_key(doc)["network.reciprocity_by_construction"]["value"]:
        assert row["testable"] == "no" and row["verdict"] == "" and "by construction" in row["note"]
    else:
        assert row["testable"] == "partly" and row["verdict"]


def test_threshold_override_reaches_part2_and_part4_alike(tmp_path, build_root):
    from analysis.snapshot.store import write_snapshot

    base = hand_snapshot(tmp_path / "base", models=80, seed=3)
    seen = {}
    for thr in (90, 80):
        res = build(
            base.path,
            [f"part2_network.threshold={thr}"],
            notebooks=["part2_network", "reproduction"],
            html=False,
            log=_quiet,
        )
        tab = pd.read_csv(res.out / "tables" / "tab-network.csv").set_index("statistic")
        part2 = float(tab.loc["isolates (%)"].iloc[1 if "cleaned" in tab.columns[1] else 2])
        cleaned = [c for c in tab.columns if "cleaned" in c][0]
        part2 = float(tab.loc["isolates (%)", cleaned])
        pvs = pd.read_csv(res.out / "tables" / "tab-paper-vs-snapshot.csv").set_index("quantity")
        note = pvs.loc["developers who are isolates in the collaboration network", "note"]
        part4 = float(re.search(r"\) ([\d.]+)% are isolates", note).group(1))
        assert part4 == pytest.approx(part2, abs=0.051)
        doc = json.loads((res.out / "findings.json").read_text())
        assert fnd.by_key(doc)["network.cleaned_isolates_pct"]["parameters"]["threshold"] == thr
        seen[thr] = part2
    del write_snapshot


def test_no_built_page_prints_p_equals_0(tmp_path_factory):
    out = small_book_build(tmp_path_factory)
    pages = list((out / "_build" / "html" / "book").glob("*.html"))
    assert pages
    for page in pages:
        text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
        assert not re.search(r"\bp\s*=\s*0(?![.\d])", text), page.name
    assert (out / "findings.json").exists()
    fnd.validate(json.loads((out / "findings.json").read_text()))


def test_p_values_below_the_floor_are_never_shown_as_0():
    from analysis.publication.publish import markdown_table

    t = markdown_table(pd.DataFrame({"measure": ["likes"], "p": [0.0], "p (holm)": [1e-320], "H": [0.0]}))
    assert "\\< 0.001" in t and "| 0 |" in t  # H = 0 stays a number; p below the floor is "< 0.001"
    assert fnd.format_p(0.0) == "< 0.001" and fnd.format_p(0.012) == "= 0.012"
