"""Helpers for the build, notebook and browser tests: tiny snapshots and tiny books.

Not a test module (no ``test_`` prefix); imported by the build, browser, CLI,
overview, reproduction and notebook tests.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import yaml

from analysis import paths
from analysis.snapshot import open_snapshot, write_snapshot


def hand_snapshot(
    directory: Path,
    snapshot_id: str | None = None,
    *,
    models: int = 60,
    seed: int = 0,
    source_kind: str = "synthetic",
    date: str = "2024-07-11",
):
    """A small snapshot with every table populated, written without the generator."""
    rng = np.random.default_rng(seed)
    owners = [f"owner{i}" for i in range(max(3, models // 6))]
    licenses = ["mit", "apache-2.0", "cc-by-nc-4.0", "gpl-3.0", "openrail", None]

    def repos(kind: str, n: int) -> pd.DataFrame:
        own = rng.choice(owners, n)
        ids = [f"{o}/{kind}-{i}" for i, o in enumerate(own)]
        created = pd.Timestamp("2021-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 1200, n), unit="D")
        downloads = (rng.pareto(1.2, n) * 10).astype("int64") * (rng.random(n) > 0.6)
        return pd.DataFrame(
            {
                "id": ids,
                "owner": list(own),
                "name": [i.split("/")[1] for i in ids],
                "created_at": created,
                "last_modified": created + pd.Timedelta(days=10),
                "license": [licenses[j] for j in rng.integers(0, len(licenses), n)],
                "tags": [["text-classification", "pytorch"] if i % 3 else ["image-classification"] for i in range(n)],
                "pipeline_tag": ["text-classification" if i % 3 else "image-classification" for i in range(n)],
                "likes": (rng.pareto(1.5, n) * 2).astype("int64"),
                "downloads": None if kind == "space" else downloads,
                "private": False,
            }
        )

    m, d, s = repos("model", models), repos("dataset", models // 3), repos("space", models // 2)
    s["downloads"] = pd.array([None] * len(s), dtype="Int64")
    commits, cov = [], []
    people = owners + ["system", "Some Name"]
    for repo in m["id"]:
        k = int(rng.integers(1, 5))
        for c in range(k):
            authors = list(rng.choice(people, int(rng.integers(1, 3)), replace=False))
            commits.append(
                {
                    "repo_type": "model",
                    "repo_id": repo,
                    "commit_id": f"{repo}-{c}",
                    "date": pd.Timestamp("2023-01-01", tz="UTC") + pd.Timedelta(days=c),
                    "authors": authors,
                    "title": f"commit {c}",
                }
            )
        cov.append({"repo_type": "model", "repo_id": repo, "step": "commits", "items": k})
    discussions = [
        {
            "repo_type": "model",
            "repo_id": repo,
            "number": 1,
            "author": owners[i % len(owners)],
            "is_pull_request": bool(i % 2),
            "status": "open",
            "created_at": pd.Timestamp("2023-06-01", tz="UTC"),
            "title": "hi",
        }
        for i, repo in enumerate(m["id"][: models // 2])
    ]
    for repo in m["id"]:
        cov.append(
            {
                "repo_type": "model",
                "repo_id": repo,
                "step": "discussions",
                "items": int(repo in {x["repo_id"] for x in discussions}),
            }
        )
    edges = pd.DataFrame(
        {"space_id": s["id"].iloc[: len(s) // 2].to_numpy(), "model_id": m["id"].iloc[: len(s) // 2].to_numpy()}
    )
    for sp in s["id"]:
        cov.append(
            {"repo_type": "space", "repo_id": sp, "step": "space_models", "items": int(sp in set(edges["space_id"]))}
        )
    fetch_log = [
        {
            "step": "commits",
            "repo_type": "model",
            "repo_id": "gone/model",
            "outcome": "not_found_or_private",
            "reason": "404",
            "http_status": 404,
            "attempts": 1,
        }
    ]
    owner_kinds = pd.DataFrame(
        {"owner": owners, "kind": ["organization" if i % 4 == 0 else "user" for i in range(len(owners))]}
    )
    return write_snapshot(
        directory,
        {
            "models": m,
            "datasets": d,
            "spaces": s,
            "commits": pd.DataFrame(commits),
            "discussions": pd.DataFrame(discussions),
            "space_models": edges,
            "repo_coverage": pd.DataFrame(cov),
            "owners": owner_kinds,
            "fetch_log": fetch_log,
        },
        snapshot_id=snapshot_id or Path(directory).name,
        snapshot_date=date,
        source_kind=source_kind,
        source_parameters={"seed": seed, "models": models},
    )


def small_snapshot(directory: Path, models: int = 1000, seed: int = 7):
    """The smallest realistic snapshot: the calibrated synthetic Hub with ``models`` models."""
    from analysis.sources import synth

    synth.generate(directory, models=models, seed=seed)
    return open_snapshot(directory)


# --------------------------------------------------------------------------- #
# tiny books (for testing the pipeline itself, independent of the real book)
# --------------------------------------------------------------------------- #


def _nb(cells, params_src='snapshot_dir = ""\noutput_dir = ""'):
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    out = []
    for kind, src, tags in cells:
        c = new_markdown_cell(src) if kind == "md" else new_code_cell(src)
        if tags:
            c.metadata["tags"] = tags
        out.append(c)
    nb = new_notebook(cells=out)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


HEAD = [
    (
        "code",
        "from analysis import paths\nfrom analysis.publication.publish import Publisher\n"
        "from analysis.snapshot import open_snapshot",
        ["remove-cell"],
    ),
]


def tiny_book(root: Path, *, fail_in: str | None = None, extra_params: str = "") -> Path:
    """A two-page book (landing + one table page) using the real _config.yml."""
    book = root / "book"
    book.mkdir(parents=True, exist_ok=True)
    shutil.copy2(paths.BOOK_CONFIG, root / "_config.yml")
    shutil.copytree(paths.BOOK / "_static", book / "_static", dirs_exist_ok=True)
    (book / "references.bib").write_text((paths.BOOK / "references.bib").read_text())
    (root / "_toc.yml").write_text(
        textwrap.dedent("""\
        format: jb-book
        root: book/index
        parts:
          - caption: Tables
            numbered: true
            chapters:
              - file: book/counts
        """)
    )
    (book / "params.yml").write_text(yaml.safe_dump({"global": {"top_n": 3}, "notebooks": {}}))
    (book / "params.types.yml").write_text(yaml.safe_dump({"top_n": {"type": "int", "min": 1}}))
    # the build's own parameters (page, code_commit, snapshot_verified) reach the page as papermill parameters
    derive = (
        "snap = open_snapshot(snapshot_dir or paths.DEFAULT_SNAPSHOT, verified=snapshot_verified)\n"
        "pub = Publisher(snap, output_dir or None, page=page, commit=code_commit)\npub.banner()"
    )
    own = 'snapshot_dir = ""\noutput_dir = ""\npage = ""\ncode_commit = None\nsnapshot_verified = ""'
    index = _nb(
        [
            ("md", "# Tiny book", None),
            *HEAD,
            ("code", own, ["parameters"]),
            ("code", derive, ["hide-input"]),
            ("md", "See {numref}`tab-counts` and {cite:p}`osborne2024`.\n\n```{bibliography}\n```", None),
        ]
    )
    body = [
        ("md", "# Counts", None),
        *HEAD,
        ("code", own + "\ntop_n = 5" + extra_params, ["parameters"]),
        ("code", derive, ["hide-input"]),
        (
            "code",
            "import pandas as pd\nm = snap.table('models', ['owner', 'likes'])\n"
            "t = m.groupby('owner').likes.sum().sort_values(ascending=False, kind='stable')"
            ".head(top_n).reset_index()\n"
            "pub.table(t, 'tab-counts', 'Likes by owner.', covers=f'{len(m)} models')",
            ["hide-input"],
        ),
    ]
    if fail_in == "counts":
        body.append(("code", "x = 1\nraise RuntimeError('deliberate failure for the test')", None))
    nbformat.write(index, book / "index.ipynb")
    nbformat.write(_nb(body), book / "counts.ipynb")
    return root


# --------------------------------------------------------------------------- #
# the real book on a small snapshot, built once per test session
# --------------------------------------------------------------------------- #


def small_book_build(tmp_path_factory) -> Path:
    """Build the project's book from a small synthetic snapshot (once per session).

    Returns the build folder (``<build root>/<snapshot_id>``); the build root is
    a session temporary folder, so nothing in the project's ``_build`` is touched.
    Several test modules share the one build through a marker file.
    """
    import json
    import os

    from analysis.publication.build import build

    base = tmp_path_factory.getbasetemp() / "small-book"
    marker = base / "result.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("error"):
            raise AssertionError(f"the small book failed to build earlier in this session: {info['error']}")
        return Path(info["out"])
    base.mkdir(parents=True, exist_ok=True)
    snap_dir = base / "snapshots" / "small-synthetic"
    if not snap_dir.exists():
        small_snapshot(snap_dir)
    old = os.environ.get("HFHUB_BUILD_DIR")
    os.environ["HFHUB_BUILD_DIR"] = str(base / "_build")
    try:
        result = build(snap_dir)
    except Exception as exc:
        marker.write_text(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        raise
    finally:
        if old is None:
            os.environ.pop("HFHUB_BUILD_DIR", None)
        else:
            os.environ["HFHUB_BUILD_DIR"] = old
    marker.write_text(json.dumps({"out": str(result.out), "total": result.total, "peak_rss": result.peak_rss}))
    return result.out


def small_book_site(tmp_path_factory) -> Path:
    return small_book_build(tmp_path_factory) / "_build" / "html"


def run_book_notebook(name: str, snapshot_dir: Path, out_dir: Path, cwd: Path, **params):
    """Execute ``book/<name>.ipynb`` with papermill as the build does; returns the executed notebook."""
    import papermill

    out_dir.mkdir(parents=True, exist_ok=True)
    executed = cwd / f"{name}.executed.ipynb"
    return papermill.execute_notebook(
        str(paths.BOOK / f"{name}.ipynb"),
        str(executed),
        parameters=dict(snapshot_dir=str(snapshot_dir), output_dir=str(out_dir), **params),
        kernel_name="python3",
        cwd=str(cwd),
        progress_bar=False,
    )


def assert_published(out_dir: Path, tables=(), figures=()) -> None:
    """Every table has its CSV; every figure its PNG and SVG."""
    for label in tables:
        assert (out_dir / "tables" / f"{label}.csv").exists(), label
    for label in figures:
        for ext in ("png", "svg"):
            assert (out_dir / "figures" / f"{label}.{ext}").exists(), f"{label}.{ext}"


def interruptible() -> None:
    """``preexec_fn`` of a child that a test interrupts with SIGINT: a shell without job control
    starts background commands with SIGINT ignored, and Python then never raises
    KeyboardInterrupt; restore the default disposition, as in an interactive terminal."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
