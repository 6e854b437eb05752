"""Safe to publish: hostile Hub data never runs in a reader's browser or spreadsheet.

One book is built (once for this module) from a small synthetic snapshot whose owners, repository
names and ids, licenses, tags, pipeline tags and developers carry what an attacker could choose on
the Hub (``hostile_fixtures.py``): script and event-handler HTML, spreadsheet formulas, MyST and
markdown markup, NUL and other controls, bidi overrides and a 100,000-character name. Then:

- in headless Chromium, no page runs a script from the data: once with the pages'
  Content-Security-Policy switched off (escaping alone holds) and once with it on (nothing the
  theme needs is blocked); and a page with a script planted in its content runs it only without
  the policy (the counter counts, the policy stops a slip);
- no CSV of the build or of ``edition-bundle.zip`` holds a live formula, and the payloads are there,
  as text;
- the pages show control characters visibly, say so in a data-quality note, and cut the
  100,000-character name, whose CSV keeps it whole.
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
import zipfile
from pathlib import Path

import pytest
from book_fixtures import small_snapshot
from hostile_fixtures import LONG, SCRIPT, hostile_snapshot

from analysis.publication.bundle import BUNDLE_NAME
from analysis.publication.publish import FORMULA_START, NUMBER_RE

_NUMBER = re.compile(NUMBER_RE)


@pytest.fixture(scope="module")
def hostile_book(tmp_path_factory) -> Path:
    """The book of the hostile snapshot, built once for this module; returns the build folder."""
    from analysis.publication.build import build

    base = tmp_path_factory.mktemp("hostile-book")
    small = base / "snapshots" / "small"
    small_snapshot(small)
    snap = hostile_snapshot(small, base / "snapshots" / "hostile")
    old = os.environ.get("HFHUB_BUILD_DIR")
    os.environ["HFHUB_BUILD_DIR"] = str(base / "_build")
    try:
        result = build(snap)
    finally:
        if old is None:
            os.environ.pop("HFHUB_BUILD_DIR", None)
        else:
            os.environ["HFHUB_BUILD_DIR"] = old
    return Path(result.out)


def _site(out: Path) -> Path:
    return out / "_build" / "html"


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


# --------------------------------------------------------------------------- #
# formulas
# --------------------------------------------------------------------------- #


def live_formulas(text: str) -> list[str]:
    """The cells of a CSV that a spreadsheet would run: text starting with = + - @ tab or CR that is
    not a number."""
    return [
        cell
        for row in csv.reader(io.StringIO(text, newline=""))
        for cell in row
        if cell.startswith(FORMULA_START) and not _NUMBER.match(cell)
    ]


def test_the_formula_counter_counts():
    assert live_formulas('a,b\n=1+1,-2\n"@SUM(1+1)",-2+3\n"\tx",+3.5\n') == ["=1+1", "@SUM(1+1)", "-2+3", "\tx"]
    assert live_formulas("'=1+1,'-2+3,-7,1e-5\n") == []


def test_no_csv_of_the_book_or_its_bundle_holds_a_live_formula(hostile_book):
    out = hostile_book
    csvs = {f"{p.parent.name}/{p.name}": p.read_text(encoding="utf-8") for p in out.glob("tables/*.csv")}
    site = _site(out)
    csvs |= {str(p.relative_to(site)): p.read_text(encoding="utf-8") for p in site.rglob("*.csv")}
    with zipfile.ZipFile(site / BUNDLE_NAME) as z:
        bundled = {f"{BUNDLE_NAME}:{n}": z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".csv")}
    assert "edition-bundle.zip:codebook.csv" in bundled
    csvs |= bundled
    live = {name: found for name, text in csvs.items() if (found := live_formulas(text))}
    assert not live, f"live formulas in {len(live)} CSV(s): " + "; ".join(f"{k}: {v[:3]}" for k, v in live.items())
    every = "\n".join(csvs.values())
    # the payloads are there, as text a spreadsheet shows (the ' is the OWASP prefix)
    for text in ("'=1+1", "'-2+3", "'@SUM(1+1)", "'+1+1"):
        assert text in every, text
    # a negative number is a number: not prefixed
    assert re.search(r"(^|,)-\d+(\.\d+)?(,|$)", every, re.M) or "-" not in every
    codebook = bundled["edition-bundle.zip:codebook.csv"]
    assert "OWASP" in codebook and "'" in codebook


# --------------------------------------------------------------------------- #
# control characters and lengths
# --------------------------------------------------------------------------- #


def test_pages_show_control_characters_and_cut_absurd_lengths(hostile_book):
    site = _site(hostile_book)
    seen_marks = seen_note = False
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        raw = [
            f"U+{ord(c):04X}" for c in set(re.findall("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]", text))
        ]
        assert not raw, f"{page.name}: control or bidi characters passed through: {raw}"
        assert "L" * (10 * 1000) not in text, f"{page.name}: the 100,000-character name is shown whole"
        seen_marks |= "[U+0000]" in text and "[U+202E]" in text
        seen_note |= "Data quality:" in text and "cut" in text
    assert seen_marks, "no page shows the NUL and bidi payloads as visible marks"
    assert seen_note, "no page says in a data-quality note that values were changed for display"
    snapshot_page = (site / "book" / "snapshot.html").read_text(encoding="utf-8")
    assert "names hold control or bidi-override characters" in snapshot_page  # the data-quality table
    assert "name is longer than" in snapshot_page or "names are longer than" in snapshot_page
    whole = [p for p in (hostile_book / "tables").glob("*.csv") if LONG in p.read_text(encoding="utf-8")]
    assert whole, "no CSV keeps the 100,000-character name whole"


def test_a_quote_mark_in_a_cell_is_shown_as_typed(hostile_book):
    """Smartquotes are off: the owner name ``"><img ...`` shows in table cells with its straight quote,
    never a typographic one (which would change the name a reader copies)."""
    import html

    cells = []
    for page in _pages(_site(hostile_book)):
        text = page.read_text(encoding="utf-8")
        cells += [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td\b.*?</td>", text, re.S)]
    named = [c for c in cells if "><img src=x onerror=alert(1)>" in c]
    assert named, "no table cell shows the owner name with a quote mark"
    assert all(c.count('"><img') == c.count("><img") for c in named), [c for c in named if '"><img' not in c][:3]
    assert not [c for c in cells if re.search("[\u201c\u201d]><img", c)], "a quote mark became a typographic quote"


def test_svg_metadata_and_figure_text_are_plain(hostile_book):
    figures = list((hostile_book / "figures").glob("*.svg"))
    assert figures
    for svg in figures:
        text = svg.read_text(encoding="utf-8")
        assert "<script" not in text.lower() and "onload=" not in text.lower(), svg.name
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text), svg.name


# --------------------------------------------------------------------------- #
# the policy
# --------------------------------------------------------------------------- #


def test_the_policy_hashes_the_theme_never_the_content(tmp_path):
    from analysis.publication import csp

    theme, data, handler = "var theme = 1;", "alert(1)", "window.print()"
    page = (
        f"<html><head><meta charset='utf-8'><script>{theme}</script><script src='_static/a.js'></script></head>"
        f'<body><button onclick="{handler}">p</button><article class="bd-article"><script>{data}</script>'
        '<img src=x onerror="alert(2)"></article></body></html>'
    )
    scripts, handlers = csp.theme_hashes(page)
    assert scripts == {csp._sha256(theme)} and handlers == {csp._sha256(handler)}
    assert csp.theme_hashes(page, data_page=False)[0] == {csp._sha256(theme), csp._sha256(data)}
    no_article = page.replace("<article", "<div").replace("</article>", "</div>")
    assert csp.theme_hashes(no_article) == ({csp._sha256(theme)}, set())  # then only the head is the theme's
    site = tmp_path / "site"
    (site / "book").mkdir(parents=True)
    (site / "book" / "p.html").write_text(page)
    (site / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/p.html" />')
    assert csp.protect_site(site, {"book/p"}) == 1
    out = (site / "book" / "p.html").read_text()
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', out)
    assert meta and out.index("charset") < meta.start() < out.index("<script>")
    rule = meta.group(1)
    assert csp._sha256(theme) in rule and csp._sha256(data) not in rule and "unsafe-inline' " not in rule.split(";")[1]
    assert "'unsafe-hashes'" in rule and "object-src 'none'" in rule
    assert csp.protect_site(site, {"book/p"}) == 1  # a second run replaces the policy, never adds one
    assert (site / "book" / "p.html").read_text().count("Content-Security-Policy") == 1


# --------------------------------------------------------------------------- #
# the browser
# --------------------------------------------------------------------------- #

#: Runs before any script of the page (Chromium's DevTools protocol): counts what the payloads call.
_HOOK = """
window.__ran = 0;
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = function () { window.__ran += 1; };
}
"""


def _browser(tmp_path_factory):
    import test_browser as tb

    tb._need_chromium()
    drv = tb._driver(tmp_path_factory.mktemp("chromium-safety"))
    drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _HOOK})
    return tb, drv


def _visit(drv, url: str) -> tuple[int, list[str], dict]:
    drv.get(url)
    for _ in range(50):
        if drv.execute_script("return document.readyState") == "complete":
            break
        time.sleep(0.1)
    ran = drv.execute_script("return window.__ran")
    dom = drv.execute_script("""
        const art = document.querySelector('article') || document.body;
        return {
          planted: art.querySelectorAll('script, img[src="x"], svg[onload], [onerror], [onload], iframe, object').length,
          text: art.textContent,
        };""")
    errors = [e["message"] for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
    return ran, errors, dom


@pytest.mark.browser
def test_no_script_from_the_data_runs_on_any_page(hostile_book, tmp_path_factory):
    site = _site(hostile_book)
    tb, drv = _browser(tmp_path_factory)
    failures: list[str] = []
    shown = ""
    pages = _pages(site)
    with tb.Server(site) as server, tb._closing(drv):
        for bypass in (True, False):
            # bypassed: the escaping alone must hold; enforced: the policy must not block the theme
            drv.execute_cdp_cmd("Page.setBypassCSP", {"enabled": bypass})
            for page in pages:
                rel = page.relative_to(site).as_posix()
                ran, errors, dom = _visit(drv, server.url + rel)
                where = f"{rel} (policy {'off' if bypass else 'on'})"
                if ran:
                    failures.append(f"{where}: {ran} script call(s) ran")
                if dom["planted"] and rel.startswith("book/"):  # search.html's own scripts are the theme's
                    failures.append(f"{where}: {dom['planted']} element(s) from the data in the page's content")
                failures += [f"{where}: console error: {e}" for e in errors]
                shown += dom["text"]
            for query in ("alert", "onerror"):  # the search page shows other pages' text
                drv.get(server.url + f"search.html?q={query}")
                time.sleep(2)
                ran = drv.execute_script("return window.__ran")
                errors = [e["message"] for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
                found = drv.execute_script("return document.querySelectorAll('#search-results li').length")
                where = f"search for {query!r} (policy {'off' if bypass else 'on'})"
                if ran or errors or not found:
                    failures.append(f"{where}: {ran} script call(s), {found} result(s), errors {errors[:2]}")
    print(f"{len(pages)} pages, each loaded with the policy off and on")
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures[:40])
    # the payloads are shown to the reader as text
    for text in (SCRIPT, '"><img src=x onerror=alert(1)>', "<svg onload=alert(1)>", "{{ sub }}", "[link]("):
        assert text in shown, f"{text!r} is not shown as text on any page"


@pytest.mark.browser
def test_the_policy_stops_a_script_planted_in_a_page(hostile_book, tmp_path_factory):
    """A control for the test above: a page with a script planted in its content runs it when the
    policy is off (so the counter counts) and not when it is on."""
    import shutil

    site = tmp_path_factory.mktemp("planted") / "html"
    shutil.copytree(_site(hostile_book), site)
    page = site / "book" / "part1_activity.html"
    text = page.read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in text
    at = text.index("<article")
    at = text.index(">", at) + 1
    planted = '<script>alert(1)</script><img src="data:," onerror="alert(2)"><svg onload="alert(3)"></svg>'
    page.write_text(text[:at] + planted + text[at:], encoding="utf-8")
    tb, drv = _browser(tmp_path_factory)
    with tb.Server(site) as server, tb._closing(drv):
        drv.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
        ran_without, _, _ = _visit(drv, server.url + "book/part1_activity.html")
        drv.execute_cdp_cmd("Page.setBypassCSP", {"enabled": False})
        ran_with, errors, _ = _visit(drv, server.url + "book/part1_activity.html")
    assert ran_without >= 2, (
        f"the planted scripts did not run without the policy ({ran_without}): the counter is broken"
    )
    assert ran_with == 0, f"{ran_with} planted script(s) ran under the policy"
    assert any("Content Security Policy" in e for e in errors), errors
