"""HFCommunity dumps: a real MariaDB server, a fixture dump written from a synthetic snapshot,
loaded and imported back (round trip), and every kind of bad input.

The tests start their own private server (a temporary folder, a Unix socket, no TCP port) and
stop it. Where Debian's ``mariadb-server`` is not installed they skip, except in CI
(``CI=true``), where ``.ci/run`` installs it and a missing server is a failure.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from analysis.snapshot import is_complete, open_snapshot
from analysis.sources import hfcommunity as hfc
from analysis.sources import mariadb
from fakehub.hfcommunity_dump import write_dump
from fakehub.sources import make_source

if not mariadb.available():
    if os.environ.get("CI") == "true":
        pytest.fail(
            "CI=true but mariadb-server is not installed (.ci/run installs it with make mariadb-deps)", pytrace=False
        )
    pytest.skip("mariadb-server is not installed (make mariadb-deps installs it)", allow_module_level=True)

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def short_tmp():
    """A short temporary folder: a Unix socket path may not exceed 107 bytes."""
    d = Path(tempfile.mkdtemp(prefix="hfc-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def source(short_tmp):
    """A few hundred repositories, with commits, discussions, space edges and owner kinds."""
    return make_source(
        short_tmp / "source", models=200, datasets=60, spaces=100, seed=3, commits_per_repo=3, discussions_per_repo=1
    )


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = hfc.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected a one-line error, got: {err!r}"
    assert lines[0].startswith("error: ")
    return lines[0]


# --------------------------------------------------------------------------- #
# round trip
# --------------------------------------------------------------------------- #


def _floor(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, utc=True).dt.floor("s")


def assert_round_trip(src, got, version: str) -> None:
    assert got.date == "2023-10-09"
    params = got.manifest["source"]["parameters"]
    assert params["source"] == "hfcommunity" and params["schema_version"] == version
    commits = src.table("commits")
    first = commits.groupby(["repo_type", "repo_id"])["date"].min()
    for rt, name in (("model", "models"), ("dataset", "datasets"), ("space", "spaces")):
        a = src.table(name).set_index("id").sort_index()
        b = got.table(name).set_index("id").sort_index()
        assert list(a.index) == list(b.index), name
        for col in ("owner", "name", "likes", "private", "sha", "license"):
            pd.testing.assert_series_equal(a[col], b[col], check_names=False, obj=f"{name}.{col}")
        pd.testing.assert_series_equal(_floor(a["last_modified"]), b["last_modified"], check_names=False)
        if rt != "space":
            pd.testing.assert_series_equal(a["downloads"], b["downloads"], check_names=False)
        assert b["downloads_all_time"].isna().all()
        if rt == "model":
            for col in ("pipeline_tag", "library_name"):
                pd.testing.assert_series_equal(a[col], b[col], check_names=False)
        if rt == "space":
            if version == "1.1":
                pd.testing.assert_series_equal(a["sdk"], b["sdk"], check_names=False)
            else:
                assert b["sdk"].isna().all()  # no `space` table in v1.0
        # the dump stores gated as an integer: gated or not survives, auto/manual do not
        pd.testing.assert_series_equal(
            a["gated"].map(lambda g: None if g is None else g != "false"),
            b["gated"].map(lambda g: None if g is None else g != "false"),
            check_names=False,
        )
        if version == "1.1":
            pd.testing.assert_series_equal(a["disabled"], b["disabled"], check_names=False)
        # tags as a set (the dump keeps no order), with the license tag the Hub gives every licensed repo
        for rid in a.index:
            tags = a.at[rid, "tags"]
            want = set(tags) if isinstance(tags, (list, tuple)) or hasattr(tags, "__array__") else set()
            if isinstance(a.at[rid, "license"], str):
                want.add(f"license:{a.at[rid, 'license']}")
            assert list(b.at[rid, "tags"]) == sorted(want), rid
        # no creation date in the dump: the first commit's date (to the second), null without commits
        for rid in a.index:
            key = (rt, rid)
            want = _floor(pd.Series([first[key]]))[0] if key in first.index else None
            got_c = b.at[rid, "created_at"]
            assert (pd.isna(got_c) and want is None) or got_c == want, (rid, got_c, want)
    assert got.coverage("models")["created_at_basis"] == "first_commit"

    # commits: one author (the first), time to the second; commits off the main branch (v1.1) or
    # touching no file (v1.0) are not the snapshot's and are left out
    def commit_set(df):
        return {
            (
                r.repo_type,
                r.repo_id,
                r.commit_id,
                pd.Timestamp(r.date).floor("s"),
                r.authors[0] if r.authors is not None and len(r.authors) else None,
                r.title,
            )
            for r in df.itertuples()
        }

    assert commit_set(commits) == commit_set(got.table("commits"))
    cov = got.coverage("commits")
    assert cov["author_names"] == "git"
    if version == "1.1":
        assert "3 commits off it left out" in cov["note"]
    else:
        log = got.table("fetch_log")
        assert (log["step"] == "commits").sum() == 2 and "no file" in log["reason"].iloc[0]
    # discussions, every field
    cols = ["repo_type", "repo_id", "number", "author", "is_pull_request", "status", "title"]
    da = src.table("discussions").sort_values(cols[:3]).reset_index(drop=True)
    db = got.table("discussions").sort_values(cols[:3]).reset_index(drop=True)
    pd.testing.assert_frame_equal(da[cols], db[cols])
    pd.testing.assert_series_equal(_floor(da["created_at"]), db["created_at"], check_names=False)
    assert da["author"].isna().sum() > 0  # deleted accounts went through the dump as 'deleted' and back
    # space edges (v1.1 only) and owner kinds
    sm = lambda s: set(map(tuple, s.table("space_models")[["space_id", "model_id"]].to_numpy()))  # noqa: E731
    assert sm(got) == (sm(src) if version == "1.1" else set())
    ow = lambda s: set(map(tuple, s.table("owners")[["owner", "kind"]].to_numpy()))  # noqa: E731
    assert ow(got) == ow(src)
    # per-repository coverage: commit counts as in the source; discussions of every repository
    cc = got.covered("commits").set_index(["repo_type", "repo_id"])["items"].sort_index()
    want = commits.groupby(["repo_type", "repo_id"]).size().sort_index()
    assert dict(cc) == dict(want)
    disc = got.covered("discussions")
    assert len(disc) == src.rows("models") + src.rows("datasets") + src.rows("spaces")
    assert disc["items"].sum() == src.rows("discussions")


@pytest.mark.parametrize(("version", "suffix"), [("1.1", ".sql.gz"), ("1.0", ".zip")])
def test_round_trip_through_a_real_server(source, short_tmp, capsys, version, suffix):
    (short_tmp / f"v{version}").mkdir()
    dump = write_dump(source, short_tmp / f"v{version}" / f"dump_20231009{suffix}", version=version)
    out = short_tmp / f"snap-{version}"
    root = short_tmp / f"srv-{version}"
    code, stdout, err = run(["--dump", str(dump), str(out), "--data-dir", str(root), "--no-progress"], capsys)
    assert code == 0, err
    assert f"schema v{version}" in stdout
    got = open_snapshot(out)
    assert_round_trip(source, got, version)
    d = got.manifest["source"]["parameters"]["dump"]
    assert d["file"] == dump.name and d["bytes"] == dump.stat().st_size and d["date"] == "2023-10-09"
    import hashlib

    assert d["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    assert d["license"] == "CC BY-SA 4.0"
    # the server was stopped, and a rerun reuses the loaded database and the complete snapshot
    assert not mariadb.Server(root).running()
    code, stdout, err = run(["--dump", str(dump), str(out), "--data-dir", str(root), "--no-progress"], capsys)
    assert code == 0, err
    assert "reused" in stdout and "nothing to do" in stdout
    # the same database read again into a second snapshot, through --socket and through --url
    with mariadb.Server(root) as server:
        for i, args in enumerate(
            (
                ["--socket", str(server.socket)],
                ["--url", f"mysql://{server.os_user}:not-a-secret@localhost/hfcommunity?unix_socket={server.socket}"],
            )
        ):
            again = short_tmp / f"again-{version}-{i}"
            code, _, err = run([*args, str(again), "--no-progress"], capsys)
            assert code == 0, err
            snap = open_snapshot(again)
            assert snap.rows("commits") == got.rows("commits") and snap.date == got.date
            assert "not-a-secret" not in (again / "manifest.json").read_text()


def test_the_known_october_2023_dump_is_recognised():
    facts = hfc.dump_facts("downloads/dump_20231009.zip")
    assert facts["date"] == "2023-10-09"
    assert facts["record_url"].endswith("/10020642")
    assert facts["schema_listed"] == "1.0"
    assert hfc.dump_id("dump_20231009.sql.gz") == "dump_20231009"
    assert hfc.dump_facts("dump_2023.sql")["date"] is None


def test_the_server_is_private(short_tmp):
    with mariadb.Server(short_tmp / "private") as server:
        conn = server.connect()
        with conn.cursor() as cur:
            cur.execute("SELECT @@skip_networking, @@port, @@socket")
            skip, _port, sock = cur.fetchone()
        conn.close()
        assert skip == 1 and sock == str(server.socket)
        assert server.datadir.is_dir() and server.running()
    assert not server.running()


# --------------------------------------------------------------------------- #
# interrupted loads
# --------------------------------------------------------------------------- #


def test_an_interrupted_load_is_detected_and_redone(source, short_tmp, capsys):
    d = short_tmp / "interrupted"
    d.mkdir()
    good = write_dump(source, d / "good.sql", version="1.1")
    dump = d / "dump_20231009.sql"
    data = good.read_bytes()
    dump.write_bytes(data[: len(data) // 2])  # the download or the load was cut
    root = d / "srv"
    out = d / "snap"
    code, _, err = run(["--dump", str(dump), str(out), "--data-dir", str(root), "--no-progress"], capsys)
    assert code == 1
    assert "dump_20231009.sql" in one_line_error(err)
    assert json.loads((root / "load.json").read_text())["state"] == "loading"
    assert not out.exists()
    # the half-loaded database is never read as complete
    with mariadb.Server(root) as server:
        code, _, err = run(["--socket", str(server.socket), str(out), "--no-progress"], capsys)
    assert code == 1 and "did not finish" in one_line_error(err)
    assert not is_complete(out)
    # the whole file: loaded again from scratch, then imported
    dump.write_bytes(data)
    code, stdout, err = run(["--dump", str(dump), str(out), "--data-dir", str(root), "--no-progress"], capsys)
    assert code == 0, err
    assert open_snapshot(out).rows("commits") == source.rows("commits")
    assert json.loads((root / "load.json").read_text())["state"] == "complete"


# --------------------------------------------------------------------------- #
# bad input
# --------------------------------------------------------------------------- #


@pytest.fixture()
def bad_dir(short_tmp, request):
    d = short_tmp / f"bad-{request.node.name[-40:]}".replace("[", "-").replace("]", "")
    d.mkdir()
    return d


def _fails(argv, capsys, *needles) -> str:
    code, _, err = run(argv, capsys)
    assert code == 1, err
    line = one_line_error(err)
    for n in needles:
        assert n in line, line
    return line


def test_a_file_that_is_not_a_dump(bad_dir, capsys):
    text = bad_dir / "dump_20231009.sql"
    text.write_text("name,likes\ngpt2,10\n")
    _fails(
        ["--dump", str(text), str(bad_dir / "out"), "--data-dir", str(bad_dir / "srv")],
        capsys,
        str(text),
        "not a MariaDB dump",
    )
    assert not (bad_dir / "out").exists()
    binary = bad_dir / "other.zip"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    _fails(
        ["--dump", str(binary), str(bad_dir / "out"), "--data-dir", str(bad_dir / "srv2")],
        capsys,
        str(binary),
        "not a MariaDB dump",
    )
    rar = bad_dir / "dump-hf_test-202407161033.rar"
    rar.write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(100))
    _fails(["--dump", str(rar), str(bad_dir / "out"), "--data-dir", str(bad_dir / "srv4")], capsys, str(rar), "RAR")
    zipped = bad_dir / "notes.zip"
    import zipfile

    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("README.txt", "no dump here")
    _fails(
        ["--dump", str(zipped), str(bad_dir / "out"), "--data-dir", str(bad_dir / "srv3")], capsys, str(zipped), ".sql"
    )
    assert not (bad_dir / "out").exists()


def test_a_truncated_dump(source, bad_dir, capsys):
    whole = write_dump(source, bad_dir / "whole.sql", version="1.1").read_bytes()
    # cut at a statement boundary: every statement loads, the closing line is missing
    cut = whole[: whole.rindex(b"\n-- Dump completed")]
    plain = bad_dir / "dump_20231009.sql"
    plain.write_bytes(cut)
    _fails(
        ["--dump", str(plain), str(bad_dir / "out"), "--data-dir", str(bad_dir / "srv")],
        capsys,
        str(plain),
        "truncated",
    )
    # a compressed file cut short
    gz = bad_dir / "dump_20231009b.sql.gz"
    gz.write_bytes(gzip.compress(whole)[:-5000])
    _fails(["--dump", str(gz), str(bad_dir / "out"), "--data-dir", str(bad_dir / "srv2")], capsys, str(gz))
    assert not (bad_dir / "out").exists()


@pytest.mark.parametrize(
    ("drop", "needle"),
    [
        ({"drop_tables": ["repository"]}, "`repository`"),
        ({"drop_columns": {"discussion": ["num"]}}, "`discussion.num`"),
        ({"drop_columns": {"repository": ["type"]}}, "`repository.type`"),
    ],
)
def test_a_dump_of_another_schema(source, bad_dir, capsys, drop, needle):
    dump = write_dump(source, bad_dir / "dump_20231009.sql", version="1.1", **drop)
    out = bad_dir / "out"
    _fails(["--dump", str(dump), str(out), "--data-dir", str(bad_dir / "srv")], capsys, needle)
    assert not is_complete(out) and not out.exists()


def test_missing_optional_tables_are_named_not_fatal(source, bad_dir, capsys):
    dump = write_dump(
        source,
        bad_dir / "dump_20231009.sql",
        version="1.1",
        drop_tables=["models_in_space", "space"],
        drop_columns={"repository": ["likes"]},
    )
    out = bad_dir / "out"
    code, stdout, err = run(
        ["--dump", str(dump), str(out), "--data-dir", str(bad_dir / "srv"), "--no-progress"], capsys
    )
    assert code == 0, err
    assert "space, models_in_space, repository.likes" in stdout
    snap = open_snapshot(out)
    assert snap.coverage("space_models")["scope"] == "none"
    assert snap.table("models")["likes"].isna().all()
    assert snap.manifest["source"]["parameters"]["missing_tables"] == ["space", "models_in_space"]


def test_a_server_that_cannot_start_because_its_socket_is_taken(bad_dir):
    with mariadb.Server(bad_dir / "a") as first:
        other = mariadb.Server(bad_dir / "b")
        other.root.mkdir()
        os.symlink(first.socket, other.socket)  # the socket path is in use by another server
        with pytest.raises(mariadb.ServerError) as exc:
            other.start(timeout=60)
        assert str(other.datadir) in str(exc.value) or str(other.socket) in str(exc.value)
        assert "\n" not in str(exc.value)


def test_a_server_that_cannot_start_without_permissions(bad_dir):
    root = bad_dir / "perm"
    root.mkdir()
    if os.geteuid() == 0:
        # root ignores permission bits: run the server as an unprivileged user on root's 0700 folder
        os.chmod(root, 0o700)
        server = mariadb.Server(root, user="nobody")
    else:
        os.chmod(root, 0o500)
        server = mariadb.Server(root)
    try:
        with pytest.raises(mariadb.ServerError) as exc:
            server.start(timeout=60)
        msg = str(exc.value)
        assert str(server.datadir) in msg and "\n" not in msg
        assert "Permission denied" in msg or "Errcode: 13" in msg
    finally:
        os.chmod(root, 0o700)
        server.stop()


def test_a_server_that_cannot_start_on_a_full_disk(bad_dir):
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a small tmpfs")
    mnt = bad_dir / "small"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({res.stderr.strip()})")
    try:
        with pytest.raises(mariadb.ServerError) as exc:
            mariadb.Server(mnt / "srv").start(timeout=60)
        msg = str(exc.value)
        assert "\n" not in msg and str(mnt) in msg
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_socket_path_too_long_is_refused(short_tmp):
    deep = short_tmp / ("x" * 120)
    with pytest.raises(mariadb.ServerError, match="longer than"):
        mariadb.Server(deep).start()


def test_cli_entry_is_registered(capsys):
    from analysis.cli import COMMANDS, main

    assert COMMANDS["import-hfcommunity"][0] == "analysis.sources.hfcommunity"
    assert main(["import-hfcommunity", "--socket", "/nonexistent/socket", "/tmp/never-written"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "/nonexistent/socket" in line or "socket" in line
    assert not Path("/tmp/never-written").exists()
