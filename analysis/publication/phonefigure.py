"""A figure as a phone shows it: one panel per image, its text legible without scrolling sideways.

A figure is laid out for the text column of a wide screen (``figuretext.legible``); on a phone
(about :data:`PHONE_COLUMN_PX` CSS px of text column) the same image would be shrunk until its
text is 3 to 6 px high. :func:`phone_images` cuts the figure into what a phone shows one under the
other: the figure's own legends and title, each panel (with its own legend and colour bar), then
the figure's stamp (for a figure of one panel too: a stamp or legend as wide as the figure would
otherwise set the width its panel's text is shrunk to), and enlarges every text of the figure (all
by one factor, so the hierarchy stays) until the smallest text of each panel is at least
:data:`MIN_PHONE_TEXT_PX` once the panel is shown :data:`PHONE_COLUMN_PX` wide. It draws the
enlarged figure once per view (its panels; its own legends; its stamp) as a raster at
:data:`PHONE_DENSITY` pixels per CSS px and cuts every crop of the view from it (far cheaper than a
vector file per crop for a dense plot). ``Publisher.figure`` saves each crop as
``figures/<label>.phone-<i>.png`` beside the figure, and the page shows them instead of the figure
below 720 px (``book/_static/book.css``).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

#: The width a phone's page gives an image (CSS px: a 414-px screen less the page's and the figure's
#: margins, 341 px in Chromium, with room to spare).
PHONE_COLUMN_PX = 330
#: The width a phone's page gives an image at most (CSS px), and the pixels per CSS px of a phone's
#: screen: a panel's image is drawn at least this wide, times this density.
PHONE_IMAGE_PX = 341
PHONE_DENSITY = 2
#: CSS px per inch (an image shown at its own size).
CSS_PX_PER_INCH = 96
#: The least and the most pixels per inch of a crop's raster: a phone's density at CSS size, at
#: most four times that.
MIN_DPI = CSS_PX_PER_INCH * PHONE_DENSITY
MAX_DPI = 4 * MIN_DPI
#: The key of a crop's PNG text that gives its smallest text (pt): what the browser test measures.
PHONE_TEXT_KEY = "Smallest text (pt)"
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
    """The crops (kind, display coordinates): the figure's own legends and title, each panel with
    the colour bars nearest it, then its stamp."""
    panels = _main_axes(fig)
    boxes = {ax: [ax.get_tightbbox(renderer)] for ax in panels}
    for cax in (ax for ax in fig.axes if ax.get_visible() and ax.get_label() == "<colorbar>"):
        c = cax.get_tightbbox(renderer)
        if not panels:
            boxes[cax] = [c]
            continue
        near = min(panels, key=lambda ax: abs(ax.get_window_extent().x1 - c.x0) + abs(ax.get_window_extent().y0 - c.y0))
        boxes[near].append(c)
    parts = _figure_parts(fig)
    top = _union([a.get_window_extent(renderer) for a in parts["top"]])
    bottom = _union([a.get_window_extent(renderer) for a in parts["bottom"]])
    out = [("top", top)] if top is not None else []
    out += [("panel", box) for box in (_union(b) for b in boxes.values()) if box is not None]
    return out + ([("bottom", bottom)] if bottom is not None else [])


def _views(fig: Any) -> dict[int, str | None]:
    """Which view shows the figure's own texts: ``top`` (its legends and title), ``bottom`` (its
    other texts), None for a hidden panel's; any other text is a panel's (``panel``)."""
    from matplotlib.text import Text

    views: dict[int, str | None] = {}
    for ax in fig.axes:
        if not ax.get_visible():
            views.update((id(t), None) for t in ax.findobj(Text))
    for lg in fig.legends:
        views.update((id(t), "top" if lg.get_visible() else None) for t in [*lg.texts, lg.get_title()])
    views.update((id(t), "bottom") for t in [*fig.texts, *fig.artists])
    if fig._suptitle is not None:
        views[id(fig._suptitle)] = "top"
    return views


def _texts(fig: Any, renderer: Any) -> list[tuple[str, float, float, float]]:
    """Every visible text of ``fig`` once: (view, size in pt, x and y of its centre)."""
    from matplotlib.text import Text

    views = _views(fig)
    out = []
    for t in fig.findobj(Text):
        view = views.get(id(t), "panel")
        if view is None or not t.get_visible() or not t.get_text().strip():
            continue
        box = t.get_window_extent(renderer)
        if box.width > 0:
            out.append((view, t.get_fontsize(), box.x0 + box.width / 2, box.y0 + box.height / 2))
    return out


def _smallest(texts: list[tuple[str, float, float, float]], kind: str, region: Any) -> float | None:
    """The smallest text (pt) a crop of ``kind`` shows within ``region``."""
    sizes = [s for view, s, x, y in texts if view == kind and region.contains(x, y)]
    return min(sizes) if sizes else None


def _factor(fig: Any, regions: list[tuple[str, Any]], texts: list[tuple[str, float, float, float]]) -> float:
    """How much every text must grow so that each panel's smallest text is legible on a phone (the
    figure's own legends and texts grow with their crop: wrapped, they are legible as they are)."""
    need = 1.0
    for kind, r in regions:
        smallest = _smallest(texts, kind, r) if kind == "panel" else None
        if smallest:
            width_pt = r.width * 72 / fig.dpi
            need = max(need, MIN_PHONE_TEXT_PX * width_pt / PHONE_COLUMN_PX / smallest)
    return need


def _narrow_figure_texts(fig: Any) -> bool:
    """The figure's own legends in one column and its own texts wrapped at :data:`PHONE_LINE`
    characters: a row of entries or a line as wide as the figure cannot be shown legibly in a phone's
    column, a column of them can. Draws ``fig`` once (its tick labels are known after a draw);
    whether it changed a panel's text after that draw."""
    import textwrap

    for lg in fig.legends:
        lg.set_ncols(1)
    for t in fig.texts:
        lines = t.get_text().split("\n")
        if any(len(line) > PHONE_LINE for line in lines):
            t.set_text("\n".join(textwrap.fill(line, PHONE_LINE) for line in lines))
    # a panel as wide as its long tick labels, titles or legend entries grows with its text: wrapped
    fig.draw_without_rendering()
    changed = False
    for ax in _main_axes(fig):
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t.get_text() for t in axis.get_ticklabels()]
            if any(len(label) > PHONE_LABEL for label in labels):
                axis.set_ticks(axis.get_ticklocs(), [textwrap.fill(label, PHONE_LABEL) for label in labels])
                changed = True
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label]
        texts += list(ax.get_legend().get_texts()) if ax.get_legend() is not None else []
        for t in texts:
            if len(t.get_text()) > PHONE_LABEL:
                t.set_text(textwrap.fill(t.get_text(), PHONE_LABEL))
                changed = True
    return changed


def _enlarge(fig: Any, factor: float) -> None:
    """Every text of ``fig`` ``factor`` times larger (tick labels through their axes' parameters),
    then the figure laid out again."""
    from matplotlib.text import Text

    seen = set()  # each text once: a tick label grows with its axis' parameters only
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            for which, ticks in (("major", axis.majorTicks), ("minor", axis.minorTicks)):
                seen.update(id(label) for tick in ticks for label in (tick.label1, tick.label2))
                labels = axis.get_ticklabels(which=which)
                if labels:
                    ax.tick_params(axis=name, which=which, labelsize=labels[0].get_fontsize() * factor)
    for t in fig.findobj(Text):
        if id(t) not in seen:
            seen.add(id(t))
            t.set_fontsize(t.get_fontsize() * factor)
    # taller, not wider: the panels' rows keep room for their larger text, their width stays what
    # the text was enlarged for
    fig.set_figheight(fig.get_figheight() * factor)
    if not fig.get_constrained_layout():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig.tight_layout(rect=(0, 0, 1, 0.93) if fig.legends else None)


def _thin_tick_labels(fig: Any, renderer: Any) -> bool:
    """Every second (third, ...) tick label of an axis whose enlarged labels overlap, as fixed
    labels; whether any axis changed."""
    changed = False
    for ax in _main_axes(fig):
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            shown = [
                (loc, label)
                for loc, label in zip(axis.get_ticklocs(), axis.get_ticklabels(), strict=False)
                if lo <= loc <= hi and label.get_visible() and label.get_text()
            ]
            boxes = [label.get_window_extent(renderer) for _, label in shown]
            step = 1
            while step < len(boxes) and any(a.overlaps(b) for a, b in zip(boxes[::step], boxes[step::step])):
                step += 1
            if step > 1:
                axis.set_ticks([loc for loc, _ in shown[::step]], [label.get_text() for _, label in shown[::step]])
                changed = True
    return changed


class _Measure:
    """``fig``'s crops and texts as last measured (display coordinates at ``fig``'s resolution then),
    and whether ``fig`` has changed since (``stale``): a draw and a measurement cost about as much as
    each other on a dense figure, so neither is repeated while nothing has changed."""

    def __init__(self, fig: Any):
        self.fig = fig
        self.stale = True
        self.drawn = False
        self.regions: list[tuple[str, Any]] = []
        self.texts: list[tuple[str, float, float, float]] = []

    def changed(self) -> None:
        self.stale, self.drawn = True, False

    def draw(self) -> Any:
        """``fig`` drawn (once after a change); its renderer."""
        if not self.drawn:
            self.fig.draw_without_rendering()
            self.drawn = True
        return self.fig.canvas.get_renderer()

    def measure(self) -> None:
        """The crops and texts of ``fig`` as it is now (measured once after a change)."""
        if self.stale:
            renderer = self.draw()
            self.regions = _regions(self.fig, renderer)
            self.texts = _texts(self.fig, renderer)
            self.stale = False

    def panel_widths(self) -> list[float]:
        """The widths of the panels' crops (inches, as last measured)."""
        return [r.width / self.fig.dpi for kind, r in self.regions if kind == "panel"]


def _enlarge_for_phone(fig: Any) -> _Measure:
    """Enlarge ``fig``'s text until each panel is legible on a phone; its crops as last measured
    (their widths are what the raster's resolution is chosen for)."""
    m = _Measure(fig)
    if _narrow_figure_texts(fig):
        m.changed()
    else:
        m.drawn = True  # drawn by _narrow_figure_texts, unchanged since
    total = 1.0
    for _ in range(ROUNDS):
        m.measure()
        factor = min(_factor(fig, m.regions, m.texts) * 1.02, MAX_FACTOR / total)
        if factor <= 1.02:
            break
        _enlarge(fig, factor)
        m.changed()
        total *= factor
    if total > 1.0 and _thin_tick_labels(fig, m.draw()):
        m.changed()
    return m


def phone_view(fig: Any, kind: str) -> _Only:
    """A block within which ``fig`` shows only what a crop of ``kind`` shows."""
    return _Only(fig, kind)


@dataclass
class PhoneImage:
    """One crop a phone shows: its kind (``top``, ``panel``, ``bottom``), its pixels (RGBA, rows
    from the top), its pixels per inch, its size as shown at its own size (CSS px) and its smallest
    text (pt; None where it has none)."""

    kind: str
    pixels: Any
    dpi: float
    css_width: int
    css_height: int
    smallest_pt: float | None


def without_layout_placeholder(fig: Any) -> None:
    """``fig`` without the inert layout engine ``tight_layout`` leaves behind: with it, every
    ``savefig`` draws the figure once more before drawing it into the file (to run a layout that
    does nothing)."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        fig.set_layout_engine(None)


def _raster(fig: Any, box: Any, dpi: float) -> Any:
    """``fig`` drawn at ``dpi`` within ``box`` (inches), as an RGBA array (rows from the top): Agg's
    own pixels, not encoded and decoded again."""
    import numpy as np

    buf = io.BytesIO()
    without_layout_placeholder(fig)
    fig.savefig(buf, format="rgba", dpi=dpi, bbox_inches=box)
    # the canvas is the box at dpi, each side cut to whole pixels (as Agg's renderer does)
    pixels = np.frombuffer(buf.getbuffer(), dtype=np.uint8)
    return pixels.reshape(int(box.height * dpi), int(box.width * dpi), 4)


def phone_images(fig: Any) -> list[PhoneImage]:
    """The crops of ``fig`` a phone shows one under the other, drawn: each view
    (the panels; the figure's legends and title; its stamp) once, as a raster wide enough for a
    panel to fill a phone's column at :data:`PHONE_DENSITY` pixels per CSS px, every crop of that
    view cut from it. Changes ``fig``: save the wide figure first."""
    # measured at the raster's least resolution from the start: most panels are drawn at it
    fig.set_dpi(MIN_DPI)
    m = _enlarge_for_phone(fig)
    panels = m.panel_widths()
    dpi = max(MIN_DPI, PHONE_IMAGE_PX * PHONE_DENSITY / min(panels) if panels else 0)
    dpi = min(dpi, MAX_DPI)
    if dpi != fig.dpi:
        # measured again at the raster's own resolution (a text's width does not scale exactly with it)
        fig.set_dpi(dpi)
        m.changed()
    m.measure()
    inches = fig.dpi_scale_trans.inverted()
    crops = [(kind, r.transformed(inches).padded(0.04), _smallest(m.texts, kind, r)) for kind, r in m.regions]
    out = []
    for kind in dict.fromkeys(kind for kind, _, _ in crops):  # a view's crops follow each other
        boxes = [box for k, box, _ in crops if k == kind]
        whole = _union(boxes)
        with phone_view(fig, kind):
            pixels = _raster(fig, whole, dpi)
        for k, box, smallest in crops:
            if k != kind:
                continue
            x0 = round((box.x0 - whole.x0) * dpi)
            y0 = round((whole.y1 - box.y1) * dpi)
            cut = pixels[y0 : y0 + round(box.height * dpi), x0 : x0 + round(box.width * dpi)]
            out.append(
                PhoneImage(
                    kind, cut, dpi, round(box.width * CSS_PX_PER_INCH), round(box.height * CSS_PX_PER_INCH), smallest
                )
            )
    return out
