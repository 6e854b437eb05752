"""How a page shows a value: the one formatter and escaper of every table cell, header and data-carrying text.

Every value from the Hub is text, never markup: :func:`md_escape` backslash-escapes every ASCII
punctuation character, :func:`display_text` makes control and bidi characters visible and cuts
absurd lengths. Numbers read as a reader expects (:func:`_fmt_float`: thousands separators, no
e-notation, sensible precision; p values below :data:`P_FLOOR` as "< 0.001"), headers in words
(:func:`header_text`). :func:`page_view` joins a value and its interval into one cell and orders
the columns, :func:`shown_columns` keeps those a page shows, and :func:`markdown_table` writes
the pipe table; the CSV keeps every column and full precision (``publish.write_csv``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.finding import P_FLOOR  # the reporting floor of p values, shared with the findings' notes

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


def shown_columns(view: pd.DataFrame, show: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """The columns of a :func:`page_view` that ``show`` names (in the view's order), and the names of
    the others; a name of ``show`` that the view does not have is an error (a typo would hide nothing)."""
    unknown = [c for c in show if c not in view.columns]
    if unknown:
        raise ValueError(f"show names columns the table does not have: {unknown}")
    hidden = [str(c) for c in view.columns if c not in show]
    return view[[c for c in view.columns if c in show]], hidden


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
