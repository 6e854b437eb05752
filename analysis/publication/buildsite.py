"""The book's site: its table of contents and the jupyter-book step of the build.

:func:`toc_entries` and :func:`toc_notebooks` read ``_toc.yml``; :func:`build_site` writes the
configuration (with the footer, :func:`footer_html`), the table of contents of the pages executed
so far, the Markdown pages, the bibliography and ``_static`` into the build folder, runs
``jupyter-book build out -n -W --keep-going`` in its own process group (notebooks are not executed
again; a failure is one line naming its cause) and copies the tables, figures, ``CITATION.cff``,
the data bundle and ``findings.json`` into the self-contained site ``out/_build/html``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.publication.buildchildren import children, die_with_parent_fn
from analysis.publication.builderror import NO_SPACE, BuildError, no_space, show

# --------------------------------------------------------------------------- #
# the table of contents
# --------------------------------------------------------------------------- #


def toc_page(entry: str) -> str:
    """A toc entry without its suffix (``book/index.ipynb`` -> ``book/index``)."""
    return re.sub(r"\.(ipynb|md)$", "", entry)


def _toc_files(node: Any) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        if "root" in node:
            out.append(str(node["root"]))
        if "file" in node:
            out.append(str(node["file"]))
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []) or []:
                out += _toc_files(child)
    elif isinstance(node, list):
        for child in node:
            out += _toc_files(child)
    return out


def toc_entries(source: Path = paths.ROOT) -> list[str]:
    """Every page of the table of contents, in order, as paths without suffix (``book/index``)."""
    toc = yaml.safe_load((source / "_toc.yml").read_text(encoding="utf-8"))
    return [toc_page(f) for f in _toc_files(toc)]


def toc_notebooks(source: Path = paths.ROOT) -> list[str]:
    """Notebook names (``index``, ``snapshot``, ...) of the toc, in order."""
    names = []
    for entry in toc_entries(source):
        if (source / f"{entry}.ipynb").exists():
            names.append(Path(entry).name)
    return names


def _filter_toc(node: Any, keep: Callable[[str], bool]) -> Any:
    """The toc without pages for which ``keep`` is false (empty parts dropped)."""
    if isinstance(node, list):
        items = [_filter_toc(c, keep) for c in node]
        return [c for c in items if c is not None]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "file" in node and not keep(toc_page(str(node["file"]))):
        return None
    for key in ("parts", "chapters", "sections"):
        if key in node:
            node[key] = _filter_toc(node[key], keep)
            if not node[key]:
                del node[key]
    if "file" not in node and "root" not in node and not any(k in node for k in ("parts", "chapters", "sections")):
        return None
    return node


# --------------------------------------------------------------------------- #
# the site
# --------------------------------------------------------------------------- #


def build_site(src: Path, out: Path, toc: Any, snap: Any, *, strict: bool, log: Callable[[str], None]) -> Path:
    """The site of the pages executed so far in ``out`` (the landing page among them), built by
    jupyter-book (``strict``: warnings are errors) with its downloads; returns its folder."""
    from analysis.publication.bundle import write_bundle

    executed = {f"book/{p.stem}" for p in (out / "book").glob("*.ipynb")}
    executed |= {f"book/{p.stem}" for p in (src / "book").glob("*.md")}
    root = toc_page(str(toc.get("root", "")))
    if root not in executed:
        raise BuildError(
            f"the landing page {root} has not been executed yet; "
            f"run a build that includes it (--only {Path(root).name})"
        )
    _copy_sources(src, out, toc, lambda e: e in executed)
    log("building the site with jupyter-book (-n -W --keep-going) ...")
    _run_jupyter_book(out, strict=strict, log=log)
    site = out / "_build" / "html"  # where jupyter-book writes the site of `out`
    _complete_root_redirect(site)
    for sub in ("tables", "figures"):
        if (out / sub).is_dir():
            shutil.copytree(out / sub, site / sub, dirs_exist_ok=True)
    shutil.copy2(paths.citation_file(), site / "CITATION.cff")
    write_bundle(out, snap, site)
    if (out / "findings.json").exists():
        shutil.copy2(out / "findings.json", site / "findings.json")
    return site


_BARE_REDIRECT = re.compile(r'^\s*<meta http-equiv="Refresh" content="0; url=([^"<>]+)"\s*/?>\s*$', re.I)


def _complete_root_redirect(site: Path) -> None:
    """jupyter-book writes the site's root ``index.html`` as one bare ``<meta>`` redirect to the landing
    page: no charset, no title and no icon, so a browser asks the server for ``/favicon.ico`` (a 404 in
    its console). Write it as a complete page: the same redirect, the book's icon (when the theme
    copied one) and a link for a reader whose browser does not follow it."""
    import html

    page = site / "index.html"
    found = _BARE_REDIRECT.match(page.read_text(encoding="utf-8")) if page.exists() else None
    if not found:
        return
    target = html.escape(html.unescape(found.group(1)), quote=True)
    icon = '<link rel="icon" href="_static/favicon.svg">' if (site / "_static" / "favicon.svg").exists() else ""
    page.write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={target}">{icon}<title>Redirecting to the book</title>'
        f'</head>\n<body><p><a href="{target}">Continue to the book</a></p></body></html>\n',
        encoding="utf-8",
    )


def footer_html(commit: str | None, repository: str) -> str:
    """The footer of every page: the citation file, the edition's data bundle, the source."""
    from analysis.publication.bundle import BUNDLE_NAME

    source = (f'<a href="{repository}">source repository</a>' if repository else "source: the project's repository") + (
        f" at commit <code>{commit[:12]}</code>" if commit else ""
    )
    return (
        '<p class="hfhub-footer"><a href="../CITATION.cff">CITATION.cff</a> · '
        f'<a href="../{BUNDLE_NAME}">data bundle of this edition (tables, figures, findings, manifest, codebook)</a>'
        f" · {source}</p>"
    )


def _copy_sources(source: Path, out: Path, toc: Any, keep: Callable[[str], bool]) -> None:
    (out / "book").mkdir(parents=True, exist_ok=True)
    from analysis.publication.publish import citation_metadata
    from analysis.publication.site import launch_settings
    from analysis.snapshot.store import git_commit

    config = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("html", {})["extra_footer"] = footer_html(git_commit(), citation_metadata()["repository"])
    config = launch_settings(config, citation_metadata()["repository"], git_commit())
    (out / "_config.yml").write_text(
        "# Written by analysis/publication/build.py from the project's _config.yml; do not edit.\n"
        + yaml.safe_dump(config, sort_keys=False),
        encoding="utf-8",
    )
    filtered = _filter_toc(toc, keep)
    (out / "_toc.yml").write_text(
        "# Written by analysis/build.py from the project's _toc.yml; do not edit.\n"
        + yaml.safe_dump(filtered, sort_keys=False),
        encoding="utf-8",
    )
    for f in sorted((source / "book").iterdir()):
        if f.suffix in {".md", ".bib"} and f.is_file():
            shutil.copy2(f, out / "book" / f.name)
    static = source / "book" / "_static"
    if static.is_dir():
        shutil.copytree(static, out / "book" / "_static", dirs_exist_ok=True)


def _jupyter_book_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "jupyter-book"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from jupyter_book.cli.main import main; main()"]


def _run_jupyter_book(out: Path, strict: bool, log: Callable[[str], None]) -> None:
    """``jupyter-book build`` of ``out`` in its own process group, ended with the build; a failure is
    one line naming its cause (the first warning or error; a full disk as such)."""
    cmd = _jupyter_book_cmd() + ["build", str(out), "--builder", "html", "-n", "--keep-going"]
    if strict:
        cmd.append("-W")
    proc = subprocess.Popen(
        cmd,
        cwd=out,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
        preexec_fn=die_with_parent_fn(),
    )
    children.add(proc.pid)
    try:
        raw, _ = proc.communicate()
    finally:
        children.end(proc.pid)
    text = re.sub(r"\x1b\[[0-9;]*m", "", raw or "")  # no terminal colours
    log_file = out / "jupyter-book.log"
    try:
        log_file.write_text(text, encoding="utf-8")
        where = f"the full log is in {show(log_file)}"
    except OSError as exc:
        where = f"its log could not be written ({exc.strerror})"
    problems = [ln.strip() for ln in text.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", ln)]
    if proc.returncode != 0:
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        cause = NO_SPACE if no_space(text) else (problems[0] if problems else (lines[-1] if lines else "no output"))
        more = f" (and {len(problems) - 1} more warning(s)/error(s))" if len(problems) > 1 else ""
        raise BuildError(
            f"jupyter-book build failed (exit {proc.returncode}): {cause}{more}; {where}; "
            "the published book is unchanged"
        )
    for ln in problems:
        log(f"  jupyter-book: {ln}")
