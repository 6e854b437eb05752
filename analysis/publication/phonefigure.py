"""A figure as a phone shows it: one panel per image, its text legible without scrolling sideways.

A figure is laid out for the text column of a wide screen (``figuretext.legible``); on a phone
(about :data:`PHONE_COLUMN_PX` CSS px of text column) the same image would be shrunk until its
text is 3 to 6 px high. :func:`phone_crops` cuts the figure into what a phone shows one under the
other: each panel (with its own legend and colour bar), then what belongs to the whole figure (its
legends and title; its stamp), and enlarges every text of the figure (all by one factor, so the
hierarchy stays) until the smallest text of each crop is at least :data:`MIN_PHONE_TEXT_PX` once
the crop is shown :data:`PHONE_COLUMN_PX` wide. ``Publisher.figure`` saves each crop as
``figures/<label>.phone-<i>.png`` and ``.svg`` beside the figure, and the page shows them instead
of the figure below 720 px (``book/_static/book.css``).
"""

from __future__ import annotations

import warnings
from typing import Any

#: The width a phone's page gives an image (CSS px: a 414-px screen less the page's and the figure's
#: margins, 341 px in Chromium, with room to spare).
PHONE_COLUMN_PX = 330
#: The smallest text a phone shows (CSS px; 9 is the book's floor, with room for rounding).
MIN_PHONE_TEXT_PX = 9.5
#: Rounds of enlarging the text (a crop's width changes a little as its text grows).
ROUNDS = 4
#: Never more than this many times the text of the figure as laid out for a wide screen.
MAX_FACTOR = 3.0
#: The figure's own texts (a note, the stamp) are wrapped at this many characters a line: a line as
#: wide as the figure cannot be shown legibly in a phone's column, however large its text.
PHONE_LINE = 45
#: A panel's tick labels, titles and legend entries are wrapped at this many characters a line.
PHONE_LABEL = 28


def _main_axes(fig: Any) -> list[Any]:
    """The panels of ``fig``: its visible axes that are not colour bars."""
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def _union(boxes: list[Any]) -> Any:
    from matplotlib.transforms import Bbox

    boxes = [b for b in boxes if b is not None and b.width > 0 and b.height > 0]
    return Bbox.union(boxes) if boxes else None


def _figure_parts(fig: Any) -> dict[str, list[Any]]:
    """The artists of each kind of crop: the figure's legends and title (``top``), its other texts
    and artists (``bottom``: the snapshot stamp)."""
    top = [lg for lg in fig.legends if lg.get_visible()]
    if fig._suptitle is not None and fig._suptitle.get_text():
        top.append(fig._suptitle)
    bottom = [t for t in fig.texts if t.get_visible() and t.get_text()] + [a for a in fig.artists if a.get_visible()]
    return {"top": top, "bottom": bottom}


class _Only:
    """Within the block, only what a crop of ``kind`` shows is visible (the panels, or the figure's
    own legends and texts); afterwards every artist as it was."""

    def __init__(self, fig: Any, kind: str):
        parts = _figure_parts(fig)
        hide = []
        if kind == "panel":
            hide = parts["top"] + parts["bottom"]
        elif kind in ("top", "bottom"):
            hide = [ax for ax in fig.axes if ax.get_visible()] + parts["bottom" if kind == "top" else "top"]
        self.hide = hide

    def __enter__(self) -> None:
        for a in self.hide:
            a.set_visible(False)

    def __exit__(self, *exc: Any) -> None:
        for a in self.hide:
            a.set_visible(True)


def _regions(fig: Any, renderer: Any) -> list[tuple[str, Any]]:
    """The crops (kind, display coordinates): a figure of one panel whole; else the figure's own
    legends and title, each panel with the colour bars nearest it, then its stamp."""
    panels = _main_axes(fig)
    if len(panels) <= 1:
        return [("whole", fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans))]
    boxes = {ax: [ax.get_tightbbox(renderer)] for ax in panels}
    for cax in (ax for ax in fig.axes if ax.get_visible() and ax.get_label() == "<colorbar>"):
        c = cax.get_tightbbox(renderer)
        near = min(panels, key=lambda ax: abs(ax.get_window_extent().x1 - c.x0) + abs(ax.get_window_extent().y0 - c.y0))
        boxes[near].append(c)
    parts = _figure_parts(fig)
    top = _union([a.get_window_extent(renderer) for a in parts["top"]])
    bottom = _union([a.get_window_extent(renderer) for a in parts["bottom"]])
    out = [("top", top)] if top is not None else []
    out += [("panel", _union(b)) for b in boxes.values()]
    return out + ([("bottom", bottom)] if bottom is not None else [])


def _texts_in(fig: Any, region: Any, renderer: Any) -> list[float]:
    """The font sizes (pt) of the visible texts drawn inside ``region``."""
    from matplotlib.text import Text

    sizes = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip() or not all(a.get_visible() for a in _ancestors(t)):
            continue
        box = t.get_window_extent(renderer)
        if box.width > 0 and region.contains(box.x0 + box.width / 2, box.y0 + box.height / 2):
            sizes.append(t.get_fontsize())
    return sizes


def _ancestors(artist: Any) -> list[Any]:
    """The axes or legend a text belongs to (hidden with it)."""
    out = []
    ax = getattr(artist, "axes", None)
    if ax is not None:
        out.append(ax)
    fig = artist.get_figure()
    for lg in getattr(fig, "legends", []):
        if artist in lg.texts or artist is lg.get_title():
            out.append(lg)
    return out


def _factor(fig: Any, regions: list[tuple[str, Any]], renderer: Any) -> float:
    """How much every text must grow so that each panel's smallest text is legible on a phone (the
    figure's own legends and texts grow with their crop: wrapped, they are legible as they are)."""
    need = 1.0
    for kind, r in regions:
        if kind in ("top", "bottom"):
            continue
        with _Only(fig, kind):
            sizes = _texts_in(fig, r, renderer)
        if sizes:
            width_pt = r.width * 72 / fig.dpi
            need = max(need, MIN_PHONE_TEXT_PX * width_pt / PHONE_COLUMN_PX / min(sizes))
    return need


def _narrow_figure_texts(fig: Any) -> None:
    """The figure's own legends in one column and its own texts wrapped at :data:`PHONE_LINE`
    characters: a row of entries or a line as wide as the figure cannot be shown legibly in a phone's
    column, a column of them can."""
    import textwrap

    for lg in fig.legends:
        lg.set_ncols(1)
    for t in fig.texts:
        lines = t.get_text().split("\n")
        if any(len(line) > PHONE_LINE for line in lines):
            t.set_text("\n".join(textwrap.fill(line, PHONE_LINE) for line in lines))
    # a panel as wide as its long tick labels, titles or legend entries grows with its text: wrapped
    fig.draw_without_rendering()
    for ax in _main_axes(fig):
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t.get_text() for t in axis.get_ticklabels()]
            if any(len(label) > PHONE_LABEL for label in labels):
                axis.set_ticks(axis.get_ticklocs(), [textwrap.fill(label, PHONE_LABEL) for label in labels])
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label]
        texts += list(ax.get_legend().get_texts()) if ax.get_legend() is not None else []
        for t in texts:
            if len(t.get_text()) > PHONE_LABEL:
                t.set_text(textwrap.fill(t.get_text(), PHONE_LABEL))


def _enlarge(fig: Any, factor: float) -> None:
    """Every text of ``fig`` ``factor`` times larger (tick labels through their axes' parameters),
    then the figure laid out again."""
    from matplotlib.text import Text

    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            for which in ("major", "minor"):
                labels = axis.get_ticklabels(which=which)
                if labels:
                    ax.tick_params(axis=name, which=which, labelsize=labels[0].get_fontsize() * factor)
    seen = set()
    for t in fig.findobj(Text):
        if id(t) not in seen:
            seen.add(id(t))
            t.set_fontsize(t.get_fontsize() * factor)
    if not fig.get_constrained_layout():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig.tight_layout(rect=(0, 0, 1, 0.93) if fig.legends else None)


def phone_crops(fig: Any) -> list[tuple[str, Any]]:
    """The crops of ``fig`` a phone shows one under the other, as ``(kind, bbox in inches)`` (for
    ``savefig``'s ``bbox_inches``, within ``phone_view(fig, kind)``), after enlarging its text until
    each is legible at :data:`PHONE_COLUMN_PX`. Changes ``fig``: save the wide figure first."""
    _narrow_figure_texts(fig)
    total = 1.0
    for _ in range(ROUNDS):
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        factor = min(_factor(fig, _regions(fig, renderer), renderer) * 1.02, MAX_FACTOR / total)
        if factor <= 1.02:
            break
        _enlarge(fig, factor)
        total *= factor
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    inches = fig.dpi_scale_trans.inverted()
    return [(kind, r.transformed(inches).padded(0.04)) for kind, r in _regions(fig, renderer)]


def phone_view(fig: Any, kind: str) -> _Only:
    """A block within which ``fig`` shows only what a crop of ``kind`` shows."""
    return _Only(fig, kind)
