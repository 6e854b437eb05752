"""The site of editions (``python -m analysis site``, ``make site``, ``make monthly``), its workflows,
its citation file and its launch environment.

A tiny book (the two pages of ``book_fixtures.tiny_book`` with a figure and a finding added) is
built once from a hand-made synthetic snapshot and published; rebuilt with ``-p top_n=2`` and
published again it is a second edition, and the first stays byte-identical. The monthly pipeline
(``make monthly``: collect from the fake Hub on 127.0.0.1, build the book, publish) adds an edition
to that site. The browser test serves the site under a base path, as GitHub Pages serves a project
site, and reads every BibTeX entry in Chromium.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml
from book_fixtures import hand_snapshot, tiny_book

from analysis import paths
from analysis.publication import site

BASE = "http://127.0.0.1:8000/hf-hub-activity/"
PY = sys.executable
CFFCONVERT = paths.ROOT / ".venv" / "tools" / "cffconvert" / "bin" / "cffconvert"

FIGURE_AND_FINDING = """\
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(4, 3))
ax.bar(t['owner'].astype(str), t['likes'])
display(pub.figure(fig, 'fig-counts', 'Likes of the top owners.', covers=f'{len(m)} models'))
pub.findings('counts', [{'key': 'counts.top_likes', 'quantity': 'likes of the top owner',
    'value': int(t['likes'].iloc[0]), 'unit': 'count', 'ci_low': None, 'ci_high': None, 'ci_method': None,
    'parameters': {'top_n': top_n}, 'coverage': {'scope': 'all', 'covered': len(m), 'population': len(m),
    'note': None}, 'source': 'tab-counts', 'note': None}], {'top_n': top_n})
"""


def _quiet(_msg: str) -> None:
    pass


def _source(root: Path) -> Path:
    """The tiny book with a figure and a finding on its table page (an edition needs findings.json)."""
    src = tiny_book(root)
    nb_path = src / "book" / "counts.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    cell = nbformat.v4.new_code_cell(FIGURE_AND_FINDING)
    cell.metadata["tags"] = ["hide-input"]
    nb.cells.append(cell)
    nbformat.write(nb, nb_path)
    return src


def checksums(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A tiny synthetic book published, rebuilt with -p top_n=2 and published again (a second edition)."""
    from analysis.publication.build import build

    base = tmp_path_factory.mktemp("site")
    old = os.environ.get("HFHUB_BUILD_DIR")
    os.environ["HFHUB_BUILD_DIR"] = str(base / "_build")
    try:
        src = _source(base / "src")
        snap = base / "snap"
        hand_snapshot(snap, "tiny-synthetic")
        first = build(snap, source=src, log=_quiet)
        out = base / "site"
        site.assemble([first.out], out, BASE, log=_quiet)
        first_sums = checksums(out / "tiny-synthetic")
        kept = base / "first-build"
        shutil.copytree(first.out, kept, symlinks=True)  # the first build, as another folder (two-books test)
        second = build(snap, ["top_n=2"], source=src, log=_quiet)
        result = site.assemble([second.out], out, BASE, log=_quiet)
    finally:
        if old is None:
            os.environ.pop("HFHUB_BUILD_DIR", None)
        else:
            os.environ["HFHUB_BUILD_DIR"] = old
    return {"out": out, "first": first_sums, "build": second.out, "kept": kept, "result": result, "base": base}


# --------------------------------------------------------------------------- #
# editions at permanent addresses
# --------------------------------------------------------------------------- #


def test_a_rebuild_with_other_parameters_is_a_second_edition_and_the_first_is_unchanged(published):
    out = published["out"]
    record = json.loads((out / site.SITE_RECORD).read_text())
    ids = [e["edition"] for e in record["editions"]]
    assert ids[0] == "tiny-synthetic"
    assert len(ids) == 2 and re.fullmatch(r"tiny-synthetic-[0-9a-f]{6}", ids[1]), ids
    assert checksums(out / "tiny-synthetic") == published["first"], "the first edition changed"
    assert record["latest"] == ids[1]
    for e in record["editions"]:
        assert e["url"] == f"{BASE}{e['edition']}/"
    assert record["editions"][0]["parameters"] != record["editions"][1]["parameters"]


def test_every_citable_address_is_absolute_and_inside_its_edition(published):
    out = published["out"]
    for edition in json.loads((out / site.SITE_RECORD).read_text())["editions"]:
        folder, url = out / edition["edition"], edition["url"]
        assert site.bibtex_problems(folder, url) == []
        page = (folder / "book" / "counts.html").read_text()
        assert f"{url}book/counts.html#fig-counts" in page and f"{url}book/counts.html#tab-counts" in page
        assert f'<link rel="canonical" href="{url}book/counts.html"' in page
        key = f"hf-hub-activity-{edition['edition']}-fig-counts"  # two editions of one snapshot: two keys
        assert (
            f'<span class="nl">{key}</span>' in page
            and "@misc{" + key in (folder / "_sources/book/counts.ipynb").read_text()
        )
        sides = sorted((folder / "figures").glob("*.json")) + sorted((folder / "tables").glob("*.json"))
        assert sides
        for side in sides:
            assert json.loads(side.read_text())["book"]["url"].startswith(url + "book/")
        with zipfile.ZipFile(folder / "edition-bundle.zip") as z:
            names = set(z.namelist())
            assert {"LICENSES.txt", "CITATION.cff", "edition.json"} <= names
            rec = json.loads(z.read("figures/fig-counts.json"))
            assert rec["book"]["url"] == f"{url}book/counts.html#fig-counts"
            assert "CC BY 4.0" in z.read("LICENSES.txt").decode()
        cff = yaml.safe_load((folder / "CITATION.cff").read_text())
        assert cff["url"] == url and cff["version"] == edition["version"]
        assert "CC BY 4.0" in page and "licences and data attributions" in page


def test_the_root_redirects_to_the_latest_edition_and_lists_every_edition(published):
    out = published["out"]
    record = json.loads((out / site.SITE_RECORD).read_text())
    latest = record["latest"]
    root = (out / "index.html").read_text()
    assert f'url={latest}/book/index.html"' in root
    assert f'<link rel="canonical" href="{BASE}{latest}/book/index.html">' in root
    stub = (out / "latest" / "book" / "counts.html").read_text()
    assert f'href="{BASE}{latest}/book/counts.html"' in stub
    index = (out / "editions" / "index.html").read_text()
    for e in record["editions"]:
        assert f"<code>{e['edition']}</code>" in index
    assert (out / "editions" / "figures" / "fig-editions-trends.png").is_file()


def test_the_same_build_published_again_is_kept_and_replace_is_explicit(published, capsys):
    out, build = published["out"], published["build"]
    before = checksums(out)
    site.assemble([build], out, BASE)
    assert "already published as edition" in capsys.readouterr().out
    assert checksums(out) == before


# --------------------------------------------------------------------------- #
# bad input: one line, nothing published changed
# --------------------------------------------------------------------------- #


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "analysis", "site", *args], capture_output=True, text=True, cwd=paths.ROOT)


def _one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


@pytest.mark.parametrize("url", ["hf-hub-activity/", "ftp://example.org/x/", "https:///nohost", "/local/path"])
def test_a_base_url_that_is_not_absolute_http_is_refused(published, url):
    out = published["out"]
    before = checksums(out)
    _one_line_error(_cli(str(published["build"]), "--out", str(out), "--baseurl", url), "--baseurl")
    assert checksums(out) == before


def test_an_incomplete_book_folder_is_refused(published, tmp_path):
    out = published["out"]
    before = checksums(out)
    half = tmp_path / "half"
    shutil.copytree(published["build"], half, symlinks=True)
    (half / ".hfhub-build.json").unlink()
    _one_line_error(_cli(str(half), "--out", str(out), "--baseurl", BASE), "not a complete build")
    shutil.copytree(published["build"], tmp_path / "nofindings", symlinks=True)
    (tmp_path / "nofindings" / "findings.json").unlink()
    _one_line_error(_cli(str(tmp_path / "nofindings"), "--out", str(out), "--baseurl", BASE), "findings")
    _one_line_error(_cli(str(tmp_path / "nothing"), "--out", str(out), "--baseurl", BASE), "no such book folder")
    assert checksums(out) == before


def test_two_books_of_one_snapshot_with_different_content_are_refused(published):
    out = published["out"]
    before = checksums(out)
    proc = _cli(str(published["kept"]), str(published["build"]), "--out", str(out), "--baseurl", BASE)
    _one_line_error(proc, "two books of snapshot 'tiny-synthetic'")
    assert checksums(out) == before


def test_an_output_folder_with_unrelated_files_is_refused(published, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    _one_line_error(_cli(str(published["build"]), "--out", str(mine), "--baseurl", BASE), "did not write")
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    out = published["out"]
    (out / "stray.html").write_text("x")
    try:
        before = checksums(out)
        _one_line_error(_cli(str(published["build"]), "--out", str(out), "--baseurl", BASE), "stray.html")
        assert checksums(out) == before
    finally:
        (out / "stray.html").unlink()


def test_another_base_url_for_a_published_site_is_refused(published):
    out = published["out"]
    before = checksums(out)
    proc = _cli(str(published["build"]), "--out", str(out), "--baseurl", "https://example.org/book/")
    _one_line_error(proc, "was assembled for")
    assert checksums(out) == before


def test_a_real_data_edition_with_the_placeholder_author_is_refused(published, tmp_path):
    real = tmp_path / "real"
    shutil.copytree(published["kept"], real, symlinks=True)
    doc = json.loads((real / "findings.json").read_text())
    doc["snapshot"]["synthetic"] = False
    doc["snapshot"]["source_kind"] = "hub"
    (real / "findings.json").write_text(json.dumps(doc))
    with pytest.raises(site.SiteError, match="placeholder author"):
        site.read_book(real)
    cff = real / "_build" / "html" / "CITATION.cff"
    cff.write_text(cff.read_text().replace('- name: "The hf-hub-activity project"', '- name: "Ada Lovelace"', 1))
    assert site.read_book(real).snapshot["synthetic"] is False


def test_a_broken_link_stops_the_assembly(published, tmp_path):
    out = tmp_path / "new-site"
    broken = tmp_path / "broken"
    shutil.copytree(published["kept"], broken, symlinks=True)
    page = broken / "_build" / "html" / "book" / "counts.html"
    page.write_text(page.read_text().replace("</body>", '<a href="missing.html#x">x</a></body>', 1))
    with pytest.raises(site.SiteError, match=r"internal link.*missing\.html"):
        site.assemble([broken], out, BASE, log=_quiet)
    assert not out.exists() or not any(p.name != site.STAGING for p in out.iterdir())


def test_a_bibtex_url_without_a_sidecar_is_made_absolute():
    """The landing page's entry for the whole book has no sidecar: its url (relative to its page, or
    under html.baseurl) becomes the edition's address all the same."""
    url = "https://x.org/s/ed/"
    page = (
        '<div class="highlight-bibtex notranslate"><div class="highlight"><pre><span class="na">url</span>'
        '<span class="w"> </span><span class="p">=</span><span class="w"> </span><span class="s">{index.html}</span>'
        "</pre></div></div>"
    )
    assert "{https://x.org/s/ed/book/index.html}" in site.absolute_bibtex(page, "book/index.html", url)
    nb = '"  url = {https://x.org/s/book/part1.html#fig-a},\\n"'
    assert "{https://x.org/s/ed/book/part1.html#fig-a}" in site.absolute_bibtex(nb, "book/part1.html", url, False)
    assert "{https://x.org/s/ed/book/p.html#fig-x}" in site.absolute_bibtex("url = {#fig-x}", "book/p.html", url, False)


def test_the_link_checker_finds_missing_files_and_anchors(tmp_path):
    (tmp_path / "a.html").write_text('<p id="here"></p><a href="b.html#nope">1</a><a href="#here">2</a>')
    (tmp_path / "b.html").write_text('<a href="c.html">3</a><a href="https://elsewhere.org/x">4</a>')

    def resolve(rel):
        p = tmp_path / rel
        return p if p.exists() else None

    problems = site.check_links(resolve, ["a.html", "b.html"], BASE)
    assert any("#nope" in p for p in problems) and any("c.html" in p for p in problems) and len(problems) == 2


# --------------------------------------------------------------------------- #
# the workflows, the citation file, the launch environment
# --------------------------------------------------------------------------- #

WORKFLOWS = paths.ROOT / ".github" / "workflows"


def _workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_the_workflows_run_the_tested_make_targets_with_least_privileges():
    deploy, monthly = _workflow("site.yml"), _workflow("monthly.yml")
    runs = [s.get("run", "") for wf in (deploy, monthly) for job in wf["jobs"].values() for s in job.get("steps", [])]
    assert any(r.startswith("make book") for r in runs)
    assert any(r.startswith("make site SITE_DIR=_build/site") for r in runs)
    assert any("make monthly MONTH_ID=" in r for r in runs)
    for wf in (deploy, monthly):
        assert wf["permissions"] == {}
        for name, job in wf["jobs"].items():
            assert "permissions" in job, name
            for step in job.get("steps", []):
                if "uses" in step:
                    assert re.search(r"@[0-9a-f]{40}$", step["uses"]), step["uses"]
    uses = {
        s["uses"].split("@")[0]
        for wf in (deploy, monthly)
        for j in wf["jobs"].values()
        for s in j["steps"]
        if "uses" in s
    }
    assert {"actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"} <= uses
    assert deploy["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert monthly[True]["schedule"][0]["cron"].split()[2:4] == ["2", "*"]  # YAML reads the key 'on' as true
    text = (WORKFLOWS / "monthly.yml").read_text()
    assert "secrets.HF_TOKEN" in text and "--select" not in text  # the settings are make monthly's


def test_the_workflows_pass_the_schema_and_zizmor():
    venv = Path(PY).parent
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    schema = subprocess.run(
        [str(venv / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run(
        [str(venv / "zizmor"), "--offline", "--min-severity", "low", str(WORKFLOWS)], capture_output=True, text=True
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr


def _cffconvert() -> str:
    if not CFFCONVERT.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CFFCONVERT} is missing (make setup installs it)")
        pytest.skip(f"{CFFCONVERT} is missing (make setup installs it)")
    return str(CFFCONVERT)


def test_the_citation_files_validate(published):
    exe = _cffconvert()
    edition = published["out"] / "tiny-synthetic" / "CITATION.cff"
    for cff in (paths.ROOT / "CITATION.cff", edition):
        proc = subprocess.run([exe, "--validate", "-i", str(cff)], capture_output=True, text=True)
        assert proc.returncode == 0, f"{cff}: {proc.stdout}{proc.stderr}"
    bad = published["base"] / "bad.cff"
    bad.write_text(edition.read_text().replace("cff-version: 1.2.0", "cff-version: 1.2.0\nurl: not-a-url"))
    assert subprocess.run([exe, "--validate", "-i", str(bad)], capture_output=True).returncode != 0


def test_launch_buttons_need_a_github_repository():
    cfg = yaml.safe_load(paths.BOOK_CONFIG.read_text())
    with_repo = site.launch_settings(cfg, "https://github.com/owner/repo", "abc123")
    assert with_repo["repository"]["url"] == "https://github.com/owner/repo"
    assert with_repo["repository"]["branch"] == "abc123"
    assert with_repo["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    without = site.launch_settings(cfg, "", "abc123")
    assert not without["launch_buttons"]["binderhub_url"] and "url" not in without["repository"]


def test_the_repository_is_a_repo2docker_environment():
    exe = Path(PY).parent / "jupyter-repo2docker"
    proc = subprocess.run(
        [str(exe), "--no-build", "--no-run", "--debug", "--user-id", "1000", "--user-name", "jovyan", str(paths.ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=paths.ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = proc.stdout + proc.stderr
    assert "python=3.11" in text or "python 3.11" in text.lower()
    assert "environment.yml" in text and "postBuild" in text


# --------------------------------------------------------------------------- #
# the gh-pages branch that keeps the editions
# --------------------------------------------------------------------------- #


def test_the_pages_branch_keeps_the_site_and_refuses_a_stale_base(tmp_path):
    script = paths.ROOT / ".github" / "scripts" / "pages-branch"
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    env = {**os.environ, "PAGES_REMOTE": str(remote), "GITHUB_SHA": "test"}
    env.pop("GH_TOKEN", None)

    def run(*args):
        return subprocess.run(["bash", str(script), *args], capture_output=True, text=True, env=env)

    a, b = tmp_path / "a", tmp_path / "b"
    assert run("fetch", str(a)).returncode == 0 and not any(a.iterdir())
    (a / "site.json").write_text("{}")
    (a / "ed").mkdir()
    (a / "ed" / "index.html").write_text("one")
    assert run("store", str(a)).returncode == 0
    assert run("fetch", str(b)).returncode == 0
    assert (b / "ed" / "index.html").read_text() == "one"
    (a / "site.json").write_text('{"x": 1}')
    assert run("store", str(a)).returncode != 0  # a's base is no longer the branch: refused
    (b / "ed2").mkdir()
    (b / "ed2" / "index.html").write_text("two")
    assert run("store", str(b)).returncode == 0
    c = tmp_path / "c"
    assert run("fetch", str(c)).returncode == 0
    assert sorted(p.name for p in c.iterdir()) == ["ed", "ed2", "site.json"]


# --------------------------------------------------------------------------- #
# the monthly pipeline, end to end against the fake Hub
# --------------------------------------------------------------------------- #


@pytest.mark.slow
def test_make_monthly_collects_builds_and_adds_an_edition(published, tmp_path):
    """``make monthly`` (the monthly workflow's command) against the fake Hub on 127.0.0.1, small:
    collect a sample, build the book, publish it beside the editions already in the site."""
    from analysis.sources import synth
    from fakehub.server import FakeHub

    out = published["out"]
    before = {e: checksums(out / e) for e in ("tiny-synthetic",)}
    src = synth.generate(tmp_path / "hub-source", models=400, seed=3)
    publisher = tmp_path / "CITATION.cff"
    publisher.write_text(
        (paths.ROOT / "CITATION.cff")
        .read_text()
        .replace('- name: "The hf-hub-activity project"', '- name: "Ada Lovelace"', 1)
    )
    env = {
        **os.environ,
        "HFHUB_BUILD_DIR": str(tmp_path / "_build"),
        "HFHUB_CITATION_FILE": str(publisher),
    }
    env.pop("HF_TOKEN", None)
    month = tmp_path / "snapshots" / "hub-2026-12"
    with FakeHub(src, page_size=50, commit_page_size=20, discussion_page_size=10) as hub:
        proc = subprocess.run(
            [
                "make",
                "--no-print-directory",
                "monthly",
                "MONTH_ID=hub-2026-12",
                f"MONTH_DIR={month}",
                "COLLECT=--select sample --n 15 --seed 1 --retry-failed",
                f"ARGS=--endpoint {hub.endpoint} --backoff 0.01",
                f"SITE_DIR={out}",
                f"BASEURL={BASE}",
            ],
            cwd=paths.ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1500,
        )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    record = json.loads((out / site.SITE_RECORD).read_text())
    ids = [e["edition"] for e in record["editions"]]
    assert ids[-1] == "hub-2026-12" and len(ids) == 3
    assert record["latest"] == "hub-2026-12"  # the newest edition of real (here: collected) data
    new = record["editions"][-1]
    assert new["snapshot"]["source_kind"] == "hub" and not new["snapshot"]["synthetic"]
    assert site.bibtex_problems(out / "hub-2026-12", f"{BASE}hub-2026-12/") == []
    assert "Ada Lovelace" in (out / "hub-2026-12" / "CITATION.cff").read_text()
    assert {e: checksums(out / e) for e in before} == before


# --------------------------------------------------------------------------- #
# in the browser: the site served under a base path, as GitHub Pages serves a project site
# --------------------------------------------------------------------------- #

BIBTEX_URLS_JS = """
return Array.from(document.querySelectorAll('div.highlight-bibtex pre')).map(function (pre) {
  var m = pre.textContent.match(/url\\s*=\\s*\\{([^{}]*)\\}/); return m ? m[1] : '(no url field)'; });
"""
LINKS_JS = """
return Array.from(document.querySelectorAll('a[href], link[href], img[src], script[src]'))
  .map(function (e) { return e.href || e.src; });
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site_in_browser(request, tmp_path_factory):
    """``SITE_UNDER_TEST`` (a site folder assembled for http://127.0.0.1:PORT/PATH/, as .ci/run
    makes from the default and the real-data books), else the two tiny editions published again
    for a free port."""
    env = os.environ.get("SITE_UNDER_TEST")
    if env:
        out = Path(env)
        base = json.loads((out / site.SITE_RECORD).read_text())["baseurl"]
        return out, base
    published = request.getfixturevalue("published")  # built only when no site is given
    base = f"http://127.0.0.1:{_free_port()}/hf-hub-activity/"
    out = tmp_path_factory.mktemp("browser") / "site"
    site.assemble([published["kept"]], out, base, log=_quiet)
    site.assemble([published["build"]], out, base, log=_quiet)
    return out, base


@pytest.mark.browser
@pytest.mark.slow
def test_every_edition_is_browsable_under_its_folder_and_cites_itself(site_in_browser, tmp_path):
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request

    from test_browser import _closing, _driver, _need_chromium

    _need_chromium()
    out, base = site_in_browser
    record = json.loads((out / site.SITE_RECORD).read_text())
    assert len(record["editions"]) >= (1 if os.environ.get("SITE_UNDER_TEST") else 2)
    httpd = site.make_server(out, base)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    status: dict[str, int] = {}

    def fetch(url: str) -> int:
        if url not in status:
            try:
                with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30) as r:
                    status[url] = r.status
            except urllib.error.HTTPError as exc:
                status[url] = exc.code
        return status[url]

    failures: list[str] = []
    quoted: dict[str, str] = {}
    try:
        with _closing(_driver(tmp_path / "profile")) as drv:
            for ed in record["editions"]:
                url = ed["url"]
                pages = sorted((out / ed["edition"] / "book").glob("*.html"))
                assert pages, ed["edition"]
                bib_count = 0
                for page in pages:
                    address = url + "book/" + page.name
                    drv.get(address)
                    if drv.current_url.split("#")[0] != address or "404" in drv.title:
                        failures.append(f"{address}: not served (at {drv.current_url}, {drv.title!r})")
                        continue
                    for bib_url in drv.execute_script(BIBTEX_URLS_JS):
                        bib_count += 1
                        quoted.setdefault(ed["edition"], bib_url)
                        if not bib_url.startswith(url):
                            failures.append(f"{address}: BibTeX url {bib_url} is not inside {url}")
                    for link in drv.execute_script(LINKS_JS):
                        if link.startswith(base) and fetch(link.split("#")[0]) != 200:
                            failures.append(f"{address}: {link} does not resolve")
                assert bib_count > 0, f"{ed['edition']}: no BibTeX entry seen"
            drv.get(base)  # the root: the latest edition
            latest = record["latest"]
            for _ in range(50):
                if f"/{latest}/book/index.html" in drv.current_url:
                    break
                time.sleep(0.1)
            assert f"/{latest}/book/index.html" in drv.current_url
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures[:40])
    print("BibTeX url of one entry per edition:", json.dumps(quoted, indent=1))
