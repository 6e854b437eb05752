"""A Content-Security-Policy for every page of the book: a Sphinx extension (``_config.yml`` lists it).

Every value from the Hub is escaped on its way into a page (``pagetext.md_escape``); this policy is
the second wall, so that an escaping slip does not run. When Sphinx has written the site
(``build-finished``), each HTML page gets, early in its ``<head>``, a
``<meta http-equiv="Content-Security-Policy">`` that allows scripts only from the site itself
(``'self'``) and the inline scripts and event handlers of the theme by their SHA-256 hashes (one
policy for the site). Only what the theme writes around a page's content is hashed: nothing inside
a page's ``<article>``, where the notebooks' outputs (and so the data) are. Pages Sphinx makes
itself (search, index) hold no data; all of their inline scripts are the theme's.

No ``unsafe-inline``, no ``eval``; no object, frame or other origin; styles from the site and
inline (the theme and the tables use style attributes; a style cannot run code).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from pathlib import Path
from typing import Any

META_NAME = "Content-Security-Policy"
_SCRIPT_RE = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_HANDLER_RE = re.compile(r"""\son[a-z]+\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_ARTICLE_RE = re.compile(r"<article\b.*</article\s*>", re.S | re.I)
_HEAD_RE = re.compile(r"<head\b[^>]*>", re.I)
_CHARSET_RE = re.compile(r"\s*<meta charset=[^>]*>", re.I)
_META_RE = re.compile(r'\s*<meta http-equiv="Content-Security-Policy"[^>]*>', re.I)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def theme_hashes(page: str, *, data_page: bool = True) -> tuple[set[str], set[str]]:
    """The hashes of a page's theme inline scripts and of its inline event handlers: those outside
    the ``<article>`` of a ``data_page``, all of a page Sphinx makes itself."""
    chrome = page
    if data_page:  # without an article (another theme), only the head is the theme's
        chrome = _ARTICLE_RE.sub("", page) if _ARTICLE_RE.search(page) else page.split("</head>", 1)[0]
    scripts = {
        _sha256(body) for attrs, body in _SCRIPT_RE.findall(chrome) if "src=" not in attrs.lower() and body.strip()
    }
    handlers = {_sha256(html.unescape(a or b)) for a, b in _HANDLER_RE.findall(_SCRIPT_RE.sub("", chrome))}
    return scripts, handlers


def policy(scripts: set[str], handlers: set[str]) -> str:
    """The policy that allows scripts from the site and the given inline ones (by hash)."""
    script_src = ["'self'", *sorted(scripts)] + (["'unsafe-hashes'", *sorted(handlers)] if handlers else [])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src " + " ".join(script_src),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "frame-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


def protect(path: Path, rule: str) -> bool:
    """Put the policy ``rule`` in the page's ``<head>``, after the charset and before any script
    (replacing an earlier policy); False for a page without a head (the site's redirecting root)."""
    page = _META_RE.sub("", path.read_text(encoding="utf-8"))
    head = _HEAD_RE.search(page)
    if not head:
        return False
    # after the charset (which must stay in the first 1,024 bytes), before every script
    at = (_CHARSET_RE.match(page, head.end()) or head).end()
    content = html.escape(rule, quote=False).replace('"', "&quot;")
    meta = f'\n    <meta http-equiv="{META_NAME}" content="{content}" />'
    path.write_text(page[:at] + meta + page[at:], encoding="utf-8")
    return True


def protect_site(out: Path, data_pages: set[str]) -> int:
    """Give every HTML page of the site at ``out`` one policy: the theme's inline scripts and
    handlers of all pages allowed (the search page reads other pages' HTML, and a handler of one
    page met on another must not be reported), none from a data page's ``<article>``. ``data_pages``:
    the pages (``book/part1_activity``) made from the book's sources. Returns the pages protected."""
    pages = [p for p in sorted(out.rglob("*.html")) if "_static" not in p.parts and "_sources" not in p.parts]
    scripts: set[str] = set()
    handlers: set[str] = set()
    for page in pages:
        rel = page.relative_to(out).with_suffix("").as_posix()
        s, h = theme_hashes(_META_RE.sub("", page.read_text(encoding="utf-8")), data_page=rel in data_pages)
        scripts |= s
        handlers |= h
    rule = policy(scripts, handlers)
    return sum(protect(page, rule) for page in pages)


def _finished(app: Any, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        protect_site(Path(app.outdir), set(app.env.found_docs))


def setup(app: Any) -> dict[str, Any]:
    app.connect("build-finished", _finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
