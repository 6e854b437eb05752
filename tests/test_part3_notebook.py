"""The Part III notebook executes under papermill on a tiny snapshot and writes its tables."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from book_fixtures import assert_published, run_book_notebook

from analysis import paths
from analysis.snapshot import write_snapshot

NOTEBOOK = paths.BOOK / "part3_adoption.ipynb"
LABELS = [
    "tab-adoption",
    "tab-top-models",
    "tab-top-owners",
    "tab-owner-kinds",
    "tab-adoption-subfields",
    "tab-top-models-subfields",
    "tab-co-usage-pairs",
]
FIGURES = ["fig-spaces-per-model-ccdf", "fig-owner-usage-share"]


@pytest.fixture
def tiny(tmp_path):
    models = pd.DataFrame(
        {
            "id": ["google/a", "google/b", "alice/c", "bob/d", "gpt2"],
            "owner": ["google", "google", "alice", "bob", None],
            "name": ["a", "b", "c", "d", "gpt2"],
            "tags": [["text-generation"], ["image-classification"], ["text-to-image"], [], ["fill-mask"]],
            "pipeline_tag": ["text-generation", "image-classification", "text-to-image", None, "fill-mask"],
            "downloads": [10, 2, 3, 0, 5],
            "likes": [1, 0, 0, 0, 2],
        }
    )
    spaces = pd.DataFrame({"id": [f"u/s{i}" for i in range(4)], "name": [f"s{i}" for i in range(4)]})
    edges = pd.DataFrame(
        [
            ("u/s0", "google/a"),
            ("u/s0", "alice/c"),
            ("u/s1", "google/a"),
            ("u/s1", "google/b"),
            ("u/s2", "gpt2"),
            ("u/s2", "google/a"),
        ],
        columns=["space_id", "model_id"],
    )
    owners = pd.DataFrame({"owner": ["alice"], "kind": ["user"]})
    return write_snapshot(
        tmp_path / "tiny-p3", {"models": models, "spaces": spaces, "space_models": edges, "owners": owners}
    )


@pytest.mark.slow
def test_notebook_runs_under_papermill(tiny, tmp_path):
    out_dir = tmp_path / "build"
    executed = run_book_notebook("part3_adoption", tiny.path, out_dir, tmp_path, top_n=3)
    assert_published(out_dir, LABELS, FIGURES)
    summary = pd.read_csv(out_dir / "tables" / "tab-adoption.csv").set_index("measure")
    assert float(summary.loc["models used by at least one space", "value"]) == 4
    assert float(summary.loc["spaces using at least one model", "value"]) == 3
    top = pd.read_csv(out_dir / "tables" / "tab-top-models.csv")
    assert top["model"].tolist() == ["google/a", "alice/c", "google/b"]  # top_n injected, ties by id
    kinds = pd.read_csv(out_dir / "tables" / "tab-owner-kinds.csv").set_index("owner")
    assert kinds.loc["alice", "kind"] == "user"
    assert kinds.loc["google", "kind"] == "organization"
    text = json.dumps(executed.cells[-1].outputs)
    assert "tab-co-usage-pairs" in text
