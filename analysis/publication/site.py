"""``python -m analysis site BOOK... --out DIR --baseurl URL``: a site of editions at permanent addresses.

An *edition* is one complete build of the book (``_build/<snapshot_id>/``), published under its
own folder of the site, ``DIR/<edition_id>/``, and never changed after that. The edition id is
the snapshot id; a build of a snapshot that is already published with other parameters or other
code gets a short suffix (``<snapshot_id>-<6 hex digits of its identity>``); a build of the same
snapshot, parameters and code as a published edition *is* that edition and is not published
again. ``--replace`` publishes a build in place of the edition of its identity (or of its
snapshot id): the only way an edition changes.

Publishing an edition copies its site and gives it its address, ``BASEURL/<edition_id>/``:

- every page gets ``<link rel="canonical">`` to its own address, and a footer line naming the
  edition, linking the editions index, the latest edition and the edition's licences;
- every *cite this* box, BibTeX entry and sidecar JSON (``tables/``, ``figures/``, and those in
  ``edition-bundle.zip``) gives the absolute address of its table or figure in the edition
  (relative when built: the build does not know where it will be published);
- the edition's ``CITATION.cff`` gets ``url`` (the edition), ``repository-code``, ``version`` and
  ``date-released`` (the build's); ``LICENSES.txt`` states the licences of the text (CC BY 4.0),
  of the code (MIT) and of the data sources, with their required attributions (also in the bundle).

The site root holds ``index.html`` (a redirect to the latest edition's landing page, with
``rel=canonical`` to it), ``latest/`` (one redirect per page of the latest edition, each with
``rel=canonical`` to the edition's page), ``editions/`` (every edition, and every finding across
them with its trend), ``site.json`` (the base URL and the editions) and ``.nojekyll``.

Before anything is written every book and the output folder are checked; a problem is one line
and changes nothing already published: a base URL that is not absolute http(s); a book folder that
is not a complete build; two books of the same snapshot with different content; an output folder
that holds files this command did not write; a non-synthetic edition whose CITATION.cff still
names the placeholder author. New editions are assembled in ``DIR/.assembling/``, every internal
link of the assembled site (new and published editions, root) is checked there, and only then
are they moved into place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import shutil
import sys
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.cli import OneLineParser

#: The site's own record at its root: base URL and editions, newest last.
SITE_RECORD = "site.json"
#: Each edition's record, at the top of its folder.
EDITION_RECORD = "edition.json"
#: What the site writes at its root besides the editions.
ROOT_ENTRIES = (SITE_RECORD, "index.html", ".nojekyll", "editions", "latest")
#: What may sit at the root besides: a git checkout of the site (the workflows keep it in a branch).
KEPT_ENTRIES = (".git",)
#: Where an assembly is prepared inside the output folder (removed when done).
STAGING = ".assembling"
#: The author name CITATION.cff holds until the publisher fills in the real authors.
PLACEHOLDER_AUTHOR = "The hf-hub-activity project"
#: The licence of the book's text, tables and figures; the code's is in LICENSE (MIT).
TEXT_LICENSE = ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/")
CODE_LICENSE = ("MIT", "LICENSE in the repository")
#: Set by the workflows: the repository's address (launch buttons, code links, CITATION.cff).
REPOSITORY_ENV = "HFHUB_REPOSITORY_URL"
LICENSES_FILE = "LICENSES.txt"
SUFFIX_LEN = 6
EDITION_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class SiteError(Exception):
    """The site cannot be assembled; the message (one line) is for the user."""


# --------------------------------------------------------------------------- #
# launch buttons (build time)
# --------------------------------------------------------------------------- #

_GITHUB_RE = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/?$")


def launch_settings(config: dict[str, Any], repository: str, commit: str | None) -> dict[str, Any]:
    """``_config.yml`` as the build uses it: the launch buttons (Binder) open the page's notebook
    template in ``repository`` at the build's ``commit``; without a GitHub repository (a local build)
    no launch button (Jupyter Book cannot make one without the repository's address)."""
    config = dict(config)
    buttons = dict(config.get("launch_buttons") or {})
    repo = dict(config.get("repository") or {})
    if repository and _GITHUB_RE.match(repository):
        repo["url"] = repository.rstrip("/")
        repo["branch"] = commit or repo.get("branch") or "main"
    else:
        buttons.update({"binderhub_url": "", "colab_url": "", "jupyterhub_url": ""})
        repo.pop("url", None)
    config["launch_buttons"] = buttons
    config["repository"] = repo
    return config


# --------------------------------------------------------------------------- #
# inputs: base URL, books, the site already there
# --------------------------------------------------------------------------- #


def normalise_baseurl(url: str) -> str:
    """``url`` as the site's base: absolute http(s), with a host, ending in ``/``; else SiteError."""
    text = (url or "").strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SiteError(
            f"--baseurl {url!r} is not an absolute http(s) address without query or fragment "
            "(e.g. https://OWNER.github.io/REPO/)"
        )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/", "", ""))


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tree_digest(folder: Path) -> str:
    """One checksum of every file under ``folder`` (names and contents)."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + _sha256_file(p).encode() + b"\n")
    return h.hexdigest()


def _cff_authors(cff: Path) -> list[str]:
    try:
        doc = yaml.safe_load(cff.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    out = []
    for a in doc.get("authors") or []:
        if isinstance(a, dict):
            name = a.get("name") or " ".join(str(a[k]) for k in ("given-names", "family-names") if a.get(k))
            if name:
                out.append(str(name))
    return out


@dataclass
class Book:
    """A complete build, ready to be published."""

    build_dir: Path
    html: Path
    snapshot: dict[str, Any]
    parameters: dict[str, Any]
    version: str
    built: str
    identity: str
    digest: str
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def snapshot_id(self) -> str:
        return str(self.snapshot["id"])

    @property
    def synthetic(self) -> bool:
        return bool(self.snapshot.get("synthetic"))


def _sidecars(html_dir: Path) -> list[Path]:
    return sorted(p for sub in ("tables", "figures") for p in (html_dir / sub).glob("*.json"))


def read_book(path: str | os.PathLike) -> Book:
    """A complete build folder (``_build/<snapshot_id>``, or its ``_build/html``), else SiteError."""
    from analysis.publication import editions

    d = Path(path)
    if d.name == "html" and d.parent.name == "_build":
        d = d.parent.parent
    elif (d / "manifest.json").is_file() and not (d / "findings.json").exists():
        try:  # a snapshot folder: its book's build folder
            d = paths.build_dir(str(json.loads((d / "manifest.json").read_text(encoding="utf-8"))["snapshot_id"]))
        except (OSError, ValueError, KeyError, TypeError):
            raise SiteError(f"{path}: neither a book folder nor a readable snapshot") from None
    if not d.is_dir():
        raise SiteError(f"{path}: no such book folder (build one with: python -m analysis build SNAPSHOT_DIR)")
    try:
        ed = editions.read_edition(d)
    except editions.EditionsError as exc:
        raise SiteError(str(exc)) from None
    site = d / "_build" / "html"
    need = ["index.html", "book/index.html", "CITATION.cff", "edition-bundle.zip"]
    missing = [n for n in need if not (site / n).is_file()] + [n for n in ["parameters.json"] if not (d / n).is_file()]
    if missing:
        raise SiteError(f"{d}: not a complete build of the book (missing {', '.join(missing)}); build it again")
    try:
        with zipfile.ZipFile(site / "edition-bundle.zip") as z:
            manifest_bytes = z.read("manifest.json")
        manifest = json.loads(manifest_bytes)
        parameters = json.loads((d / "parameters.json").read_text(encoding="utf-8"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise SiteError(f"{d}: its bundle has no readable snapshot manifest ({exc}); build it again") from None
    version, built = "", ""
    for side in _sidecars(site):
        rec = json.loads(side.read_text(encoding="utf-8"))
        version, built = str(rec.get("book", {}).get("version", "")), str(rec.get("built", ""))
        break
    snapshot = {
        "id": ed.snapshot_id,
        "date": ed.snapshot_date,
        "source_kind": ed.source_kind,
        "synthetic": ed.synthetic,
    }
    ident = hashlib.sha256(
        json.dumps(
            {"manifest": hashlib.sha256(manifest_bytes).hexdigest(), "parameters": parameters, "version": version},
            sort_keys=True,
        ).encode()
    ).hexdigest()
    if not ed.synthetic:
        authors = _cff_authors(site / "CITATION.cff")
        if not authors or PLACEHOLDER_AUTHOR in authors:
            raise SiteError(
                f"{d}: its CITATION.cff names the placeholder author {PLACEHOLDER_AUTHOR!r}; a non-synthetic edition "
                "is published with the real authors: fill them in (CITATION.cff, authors:) and build it again"
            )
    return Book(d, site, snapshot, parameters, version, built or _finished(d), ident, tree_digest(site), manifest)


def _finished(build_dir: Path) -> str:
    """The build's finishing date from its completion marker (when no sidecar says it)."""
    from analysis.publication import buildfolder

    return str((buildfolder.read_marker(build_dir) or {}).get("finished", ""))[:10]


@dataclass
class Site:
    """The output folder: what is already published there."""

    root: Path
    baseurl: str | None
    editions: list[dict[str, Any]]


def read_site(out: Path) -> Site:
    """The site already in ``out`` (empty or missing: none); a folder with other files is refused."""
    if not out.exists():
        return Site(out, None, [])
    if not out.is_dir():
        raise SiteError(f"--out {out}: not a folder")
    entries = sorted(p.name for p in out.iterdir() if p.name != STAGING)
    if not entries:
        return Site(out, None, [])
    rec_path = out / SITE_RECORD
    if not rec_path.is_file():
        raise SiteError(
            f"--out {out}: holds files this command did not write ({', '.join(entries[:3])}"
            f"{', ...' if len(entries) > 3 else ''}); choose an empty or new folder, or a site it assembled"
        )
    try:
        doc = json.loads(rec_path.read_text(encoding="utf-8"))
        eds = list(doc["editions"])
        base = str(doc["baseurl"])
        ids = [str(e["edition"]) for e in eds]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SiteError(f"{rec_path}: not a site record of this command ({exc})") from None
    foreign = [n for n in entries if n not in ROOT_ENTRIES and n not in ids and n not in KEPT_ENTRIES]
    if foreign:
        raise SiteError(
            f"--out {out}: holds files this command did not write ({', '.join(foreign[:3])}); "
            "remove them or choose another folder"
        )
    missing = [i for i in ids if not (out / i / EDITION_RECORD).is_file()]
    if missing:
        raise SiteError(f"--out {out}: edition(s) {', '.join(missing)} of its site.json are missing or incomplete")
    return Site(out, base, eds)


# --------------------------------------------------------------------------- #
# which edition each book becomes
# --------------------------------------------------------------------------- #


@dataclass
class Plan:
    book: Book
    edition: str
    action: str  # "publish", "replace" or "keep" (already published)


def plan(books: Sequence[Book], site: Site, replace: bool = False) -> list[Plan]:
    """The edition id of each book, and whether it is published, replaces an edition or is kept."""
    seen: dict[str, Book] = {}
    unique: list[Book] = []
    for b in books:
        other = seen.get(b.snapshot_id)
        if other is not None:
            if other.digest != b.digest:
                raise SiteError(
                    f"two books of snapshot {b.snapshot_id!r} with different content ({other.build_dir} and "
                    f"{b.build_dir}): publish them one at a time"
                )
            continue
        seen[b.snapshot_id] = b
        unique.append(b)
    taken = {e["edition"]: e for e in site.editions}
    out = []
    for b in unique:
        same = next((e for e in site.editions if e.get("identity") == b.identity), None)
        if same is not None:
            if replace and same.get("source_digest") != b.digest:
                out.append(Plan(b, same["edition"], "replace"))
            else:
                out.append(Plan(b, same["edition"], "keep"))
            continue
        plain = b.snapshot_id
        if plain not in taken:
            out.append(Plan(b, plain, "publish"))
        elif replace:
            out.append(Plan(b, plain, "replace"))
        else:
            n = SUFFIX_LEN
            while f"{plain}-{b.identity[:n]}" in taken:  # another identity with the same short suffix
                n += 2
            out.append(Plan(b, f"{plain}-{b.identity[:n]}", "publish"))
        taken[out[-1].edition] = {}
    for p in out:
        if not EDITION_ID_RE.match(p.edition) or p.edition in ROOT_ENTRIES:
            raise SiteError(f"snapshot id {p.book.snapshot_id!r} cannot name an edition folder")
    return out


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


# --------------------------------------------------------------------------- #
# the root: redirect, latest/, editions/
# --------------------------------------------------------------------------- #

_PAGE_CSS = (
    "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;"
    "padding:0 1rem;color:#222;line-height:1.45}table{border-collapse:collapse;font-size:.85rem;display:block;"
    "overflow-x:auto;max-width:100%}th,td{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}"
    "th{background:#f3f3f3;text-align:left}.warn{background:#fff4e5;border-left:4px solid #f0a020;padding:.5rem 1rem}"
    "img{max-width:100%;height:auto}"
)


def _redirect_page(target_rel: str, canonical: str, title: str, extra: str = "") -> str:
    t, c = html.escape(target_rel), html.escape(canonical)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={t}"><link rel="canonical" href="{c}">'
        f"<title>{html.escape(title)}</title><style>{_PAGE_CSS}</style></head>\n<body>\n"
        f'<p>{html.escape(title)}: <a href="{t}">{c}</a></p>\n{extra}</body></html>\n'
    )


def _edition_row(rec: dict[str, Any], page: str) -> str:
    s = rec["snapshot"]
    esc = html.escape
    synth = " — <strong>synthetic data</strong>" if s.get("synthetic") else ""
    link = _rel(f"{rec['edition']}/book/index.html", page)
    return (
        f'<li><a href="{esc(link)}"><code>{esc(rec["edition"])}</code></a>: snapshot <code>{esc(str(s["id"]))}</code>, '
        f"{esc(str(s['date']))}, source {esc(str(s['source_kind']))}{synth}; book version {esc(rec.get('version', ''))},"
        f" built {esc(rec.get('built', ''))}, published {esc(rec.get('published', ''))} at "
        f"<code>{esc(rec['url'])}</code></li>"
    )


def write_root(stage: Path, site_root: Path, baseurl: str, records: list[dict[str, Any]], new: dict[str, Path]) -> None:
    """``index.html``, ``latest/``, ``editions/``, ``site.json`` and ``.nojekyll`` into ``stage``; ``new``:
    the folders of the editions being published (the others are in ``site_root``)."""
    latest = _latest(records)
    where = {r["edition"]: new.get(r["edition"], site_root / r["edition"]) for r in records}
    lat = latest["edition"]
    editions_list = "\n".join(_edition_row(r, "index.html") for r in reversed(records))
    (stage / "index.html").write_text(
        _redirect_page(
            f"{lat}/book/index.html",
            f"{baseurl}{lat}/book/index.html",
            f"The latest edition, {lat}",
            f'<p><a href="editions/index.html">All editions</a>:</p>\n<ul>\n{editions_list}\n</ul>\n',
        ),
        encoding="utf-8",
    )
    (stage / ".nojekyll").write_text("", encoding="utf-8")
    lat_dir = stage / "latest"
    for page in sorted(where[lat].rglob("*.html")):
        rel = page.relative_to(where[lat]).as_posix()
        target = lat_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            _redirect_page(_rel(f"{lat}/{rel}", f"latest/{rel}"), f"{baseurl}{lat}/{rel}", f"Edition {lat}: {rel}"),
            encoding="utf-8",
        )
    write_editions_page(stage / "editions", records, where)
    doc = {"schema_version": 1, "baseurl": baseurl, "latest": lat, "editions": records}
    (stage / SITE_RECORD).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _latest(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The latest edition: the newest snapshot of real data, else the newest of all (last published wins)."""
    real = [r for r in records if not r["snapshot"].get("synthetic")]
    pool = real or records
    return max(enumerate(pool), key=lambda ir: (str(ir[1]["snapshot"]["date"]), ir[0]))[1]


def write_editions_page(out: Path, records: list[dict[str, Any]], where: dict[str, Path]) -> None:
    """``editions/index.html``: every edition, and every finding across them with its trend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "hf-hub-activity-editions"  # the same SVG for the same editions

    from analysis.publication import editions as ed_mod

    out.mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    eds = []
    for r in records:
        doc = json.loads((where[r["edition"]] / "findings.json").read_text(encoding="utf-8"))
        s = r["snapshot"]
        eds.append(
            ed_mod.Edition(
                where[r["edition"]],
                r["edition"],
                str(s["date"]),
                str(s["source_kind"]),
                bool(s["synthetic"]),
                list(doc.get("findings", [])),
            )
        )
    eds.sort(key=lambda e: (e.snapshot_date, e.snapshot_id))
    long = ed_mod.long_table(eds).rename(columns={"snapshot_id": "edition"})
    from analysis.publication.publish import write_csv

    write_csv(long, out / "tables" / "tab-editions.csv")  # formula cells as text, as every CSV of the book
    long = long.rename(columns={"edition": "snapshot_id"})
    wide = ed_mod.wide_table(long, eds)
    fig = ed_mod.trends_figure(long, ed_mod.trend_keys(long))
    fig.savefig(out / "figures" / "fig-editions-trends.png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(
        out / "figures" / "fig-editions-trends.svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
    )
    plt.close(fig)
    items = "\n".join(_edition_row(r, "editions/index.html") for r in reversed(records))
    warn = ""
    if any(r["snapshot"].get("synthetic") for r in records):
        warn = (
            '<p class="warn">Editions marked <strong>synthetic data</strong> (hollow points in the figure) illustrate '
            "the method; their numbers are not facts about the Hub.</p>"
        )
    table = wide.to_html(index=False, escape=True, border=0, table_id="tab-editions")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Editions — Development activity on the Hugging Face Hub</title><style>{_PAGE_CSS}</style></head>
<body>
<h1>Editions of the book</h1>
<p>Each edition is the book computed from one snapshot of the Hub, at a permanent address that never changes once
published: a citation of a table or figure keeps pointing at the numbers that were cited. A snapshot published
again with other parameters or code is a new edition (its id has a suffix). Text, tables and figures are
<a href="{TEXT_LICENSE[1]}">{TEXT_LICENSE[0]}</a>; the code is {CODE_LICENSE[0]}; each edition's
{LICENSES_FILE} gives the licences and attributions of its data sources.</p>
{warn}
<h2>The editions (newest first)</h2>
<ul>
{items}
</ul>
<h2>Every finding across the editions</h2>
{table}
<p><a href="tables/tab-editions.csv">Data (CSV, one row per finding and edition)</a></p>
<h2 id="fig-editions-trends">Trends</h2>
<figure><img src="figures/fig-editions-trends.png" alt="Numeric findings shared by two or more editions, by snapshot
date; hollow points are synthetic editions."><figcaption>Numeric findings shared by two or more editions, by
snapshot date (hollow: synthetic). <a href="figures/fig-editions-trends.svg">SVG</a></figcaption></figure>
</body></html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")


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


# --------------------------------------------------------------------------- #
# the assembly
# --------------------------------------------------------------------------- #


@dataclass
class SiteResult:
    out: Path
    editions: list[Plan]
    links_checked: int = 0


def repository_url() -> str:
    """The repository's address: ``HFHUB_REPOSITORY_URL`` (the workflows set it), else CITATION.cff's."""
    from analysis.publication.publish import citation_metadata

    return os.environ.get(REPOSITORY_ENV, "").strip() or citation_metadata()["repository"]


def assemble(
    book_dirs: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    baseurl: str,
    *,
    replace: bool = False,
    repository: str | None = None,
    log: Callable[[str], None] = print,
) -> SiteResult:
    """Publish the books as editions of the site in ``out`` (see the module's docstring)."""
    base = normalise_baseurl(baseurl)
    if not book_dirs:
        raise SiteError("no book to publish: name one or more build folders (_build/<snapshot_id>)")
    out = Path(out).resolve()
    books = [read_book(d) for d in book_dirs]
    for b in books:
        if out == b.build_dir.resolve() or b.build_dir.resolve() in out.parents or out in b.build_dir.resolve().parents:
            raise SiteError(f"--out {out} is, is inside or holds the book folder {b.build_dir}; choose another folder")
    site = read_site(out)
    if site.baseurl is not None and site.baseurl != base:
        raise SiteError(
            f"--out {out} was assembled for {site.baseurl}, not {base}: its editions' addresses cannot change; "
            "assemble a site for another address in another folder"
        )
    plans = plan(books, site, replace)
    repo = repository if repository is not None else repository_url()
    stage = out / STAGING
    if stage.exists():
        shutil.rmtree(stage)  # an assembly interrupted earlier: only ever written by this command
    stage.mkdir(parents=True)
    try:
        records = [dict(r) for r in site.editions]
        new: set[str] = set()
        for p in plans:
            if p.action == "keep":
                log(
                    f"{p.book.build_dir}: already published as edition {p.edition} (same snapshot, parameters and code)"
                )
                continue
            stamp(p.book, p.edition, stage / p.edition, base, repo, log)
            rec = json.loads((stage / p.edition / EDITION_RECORD).read_text(encoding="utf-8"))
            records = [r for r in records if r["edition"] != p.edition] + [rec]
            new.add(p.edition)
        root_stage = stage / ".root"
        root_stage.mkdir()
        write_root(root_stage, out, base, records, {e: stage / e for e in new})

        def resolve(rel: str) -> Path | None:
            top = rel.split("/", 1)[0]
            if top in new:
                p = stage / rel
            elif top in ROOT_ENTRIES:
                p = root_stage / rel
            else:
                p = out / rel
            return p if p.exists() else None

        pages = []
        for name in sorted({r["edition"] for r in records}) + ["editions", "latest"]:
            folder = resolve(name)
            if folder is not None:
                pages += [
                    f"{name}/{rel}"
                    for rel in (q.relative_to(folder).as_posix() for q in sorted(folder.rglob("*.html")))
                    if not rel.startswith("_static/")  # the theme's templates, not pages
                ]
        pages.append("index.html")
        problems = check_links(resolve, pages, base)
        if problems:
            raise SiteError(
                f"{len(problems)} internal link(s) of the assembled site do not resolve, e.g. {problems[0]}; "
                "nothing was published"
            )
        # every check passed: move the new editions in, then the root
        for p in plans:
            if p.edition not in new:
                continue
            target = out / p.edition
            if target.exists():  # --replace
                old = stage / f".replaced-{p.edition}"
                os.replace(target, old)
            os.replace(stage / p.edition, target)
        for name in [n for n in ROOT_ENTRIES if n != SITE_RECORD] + [SITE_RECORD]:  # the record last
            src, dst = root_stage / name, out / name
            if dst.is_dir():
                os.replace(dst, stage / f".old-{name}")
            os.replace(src, dst)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    for p in plans:
        if p.action != "keep":
            log(
                f"{p.book.build_dir}: {'replaced' if p.action == 'replace' else 'published'} edition {p.edition} at {base}{p.edition}/"
            )
    log(f"site of {len(records)} edition(s) in {out}: {len(pages)} pages, every internal link resolves")
    return SiteResult(out, plans, len(pages))


def make_server(out: str | os.PathLike, baseurl: str, port: int | None = None):
    """An HTTP server of the site in ``out`` on 127.0.0.1 under the path of ``baseurl`` (as GitHub Pages
    serves a project site under ``/REPO/``); ``port`` None: the base URL's (0: any free port)."""
    import functools
    import http.server

    base = urllib.parse.urlsplit(normalise_baseurl(baseurl))
    root = Path(out).resolve()
    if not (root / SITE_RECORD).is_file():
        raise SiteError(f"--out {out}: no site assembled there (make site first)")
    prefix = base.path

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            clean = urllib.parse.urlsplit(path).path
            if not clean.startswith(prefix):
                return str(root / ".no-such-file")
            return super().translate_path("/" + path[len(prefix) :])

        def log_message(self, *args: Any) -> None:  # one line per request is noise here
            pass

    port = port if port is not None else (base.port or 8000)
    handler = functools.partial(Handler, directory=str(root))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve(out: str | os.PathLike, baseurl: str, port: int | None = None) -> None:
    """Serve the site in ``out`` on 127.0.0.1 under the path of ``baseurl`` until interrupted."""
    with make_server(out, baseurl, port) as httpd:
        prefix = urllib.parse.urlsplit(normalise_baseurl(baseurl)).path
        print(f"serving {out} at http://127.0.0.1:{httpd.server_address[1]}{prefix} (Ctrl-C stops)", flush=True)
        httpd.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m analysis site",
        description="Publish built books as editions of a site, each at its permanent address BASEURL/<edition>/.",
    )
    parser.add_argument("books", nargs="*", metavar="BOOK", help="build folders _build/<snapshot_id> (complete builds)")
    parser.add_argument("--out", required=True, help="the site's folder (new, empty, or a site this command assembled)")
    parser.add_argument(
        "--baseurl", required=True, help="the site's published address, e.g. https://OWNER.github.io/REPO/"
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="publish a book in place of the edition of its snapshot (never by default)",
    )
    parser.add_argument(
        "--repository",
        default=None,
        help=f"the repository's address for CITATION.cff (default: ${REPOSITORY_ENV}, else CITATION.cff's)",
    )
    parser.add_argument(
        "--serve", action="store_true", help="serve the site in --out on 127.0.0.1 under the base URL's path (no BOOK)"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.serve:
            if args.books:
                raise SiteError("--serve serves the site in --out; it takes no BOOK")
            serve(args.out, args.baseurl)
            return 0
        assemble(args.books, args.out, args.baseurl, replace=args.replace, repository=args.repository)
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; nothing published was changed", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
