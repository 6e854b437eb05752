"""The book pipeline (analysis.publication.build): papermill + Jupyter Book, one build folder per snapshot.

The smoke build runs the project's real book on a small synthetic snapshot
(``make book``-equivalent); the other tests use a two-page book written here,
so they test the pipeline itself and stay fast.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from book_fixtures import hand_snapshot, small_book_build, tiny_book

from analysis import paths
from analysis.publication.build import BuildError, build, parse_overrides, toc_notebooks


def _quiet(*_):
    pass


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


# --------------------------------------------------------------------------- #
# the real book, end to end
# --------------------------------------------------------------------------- #


def test_smoke_build_of_the_real_book(tmp_path_factory):
    templates = {p.name: p.read_bytes() for p in paths.BOOK.glob("*.ipynb")}
    out = small_book_build(tmp_path_factory)
    site = out / "_build" / "html"
    assert (site / "index.html").exists()
    for nb in toc_notebooks():
        assert (out / "book" / f"{nb}.ipynb").exists(), f"no executed copy of {nb}"
        assert (site / "book" / f"{nb}.html").exists(), f"no page for {nb}"
    # the tables the front and back matter promise, as CSV
    for label in (
        "tab-snapshot-repos",
        "tab-snapshot-coverage",
        "tab-data-sources",
        "tab-methods-license-groups",
        "tab-paper-vs-snapshot",
        "tab-provenance-packages",
    ):
        assert (out / "tables" / f"{label}.csv").exists(), label
        assert (site / "tables" / f"{label}.csv").exists(), f"{label} not copied into the site"
    paper = pd.read_csv(out / "tables" / "tab-paper-vs-snapshot.csv")
    assert list(paper.columns[:2]) == ["quantity", "paper"]
    assert {"snapshot", "snapshot_as_of_paper_date", "note"} <= set(paper.columns)
    # the injected parameters never show on a page
    for page in (site / "book").glob("*.html"):
        html = page.read_text()
        assert 'snapshot_dir = "' not in html and "output_dir = " not in html, page.name
        assert "Traceback" not in html, f"{page.name} shows a traceback"
    # the synthetic warning is on every page of a synthetic snapshot
    for nb in toc_notebooks():
        assert "synthetic data" in (site / "book" / f"{nb}.html").read_text(), nb
    summary = (out / "build-summary.txt").read_text()
    assert "total" in summary and "peak memory" in summary
    # templates are never written by a build
    assert {p.name: p.read_bytes() for p in paths.BOOK.glob("*.ipynb")} == templates
    assert paths.BOOK not in out.parents


def test_two_builds_give_identical_tables(tmp_path_factory, build_root):
    first = small_book_build(tmp_path_factory)
    snap_dir = first.parent.parent / "snapshots" / "small-synthetic"
    second = build(snap_dir, html=False, log=_quiet)
    assert second.out != first and second.out.parent == build_root
    a, b = _digest(first / "tables"), _digest(second.out / "tables")
    assert a, "the book wrote no tables"
    assert sorted(a) == sorted(b), "the two builds wrote different sets of tables"
    differ = [name for name in a if a[name] != b[name]]
    assert not differ, f"tables differ between two builds of one snapshot: {differ}"


def test_make_book_runs_the_build_command():
    res = subprocess.run(
        ["make", "-n", "book", "SNAPSHOT=data/snapshots/x", "ARGS=-p a=1"],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert res.returncode == 0, res.stderr
    assert "-m analysis build data/snapshots/x -p a=1" in res.stdout


# --------------------------------------------------------------------------- #
# the pipeline on a two-page book
# --------------------------------------------------------------------------- #


def test_tiny_book_builds_a_site_with_numbered_table(tmp_path, build_root):
    src = tiny_book(tmp_path / "src")
    hand_snapshot(tmp_path / "snap-a", models=30)
    res = build(tmp_path / "snap-a", source=src, log=_quiet)
    assert res.html == build_root / "snap-a" / "_build" / "html"
    page = (res.html / "book" / "counts.html").read_text()
    assert 'id="tab-counts"' in page and "Table 1.1" in page
    # the download link points to the stable CSV of the site (not a hashed copy), with its provenance
    assert 'href="../tables/tab-counts.csv"' in page and "_downloads/" not in page
    assert (res.html / "tables" / "tab-counts.csv").exists() and (res.html / "tables" / "tab-counts.json").exists()
    # the footer links the citation file and the edition's bundle, both in the site
    assert 'href="../CITATION.cff"' in page and (res.html / "CITATION.cff").exists()
    assert 'href="../edition-bundle.zip"' in page and (res.html / "edition-bundle.zip").exists()
    # papermill's injected cell is tagged remove-cell in the executed copy
    nb = nbformat.read(res.out / "book" / "counts.ipynb", as_version=4)
    tagged = {t for c in nb.cells for t in c.metadata.get("tags", [])}
    assert "injected-parameters" in tagged
    for c in nb.cells:
        tags = c.metadata.get("tags", [])
        if "injected-parameters" in tags or "parameters" in tags:
            assert "remove-cell" in tags
    assert set(res.timings) >= {"notebook index", "notebook counts", "jupyter-book build"}
    assert res.peak_rss > 0 and res.total > 0
    # rerun one notebook: the others' executed copies and pages are kept
    index_copy = (res.out / "book" / "index.ipynb").read_bytes()
    again = build(tmp_path / "snap-a", ["counts.top_n=1"], notebooks=["counts"], source=src, log=_quiet)
    assert set(again.timings) == {"snapshot validation", "notebook counts", "jupyter-book build"}
    assert (res.out / "book" / "index.ipynb").read_bytes() == index_copy
    assert (again.html / "book" / "index.html").exists()
    assert len(pd.read_csv(again.html / "tables" / "tab-counts.csv")) == 1


def test_failing_notebook_names_notebook_and_cell(tmp_path, build_root):
    src = tiny_book(tmp_path / "src", fail_in="counts")
    hand_snapshot(tmp_path / "snap-f", models=20)
    with pytest.raises(BuildError) as exc:
        build(tmp_path / "snap-f", source=src, log=_quiet)
    msg = str(exc.value)
    assert "book/counts.ipynb" in msg
    assert "cell 5" in msg and "x = 1" in msg  # the index of the failing cell and its first line
    assert "RuntimeError: deliberate failure for the test" in msg
    assert len(msg.splitlines()) == 1
    staging = build_root / ".snap-f.building"  # the unfinished build, never in place of a complete one
    assert not (build_root / "snap-f").exists()
    assert "_build/.snap-f.building/book/counts.ipynb" in msg
    kept = staging / "book" / "counts.ipynb"
    assert kept.exists(), "the executed copy is kept for debugging"
    nb = nbformat.read(kept, as_version=4)
    assert any(
        o.get("ename") == "RuntimeError" for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )
    assert not (staging / "_build").exists(), "no site after a failing notebook"


def test_builds_of_two_snapshots_do_not_overwrite_each_other(tmp_path, build_root):
    src = tiny_book(tmp_path / "src")
    hand_snapshot(tmp_path / "snap-one", models=40, seed=1)
    hand_snapshot(tmp_path / "snap-two", models=40, seed=2)
    one = build(tmp_path / "snap-one", source=src, html=False, log=_quiet)
    before = _digest(one.out / "tables")
    two = build(tmp_path / "snap-two", source=src, html=False, log=_quiet)
    assert one.out != two.out and one.out.name == "snap-one" and two.out.name == "snap-two"
    assert _digest(one.out / "tables") == before
    t1 = pd.read_csv(one.out / "tables" / "tab-counts.csv")
    t2 = pd.read_csv(two.out / "tables" / "tab-counts.csv")
    assert not t1.equals(t2)
    assert "snap-one" in (one.out / "book" / "index.ipynb").read_text()
    assert "snap-two" in (two.out / "book" / "index.ipynb").read_text()
    assert not (src / "book" / "counts.ipynb").read_text().count('"outputs": [\n     {'), "template written"


def test_parameters_from_file_and_command_line(tmp_path, build_root):
    src = tiny_book(tmp_path / "src")  # params.yml: global top_n = 3; counts declares top_n = 5
    hand_snapshot(tmp_path / "snap-p", models=60)
    tab = build_root / "snap-p" / "tables" / "tab-counts.csv"
    res = build(tmp_path / "snap-p", source=src, html=False, log=_quiet)
    assert len(pd.read_csv(tab)) == 3
    assert res.parameters == {"index": {}, "counts": {"top_n": 3}}
    build(tmp_path / "snap-p", ["top_n=2"], source=src, html=False, log=_quiet)
    assert len(pd.read_csv(tab)) == 2
    build(tmp_path / "snap-p", {"counts.top_n": 1}, notebooks=["counts"], source=src, html=False, log=_quiet)
    assert len(pd.read_csv(tab)) == 1
    saved = json.loads((build_root / "snap-p" / "parameters.json").read_text())
    assert saved["notebooks"]["counts"] == {"top_n": 1}
    with pytest.raises(BuildError, match="declares a parameter 'nope'"):
        build(tmp_path / "snap-p", ["nope=1"], source=src, html=False, log=_quiet)
    with pytest.raises(BuildError, match="no parameter 'nope'"):
        build(tmp_path / "snap-p", ["counts.nope=1"], source=src, html=False, log=_quiet)


@pytest.mark.parametrize(
    "override",
    [
        {"hf_token": "abc"},
        {"api_key": "abc"},
        {"password": "x"},
        {"top_n": "hf_abcdefghijklmnopqrstuvwxyz0123"},
        {"counts.top_n": "Bearer abc.def"},
    ],
)
def test_no_secret_is_accepted_as_a_parameter(tmp_path, build_root, override):
    src = tiny_book(tmp_path / "src")
    hand_snapshot(tmp_path / "snap-s", models=20)
    with pytest.raises(BuildError, match="secret|token"):
        build(tmp_path / "snap-s", override, source=src, log=_quiet)
    assert not build_root.exists(), "nothing is built when a parameter is refused"


def test_no_secret_in_the_parameter_file(tmp_path, build_root, monkeypatch):
    src = tiny_book(tmp_path / "src")
    (src / "book" / "params.yml").write_text("global:\n  hub_token: abc\nnotebooks: {}\n")
    hand_snapshot(tmp_path / "snap-s2", models=20)
    with pytest.raises(BuildError, match="secret"):
        build(tmp_path / "snap-s2", source=src, log=_quiet)
    (src / "book" / "params.yml").write_text("global:\n  top_n: 3\nnotebooks: {}\n")
    monkeypatch.setenv("HF_TOKEN", "averysecretvalue123")
    with pytest.raises(BuildError, match="HF_TOKEN"):
        build(tmp_path / "snap-s2", {"top_n": "x-averysecretvalue123"}, source=src, log=_quiet)


def test_parse_overrides():
    assert parse_overrides(["a=1", "nb.b=x", "c=[1, 2]", "d=true", "e="]) == {
        "a": 1,
        "nb.b": "x",
        "c": [1, 2],
        "d": True,
        "e": "",
    }
    for bad in ["novalue", "1x=2", "a b=1"]:
        with pytest.raises(BuildError):
            parse_overrides([bad])


def test_invalid_snapshot_is_refused(tmp_path, build_root):
    from analysis.snapshot import SnapshotError

    src = tiny_book(tmp_path / "src")
    snap = hand_snapshot(tmp_path / "snap-bad", models=20)
    (snap.path / "models.parquet").chmod(0o644)
    with open(snap.path / "models.parquet", "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(SnapshotError, match="sha256"):
        build(snap.path, source=src, log=_quiet)
    assert not build_root.exists()


def test_the_site_root_redirect_is_a_complete_page_with_the_books_icon(tmp_path):
    """jupyter-book's root index.html is one bare <meta> redirect: without a head or an icon, a browser
    asks for /favicon.ico and logs a 404; the build writes it as a complete page."""
    from analysis.publication.buildsite import _complete_root_redirect

    site = tmp_path / "html"
    (site / "_static").mkdir(parents=True)
    (site / "_static" / "favicon.svg").write_text("<svg/>")
    (site / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/index.html" />\n')
    _complete_root_redirect(site)
    page = (site / "index.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert '<meta http-equiv="refresh" content="0; url=book/index.html">' in page
    assert '<link rel="icon" href="_static/favicon.svg">' in page and '<a href="book/index.html">' in page
    _complete_root_redirect(site)  # a page that is not jupyter-book's bare redirect is left as it is
    assert (site / "index.html").read_text() == page
    (site / "_static" / "favicon.svg").unlink()
    (site / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/a&quot;b.html" />')
    _complete_root_redirect(site)
    page = (site / "index.html").read_text()
    assert "icon" not in page and 'url=book/a&quot;b.html"' in page
