"""Numbered, citable tables and figures for the book.

Every table or figure the book shows goes through a :class:`Publisher`:

- the full data is written to ``_build/<snapshot_id>/tables/<label>.csv``;
  figures are also written as PNG and SVG to ``_build/<snapshot_id>/figures/``;
- the notebook cell outputs MyST markdown (rendered by myst-nb with
  ``nb_render_markdown_format: myst``): a numbered ``table``/``figure``
  directive with a stable ``:name:`` (the label readers cite), a caption that
  names the snapshot and how many repositories it covers, download links, and
  a "cite this" snippet.

Labels are stable: they are chosen by the notebook, not derived from data, so
they survive a rebuild with a new snapshot.

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

import datetime as dt
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import paths
from analysis.memory import release_arrow_memory
from analysis.snapshot import Snapshot
from analysis.snapshot.store import git_commit

#: Set by the build for each notebook it executes: the page's name (``part1_activity``), for URLs.
PAGE_ENV = "HFHUB_BOOK_PAGE"
LABEL_RE = re.compile(r"^(tab|fig)-[a-z0-9]+(?:-[a-z0-9]+)*$")
BOOK_TITLE = "Development activity on the Hugging Face Hub: a reproducible study"
BOOK_SHORT = "hf-hub-activity"


#: Every value from the Hub is text, never markup. A page cell, header or data-carrying caption is
#: written as MyST with every ASCII punctuation character backslash-escaped (CommonMark lets any of
#: them be escaped, and an escaped character is always literal; the comma and full stop, never
#: markup inside a line, are left as they are): no HTML, emphasis, code, link, role,
#: substitution, math or directive can start from data; docutils then escapes the text into HTML.
_MD_SPECIAL = re.compile(r"([!-+\-/:-@\[-`{-~])")
#: Characters shown as visible marks rather than passed through: the C0 controls (NUL, BEL, ESC...;
#: tab, line feed and carriage return become spaces), DEL, the C1 controls and the bidi embeddings,
#: overrides and isolates (U+202A-U+202E, U+2066-U+2069) that reorder what a reader sees.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE_RE = re.compile("[\t\n\r]")
#: A page cell shows at most this many characters of a value (the CSV keeps it whole): far above a
#: name on the Hub (96 at most) and the book's longest notes (under 600), so only absurd values are cut.
DISPLAY_LIMIT = 1000
#: A figure's text shows at most this many characters a line.
FIGURE_TEXT_LIMIT = 200


def _visible(ch: str) -> str:
    """A control character as a reader can see it, whatever the font: ``[U+0000]`` for NUL,
    ``[U+202E]`` for a right-to-left override."""
    return f"[U+{ord(ch):04X}]"


def display_text(value: Any, limit: int | None = DISPLAY_LIMIT, counts: dict[str, int] | None = None) -> str:
    """``value`` as plain text a reader can see: control and bidi characters made visible (see
    :data:`_CONTROL_RE`), tab and line breaks as spaces, and cut after ``limit`` characters with
    the full length said. ``counts`` (when given) counts the values changed (``control``, ``cut``)."""
    text = str(value)
    if _CONTROL_RE.search(text):
        text = _CONTROL_RE.sub(lambda m: _visible(m.group()), text)
        if counts is not None:
            counts["control"] = counts.get("control", 0) + 1
    text = _SPACE_RE.sub(" ", text)
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}… (cut: {len(str(value)):,} characters; the CSV has the full value)"
        if counts is not None:
            counts["cut"] = counts.get("cut", 0) + 1
    return text


#: :data:`_CONTROL_RE` in RE2's syntax (Arrow's regular expressions).
_CONTROL_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\x{202a}-\x{202e}\x{2066}-\x{2069}]"


def text_quality(columns: Sequence[Any]) -> dict[str, int]:
    """How many values of the Arrow string columns (list columns: their items) a page changes for
    display: ``control`` (control or bidi characters, shown as code points) and ``cut`` (longer than
    :data:`DISPLAY_LIMIT`). For the data-quality table: counted in Arrow, without Python strings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = {"control": 0, "cut": 0}
    for col in columns:
        while pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
            col = pc.list_flatten(col)
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)) or len(col) == 0:
            continue
        out["control"] += int(pc.sum(pc.match_substring_regex(col, _CONTROL_RE2)).as_py() or 0)
        out["cut"] += int(pc.sum(pc.greater(pc.utf8_length(col), DISPLAY_LIMIT)).as_py() or 0)
    return out


def md_escape(text: str) -> str:
    """``text`` as MyST that renders exactly as ``text`` (every ASCII punctuation escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_text(value: Any, limit: int | None = DISPLAY_LIMIT) -> str:
    """A value from data, for a MyST page: visible control characters, cut when absurdly long, escaped.
    Use it for every string from the Hub that a caption, note or sentence of a page carries."""
    return md_escape(display_text(value, limit))


def md_code(value: Any, limit: int | None = DISPLAY_LIMIT) -> str:
    """A name from data as a MyST code span: shown exactly as it is (no markup, no typographic
    quotes), visible control characters, cut when absurdly long; the fence is longer than any run of
    backticks in the name, so a backtick cannot end it."""
    text = display_text(value, limit)
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def _plain_number(value: float, digits: int) -> str:
    """``value`` with ``digits`` significant digits in positional notation (never e-notation)."""
    return np.format_float_positional(value, precision=digits, unique=False, fractional=False, trim="-")


def _fmt_float(value: float, percent: bool = False) -> str:
    """A float for a reader: thousands separators, no e-notation, sensible precision (percentages:
    one decimal from 1 up, two significant digits below; other numbers: three decimals below 10,
    two below 100, one below 1,000, whole from 1,000 up; tiny ones to three significant digits)."""
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    size = abs(value)
    if value == 0:
        return "0"
    if percent:
        if size >= 1:
            text = f"{value:,.1f}"
            return text[:-2] if text.endswith(".0") else text
        return _plain_number(value, 2) if size >= 1e-6 else ("< 0.000001" if value > 0 else "> -0.000001")
    if float(value).is_integer() or size >= 1000:
        return f"{round(value):,}"
    if size < 1e-3:
        return _plain_number(value, 3) if size >= 1e-9 else ("< 0.000000001" if value > 0 else "> -0.000000001")
    decimals = 3 if size < 10 else 2 if size < 100 else 1
    return f"{value:,.{decimals}f}".rstrip("0").rstrip(".")


def _scalar(value: Any) -> Any:
    """Numpy and pandas scalars as Python's (numpy's bool is not a ``bool``, nor its int64 an
    ``int``); every missing value (None, NaN, NA, NaT) as None."""
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value)
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _fmt_text(value: Any, counts: dict[str, int] | None = None, percent: bool = False) -> str:
    """A cell's value as the plain text a page shows (not yet escaped for MyST)."""
    value = _scalar(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return _fmt_float(value, percent)
    if isinstance(value, dt.date):
        ts = pd.Timestamp(value)
        return ts.date().isoformat() if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dict):
        return "; ".join(f"{_fmt_text(k, counts)}: {_fmt_text(v, counts)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return ", ".join(_fmt_text(v, counts) for v in value)
    return display_text(value, DISPLAY_LIMIT, counts)


def _fmt_cell(value: Any, counts: dict[str, int] | None = None, percent: bool = False) -> str:
    """A cell of a page table, as MyST: formatted (:func:`_fmt_text`) and escaped (:func:`md_escape`)."""
    return md_escape(_fmt_text(value, counts, percent))


#: Columns that hold p values (``p``, ``p (Holm)``, ``p raw``, ``p-value``): shown by :func:`_fmt_p`.
P_COLUMN_RE = re.compile(r"^p(-value|_adj|_value)?( \(.*\)| raw| adjusted)?$", re.I)
#: Below this a p value is shown as "< 0.001" (the usual reporting floor), never as 0; the CSV
#: keeps the number.
P_FLOOR = 1e-3
#: Columns that hold percentages: shown with one decimal (two significant digits below 1).
PERCENT_COLUMN_RE = re.compile(r"(%|\bpct\b|_pct$|\bpercent)", re.I)


def _fmt_p(value: Any) -> str:
    value = _scalar(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
        if value < P_FLOOR:
            return md_escape(f"< {P_FLOOR:g}")
        return md_escape(f"{value:.2g}" if value < 0.01 else f"{value:.3f}".rstrip("0").rstrip("."))
    return _fmt_cell(value)


#: Headers in words: the machine names of the CSVs a page shows under another name.
HEADER_WORDS = {
    "repo_type": "repository type",
    "repo_id": "repository",
    "owner_kind": "owner kind",
    "p_adj": "p (adjusted)",
    "cliffs_delta": "Cliff's delta",
    "group_a": "group A",
    "group_b": "group B",
    "n_a": "n (A)",
    "n_b": "n (B)",
    "paper_source": "paper's source",
    "snapshot_as_of_paper_date": "snapshot as of the paper's date",
    "share_of_listing_pct": "share of listing (%)",
    "population_share": "population share",
    "value_share": "value share",
    "as_of": "as of",
}
_SNAKE_RE = re.compile(r"^[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+$")


def header_text(name: Any) -> str:
    """A column's header as a page shows it: in words (``repo_type`` -> ``repository type``,
    ``x_pct`` -> ``x (%)``), plain text; the CSV keeps the machine name."""
    text = str(name)
    if text in HEADER_WORDS:
        return HEADER_WORDS[text]
    if _SNAKE_RE.match(text):
        words = text.split("_")
        pct = words[-1].lower() == "pct"
        text = " ".join(words[:-1] if pct else words) + (" (%)" if pct else "")
    return text


def page_view(df: pd.DataFrame, first: Sequence[str] = ()) -> tuple[pd.DataFrame, set[str]]:
    """The table as a page shows it (the CSV keeps every column as it is): each column ``c`` that has
    ``c low`` and ``c high`` beside it becomes one cell ``value [low, high]``, and the columns of
    ``first`` (those present) come first, the rest in their order. Returns the view and the names
    of its joined (numeric, right-aligned) columns."""
    out = pd.DataFrame(index=df.index)
    joined: set[str] = set()
    skip = {f"{c} {end}" for c in df.columns for end in ("low", "high") if {f"{c} low", f"{c} high"} <= set(df.columns)}
    for c in df.columns:
        if c in skip:
            continue
        if f"{c} low" in skip:
            pct = bool(PERCENT_COLUMN_RE.search(str(c)))

            def f(v: Any, pct: bool = pct) -> str:
                return _fmt_text(v, percent=pct)

            out[c] = [
                "" if f(v) == "" else f"{f(v)} [{f(lo)}, {f(hi)}]" if f(lo) else f(v)
                for v, lo, hi in zip(_py(df[c]), _py(df[f"{c} low"]), _py(df[f"{c} high"]))
            ]
            joined.add(str(c))
        else:
            out[c] = df[c]
    order = [c for c in first if c in out.columns] + [c for c in out.columns if c not in first]
    return out[order], joined


def _py(col: pd.Series) -> list:
    """Values as Python scalars (as ``itertuples`` gives them to :func:`_fmt_cell`)."""
    return [_scalar(v) for v in col.tolist()]


def markdown_table(
    df: pd.DataFrame,
    max_rows: int | None = None,
    numeric: set[str] = frozenset(),
    counts: dict[str, int] | None = None,
) -> str:
    """A pipe table (MyST/GFM) of ``df``, every cell and header formatted and escaped by the one
    formatter of the book (:func:`_fmt_cell`, :func:`header_text`); ``max_rows`` truncates the
    rows shown; ``numeric``: columns of text to align as numbers; ``counts``: counts the values
    shown changed (control characters made visible, absurd lengths cut)."""
    shown = df if max_rows is None or len(df) <= max_rows else df.head(max_rows)
    cols = [str(c) for c in shown.columns]
    heads = [md_escape(display_text(header_text(c), DISPLAY_LIMIT, counts)) for c in shown.columns]
    lines = ["| " + " | ".join(heads) + " |"]
    aligns = []
    for c in shown.columns:
        is_num = pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
        aligns.append("---:" if is_num or str(c) in numeric else ":---")
    lines.append("| " + " | ".join(aligns) + " |")
    is_p = [bool(P_COLUMN_RE.match(c)) for c in cols]
    is_pct = [bool(PERCENT_COLUMN_RE.search(c)) for c in cols]
    for row in shown.itertuples(index=False, name=None):
        cells = [_fmt_p(v) if p else _fmt_cell(v, counts, pct) for v, p, pct in zip(row, is_p, is_pct)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _plain_text(markdown: str) -> str:
    """Caption text without MyST markup, on one line, control characters visible (for alt text and
    file metadata)."""
    text = re.sub(r"\{[a-z]+\}`([^`]*)`", r"\1", markdown)
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)  # escaped punctuation is the character itself
    text = display_text(text, None)
    return re.sub(r"\s+", " ", text.replace("`", "").replace("**", "").replace("*", "")).strip()


#: A figure's tick label shows at most this many characters of a value (a repository id on the Hub
#: has at most 96); any other text of a figure at most :data:`FIGURE_TEXT_LIMIT` a line.
FIGURE_LABEL_LIMIT = 100


def _figure_label(text: str, limit: int = FIGURE_LABEL_LIMIT) -> str:
    """A figure's text: control characters as ``[U+0000]``, cut after ``limit`` characters."""
    return display_text(text, None) if len(text) <= limit else display_text(text[:limit], None) + "…"


def plain_math_off() -> None:
    """Matplotlib draws every text as it is: no mathtext, so a ``$`` in a name from the Hub is a dollar
    sign, not math (a name like ``$\\frac$`` would otherwise stop the figure with a parse error)."""
    import matplotlib

    matplotlib.rcParams["text.parse_math"] = False


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _plain_math(label: str) -> str:
    """A log axis' mathtext tick label as plain text: ``$\\mathdefault{10^{-3}}$`` -> ``10⁻³``,
    ``$\\mathdefault{2\\times10^{0}}$`` -> ``2×10⁰``; any other label unchanged."""
    m = re.fullmatch(r"\$(?:\\mathdefault\{)?(.*?)\}?\$", label)
    if not m:
        return label
    inner = m.group(1).replace("\\times", "×")
    return re.sub(r"\^\{?(-?\d+)\}?", lambda e: e.group(1).translate(_SUPERSCRIPT), inner)


def matplotlib_annotation(text: str, **kw: Any) -> Any:
    """A Matplotlib ``Annotation`` (imported when a figure is drawn, not when this module is)."""
    from matplotlib.text import Annotation

    return Annotation(text, **kw)


def _plain_log_formatter(orig: Any) -> Any:
    """``orig`` (a log axis' mathtext formatter) giving its labels as plain text: it still chooses which
    ticks get a label (the axis hands it the tick locations), only the text changes."""
    from matplotlib.ticker import Formatter

    class PlainLog(Formatter):
        def set_axis(self, axis: Any) -> None:
            super().set_axis(axis)
            orig.set_axis(axis)

        def set_locs(self, locs: Any) -> None:
            super().set_locs(locs)
            orig.set_locs(locs)

        def __call__(self, x: Any, pos: Any = None) -> str:
            return _plain_math(orig(x, pos))

    return PlainLog()


def plain_figure_text(fig: Any) -> None:
    """Every text of ``fig`` as plain text: mathtext off, control and bidi characters visible, tick
    labels cut at :data:`FIGURE_LABEL_LIMIT` characters (the fixed and categorical tick formatters
    hold the names that axes show) and other texts at :data:`FIGURE_TEXT_LIMIT` a line."""
    from matplotlib.category import StrCategoryFormatter
    from matplotlib.text import Text
    from matplotlib.ticker import FixedFormatter, FuncFormatter, LogFormatterMathtext

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            # a log axis labels its ticks in mathtext, which is off: the same labels as plain text (10⁻³)
            for get, put in (
                (axis.get_major_formatter, axis.set_major_formatter),
                (axis.get_minor_formatter, axis.set_minor_formatter),
            ):
                if isinstance(get(), LogFormatterMathtext):
                    put(_plain_log_formatter(get()))
            for fmt in (axis.get_major_formatter(), axis.get_minor_formatter()):
                if isinstance(fmt, FixedFormatter):
                    fmt.seq = [_figure_label(str(x)) for x in fmt.seq]
                elif isinstance(fmt, FuncFormatter) and not getattr(fmt.func, "plain", False):
                    # set_ticks(ticks, labels) keeps the labels in a FuncFormatter's dictionary
                    def plain(x: Any, pos: Any = None, func: Any = fmt.func) -> str:
                        return _figure_label(str(func(x, pos)))

                    plain.plain = True  # type: ignore[attr-defined]
                    fmt.func = plain
                elif isinstance(fmt, StrCategoryFormatter):
                    fmt._units = {_figure_label(str(k)): v for k, v in fmt._units.items()}
    for text in fig.findobj(Text):
        text.set_parse_math(False)
        value = text.get_text()
        if value and (len(value) > FIGURE_LABEL_LIMIT or _CONTROL_RE.search(value)):
            lines = value.split("\n")  # a multi-line note keeps its lines, each cut on its own
            text.set_text("\n".join(_figure_label(line, FIGURE_TEXT_LIMIT) for line in lines))


#: The width (CSS px) of the text column a figure is shown in, and the smallest text to show there.
COLUMN_PX = 784
MIN_TEXT_PX = 12  # 9 pt


def legible(fig: Any, column_px: int = COLUMN_PX, min_px: int = MIN_TEXT_PX) -> float:
    """Enlarge every text of ``fig`` whose size, once the figure is shown ``column_px`` wide, would be
    under ``min_px`` CSS pixels (9 pt); then lay the figure out again. Returns the smallest size (pt)."""
    import warnings

    from matplotlib.text import Text

    need = min_px * 72 * fig.get_figwidth() / column_px
    for ax in fig.axes:  # tick labels are made anew at every draw, from the axis' tick parameters
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            for which in ("major", "minor"):
                labels = axis.get_ticklabels(which=which)
                if not labels or labels[0].get_fontsize() < need:
                    ax.tick_params(axis=name, which=which, labelsize=need)
    for text in fig.findobj(Text):
        if text.get_text() and text.get_fontsize() < need:
            text.set_fontsize(need)
    if not fig.get_constrained_layout():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # a figure-level legend sits above the axes: keep room for it
            fig.tight_layout(rect=(0, 0, 1, 0.93) if fig.legends else None)
    return need


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


def quality_note(counts: dict[str, int]) -> str:
    """The data-quality note under a table whose shown values were changed for display (empty if none)."""
    bits = []
    if counts.get("control"):
        bits.append(
            f"{counts['control']:,} value(s) hold control or bidirectional-override characters, shown here "
            "as their code points ([U+0000] for NUL, [U+202E] for a right-to-left override; tabs and line breaks "
            "as spaces)"
        )
    if counts.get("cut"):
        bits.append(f"{counts['cut']:,} value(s) longer than {DISPLAY_LIMIT:,} characters are cut")
    if not bits:
        return ""
    return "\n\n**Data quality:** " + "; ".join(bits) + ". The CSV keeps every value as recorded."


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


#: A text cell starting with one of these is a formula to a spreadsheet (OWASP's CSV injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_RE = r"^[=+\-@\t\r]"
#: A number in a text cell (``-2``, ``+3.5``, ``1e-5``): left as it is.
NUMBER_RE = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_NUMBER = re.compile(NUMBER_RE)


def csv_text(value: Any) -> Any:
    """A CSV cell that no spreadsheet can run: a string starting with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return that is not a number gets a leading ``'`` (the OWASP rule); numbers and other
    values are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def _formula_rows(col: Any) -> np.ndarray:
    """Which values of an Arrow string column a spreadsheet would run (see :func:`csv_text`): the first
    character tested in Arrow, the number pattern only where it is one of ``= + - @ tab CR``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    first = pc.is_in(pc.utf8_slice_codeunits(col, 0, 1), value_set=pa.array(FORMULA_START, col.type))
    at = np.flatnonzero(pc.fill_null(first, False).to_numpy(zero_copy_only=False))
    mask = np.zeros(len(col), dtype=bool)
    if len(at):
        number = pc.match_substring_regex(col.take(pa.array(at)), NUMBER_RE).to_numpy(zero_copy_only=False)
        mask[at[~number]] = True
    return mask


def _text_formula_rows(values: np.ndarray) -> np.ndarray:
    """:func:`_formula_rows` of an object array: in Arrow when it holds only text (and missing values),
    else value by value (numbers and lists are never formulas)."""
    import pyarrow as pa

    try:
        return _formula_rows(pa.array(values, type=pa.large_string(), from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        hit = np.fromiter((isinstance(v, str) and v.startswith(FORMULA_START) for v in values), bool, len(values))
        hit[hit] = [not _NUMBER.match(v) for v in values[hit]]
        return hit


def csv_safe(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with :func:`csv_text` applied to its headers and to every text cell (numeric columns
    are not touched; a copy only where something changes)."""
    import pyarrow as pa

    out = data
    names = [csv_text(c) if isinstance(c, str) else c for c in data.columns]
    if names != list(data.columns):
        out = out.set_axis(names, axis=1)
    for i, dtype in enumerate(data.dtypes):
        if isinstance(dtype, pd.CategoricalDtype):
            col = out.iloc[:, i]
            cats = [csv_text(c) for c in dtype.categories]
            if cats != list(dtype.categories) and len(set(cats)) == len(cats):
                out = out.copy(deep=False) if out is data else out
                out.isetitem(i, col.cat.rename_categories(cats))
            elif cats != list(dtype.categories):
                out = out.copy(deep=False) if out is data else out
                out.isetitem(i, col.astype(object).map(csv_text))
        elif isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":  # pandas' text: Arrow already
            col = out.iloc[:, i]
            hit = _formula_rows(pa.array(col.array))
            if hit.any():
                out = out.copy(deep=False) if out is data else out
                out.isetitem(i, col.where(~hit, "'" + col))
        elif pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            col = out.iloc[:, i]
            values = col.to_numpy(dtype=object)
            hit = _text_formula_rows(values)
            if hit.any():
                out = out.copy(deep=False) if out is data else out  # the caller's frame keeps its values
                fixed = values.copy()
                fixed[hit] = ["'" + v for v in values[hit]]
                out.isetitem(i, pd.Series(fixed, index=col.index, name=col.name))
    return out


def _arrow_csv_safe(table: Any) -> Any:
    """:func:`csv_safe` for an Arrow table (the large-table path): string columns only, in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, field in enumerate(table.schema):
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        col = table.column(i)
        mask = _formula_rows(col)
        if mask.any():
            quote, empty = pa.scalar("'", field.type), pa.scalar("", field.type)
            fixed = pc.if_else(pa.array(mask), pc.binary_join_element_wise(quote, col, empty), col)
            table = table.set_column(i, field, fixed)
    return table


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
                writer.write_table(_arrow_csv_safe(pa.Table.from_pandas(part, schema=schema, preserve_index=False)))
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a later slice has a type the first did not show
        pcsv.write_csv(_arrow_csv_safe(pa.Table.from_pandas(data, preserve_index=False)), path, options)
    release_arrow_memory()


class Publisher:
    """Writes a snapshot's tables and figures and renders them for the book."""

    def __init__(
        self,
        snapshot: Snapshot,
        output_dir: str | os.PathLike | None = None,
        notebook_dir: str | os.PathLike | None = None,
    ):
        self.snapshot = snapshot
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
    def version(self) -> str:
        commit = git_commit()
        meta = citation_metadata()
        return f"{meta['version']}+{commit[:12]}" if commit else meta["version"]

    @property
    def built(self) -> str:
        import datetime as dt

        return dt.datetime.now(dt.UTC).date().isoformat()

    def url(self, label: str) -> str:
        """The address of ``label`` in the site: its page and anchor (relative unless html.baseurl is set)."""
        page = os.environ.get(PAGE_ENV, "")
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
    ) -> Markdown:
        """Write ``df`` to ``tables/<label>.csv`` and return its numbered MyST table, as
        :func:`page_view` shows it (intervals in one cell, the ``first`` columns first)."""
        self._check_label(label, "tab")
        data = df.reset_index() if index else df
        write_csv(data, self.tables_dir / f"{label}.csv")
        self._sidecar(self.tables_dir, label, "table", caption, covers)
        view, joined = page_view(data.head(max_rows) if len(data) > max_rows else data, first)
        counts: dict[str, int] = {}
        shown = markdown_table(view, max_rows=max_rows, numeric=joined, counts=counts)
        more = ""
        if len(data) > max_rows:
            more = f"\n\nShowing the first {max_rows:,} of {len(data):,} rows; the CSV has them all."
        more += quality_note(counts)
        parts = [
            f":::{{table}} {caption} {self.provenance(covers)}",
            f":name: {label}",
            ":align: left",
            "",
            shown,
            ":::",
            "",
            self._link("tables", f"{label}.csv", "Data (CSV)") + more,
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
        fig.savefig(png, dpi=150, bbox_inches="tight", metadata={**meta, "Software": None})
        fig.savefig(svg, bbox_inches="tight", metadata={**meta, "Date": None, "Creator": None})
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
            "",
            f"{caption} {self.provenance(covers)}",
            ":::",
            "",
            "Download: " + " · ".join(links),
            "",
            self.cite(label, "figure"),
        ]
        return Markdown("\n".join(parts))

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
        page = os.environ.get(PAGE_ENV, "")
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
