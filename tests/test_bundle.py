"""The edition's data bundle: every table, figure, the manifest, parameters and a codebook of every column."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
from book_fixtures import hand_snapshot

from analysis.publication import bundle
from analysis.publication.publish import Publisher


def test_bundle_holds_every_artefact_and_a_codebook_of_every_column(tmp_path):
    snap = hand_snapshot(tmp_path / "snap", models=12)
    out = tmp_path / "out"
    pub = Publisher(snap, out)
    pub.table(
        pd.DataFrame({"measure": ["x"], "Gini": [0.5], "Gini low": [0.4], "odd column": [1]}),
        "tab-a",
        "Table A.",
        covers="12 models",
    )
    pub.table(pd.DataFrame({"repositories": [3]}), "tab-b", "Table B.", covers="12 models")
    (out / "parameters.json").write_text("{}")
    site = tmp_path / "site"
    site.mkdir()
    z = zipfile.ZipFile(bundle.write_bundle(out, snap, site))
    names = set(z.namelist())
    assert {
        "tables/tab-a.csv",
        "tables/tab-a.json",
        "tables/tab-b.csv",
        "manifest.json",
        "parameters.json",
        "codebook.csv",
        "README.txt",
    } <= names
    book = pd.read_csv(io.BytesIO(z.read("codebook.csv")))
    # every column of every CSV in the bundle is in the codebook
    for name in (n for n in names if n.endswith(".csv") and n.startswith("tables/")):
        cols = pd.read_csv(io.BytesIO(z.read(name))).columns
        stem = name.split("/")[1][:-4]
        assert set(cols) == set(book.loc[book["table"] == stem, "column"]), name
    row = book.set_index(["table", "column"])
    assert row.loc[("tab-a", "Gini"), "unit"] == "ratio (0-1)"
    assert row.loc[("tab-a", "Gini low"), "meaning"].startswith("lower end of the 95% interval of: Gini")
    assert "Table A." in row.loc[("tab-a", "odd column"), "meaning"]  # no definition: the caption
    assert row.loc[("tab-b", "repositories"), "type"] == "integer"
    assert "synthetic" in z.read("README.txt").decode().lower()
