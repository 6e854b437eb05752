"""The importer of raw Hub API records (analysis.sources.importer).

Small record files are written by the tests; the real records in ../shared/data
are imported once per session (skipped where absent) and reconciled.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.snapshot import SnapshotExistsError, open_snapshot, sha256_file
from analysis.sources import importer
from analysis.sources.importer import ImportStopped, import_records

UTC = dt.UTC


def write_lines(path: Path, lines: list, *, gz: bool | None = None, trailing_newline: bool = True) -> Path:
    """Write records (dicts are dumped as JSON, str/bytes written as they are)."""
    gz = path.name.endswith(".gz") if gz is None else gz
    out = []
    for item in lines:
        if isinstance(item, bytes):
            out.append(item)
        elif isinstance(item, str):
            out.append(item.encode())
        else:
            out.append(json.dumps(item).encode())
    data = b"\n".join(out) + (b"\n" if trailing_newline else b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path


def model(i: int, **over) -> dict:
    rec = {
        "_id": f"{i:024x}",
        "id": f"org{i % 3}/model-{i}",
        "modelId": f"org{i % 3}/model-{i}",
        "likes": i % 7,
        "private": False,
        "downloads": 10 * i,
        "tags": ["transformers", "pytorch", f"license:{'mit' if i % 2 else 'apache-2.0'}", "license:other"],
        "pipeline_tag": "text-generation" if i % 2 else None,
        "library_name": "transformers",
        "createdAt": f"2023-0{1 + i % 9}-0{1 + i % 9}T10:00:0{i % 10}.000Z",
    }
    rec.update(over)
    return rec


def dataset(i: int, **over) -> dict:
    rec = {
        "_id": f"{i:024x}",
        "id": f"dorg/ds-{i}",
        "author": "dorg",
        "disabled": False,
        "gated": [False, "auto", "manual"][i % 3],
        "lastModified": "2024-01-22T20:46:30.000Z",
        "likes": i,
        "private": False,
        "sha": f"{i:040x}",
        "downloads": i * 3,
        "tags": ["task_categories:question-answering", "license:cc-by-4.0"] if i % 2 else ["language:en"],
        "createdAt": "2023-10-31T17:25:54.000Z",
        "key": "",
        "description": "x" * (i % 50),
    }
    rec.update(over)
    return rec


def run_import(srcs, out, **kw):
    kw.setdefault("progress", False)
    return import_records([Path(s) for s in srcs], Path(out), **kw)


# --------------------------------------------------------------------------- #
# clean small files
# --------------------------------------------------------------------------- #


@pytest.fixture
def clean_src(tmp_path):
    src = tmp_path / "src"
    write_lines(src / "models.jsonl", [model(i) for i in range(1, 41)] + [model(0, id="gpt2", modelId="gpt2")])
    write_lines(src / "datasets.jsonl.gz", [dataset(i) for i in range(30)])
    write_lines(
        src / "model_info.jsonl.gz",
        [
            {
                "id": "org1/model-1",
                "lastModified": "2024-05-01T00:00:00.000Z",
                "sha": "abc",
                "gated": "manual",
                "disabled": False,
                "createdAt": "2020-01-01T00:00:00.000Z",
                "spaces": ["u/s1", "u/s2", "u/s1"],
            },
            {"id": "org2/model-2", "lastModified": "2024-05-02T00:00:00.000Z", "spaces": []},
            {"id": "org0/not-listed", "spaces": ["u/s3"]},
            {"id": "org0/model-3"},  # no spaces field: not covered by the model_spaces step
        ],
    )
    commits = tmp_path / "commits"
    write_lines(
        commits / "commits.jsonl.gz",
        [
            {
                "repo_id": "org1/model-1",
                "id": "c1",
                "title": "init",
                "message": "m",
                "date": "2023-08-04T06:46:32.000Z",
                "authors": [{"user": "Joao Gante"}, {"user": "bob"}],
            },
            {"repo_id": "org1/model-1", "id": "c2", "title": "up", "date": "2023-08-05T06:46:32.000Z", "authors": []},
            {
                "repo_id": "dorg/ds-1",
                "repo_type": "dataset",
                "id": "c1",
                "title": "d",
                "date": "2023-08-06T00:00:00",
                "authors": [{"user": "carol", "avatar": "x"}],
            },
        ],
    )
    write_lines(
        commits / "discussions.jsonl",
        [
            {
                "repo_id": "org1/model-1",
                "num": 1,
                "title": "Q",
                "status": "open",
                "author": {"name": "alice"},
                "isPullRequest": False,
                "createdAt": "2024-01-01T00:00:00.000Z",
            },
            {
                "repo_id": "org1/model-1",
                "num": 2,
                "title": "PR",
                "status": "merged",
                "author": None,
                "isPullRequest": True,
                "createdAt": "2024-01-02T00:00:00.000Z",
            },
            {
                "repo_id": "dorg/ds-1",
                "repo_type": "dataset",
                "num": 1,
                "title": "x",
                "status": "closed",
                "author": "dave",
                "isPullRequest": False,
                "createdAt": "2024-01-03T00:00:00.000Z",
            },
        ],
    )
    (src / "README.md").write_text("not a record file")
    return [src, commits]


def test_clean_import_normalises_every_table(clean_src, tmp_path):
    snap = run_import(clean_src, tmp_path / "out-snap")
    assert snap.id == "out-snap" and snap.source_kind == "import"
    models = snap.table("models").set_index("id")
    assert len(models) == 41
    m5 = models.loc["org2/model-5"]
    assert m5.owner == "org2" and m5["name"] == "model-5"
    assert m5.license == "mit"  # the first license: tag only
    assert models.loc["org1/model-4"].license == "apache-2.0"
    assert m5.created_at == pd.Timestamp("2023-06-06T10:00:05", tz="UTC")
    assert m5.likes == 5 and m5.downloads == 50 and not m5.private
    # legacy id without owner
    assert pd.isna(models.loc["gpt2"].owner) and models.loc["gpt2"]["name"] == "gpt2"
    # fields the listing lacks stay missing ...
    assert models.loc["org2/model-5"][["last_modified", "sha", "gated", "disabled", "downloads_all_time"]].isna().all()
    # ... unless a model_info record has them, which never overwrites the listing
    m1 = models.loc["org1/model-1"]
    assert m1.last_modified == pd.Timestamp("2024-05-01", tz="UTC")
    assert m1.sha == "abc" and m1.gated == "manual"
    assert pd.notna(m1.disabled) and not m1.disabled
    assert m1.created_at == pd.Timestamp("2023-02-02T10:00:01", tz="UTC")  # listing value kept
    assert models.loc["org2/model-2"].last_modified == pd.Timestamp("2024-05-02", tz="UTC")
    assert pd.isna(models.loc["org2/model-2"].sha)
    assert str(models.likes.dtype) == "Int64" and str(models.private.dtype) == "boolean"

    ds = snap.table("datasets").set_index("id")
    assert len(ds) == 30
    assert ds.gated.value_counts().to_dict() == {"false": 10, "auto": 10, "manual": 10}
    assert ds.loc["dorg/ds-1"].license == "cc-by-4.0" and pd.isna(ds.loc["dorg/ds-2"].license)
    assert ds.loc["dorg/ds-3"].sha == f"{3:040x}"

    # space edges: de-duplicated within a record; unlisted models keep their edges
    edges = snap.table("space_models").sort_values(["space_id", "model_id"])
    assert list(map(tuple, edges.values)) == [
        ("u/s1", "org1/model-1"),
        ("u/s2", "org1/model-1"),
        ("u/s3", "org0/not-listed"),
    ]
    ms = snap.covered("model_spaces").set_index("repo_id")["items"].to_dict()
    assert ms == {"org1/model-1": 2, "org2/model-2": 0, "org0/not-listed": 1}  # model-3 had no spaces field

    commits = snap.table("commits").sort_values(["repo_type", "repo_id", "commit_id"])
    assert list(commits.repo_type) == ["dataset", "model", "model"]
    c1 = commits[(commits.repo_id == "org1/model-1") & (commits.commit_id == "c1")].iloc[0]
    assert list(c1.authors) == ["Joao Gante", "bob"] and c1.title == "init"
    assert list(commits[commits.commit_id == "c2"].iloc[0].authors) == []
    # a date without time zone is read as UTC
    assert commits.iloc[0].date == pd.Timestamp("2023-08-06", tz="UTC")
    cc = snap.covered("commits").set_index(["repo_type", "repo_id"])["items"].to_dict()
    assert cc == {("model", "org1/model-1"): 2, ("dataset", "dorg/ds-1"): 1}

    disc = snap.table("discussions").sort_values(["repo_type", "repo_id", "number"])
    assert list(disc.author.fillna("<deleted>")) == ["dave", "alice", "<deleted>"]
    assert list(disc.is_pull_request) == [False, False, True]
    assert list(disc.status) == ["closed", "open", "merged"]

    assert snap.rows("fetch_log") == 0 and snap.rows("spaces") == 0 and snap.rows("owners") == 0


def test_manifest_coverage_and_sources(clean_src, tmp_path):
    snap = run_import(clean_src, tmp_path / "s")
    m = snap.manifest
    cov = m["coverage"]
    assert cov["models"]["scope"] == "all" and cov["models"]["rows"] == 41
    assert cov["models"]["fields_non_null"]["last_modified"] == 2
    assert cov["models"]["created_at_placeholder"] == 0
    assert "last_modified" in cov["models"]["note"] and "downloads_all_time" in cov["models"]["note"]
    assert cov["spaces"]["scope"] == "none" and "no spaces listing" in cov["spaces"]["note"]
    assert cov["commits"]["scope"] == "subset" and cov["commits"]["repositories"] == 2
    assert cov["space_models"]["scope"] == "subset"
    assert cov["space_models"]["repositories"]["model_spaces"] == 3
    assert cov["owners"]["scope"] == "none"
    assert cov["discussions"]["rows"] == 3
    files = {f["file"]: f for f in m["source"]["parameters"]["files"]}
    assert set(files) == {
        "src/models.jsonl",
        "src/datasets.jsonl.gz",
        "src/model_info.jsonl.gz",
        "commits/commits.jsonl.gz",
        "commits/discussions.jsonl",
    }
    for label, info in files.items():
        folder = clean_src[0] if label.startswith("src/") else clean_src[1]
        path = folder / label.split("/", 1)[1]
        assert info["sha256"] == sha256_file(path)
    assert files["src/models.jsonl"]["records_imported"] == 41 and files["src/models.jsonl"]["lines"] == 41
    # no absolute machine paths in the manifest
    assert str(clean_src[0].parent) not in json.dumps(m)
    # date: when the listings (unknown sources) were written, with its basis; never a record's date
    fetched = max((clean_src[0] / n).stat().st_mtime for n in ("models.jsonl", "datasets.jsonl.gz"))
    assert m["snapshot_date"] == dt.datetime.fromtimestamp(fetched, dt.UTC).date().isoformat()
    assert "modification time of the listing files" in m["source"]["parameters"]["snapshot_date_basis"]


def test_snapshot_id_and_date_parameters(clean_src, tmp_path):
    snap = run_import(clean_src, tmp_path / "x", snapshot_id="my-id", snapshot_date="2024-07-11")
    assert snap.id == "my-id" and snap.date == "2024-07-11"
    assert snap.manifest["source"]["parameters"]["snapshot_date_basis"] == "given"
    with pytest.raises(ImportStopped, match="expected YYYY-MM-DD"):
        run_import(clean_src, tmp_path / "y", snapshot_date="11/07/2024")


# --------------------------------------------------------------------------- #
# malformed records
# --------------------------------------------------------------------------- #

BAD_MODELS = [
    model(1),  # 1
    "{not json",  # 2 bad JSON
    model(2, likes="12"),  # 3 wrong type
    model(3, id=None),  # 4 missing id
    "",  # 5 blank: skipped, not an error
    model(4),  # 6
    model(1, likes=99),  # 7 duplicate of line 1
    "[1, 2]",  # 8 not an object
    model(5, createdAt="yesterday"),  # 9 bad timestamp
    model(6, id=""),  # 10 empty id
    model(7, tags="license:mit"),  # 11 wrong type
    model(8, private=1),  # 12 int for bool
    model(9, downloads=2**70),  # 13 out of range
    model(10),  # 14
]
EXPECTED_BAD = {
    2: "malformed",
    3: "malformed",
    4: "malformed",
    7: "duplicate",
    8: "malformed",
    9: "malformed",
    10: "malformed",
    11: "malformed",
    12: "malformed",
    13: "malformed",
}


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("block_size", [importer.BLOCK_SIZE, 300])
def test_malformed_records_are_logged_with_line_numbers(tmp_path, gz, block_size):
    name = "models.jsonl.gz" if gz else "models.jsonl"
    write_lines(tmp_path / "src" / name, BAD_MODELS, trailing_newline=False)
    snap = run_import([tmp_path / "src"], tmp_path / "out", block_size=block_size)
    models = snap.table("models")
    assert sorted(models.id) == sorted(model(i)["id"] for i in (1, 4, 10))
    assert models.set_index("id").loc[model(1)["id"]].likes == 1  # the first record is kept
    log = snap.table("fetch_log")
    got = {int(s.rsplit(":", 1)[1]): o for s, o in zip(log.source, log.outcome)}
    assert got == EXPECTED_BAD
    assert set(log.source.str.rsplit(":", n=1).str[0]) == {f"src/{name}"}
    assert set(log.step) == {"import"}
    reasons = dict(zip(log.source.str.rsplit(":", n=1).str[1].astype(int), log.reason))
    assert "bad JSON" in reasons[2]
    assert "'likes'" in reasons[3] and "a string" in reasons[3] and "integer" in reasons[3]
    assert "'id'" in reasons[4]
    assert "seen before" in reasons[7]
    assert "'createdAt'" in reasons[9]
    assert "'tags'" in reasons[11]
    assert "'private'" in reasons[12]
    assert "range" in reasons[13]
    assert log.set_index("source").loc[f"src/{name}:3", "repo_id"] == model(2)["id"]
    info = snap.manifest["source"]["parameters"]["files"][0]
    assert (info["malformed"], info["duplicate"], info["records_imported"], info["lines"]) == (9, 1, 3, 14)
    cov = snap.manifest["coverage"]
    assert cov["models"]["malformed"] == 9 and cov["models"]["duplicate"] == 1
    assert cov["fetch_log"]["rows"] == 10


def test_line_by_line_parse_equals_fast_parse(tmp_path):
    """A block that needs the line-by-line parser gives the same rows as pyarrow's."""
    recs = [model(i) for i in range(1, 200)] + [dataset(i, id=f"org9/x{i}") for i in range(50)]
    write_lines(tmp_path / "a" / "models.jsonl", recs)
    write_lines(tmp_path / "b" / "models.jsonl", recs + ["{bad"])
    fast = run_import([tmp_path / "a"], tmp_path / "fa")
    slow = run_import([tmp_path / "b"], tmp_path / "sl")
    assert fast.manifest["source"]["parameters"]["blocks"]["parsed_line_by_line"] == 0
    assert slow.manifest["source"]["parameters"]["blocks"]["parsed_line_by_line"] == 1
    pd.testing.assert_frame_equal(fast.table("models"), slow.table("models"))
    assert slow.rows("fetch_log") == 1


def test_duplicates_across_sources_and_commit_keys(tmp_path):
    write_lines(tmp_path / "a" / "models.jsonl", [model(1), model(2)])
    write_lines(tmp_path / "b" / "models-part2.jsonl.gz", [model(2, likes=1000), model(3)])
    write_lines(
        tmp_path / "b" / "commits.jsonl",
        [
            {"repo_id": "r/a", "id": "c1", "date": "2024-01-01T00:00:00Z", "authors": [{"user": "x"}]},
            {"repo_id": "r/a", "id": "c1", "date": "2024-01-01T00:00:00Z", "authors": [{"user": "x"}]},
            {"repo_id": "r/a", "repo_type": "model", "id": "c1", "date": "2024-01-02T00:00:00Z"},
            {"repo_id": "r/a", "repo_type": "dataset", "id": "c1"},  # same commit id, other repo type: fine
            {"repo_id": "r/a", "repo_type": "bucket", "id": "c9"},
            {"id": "c3"},
            {"repo_id": "r/a", "id": "c4", "authors": "x"},
        ],
    )
    snap = run_import([tmp_path / "a", tmp_path / "b"], tmp_path / "o")
    models = snap.table("models").set_index("id")
    assert len(models) == 3 and models.loc[model(2)["id"]].likes == 2
    assert snap.rows("commits") == 2
    log = snap.table("fetch_log").set_index("source")
    assert log.loc["b/models-part2.jsonl.gz:1", "outcome"] == "duplicate"
    assert log.loc["b/commits.jsonl:2", "outcome"] == "duplicate"
    assert log.loc["b/commits.jsonl:3", "outcome"] == "duplicate"
    assert "repo_type" in log.loc["b/commits.jsonl:5", "reason"]
    assert "'repo_id'" in log.loc["b/commits.jsonl:6", "reason"]
    assert "'authors'" in log.loc["b/commits.jsonl:7", "reason"]
    assert len(log) == 6


def test_truncated_gzip_keeps_complete_lines_and_reports(tmp_path):
    path = write_lines(tmp_path / "src" / "datasets.jsonl.gz", [dataset(i) for i in range(2000)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    snap = run_import([tmp_path / "src"], tmp_path / "o", block_size=4096)
    n = snap.rows("datasets")
    assert 0 < n < 2000
    assert sorted(snap.table("datasets").id) == sorted(f"dorg/ds-{i}" for i in range(n))
    log = snap.table("fetch_log")
    assert len(log) == 1 and log.outcome[0] == "malformed"
    assert "truncated or corrupt" in log.reason[0]
    assert log.source[0] == f"src/datasets.jsonl.gz:{n + 1}"
    info = snap.manifest["source"]["parameters"]["files"][0]
    assert info["sha256"] == sha256_file(path)
    assert "broken" in info


def test_strict_stops_at_first_bad_record_and_leaves_nothing(tmp_path):
    write_lines(tmp_path / "src" / "models.jsonl", BAD_MODELS)
    with pytest.raises(ImportStopped, match=r"src/models\.jsonl:2: malformed record: bad JSON"):
        run_import([tmp_path / "src"], tmp_path / "o", on_error="stop")
    assert not (tmp_path / "o").exists()
    write_lines(tmp_path / "dup" / "models.jsonl", [model(1), model(1)])
    with pytest.raises(ImportStopped, match=r"dup/models\.jsonl:2: duplicate record"):
        run_import([tmp_path / "dup"], tmp_path / "o", on_error="stop")


def test_spaces_listing_gives_space_models(tmp_path):
    write_lines(
        tmp_path / "s" / "spaces.jsonl",
        [
            {
                "id": "u/app",
                "sdk": "gradio",
                "likes": 3,
                "tags": ["gradio"],
                "createdAt": "2024-01-01T00:00:00Z",
                "models": ["org/m1", "org/m2"],
            },
            {"id": "u/app2", "sdk": "docker", "likes": 0, "models": [], "createdAt": "2022-03-02T23:29:04.000Z"},
            {"id": "u/app3", "sdk": "static"},
        ],
    )
    snap = run_import([tmp_path / "s"], tmp_path / "o")
    sp = snap.table("spaces").set_index("id")
    assert sp.loc["u/app"].sdk == "gradio" and pd.isna(sp.loc["u/app"].downloads)
    assert snap.rows("space_models") == 2
    cov = snap.covered("space_models").set_index("repo_id")["items"].to_dict()
    assert cov == {"u/app": 2, "u/app2": 0}
    assert snap.manifest["coverage"]["models"]["scope"] == "none"
    assert snap.manifest["coverage"]["spaces"]["scope"] == "all"
    assert snap.manifest["coverage"]["spaces"]["created_at_placeholder"] == 1
    assert "placeholder" in snap.manifest["coverage"]["spaces"]["note"]


# --------------------------------------------------------------------------- #
# errors the user can fix, and the CLI
# --------------------------------------------------------------------------- #


def test_refuses_bad_sources_and_outputs(clean_src, tmp_path):
    with pytest.raises(ImportStopped, match="no such file or folder"):
        run_import([tmp_path / "nope"], tmp_path / "o")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    with pytest.raises(ImportStopped, match="no record files"):
        run_import([tmp_path / "empty"], tmp_path / "o")
    with pytest.raises(ImportStopped, match="is one of the sources"):
        run_import(clean_src, clean_src[1])
    with pytest.raises(ImportStopped, match="not a snapshot"):
        run_import(clean_src[:1], tmp_path / "empty")
    run_import(clean_src, tmp_path / "done")
    with pytest.raises(SnapshotExistsError):
        run_import(clean_src, tmp_path / "done")
    open_snapshot(tmp_path / "done")  # untouched


def _cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "analysis", "import", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd or paths.ROOT,
    )


def test_cli(clean_src, tmp_path):
    r = _cli(*clean_src, tmp_path / "cli-snap", "--snapshot-date", "2024-07-11", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "cli-snap" in r.stdout and "models" in r.stdout
    assert open_snapshot(tmp_path / "cli-snap").date == "2024-07-11"

    def one_line_error(r, code):
        assert r.returncode == code, (r.stdout, r.stderr)
        err = r.stderr.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in r.stderr
        return err[0]

    one_line_error(_cli(), 2)
    one_line_error(_cli(tmp_path / "only-one"), 2)
    one_line_error(_cli(clean_src[0], tmp_path / "o", "--bogus"), 2)
    assert "no such file" in one_line_error(_cli(tmp_path / "nope", tmp_path / "o"), 1)
    assert "complete" in one_line_error(_cli(*clean_src, tmp_path / "cli-snap"), 1)
    assert "YYYY-MM-DD" in one_line_error(_cli(*clean_src, tmp_path / "o2", "--snapshot-date", "july"), 1)
    write_lines(tmp_path / "bad" / "models.jsonl", BAD_MODELS)
    msg = one_line_error(_cli(tmp_path / "bad", tmp_path / "o3", "--strict"), 1)
    assert "bad/models.jsonl:2" in msg and not (tmp_path / "o3").exists()
    r = _cli(tmp_path / "bad", tmp_path / "o4")
    assert r.returncode == 0 and "bad/models.jsonl:2: malformed" in r.stdout
    assert "Traceback" not in r.stderr


# --------------------------------------------------------------------------- #
# the real records
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="session")
def real_import(shared_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("real") / "hub-2024-07-import"
    snap = import_records([shared_data / "hub-2024-07", shared_data / "model-commits-2024-09"], out, progress=False)
    return shared_data, snap


def _count_lines(path: Path, needle: bytes | None = None) -> int:
    n = 0
    with gzip.open(path, "rb") as fh:
        for line in fh:
            if needle is None or needle in line:
                n += 1
    return n


def test_real_records_reconcile(real_import):
    root, snap = real_import
    hub = root / "hub-2024-07"
    n_models = _count_lines(hub / "models.jsonl.gz")
    n_datasets = _count_lines(hub / "datasets.jsonl.gz")
    n_commits = _count_lines(root / "model-commits-2024-09" / "commits.jsonl.gz")
    n_info = _count_lines(hub / "model_info.jsonl.gz")
    # in and out (the README's figures, and the files themselves)
    assert (n_models, n_datasets, n_commits, n_info) == (760_000, 175_000, 4_737, 8_650)
    assert snap.rows("models") == n_models and snap.rows("datasets") == n_datasets
    assert snap.rows("commits") == n_commits
    assert snap.rows("fetch_log") == 0
    assert snap.rows("space_models") == 1_922
    ms = snap.covered("model_spaces")
    assert len(ms) == n_info and int(ms["items"].sum()) == 1_922 and int((ms["items"] > 0).sum()) == 324
    cc = snap.covered("commits")
    assert len(cc) == 1_031 and int(cc["items"].sum()) == n_commits
    # the commit records' authors are git names, said in a field the network part reads
    assert snap.coverage("commits")["author_names"] == "git"
    assert snap.date == "2024-07-11"
    created = snap.table("models", ["created_at"]).created_at
    in_minute = created.between(
        pd.Timestamp("2022-03-02T23:29", tz="UTC"), pd.Timestamp("2022-03-02T23:29:59.999", tz="UTC")
    )
    assert snap.manifest["coverage"]["models"]["created_at_placeholder"] == int(in_minute.sum()) > 20_000
    # licenses: one per record that has a license: tag
    assert snap.manifest["coverage"]["models"]["fields_non_null"]["license"] == _count_lines(
        hub / "models.jsonl.gz", b'"license:'
    )
    m = snap.manifest
    assert m["coverage"]["spaces"]["scope"] == "none" and m["coverage"]["discussions"]["scope"] == "none"
    assert m["coverage"]["commits"]["scope"] == "subset" and m["coverage"]["space_models"]["scope"] == "subset"
    assert "weight file" in m["coverage"]["commits"]["note"]
    assert (
        "0-9, q" in m["coverage"]["space_models"]["note"]
        and "not a random sample" in m["coverage"]["space_models"]["note"]
    )
    for f in m["source"]["parameters"]["files"]:
        assert f["sha256"] in importer.KNOWN_SOURCES and f["malformed"] == f["duplicate"] == 0


def test_real_records_values(real_import):
    root, snap = real_import
    models = snap.table(
        "models", ["id", "owner", "name", "created_at", "last_modified", "license", "likes", "downloads"]
    )
    first = json.loads(gzip.open(root / "hub-2024-07" / "models.jsonl.gz", "rt").readline())
    row = models.iloc[0]
    assert row.id == first["id"] and row.likes == first["likes"] and row.downloads == first["downloads"]
    assert row.created_at == pd.Timestamp(first["createdAt"])
    assert (models.owner + "/" + models.name == models.id).all()
    # the listing has no lastModified: known only where model_info said it
    assert models.last_modified.notna().sum() == 8_650
    assert models.likes.notna().all() and models.downloads.notna().all()
    commits = snap.table("commits")
    assert commits.authors.map(len).min() >= 1 and commits.date.min().year == 2019


def test_invalid_utf8_and_broken_files_are_reported_and_lower_the_scope(tmp_path):
    src = tmp_path / "s"
    write_lines(src / "models.jsonl", [model(1), b'{"id": "a/\xff\xfe"}', model(2)])
    (src / "datasets.jsonl.gz").write_bytes(b"not gzip at all\n")
    (src / "spaces.jsonl").write_bytes(b"")
    snap = run_import([src], tmp_path / "o")
    assert sorted(snap.table("models").id) == [model(1)["id"], model(2)["id"]]
    log = snap.table("fetch_log").set_index("source")
    assert "bad JSON" in log.loc["s/models.jsonl:2", "reason"]
    assert "truncated or corrupt" in log.loc["s/datasets.jsonl.gz:1", "reason"]
    cov = snap.manifest["coverage"]
    assert cov["models"]["scope"] == "subset" and cov["models"]["note"].startswith("NOT the whole listing: 1 malformed")
    # nothing readable, and an empty listing: never "all", and the note says so
    assert cov["datasets"]["scope"] == "none" and "broken file" in cov["datasets"]["note"]
    assert cov["spaces"]["scope"] == "none" and cov["spaces"]["note"].startswith("EMPTY")
    assert snap.manifest["source"]["parameters"]["snapshot_date_basis"].startswith("latest modification time")
