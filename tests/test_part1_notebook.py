"""The Part I notebook executes under papermill on a tiny snapshot and writes its tables/figures."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest
from book_fixtures import assert_published, run_book_notebook

from analysis import paths
from analysis.snapshot import write_snapshot

NOTEBOOK = paths.BOOK / "part1_activity.ipynb"
TABLES = [
    "tab-activity",
    "tab-tails",
    "tab-license-mapping",
    "tab-licenses",
    "tab-license-groups",
    "tab-license-tests",
    "tab-license-dunn",
    "tab-license-sensitivity",
    "tab-as-of",
]
FIGURES = ["fig-activity-ccdf", "fig-activity-lorenz", "fig-license-distributions"]


def test_notebook_template_declares_paper_date_and_labels_extensions():
    # generic template checks (no outputs, one parameters cell) are in tests/test_notebooks.py
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    src = params[0].source
    assert 'snapshot_dir = ""' in src and 'output_dir = ""' in src and 'paper_date = ""' in src
    text = "\n".join(c.source for c in nb.cells)
    assert "/work/" not in text and "extension beyond the paper" in text.lower()


def _import_like_snapshot(path, n=240, seed=5):
    """Like the real import: models and datasets, commits for some models, no spaces, no discussions."""
    rng = np.random.default_rng(seed)
    lic = np.array(["mit", "apache-2.0", "openrail", "other", "unknown", "llama2", None, None], dtype=object)

    def repos(prefix, k):
        created = pd.Timestamp("2022-03-02T23:29:04", tz="UTC") + pd.to_timedelta(rng.integers(0, 800, k), unit="D")
        return pd.DataFrame(
            {
                "id": [f"o{i % 9}/{prefix}{i}" for i in range(k)],
                "owner": [f"o{i % 9}" for i in range(k)],
                "name": [f"{prefix}{i}" for i in range(k)],
                "created_at": created,
                "license": rng.choice(lic, k),
                "likes": (np.floor(rng.pareto(1.1, k) * 3) * (rng.random(k) < 0.4)).astype("int64"),
                "downloads": (np.floor(rng.pareto(0.9, k) * 20) * (rng.random(k) < 0.3)).astype("int64"),
            }
        )

    models, datasets = repos("m", n), repos("d", n // 3)
    covered = models["id"].iloc[: n // 3].tolist()
    commits, cov = [], []
    for j, rid in enumerate(covered):
        k = int(rng.integers(1, 5))
        cov.append({"repo_type": "model", "repo_id": rid, "step": "commits", "items": k})
        for c in range(k):
            commits.append(
                {
                    "repo_type": "model",
                    "repo_id": rid,
                    "commit_id": f"{j}-{c}",
                    "date": pd.Timestamp("2023-01-01", tz="UTC") + pd.Timedelta(days=int(rng.integers(0, 600))),
                    "authors": [f"a{int(rng.integers(0, 3 if j % 2 else 1))}"],
                }
            )
    return write_snapshot(
        path,
        {"models": models, "datasets": datasets, "commits": pd.DataFrame(commits), "repo_coverage": pd.DataFrame(cov)},
        source_kind="import",
    )


@pytest.mark.timeout(300)
def test_notebook_executes_with_papermill(tmp_path):
    snap = _import_like_snapshot(tmp_path / "snap")
    out = tmp_path / "out"
    executed = run_book_notebook("part1_activity", snap.path, out, tmp_path, tail_max_n=40)
    assert_published(out, TABLES, FIGURES)
    act = pd.read_csv(out / "tables" / "tab-activity.csv", keep_default_na=False)
    act = act.set_index(["measure", "repository type"])
    assert act.loc[("downloads (30 days)", "space"), "status"] == "not applicable"
    assert act.loc[("likes", "space"), "status"] == "not covered"
    assert act.loc[("discussions", "model"), "status"] == "not covered"
    assert act.loc[("likes", "space"), "N"] == ""  # empty, never 0
    assert int(act.loc[("commits", "model"), "N"]) == 80
    assert int(act.loc[("likes", "model"), "N"]) == 240
    tests = pd.read_csv(out / "tables" / "tab-license-tests.csv")
    assert list(tests["measure"]) == ["likes", "downloads (30 days)", "commits", "commit authors"]
    asof = pd.read_csv(out / "tables" / "tab-as-of.csv")
    assert asof.iloc[0, 1] == "240" or int(asof.iloc[0, 1]) == 240
    assert asof.iloc[2, 1] == "not covered"  # no space listing
    tails = pd.read_csv(out / "tables" / "tab-tails.csv")
    assert (tails["subsampled"] == "yes").any()  # tail_max_n=40 forces a subsample
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    text = "\n".join(
        o.get("data", {}).get("text/markdown", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs
    )
    assert ":name: tab-activity" in text and "not applicable" in text
    assert "subsample" in text
