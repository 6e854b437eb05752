"""One formatter for every table the book shows (issue 28, "Formatting").

Readers get words, thousands separators and sensible precision; the CSVs keep full precision and
machine names. Unit tests of ``publish``'s formatter, and a test that reads every table of every
page of the small book (``book_fixtures.small_book_site``) and fails on e-notation, integers of
10,000 or more without separators, raw dicts, lists or Python literals, and snake_case headers.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from book_fixtures import small_book_site

from analysis.publication import publish
from analysis.publication.publish import csv_safe, csv_text, header_text, markdown_table

# --------------------------------------------------------------------------- #
# what a reader must never see in a table
# --------------------------------------------------------------------------- #

#: A number in e-notation (not a run of hexadecimal digits: the number starts a word and ends one).
E_NOTATION = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][+-]?\d+\b")
#: A run of five or more digits that is not part of a separated number, a decimal part, a name or
#: an id (letters, hyphens or slashes beside it), nor a year range.
UNSEPARATED = re.compile(r"(?<![\w.,/\-])\d{5,}(?![\w,/\-])")
PY_LITERAL = re.compile(r"^(True|False|None|null|nan|NaN|NaT|<NA>|inf|-inf)$")
RAW_CONTAINER = re.compile(r"""^\s*[\[{(].*['"]\s*:|^\s*\[['"]|^\s*\{['"]|^\s*\{\s*\}$|^\s*\[\s*\]$""")
SNAKE = re.compile(r"^[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+$")


def cell_problems(text: str) -> list[str]:
    """What is wrong with a table cell as a reader sees it (empty: nothing)."""
    t = " ".join(text.split())
    out = []
    if E_NOTATION.search(t):
        out.append(f"e-notation: {t!r}")
    if UNSEPARATED.search(t):
        out.append(f"integer without thousands separators: {t!r}")
    if PY_LITERAL.match(t):
        out.append(f"Python literal: {t!r}")
    if RAW_CONTAINER.match(t):
        out.append(f"raw dict or list: {t!r}")
    return out


def header_problems(text: str) -> list[str]:
    t = " ".join(text.split())
    return [f"snake_case header: {t!r}"] if SNAKE.match(t) else []


def test_the_checks_catch_what_they_look_for():
    assert not cell_problems("81c315db4deb0fc51d5a410e00836119a6f43ae6291fae25fb957780e1349368")  # a checksum
    bad = ["6.81e+08", "1e-05", "681000000", "12345", "True", "None", "{'a': 1}", '{"a": 1}', "['x', 'y']", "nan"]
    for text in bad:
        assert cell_problems(text), text
    good = ["681,000,000", "12,345", "9999", "2024-07-11", "yes", "a: 1", "x, y", "model-12345", "0.000012", "45.3"]
    for text in good:
        assert not cell_problems(text), text
    assert header_problems("share_of_listing_pct") and not header_problems("share of listing (%)")


# --------------------------------------------------------------------------- #
# the formatter
# --------------------------------------------------------------------------- #


def _cells(md: str) -> list[list[str]]:
    """The cells of a pipe table as a reader sees them (backslash escapes removed)."""
    rows = []
    for line in md.splitlines()[2:]:
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        rows.append([re.sub(r"\\(.)", r"\1", c).strip() for c in cells])
    return rows


def test_numbers_read_as_a_reader_expects():
    df = pd.DataFrame(
        {
            "downloads": [6.81e8, 12_345.0, 0.5, np.nan],
            "count": pd.array([1_234_567, 10_000, 7, None], dtype="Int64"),
            "share_pct": [12.3456, 0.01234, 100.0, 3.0],
            "% zero": [33.33333, 0.5, 0.0, 1.25],
            "ratio": [0.123456, 1.5e-5, 1e-12, -2.5],
            "flag": [True, False, np.True_, None],
            "detail": [{"a": 1, "b": "x"}, ["u", "v"], np.array([1, 2]), "plain"],
            "when": [pd.Timestamp("2024-07-11", tz="UTC"), pd.Timestamp("2024-07-11 13:05"), None, None],
            "p": [1e-320, 0.012, 0.5, 0.0031],
        }
    )
    md = markdown_table(df)
    heads = [re.sub(r"\\(.)", r"\1", h).strip() for h in md.splitlines()[0].split(" | ")]
    assert heads[2] == "share of listing (%)" or "share (%)" in heads[2]
    rows = _cells(md)
    assert [r[0] for r in rows] == ["681,000,000", "12,345", "0.5", ""]
    assert [r[1] for r in rows] == ["1,234,567", "10,000", "7", ""]
    assert [r[2] for r in rows] == ["12.3", "0.012", "100", "3"]
    assert [r[3] for r in rows] == ["33.3", "0.5", "0", "1.2"] or [r[3] for r in rows] == ["33.3", "0.5", "0", "1.3"]
    assert [r[4] for r in rows] == ["0.123", "0.000015", "< 0.000000001", "-2.5"]
    assert [r[5] for r in rows] == ["yes", "no", "yes", ""]
    assert [r[6] for r in rows] == ["a: 1; b: x", "u, v", "1, 2", "plain"]
    assert [r[7] for r in rows] == ["2024-07-11", "2024-07-11 13:05", "", ""]
    assert [r[8] for r in rows] == ["< 0.001", "0.012", "0.5", "0.0031"]
    for row in rows:
        for cell in row:
            assert not cell_problems(cell), cell


def test_sentences_give_p_values_as_the_tables_do():
    """A sentence's p value reads as a table's: "< 0.001" below the reporting floor (never "< 1e-300",
    "= 0" or e-notation), two significant digits below 0.01, three decimals above."""
    from analysis.publication.findings import format_p

    got = [format_p(v) for v in (0.0, 1e-320, 8.9e-8, 0.00099, 0.001, 0.0031, 0.012, 0.5, 1.0, None, float("nan"))]
    assert got == ["< 0.001"] * 4 + ["= 0.001", "= 0.0031", "= 0.012", "= 0.5", "= 1", "n/a", "n/a"]
    assert all("e" not in g.replace("n/a", "") for g in got)


def test_headers_are_words_and_the_csv_keeps_machine_names(tmp_path):
    assert header_text("repo_type") == "repository type"
    assert header_text("share_of_listing_pct") == "share of listing (%)"
    assert header_text("snapshot_as_of_paper_date") == "snapshot as of the paper's date"
    assert header_text("models_used") == "models used"
    assert header_text("top 1% share (%)") == "top 1% share (%)"
    df = pd.DataFrame({"repo_type": ["model"], "share_of_listing_pct": [1.5]})
    publish.write_csv(df, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines()[0] == "repo_type,share_of_listing_pct"


def test_a_table_shows_the_columns_chosen_and_its_csv_keeps_every_one(tmp_path):
    """``show``: the page shows those columns (an interval joined to its value), the caption names the
    others, and the CSV and its sidecar are what they are without ``show``."""
    from book_fixtures import hand_snapshot

    from analysis.publication.publish import Publisher

    snap = hand_snapshot(tmp_path / "s", models=10)
    df = pd.DataFrame(
        {
            "measure": ["likes"],
            "N": [10],
            "Gini": [0.5],
            "Gini low": [0.4],
            "Gini high": [0.6],
            "mean": [1.5],
            "SD": [2.0],
        }
    )
    full, part = Publisher(snap, tmp_path / "a"), Publisher(snap, tmp_path / "b")
    wide = full.table(df, "tab-t", "A table.", covers="10 models").text
    narrow = part.table(df, "tab-t", "A table.", covers="10 models", show=["measure", "Gini", "N"]).text
    head = next(line for line in narrow.splitlines() if line.startswith("| "))
    assert [h.strip() for h in head.strip("|").split("|")] == ["measure", "N", "Gini"]
    assert "0.5 \\[0.4, 0.6\\]" in narrow  # escaped brackets
    assert "The page shows 3 of 5 columns; more columns in the CSV: mean, SD." in narrow
    assert "more columns" not in wide
    for name in ("tab-t.csv", "tab-t.json"):
        a, b = (tmp_path / d / "tables" / name for d in "ab")
        assert a.read_text().replace(str(tmp_path / "a"), "") == b.read_text().replace(str(tmp_path / "b"), "")
    with pytest.raises(ValueError, match="does not have"):
        part.table(df, "tab-u", "A table.", covers="10 models", show=["measure", "Ginni"])


# --------------------------------------------------------------------------- #
# escaping and CSV cells
# --------------------------------------------------------------------------- #


def test_a_cell_is_text_never_markup():
    hostile = [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "*em* _u_ `code` [link](javascript:alert(1)) {sub}`x` $x^2$ {{ sub }} &amp; | ::: %c",
        "a\x00b\u202ec\u2066d\u2069",
    ]
    counts: dict[str, int] = {}
    md = markdown_table(pd.DataFrame({"name": hostile + ["L" * 100_000]}), counts=counts)
    # every ASCII punctuation character but , and . is escaped: no markup can start
    for line in md.splitlines()[2:]:
        left = re.sub(r"\\.", "", line[2:-2])  # the cell without its escaped characters
        assert not re.findall(r"[!-+\-/:-@\[-`{-~]", left), line[:200]
    cells = [c[0] for c in _cells(md)]
    assert cells[:3] == hostile[:3]  # what the reader sees is the value itself
    assert cells[3] == "a[U+0000]b[U+202E]c[U+2066]d[U+2069]"
    assert cells[4].startswith("L" * publish.DISPLAY_LIMIT + "…") and "100,000 characters" in cells[4]
    assert len(cells[4]) < publish.DISPLAY_LIMIT + 100
    assert counts == {"control": 1, "cut": 1}
    assert "Data quality" in publish.quality_note(counts)


def test_csv_cells_never_become_formulas(tmp_path, monkeypatch):
    assert [csv_text(v) for v in ["=1+1", "+1+1", "-2+3", "@SUM(1+1)", "\t=1", "\r=1", "-2", "+3.5", "1e-5", "ok"]] == [
        "'=1+1",
        "'+1+1",
        "'-2+3",
        "'@SUM(1+1)",
        "'\t=1",
        "'\r=1",
        "-2",
        "+3.5",
        "1e-5",
        "ok",
    ]
    df = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x","y")', "-2", "ok", None],
            "n": [-1, -2, 3, 4],
            "x": [-0.5, 1.0, np.nan, 2.0],
            "kind": pd.Categorical(["@a", "b", "@a", "b"]),
            "=evil": [1, 2, 3, 4],
            "mixed": [1, 2.5, "=x", ["=y"]],  # an object column of numbers, text and lists
            "ints": pd.Series([1, 2, 3, 4], dtype=object),  # an object column without text
        }
    )
    safe = csv_safe(df)
    assert safe["name"].tolist()[:3] == ['\'=HYPERLINK("http://x","y")', "-2", "ok"]
    assert safe["n"].tolist() == [-1, -2, 3, 4] and safe["x"].equals(df["x"])
    assert list(safe["kind"].astype(str)) == ["'@a", "b", "'@a", "b"]
    assert list(safe.columns)[4] == "'=evil"
    assert safe["mixed"].tolist() == [1, 2.5, "'=x", ["=y"]] and safe["ints"].tolist() == [1, 2, 3, 4]
    assert df["name"][0].startswith("=")  # the caller's frame is not changed
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    df = df.drop(columns=["kind", "mixed", "ints"])
    publish.write_csv(df, small)
    monkeypatch.setattr(publish, "LARGE_TABLE_ROWS", 2)
    monkeypatch.setattr(publish, "CSV_SLICE_ROWS", 2)
    publish.write_csv(df, large)
    for path in (small, large):
        back = pd.read_csv(path)
        assert back["name"][0].startswith("'=") and back["n"].tolist() == [-1, -2, 3, 4], path.name


def test_figure_text_is_plain(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    publish.plain_math_off()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.barh([0, 1, 2], [1, 2, 3])
    ax.set_yticks([0, 1, 2], ["$\\frac$", "a\u202eb\x00", "L" * 1000])  # a parse error as mathtext
    ax.set_title("$x^2$ <b>")
    fig2, ax2 = plt.subplots()
    ax2.bar(["=1+1\x07", "y"], [1, 2])  # categorical
    for f in (fig, fig2):
        publish.plain_figure_text(f)
        f.savefig(tmp_path / "f.svg")  # draws: no mathtext error
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "$\\frac$" and labels[1] == "a[U+202E]b[U+0000]"
    assert labels[2] == "L" * publish.FIGURE_LABEL_LIMIT + "…"
    assert [t.get_text() for t in ax2.get_xticklabels()] == ["=1+1[U+0007]", "y"]
    plt.close("all")


# --------------------------------------------------------------------------- #
# every table the book shows
# --------------------------------------------------------------------------- #


def _tables(page: Path) -> list[tuple[list[str], list[str]]]:
    """(headers, cells) of every table of a built page, as text."""
    text = page.read_text(encoding="utf-8")
    out = []
    for table in re.findall(r"<table\b.*?</table>", text, re.S):
        heads = [html.unescape(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r"<th\b.*?</th>", table, re.S)]
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td\b.*?</td>", table, re.S)]
        out.append((heads, cells))
    return out


def book_table_problems(site: Path) -> tuple[int, list[str]]:
    """How many tables the site's pages show, and what is wrong in them."""
    problems, n = [], 0
    for page in sorted((site / "book").glob("*.html")):
        for i, (heads, cells) in enumerate(_tables(page), 1):
            n += 1
            where = f"{page.name} table {i}"
            problems += [f"{where}: {p}" for h in heads for p in header_problems(h)]
            problems += [f"{where}: {p}" for c in cells for p in cell_problems(c)]
    return n, problems


@pytest.mark.slow
def test_every_table_the_book_shows_reads_cleanly(tmp_path_factory):
    site = small_book_site(tmp_path_factory)
    n, problems = book_table_problems(site)
    print(f"{n} tables read")
    assert n >= 20, f"only {n} tables found in the book's pages"
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:60])


def test_the_core_members_sentence_names_developers_through_the_pages_escaping():
    """Developer and repository names are strings from the Hub: the sentence under tab-core-members
    shows each as a code span whose fence no backtick in the name can end, so a name cannot become
    markup and is shown exactly (no typographic quotes)."""
    from analysis.parts import actors
    from analysis.publication.publish import md_code

    evil = "x`<img src=x onerror=alert(1)>`"
    repo = "o/[link](javascript:alert(1))"
    table = pd.DataFrame(
        {
            "developer": [evil],
            "coreness": [3],
            "degree": [5],
            "model repositories": [2],
            "downloads of its repositories (30 days)": [10.0],
            "most downloaded repository": [repo],
        }
    )
    text = actors.members_sentence(table, None, name=md_code)
    assert md_code(evil) == "`` x`<img src=x onerror=alert(1)>` ``"
    assert "led by `` x`<img src=x onerror=alert(1)>` `` (coreness" in text
    assert f"most downloaded: {md_code(repo)})." in text
    from markdown_it import MarkdownIt  # the CommonMark parser under MyST

    html_text = MarkdownIt("commonmark").render(text)
    assert "<img" not in html_text and "<a " not in html_text and "&lt;img src=x onerror=alert(1)&gt;" in html_text


def test_findings_notes_give_the_test_statistic_without_e_notation():
    """A findings note's Kruskal-Wallis H: four significant digits, separators, never e-notation."""
    from analysis.parts.activity.summary import statistic_text

    assert statistic_text(2.961e04) == "29,610"
    assert statistic_text(42_500.1) == "42,500"
    assert statistic_text(32.4567) == "32.46"
    assert statistic_text(0.0) == "0"
    assert "e" not in statistic_text(1.2345e-05)


def test_a_table_can_cap_its_csv_and_give_every_row_as_parquet(tmp_path):
    """``csv_rows`` caps the CSV (the caption says the cap and the total); ``parquet`` writes the whole
    table beside it, linked as "Data (Parquet)"."""
    from book_fixtures import hand_snapshot

    pub = publish.Publisher(hand_snapshot(tmp_path / "s", models=10), tmp_path / "out")
    df = pd.DataFrame({"pair": [f"a{i}" for i in range(120)], "score": np.linspace(1, 0, 120)})
    md = pub.table(df, "tab-pairs", "Pairs.", covers="nothing", max_rows=10, parquet=True, csv_rows=50).text
    tables = tmp_path / "out" / "tables"
    assert len(pd.read_csv(tables / "tab-pairs.csv")) == 50
    pd.testing.assert_frame_equal(pd.read_parquet(tables / "tab-pairs.parquet"), df)
    assert "The CSV holds the first 50 of the 120 rows; the Parquet file has them all." in md
    assert 'tab-pairs.parquet" download>Data (Parquet)</a>' in md
    assert "Showing the first 10 of 120 rows; the Parquet file has them all." in md
    plain = pub.table(df, "tab-plain", "Pairs.", covers="nothing", csv_rows=500).text
    assert "Parquet" not in plain and "holds the first" not in plain
    assert len(pd.read_csv(tables / "tab-plain.csv")) == 120
