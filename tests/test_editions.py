"""The editions page (analysis.publication.editions): findings of several builds side by side."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from analysis import paths
from analysis.publication import buildfolder
from analysis.publication import editions as E


def _entry(key, value, unit, covered=None, population=None, scope="all", ci=(None, None)):
    return {
        "key": key,
        "part": key.split(".")[0],
        "quantity": key.replace(".", " "),
        "value": value,
        "unit": unit,
        "ci_low": ci[0],
        "ci_high": ci[1],
        "ci_method": None if ci[0] is None else "bootstrap",
        "parameters": {},
        "coverage": {"scope": scope, "covered": covered, "population": population, "note": None},
        "source": "tab-x",
        "note": None,
    }


def _build(root, sid, date, entries, synthetic=False):
    d = root / sid
    d.mkdir(parents=True)
    for e in entries:
        e.update(snapshot_id=sid, snapshot_date=date)
    doc = {
        "schema_version": 1,
        "snapshot": {
            "id": sid,
            "date": date,
            "source_kind": "synthetic" if synthetic else "import",
            "synthetic": synthetic,
        },
        "parts": {},
        "findings": entries,
    }
    (d / "findings.json").write_text(json.dumps(doc), encoding="utf-8")
    marker = {"tool": buildfolder.TOOL, "snapshot_id": sid, "complete": True, "files": ["findings.json"]}
    (d / buildfolder.MARKER).write_text(json.dumps(marker), encoding="utf-8")  # as a complete build leaves it
    return d


@pytest.fixture
def two_builds(tmp_path):
    later = _build(
        tmp_path,
        "real-2024",
        "2024-07-11",
        [
            _entry("activity.models", 760000, "count", 760000, 760000),
            _entry("network.isolates_pct", 50.5, "pct", 1031, 760000, "subset", ci=(48.0, 53.0)),
        ],
    )
    earlier = _build(
        tmp_path,
        "demo",
        "2023-10-31",
        [
            _entry("activity.models", 5000, "count", 5000, 5000),
        ],
        synthetic=True,
    )
    return later, earlier


def test_editions_are_ordered_by_date_and_a_missing_finding_is_marked(two_builds, tmp_path):
    eds = E.load_editions(two_builds)
    assert [e.snapshot_id for e in eds] == ["demo", "real-2024"]
    index = E.write_page(eds, tmp_path / "page")
    wide = E.wide_table(E.long_table(eds), eds).set_index("key")
    assert wide.loc["network.isolates_pct", "demo (2023-10-31)"] == "not in this edition"
    assert wide.loc["network.isolates_pct", "real-2024 (2024-07-11)"] == "50.5% [48.0%, 53.0%]"
    assert wide.loc["network.isolates_pct", "real-2024 (2024-07-11) coverage"] == "subset: 1,031 of 760,000"
    assert wide.loc["activity.models", "demo (2023-10-31)"] == "5,000"
    long = pd.read_csv(tmp_path / "page" / "tables" / "tab-editions.csv")
    assert len(long) == 3 and set(long["snapshot_id"]) == {"demo", "real-2024"}
    page = index.read_text(encoding="utf-8")
    assert 'id="tab-editions"' in page and "synthetic data" in page and "not in this edition" in page
    assert (tmp_path / "page" / "figures" / "fig-editions-trends.png").stat().st_size > 1000
    # only the finding that both editions have is a trend
    assert E.trend_keys(E.long_table(eds)) == ["activity.models"]


def test_bad_inputs_are_one_line_errors(tmp_path, two_builds):
    with pytest.raises(E.EditionsError, match="no findings file"):
        E.read_edition(tmp_path / "nothing-here")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "findings.json").write_text('{"schema_version": 99}')
    with pytest.raises(E.EditionsError, match="schema version 99"):
        E.read_edition(tmp_path / "bad")
    with pytest.raises(E.EditionsError, match="named twice"):
        E.load_editions([two_builds[0], two_builds[0]])
    res = subprocess.run(
        [sys.executable, "-m", "analysis", "editions", str(tmp_path / "nothing-here")],
        capture_output=True,
        text=True,
        cwd=paths.ROOT.parent,
    )
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and res.stderr.startswith("error: ")


def test_the_command_writes_the_page(two_builds, tmp_path):
    out = tmp_path / "out"
    res = subprocess.run(
        [sys.executable, "-m", "analysis", "editions", *map(str, two_builds), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=paths.ROOT.parent,
    )
    assert res.returncode == 0, res.stderr
    assert (out / "index.html").is_file() and "2 editions" in res.stdout


def test_an_editions_page_inside_a_site_links_only_inside_it(two_builds, tmp_path):
    """``--site``: the page a book links to (``<site>/editions/``) never links out of that site."""
    site = two_builds[0] / "_build" / "html"
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text("<html></html>")
    other = two_builds[1] / "_build" / "html"
    other.mkdir(parents=True, exist_ok=True)
    (other / "index.html").write_text("<html></html>")
    res = subprocess.run(
        [sys.executable, "-m", "analysis", "editions", *map(str, two_builds), "--site", str(site)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    page = (site / "editions" / "index.html").read_text()
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert "../book/index.html" in hrefs and "../index.html" in hrefs
    assert not [h for h in hrefs if h.startswith("../../")], hrefs


def test_the_books_editions_page_compares_this_build_with_the_others(two_builds, tmp_path):
    """The book's own page (book/editions.ipynb): this build's findings, complete or not yet, and every
    other complete build of another snapshot; a build of this same snapshot is not a second edition."""
    later, earlier = two_builds
    staging = tmp_path / ".real-2024.building"
    doc = json.loads((later / "findings.json").read_text())
    eds = E.book_editions(staging, doc, root=tmp_path)
    assert [(e.snapshot_id, e.build_dir) for e in eds] == [("demo", earlier), ("real-2024", staging)]
    long = E.long_table(eds)
    assert set(long["snapshot_id"]) == {"demo", "real-2024"}
    alone = E.book_editions(staging, doc, root=tmp_path / "nothing")
    assert [e.snapshot_id for e in alone] == ["real-2024"]
