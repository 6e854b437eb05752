"""Bad input, interruption and concurrency: the importer, the collector and the snapshot checks.

One test (or a few) per failure found by trying the tools as a careful user would; each
reproduces the failure with the production settings (the importer's real block size, the
real command line) and asserts what the tool does now.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from book_fixtures import hand_snapshot, interruptible

from analysis.snapshot import SnapshotError, open_snapshot, sha256_file
from analysis.snapshot.lock import FolderLock
from analysis.sources import collector, hubapi, importer
from analysis.sources.importer import import_records
from fakehub.server import FakeHub
from fakehub.sources import make_source

pytestmark = pytest.mark.timeout(180)


def _records(n: int) -> list[dict]:
    return [
        {
            "id": f"org{i % 5}/model-{i}",
            "likes": i % 11,
            "downloads": 3 * i,
            "tags": ["transformers", "license:mit"],
            "createdAt": "2023-05-01T10:00:00.000Z",
            "description": "x" * 200,
        }
        for i in range(n)
    ]


def _write_jsonl(path: Path, recs: list, gz: bool = False) -> Path:
    data = b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in recs)
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path


def _import(src: Path, out: Path, **kw):
    kw.setdefault("progress", False)
    return import_records([src], out, **kw)


# --------------------------------------------------------------------------- #
# 1. a truncated .jsonl.gz keeps every complete line (production block size)
# --------------------------------------------------------------------------- #


def test_truncated_gzip_keeps_every_complete_line_at_the_production_block_size(tmp_path):
    path = _write_jsonl(tmp_path / "src" / "models.jsonl.gz", _records(20_000), gz=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    # what survives, counted independently: every line that decompresses whole
    complete = zlib.decompressobj(wbits=31).decompress(data[: len(data) // 2]).count(b"\n")
    assert 1000 < complete < 20_000
    assert importer.BLOCK_SIZE == 16 << 20  # the production setting, not a test's small block
    snap = _import(tmp_path / "src", tmp_path / "out")
    assert snap.rows("models") == complete
    log = snap.table("fetch_log")
    assert len(log) == 1 and log.outcome[0] == "malformed"
    assert f"after line {complete:,} (the last complete line, kept)" in log.reason[0]
    assert log.source[0] == f"src/models.jsonl.gz:{complete + 1}"
    cov = snap.coverage("models")
    assert cov["scope"] == "subset" and "broken file" in cov["note"]


def test_multi_member_gzip_is_read_whole(tmp_path):
    recs = _records(300)
    path = tmp_path / "src" / "models.jsonl.gz"
    path.parent.mkdir(parents=True)
    with open(path, "wb") as fh:  # two gzip members, as `cat a.gz b.gz` makes
        for part in (recs[:100], recs[100:]):
            fh.write(gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in part)))
    assert _import(tmp_path / "src", tmp_path / "out").rows("models") == 300


# --------------------------------------------------------------------------- #
# 3. implausible values: one set of rules (hubapi) for the importer and the collector
# --------------------------------------------------------------------------- #


def test_importer_rejects_negative_counts_and_future_timestamps(tmp_path):
    recs = _records(10)
    recs[3]["likes"] = -4
    recs[4]["downloads"] = -1
    recs[5]["createdAt"] = "2999-01-01T00:00:00.000Z"
    _write_jsonl(tmp_path / "src" / "models.jsonl", recs)
    snap = _import(tmp_path / "src", tmp_path / "out")
    assert snap.rows("models") == 7
    # dated by the listing's fetch (when its file was written), never by a record's date
    fetched = dt.datetime.fromtimestamp((tmp_path / "src" / "models.jsonl").stat().st_mtime, dt.UTC)
    assert snap.date < "2999-01-01" and snap.date == fetched.date().isoformat()
    log = snap.table("fetch_log").set_index("source")
    assert "'likes' is -4, expected >= 0" in log.loc["src/models.jsonl:4", "reason"]
    assert "'downloads' is -1" in log.loc["src/models.jsonl:5", "reason"]
    assert "later than the time of collection" in log.loc["src/models.jsonl:6", "reason"]
    assert set(log.outcome) == {"malformed"} and log.loc["src/models.jsonl:6", "repo_id"] == "org0/model-5"


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("private", "false", "'private' is a string, expected a boolean"),
        ("tags", "abc", "'tags' is a string, expected an array"),
        ("likes", 1.5, "'likes' is a number, expected an integer"),
        ("likes", True, "'likes' is a boolean, expected an integer"),
        ("likes", -2, "'likes' is -2, expected >= 0"),
        ("createdAt", "2999-01-01T00:00:00.000Z", "later than the time of collection"),
    ],
)
def test_one_set_of_value_rules_for_both_sources(tmp_path, field, value, reason):
    """The collector's row conversion and the importer reject the same records for the same reason."""
    rec = {"id": "o/m", "likes": 1, "tags": ["license:mit"], field: value}
    with pytest.raises(hubapi.RecordError, match=reason.replace("(", r"\(")):
        hubapi.repo_row(rec, "model")
    _write_jsonl(tmp_path / "src" / "models.jsonl", [rec, {"id": "o/ok"}])
    snap = _import(tmp_path / "src", tmp_path / "out")
    assert list(snap.table("models").id) == ["o/ok"]
    assert reason in snap.table("fetch_log").reason[0]


class _ListingServer(ThreadingHTTPServer):
    """A one-page ``/api/models`` listing with the records given (bad ones included)."""

    def __init__(self, items: list):
        self.items = items

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                body = json.dumps(self.server.items if self.path.startswith("/api/models") else []).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


def test_collector_logs_wrongly_typed_listing_records_instead_of_altering_them(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    items = [
        {"id": "o/good", "likes": 3, "private": False, "tags": ["license:mit"]},
        {"id": "o/private-string", "private": "false"},
        {"id": "o/tags-string", "tags": "abc"},
        {"id": "o/float-likes", "likes": 1.5},
        {"id": "o/bool-likes", "likes": True},
        {"id": "o/future", "createdAt": "2999-01-01T00:00:00.000Z"},
        {"likes": 1},
    ]
    with _ListingServer(items) as endpoint:
        rc = collector.main(
            ["--snapshot-id", "typed", "--out", str(tmp_path / "typed"), "--endpoint", endpoint]
            + ["--repo-types", "model", "--steps", "none", "--no-progress"]
        )
    assert rc == 0
    snap = open_snapshot(tmp_path / "typed")
    models = snap.table("models")
    assert list(models.id) == ["o/good"] and models.likes[0] == 3 and not models.private[0]
    log = snap.table("fetch_log").set_index("repo_id", drop=False)
    assert len(log) == 6 and set(log.outcome) == {"malformed"}
    assert "'private' is a string" in log.loc["o/private-string", "reason"]
    assert "'tags' is a string" in log.loc["o/tags-string", "reason"]
    assert "'likes' is a number" in log.loc["o/float-likes", "reason"]
    assert "'likes' is a boolean" in log.loc["o/bool-likes", "reason"]
    assert "later than the time of collection" in log.loc["o/future", "reason"]


# --------------------------------------------------------------------------- #
# 5. the snapshot checks: one-line errors, one snapshot-id rule, build checks what validate checks
# --------------------------------------------------------------------------- #


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def _one_line_error(res: subprocess.CompletedProcess, *needles: str) -> None:
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def _tamper(snap_dir: Path, name: str, data: bytes | None = None, *, manifest: dict | None = None) -> None:
    """Replace a table file (and its checksum in the manifest, so that only deeper checks can tell)."""
    for p in snap_dir.iterdir():
        p.chmod(0o644)
    m = json.loads((snap_dir / "manifest.json").read_text())
    if data is not None:
        (snap_dir / f"{name}.parquet").write_bytes(data)
        m["tables"][name]["sha256"] = sha256_file(snap_dir / f"{name}.parquet")
    m.update(manifest or {})
    (snap_dir / "manifest.json").write_text(json.dumps(m))


@pytest.fixture
def small(tmp_path) -> Path:
    hand_snapshot(tmp_path / "small", models=40)
    return tmp_path / "small"


def test_corrupt_page_with_matching_checksum_is_a_one_line_error(small):
    path = small / "models.parquet"
    data = bytearray(path.read_bytes())
    meta = pq.ParquetFile(path).metadata
    rg = meta.row_group(0)
    col = next(rg.column(i) for i in range(rg.num_columns) if rg.column(i).path_in_schema == "name")
    start = col.data_page_offset
    for i in range(start + 20, start + col.total_compressed_size - 8):
        data[i] ^= 0x5A  # scramble the page's compressed bytes, header kept
    _tamper(small, "models", bytes(data))
    _one_line_error(_cli("validate", str(small)), "models.parquet", "corrupt data")
    with pytest.raises(SnapshotError, match="models.parquet"):
        open_snapshot(small, deep=True)  # what build opens


def test_table_path_that_is_a_directory(small):
    (small / "owners.parquet").chmod(0o644)
    (small / "owners.parquet").unlink()
    (small / "owners.parquet").mkdir()
    _one_line_error(_cli("validate", str(small)), "owners.parquet", "not a file")


@pytest.mark.parametrize("bad_id", [5, None, "..", "../../evil", "a/b", ""])
def test_one_snapshot_id_rule_for_validate_build_and_import(small, tmp_path, bad_id):
    _tamper(small, "models", manifest={"snapshot_id": bad_id})
    _one_line_error(_cli("validate", str(small)), "manifest.json", "snapshot id")
    _one_line_error(_cli("info", str(small)), "snapshot id")
    _one_line_error(_cli("build", str(small), "--no-html"), "snapshot id")
    if isinstance(bad_id, str):
        _write_jsonl(tmp_path / "src" / "models.jsonl", _records(3))
        res = _cli("import", str(tmp_path / "src"), str(tmp_path / "imp"), "--snapshot-id", bad_id, "--no-progress")
        _one_line_error(res, "snapshot id")
        assert not (tmp_path / "imp").exists() and not (tmp_path / "evil").exists()


def test_build_refuses_duplicate_keys_that_validate_refuses(small):
    t = pq.read_table(small / "models.parquet")
    dup = pa.concat_tables([t, t.slice(0, 1)])
    buf = pa.BufferOutputStream()
    pq.write_table(dup, buf)
    _tamper(small, "models", buf.getvalue().to_pybytes())
    m = json.loads((small / "manifest.json").read_text())
    m["tables"]["models"]["rows"] = dup.num_rows
    (small / "manifest.json").write_text(json.dumps(m))
    open_snapshot(small)  # the cheap checks pass: schema, rows, checksums
    _one_line_error(_cli("validate", str(small)), "models.parquet", "duplicate key")
    _one_line_error(_cli("build", str(small), "--no-html"), "models.parquet", "duplicate key")


# --------------------------------------------------------------------------- #
# 6. empty input is never a complete listing
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "name, data",
    [
        ("models.jsonl", b""),
        ("models.jsonl.gz", b""),
        ("models.jsonl.gz", gzip.compress(b"")),
        ("models.jsonl", b"\n\n"),
    ],
)
def test_an_empty_listing_is_scope_none_and_said_loudly(tmp_path, name, data):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / name).write_bytes(data)
    res = _cli("import", str(tmp_path / "src"), str(tmp_path / "out"), "--no-progress")
    assert res.returncode == 0, res.stderr
    assert "WARNING: models: EMPTY" in res.stdout
    cov = open_snapshot(tmp_path / "out").coverage("models")
    assert cov["scope"] == "none" and cov["rows"] == 0 and cov["note"].startswith("EMPTY")


def test_an_empty_listing_from_the_hub_is_scope_none(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    with _ListingServer([]) as endpoint:
        rc = collector.main(
            ["--snapshot-id", "empty", "--out", str(tmp_path / "empty"), "--endpoint", endpoint]
            + ["--repo-types", "model,dataset", "--steps", "none", "--no-progress"]
        )
    assert rc == 0
    cov = open_snapshot(tmp_path / "empty").manifest["coverage"]
    for table in ("models", "datasets"):
        assert cov[table]["scope"] == "none" and cov[table]["note"].startswith("EMPTY"), cov[table]


# --------------------------------------------------------------------------- #
# 2. one run at a time per checkpoint and output folder
# --------------------------------------------------------------------------- #


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_ENDPOINT")}
    env["HF_HUB_DISABLE_TELEMETRY"] = "1"
    return env


def _collect_cmd(out: Path, endpoint: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "analysis", "collect", "--snapshot-id", out.name, "--out", str(out)] + [
        "--endpoint",
        endpoint,
        "--no-progress",
        *extra,
    ]


@pytest.fixture
def source(tmp_path):
    return make_source(tmp_path / "source")


def test_two_concurrent_collections_do_the_work_once(source, tmp_path):
    out = tmp_path / "twice"
    with FakeHub(source, page_size=4, commit_page_size=4, discussion_page_size=2, latency=0.02) as hub:
        args = _collect_cmd(out, hub.endpoint)
        first = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            lock = tmp_path / ".twice.lock"
            deadline = time.monotonic() + 60
            while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline:
                time.sleep(0.01)
            second = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
            out1, err1 = first.communicate(timeout=120)
        finally:
            if first.poll() is None:
                first.kill()
        requests_both = hub.stats["requests"]
    assert first.returncode == 0, err1
    assert second.returncode == 1
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert f"in use by process {first.pid} (python -m analysis collect since " in lines[0]
    open_snapshot(out)
    # the same job once more, alone: as many requests as both commands made together
    with FakeHub(source, page_size=4, commit_page_size=4, discussion_page_size=2) as hub:
        assert (
            collector.main(
                [
                    "--snapshot-id",
                    "alone",
                    "--out",
                    str(tmp_path / "alone"),
                    "--endpoint",
                    hub.endpoint,
                    "--no-progress",
                ]
            )
            == 0
        )
        assert hub.stats["requests"] == requests_both


def test_two_imports_into_one_folder(tmp_path):
    _write_jsonl(tmp_path / "src" / "models.jsonl", _records(5))
    out = tmp_path / "one"
    with FolderLock(out, "python -m analysis import"):
        res = _cli("import", str(tmp_path / "src"), str(out), "--no-progress")
    _one_line_error(res, f"{out}: in use by process {os.getpid()} (python -m analysis import since ")
    assert not out.exists()
    res = _cli("import", str(tmp_path / "src"), str(out), "--no-progress")  # free again
    assert res.returncode == 0 and open_snapshot(out).rows("models") == 5
    assert not (tmp_path / ".one.lock").exists()


# --------------------------------------------------------------------------- #
# 7. checkpoints: a NUL-filled journal line; a kill right after the snapshot was completed
# --------------------------------------------------------------------------- #


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def test_a_nul_line_in_a_journal_is_named_and_its_task_redone(source, tmp_path):
    out, ckpt = tmp_path / "nul", tmp_path / "nul.checkpoint"
    with FakeHub(source, page_size=4, commit_page_size=4, discussion_page_size=2, latency=0.03) as hub:
        args = _collect_cmd(out, hub.endpoint, "--concurrency", "2")
        proc = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while _lines(ckpt / "tasks.jsonl") < 12 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        journal = ckpt / "tasks.jsonl"
        lines = journal.read_bytes().split(b"\n")
        assert len(lines) > 10
        lines[5] = b"\0" * len(lines[5])  # what a crash leaves: the line's blocks, zeroed
        journal.write_bytes(b"\n".join(lines))
        res = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        assert f"{journal}:6: unreadable journal line (a crash artefact); its step is redone" in res.stderr
        assert "Traceback" not in res.stderr
        with FakeHub(source, page_size=4, commit_page_size=4, discussion_page_size=2) as hub2:
            ref = tmp_path / "ref"
            assert (
                collector.main(
                    ["--snapshot-id", "nul", "--out", str(ref), "--endpoint", hub2.endpoint, "--no-progress"]
                )
                == 0
            )
    got, want = open_snapshot(out), open_snapshot(ref)
    for t in ("models", "datasets", "spaces", "commits", "discussions", "repo_coverage"):
        assert got.manifest["tables"][t]["sha256"] == want.manifest["tables"][t]["sha256"], t


def test_a_kill_right_after_completion_is_cleaned_up_by_the_rerun(source, tmp_path, monkeypatch, capsys):
    from analysis.sources.collector import run as run_mod

    out, ckpt = tmp_path / "late", tmp_path / "late.checkpoint"

    def killed(*a, **k):  # the process dies between "complete: true" and the clean-up
        raise KeyboardInterrupt

    with FakeHub(source) as hub:
        argv = ["--snapshot-id", "late", "--out", str(out), "--endpoint", hub.endpoint, "--no-progress"]
        monkeypatch.setattr(run_mod.shutil, "rmtree", killed)
        assert collector.main(argv) == 130
        monkeypatch.undo()
        for p in out.iterdir():
            p.chmod(0o644)  # as the writer left them before sealing
        assert (ckpt / "plan.json").exists()
        capsys.readouterr()
        assert collector.main(argv) == 0
    assert "was already complete" in capsys.readouterr().err
    assert not ckpt.exists()
    assert all(not (p.stat().st_mode & 0o222) for p in out.iterdir())
    open_snapshot(out)


# --------------------------------------------------------------------------- #
# 4. Ctrl-C during a slow listing stops the run within seconds, resumable, in one line
# --------------------------------------------------------------------------- #


def test_sigint_during_a_slow_listing_stops_at_once_and_resumes(source, tmp_path):
    out, ckpt = tmp_path / "intr", tmp_path / "intr.checkpoint"
    # 30 models, 10 datasets, 10 spaces, one per page, 0.5 s a request: the listings take 15 s
    with FakeHub(source, page_size=1, latency=0.5) as hub:
        args = _collect_cmd(out, hub.endpoint, "--steps", "none")
        proc = subprocess.Popen(
            args,
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=interruptible,
        )
        try:
            deadline = time.monotonic() + 60
            while _lines(ckpt / "listing.jsonl") < 3 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.01)
            assert proc.poll() is None
            proc.send_signal(signal.SIGINT)
            t0 = time.monotonic()
            _, err = proc.communicate(timeout=60)
            stopped_in = time.monotonic() - t0
        finally:
            if proc.poll() is None:
                proc.kill()
        pages_then = _lines(ckpt / "listing.jsonl")
        assert proc.returncode == 130
        assert stopped_in < 3.0, f"took {stopped_in:.1f} s to stop"
        assert err.strip().splitlines() == ["error: interrupted; rerun the same command to resume"], err
        assert 3 <= pages_then < 50 and not out.exists()
        hub.latency = 0.0
        res = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        ref = tmp_path / "ref"
        assert (
            collector.main(
                ["--snapshot-id", "ref", "--out", str(ref), "--endpoint", hub.endpoint]
                + ["--steps", "none", "--no-progress"]
            )
            == 0
        )
    got, want = open_snapshot(out), open_snapshot(ref)
    for t in ("models", "datasets", "spaces", "space_models"):
        assert got.manifest["tables"][t]["sha256"] == want.manifest["tables"][t]["sha256"], t


# --------------------------------------------------------------------------- #
# 8. the collector's numeric options: declared once, checked before anything runs
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--backoff", "-1"], "--backoff -1; expected seconds, 0..600"),
        (["--backoff", "nan"], "--backoff nan; expected a finite number"),
        (["--max-rate", "inf"], "--max-rate inf; expected a finite number"),
        (["--max-rate", "0"], "--max-rate 0; expected requests per second"),
        (["--max-retries", "-1"], "--max-retries -1; expected retries per request, 0..100"),
        (["--max-rate-limited", "-5"], "--max-rate-limited -5"),
        (["--concurrency", "0"], "--concurrency 0; expected a number of parallel requests, 1..256"),
        (["--select", "sample", "--n", "-3"], "--n -3; expected a number of repositories per type, >= 0"),
        (["--seed", "-1"], "--seed -1; expected a seed"),
        (["--owner-kinds-top", "-2"], "--owner-kinds-top -2"),
        (["--backoff", "abc"], "invalid float value: 'abc'"),
    ],
)
def test_each_bad_numeric_option_is_refused_before_anything_runs(argv, message, tmp_path, capsys):
    out = tmp_path / "never"
    assert collector.main(["--snapshot-id", "never", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert not out.exists() and not (tmp_path / "never.checkpoint").exists()


# --------------------------------------------------------------------------- #
# 9. provenance: every request counted, retries by cause, owner kinds from a positive answer,
#    failures offered again on request
# --------------------------------------------------------------------------- #


def test_requests_are_counted_exactly_over_kills_and_retries_kept_by_cause(source, tmp_path):
    out, ckpt = tmp_path / "count", tmp_path / "count.checkpoint"
    with FakeHub(
        source,
        page_size=3,
        commit_page_size=2,
        discussion_page_size=1,
        latency=0.01,
        fault_every=9,
        faults=("503", "429", "drop"),
        retry_after=0,
    ) as hub:
        args = _collect_cmd(out, hub.endpoint, "--concurrency", "1", "--backoff", "0.01")
        for at in (4, 30, 60, 90):  # SIGKILL at four moments (listing, then the per-repository steps)
            journal = ckpt / ("listing.jsonl" if at == 4 else "tasks.jsonl")
            proc = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                deadline = time.monotonic() + 60
                while _lines(journal) < at and time.monotonic() < deadline and proc.poll() is None:
                    time.sleep(0.002)
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
        res = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=180)
        assert res.returncode == 0, res.stderr
        received = hub.stats["requests"]
        faults = hub.stats["faults"]
    c = open_snapshot(out).manifest["extra"]["collect"]
    assert c["invocations"] == 5 and len(c["requests_by_invocation"]) == 5
    # counted before sending: at most the one request in flight at each kill is not received
    assert received <= c["requests"] <= received + 4, (received, c["requests"])
    assert c["retries"] == sum(c["retries_by_kind"].values()) > 0
    assert {"429", "503"} <= set(c["retries_by_kind"]) and any(k.startswith("network:") for k in c["retries_by_kind"])
    assert sum(faults.values()) >= c["retries"] - 4
    assert sum(c["responses_by_status"].values()) <= c["requests"]


def test_owner_kinds_come_from_a_positive_answer(source, tmp_path):
    from analysis.snapshot import write_snapshot
    from analysis.snapshot.schema import TABLES

    owners = source.table("owners")
    used = source.table("space_models").model_id.str.split("/").str[0]
    gone = sorted(set(used) & set(owners.owner))[0]  # an owner of a used model the Hub no longer knows
    tables = {t: source.arrow(t) for t in TABLES if t != "owners"}
    tables["owners"] = owners[owners.owner != gone]
    src = write_snapshot(tmp_path / "src", tables, snapshot_id="src")
    out = tmp_path / "kinds"
    with FakeHub(src) as hub:
        argv = ["--snapshot-id", "kinds", "--out", str(out), "--endpoint", hub.endpoint, "--steps", "none"]
        assert collector.main([*argv, "--owner-kinds-top", "1000", "--no-progress"]) == 0
    snap = open_snapshot(out)
    got = dict(snap.table("owners")[["owner", "kind"]].itertuples(index=False))
    assert gone not in got and got  # not guessed as "user"
    want = dict(tables["owners"][["owner", "kind"]].itertuples(index=False))
    assert all(want[o] == k for o, k in got.items())
    log = snap.table("fetch_log")
    row = log[log.repo_id == gone].iloc[0]
    assert (row.step, row.outcome, row.http_status) == ("owners", "not_found_or_private", 404)
    assert row.source == f"/api/users/{gone}/overview"


@pytest.mark.parametrize("retry", [False, True])
def test_retry_failed_offers_a_transient_failure_again(source, tmp_path, retry):
    import re

    target = sorted(source.table("models").id)[0]
    out = tmp_path / "retry"
    with FakeHub(
        source, latency=0.02, fault_every=1, faults=("503",), fault_match=f"/api/models/{target}/commits"
    ) as hub:
        hub.fault_match = re.compile(re.escape(f"/api/models/{target}/commits"))
        stop = threading.Event()

        def outage_ends():  # the outage ends once the repository has failed for good
            journal = tmp_path / "retry.checkpoint" / "tasks.jsonl"
            while not stop.is_set():
                if journal.exists() and b'"fail"' in journal.read_bytes():
                    hub.fault_every = None
                    return
                time.sleep(0.002)

        watcher = threading.Thread(target=outage_ends, daemon=True)
        watcher.start()
        argv = ["--snapshot-id", "retry", "--out", str(out), "--endpoint", hub.endpoint, "--steps", "commits"]
        argv += ["--max-retries", "1", "--backoff", "0.01", "--concurrency", "1", "--no-progress"]
        rc = collector.main(argv + (["--retry-failed"] if retry else []))
        stop.set()
        watcher.join(timeout=10)
    assert rc == 0
    snap = open_snapshot(out)
    log = snap.table("fetch_log")
    covered = set(snap.covered("commits", "model").repo_id)
    if retry:
        assert len(log) == 0 and target in covered
        assert set(snap.table("commits").repo_id) >= {target}
        assert snap.manifest["extra"]["collect"]["retried_failed"] is True
    else:
        assert list(log.repo_id) == [target] and log.outcome[0] == "server_error" and target not in covered


def test_a_failed_snapshot_write_leaves_nothing_and_resumes(source, tmp_path, monkeypatch, capsys):
    """The snapshot's tables go through a temporary folder: a failure while writing them leaves no
    folder at the target (and nothing beside it) but the checkpoint, from which the rerun finishes."""
    from analysis.snapshot import store

    out, ckpt = tmp_path / "wfail", tmp_path / "wfail.checkpoint"
    real_finish = store.SnapshotWriter.finish

    def failing(self, *a, **k):
        self.write_table("owners", [{"owner": "x", "kind": "user"}])
        raise OSError(28, "No space left on device")

    with FakeHub(source) as hub:
        argv = ["--snapshot-id", "wfail", "--out", str(out), "--endpoint", hub.endpoint, "--no-progress"]
        monkeypatch.setattr(store.SnapshotWriter, "finish", failing)
        assert collector.main(argv) == 1
        assert "No space left" in capsys.readouterr().err
        assert not out.exists() and (ckpt / "plan.json").exists()
        assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
        monkeypatch.setattr(store.SnapshotWriter, "finish", real_finish)
        assert collector.main(argv) == 0
    assert not ckpt.exists() and not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
    snap = open_snapshot(out)
    assert snap.id == "wfail" and snap.manifest["extra"]["collect"]["invocations"] == 2  # resumed
