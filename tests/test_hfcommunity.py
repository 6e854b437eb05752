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
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from analysis.snapshot import is_complete, open_snapshot
from analysis.sources import hfcommunity as hfc
from analysis.sources import mariadb
from analysis.sources.hfcommunity import load as hfc_load
from fakehub.hfcommunity_dump import (
    DELETED_PREFIX,
    NAMESAKE_AUTHORS,
    NAMESAKE_REPO,
    local_time,
    package,
    real_dump,
    write_dump,
    write_rar,
)
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
        short_tmp / "source", models=120, datasets=40, spaces=60, seed=3, commits_per_repo=3, discussions_per_repo=1
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
    if version == "1.0":  # v1.0 stores the author's local clock time, without its offset
        commits["date"] = [local_time(s, d.to_pydatetime()) for s, d in zip(commits["commit_id"], commits["date"])]
    first = commits.groupby(["repo_type", "repo_id"])["date"].min()
    for rt, name in (("model", "models"), ("dataset", "datasets"), ("space", "spaces")):
        a = src.table(name).set_index("id").sort_index()
        b = got.table(name).set_index("id").sort_index()
        assert list(a.index) == list(b.index), name
        for col in ("owner", "name", "likes", "private", "sha", "license"):
            pd.testing.assert_series_equal(a[col], b[col], check_names=False, obj=f"{name}.{col}")
        pd.testing.assert_series_equal(_floor(a["last_modified"]), _floor(b["last_modified"]), check_names=False)
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
    pd.testing.assert_series_equal(_floor(da["created_at"]), _floor(db["created_at"]), check_names=False)
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


@pytest.fixture(scope="module")
def real_sql(source, short_tmp):
    """HFCommunity's database of ``source`` in each schema version, dumped with the real mariadb-dump."""
    made: dict[str, Path] = {}

    def get(version: str, skip_comments: bool = False) -> Path:
        key = f"{version}{'-skip' if skip_comments else ''}"
        if key not in made:
            made[key] = real_dump(
                source,
                short_tmp / f"real-{key}.sql",
                short_tmp / f"work-{key}",
                version=version,
                skip_comments=skip_comments,
            )
        return made[key]

    return get


_EXT = {
    "deflate64": ".zip",
    "zip": ".zip",
    "folder": ".zip",
    "split": ".zip",
    "rar": ".rar",
    "gz": ".sql.gz",
    "zst": ".sql.zst",
    "sql": ".sql",
}


def load_and_import(dump: Path, out: Path, root: Path, capsys) -> tuple[str, object]:
    code, stdout, err = run(["--dump", str(dump), str(out), "--data-dir", str(root), "--no-progress"], capsys)
    assert code == 0, err
    return stdout, open_snapshot(out)


@pytest.mark.parametrize(("version", "how"), [("1.1", "deflate64"), ("1.0", "deflate64")])
def test_round_trip_through_a_real_server(source, real_sql, short_tmp, capsys, version, how):
    """The real mariadb-dump of HFCommunity's own schema, zipped by the real 7z with Deflate64."""
    (short_tmp / f"v{version}").mkdir()
    dump = package(real_sql(version), short_tmp / f"v{version}" / f"dump_20231009{_EXT[how]}", how)
    with zipfile.ZipFile(dump) as zf:
        assert zf.infolist()[0].compress_type == 9  # Deflate64, which Python's zipfile cannot read
    out = short_tmp / f"snap-{version}"
    root = short_tmp / f"srv-{version}"
    stdout, got = load_and_import(dump, out, root, capsys)
    assert f"schema v{version}" in stdout
    # only the tables the importer reads reach the server; the summary names the others
    skipped = {
        "1.1": "commit_parents, conflicting_files_discussion, datasets_in_space, discussion_event, "
        "files_in_commit, modified_file, repo_file, tag",
        "1.0": "commit_parents, discussion_event, tag",
    }
    assert f"not loaded (not read by the importer): {skipped[version]}" in stdout
    assert_round_trip(source, got, version)
    d = got.manifest["source"]["parameters"]["dump"]
    assert d["file"] == dump.name and d["bytes"] == dump.stat().st_size and d["date"] == "2023-10-09"
    assert d["kind"] == "zip" and d["member"] == "dump_20231009.sql" and d["trailer"] == "present"
    assert d["skipped"] == skipped[version].split(", ")
    import hashlib

    assert d["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    assert d["license"] == "CC BY-SA 4.0"
    notes = " ".join(got.manifest["notes"])
    assert "utf8mb4_general_ci" in notes
    assert ("14 hours" in notes) == (version == "1.0") and ("duplicated space" in notes) == (version == "1.1")
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


@pytest.mark.parametrize(
    ("version", "how"),
    [
        ("1.1", "rar"),
        ("1.1", "split"),
        ("1.1", "folder"),
        ("1.1", "zst"),
        ("1.1", "gz"),
        ("1.0", "zip"),
        ("1.0", "sql"),
    ],
)
def test_every_container(source, real_sql, short_tmp, capsys, version, how):
    d = short_tmp / f"box-{version}-{how}"
    d.mkdir()
    dump = package(real_sql(version), d / f"dump_20231009{_EXT[how]}", how)
    stdout, got = load_and_import(dump, d / "snap", d / "srv", capsys)
    assert_round_trip(source, got, version)
    params = got.manifest["source"]["parameters"]["dump"]
    if how == "split":  # ten pieces cut at arbitrary bytes: loaded in name order, part10 last
        assert "10 parts of one dump, loaded in name order" in stdout
        assert params["member"].split(", ")[-2:] == ["dump_20231009_part9.sql", "dump_20231009_part10.sql"]
    if how in ("rar", "folder"):
        assert params["kind"] == ("rar" if how == "rar" else "zip")
        assert params["member"] == ("dump_20231009/dump_20231009.sql" if how == "folder" else "dump_20231009.sql")


def test_a_whole_v11_database_read_through_its_socket(source, real_sql, short_tmp, capsys):
    """Every v1.1 table loaded by the plain client (files_in_commit is (sha, modified_file_id)):
    read as v1.1's, never an error."""
    with mariadb.Server(short_tmp / "whole-v11") as server:
        conn = server.connect()
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE hfcommunity")
        conn.close()
        with open(real_sql("1.1"), "rb") as fh:
            subprocess.run(
                [mariadb.binaries()["client"], "--no-defaults", f"--socket={server.socket}", "hfcommunity"],
                stdin=fh,
                check=True,
            )
        out = short_tmp / "whole-v11-snap"
        code, stdout, err = run(["--socket", str(server.socket), str(out), "--dump-date", "2023-10-09"], capsys)
    assert code == 0, err
    assert "schema v1.1; not in the dump: nothing the importer reads" in stdout
    assert_round_trip(source, open_snapshot(out), "1.1")


def test_a_commit_shared_by_a_duplicated_space_belongs_to_the_first(source, short_tmp, capsys):
    """v1.1 stores a commit once (INSERT IGNORE): the duplicate, read second, has none of them."""
    d = short_tmp / "dup"
    d.mkdir()
    sql = real_dump(source, d / "dump.sql", d / "work", version="1.1", duplicated_spaces=1)
    _, got = load_and_import(package(sql, d / "dump_20231009.sql.gz", "gz"), d / "snap", d / "srv", capsys)
    spaces = got.table("spaces").set_index("id")
    copy = next(i for i in spaces.index if i.endswith("-duplicate"))
    original = copy[: -len("-duplicate")]
    src = source.table("commits")
    got_c = got.table("commits")
    assert not ((got_c.repo_type == "space") & (got_c.repo_id == copy)).any()
    n = ((src.repo_type == "space") & (src.repo_id == original)).sum()
    assert n > 0 and ((got_c.repo_type == "space") & (got_c.repo_id == original)).sum() == n
    assert pd.isna(spaces.at[copy, "created_at"]) and not pd.isna(spaces.at[original, "created_at"])
    assert "duplicated space" in " ".join(got.manifest["notes"])


def test_names_equal_under_the_collation_are_kept_apart(source, short_tmp, capsys):
    """HFCommunity's tables compare names under utf8mb4_general_ci (case and accents ignored): an
    owner and a namesake spelled in the other case, and commit authors 'José Pérez' and 'Jose
    Perez'. The real mariadb-dump of that database keeps both owners' repositories and both
    spellings in `commits`; its `author` table holds one row of each pair (what the extractor's
    INSERT IGNORE kept): the import merges nothing, and says which owners the dump cannot tell."""
    d = short_tmp / "namesakes"
    d.mkdir()
    sql = real_dump(source, d / "dump.sql", d / "work", version="1.1", namesakes=True)
    text = sql.read_bytes()
    authors_sql = text[text.index(b"INSERT INTO `author`") :]
    authors_sql = authors_sql[: authors_sql.index(b";\n")]
    one, other = (f"'{a}'".encode() for a in NAMESAKE_AUTHORS)
    assert (one in authors_sql) != (other in authors_sql)  # the dump itself holds one of them
    _, got = load_and_import(package(sql, d / "dump_20231009.sql.gz", "gz"), d / "snap", d / "srv", capsys)
    owner = source.table("models")["owner"].iloc[0]
    namesake = owner.swapcase()
    assert namesake != owner
    models = got.table("models").set_index("id")
    assert models.at[f"{namesake}/{NAMESAKE_REPO}", "owner"] == namesake
    assert (models["owner"] == owner).sum() == (source.table("models")["owner"] == owner).sum()
    commit_authors = {a[0] for a in got.table("commits")["authors"] if a is not None and len(a)}
    assert set(NAMESAKE_AUTHORS) <= commit_authors  # both spellings, each on its own commit
    assert got.manifest["source"]["parameters"]["dump"]["duplicates"] == {}
    kinds = dict(got.table("owners")[["owner", "kind"]].to_numpy())
    want = dict(source.table("owners")[["owner", "kind"]].to_numpy())
    assert namesake not in kinds and kinds.get(owner) == want.get(owner)
    assert "2 owners share their name, up to case and accents, with another owner" in got.coverage("owners")["note"]


def test_mariadb_loses_a_statement_with_a_duplicate_when_unique_checks_are_off(short_tmp):
    """Why the load keeps unique checks on: with them off (as mariadb-dump's own header sets, and
    as the load used to), MariaDB's bulk insert into an empty table drops every row of an INSERT
    IGNORE statement holding a duplicate key, without a warning, and fails a plain INSERT with
    error 1180 when it commits."""
    ddl = "CREATE TABLE `{t}` (`id` varchar(20) NOT NULL, PRIMARY KEY (`id`)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n"
    rows = "('a'),('b'),('a'),('Jose'),('Jos\u00e9'),('c')"
    sql = (
        ddl.format(t="i")
        + f"INSERT IGNORE INTO `i` VALUES {rows};\n"
        + ddl.format(t="p")
        + f"INSERT INTO `p` VALUES {rows};\n"
    )
    with mariadb.Server(short_tmp / "bulk") as server:
        conn = server.connect()
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE bulk")
        conn.close()
        cmd = [mariadb.binaries()["client"], "--no-defaults", f"--socket={server.socket}", "--database=bulk", "--force"]
        init = "--init-command=SET SESSION foreign_key_checks=0, unique_checks={}"
        res = subprocess.run([*cmd, init.format(0)], input=sql.encode(), capture_output=True)
        assert b"ERROR 1180" in res.stderr  # the plain INSERT
        conn = server.connect("bulk")
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM i")
            assert cur.fetchone()[0] == 0  # the INSERT IGNORE: no row, no error
            for t in "ip":
                cur.execute(f"DROP TABLE {t}")
        conn.close()
        res = subprocess.run([*cmd, init.format(1)], input=sql.encode(), capture_output=True)
        assert b"ERROR 1062" in res.stderr  # with unique checks on: a plain INSERT stops at the duplicate
        conn = server.connect("bulk")
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM i ORDER BY id")
            assert [r[0] for r in cur.fetchall()] == ["a", "b", "c", "Jose"]  # INSERT IGNORE keeps the first
        conn.close()


def test_rows_repeating_a_primary_key_are_counted_not_lost(source, short_tmp, capsys):
    """A dump that repeats primary keys (a table dumped twice, overlapping parts, names equal
    under the collation): the load keeps the first row of each key and counts the others per
    table; the summary, the manifest, fetch_log and the notes say so."""
    d = short_tmp / "duplicates"
    d.mkdir()
    text = write_dump(source, d / "whole.sql", version="1.1").read_bytes()
    assert text.count(b"INSERT INTO `repository`") == 1
    at = text.index(b"INSERT INTO `repository`")
    stmt = text[at : text.index(b";\n", at) + 2]
    text = text[: at + len(stmt)] + stmt + text[at + len(stmt) :]  # every repository row once more
    at = text.index(b"VALUES ", text.index(b"INSERT INTO `discussion`")) + len(b"VALUES ")
    first = text[at : text.index(b"),(", at) + 1]
    text = text[:at] + first + b"," + text[at:]  # one discussion twice in its statement
    dump = d / "dump_20231009.sql"
    dump.write_bytes(text)
    stdout, got = load_and_import(dump, d / "snap", d / "srv", capsys)
    n_repo = sum(source.rows(t) for t in ("models", "datasets", "spaces"))
    assert f"rows repeating a primary key (the first kept): discussion 1, repository {n_repo:,}" in stdout
    assert got.manifest["source"]["parameters"]["dump"]["duplicates"] == {"discussion": 1, "repository": n_repo}
    for t in ("models", "datasets", "spaces", "discussions", "commits"):
        assert got.rows(t) == source.rows(t), t
    log = got.table("fetch_log")
    dup = log[log["outcome"] == "duplicate"].set_index("source")
    assert (
        dup.at["repository", "step"] == "import"
        and f"{n_repo:,} rows of `repository`" in dup.at["repository", "reason"]
    )
    assert "1 rows of `discussion`" in dup.at["discussion", "reason"]
    assert any(f"primary key of {n_repo + 1:,} rows" in n for n in got.manifest["notes"])


def test_repositories_deleted_from_the_hub_are_imported_as_listed(source, short_tmp, capsys):
    """HFCommunity updates its database incrementally: a model deleted from the Hub after it was
    first read keeps its row, unmarked. The import cannot tell it from a listed one and keeps it
    (no commit: no created_at); the notes say the dump can list deleted repositories."""
    d = short_tmp / "deleted"
    d.mkdir()
    dump = write_dump(source, d / "dump_20231009.sql", version="1.0", deleted_repositories=2)
    _, got = load_and_import(dump, d / "snap", d / "srv", capsys)
    models = got.table("models").set_index("id")
    assert len(models) == source.rows("models") + 2
    for i in range(2):
        rid = f"{DELETED_PREFIX}{i}"
        assert models.at[rid, "owner"] == "gone-owner" and pd.isna(models.at[rid, "created_at"])
        assert models.at[rid, "last_modified"] == pd.Timestamp("2022-05-01 12:00", tz="UTC")
    assert not got.covered("commits")["repo_id"].str.startswith(DELETED_PREFIX).any()
    assert any("deleted from the Hub" in n for n in got.manifest["notes"])


def test_a_dump_written_with_skip_comments(source, real_sql, short_tmp, capsys):
    """No closing '-- Dump completed' line: accepted, and said; cut inside a read table: refused."""
    sql = real_sql("1.1", skip_comments=True)
    text = sql.read_bytes()
    assert b"-- Dump completed" not in text and b"INSERT INTO `commits`" in text
    d = short_tmp / "skip"
    d.mkdir()
    dump = package(sql, d / "dump_20231009.zip", "zip")
    stdout, got = load_and_import(dump, d / "snap", d / "srv", capsys)
    assert "trailer: absent" in stdout
    assert got.manifest["source"]["parameters"]["dump"]["trailer"] == "absent"
    assert any(n.startswith("trailer: absent") for n in got.manifest["notes"])
    assert_round_trip(source, got, "1.1")
    # the same dump cut after a whole statement in the middle of the read tables: refused
    cut = d / "cut" / "dump_20231009.sql"
    cut.parent.mkdir()
    at = text.index(b";\n", text.index(b"INSERT INTO `discussion`")) + 2
    cut.write_bytes(text[:at])
    line = _fails(["--dump", str(cut), str(d / "out"), "--data-dir", str(d / "srv2")], capsys, str(cut), "truncated")
    assert "`discussion`" in line and "`tags_in_repo` (never created)" in line
    assert json.loads((d / "srv2" / "load.json").read_text())["state"] == "loading"
    assert not mariadb.Server(d / "srv2").running() and not (d / "out").exists()


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
    # cut in the middle of a statement (an INSERT of a table the importer reads)
    at = whole.index(b"INSERT INTO `discussion`") + 500
    plain = bad_dir / "dump_20231009.sql"
    plain.write_bytes(whole[:at])
    line = _fails(
        ["--dump", str(plain), str(bad_dir / "out"), "--data-dir", str(bad_dir / "srv")],
        capsys,
        str(plain),
        "truncated",
    )
    assert "middle of a statement" in line
    assert json.loads((bad_dir / "srv" / "load.json").read_text())["state"] == "loading"
    # a compressed file cut short
    gz = bad_dir / "dump_20231009b.sql.gz"
    gz.write_bytes(gzip.compress(whole)[:-5000])
    _fails(["--dump", str(gz), str(bad_dir / "out"), "--data-dir", str(bad_dir / "srv2")], capsys, str(gz))
    assert not (bad_dir / "out").exists()


def _refused_and_incomplete(argv, capsys, root: Path, out: Path, *needles) -> str:
    """One line, naming what is asked; no snapshot; the server stopped; the load never complete."""
    line = _fails(argv, capsys, *needles)
    assert not out.exists() and not is_complete(out)
    if (root / "load.json").exists():
        assert json.loads((root / "load.json").read_text())["state"] == "loading"
    assert not mariadb.Server(root).running()
    return line


def test_containers_that_cannot_be_read(real_sql, bad_dir, capsys):
    sql = real_sql("1.1")
    out = bad_dir / "out"

    def refused(dump: Path, *needles: str) -> str:
        root = bad_dir / f"srv-{dump.parent.name}"
        return _refused_and_incomplete(
            ["--dump", str(dump), str(out), "--data-dir", str(root), "--no-progress"],
            capsys,
            root,
            out,
            str(dump),
            *needles,
        )

    def box(name: str) -> Path:
        (bad_dir / name).mkdir()
        return bad_dir / name

    # two unrelated .sql files: a dump of another database beside HFCommunity's
    two = box("two") / "dump_20231009.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.write(sql, "dump_20231009.sql")
        zf.writestr("shop.sql", "-- MariaDB dump 10.19\n--\n-- Host: localhost    Database: shop\n")
    refused(two, "unrelated", "shop.sql")
    # a password-protected zip (7z -p)
    refused(package(sql, box("pw") / "dump_20231009.zip", "password"), "password")
    # a method this loader does not read (PPMd, 7z -mm=PPMd)
    ppmd = box("ppmd") / "dump_20231009.zip"
    subprocess.run(["7z", "a", "-tzip", "-mm=PPMd", str(ppmd), str(sql)], check=True, capture_output=True)
    refused(ppmd, "ZIP method 98", "7z x")
    # a Deflate64 zip cut in half (the download stopped), and one corrupted in its middle
    d64 = package(sql, box("d64") / "dump_20231009.zip", "deflate64")
    half = box("half") / "dump_20231009.zip"
    half.write_bytes(d64.read_bytes()[: d64.stat().st_size // 2])
    refused(half, "not a readable zip file", "incomplete")
    data = bytearray(d64.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 64] = bytes(64)
    bad = box("corrupt") / "dump_20231009.zip"
    bad.write_bytes(bytes(data))
    refused(bad)
    # one volume of a multi-volume RAR
    vol = write_rar(box("vol") / "dump_20231009.part1.rar", {"dump_20231009.sql": sql.read_bytes()}, volume=True)
    refused(vol, "multi-volume")


def test_not_enough_disk_space_is_refused_before_loading(real_sql, bad_dir, capsys, monkeypatch):
    dump = package(real_sql("1.1"), bad_dir / "dump_20231009.zip", "deflate64")
    monkeypatch.setattr(hfc_load, "free_bytes", lambda folder: 10 << 20)
    root = bad_dir / "srv"
    line = _refused_and_incomplete(
        ["--dump", str(dump), str(bad_dir / "out"), "--data-dir", str(root)],
        capsys,
        root,
        bad_dir / "out",
        "10 MB free",
        "needs about",
    )
    assert "--data-dir" in line and not (root / "db").exists()


@pytest.mark.parametrize("moment", ["record", "load", "finish"])
def test_the_disk_filling_during_the_load(real_sql, bad_dir, capsys, monkeypatch, moment):
    """The disk fills as the load record is written, during the load, or as the keys are built and
    the load recorded complete: one line, whatever the step."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a small tmpfs")
    mnt = bad_dir / "small"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({res.stderr.strip()})")
    try:
        dump = package(real_sql("1.1"), bad_dir / "dump_20231009.sql", "sql")
        monkeypatch.setattr(hfc_load, "free_bytes", lambda folder: 1 << 40)  # the check passes: the disk fills later

        def fill() -> None:  # all but 64 KB during the load; before a step, all of it
            with open(mnt / "filler", "wb") as fh:
                os.posix_fallocate(fh.fileno(), 0, shutil.disk_usage(mnt).free - (64 << 10 if moment == "load" else 0))

        step = {"record": "_start_record", "load": "_start_record", "finish": "_finish_record"}[moment]
        original = getattr(hfc_load, step)

        def filled(*args):  # the disk fills before the step (after it: the load itself)
            if moment != "load":
                fill()
            original(*args)
            if moment == "load":
                fill()

        monkeypatch.setattr(hfc_load, step, filled)
        root = mnt / "srv"
        _refused_and_incomplete(
            ["--dump", str(dump), str(bad_dir / "out"), "--data-dir", str(root), "--no-progress"],
            capsys,
            root,
            bad_dir / "out",
            str(dump),
            "full",
        )
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.parametrize(
    ("version", "drop", "needle"),
    [
        ("1.1", {"drop_tables": ["repository"]}, "`repository`"),
        ("1.1", {"drop_columns": {"discussion": ["num"]}}, "`discussion.num`"),
        ("1.1", {"drop_columns": {"repository": ["type"]}}, "`repository.type`"),
        ("1.0", {"drop_columns": {"files_in_commit": ["file_id"]}}, "`files_in_commit.file_id`"),
    ],
)
def test_a_dump_of_another_schema(source, bad_dir, capsys, version, drop, needle):
    dump = write_dump(source, bad_dir / "dump_20231009.sql", version=version, **drop)
    table = needle.strip("`").split(".")[0]
    if "drop_columns" in drop:
        # the load stops at that table's CREATE TABLE: what follows is never read (garbage here)
        text = dump.read_bytes()
        at = text.index(b";\n", text.index(f"CREATE TABLE `{table}`".encode())) + 2
        dump.write_bytes(text[:at] + b"\x00\xff not SQL \x00" * 1000)
    out = bad_dir / "out"
    root = bad_dir / "srv"
    line = _refused_and_incomplete(["--dump", str(dump), str(out), "--data-dir", str(root)], capsys, root, out, needle)
    if "drop_columns" in drop:
        assert f"table `{table}` has no column {needle}" in line


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
