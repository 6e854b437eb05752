"""HFCommunity v1.0: commits reach repositories through ``files_in_commit`` -> ``file``. The load
makes a small ``commit_repo`` of those two tables as the dump streams past (neither is loaded);
the importer reads the rows through the ``mariadb`` client. Both must give the snapshot the old
way gives: the two tables loaded whole, joined, and read through PyMySQL.

The dump is the real ``mariadb-dump`` of HFCommunity's v1.0 schema, holding a commit that touched
files of two repositories and commits that touched none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from analysis.sources import hfcommunity as hfc
from analysis.sources import mariadb
from analysis.sources.hfcommunity import tables
from analysis.sources.mariadb.query import QueryError, client_args, client_batches
from fakehub.hfcommunity_dump import real_dump
from fakehub.sources import make_source

if not mariadb.available():
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but mariadb-server is not installed", pytrace=False)
    pytest.skip("mariadb-server is not installed (make mariadb-deps installs it)", allow_module_level=True)

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def short_tmp():
    d = Path(tempfile.mkdtemp(prefix="hfl-", dir="/tmp"))  # a Unix socket path may not exceed 107 bytes
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _client(server: mariadb.Server, *args: str, stdin=None) -> str:
    argv = [mariadb.binaries()["client"], "--no-defaults", f"--socket={server.socket}", f"--user={server.os_user}"]
    res = subprocess.run([*argv, *args], stdin=stdin, capture_output=True, check=True)
    return res.stdout.decode()


@pytest.fixture(scope="module")
def v10(short_tmp):
    """A v1.0 database in a server of its own (every table, as the plain client loads it) and its
    real mariadb-dump; a commit there touched files of two repositories (its sha returned)."""
    source = make_source(
        short_tmp / "source", models=60, datasets=20, spaces=30, seed=5, commits_per_repo=3, discussions_per_repo=1
    )
    sql = real_dump(source, short_tmp / "first.sql", short_tmp / "work", version="1.0")
    server = mariadb.Server(short_tmp / "whole")
    server.start()
    try:
        _client(server, "-e", "CREATE DATABASE hfcommunity CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        with open(sql, "rb") as fh:
            _client(server, "hfcommunity", stdin=fh)
        sha, repo = _client(
            server,
            "hfcommunity",
            "--batch",
            "--skip-column-names",
            "-e",
            "SELECT fc.sha, f.repo_id FROM files_in_commit fc JOIN file f ON f.id = fc.file_id ORDER BY fc.sha LIMIT 1",
        ).split()
        other = _client(
            server,
            "hfcommunity",
            "--batch",
            "--skip-column-names",
            "-e",
            f"SELECT MIN(id) FROM file WHERE repo_id <> '{repo}'",
        ).strip()
        _client(server, "hfcommunity", "-e", f"INSERT INTO files_in_commit VALUES ('{sha}', {other})")
        dump = short_tmp / "dump_20231009.sql"
        with open(dump, "wb") as fh:
            dump_bin = shutil.which("mariadb-dump") or "mysqldump"
            argv = [dump_bin, "--no-defaults", f"--socket={server.socket}", f"--user={server.os_user}"]
            subprocess.run([*argv, "--default-character-set=utf8mb4", "hfcommunity"], stdout=fh, check=True)
        yield server, dump, sha
    finally:
        server.stop()


def _import(server: mariadb.Server, out: Path) -> object:
    connect, _, where = hfc.connector(socket=str(server.socket))
    # the file named alike: a server the project loaded records it, the other does not
    return hfc.import_database(connect, out, where=where, dump={"file": "dump_20231009.sql"}, dump_date="2023-10-09")


def _frame(snap, table: str) -> pd.DataFrame:
    df = snap.table(table)
    for c in df.columns:  # lists (tags, authors) compared as text
        if df[c].map(lambda v: hasattr(v, "__len__") and not isinstance(v, str)).any():
            df[c] = df[c].map(lambda v: None if v is None else "|".join(map(str, v)))
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def _assert_same(a, b) -> None:
    assert a.manifest["tables"].keys() == b.manifest["tables"].keys()
    for t in a.manifest["tables"]:
        pd.testing.assert_frame_equal(_frame(a, t), _frame(b, t), obj=t)
    assert a.manifest["coverage"] == b.manifest["coverage"]


@pytest.fixture(scope="module")
def old(v10, short_tmp):
    """The old way: file and files_in_commit loaded whole, joined, rows read through PyMySQL."""
    tables.USE_CLIENT = False
    try:
        snap = _import(v10[0], short_tmp / "old")
    finally:
        tables.USE_CLIENT = True
    assert snap.manifest["source"]["parameters"]["commit_link"] == "files_in_commit -> file.repo_id"
    return snap


def test_commit_repo_gives_the_snapshot_of_the_join(v10, old, short_tmp):
    server, dump, sha = v10
    # the same database, rows through the mariadb client
    _assert_same(old, _import(server, short_tmp / "client"))
    # the project's load: neither table reaches the server; commit_repo instead
    root = short_tmp / "srv"
    loaded, state = hfc.loaded_server(dump, root=root, progress=False, log=lambda m: None)
    try:
        assert "commit_repo" in state["loaded"] and not {"file", "files_in_commit"} & set(state["loaded"])
        assert "file" not in state["skipped"]  # read, not skipped
        new = _import(loaded, short_tmp / "new")
    finally:
        loaded.stop()
    _assert_same(old, new)
    commits = new.table("commits")
    two = commits[commits["commit_id"] == sha]
    assert len(two) == 2 and two["repo_id"].nunique() == 2  # one commit, files of two repositories
    log = new.table("fetch_log")
    assert (log["step"] == "commits").sum() == 2 and log["reason"].str.contains("no file").all()


def test_file_before_its_links_or_the_join_is_kept(v10, old, short_tmp):
    """A dump whose files_in_commit comes before file cannot be mapped as it streams: both tables
    are loaded whole and read through the join, giving the same commits."""
    _, dump, _ = v10
    text = dump.read_bytes()
    start = text.index(b"--\n-- Table structure for table `files_in_commit`")
    end = text.index(b"--\n-- Table structure for table `model`")
    fic = text[start:end]
    at = text.index(b"--\n-- Table structure for table `file`")
    swapped = short_tmp / "swapped" / "dump_20231009.sql"
    swapped.parent.mkdir()
    swapped.write_bytes(text[:at] + fic + text[at:start] + text[end:])
    loaded, state = hfc.loaded_server(swapped, root=short_tmp / "srv-swapped", progress=False, log=lambda m: None)
    try:
        assert {"file", "files_in_commit"} <= set(state["loaded"]) and "commit_repo" not in state["loaded"]
        got = _import(loaded, short_tmp / "swapped-snap")
    finally:
        loaded.stop()
    _assert_same(old, got)


def test_the_client_reads_every_value_as_pymysql_does(short_tmp):
    values = ["a\tb", "line\nnext", "ends\r", "back\\slash", "\\n", "N", "=", "", None, "NULL", "José 🤗", "x\\\\ty"]
    with mariadb.Server(short_tmp / "values") as server:
        conn = server.connect()
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE v CHARACTER SET utf8mb4")
            cur.execute("CREATE TABLE v.t (i INT PRIMARY KEY, s TEXT, d DATETIME, n INT)")
            cur.executemany(
                "INSERT INTO v.t VALUES (%s, %s, %s, %s)",
                [(i, s, "2023-10-09 01:02:03" if i % 2 else None, None if i % 3 else -i) for i, s in enumerate(values)],
            )
        conn.commit()
        conn.select_db("v")
        args = client_args(conn, "v")
        got = [c for batch in client_batches(args, ["i", "s", "d", "n"], "FROM t ORDER BY i") for c in [batch]]
        assert len(got) == 1
        i, s, d, n = got[0]
        assert s == values
        assert i == [str(k) for k in range(len(values))]
        assert d == ["2023-10-09 01:02:03" if k % 2 else None for k in range(len(values))]
        assert n == [None if k % 3 else str(-k) for k in range(len(values))]
        assert list(client_batches(args, ["i"], "FROM t WHERE i < 0")) == []  # no rows: no batch
        with pytest.raises(QueryError) as exc:
            list(client_batches(args, ["nope"], "FROM t"))
        assert "nope" in str(exc.value) and "\n" not in str(exc.value)
        conn.close()
