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

import json
import os
import re
import shutil
import sys
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.cli import OneLineParser, run_command
from analysis.publication.siteinputs import (  # noqa: F401  (public names of this module)
    CODE_LICENSE,
    EDITION_ID_RE,
    EDITION_RECORD,
    KEPT_ENTRIES,
    LICENSES_FILE,
    PLACEHOLDER_AUTHOR,
    ROOT_ENTRIES,
    SITE_RECORD,
    STAGING,
    SUFFIX_LEN,
    TEXT_LICENSE,
    Book,
    Plan,
    Site,
    SiteError,
    normalise_baseurl,
    plan,
    read_book,
    read_site,
    tree_digest,
)
from analysis.publication.sitelinks import check_links
from analysis.publication.siteroot import write_editions_page, write_root  # noqa: F401  (public names)
from analysis.publication.sitestamp import (  # noqa: F401  (public names of this module)
    absolute_bibtex,
    bibtex_problems,
    data_licences,
    edition_citation,
    edition_keys,
    licences_text,
    stamp,
)

#: Set by the workflows: the repository's address (launch buttons, code links, CITATION.cff).
REPOSITORY_ENV = "HFHUB_REPOSITORY_URL"


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


def _check_output(books: Sequence[Book], out: Path, base: str) -> Site:
    """The site already in ``out``, after checking that no book folder is, holds or is inside ``out``
    and that the site was assembled for ``base``."""
    for b in books:
        folder = b.build_dir.resolve()
        if out == folder or folder in out.parents or out in folder.parents:
            raise SiteError(f"--out {out} is, is inside or holds the book folder {b.build_dir}; choose another folder")
    site = read_site(out)
    if site.baseurl is not None and site.baseurl != base:
        raise SiteError(
            f"--out {out} was assembled for {site.baseurl}, not {base}: its editions' addresses cannot change; "
            "assemble a site for another address in another folder"
        )
    return site


def _stage_editions(
    plans: Sequence[Plan],
    records: list[dict[str, Any]],
    stage: Path,
    base: str,
    repo: str,
    log: Callable[[str], None],
) -> tuple[list[dict[str, Any]], set[str]]:
    """Each new or replacing edition stamped into ``stage``: the site's records with theirs, and their ids."""
    records = [dict(r) for r in records]
    new: set[str] = set()
    for p in plans:
        if p.action == "keep":
            log(f"{p.book.build_dir}: already published as edition {p.edition} (same snapshot, parameters and code)")
            continue
        stamp(p.book, p.edition, stage / p.edition, base, repo, log)
        rec = json.loads((stage / p.edition / EDITION_RECORD).read_text(encoding="utf-8"))
        records = [r for r in records if r["edition"] != p.edition] + [rec]
        new.add(p.edition)
    return records, new


def _resolver(out: Path, stage: Path, root_stage: Path, new: set[str]) -> Callable[[str], Path | None]:
    """A site-relative path of the assembled site as the file it will be: a new edition's in ``stage``,
    the root's in ``root_stage``, a published edition's in ``out`` (None: no such file)."""

    def resolve(rel: str) -> Path | None:
        top = rel.split("/", 1)[0]
        folder = stage if top in new else root_stage if top in ROOT_ENTRIES else out
        p = folder / rel
        return p if p.exists() else None

    return resolve


def _site_pages(resolve: Callable[[str], Path | None], records: list[dict[str, Any]]) -> list[str]:
    """Every page of the assembled site (site-relative), without the theme's templates."""
    pages = []
    for name in sorted({r["edition"] for r in records}) + ["editions", "latest"]:
        folder = resolve(name)
        if folder is not None:
            pages += [
                f"{name}/{rel}"
                for rel in (q.relative_to(folder).as_posix() for q in sorted(folder.rglob("*.html")))
                if not rel.startswith("_static/")  # the theme's templates, not pages
            ]
    return pages + ["index.html"]


def _move_into_place(plans: Sequence[Plan], new: set[str], out: Path, stage: Path, root_stage: Path) -> None:
    """The new editions moved from ``stage`` into ``out`` (a replaced one aside first), then the root,
    its record last."""
    for p in plans:
        if p.edition not in new:
            continue
        target = out / p.edition
        if target.exists():  # --replace
            os.replace(target, stage / f".replaced-{p.edition}")
        os.replace(stage / p.edition, target)
    for name in [n for n in ROOT_ENTRIES if n != SITE_RECORD] + [SITE_RECORD]:  # the record last
        src, dst = root_stage / name, out / name
        if dst.is_dir():
            os.replace(dst, stage / f".old-{name}")
        os.replace(src, dst)


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
    site = _check_output(books, out, base)
    plans = plan(books, site, replace)
    repo = repository if repository is not None else repository_url()
    stage = out / STAGING
    if stage.exists():
        shutil.rmtree(stage)  # an assembly interrupted earlier: only ever written by this command
    stage.mkdir(parents=True)
    try:
        records, new = _stage_editions(plans, site.editions, stage, base, repo, log)
        root_stage = stage / ".root"
        root_stage.mkdir()
        write_root(root_stage, out, base, records, {e: stage / e for e in new})
        resolve = _resolver(out, stage, root_stage, new)
        pages = _site_pages(resolve, records)
        problems = check_links(resolve, pages, base)
        if problems:
            raise SiteError(
                f"{len(problems)} internal link(s) of the assembled site do not resolve, e.g. {problems[0]}; "
                "nothing was published"
            )
        _move_into_place(plans, new, out, stage, root_stage)  # every check passed
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    for p in plans:
        if p.action != "keep":
            done = "replaced" if p.action == "replace" else "published"
            log(f"{p.book.build_dir}: {done} edition {p.edition} at {base}{p.edition}/")
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
    except KeyboardInterrupt:  # a SiteError is the command line's one-line error (analysis.cli.run_command)
        print("error: interrupted; nothing published was changed", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(run_command(main))
