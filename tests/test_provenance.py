"""Downloads keep their context: a table's CSV, a figure's PNG and SVG say which snapshot they
come from (and a synthetic one says so), read back as a reader's tools would."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from book_fixtures import hand_snapshot  # noqa: E402
from PIL import Image  # noqa: E402

from analysis.publication.publish import Publisher  # noqa: E402


def test_png_svg_and_csv_carry_their_snapshot(tmp_path):
    snap = hand_snapshot(tmp_path / "snap", models=12)
    pub = Publisher(snap, tmp_path / "out", page="part9_test")
    md = pub.table(pd.DataFrame({"a": [1, 2]}), "tab-demo", "A demo table.", covers="12 models").text
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    fmd = pub.figure(fig, "fig-demo", "A **demo** figure.", covers="12 models").text

    side = json.loads((tmp_path / "out" / "tables" / "tab-demo.json").read_text())
    assert side["snapshot"] == {"id": snap.id, "date": snap.date, "source_kind": "synthetic", "synthetic": True}
    assert side["label"] == "tab-demo" and side["caption"] == "A demo table."
    assert side["book"]["url"] == "part9_test.html#tab-demo"
    assert pd.read_csv(tmp_path / "out" / "tables" / "tab-demo.csv")["a"].tolist() == [1, 2]  # the CSV stays plain

    png = Image.open(tmp_path / "out" / "figures" / "fig-demo.png")
    assert snap.id in png.text["Source"] and "synthetic data" in png.text["Source"]
    assert png.text["Title"] == "fig-demo: A demo figure."

    svg = ET.parse(tmp_path / "out" / "figures" / "fig-demo.svg").getroot()
    texts = " ".join(e.text or "" for e in svg.iter())
    assert snap.id in texts and "fig-demo: A demo figure." in texts
    # the visible line under the figure names the snapshot, and the synthetic mark is drawn
    assert "SYNTHETIC DATA" in (tmp_path / "out" / "figures" / "fig-demo.svg").read_text()

    # the links point to the stable folders, and the cite box has an author and the page URL
    assert '<a href="../tables/tab-demo.csv" download>' in md
    assert '<a href="../figures/fig-demo.svg" download>' in fmd
    assert "The hf-hub-activity project (" in md and "part9_test.html#tab-demo" in md
    assert ":alt: A demo figure. (snapshot" in fmd


def test_figure_text_is_at_least_9pt_in_the_text_column():
    from matplotlib.text import Text

    from analysis.publication.publish import COLUMN_PX, legible

    fig, ax = plt.subplots(figsize=(11, 4))
    ax.set_title("tiny", fontsize=6)
    ax.tick_params(labelsize=5)
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(fontsize=5)
    legible(fig)
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text()]
    shown_px = [s / 72 / fig.get_figwidth() * COLUMN_PX for s in sizes]
    assert min(shown_px) >= 12 - 1e-9  # 9 pt = 12 CSS px once the figure is 784 px wide
    plt.close(fig)


def test_a_large_table_is_written_by_arrow_with_the_same_values(tmp_path, monkeypatch):
    import numpy as np
    import pandas as pd

    from analysis.publication import publish

    df = pd.DataFrame(
        {
            "name_a": ["x", "y,z", 'q"', None],
            "score": [100.0, 92.3076923076923, np.nan, 90.0],
            "commits": np.array([1, 2, 3, 4], dtype=np.int64),
        }
    )
    publish.write_csv(df, tmp_path / "small.csv")
    assert (tmp_path / "small.csv").read_text().splitlines()[1] == "x,100.0,1"  # pandas' notation
    monkeypatch.setattr(publish, "LARGE_TABLE_ROWS", 2)
    publish.write_csv(df, tmp_path / "large.csv")
    assert (tmp_path / "large.csv").read_text() != (tmp_path / "small.csv").read_text()
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "large.csv"), pd.read_csv(tmp_path / "small.csv"))
    monkeypatch.setattr(publish, "CSV_SLICE_ROWS", 1)  # the types of the first 2 rows, then a row at a time
    publish.write_csv(df, tmp_path / "sliced.csv")
    assert (tmp_path / "sliced.csv").read_bytes() == (tmp_path / "large.csv").read_bytes()


def test_a_page_shows_intervals_in_one_cell_and_the_key_columns_first():
    import numpy as np
    import pandas as pd

    from analysis.publication.publish import markdown_table, page_view

    df = pd.DataFrame(
        {
            "measure": ["likes", "commits"],
            "mean": [1.5, 2.0],
            "Gini": [0.985, np.nan],
            "Gini low": [0.98, np.nan],
            "Gini high": [0.99, np.nan],
            "N": [760_000, 0],
        }
    )
    view, joined = page_view(df, first=("measure", "N", "Gini", "absent"))
    assert list(view.columns) == ["measure", "N", "Gini", "mean"]
    assert joined == {"Gini"}
    assert view["Gini"].tolist() == ["0.985 [0.98, 0.99]", ""]
    text = markdown_table(view, numeric=joined)
    assert text.splitlines()[1] == "| :--- | ---: | ---: | ---: |"
    # the brackets escaped: a page cell is text, never markup
    assert "| likes | 760,000 | 0.985 \\[0.98, 0.99\\] | 1.5 |" in text


def test_a_large_table_whose_first_slice_has_no_text_still_writes_every_value(tmp_path, monkeypatch):
    import pandas as pd

    from analysis.publication import publish

    df = pd.DataFrame({"note": [None, None, "late", None], "n": [1, 2, 3, 4]})
    monkeypatch.setattr(publish, "LARGE_TABLE_ROWS", 2)
    monkeypatch.setattr(publish, "CSV_SLICE_ROWS", 2)
    publish.write_csv(df, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["note"].tolist()[2] == "late" and back["n"].tolist() == [1, 2, 3, 4]
