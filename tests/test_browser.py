"""The rendered site, checked in a real browser (Debian chromium, headless, offline).

Serves a built site from 127.0.0.1 and loads every page; fails on any console
error, any image that does not load and any internal link or anchor that does
not resolve; saves screenshots of the landing page and of one figure page into
the build folder (``<build>/screenshots/``).

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


def _sites(tmp_path_factory) -> list[Path]:
    env = os.environ.get("BOOK_SITES")
    if env:
        sites = [Path(p).resolve() for p in env.split(os.pathsep) if p]
        for s in sites:
            assert (s / "index.html").exists(), f"BOOK_SITES: {s} has no index.html (not a built site)"
        return sites
    return [small_book_site(tmp_path_factory)]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


class Server:
    """http.server on 127.0.0.1 (an ephemeral port) in a daemon thread."""

    def __init__(self, root: Path):
        handler = functools.partial(_Quiet, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.timeout = 5
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
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


def test_every_page_renders_offline(tmp_path_factory):
    _need_chromium()
    sites = _sites(tmp_path_factory)
    failures: list[str] = []
    checked_pages = 0
    for site in sites:
        out = site.parent.parent if site.parent.name == "_build" else site
        shots = out / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        pages = sorted(p for p in site.rglob("*.html") if "_sources" not in p.parts and "_static" not in p.parts)[
            :MAX_PAGES
        ]
        assert any(p.name == "index.html" for p in pages), f"{site}: no index.html"
        profile = tmp_path_factory.mktemp("chromium-profile")
        with Server(site) as server, _closing(_driver(profile)) as drv:
            figure_shot = None
            links_checked: set[str] = set()
            for page in pages:
                rel = page.relative_to(site).as_posix()
                url = server.url + rel
                problems, info = _check_page(drv, site, url)
                checked_pages += 1
                for href in info["links"]:
                    if href in links_checked:
                        continue
                    links_checked.add(href)
                    target, frag = _target_file(site, server.url, href)
                    if target is None:
                        continue  # external links are not followed (no network)
                    if not target.exists():
                        problems.append(f"broken link: {href}")
                    elif frag and target.suffix == ".html" and frag not in _anchors(target):
                        problems.append(f"broken anchor: {href}")
                failures += [f"{site.name}/{rel}: {p}" for p in problems]
                if rel == "book/index.html":
                    drv.save_screenshot(str(shots / "landing.png"))
                if figure_shot is None and info["figures"]:
                    drv.execute_script(
                        "var f = document.querySelector('figure, div.figure');if (f) f.scrollIntoView();"
                    )
                    drv.save_screenshot(str(shots / "figure-page.png"))
                    figure_shot = rel
            # the root index.html redirects to the landing page
            drv.get(server.url)
            time.sleep(0.5)
            assert drv.current_url.rstrip("/") != "", "root page did not load"
        assert (shots / "landing.png").exists(), f"{site}: no landing page book/index.html"
        has_figures = any("<figure" in p.read_text(errors="replace") for p in pages)
        assert figure_shot or not has_figures, f"{site}: figures exist but none was seen in the browser"
        print(
            f"{site}: {len(pages)} pages, {len(links_checked)} links; figure page: {figure_shot}; "
            f"screenshots in {shots}"
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
    base = "http://127.0.0.1:1/"
    assert _target_file(site, base, "https://example.org/x")[0] is None
    target, frag = _target_file(site, base, base + "book/a.html#top")
    assert target.exists() and frag in _anchors(target)
    target, frag = _target_file(site, base, base + "book/a.html#nowhere")
    assert frag not in _anchors(target)
    target, _ = _target_file(site, base, base + "book/missing.html")
    assert not target.exists()


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


def test_reader_edition_at_two_widths(tmp_path_factory):
    """At 1,400 px and 414 px: no page wider than the window, no number broken over two lines,
    figures with alt text that says more than their label, every download resolving to a file whose
    provenance names the page's snapshot, and cite boxes with an author and a URL."""
    _need_chromium()
    failures: list[str] = []
    for site in _sites(tmp_path_factory):
        out = site.parent.parent if site.parent.name == "_build" else site
        snapshot_id = out.name
        shots = out / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        pages = sorted(p for p in (site / "book").glob("*.html"))
        assert pages, f"{site}: no pages under book/"
        profile = tmp_path_factory.mktemp("chromium-reader")
        with Server(site) as server, _closing(_driver(profile)) as drv:
            for width in WIDTHS:
                drv.set_window_size(width, 1600)
                for page in pages:
                    rel = page.relative_to(site).as_posix()
                    drv.get(server.url + rel)
                    time.sleep(0.2)
                    got = drv.execute_script(_READER_JS)
                    where = f"{site.name}/{rel} at {width} px"
                    if got["overflow"] > 1:
                        failures.append(f"{where}: page is {got['overflow']} px wider than the window")
                    failures += [f"{where}: number broken over lines: {t}" for t in got["wrapped"][:5]]
                    for a in got["alts"]:
                        if len(a["alt"]) <= len(a["label"]) or a["alt"] == a["label"]:
                            failures.append(f"{where}: figure {a['label']} has alt text {a['alt']!r}")
                    if width == WIDTHS[0]:
                        for href in got["downloads"]:
                            prov = _provenance_of(site, server.url, href)
                            if "_sources" in href:
                                continue  # the executed notebook: it is the page itself
                            if prov is None:
                                failures.append(f"{where}: download {href} has no provenance file")
                            elif prov["snapshot"]["id"] != snapshot_id:
                                failures.append(f"{where}: {href} names snapshot {prov['snapshot']['id']}")
                        for c in got["cites"]:
                            if "hf-hub-activity project" not in c or not re.search(r"\.html#(tab|fig)-", c):
                                failures.append(f"{where}: a cite box lacks an author or a URL: {c[:200]!r}")
                    if rel in ("book/index.html", "book/part1_activity.html"):
                        drv.save_screenshot(str(shots / f"{Path(rel).stem}-{width}px.png"))
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures[:60])
