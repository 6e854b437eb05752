"""The rendered site, checked in a real browser (Debian chromium, headless, offline).

Serves a built site from 127.0.0.1 and loads every page; fails on any console
error, any image that does not load and any internal link or anchor that does
not resolve; saves screenshots of the landing page and of one figure page into
the build root (``<build root>/screenshots/<snapshot id>/``, beside the build folder).
The book's pages are then measured at a desktop and a phone width (the reader's edition and
layout tests). One Chromium loads each page once per width (the module's ``site_visits``): the
every-page test and the two width tests assert on what those loads measured.

Which sites: ``BOOK_SITES`` (html folders separated by ``os.pathsep``, as
``.ci/run`` passes the default and the real-data books), else a small book
built here from a small synthetic snapshot. Without chromium the test skips,
except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from book_fixtures import small_book_site

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PAGE_TIMEOUT = 60  # seconds per page load
MAX_PAGES = 400

pytestmark = pytest.mark.browser


def _need_chromium() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        msg = (
            f"{', '.join(missing)} not installed (Debian packages chromium and chromium-driver; "
            "run 'make browser-deps')"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)


def _screenshots(out: Path) -> Path:
    """Where the screenshots of the build folder ``out`` go: ``<build root>/screenshots/<snapshot id>/``,
    beside the build folder, never in it (a build refuses a folder holding files it did not write)."""
    shots = out.parent / "screenshots" / out.name
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _sites(tmp_path_factory) -> list[Path]:
    env = os.environ.get("BOOK_SITES")
    if env:
        sites = [Path(p).resolve() for p in env.split(os.pathsep) if p]
        for s in sites:
            assert (s / "index.html").exists(), f"BOOK_SITES: {s} has no index.html (not a built site)"
        return sites
    return [small_book_site(tmp_path_factory)]


#: The path the site is served under, as GitHub Pages serves a project site (``/REPO/``): a link that
#: climbs above the site's folder (``../`` too many) leaves the site, as it would once published.
SITE_PATH = "/hf-hub-activity/"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        """Only addresses under :data:`SITE_PATH` are the site's files; any other is not found."""
        if not urllib.parse.urlsplit(path).path.startswith(SITE_PATH):
            return str(Path(self.directory) / ".no-such-file")
        return super().translate_path("/" + path[len(SITE_PATH) :])

    def log_message(self, *args):  # keep pytest output clean
        pass


class Server:
    """http.server on 127.0.0.1 (an ephemeral port) in a daemon thread, the site under :data:`SITE_PATH`."""

    def __init__(self, root: Path):
        handler = functools.partial(_Quiet, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.timeout = 5
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{SITE_PATH}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def _driver(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager reach the network
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
        f"--user-data-dir={profile}",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(PAGE_TIMEOUT)
    return drv


_ID_RE = re.compile(r"""\b(?:id|name)\s*=\s*["']([^"']+)["']""")


@functools.cache
def _anchors(path: Path) -> frozenset[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return frozenset(_ID_RE.findall(text))


def _target_file(site: Path, base_url: str, href: str) -> tuple[Path | None, str]:
    """The file an internal link points to (None when external) and its fragment."""
    if not href.startswith(base_url):
        return None, ""
    parsed = urllib.parse.urlsplit(href)
    rel = urllib.parse.unquote(parsed.path)[len(urllib.parse.urlsplit(base_url).path) :]
    target = site / rel
    if rel == "" or rel.endswith("/"):
        target = target / "index.html"
    return target, urllib.parse.unquote(parsed.fragment)


def _leaves_site(base_url: str, href: str) -> bool:
    """Whether ``href`` is on the site's host but outside its folder (``base_url``'s path)."""
    base, target = urllib.parse.urlsplit(base_url), urllib.parse.urlsplit(href)
    return (target.scheme, target.netloc) == (base.scheme, base.netloc) and not target.path.startswith(base.path)


def _link_problems(site: Path, base_url: str, hrefs: list[str], checked: set[str]) -> list[str]:
    """The links of a page (as the browser resolved them) that leave the site's folder, name no file
    of the site or an anchor its page does not have; ``checked``: links already seen (skipped)."""
    problems = []
    for href in hrefs:
        if href in checked:
            continue
        checked.add(href)
        if _leaves_site(base_url, href):
            problems.append(f"link leaves the site's folder: {href}")
            continue
        target, frag = _target_file(site, base_url, href)
        if target is None:
            continue  # external links are not followed (no network)
        if not target.exists():
            problems.append(f"broken link: {href}")
        elif frag and target.suffix == ".html" and frag not in _anchors(target):
            problems.append(f"broken anchor: {href}")
    return problems


def _check_page(drv, site: Path, url: str) -> tuple[list[str], dict]:
    problems: list[str] = []
    drv.get(url)
    deadline = time.time() + PAGE_TIMEOUT
    while drv.execute_script("return document.readyState") != "complete" and time.time() < deadline:
        time.sleep(0.1)
    # wait (bounded) for images to finish loading
    for _ in range(50):
        if drv.execute_script("return Array.from(document.images).every(i => i.complete)"):
            break
        time.sleep(0.1)
    for entry in drv.get_log("browser"):
        if entry.get("level") == "SEVERE":
            problems.append(f"console error: {entry.get('message')}")
    broken = drv.execute_script(
        "return Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.currentSrc || i.src)"
    )
    problems += [f"image does not load: {src}" for src in broken]
    info = drv.execute_script("""
        return {
          links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
          figures: document.querySelectorAll('figure img, div.figure img').length,
          title: document.title,
        };""")
    return problems, info


def test_every_page_renders_offline(site_visits):
    failures: list[str] = []
    checked_pages = 0
    for sv in site_visits:
        assert any(p.name == "index.html" for p in sv.pages), f"{sv.site}: no index.html"
        checked_pages += len(sv.pages)
        failures += sv.problems
        # the root index.html redirects to the landing page
        assert sv.root_url.rstrip("/") != "", "root page did not load"
        assert (sv.shots / "landing.png").exists(), f"{sv.site}: no landing page book/index.html"
        has_figures = any("<figure" in p.read_text(errors="replace") for p in sv.pages)
        assert sv.figure_shot or not has_figures, f"{sv.site}: figures exist but none was seen in the browser"
        print(
            f"{sv.site}: {len(sv.pages)} pages, {sv.links} links; figure page: {sv.figure_shot}; "
            f"screenshots in {sv.shots}"
        )
    assert checked_pages > 0
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures[:60])


class _closing:
    def __init__(self, drv):
        self.drv = drv

    def __enter__(self):
        return self.drv

    def __exit__(self, *exc):
        try:
            self.drv.quit()
        except Exception:
            pass


def test_link_checker_detects_broken_targets(tmp_path):
    """The checker itself: a missing page and a missing anchor are both reported."""
    site = tmp_path / "site"
    (site / "book").mkdir(parents=True)
    (site / "book" / "a.html").write_text('<h1 id="top">A</h1><span name="n1"></span>')
    base = "http://127.0.0.1:1" + SITE_PATH
    assert _target_file(site, base, "https://example.org/x")[0] is None
    target, frag = _target_file(site, base, base + "book/a.html#top")
    assert target.exists() and frag in _anchors(target)
    target, frag = _target_file(site, base, base + "book/a.html#nowhere")
    assert frag not in _anchors(target)
    target, _ = _target_file(site, base, base + "book/missing.html")
    assert not target.exists()
    assert _leaves_site(base, "http://127.0.0.1:1/x") and not _leaves_site(base, base + "book/a.html")
    assert not _leaves_site(base, "https://example.org/x")


def test_a_link_leaving_the_sites_folder_fails_the_check(tmp_path):
    """Served under its sub-path as once published, a page whose link climbs above the site's folder
    (``../../x`` from ``book/``) fails the check, as do a missing page and anchor; its good links pass."""
    _need_chromium()
    site = tmp_path / "site"
    (site / "book").mkdir(parents=True)
    (site / "x").write_text("outside")  # a file of that name at the site's root does not make the link good
    (site / "index.html").write_text('<p id="top">root</p>')
    (site / "book" / "a.html").write_text(
        '<h1 id="top">A</h1><a href="../../x">up</a><a href="../index.html#top">root</a>'
        '<a href="b.html">missing</a><a href="#nowhere">anchor</a>'
    )
    with Server(site) as server, _closing(_driver(tmp_path / "profile")) as drv:
        problems, info = _check_page(drv, site, server.url + "book/a.html")
        problems += _link_problems(site, server.url, info["links"], set())
    assert any("leaves the site's folder" in p and p.endswith("/x") for p in problems), problems
    assert any("broken link" in p and "b.html" in p for p in problems), problems
    assert any("broken anchor" in p and "#nowhere" in p for p in problems), problems
    assert not [p for p in problems if "index.html#top" in p], problems


#: The widths of the reader's edition checks: a desktop and a phone.
WIDTHS = (1400, 414)

_READER_JS = """
const out = {overflow: document.documentElement.scrollWidth - window.innerWidth, wrapped: [], alts: [],
             downloads: [], cites: []};
for (const td of document.querySelectorAll('td.text-right')) {
  const text = td.textContent.trim();
  if (!/^[<>~+\\-]?[0-9][0-9,.]*(%|e[+-]?[0-9]+)?$/.test(text)) continue;
  const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
  const tops = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    for (const r of range.getClientRects()) tops.add(Math.round(r.top));
  }
  if (tops.size > 1) out.wrapped.push(text);
}
for (const img of document.querySelectorAll('figure img')) {
  const fig = img.closest('figure');
  out.alts.push({label: fig ? fig.id : '', alt: img.getAttribute('alt') || ''});
}
for (const a of document.querySelectorAll('a[download]')) out.downloads.push(a.href);
for (const d of document.querySelectorAll('details, .admonition.dropdown, .dropdown')) {
  const t = d.textContent;
  if (/Cite this/.test(t)) out.cites.push(t);
}
return out;
"""


def _provenance_of(site: Path, base_url: str, href: str) -> dict | None:
    """The sidecar provenance of a downloaded table or figure (``<label>.json`` beside it)."""
    import json

    target, _ = _target_file(site, base_url, href)
    if target is None or not target.exists():
        return None
    side = target.with_suffix(".json")
    return json.loads(side.read_text(encoding="utf-8")) if side.exists() else None


def test_reader_edition_at_two_widths(site_visits):
    """At 1,400 px and 414 px: no page wider than the window, no number broken over two lines,
    figures with alt text that says more than their label, every download resolving to a file whose
    provenance names the page's snapshot, and cite boxes with an author and a URL."""
    failures: list[str] = []
    for sv in site_visits:
        site, base_url, snapshot_id, visits = sv.site, sv.url, sv.snapshot_id, sv.visits
        assert any(v.width == WIDTHS[0] and v.reader is not None for v in visits), f"{site}: no pages under book/"
        for v in visits:
            got = v.reader
            if got is None:  # the editions page: the layout test's alone
                continue
            where = f"{site.name}/{v.rel} at {v.width} px"
            if got["overflow"] > 1:
                failures.append(f"{where}: page is {got['overflow']} px wider than the window")
            failures += [f"{where}: number broken over lines: {t}" for t in got["wrapped"][:5]]
            for a in got["alts"]:
                if len(a["alt"]) <= len(a["label"]) or a["alt"] == a["label"]:
                    failures.append(f"{where}: figure {a['label']} has alt text {a['alt']!r}")
            if v.width == WIDTHS[0]:
                for href in got["downloads"]:
                    prov = _provenance_of(site, base_url, href)
                    if "_sources" in href:
                        continue  # the executed notebook: it is the page itself
                    if prov is None:
                        failures.append(f"{where}: download {href} has no provenance file")
                    elif prov["snapshot"]["id"] != snapshot_id:
                        failures.append(f"{where}: {href} names snapshot {prov['snapshot']['id']}")
                for c in got["cites"]:
                    if "hf-hub-activity project" not in c or not re.search(r"\.html#(tab|fig)-", c):
                        failures.append(f"{where}: a cite box lacks an author or a URL: {c[:200]!r}")
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures[:60])


# --------------------------------------------------------------------------- #
# the reader's layout: tables, overlaps, figures' text, the banner, whole sentences
# --------------------------------------------------------------------------- #

#: The smallest text a figure may show at the phone width (CSS px).
MIN_FIGURE_TEXT_PX = 9.0

_LAYOUT_JS = r"""
const art = document.querySelector('.bd-article') || document.body;
const out = {problems: [], figures: [], banner: null, first_p: null, findings: [], rows: {}};
const hidden = new Map();
function isHidden(el) {
  if (!el) return false;
  if (hidden.has(el)) return hidden.get(el);
  const s = getComputedStyle(el);
  const h = s.visibility === 'hidden' || s.display === 'none' || parseFloat(s.opacity) === 0 || isHidden(el.parentElement);
  hidden.set(el, h);
  return h;
}
// tables: nothing scrolls sideways, no text spills out of a cell, no word broken in a column narrower than it
for (const table of art.querySelectorAll('table')) {
  const id = table.id || (table.closest('[id]') || {}).id || '(table)';
  const box = table.closest('.pst-scrollable-table-container, .table-wrapper') || table.parentElement;
  if (box.scrollWidth > box.clientWidth + 1)
    out.problems.push(`${id}: table scrolls sideways (${box.scrollWidth} px in ${box.clientWidth} px)`);
  // every row its own: a row with missing values is never drawn into the row above (or as nothing)
  const rows = Array.from(table.querySelectorAll('tbody tr')).filter((tr) => !tr.closest('details:not([open])'));
  out.rows[id] = rows.length;
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1].getBoundingClientRect(), b = rows[i].getBoundingClientRect();
    if (b.height < 2 || b.top < a.bottom - 1)
      out.problems.push(`${id}: row ${i + 1} (${rows[i].textContent.trim().slice(0, 40)}) merges into the row above`);
  }
  for (const cell of table.querySelectorAll('td, th')) {
    if (cell.getClientRects().length === 0 || isHidden(cell) || cell.closest('details:not([open])')) continue;
    if (cell.scrollWidth > cell.clientWidth + 1) {
      out.problems.push(`${id}: text spills out of its cell: ${cell.textContent.trim().slice(0, 60)}`);
      continue;
    }
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const re = /[^\s\-\u2013\u2014]+/g;  // Chrome breaks at spaces and after hyphens, not after a slash
      let m;
      while ((m = re.exec(n.textContent))) {
        if (m[0].length < 2) continue;
        const r = document.createRange();
        r.setStart(n, m.index);
        r.setEnd(n, m.index + m[0].length);
        const rects = Array.from(r.getClientRects()).filter((x) => x.width > 0);
        if (new Set(rects.map((x) => Math.round(x.top))).size < 2) continue;
        const width = rects.reduce((s, x) => s + x.width, 0);
        const holder = (n.parentElement && n.parentElement.closest('p, td, th')) || cell;
        if (width <= holder.clientWidth)  // a word wider than all the room it has may break; no other
          out.problems.push(`${id}: column narrower than its word ${JSON.stringify(m[0])}`);
      }
    }
  }
}
// overlapping text: line boxes of different text nodes that cover each other
const rects = [];
const walker = document.createTreeWalker(art, NodeFilter.SHOW_TEXT);
let k = 0;
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  k++;
  if (!n.textContent.trim()) continue;
  const el = n.parentElement;
  // closed dropdowns (a cite box) keep their text out of sight: only their summary is shown
  const closed = el && el.closest('details:not([open])');
  if (closed && !el.closest('summary')) continue;
  if (!el || el.closest('pre, .highlight, script, style') || isHidden(el)) continue;
  const r = document.createRange();
  r.selectNodeContents(n);
  for (const x of r.getClientRects()) if (x.width > 1 && x.height > 1) rects.push([x.left, x.top, x.right, x.bottom, k, n]);
}
rects.sort((a, b) => a[1] - b[1]);
for (let i = 0; i < rects.length && out.problems.length < 50; i++) {
  const a = rects[i];
  for (let j = i + 1; j < rects.length && rects[j][1] < a[3]; j++) {
    const b = rects[j];
    if (a[4] === b[4]) continue;
    const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
    const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
    if (w > 2 && h > 0.5 * Math.min(a[3] - a[1], b[3] - b[1]))
      out.problems.push(`overlapping text: ${JSON.stringify(a[5].textContent.trim().slice(0, 40))} and ` +
                        `${JSON.stringify(b[5].textContent.trim().slice(0, 40))}`);
  }
}
// figures: the width each image shown is drawn at (a phone shows a figure's crops instead of it)
for (const img of art.querySelectorAll('figure img')) {
  const fig = img.closest('figure');
  const width = img.getBoundingClientRect().width;
  if (width > 0)
    out.figures.push({label: fig ? fig.id : '', width: width, src: img.getAttribute('src'),
                      scrolls: fig ? fig.scrollWidth > fig.clientWidth + 1 : false});
}
// the banner, and the first paragraph of the page's own text
const banner = Array.from(art.querySelectorAll('.admonition')).find(
  (a) => /synthetic data|Computed from snapshot/.test(a.textContent));
if (banner) out.banner = banner.getBoundingClientRect().top + window.scrollY;
const firstP = Array.from(art.querySelectorAll('p')).find(
  (p) => p.textContent.trim() && !p.closest('.admonition, figure, table, .cell_output .admonition, details'));
if (firstP) out.first_p = {top: firstP.getBoundingClientRect().top + window.scrollY, text: firstP.textContent.trim().slice(0, 80)};
// the landing page's findings: every item of its findings sections, whole
for (const sec of art.querySelectorAll('section')) {
  const h = sec.querySelector(':scope > h2');
  if (h && /What this edition (finds|cannot answer)/.test(h.textContent))
    for (const li of sec.querySelectorAll('li')) out.findings.push(li.textContent.replace(/\s+/g, ' ').trim());
}
return out;
"""


def _svg_smallest_text(svg: Path) -> tuple[float, float]:
    """The smallest font size (pt) of a Matplotlib SVG (text drawn as paths: ``scale(s -s)`` with
    ``s`` = size / 100) and the figure's width (pt)."""
    text = svg.read_text(encoding="utf-8", errors="replace")
    width = float(re.search(r'<svg[^>]*\bwidth="([0-9.]+)pt"', text).group(1))
    sizes = [100 * float(s) for s in re.findall(r"scale\(([0-9.]+) -\1\)", text)]
    return (min(sizes) if sizes else float("inf")), width


def _png_smallest_text(png: Path) -> tuple[float, float]:
    """The smallest font size (pt) of a phone's crop (its PNG names it, ``PHONE_TEXT_KEY``) and the
    crop's width (pt, from its pixels and pixels per inch)."""
    from PIL import Image

    from analysis.publication.phonefigure import PHONE_TEXT_KEY

    with Image.open(png) as im:
        smallest = float(im.text[PHONE_TEXT_KEY]) if PHONE_TEXT_KEY in im.text else float("inf")
        return smallest, im.width / im.info["dpi"][0] * 72


def _figure_file(site: Path, label: str, src: str) -> Path:
    """The file that gives the text sizes of an image a page shows: a phone's crop is its own PNG
    (``<label>.phone-<i>.png``), the figure's PNG (copied by Sphinx into ``_images/``) has
    ``<label>.svg`` beside it."""
    name = Path(urllib.parse.urlsplit(src).path).name
    return site / "figures" / (name if ".phone-" in name else f"{label}.svg")


def _smallest_text(path: Path) -> tuple[float, float]:
    """The smallest text (pt) of a figure's SVG or a phone crop's PNG, and its width (pt)."""
    return _png_smallest_text(path) if path.suffix == ".png" else _svg_smallest_text(path)


def test_a_card_leaves_out_a_missing_value(tmp_path):
    """At 414 px a table too wide for the column is shown as cards (reader.js); a missing value
    (an empty cell, blank in the wide table) has no line in its card, header and all."""
    _need_chromium()
    static = Path(__file__).resolve().parent.parent / "book" / "_static"
    site = tmp_path / "site"
    (site / "book").mkdir(parents=True)
    for name in ("book.css", "reader.js"):
        shutil.copy(static / name, site / name)
    heads = "".join(f"<th>column number {i} with a long header</th>" for i in range(8))
    cells = "".join(f"<td><p>{'' if i == 3 else f'value{i}'}</p></td>" for i in range(8))
    (site / "book" / "t.html").write_text(
        '<html><head><link rel="stylesheet" href="../book.css"></head><body><div class="bd-article">'
        f'<table class="table"><thead><tr>{heads}</tr></thead><tbody><tr>{cells}</tr></tbody></table>'
        '</div><script src="../reader.js"></script></body></html>'
    )
    with Server(site) as server, _closing(_driver(tmp_path / "profile")) as drv:
        drv.set_window_size(414, 900)
        drv.get(server.url + "book/t.html")
        time.sleep(0.3)
        got = drv.execute_script(
            "const t = document.querySelector('table');"
            "return {cards: t.classList.contains('hf-cards'),"
            " shown: Array.from(t.querySelectorAll('td')).map((td) => getComputedStyle(td).display !== 'none')};"
        )
    assert got["cards"]
    assert got["shown"] == [i != 3 for i in range(8)]


def test_svg_text_sizes_are_read(tmp_path):
    """The figure check reads Matplotlib's SVG text sizes right: a 7-pt label in a 5-inch figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([1, 2], [1, 2])
    ax.tick_params(labelsize=11)
    ax.set_title("a title", fontsize=14)
    ax.text(1.5, 1.5, "small", fontsize=7)
    fig.savefig(tmp_path / "f.svg")
    plt.close(fig)
    smallest, width = _svg_smallest_text(tmp_path / "f.svg")
    assert smallest == pytest.approx(7.0) and width == pytest.approx(360.0)


_WORD_RE = re.compile(r"[A-Za-z]{2,}")


def _sentence_problems(items: list[str], vocabulary: set[str]) -> list[str]:
    """Findings that end mid-word or mid-parenthesis: each must end with a full stop after a word
    the book uses elsewhere (``…the clai.`` fails), with its parentheses closed."""
    out = []
    for text in items:
        if not re.search(r"[.!?][)\"'’”]*$", text):
            out.append(f"does not end a sentence: {text[-80:]!r}")
            continue
        if text.count("(") != text.count(")"):
            out.append(f"unbalanced parenthesis: {text[-80:]!r}")
        words = _WORD_RE.findall(text)
        if words and words[-1].lower() not in vocabulary:
            out.append(f"ends in a word found nowhere else in the book ({words[-1]!r}): {text[-80:]!r}")
    return out


def test_sentence_check_catches_a_cut_word():
    vocab = {"the", "claim", "sample"}
    assert _sentence_problems(["it cannot confirm the claim."], vocab) == []
    assert _sentence_problems(["it (so) cannot confirm the clai."], vocab)
    assert _sentence_problems(["it (cannot confirm the claim."], vocab)
    assert _sentence_problems(["it cannot confirm the claim"], vocab)


def _vocabulary(pages: list[Path]) -> set[str]:
    words: dict[str, int] = {}
    for p in pages:
        text = re.sub(r"<[^>]+>", " ", p.read_text(encoding="utf-8", errors="replace"))
        for w in _WORD_RE.findall(text):
            words[w.lower()] = words.get(w.lower(), 0) + 1
    return {w for w, n in words.items() if n >= 2}


def test_reader_layout_at_two_widths(site_visits):
    """At 1,400 px and 414 px, on every page of the book (and the editions page where built): no
    table column narrower than its longest word and no table scrolling sideways, no overlapping text,
    no horizontal scrollbar on the page; at 414 px every figure's smallest text at least 9 CSS px;
    the snapshot banner above the first paragraph; the landing page's findings whole sentences."""
    failures: list[str] = []
    for sv in site_visits:
        site, visits = sv.site, sv.visits
        vocabulary = _vocabulary(sorted((site / "book").glob("*.html")))
        for v in visits:
            where = f"{site.name}/{v.rel} at {v.width} px"
            if v.overflow > 1:
                failures.append(f"{where}: a horizontal scrollbar on the page ({v.overflow} px)")
            got = v.layout
            if got is None:  # the editions page: only its scrollbar is checked
                continue
            failures += [f"{where}: {p}" for p in got["problems"][:10]]
            if got["banner"] is None:
                failures.append(f"{where}: no snapshot banner")
            elif got["first_p"] and got["first_p"]["top"] < got["banner"]:
                failures.append(f"{where}: the paragraph {got['first_p']['text']!r} is above the banner")
            if v.width == min(WIDTHS):
                failures += _figure_text_problems(site, where, got["figures"])
            shown = got["rows"].get("tab-core-periphery")
            if shown is not None:  # its rows with missing values once merged into the row above
                rows = len((site / "tables" / "tab-core-periphery.csv").read_text().splitlines()) - 1
                if shown != min(rows, 40):
                    failures.append(f"{where}: tab-core-periphery shows {shown} rows of {rows}")
            if v.rel == "book/index.html":
                if not got["findings"]:
                    failures.append(f"{where}: no findings on the landing page")
                failures += [f"{where}: {p}" for p in _sentence_problems(got["findings"], vocabulary)]
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures[:80])


def _figure_text_problems(site: Path, where: str, figures: list[dict]) -> list[str]:
    """The figures shown at the phone width that scroll sideways, have no file to measure or text
    smaller than :data:`MIN_FIGURE_TEXT_PX` as drawn."""
    failures = []
    for f in figures:
        measured = _figure_file(site, f["label"], f["src"])
        if f["scrolls"]:
            failures.append(f"{where}: figure {f['label']} scrolls sideways")
        if not measured.exists():
            failures.append(f"{where}: figure {f['label']} has no file to measure ({measured.name})")
            continue
        smallest, fig_width = _smallest_text(measured)
        px = smallest * f["width"] / fig_width
        if px < MIN_FIGURE_TEXT_PX:
            failures.append(
                f"{where}: figure {f['label']}'s smallest text is {px:.1f} CSS px "
                f"({smallest:.1f} pt in a {fig_width:.0f}-pt figure drawn {f['width']:.0f} px wide)"
            )
    return failures


@dataclass
class _Visit:
    """One page of the book at one width: what the reader's edition check and the layout check measured."""

    rel: str
    width: int
    overflow: float
    reader: dict | None  # _READER_JS's result (None on the editions page)
    layout: dict | None  # _LAYOUT_JS's result (None on the editions page)


@dataclass
class _SiteVisits:
    """One site in the browser: every page loaded and checked (:func:`_check_page`, its links), and
    the book's pages (and the editions page where built) measured at each width of :data:`WIDTHS`."""

    site: Path
    url: str  # where it was served
    snapshot_id: str
    shots: Path
    pages: list[Path]  # every page of the site
    problems: list[str] = field(default_factory=list)  # every page's: console, images, links
    links: int = 0
    figure_shot: str | None = None
    root_url: str = ""  # where the root index.html led
    visits: list[_Visit] = field(default_factory=list)


def _measure(drv, site: Path, page: Path, width: int, extra: list[Path]) -> _Visit:
    """The page loaded in ``drv`` at ``width``, measured: its overflow, and (the book's pages) both scripts."""
    over = drv.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    mine = page not in extra
    reader = drv.execute_script(_READER_JS) if mine else None
    layout = drv.execute_script(_LAYOUT_JS) if mine else None
    return _Visit(page.relative_to(site).as_posix(), width, over, reader, layout)


def _visit_site(drv, site: Path, server: Server, sv: _SiteVisits) -> None:
    """Every page at the first width (checked, and measured where it is the book's), then the book's
    pages at the other widths (measured); one load of a page serves every test of it."""
    book = sorted((site / "book").glob("*.html"))
    extra = [p for p in (site / "editions" / "index.html",) if p.exists()]
    links_checked: set[str] = set()
    for width in WIDTHS:
        drv.set_window_size(width, 1600)
        for page in sv.pages if width == WIDTHS[0] else book + extra:
            rel = page.relative_to(site).as_posix()
            if width == WIDTHS[0]:
                problems, info = _check_page(drv, site, server.url + rel)
                problems += _link_problems(site, server.url, info["links"], links_checked)
                sv.problems += [f"{site.name}/{rel}: {p}" for p in problems]
            else:
                drv.get(server.url + rel)
                time.sleep(0.3)
            if page in book or page in extra:
                sv.visits.append(_measure(drv, site, page, width, extra))
                if rel in ("book/index.html", "book/part1_activity.html"):
                    drv.save_screenshot(str(sv.shots / f"{Path(rel).stem}-{width}px.png"))
                drv.save_screenshot(str(sv.shots / f"layout-{Path(rel).stem}-{width}px.png"))
            if width == WIDTHS[0]:
                if rel == "book/index.html":
                    drv.save_screenshot(str(sv.shots / "landing.png"))
                if sv.figure_shot is None and info["figures"]:
                    drv.execute_script(
                        "var f = document.querySelector('figure, div.figure');if (f) f.scrollIntoView();"
                    )
                    drv.save_screenshot(str(sv.shots / "figure-page.png"))
                    sv.figure_shot = rel
    sv.links = len(links_checked)
    drv.get(server.url)  # the root index.html redirects to the landing page
    time.sleep(0.5)
    sv.root_url = drv.current_url


@pytest.fixture(scope="module")
def site_visits(tmp_path_factory) -> list[_SiteVisits]:
    """Each site (:func:`_sites`) in one headless Chromium: every page loaded once and checked for the
    every-page test, the book's pages measured at each width for the reader's edition and layout
    tests (the first width's measurements come from the same load); screenshots saved."""
    _need_chromium()
    result = []
    for site in _sites(tmp_path_factory):
        out = site.parent.parent if site.parent.name == "_build" else site
        pages = sorted(p for p in site.rglob("*.html") if "_sources" not in p.parts and "_static" not in p.parts)
        profile = tmp_path_factory.mktemp("chromium-profile")
        with Server(site) as server, _closing(_driver(profile)) as drv:
            sv = _SiteVisits(site, server.url, out.name, _screenshots(out), pages[:MAX_PAGES])
            _visit_site(drv, site, server, sv)
        result.append(sv)
    return result
