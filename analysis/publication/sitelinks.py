"""The link check of an assembled site: every internal link (relative, or absolute under the base
URL) names a file of the site and, for a page, an anchor it has; a link that leaves the site's
folder (``../`` above its root) is a problem too.
"""

from __future__ import annotations

import html
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path

# --------------------------------------------------------------------------- #
# the link check
# --------------------------------------------------------------------------- #

_LINK_RE = re.compile(
    r"""<(?:a|link|img|script|source|iframe)\b[^>]*?\b(?:href|src)\s*=\s*(["'])(.*?)\1""", re.I | re.S
)
_ID_RE = re.compile(r"""\b(?:id|name)\s*=\s*["']([^"']+)["']""")


def check_links(resolve: Callable[[str], Path | None], pages: Iterable[str], baseurl: str) -> list[str]:
    """Every internal link (relative, or absolute under ``baseurl``) of ``pages`` (site-relative HTML
    files) that names no file of the site, or an anchor its page does not have."""
    ids: dict[str, frozenset[str]] = {}

    def anchors(rel: str) -> frozenset[str]:
        if rel not in ids:
            p = resolve(rel)
            text = p.read_text(encoding="utf-8", errors="replace") if p else ""
            ids[rel] = frozenset(_ID_RE.findall(text))
        return ids[rel]

    base = urllib.parse.urlsplit(baseurl)
    problems = []
    for page in pages:
        p = resolve(page)
        if p is None:
            problems.append(f"{page}: missing")
            continue
        text = p.read_text(encoding="utf-8", errors="replace")
        for _, raw in _LINK_RE.findall(text):
            href = html.unescape(raw.strip())
            if not href or href.startswith(("mailto:", "javascript:", "data:", "tel:")):
                continue
            parts = urllib.parse.urlsplit(href)
            if parts.scheme or parts.netloc:
                if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(base.path):
                    continue  # another site
                target = parts.path[len(base.path) :]
            elif not parts.path:
                target = page
            else:
                target = os.path.normpath(os.path.join(os.path.dirname(page), urllib.parse.unquote(parts.path)))
                if target.startswith(".."):
                    problems.append(f"{page}: {href} leaves the site")
                    continue
            target = urllib.parse.unquote(target).replace(os.sep, "/")
            if target in ("", "."):
                target = "index.html"
            if resolve(target) is None or resolve(target).is_dir():
                if resolve(target.rstrip("/") + "/index.html") is None:
                    problems.append(f"{page}: {href} (no such file)")
                    continue
                target = target.rstrip("/") + "/index.html"
            frag = urllib.parse.unquote(parts.fragment)
            if frag and target.endswith(".html") and frag not in anchors(target):
                problems.append(f"{page}: {href} (no anchor #{frag})")
    return problems
