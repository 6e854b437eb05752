"""The inputs of a site of editions (``python -m analysis site``): its base URL, the books (complete
builds), the site already in the output folder, and which edition each book becomes. Every problem
is a :class:`SiteError` of one line, raised before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.parse
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis import paths

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
LICENSES_FILE = "LICENSES.txt"
SUFFIX_LEN = 6
EDITION_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class SiteError(Exception):
    """The site cannot be assembled; the message (one line) is for the user."""


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
