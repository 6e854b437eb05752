"""The snapshot format: round trips, and a clear message for every validation failure."""

from __future__ import annotations

import datetime as dt
import json
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis import paths
from analysis.snapshot import (
    MANIFEST,
    SnapshotError,
    SnapshotExistsError,
    SnapshotWriter,
    conform,
    open_snapshot,
    sha256_file,
    validate,
    write_snapshot,
)
from analysis.snapshot.schema import SCHEMA_VERSION, SCHEMAS, TABLES, table_file

T = lambda s: dt.datetime.fromisoformat(s).replace(tzinfo=dt.UTC)  # noqa: E731


def sample_tables() -> dict[str, list[dict]]:
    """A few rows for every table, with nulls where the format allows them."""
    repo = lambda i, **kw: {  # noqa: E731
        "id": f"org/r{i}",
        "owner": "org",
        "name": f"r{i}",
        "created_at": T(f"2023-01-0{i + 1}T10:00:00.123"),
        "last_modified": None if i == 1 else T("2024-02-01T00:00:00"),
        "license": "mit" if i else None,
        "tags": ["a", "license:mit"] if i else [],
        "pipeline_tag": None,
        "library_name": "transformers",
        "sdk": None,
        "likes": i,
        "downloads": 0 if i == 0 else 10 * i,
        "downloads_all_time": None,
        "private": False,
        "gated": ["false", "auto", "manual"][i % 3],
        "disabled": None,
        "sha": f"{i:040x}",
        **kw,
    }
    return {
        "models": [repo(0), repo(1), repo(2, owner=None, id="gpt2", name="gpt2")],
        "datasets": [repo(0), repo(1)],
        "spaces": [repo(0, sdk="gradio", downloads=None)],
        "commits": [
            {
                "repo_type": "model",
                "repo_id": "org/r0",
                "commit_id": "c1",
                "date": T("2023-01-01T00:00:00"),
                "authors": ["alice", "system"],
                "title": "initial commit",
            },
            {
                "repo_type": "dataset",
                "repo_id": "org/r0",
                "commit_id": "c1",
                "date": None,
                "authors": [],
                "title": None,
            },
        ],
        "discussions": [
            {
                "repo_type": "model",
                "repo_id": "org/r0",
                "number": 1,
                "author": None,
                "is_pull_request": True,
                "status": "merged",
                "created_at": T("2024-01-01T00:00:00"),
                "title": "PR",
            },
            {
                "repo_type": "model",
                "repo_id": "org/r0",
                "number": 2,
                "author": "bob",
                "is_pull_request": False,
                "status": "open",
                "created_at": None,
                "title": "Q",
            },
        ],
        "space_models": [{"space_id": "org/r0", "model_id": "org/r0"}, {"space_id": "org/r0", "model_id": "gpt2"}],
        "repo_coverage": [
            {"repo_type": "model", "repo_id": "org/r0", "step": "commits", "items": 1},
            {"repo_type": "model", "repo_id": "org/r1", "step": "commits", "items": 0},
        ],
        "owners": [{"owner": "org", "kind": "organization"}],
        "fetch_log": [
            {
                "step": "commits",
                "repo_type": "model",
                "repo_id": "org/r2",
                "outcome": "gated",
                "reason": "403",
                "http_status": 403,
                "attempts": 1,
                "source": "/api/models/org/r2/commits/main",
            },
            {
                "step": "import",
                "repo_type": None,
                "repo_id": None,
                "outcome": "malformed",
                "reason": "bad JSON",
                "http_status": None,
                "attempts": None,
                "source": "x.jsonl:3",
            },
        ],
    }


def expected_dtype(t: pa.DataType) -> str:
    if pa.types.is_int64(t):
        return "Int64"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_timestamp(t):
        return "datetime64[ms, UTC]"
    if pa.types.is_list(t):
        return "object"
    return str(pd.Series(["x"]).dtype)  # the pandas string dtype of this pandas


def make_snapshot(path: Path) -> Path:
    write_snapshot(path, sample_tables(), snapshot_id=path.name)
    return path


def writable(path: Path) -> None:
    path.chmod(path.stat().st_mode | stat.S_IWUSR)


def tamper(snap: Path, name: str, table: pa.Table, *, fix_manifest: bool = True) -> Path:
    """Replace one table's file; optionally update the manifest so only the file's content is wrong."""
    path = snap / table_file(name)
    writable(path)
    pq.write_table(table, path)
    if fix_manifest:
        mpath = snap / MANIFEST
        writable(mpath)
        m = json.loads(mpath.read_text())
        m["tables"][name].update(rows=table.num_rows, sha256=sha256_file(path))
        mpath.write_text(json.dumps(m))
    return path


def edit_manifest(snap: Path, fn) -> Path:
    mpath = snap / MANIFEST
    writable(mpath)
    m = json.loads(mpath.read_text())
    fn(m)
    mpath.write_text(json.dumps(m))
    return mpath


# --------------------------------------------------------------------------- #
# round trips
# --------------------------------------------------------------------------- #


def test_round_trip_every_table(tmp_path):
    data = sample_tables()
    snap = write_snapshot(tmp_path / "rt", data, snapshot_id="rt", snapshot_date="2024-07-11")
    assert set(TABLES) == set(data)
    assert snap.id == "rt" and snap.date == "2024-07-11" and snap.is_synthetic
    for name in TABLES:
        expected = conform(name, data[name])
        got = snap.arrow(name)
        assert got.schema.equals(SCHEMAS[name]), name
        assert got.to_pylist() == expected.to_pylist(), name
        assert snap.rows(name) == len(data[name])
        df = snap.table(name)
        assert list(df.columns) == SCHEMAS[name].names
        for field in SCHEMAS[name]:
            assert str(df[field.name].dtype) == expected_dtype(field.type), (name, field.name)
    models = snap.table("models").set_index("id")
    assert models.loc["org/r0"].created_at == pd.Timestamp("2023-01-01T10:00:00.123", tz="UTC")
    assert models.loc["org/r0"].downloads == 0 and pd.isna(models.loc["org/r0"].license)  # 0 is not null
    assert pd.isna(models.loc["org/r1"].last_modified) and pd.isna(models.loc["gpt2"].owner)
    assert list(snap.table("commits").authors[0]) == ["alice", "system"]
    assert snap.covered("commits")["repo_id"].tolist() == ["org/r0", "org/r1"]
    assert snap.table("models", ["id", "likes"]).columns.tolist() == ["id", "likes"]


def test_round_trip_streaming_writer_and_dataframes(tmp_path):
    data = sample_tables()
    with SnapshotWriter(
        tmp_path / "st", snapshot_date="2024-01-02", source_kind="import", source_parameters={"files": ["a"]}
    ) as w:
        with w.open_table("models") as app:  # in two batches, one a DataFrame
            app.write(data["models"][:1])
            app.write(pd.DataFrame(data["models"][1:]))
        app2 = w.open_table("commits")  # left open: finish closes it
        app2.write(pa.Table.from_pylist(data["commits"], schema=SCHEMAS["commits"]))
        w.write_table("owners", pd.DataFrame(data["owners"]))
        # while being written, nothing is at the target, and the temporary folder is partial
        assert not (tmp_path / "st").exists() and w.dir.parent == tmp_path
        with pytest.raises(SnapshotError, match="no such snapshot directory"):
            open_snapshot(tmp_path / "st")
        with pytest.raises(SnapshotError, match="'complete' is False, expected true"):
            open_snapshot(w.dir)
        assert w.finish({"models": {"scope": "all"}, "commits": {"scope": "subset", "note": "some"}}, notes=["n1"]) == (
            tmp_path / "st"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["st"]  # the temporary folder renamed into place
    snap = open_snapshot(tmp_path / "st")
    assert snap.id == "st" and snap.source_kind == "import" and not snap.is_synthetic
    assert snap.arrow("models").to_pylist() == conform("models", data["models"]).to_pylist()
    assert snap.arrow("commits").to_pylist() == conform("commits", data["commits"]).to_pylist()
    assert snap.rows("datasets") == 0 and snap.table("datasets").empty
    assert snap.coverage("commits") == {"scope": "subset", "note": "some"}
    assert snap.coverage("datasets")["scope"] == "none"  # not given: none
    m = snap.manifest
    assert m["complete"] is True and m["schema_version"] == SCHEMA_VERSION and m["notes"] == ["n1"]
    assert m["source"]["parameters"] == {"files": ["a"]}
    assert "pyarrow" in m["package_versions"] and "python" in m["package_versions"]
    for name in TABLES:
        assert m["tables"][name]["sha256"] == sha256_file(tmp_path / "st" / table_file(name))


# --------------------------------------------------------------------------- #
# validation failures: each names the file, the column and the expectation
# --------------------------------------------------------------------------- #


@pytest.fixture
def snap_dir(tmp_path):
    return make_snapshot(tmp_path / "snap")


def test_missing_manifest(snap_dir, tmp_path):
    (snap_dir / MANIFEST).unlink()
    with pytest.raises(SnapshotError, match=r"manifest\.json: missing; .* is not a snapshot"):
        open_snapshot(snap_dir)
    with pytest.raises(SnapshotError, match="no such snapshot directory"):
        open_snapshot(tmp_path / "nowhere")


def test_partial_snapshot(snap_dir):
    mpath = edit_manifest(snap_dir, lambda m: m.update(complete=False))
    with pytest.raises(SnapshotError) as exc:
        open_snapshot(snap_dir)
    assert str(mpath) in str(exc.value) and "partial" in str(exc.value)
    edit_manifest(snap_dir, lambda m: m.pop("complete"))
    with pytest.raises(SnapshotError, match="'complete' is None, expected true"):
        validate(snap_dir)


def test_interrupted_writer_leaves_nothing(tmp_path):
    """An exception (or leaving the block without finish) discards the temporary folder: no folder
    at the target, nothing beside it."""
    with pytest.raises(RuntimeError, match="mid-write"):
        with SnapshotWriter(tmp_path / "int", source_kind="synthetic") as w:
            w.write_table("models", sample_tables()["models"])
            w.open_table("commits").write(sample_tables()["commits"])
            raise RuntimeError("mid-write")
    assert list(tmp_path.iterdir()) == []
    with SnapshotWriter(tmp_path / "int", source_kind="synthetic") as w:
        w.write_table("models", sample_tables()["models"])
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SnapshotError, match="no such snapshot directory"):
        open_snapshot(tmp_path / "int")


def test_killed_writer_is_never_readable_at_its_name(tmp_path):
    """kill -9 in the middle of writing: the target does not exist, the temporary folder beside it
    says partial; the next writer removes it and writes the whole snapshot."""
    code = (
        "import os, signal, sys\n"
        "from analysis.snapshot import SnapshotWriter\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from test_snapshot import sample_tables\n"
        "with SnapshotWriter(sys.argv[1], source_kind='synthetic') as w:\n"
        "    w.write_table('models', sample_tables()['models'])\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    res = subprocess.run([sys.executable, "-c", code, str(tmp_path / "k"), str(paths.TESTS)], capture_output=True)
    assert res.returncode == -9, res.stderr
    assert not (tmp_path / "k").exists()
    (left,) = tmp_path.iterdir()
    assert left.name.startswith(".k.partial-")
    with pytest.raises(SnapshotError, match="partial"):
        open_snapshot(left)
    write_snapshot(tmp_path / "k", {"models": sample_tables()["models"]})
    open_snapshot(tmp_path / "k")
    assert not left.exists()  # a dead writer's temporary folder goes with the next writer


def test_a_live_writers_folder_is_kept(tmp_path):
    """Only a dead writer's temporary folder is removed, never one whose writer still holds it."""
    with SnapshotWriter(tmp_path / "a", source_kind="synthetic") as w1:
        with SnapshotWriter(tmp_path / "a", source_kind="synthetic") as w2:
            assert w1.dir.exists() and w2.dir.exists() and w1.dir != w2.dir
    assert list(tmp_path.iterdir()) == []


def test_writer_targets(tmp_path):
    """An empty folder or a partial snapshot (an older writer's, interrupted) is replaced; a folder
    holding anything else is refused before anything is written; a link is followed."""
    (tmp_path / "empty").mkdir()
    write_snapshot(tmp_path / "empty", {"models": sample_tables()["models"]})
    partial = make_snapshot(tmp_path / "old")
    edit_manifest(partial, lambda m: m.update(complete=False))
    write_snapshot(partial, {"models": sample_tables()["models"][:1]})
    assert open_snapshot(partial).rows("models") == 1
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(SnapshotError, match="exists and is not a snapshot"):
        SnapshotWriter(tmp_path / "mine", source_kind="synthetic")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    write_snapshot(tmp_path / "link", {"models": sample_tables()["models"]}, snapshot_id="real")
    assert (tmp_path / "link").is_symlink() and open_snapshot(tmp_path / "real").rows("models") == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_changed_file_fails_checksum(snap_dir):
    t = conform("models", sample_tables()["models"][:2])
    path = tamper(snap_dir, "models", t, fix_manifest=False)
    with pytest.raises(SnapshotError) as exc:
        open_snapshot(snap_dir)
    msg = str(exc.value)
    assert str(path) in msg and "sha256" in msg and "changed after the snapshot was completed" in msg
    # skipping checksums still catches the row count
    with pytest.raises(SnapshotError, match=r"models\.parquet: has 2 rows, expected 3"):
        open_snapshot(snap_dir, checksums=False)


def test_wrong_column_type(snap_dir):
    t = conform("models", sample_tables()["models"])
    t = t.set_column(t.schema.get_field_index("likes"), "likes", t.column("likes").cast(pa.string()))
    path = tamper(snap_dir, "models", t)
    with pytest.raises(SnapshotError) as exc:
        open_snapshot(snap_dir)
    assert str(exc.value) == f"{path}: column 'likes' has type string, expected int64"


def test_missing_column(snap_dir):
    t = conform("commits", sample_tables()["commits"]).drop_columns(["title"])
    path = tamper(snap_dir, "commits", t)
    with pytest.raises(SnapshotError) as exc:
        open_snapshot(snap_dir)
    assert str(exc.value) == f"{path}: missing column 'title' (expected string)"


def test_extra_column(snap_dir):
    t = conform("owners", sample_tables()["owners"])
    t = t.append_column("country", pa.array(["fr"]))
    path = tamper(snap_dir, "owners", t)
    with pytest.raises(SnapshotError) as exc:
        open_snapshot(snap_dir)
    assert str(exc.value) == f"{path}: unexpected column(s) country"


def test_nulls_in_non_null_column(snap_dir):
    rows = sample_tables()["models"]
    rows[1]["name"] = None
    loose = pa.schema([f.with_nullable(True) for f in SCHEMAS["models"]])
    path = tamper(snap_dir, "models", pa.Table.from_pylist(rows, schema=loose))
    open_snapshot(snap_dir)  # a quick open checks schema and checksums only ...
    with pytest.raises(SnapshotError) as exc:  # ... validate checks the values
        validate(snap_dir)
    assert str(exc.value) == f"{path}: column 'name' has 1 null value(s), expected none"


def test_duplicate_keys(snap_dir):
    rows = sample_tables()["commits"]
    rows.append(dict(rows[0], title="again"))
    path = tamper(snap_dir, "commits", conform("commits", rows))
    with pytest.raises(SnapshotError) as exc:
        validate(snap_dir)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: 1 duplicate key(s) on (repo_type, repo_id, commit_id), expected unique")
    assert "'commit_id': 'c1'" in msg


def test_wrong_schema_version(snap_dir):
    mpath = edit_manifest(snap_dir, lambda m: m.update(schema_version=99))
    with pytest.raises(SnapshotError) as exc:
        open_snapshot(snap_dir)
    assert str(exc.value) == f"{mpath}: schema_version is 99, expected {SCHEMA_VERSION}"


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: m.pop("coverage"), "missing key 'coverage'"),
        (lambda m: m.update(snapshot_date="11/07/2024"), "snapshot_date is '11/07/2024', expected YYYY-MM-DD"),
        (lambda m: m["source"].update(kind="magic"), "source.kind is 'magic', expected one of hub, import, synthetic"),
        (lambda m: m["tables"].pop("owners"), "tables has no entry for 'owners'"),
    ],
)
def test_bad_manifest_entries(snap_dir, edit, message):
    mpath = edit_manifest(snap_dir, edit)
    with pytest.raises(SnapshotError) as exc:
        open_snapshot(snap_dir)
    assert str(exc.value) == f"{mpath}: {message}"


def test_missing_or_unreadable_table_file(snap_dir):
    path = snap_dir / table_file("space_models")
    writable(path)
    path.write_bytes(b"not parquet")
    edit_manifest(snap_dir, lambda m: m["tables"]["space_models"].update(sha256=sha256_file(path)))
    with pytest.raises(SnapshotError, match=r"space_models\.parquet: not a readable Parquet file"):
        open_snapshot(snap_dir)
    path.unlink()
    with pytest.raises(SnapshotError, match=r"space_models\.parquet: missing \(table 'space_models'\)"):
        open_snapshot(snap_dir)


def test_complete_snapshot_is_immutable(snap_dir):
    with pytest.raises(SnapshotExistsError, match="complete and immutable"):
        SnapshotWriter(snap_dir, source_kind="synthetic")
    with pytest.raises(SnapshotExistsError):
        write_snapshot(snap_dir, {"models": sample_tables()["models"]})
    mode = (snap_dir / table_file("models")).stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    validate(snap_dir)  # untouched


def test_writing_bad_data_is_refused_with_clear_messages(tmp_path):
    with SnapshotWriter(tmp_path / "bad", source_kind="synthetic") as w:
        with pytest.raises(SnapshotError, match=r"models\.parquet: missing column 'id' \(expected string, not null\)"):
            w.write_table("models", [{"name": "x"}])
        with pytest.raises(
            SnapshotError, match=r"models\.parquet: column 'likes' has type (large_)?string, expected int64"
        ):
            w.write_table("models", pd.DataFrame({"id": ["a"], "name": ["a"], "likes": ["many"]}))
        with pytest.raises(
            SnapshotError, match=r"commits\.parquet: column 'repo_id' has 1 null value\(s\), expected none"
        ):
            w.write_table("commits", [{"repo_type": "model", "repo_id": None, "commit_id": "c"}])
        with pytest.raises(
            SnapshotError, match=r"owners\.parquet: unknown column\(s\) extra; expected only owner, kind"
        ):
            w.write_table("owners", [{"owner": "o", "kind": "user", "extra": 1}])
        with pytest.raises(SnapshotError, match="unknown table 'users'"):
            w.write_table("users", [])
        with pytest.raises(SnapshotError, match=r"coverage of 'models': scope 'most', expected one of all"):
            w.finish({"models": {"scope": "most"}})
    with pytest.raises(SnapshotError, match="expected YYYY-MM-DD"):
        SnapshotWriter(tmp_path / "bad2", snapshot_date="yesterday", source_kind="synthetic")
    with pytest.raises(SnapshotError, match="source kind 'web'"):
        SnapshotWriter(tmp_path / "bad3", source_kind="web")


def test_duplicate_keys_refused_when_finishing(tmp_path):
    rows = sample_tables()["models"]
    with pytest.raises(SnapshotError, match=r"models\.parquet: 1 duplicate key\(s\) on \(id\)"):
        with SnapshotWriter(tmp_path / "dup", source_kind="synthetic") as w:
            w.write_table("models", rows + rows[:1])
            w.finish({})
    assert list(tmp_path.iterdir()) == []  # refused: nothing at the target, nothing left beside it


def test_unknown_columns_on_read(snap_dir):
    snap = open_snapshot(snap_dir)
    with pytest.raises(SnapshotError, match=r"models\.parquet: no column\(s\) stars"):
        snap.table("models", ["id", "stars"])
    with pytest.raises(SnapshotError, match="unknown table 'users'"):
        snap.table("users")


# --------------------------------------------------------------------------- #
# the validate / info commands
# --------------------------------------------------------------------------- #


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)], capture_output=True, text=True, timeout=120, cwd=paths.ROOT
    )


def one_line_error(r) -> str:
    assert r.returncode != 0, r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in r.stderr, r.stderr
    return lines[0]


def test_validate_and_info_cli(snap_dir):
    r = cli("validate", snap_dir)
    assert r.returncode == 0 and r.stdout.startswith("ok: snap is a complete, valid snapshot"), r.stderr
    total = sum(len(v) for v in sample_tables().values())
    assert f"({total:,} rows in {len(TABLES)} tables)" in r.stdout
    r = cli("info", snap_dir)
    assert r.returncode == 0 and "snapshot snap (2024-01-01), source: synthetic" in r.stdout
    for name in TABLES:
        assert name in r.stdout
    r = cli("info", snap_dir, "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == json.loads((snap_dir / MANIFEST).read_text())

    rows = sample_tables()["models"]
    tamper(snap_dir, "models", conform("models", rows + rows[:1]))
    assert cli("info", snap_dir).returncode == 0  # info: quick checks only
    assert "duplicate key(s) on (id)" in one_line_error(cli("validate", snap_dir))
    edit_manifest(snap_dir, lambda m: m.update(complete=False))
    assert "partial" in one_line_error(cli("info", snap_dir))
    assert "partial" in one_line_error(cli("validate", snap_dir))
    assert "no such snapshot directory" in one_line_error(cli("validate", snap_dir.parent / "nope"))


def test_cli_bad_arguments():
    assert "unknown command 'frobnicate'" in one_line_error(cli("frobnicate"))
    assert "snapshot_dir" in one_line_error(cli("validate"))
    assert "unrecognized arguments: b" in one_line_error(cli("info", "a", "b"))
    assert cli("validate").returncode == 2


# --------------------------------------------------------------------------- #
# typed coverage (schema.Coverage), checked on load, as are fetch_log's steps and outcomes
# --------------------------------------------------------------------------- #


def test_coverage_has_one_typed_definition_and_one_builder():
    from analysis.snapshot.schema import Coverage, CoverageError, Selection, coverage, listing_coverage

    entry = coverage(
        "sample",
        rows=10,
        population="the commits of the selected repositories",
        covered=4,
        selection=Selection("sample", seed=3, n_per_repo_type=4),
        author_names="hub",
        note="n",
        repositories_attempted=5,
    )
    assert entry == {
        "scope": "sample",
        "rows": 10,
        "population": "the commits of the selected repositories",
        "covered": 4,
        "author_names": "hub",
        "selection": {"mode": "sample", "seed": 3, "n_per_repo_type": 4},
        "repositories_attempted": 5,
        "note": "n",
    }
    assert Coverage.from_json(entry).selection.seed == 3
    for bad, why in [
        (dict(scope="most"), "scope 'most'"),
        (dict(scope="all", rows=-1), "rows is -1"),
        (dict(scope="all", covered="many"), "covered is 'many'"),
        (dict(scope="all", author_names="email"), "author_names 'email'"),
        (dict(scope="sample", selection=Selection("sample")), "needs its seed"),
        (dict(scope="all", note=3), "note is int"),
    ]:
        with pytest.raises(CoverageError, match=why):
            coverage(**bad)
    empty = listing_coverage(0, "every model the listing returned", "n")
    assert empty["scope"] == "none" and empty["note"].startswith("EMPTY")


def _rewrite_manifest(path, **change):
    m = json.loads((path / "manifest.json").read_text())
    for key, value in change.items():
        m["coverage"][key] = value
    (path / "manifest.json").chmod(0o644)
    (path / "manifest.json").write_text(json.dumps(m))


@pytest.mark.parametrize(
    "entry, why",
    [
        ({"scope": "everything"}, "scope 'everything'"),
        ({"scope": "all", "rows": "12"}, "rows is '12'"),
        ({"scope": "sample", "selection": {"mode": "sample"}}, "needs its seed"),
        ({"scope": "subset", "selection": {"mode": "whim", "seed": 1}}, "selection"),
        ("all", "entry is str"),
    ],
)
def test_coverage_is_checked_on_load(tmp_path, entry, why):
    write_snapshot(tmp_path / "s", {"models": [{"id": "a/b", "name": "b"}]})
    _rewrite_manifest(tmp_path / "s", commits=entry)
    with pytest.raises(SnapshotError, match=f"coverage of 'commits': .*{why}"):
        open_snapshot(tmp_path / "s")


def test_fetch_log_steps_and_outcomes_are_checked(tmp_path):
    ok = {"step": "commits", "repo_type": "model", "repo_id": "a/b", "outcome": "gated"}
    write_snapshot(tmp_path / "ok", {"fetch_log": [ok]})
    validate(tmp_path / "ok")
    with pytest.raises(SnapshotError, match=r"fetch_log\.parquet: column 'outcome' has value\(s\) 'oops'"):
        write_snapshot(tmp_path / "bad", {"fetch_log": [ok | {"outcome": "oops"}]})
    with pytest.raises(SnapshotError, match=r"column 'step' has value\(s\) 'lunch'"):
        write_snapshot(tmp_path / "bad2", {"fetch_log": [ok | {"step": "lunch"}]})


def test_row_hashes_are_equal_for_equal_keys_wherever_the_rows_sit(tmp_path, monkeypatch):
    """The key check's hash (analysis/snapshot/rowhash.py) reads Arrow buffers: a row hashes the
    same in any slice, chunk or row group, distinct keys differ here, nulls and empty strings
    included; and a hash that collides for every row still finds exactly the duplicates."""
    import numpy as np

    from analysis.snapshot import rowhash, store

    names = ["x", "yy", "", None, "héllo", "yy", "ж中", "a" * 300]
    t = pa.table({"s": pa.array(names * 3), "n": pa.array([1, 2, 3, None, 5, 2, 7, 8] * 3, pa.int64())})
    h = rowhash.row_hashes(t, ["s", "n"])
    assert h.dtype == np.uint64 and len(h) == t.num_rows
    assert np.array_equal(rowhash.row_hashes(t.slice(5, 11), ["s", "n"]), h[5:16])
    chunked = pa.concat_tables([t.slice(0, 7), t.slice(7)])
    assert np.array_equal(rowhash.row_hashes(chunked, ["s", "n"]), h)
    assert h[1] == h[5] and len(set(h[:8].tolist()) - {h[1]}) == 6  # "yy", 2 twice; the rest distinct
    large = t.cast(pa.schema([pa.field("s", pa.large_string()), pa.field("n", pa.int64())]))
    assert np.array_equal(rowhash.row_hashes(large, ["s"]), rowhash.row_hashes(t, ["s"]))
    rows = sample_tables()["commits"]
    snap = write_snapshot(tmp_path / "s", {"commits": rows})
    monkeypatch.setattr(store, "row_hashes", lambda table, key: np.zeros(table.num_rows, np.uint64))
    validate(snap.path)  # every hash equal: the exact comparison finds no duplicate
    rows.append(dict(rows[0], title="again"))
    with pytest.raises(SnapshotError, match=r"1 duplicate key\(s\) on \(repo_type, repo_id, commit_id\)"):
        write_snapshot(tmp_path / "d", {"commits": rows})
