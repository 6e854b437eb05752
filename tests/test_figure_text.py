"""Figures' text as a reader sees it: log axes labelled in plain text while mathtext is off."""

from __future__ import annotations

import re

import matplotlib

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
