"""A figure's text as a reader sees it: plain (no mathtext, visible control characters, cut
names) and legible (enlarged to at least 9 pt once shown in the text column).

:func:`plain_figure_text` and :func:`legible` are applied by ``Publisher.figure`` to every figure
before it is saved.
"""

from __future__ import annotations

import re
from typing import Any

from analysis.publication.pagetext import _CONTROL_RE, display_text

#: A figure's text shows at most this many characters a line.
FIGURE_TEXT_LIMIT = 200
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
