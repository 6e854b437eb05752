"""The Part I notebook executes under papermill on a tiny snapshot and writes its tables/figures."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.snapshot import write_snapshot

NOTEBOOK = paths.BOOK / "part1_activity.ipynb"
TABLES = ["tab-activity", "tab-tails", "tab-license-mapping", "tab-licenses", "tab-license-groups",
          "tab-license-tests", "tab-license-dunn", "tab-license-sensitivity", "tab-as-of"]
FIGURES = ["fig-activity-ccdf", "fig-activity-lorenz", "fig-license-distributions"]


def test_notebook_template_is_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    src = params[0].source
    assert 'snapshot_dir = ""' in src and 'output_dir = ""' in src and 'as_of = "2023-10-31"' in src
    assert "remove-cell" in code[0].metadata.get("tags", [])
    text = "\n".join(c.source for c in nb.cells)
    assert "/work/" not in text and "extension beyond the paper" in text.lower()


def _import_like_snapshot(path, n=240, seed=5):
    """Like the real import: models and datasets, commits for some models, no spaces, no discussions."""
    rng = np.random.default_rng(seed)
    lic = np.array(["mit", "apache-2.0", "openrail", "other", "unknown", "llama2", None, None], dtype=object)

    def repos(prefix, k):
        created = pd.Timestamp("2022-03-02T23:29:04", tz="UTC") + pd.to_timedelta(rng.integers(0, 800, k), unit="D")
        return pd.DataFrame({
            "id": [f"o{i % 9}/{prefix}{i}" for i in range(k)], "owner": [f"o{i % 9}" for i in range(k)],
            "name": [f"{prefix}{i}" for i in range(k)], "created_at": created,
            "license": rng.choice(lic, k),
            "likes": (np.floor(rng.pareto(1.1, k) * 3) * (rng.random(k) < 0.4)).astype("int64"),
            "downloads": (np.floor(rng.pareto(0.9, k) * 20) * (rng.random(k) < 0.3)).astype("int64"),
        })

    models, datasets = repos("m", n), repos("d", n // 3)
    covered = models["id"].iloc[: n // 3].tolist()
    commits, cov = [], []
    for j, rid in enumerate(covered):
        k = int(rng.integers(1, 5))
        cov.append({"repo_type": "model", "repo_id": rid, "step": "commits", "items": k})
        for c in range(k):
            commits.append({"repo_type": "model", "repo_id": rid, "commit_id": f"{j}-{c}",
                            "date": pd.Timestamp("2023-01-01", tz="UTC") + pd.Timedelta(days=int(rng.integers(0, 600))),
                            "authors": [f"a{int(rng.integers(0, 3 if j % 2 else 1))}"]})
    return write_snapshot(path, {"models": models, "datasets": datasets, "commits": pd.DataFrame(commits),
                                 "repo_coverage": pd.DataFrame(cov)}, source_kind="import")


@pytest.mark.timeout(300)
def test_notebook_executes_with_papermill(tmp_path):
    papermill = pytest.importorskip("papermill")
    snap = _import_like_snapshot(tmp_path / "snap")
    out = tmp_path / "out"
    out.mkdir()
    papermill.execute_notebook(
        str(NOTEBOOK), str(out / "part1_activity.ipynb"),
        parameters=dict(snapshot_dir=str(snap.path), output_dir=str(out), tail_max_n=40),
        kernel_name="python3", cwd=str(tmp_path), progress_bar=False,
    )
    for label in TABLES:
        assert (out / "tables" / f"{label}.csv").exists(), label
    for label in FIGURES:
        assert (out / "figures" / f"{label}.png").exists(), label
        assert (out / "figures" / f"{label}.svg").exists(), label
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
    executed = nbformat.read(out / "part1_activity.ipynb", as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    text = "\n".join(o.get("data", {}).get("text/markdown", "") for c in executed.cells
                     if c.cell_type == "code" for o in c.outputs)
    assert ":name: tab-activity" in text and "not applicable" in text
    assert "subsample" in text
