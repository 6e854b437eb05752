"""Figures' text as a reader sees it: log axes labelled in plain text while mathtext is off."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from book_fixtures import hand_snapshot  # noqa: E402

from analysis.publication.publish import Publisher, _plain_math  # noqa: E402


def test_mathtext_tick_labels_become_plain_text():
    assert _plain_math("$\\mathdefault{10^{-3}}$") == "10⁻³"
    assert _plain_math("$\\mathdefault{2\\times10^{0}}$") == "2×10⁰"
    assert _plain_math("$\\mathdefault{10^{7}}$") == "10⁷"
    assert _plain_math("a $5 name") == "a $5 name" and _plain_math("") == ""


def test_a_published_log_log_figure_has_no_raw_mathtext(tmp_path):
    """Publisher turns mathtext off (a '$' in a Hub name is a dollar sign); a log axis must then not
    print '$\\mathdefault{10^{3}}$' as its tick labels, as every log axis of the book once did."""
    snap = hand_snapshot(tmp_path / "s", models=10)
    pub = Publisher(snap, tmp_path / "out")
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog([1, 10, 1000], [1e-3, 1e-1, 1])
    pub.figure(fig, "fig-loglog", "A log-log figure.", covers="nothing")
    svg = (tmp_path / "out" / "figures" / "fig-loglog.svg").read_text()
    texts = re.findall(r"<!-- (.*?) -->", svg)  # Matplotlib writes each text drawn as a comment
    assert not [t for t in texts if "$" in t or "mathdefault" in t], texts
    assert {"10⁰", "10¹", "10²", "10³", "10⁻³", "10⁻²", "10⁻¹"} <= set(texts)
    # the axis still chooses which ticks get a label: three decades, no minor tick labelled
    assert not [t for t in texts if "×" in t], texts


def test_the_synthetic_warning_never_overlaps_the_stamp(tmp_path):
    """In a narrow figure the snapshot stamp and the red synthetic-data line once sat side by side on
    one line and overlapped; the warning is now on the line below, whatever the text size."""
    from matplotlib.text import Text

    from analysis.publication.publish import legible

    snap = hand_snapshot(tmp_path / "s", models=10)
    pub = Publisher(snap, tmp_path / "out")
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    pub.stamp(fig)
    legible(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = {t.get_text(): t.get_window_extent(renderer) for t in fig.findobj(Text) if t.get_text()}
    stamp = next(b for s, b in texts.items() if s.startswith("hf-hub-activity"))
    warning = texts["SYNTHETIC DATA: not facts about the Hub"]
    assert warning.y1 <= stamp.y0 + 0.5 and not stamp.overlaps(warning)
    plt.close(fig)


def _smallest_px(svg_text: str, column_px: float) -> float:
    """The smallest text of a Matplotlib SVG (CSS px) once it is shown ``column_px`` wide (or at its
    own width, when narrower)."""
    width = float(re.search(r'<svg[^>]*\bwidth="([0-9.]+)pt"', svg_text).group(1))
    sizes = [100 * float(s) for s in re.findall(r"scale\(([0-9.]+) -\1\)", svg_text)]
    return min(sizes) * min(column_px, width * 4 / 3) / width


def _phone_smallest_px(png: Path, column_px: float) -> float:
    """The smallest text of a phone's crop (CSS px) once it is shown ``column_px`` wide (or at its
    own width, when narrower): its PNG names its smallest text (pt) and its pixels per inch."""
    from PIL import Image

    from analysis.publication.phonefigure import PHONE_TEXT_KEY

    with Image.open(png) as im:
        smallest = float(im.text[PHONE_TEXT_KEY])
        width_pt = im.width / im.info["dpi"][0] * 72
    return smallest * min(column_px, width_pt * 4 / 3) / width_pt


def test_a_phone_shows_each_panel_with_legible_text(tmp_path):
    """A three-panel figure (too small to read at a phone's width: about 5 px) is also saved as the
    crops a phone shows, one under the other: the figure's legend, each panel, the stamp, each with
    its text at least 9 CSS px in a 330-px column; the page shows them below 720 px."""
    from analysis.publication.phonefigure import MIN_PHONE_TEXT_PX, PHONE_COLUMN_PX

    snap = hand_snapshot(tmp_path / "s", models=10)
    pub = Publisher(snap, tmp_path / "out")
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    for i, ax in enumerate(axes):
        ax.plot([1, 2, 3], [i, 2, 1], label=f"series {i}")
        ax.set_title(f"panel {i}")
        ax.set_xlabel("downloads")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", ncols=3)
    md = pub.figure(fig, "fig-three", "Three panels.", covers="nothing").text
    figures = tmp_path / "out" / "figures"
    assert _smallest_px((figures / "fig-three.svg").read_text(), PHONE_COLUMN_PX) < 9  # the figure itself
    crops = sorted(figures.glob("fig-three.phone-*.png"))
    assert len(crops) == 5  # the legend, three panels, the stamp
    for png in crops:
        assert _phone_smallest_px(png, PHONE_COLUMN_PX) >= MIN_PHONE_TEXT_PX - 0.05, png.name
    assert ":figclass: hf-phone-figure" in md and md.count("../figures/fig-three.phone-") == 5
    assert 'alt="Three panels.' in md


def test_a_panel_as_wide_as_its_labels_is_legible_on_a_phone(tmp_path):
    """Long tick labels make a panel as wide as its text: enlarging the text alone widened the crop
    as fast as the text grew; the labels are wrapped for the phone instead."""
    from analysis.publication.phonefigure import MIN_PHONE_TEXT_PX, PHONE_COLUMN_PX

    snap = hand_snapshot(tmp_path / "s", models=10)
    pub = Publisher(snap, tmp_path / "out")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    names = [f"a rather long category name number {i} of the panel" for i in range(5)]
    for ax in axes:
        ax.barh(names, range(1, 6))
    pub.figure(fig, "fig-long", "Long labels.", covers="nothing")
    crops = sorted((tmp_path / "out" / "figures").glob("fig-long.phone-*.png"))
    assert crops
    for png in crops:
        assert _phone_smallest_px(png, PHONE_COLUMN_PX) >= MIN_PHONE_TEXT_PX - 0.05, png.name


@pytest.mark.parametrize("layout", [None, "constrained"])
def test_the_figure_is_saved_with_the_box_savefig_tight_would_measure(tmp_path, layout):
    """The PNG and SVG share one tight box, measured once: the PNG is the size savefig's own "tight"
    gives the same figure (stamp below it included), and both files show the whole figure; a
    constrained layout is laid out before it is measured (the landing page's figure, with its legend
    under the axes, was once saved 1,395 px wide instead of 1,223)."""
    import io

    from PIL import Image

    from analysis.publication.publish import legible, plain_figure_text

    snap = hand_snapshot(tmp_path / "s", models=10)

    def draw():
        fig, axes = plt.subplots(2, 1, figsize=(8, 4), layout=layout)
        for ax in axes:
            ax.plot([1, 2, 3], [3, 1, 2], label="a series with a long name")
            ax.set_xlabel("a label under the axis")
        axes[0].set_title("a title above it")
        axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
        return fig

    pub = Publisher(snap, tmp_path / "out")
    pub.figure(draw(), "fig-box", "A box.", covers="nothing")
    ref = draw()
    Publisher(snap, tmp_path / "ref").stamp(ref)
    plain_figure_text(ref)
    legible(ref)
    buf = io.BytesIO()
    ref.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    figures = tmp_path / "out" / "figures"
    with Image.open(figures / "fig-box.png") as got, Image.open(buf) as want:
        assert got.size == want.size
        png_width_in = got.size[0] / 150
    svg = (figures / "fig-box.svg").read_text()
    width = float(re.search(r'<svg[^>]*\bwidth="([0-9.]+)pt"', svg).group(1))
    assert abs(width / 72 - png_width_in) < 0.02
    assert "a label under the axis" in svg and "hf-hub-activity" in svg


def test_a_crop_raster_is_the_figure_as_savefig_draws_it(tmp_path):
    """The crops are cut from Agg's own pixels (no PNG written and read back): the same pixels a
    PNG of the same box holds."""
    import io

    import numpy as np
    from matplotlib.transforms import Bbox
    from PIL import Image

    from analysis.publication.phonefigure import _raster

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([0, 1, 2], [2, 0, 1])
    ax.set_title("pixels")
    for box, dpi in (
        (Bbox.from_extents(0.13, 0.07, 4.61, 2.93), 192.0),
        (Bbox.from_extents(-0.1, -0.3, 5.1, 3.1), 233.7),
    ):
        got = _raster(fig, box, dpi)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches=box)
        with Image.open(buf) as im:
            want = np.asarray(im.convert("RGBA"))
        assert got.shape == want.shape and (got == want).all()
    plt.close(fig)


def test_a_figure_is_drawn_few_times_and_its_crops_saved_opaque(tmp_path):
    """Publishing a figure a phone can read as it is draws it five times: its PNG, its SVG, once to
    measure the phone's crops (a measurement is not repeated while nothing changed), and the two
    rasters the crops are cut from (savefig's "tight" once drew twice per file: nine draws). An
    opaque crop is saved as RGB (smaller, quicker to compress), with its pixels per inch."""
    from matplotlib.figure import Figure
    from PIL import Image

    snap = hand_snapshot(tmp_path / "s", models=10)
    pub = Publisher(snap, tmp_path / "out")
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2, 3], [3, 1, 2])
    draws = []
    original = Figure.draw

    def counted(self, renderer):
        draws.append(type(renderer).__name__)
        return original(self, renderer)

    Figure.draw = counted
    try:
        pub.figure(fig, "fig-draws", "Draws.", covers="nothing")
    finally:
        Figure.draw = original
    assert len(draws) == 5, draws
    crops = sorted((tmp_path / "out" / "figures").glob("fig-draws.phone-*.png"))
    assert len(crops) == 2  # the panel, the stamp
    for png in crops:
        with Image.open(png) as im:
            assert im.mode == "RGB" and round(im.info["dpi"][0]) == 192
