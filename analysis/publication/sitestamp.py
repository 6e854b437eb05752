"""Publishing one edition of the site: the book's pages copied and given their permanent address
(``rel=canonical``, the edition's footer, absolute cite-box, BibTeX and sidecar addresses, BibTeX keys
naming a suffixed edition), its ``LICENSES.txt``, ``CITATION.cff``, ``edition.json`` and bundle.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.publication.siteinputs import (
    CODE_LICENSE,
    EDITION_RECORD,
    LICENSES_FILE,
    TEXT_LICENSE,
    Book,
    SiteError,
    _sidecars,
)

# --------------------------------------------------------------------------- #
# publishing one edition: addresses, licences, citation file
# --------------------------------------------------------------------------- #


def _rel(target: str, page: str) -> str:
    """The relative link from site-relative ``page`` to site-relative ``target``."""
    return Path(os.path.relpath(target, os.path.dirname(page) or ".")).as_posix()


def data_licences(manifest: dict[str, Any]) -> list[str]:
    """The licences and required attributions of an edition's data sources (from its manifest)."""
    res = yaml.safe_load(paths.resource("data_licences.yml").read_text(encoding="utf-8"))
    source = manifest.get("source") or {}
    kind = str(source.get("kind", ""))
    params = source.get("parameters") or {}
    keys: list[str] = []
    if kind == "synthetic":
        keys = ["synthetic"]
    elif kind == "hub":
        keys = ["hub"]
    elif params.get("source") == "hfcommunity":
        keys = ["hfcommunity"]
    else:
        folders = sorted({str(f.get("file", "")).split("/")[0] for f in params.get("files") or []})
        keys = [f"import:{f}" for f in folders if f"import:{f}" in res] or ["import"]
    return [str(res[k]).strip() for k in keys]


def licences_text(book: Book, edition: str, url: str) -> str:
    s = book.snapshot
    lines = [
        f"Licences of edition {edition} of 'Development activity on the Hugging Face Hub: a reproducible study'",
        f"Address: {url}",
        f"Snapshot {s['id']} ({s['date']}, source {s['source_kind']}{', synthetic data' if book.synthetic else ''}).",
        "",
        f"Text, tables and figures of the book: {TEXT_LICENSE[0]} ({TEXT_LICENSE[1]}), unless a data source",
        "below requires another licence for what is derived from it. Cite the edition (CITATION.cff, or the",
        "'Cite this' box of each table and figure) and the original study: Osborne, Ding & Kirk (2024),",
        "doi:10.1007/s42001-024-00300-8.",
        f"Code (the analysis package and the notebooks): {CODE_LICENSE[0]} ({CODE_LICENSE[1]}).",
        "",
        "Data sources of this edition, their licences and required attributions:",
    ]
    for text in data_licences(book.manifest):
        lines += ["", *[f"  {ln}" for ln in text.splitlines()]]
    return "\n".join(lines) + "\n"


def edition_citation(book: Book, url: str, repository: str) -> str:
    """The edition's CITATION.cff: the project's, with the edition's address, version and date."""
    doc = yaml.safe_load((book.html / "CITATION.cff").read_text(encoding="utf-8")) or {}
    doc["url"] = url
    doc["license"] = ["CC-BY-4.0", "MIT"]  # the text, tables and figures; the code
    if repository:
        doc["repository-code"] = repository
    if book.version:
        doc["version"] = book.version
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", book.built or ""):
        doc["date-released"] = book.built
    pref = doc.get("preferred-citation")
    if isinstance(pref, dict):
        pref["url"] = url
        if book.version:
            pref["version"] = book.version
        if book.built[:4].isdigit():
            pref["year"] = int(book.built[:4])
    doc.setdefault("identifiers", [])
    doc["identifiers"] = [i for i in doc["identifiers"] if i.get("description") != "snapshot"] + [
        {"type": "other", "value": f"snapshot {book.snapshot_id}", "description": "snapshot"}
    ]
    head = f"# The citation file of edition {url} (written by python -m analysis site)\n"
    return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


_CANONICAL_RE = re.compile(r'\s*<link rel="canonical"[^>]*>', re.I)
_HEAD_END_RE = re.compile(r"</head\s*>", re.I)
_FOOTER_RE = re.compile(r'(<p class="hfhub-footer">.*?</p>)', re.S)
_BODY_END_RE = re.compile(r"</body\s*>", re.I)
_BIBTEX_BLOCK_RE = re.compile(r'<div class="highlight-bibtex[^"]*">.*?</pre>', re.S)
_BIBTEX_URL_RE = re.compile(r"url</span>.*?\{([^{}<]*)\}", re.S)


_BIBTEX_URL_SUB_RE = re.compile(r"(url</span>.*?\{)([^{}<]*)(\})", re.S)
_BIBTEX_URL_TEXT_RE = re.compile(r"(\burl = \{)([^{}\\\s]*)(\})")


def _absolute(value: str, page: str, url: str) -> str:
    """A BibTeX ``url`` value as the build wrote it (relative to its page, or under html.baseurl) as the
    edition's absolute address."""
    if value.startswith(url):
        return value
    if value.startswith(("http://", "https://")):
        return url + "book/" + value.split("/book/", 1)[1] if "/book/" in value else value
    path, _, frag = value.partition("#")
    rel = os.path.normpath(os.path.join(os.path.dirname(page), path)).replace(os.sep, "/") if path else page
    if rel.startswith(".."):
        return value
    return url + rel + (f"#{frag}" if frag else "")


def absolute_bibtex(text: str, page: str, url: str, in_html: bool = True) -> str:
    """Every BibTeX ``url`` of ``text`` (the highlighted entries of the edition's page ``page``, or the
    text of its notebook) absolute."""
    if not in_html:
        return _BIBTEX_URL_TEXT_RE.sub(lambda m: m.group(1) + _absolute(m.group(2), page, url) + m.group(3), text)

    def block(m: re.Match[str]) -> str:
        return _BIBTEX_URL_SUB_RE.sub(
            lambda u: u.group(1) + html.escape(_absolute(html.unescape(u.group(2)), page, url)) + u.group(3),
            m.group(0),
        )

    return _BIBTEX_BLOCK_RE.sub(block, text)


def edition_keys(text: str, snapshot_id: str, edition: str, in_html: bool = True) -> str:
    """The BibTeX keys of an edition published under a suffix name it (``hf-hub-activity-<edition>-...``),
    so that entries of two editions of one snapshot do not share a key."""
    if edition == snapshot_id:
        return text
    old, new = (f"hf-hub-activity-{x}".replace("_", "-") for x in (snapshot_id, edition))
    if not in_html:
        return re.sub(r"(@misc\{)" + re.escape(old) + r"(?=[-,])", lambda m: m.group(1) + new, text)
    key = re.compile(r'(<span class="nl">)' + re.escape(old) + r"(?=[-<])")
    return _BIBTEX_BLOCK_RE.sub(lambda m: key.sub(lambda k: k.group(1) + new, m.group(0)), text)


def _url_pattern(olds: Iterable[str]) -> re.Pattern[str]:
    """Any of ``olds`` (addresses as the build wrote them) where it stands as text, not in a link."""
    alternatives = "|".join(re.escape(o) for o in sorted(olds, key=len, reverse=True))
    return re.compile(r"(?<![\w/.:\-\"'=#%])(?:" + alternatives + r")(?![\w\-])")


def _footer(edition: str, page: str, book: Book) -> str:
    s = book.snapshot
    esc = html.escape
    edition_root = f"{edition}/"
    return (
        '<p class="hfhub-edition">'
        f"Edition <code>{esc(edition)}</code> (snapshot <code>{esc(s['id'])}</code>, {esc(str(s['date']))}"
        f"{', synthetic data' if book.synthetic else ''}) at its permanent address · "
        f'<a href="{esc(_rel("editions/index.html", page))}">all editions</a> · '
        f'<a href="{esc(_rel("latest/index.html", page))}">latest edition</a> · '
        f'text, tables and figures <a href="{TEXT_LICENSE[1]}">{TEXT_LICENSE[0]}</a>, code {CODE_LICENSE[0]} '
        f'(<a href="{esc(_rel(edition_root + LICENSES_FILE, page))}">licences and data attributions</a>)</p>'
        '<p class="hfhub-rerun">Rerun a page: its launch button (Binder, where the edition names its repository) '
        "opens the page's notebook template at this edition's commit; as it stands it loads the bundled synthetic "
        'snapshot <code>synthetic-demo</code> (<code>snapshot_dir = ""</code>). To rerun it on another date, set '
        "<code>snapshot_dir</code> in its parameters cell to a snapshot folder, e.g. one collected with "
        '<code>make snapshot ARGS="--snapshot-id hub-YYYY-MM-DD"</code>; this edition was computed from '
        f"<code>{esc(str(s['id']))}</code>.</p>"
    )


def stamp(book: Book, edition: str, folder: Path, baseurl: str, repository: str, log: Callable[[str], None]) -> None:
    """Copy ``book``'s site into ``folder`` and give it its address ``baseurl/edition/``."""
    url = f"{baseurl}{edition}/"
    shutil.copytree(book.html, folder)
    # the addresses of the tables and figures, as the build wrote them -> as published
    rewrites: dict[str, str] = {}
    for side in _sidecars(folder):
        rec = json.loads(side.read_text(encoding="utf-8"))
        old = str(rec.get("book", {}).get("url", ""))
        label = str(rec.get("label", ""))
        if not old:
            continue
        page = old.split("#", 1)[0]
        if old.startswith(("http://", "https://")):
            page = page.rsplit("/book/", 1)[-1] if "/book/" in page else ""
        new = f"{url}book/{page or 'index.html'}#{label or old.split('#', 1)[-1]}"
        rewrites[old] = new
        rec["book"]["url"] = new
        rec["book"]["edition"] = edition
        side.write_text(json.dumps(rec, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    pattern = _url_pattern(rewrites) if rewrites else None

    def rewrite(text: str) -> str:
        return pattern.sub(lambda m: rewrites[m.group(0)], text) if pattern else text

    for page in sorted(folder.rglob("*.html")):
        rel = page.relative_to(folder).as_posix()
        text = page.read_text(encoding="utf-8")
        if not _HEAD_END_RE.search(text):
            continue
        text = edition_keys(absolute_bibtex(rewrite(text), rel, url), book.snapshot_id, edition)
        if not (folder / "editions").exists():  # the book's link to its editions page: the site's
            depth = rel.count("/")
            for q in "\"'":
                text = text.replace(
                    f"href={q}" + "../" * depth + "editions/", f"href={q}" + "../" * (depth + 1) + "editions/"
                )
        text = _CANONICAL_RE.sub("", text)
        canonical = f'<link rel="canonical" href="{html.escape(url + rel)}" />\n'
        text = _HEAD_END_RE.sub(lambda m: canonical + m.group(0), text, count=1)
        foot = _footer(edition, f"{edition}/{rel}", book)
        if _FOOTER_RE.search(text):
            # the build's footer is one text for every page, its links written for the pages in book/:
            # on the pages Sphinx makes at the top (search, index) they are made relative to the page
            up = _rel(".", rel).rstrip("/") + "/" if "/" in rel else ""
            text = _FOOTER_RE.sub(
                lambda m: (
                    m.group(1).replace('href="../', f'href="{up}') + foot if "/" not in rel else m.group(1) + foot
                ),
                text,
                count=1,
            )
        else:
            text = _BODY_END_RE.sub(lambda m: foot + m.group(0), text, count=1)
        page.write_text(text, encoding="utf-8")
    for nb in sorted((folder / "_sources").rglob("*.ipynb")) if (folder / "_sources").is_dir() else []:
        page = str(Path(nb.relative_to(folder / "_sources").as_posix()).with_suffix(".html"))
        text = absolute_bibtex(rewrite(nb.read_text(encoding="utf-8")), page, url, False)
        nb.write_text(edition_keys(text, book.snapshot_id, edition, False), encoding="utf-8")
    (folder / LICENSES_FILE).write_text(licences_text(book, edition, url), encoding="utf-8")
    (folder / "CITATION.cff").write_text(edition_citation(book, url, repository), encoding="utf-8")
    record = {
        "edition": edition,
        "url": url,
        "snapshot": book.snapshot,
        "version": book.version,
        "built": book.built,
        "parameters": book.parameters,
        "identity": book.identity,
        "source_digest": book.digest,
        "published": dt.datetime.now(dt.UTC).date().isoformat(),
    }
    (folder / EDITION_RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    _rewrite_bundle(folder, edition)
    bad = bibtex_problems(folder, url)
    if bad:
        raise SiteError(f"edition {edition}: {len(bad)} BibTeX URL(s) not inside {url} after publishing, e.g. {bad[0]}")
    log(f"  {edition}: {len(rewrites)} citable addresses under {url}")


def _rewrite_bundle(folder: Path, edition: str) -> None:
    """The edition's bundle with the published sidecars, the licences, the citation file and the record."""
    from analysis.publication.bundle import BUNDLE_NAME

    src = folder / BUNDLE_NAME
    tmp = folder / (BUNDLE_NAME + ".partial")
    added = {LICENSES_FILE, "CITATION.cff", EDITION_RECORD}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        stamp_time = (1980, 1, 1, 0, 0, 0)
        for info in zin.infolist():
            if info.filename in added:
                continue
            stamp_time = max(stamp_time, info.date_time)
            data = zin.read(info)
            if re.fullmatch(r"(tables|figures)/[^/]+\.json", info.filename) and (folder / info.filename).is_file():
                data = (folder / info.filename).read_bytes()
            zout.writestr(info, data, compress_type=info.compress_type)
        for name in sorted(added):
            zi = zipfile.ZipInfo(name, date_time=stamp_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, (folder / name).read_bytes())
    tmp.replace(src)


def bibtex_problems(folder: Path, url: str) -> list[str]:
    """BibTeX ``url`` fields of the edition's pages that are not absolute addresses inside ``url``."""
    out = []
    for page in sorted(folder.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        for block in _BIBTEX_BLOCK_RE.findall(text):
            for found in _BIBTEX_URL_RE.findall(block):
                value = html.unescape(re.sub(r"<[^>]+>", "", found))
                if not value.startswith(url):
                    out.append(f"{page.relative_to(folder).as_posix()}: {value}")
    return out
