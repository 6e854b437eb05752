"""A Content-Security-Policy for every page of the book: a Sphinx extension (``_config.yml`` lists it).

Every value from the Hub is escaped on its way into a page (``publish.md_escape``); this policy is
the second wall, so that an escaping slip does not run. When Sphinx has written the site
(``build-finished``), each HTML page gets, first in its ``<head>``, a
``<meta http-equiv="Content-Security-Policy">`` that allows scripts only from the site itself
(``'self'``) and the inline scripts and event handlers of the theme by their SHA-256 hashes. Only
what the theme writes around a page's content is hashed: nothing inside the page's ``<article>``,
where the notebooks' outputs (and so the data) are. Pages Sphinx makes itself (search, index) hold
no data; all of their inline scripts are the theme's.

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


def policy(page: str, *, data_page: bool = True) -> str:
    """The policy of one page: its theme's inline scripts and handlers allowed by hash (those outside
    the ``<article>`` of a ``data_page``; all of a page Sphinx makes itself)."""
    chrome = _ARTICLE_RE.sub("", page) if data_page else page
    scripts = sorted(
        {_sha256(body) for attrs, body in _SCRIPT_RE.findall(chrome) if "src=" not in attrs.lower() and body.strip()}
    )
    handlers = sorted({_sha256(html.unescape(a or b)) for a, b in _HANDLER_RE.findall(_SCRIPT_RE.sub("", chrome))})
    script_src = ["'self'", *scripts] + (["'unsafe-hashes'", *handlers] if handlers else [])
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


def protect(path: Path, *, data_page: bool = True) -> bool:
    """Put the page's policy in its ``<head>``, after the charset and before any script (replacing an
    earlier policy); False for a page without a head (the site's redirecting root page)."""
    page = path.read_text(encoding="utf-8")
    page = _META_RE.sub("", page)
    head = _HEAD_RE.search(page)
    if not head:
        return False
    # after the charset (which must stay in the first 1,024 bytes), before every script
    at = (_CHARSET_RE.match(page, head.end()) or head).end()
    content = html.escape(policy(page, data_page=data_page), quote=False).replace('"', "&quot;")
    meta = f'\n    <meta http-equiv="{META_NAME}" content="{content}" />'
    path.write_text(page[:at] + meta + page[at:], encoding="utf-8")
    return True


def _finished(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    docs = set(app.env.found_docs)
    for page in out.rglob("*.html"):
        rel = page.relative_to(out).with_suffix("").as_posix()
        if "_static" in page.parts or "_sources" in page.parts:
            continue
        protect(page, data_page=rel in docs)


def setup(app: Any) -> dict[str, Any]:
    app.connect("build-finished", _finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
