"""Numbered, citable tables and figures for the book.

Every table or figure the book shows goes through a :class:`Publisher`:

- the full data is written to ``_build/<snapshot_id>/tables/<label>.csv``;
  figures are also written as PNG and SVG to ``_build/<snapshot_id>/figures/``, with the crops a
  phone shows instead (``<label>.phone-<i>.png``: one panel each, legible at a phone's width);
- the notebook cell outputs MyST markdown (rendered by myst-nb with
  ``nb_render_markdown_format: myst``): a numbered ``table``/``figure``
  directive with a stable ``:name:`` (the label readers cite), a caption that
  names the snapshot and how many repositories it covers, download links, and
  a "cite this" snippet.

Labels are stable: they are chosen by the notebook, not derived from data, so
they survive a rebuild with a new snapshot.

A page's text comes from :mod:`analysis.publication.pagetext` (the one formatter and escaper of
every table cell), a figure's from :mod:`analysis.publication.figuretext` (plain and legible), and
every CSV is written through :mod:`analysis.publication.csvsafe` (no cell a spreadsheet runs); their
public names are importable from here too.

Every artefact carries its provenance once downloaded: each CSV has a sidecar
``<label>.json`` (snapshot id, date, source, synthetic or not, label, caption,
book version, build date), each PNG and SVG the same in its metadata and a
small visible line naming the snapshot (and "synthetic data" where it is).
Download links point to the stable ``tables/`` and ``figures/`` folders of the
site, never to hashed copies. The *cite this* box gives the authors and title
of ``CITATION.cff``, the book's version (package version and commit), the
snapshot, the build date and the page URL with the label's anchor (from
``html.baseurl`` of ``_config.yml``; relative where that is empty).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import paths
from analysis.memory import release_arrow_memory
from analysis.publication.csvsafe import (  # noqa: F401  (public names of this module)
    FORMULA_RE,
    FORMULA_START,
    NUMBER_RE,
    arrow_csv_safe,
    csv_safe,
    csv_text,
)
from analysis.publication.figuretext import (  # noqa: F401  (public names of this module)
    COLUMN_PX,
    FIGURE_LABEL_LIMIT,
    FIGURE_TEXT_LIMIT,
    MIN_TEXT_PX,
    _plain_math,
    legible,
    matplotlib_annotation,
    plain_figure_text,
    plain_math_off,
)
from analysis.publication.pagetext import (  # noqa: F401  (public names of this module)
    DISPLAY_LIMIT,
    HEADER_WORDS,
    P_COLUMN_RE,
    P_FLOOR,
    PERCENT_COLUMN_RE,
    display_text,
    header_text,
    markdown_table,
    md_code,
    md_escape,
    md_text,
    page_view,
    quality_note,
    shown_columns,
    text_quality,
)
from analysis.publication.phonefigure import PHONE_TEXT_KEY, phone_images, without_layout_placeholder
from analysis.snapshot import Snapshot
from analysis.snapshot.store import git_commit

LABEL_RE = re.compile(r"^(tab|fig)-[a-z0-9]+(?:-[a-z0-9]+)*$")
BOOK_TITLE = "Development activity on the Hugging Face Hub: a reproducible study"
BOOK_SHORT = "hf-hub-activity"


#: The wide figure's PNG: pixels per inch.
FIGURE_DPI = 150
#: zlib's level for a phone's crops: level 3 of an opaque crop's RGB pixels is about twice as fast as
#: level 6 of its RGBA pixels, and the file a little smaller (measured on the real-data book's crops).
PHONE_PNG_LEVEL = 3


def tight_box(fig: Any, dpi: float) -> Any:
    """The box (inches) that ``savefig(bbox_inches="tight")`` saves of ``fig`` drawn at ``dpi``: the
    figure's tight box, padded by ``savefig.pad_inches``; measured once, it serves every file of the
    figure. A figure with a layout engine (``layout="constrained"``) is laid out first, by a draw, as
    ``savefig`` does; any other is measured as it is (its measurement updates what it shows)."""
    import matplotlib
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    old = fig.dpi
    fig.set_dpi(dpi)
    try:
        engine = fig.get_layout_engine()
        if engine is not None and not isinstance(engine, PlaceHolderLayoutEngine):
            fig.draw_without_rendering()
        box = fig.get_tightbbox(fig.canvas.get_renderer())
    finally:
        fig.set_dpi(old)
    pad = matplotlib.rcParams["savefig.pad_inches"]
    return box.padded(pad, pad)


def _png_image(pixels: Any) -> Any:
    """A PIL image of RGBA ``pixels``: RGB where every pixel is opaque (a quarter fewer bytes to
    compress, the same picture)."""
    from PIL import Image

    im = Image.fromarray(pixels)
    return im.convert("RGB") if pixels[..., 3].min() == 255 else im


def _plain_text(markdown: str) -> str:
    """Caption text without MyST markup, on one line, control characters visible (for alt text and
    file metadata)."""
    text = re.sub(r"\{[a-z]+\}`([^`]*)`", r"\1", markdown)
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)  # escaped punctuation is the character itself
    text = display_text(text, None)
    return re.sub(r"\s+", " ", text.replace("`", "").replace("**", "").replace("*", "")).strip()


def citation_metadata() -> dict[str, Any]:
    """Title, authors, version and repository of the project, from ``CITATION.cff``."""
    import yaml

    cff = yaml.safe_load(paths.citation_file().read_text(encoding="utf-8"))
    authors = []
    for a in cff.get("authors", []):
        name = a.get("name") or " ".join(x for x in (a.get("given-names"), a.get("family-names")) if x)
        if name:
            authors.append(name)
    return {
        "title": cff.get("title", BOOK_TITLE),
        "authors": authors,
        "version": str(cff.get("version", "")),
        # the workflows name the repository they run in (HFHUB_REPOSITORY_URL); else CITATION.cff's
        "repository": os.environ.get("HFHUB_REPOSITORY_URL", "").strip() or cff.get("repository-code") or "",
    }


def book_url() -> str:
    """The site's published address (``html.baseurl`` of ``_config.yml``; empty: links stay relative)."""
    import yaml

    cfg = yaml.safe_load(paths.BOOK_CONFIG.read_text(encoding="utf-8")) or {}
    return str((cfg.get("html") or {}).get("baseurl") or "").rstrip("/")


class Markdown:
    """Minimal rich-display object (text/markdown) without importing IPython at import time."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


#: Tables longer than this are written by Arrow's CSV writer (C++, several times faster than pandas).
LARGE_TABLE_ROWS = 1_000_000
#: Rows converted to Arrow at a time by :func:`write_csv` for such a table.
CSV_SLICE_ROWS = 250_000


def write_csv(data: pd.DataFrame, path: Path) -> None:
    """``data`` as CSV without its index, every text cell that a spreadsheet would run as a formula
    written as text (:func:`csv_safe`). A table of more than :data:`LARGE_TABLE_ROWS` rows (the
    identity candidates of a Hub-scale snapshot) is written by ``pyarrow.csv``: the same values,
    read back by ``pandas.read_csv``, in Arrow's notation (strings quoted, ``100`` for ``100.0``);
    smaller tables keep pandas' notation."""
    if len(data) <= LARGE_TABLE_ROWS:
        csv_safe(data).to_csv(path, index=False, lineterminator="\n")
        return
    data = data.set_axis([csv_text(c) if isinstance(c, str) else c for c in data.columns], axis=1)
    import pyarrow as pa
    import pyarrow.csv as pcsv

    options = pcsv.WriteOptions(quoting_style="needed")
    # converted to Arrow and written a slice at a time: the memory of one slice, not of the table
    # (the types from the first LARGE_TABLE_ROWS rows; slices of CSV_SLICE_ROWS, since Arrow's
    # allocator keeps what a slice used: 8.7 million candidate pairs in slices of a million rows
    # left the process 0.44 GB larger, in slices of 250,000 rows 0.2 GB)
    schema = pa.Table.from_pandas(data.iloc[:LARGE_TABLE_ROWS], preserve_index=False).schema
    try:
        with pcsv.CSVWriter(path, schema, write_options=options) as writer:
            for start in range(0, len(data), CSV_SLICE_ROWS):
                part = data.iloc[start : start + CSV_SLICE_ROWS]
                writer.write_table(arrow_csv_safe(pa.Table.from_pandas(part, schema=schema, preserve_index=False)))
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a later slice has a type the first did not show
        pcsv.write_csv(arrow_csv_safe(pa.Table.from_pandas(data, preserve_index=False)), path, options)
    release_arrow_memory()


class Publisher:
    """Writes a snapshot's tables and figures and renders them for the book.

    ``page``: the page's name (``part1_activity``), for its URLs and code links (empty: none).
    ``commit``: the commit of the analysis code its provenance names ("" where there is none);
    None asks git, once, when first needed. The build gives both to every notebook it runs
    (:func:`analysis.publication.context.open_part`)."""

    def __init__(
        self,
        snapshot: Snapshot,
        output_dir: str | os.PathLike | None = None,
        notebook_dir: str | os.PathLike | None = None,
        *,
        page: str = "",
        commit: str | None = None,
    ):
        self.snapshot = snapshot
        self.page = page or ""
        self._commit = commit
        self.out = Path(output_dir) if output_dir else paths.build_dir(snapshot.id)
        self.tables_dir = self.out / "tables"
        self.figures_dir = self.out / "figures"
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        plain_math_off()  # before the notebook draws its first figure
        nb_dir = Path(notebook_dir) if notebook_dir else self.out / "book"
        self._rel = Path(os.path.relpath(self.out, nb_dir)).as_posix()
        self.labels: list[str] = []

    # -- provenance --------------------------------------------------------
    def provenance(self, covers: str) -> str:
        s = self.snapshot
        kind = s.source_kind
        tag = " — **synthetic data**" if s.is_synthetic else ""
        return f"Snapshot `{s.id}` ({s.date}, {kind}{tag}); covers {covers}."

    def _check_label(self, label: str, prefix: str) -> None:
        if not LABEL_RE.match(label) or not label.startswith(prefix + "-"):
            raise ValueError(f"label {label!r} must look like '{prefix}-some-name' (lower case, digits, hyphens)")
        if label in self.labels:
            raise ValueError(f"label {label!r} used twice")
        self.labels.append(label)

    def provenance_record(self, label: str, kind: str, caption: str, covers: str) -> dict[str, Any]:
        """What a downloaded artefact says about where it comes from (its sidecar JSON)."""
        s = self.snapshot
        meta = citation_metadata()
        return {
            "label": label,
            "kind": kind,
            "caption": caption,
            "covers": covers,
            "snapshot": {"id": s.id, "date": s.date, "source_kind": s.source_kind, "synthetic": bool(s.is_synthetic)},
            "book": {"title": meta["title"], "version": self.version, "url": self.url(label)},
            "built": self.built,
        }

    @property
    def commit(self) -> str | None:
        """The commit of the analysis code (None where there is none)."""
        if self._commit is None:
            self._commit = git_commit() or ""
        return self._commit or None

    @property
    def version(self) -> str:
        commit = self.commit
        meta = citation_metadata()
        return f"{meta['version']}+{commit[:12]}" if commit else meta["version"]

    @property
    def built(self) -> str:
        import datetime as dt

        return dt.datetime.now(dt.UTC).date().isoformat()

    def url(self, label: str) -> str:
        """The address of ``label`` in the site: its page and anchor (relative unless html.baseurl is set)."""
        page = self.page
        base = book_url()
        target = f"{page}.html#{label}" if page else f"#{label}"
        return f"{base}/book/{target}" if base else target

    def cite(self, label: str, kind: str) -> str:
        s = self.snapshot
        meta = citation_metadata()
        authors = " and ".join(meta["authors"]) or "The hf-hub-activity project"
        year = self.built[:4]
        url = self.url(label)
        key = f"{BOOK_SHORT}-{s.id}-{label}".replace("_", "-")
        text = (
            f"{authors} ({year}). *{meta['title']}*, version {self.version}, {kind} `{label}`, computed from "
            f"snapshot `{s.id}` (snapshot date {s.date}, source: {s.source_kind}"
            f"{', synthetic data' if s.is_synthetic else ''}); built {self.built}. {url}"
        )
        bib = (
            f"@misc{{{key},\n  author = {{{{{authors}}}}},\n  title = {{{{{meta['title']}}}: {kind} {label}}},\n"
            f"  version = {{{self.version}}},\n  edition = {{snapshot {s.id} of {s.date}}},\n  year = {{{year}}},\n"
            f"  url = {{{url}}},\n"
            f"  note = {{Snapshot {s.id}, snapshot date {s.date}, source {s.source_kind}; built {self.built}}}\n}}"
        )
        return f":::{{dropdown}} Cite this {kind}\n{text}\n\n```bibtex\n{bib}\n```\n:::\n"

    def _sidecar(self, folder: Path, label: str, kind: str, caption: str, covers: str) -> None:
        import json

        rec = self.provenance_record(label, kind, caption, covers)
        (folder / f"{label}.json").write_text(json.dumps(rec, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    def _link(self, folder: str, name: str, text: str) -> str:
        """A link to a stable file of the site (``tables/``, ``figures/``), not a hashed download copy."""
        return f'<a href="{self._rel}/{folder}/{name}" download>{text}</a>'

    # -- tables ------------------------------------------------------------
    def table(
        self,
        df: pd.DataFrame,
        label: str,
        caption: str,
        *,
        covers: str,
        max_rows: int = 40,
        index: bool = False,
        note: str | None = None,
        first: Sequence[str] = (),
        show: Sequence[str] | None = None,
        parquet: bool = False,
        csv_rows: int | None = None,
    ) -> Markdown:
        """Write ``df`` to ``tables/<label>.csv`` and return its numbered MyST table, as
        :func:`page_view` shows it (intervals in one cell, the ``first`` columns first). ``show``: the
        columns the page shows (a column with an interval brings its ``low`` and ``high``), for a table
        too wide for the text column; the caption names the others, which the CSV keeps.
        ``parquet``: the whole table also as ``tables/<label>.parquet`` (linked as "Data (Parquet)");
        ``csv_rows``: the CSV holds at most this many rows (the first), the caption says so and how
        many the table has."""
        self._check_label(label, "tab")
        data = df.reset_index() if index else df
        capped = csv_rows is not None and len(data) > csv_rows
        write_csv(data.head(csv_rows) if capped else data, self.tables_dir / f"{label}.csv")
        if parquet:
            data.to_parquet(self.tables_dir / f"{label}.parquet", index=False)
        self._sidecar(self.tables_dir, label, "table", caption, covers)
        view, joined = page_view(data.head(max_rows) if len(data) > max_rows else data, first)
        if show is not None:
            view, hidden = shown_columns(view, show)
            names = ", ".join(md_escape(header_text(c)) for c in hidden)
            caption += (
                f" The page shows {view.shape[1]:,} of {view.shape[1] + len(hidden):,} columns; "
                f"more columns in the CSV: {names}."
            )
        if capped:
            whole = "; the Parquet file has them all." if parquet else "."
            caption += f" The CSV holds the first {csv_rows:,} of the {len(data):,} rows{whole}"
        counts: dict[str, int] = {}
        shown = markdown_table(view, max_rows=max_rows, numeric=joined, counts=counts)
        more = ""
        if len(data) > max_rows:
            rest = "the CSV has them all"
            if capped:
                rest = "the Parquet file has them all" if parquet else f"the CSV has the first {csv_rows:,}"
            more = f"\n\nShowing the first {max_rows:,} of {len(data):,} rows; {rest}."
        more += quality_note(counts)
        links = self._link("tables", f"{label}.csv", "Data (CSV)")
        if parquet:
            links += " · " + self._link("tables", f"{label}.parquet", "Data (Parquet)")
        parts = [
            f":::{{table}} {caption} {self.provenance(covers)}",
            f":name: {label}",
            ":align: left",
            "",
            shown,
            ":::",
            "",
            links + more,
        ]
        if note:
            parts += ["", note]
        parts += ["", self.cite(label, "table")]
        return Markdown("\n".join(parts))

    # -- figures -----------------------------------------------------------
    def figure(
        self, fig: Any, label: str, caption: str, *, covers: str, data: pd.DataFrame | None = None, width: str = "100%"
    ) -> Markdown:
        """Save ``fig`` as PNG and SVG (and its data as CSV); return a numbered MyST figure."""
        import matplotlib.pyplot as plt

        self._check_label(label, "fig")
        s = self.snapshot
        png = self.figures_dir / f"{label}.png"
        svg = self.figures_dir / f"{label}.svg"
        self.stamp(fig)
        plain_figure_text(fig)
        legible(fig)
        source = f"snapshot {s.id} ({s.date}, {s.source_kind}{', synthetic data' if s.is_synthetic else ''})"
        plain = _plain_text(caption)
        meta = {"Title": f"{label}: {plain}", "Source": source, "Description": f"{BOOK_TITLE}, version {self.version}"}
        # one tight box for both files (savefig's "tight" measures the figure anew for each, with a draw)
        box = tight_box(fig, FIGURE_DPI)
        without_layout_placeholder(fig)
        fig.savefig(png, dpi=FIGURE_DPI, bbox_inches=box, metadata={**meta, "Software": None})
        fig.savefig(svg, bbox_inches=box, metadata={**meta, "Date": None, "Creator": None})
        phone = self._phone_images(fig, label, f"{plain} ({source})", meta)
        plt.close(fig)
        self._sidecar(self.figures_dir, label, "figure", caption, covers)
        links = [self._link("figures", f"{label}.png", "PNG"), self._link("figures", f"{label}.svg", "SVG")]
        if data is not None:
            write_csv(data, self.tables_dir / f"{label}.csv")
            self._sidecar(self.tables_dir, label, "figure data", caption, covers)
            links.append(self._link("tables", f"{label}.csv", "Data (CSV)"))
        parts = [
            f":::{{figure}} {self._rel}/figures/{label}.png",
            f":name: {label}",
            f":width: {width}",
            f":alt: {plain} ({source})",
            ":figclass: hf-phone-figure",
            "",
            f"{caption} {self.provenance(covers)}",
            "",
            phone,
            ":::",
            "",
            "Download: " + " · ".join(links),
            "",
            self.cite(label, "figure"),
        ]
        return Markdown("\n".join(parts))

    def _phone_images(self, fig: Any, label: str, alt: str, meta: dict[str, Any]) -> str:
        """Save the crops a phone shows of ``fig`` (:func:`phonefigure.phone_images`: one panel each,
        text legible at a phone's width, drawn at twice a phone's pixel density) as
        ``figures/<label>.phone-<i>.png`` (the figure's metadata, and the crop's smallest text in pt);
        return the HTML that shows them in place of the figure below 720 px (``book.css``)."""
        import html

        from PIL.PngImagePlugin import PngInfo

        images = phone_images(fig)
        imgs = []
        for i, im in enumerate(images, 1):
            name = f"{label}.phone-{i}.png"
            info = PngInfo()
            for key, value in meta.items():
                info.add_text(key, str(value))
            if im.smallest_pt is not None:
                info.add_text(PHONE_TEXT_KEY, f"{im.smallest_pt:.2f}")
            _png_image(im.pixels).save(
                self.figures_dir / name, pnginfo=info, dpi=(im.dpi, im.dpi), compress_level=PHONE_PNG_LEVEL
            )
            text = html.escape(f"{alt}: part {i} of {len(images)}", quote=True)
            imgs.append(
                f'<img class="hf-phone-{im.kind}" src="{self._rel}/figures/{name}" alt="{text}" '
                f'width="{im.css_width}" height="{im.css_height}" loading="eager">'
            )
        return '<div class="hf-phone">' + "".join(imgs) + "</div>"

    # -- findings ----------------------------------------------------------
    def findings(self, part: str, entries: list[dict[str, Any]], parameters: dict[str, Any] | None = None) -> None:
        """Record ``part``'s findings in ``findings.json`` of this build (its earlier entries replaced)."""
        from analysis.publication import findings

        findings.record(self.out, self.snapshot, part, entries, parameters)

    def stamp(self, fig: Any) -> None:
        """A small visible line under a figure naming its snapshot; synthetic ones say so in red."""
        s = self.snapshot
        line = f"{BOOK_SHORT} · snapshot {s.id} ({s.date}, {s.source_kind})"
        stamp = fig.text(0.0, 0.0, line, fontsize=8, color="#555555", ha="left", va="top", transform=fig.transFigure)
        if s.is_synthetic:
            # on the line below the stamp (anchored to it, so it follows when the text is enlarged): side by
            # side, the two overlapped in a narrow figure
            fig.add_artist(
                matplotlib_annotation(
                    "SYNTHETIC DATA: not facts about the Hub",
                    xy=(0.0, 0.0),
                    xycoords=stamp,
                    xytext=(0.0, -2.0),
                    textcoords="offset points",
                    fontsize=8,
                    color="#b00020",
                    fontweight="bold",
                    ha="left",
                    va="top",
                )
            )

    def code_links(self) -> str:
        """Where this page's code is: its notebook template in the repository, and the executed notebook."""
        page = self.page
        if not page:
            return ""
        repo = citation_metadata()["repository"]
        template = (
            f"[`book/{page}.ipynb`]({repo.rstrip('/')}/blob/main/book/{page}.ipynb)"
            if repo
            else (f"`book/{page}.ipynb` in the project's repository")
        )
        executed = f'<a href="../_sources/book/{page}.ipynb" download>the executed notebook</a>'
        return f"The code of this page: the notebook template {template}, and {executed} (with every output)."

    def banner(self) -> Markdown:
        """The snapshot banner every page starts with (prominent when synthetic), with the page's code links."""
        s = self.snapshot
        code = self.code_links()
        code = f"\n\n{code}" if code else ""
        if s.is_synthetic:
            return Markdown(
                ":::{warning}\nThis page is computed from **synthetic data**: snapshot "
                f"`{s.id}` ({s.date}) was generated by the project's calibrated synthetic Hub, "
                "not collected from the Hugging Face Hub. Its numbers illustrate the method and "
                f"must not be cited as facts about the Hub.{code}\n:::\n"
            )
        return Markdown(
            f":::{{note}}\nComputed from snapshot `{s.id}` (snapshot date {s.date}, source: "
            f"{s.source_kind}). See the Data and methods chapter for what it covers.{code}\n:::\n"
        )
