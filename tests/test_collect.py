"""The collector (``python -m analysis collect``) against the local fake Hub.

Every server is :class:`fakehub.server.FakeHub` on 127.0.0.1 (ephemeral port), stopped
on teardown; every subprocess and polling loop is bounded in time. Nothing reaches the
network.

Documented normalisation for the round trips (what the Hub's API cannot say back):
- rows are compared sorted by their table's key (the collector keeps the API's commit
  order, newest first, within a repository);
- ``tags`` gain ``license:<license>`` where the source had a license but no such tag (on
  the Hub the license *is* a tag, so the fake Hub serves it as one);
- ``owners`` are only collected for the owners of the top-N most used models, so the
  source's owners table is compared on those owners;
- ``spaces.gated`` is null: the spaces listing has no ``gated`` field to expand;
- ``repo_coverage`` is the collector's own record, compared with what it must say.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.snapshot import is_complete, open_snapshot, validate
from analysis.snapshot.schema import REPO_TABLES, UNIQUE_KEYS
from analysis.sources import collector as collect
from analysis.sources import synth
from fakehub.server import FakeHub
from fakehub.sources import make_source

pytestmark = pytest.mark.timeout(180)

FAKE_TOKEN = "hf_CollectorTestTokenZq9Xv7Lk3Wm5Rt8Yp"
DATA_TABLES = ("models", "datasets", "spaces", "commits", "discussions", "space_models")


@pytest.fixture(autouse=True)
def _no_ambient_token(monkeypatch, tmp_path):
    """No test may pick up a real login: HF_HOME points to an empty folder."""
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    d = tmp_path_factory.mktemp("src") / "source"
    return make_source(d, models=40, datasets=12, spaces=14, seed=3, commits_per_repo=9, discussions_per_repo=3)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_ENDPOINT")}
    env.update(extra)
    return env


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "analysis", "collect", *args, "--no-progress"]


def _normalised(snap, table: str) -> pd.DataFrame:
    df = snap.table(table)
    if table == "spaces" and snap.source_kind != "hub":
        df["gated"] = pd.Series(pd.NA, index=df.index, dtype=df["gated"].dtype)
    if table in REPO_TABLES.values():

        def fix(row):
            tags = None if row["tags"] is None else list(row["tags"])
            lic = row["license"]
            if lic is not None and not any(t.startswith("license:") for t in (tags or [])):
                tags = (tags or []) + [f"license:{lic}"]
            return tags

        df["tags"] = [fix(r) for r in df[["tags", "license"]].to_dict("records")]
    key = list(UNIQUE_KEYS[table])
    df = df.sort_values(key, kind="stable").reset_index(drop=True)
    for c in df.columns:  # arrays -> tuples, so that frames compare by value
        if df[c].dtype == object:
            df[c] = [tuple(v) if v is not None and not isinstance(v, str) else v for v in df[c]]
    return df


def assert_same_data(original, collected, tables=DATA_TABLES, where=None):
    for t in tables:
        a, b = _normalised(original, t), _normalised(collected, t)
        if where and t in where:
            a = where[t](a).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=True, obj=t)


def _table_digests(snap) -> dict[str, str]:
    return {t: e["sha256"] for t, e in snap.manifest["tables"].items()}


def _wait_for(pred, timeout: float, proc=None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.005)
    return False


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


# --------------------------------------------------------------------------- #
# round trips
# --------------------------------------------------------------------------- #


def test_round_trip_with_faults_killed_and_resumed(source, tmp_path):
    """SIGKILL once while listing and once in the per-repository steps, resume, compare."""
    out = tmp_path / "collected"
    ckpt = tmp_path / "collected.checkpoint"
    with FakeHub(
        source,
        page_size=4,
        commit_page_size=4,
        discussion_page_size=2,
        latency=0.03,
        fault_every=11,
        faults=("503", "drop", "429"),
        retry_after=1,
        rate_limit=(5000, 1.0),
    ) as hub:
        args = _cmd(
            "--snapshot-id",
            "rt",
            "--out",
            str(out),
            "--endpoint",
            hub.endpoint,
            "--concurrency",
            "4",
            "--backoff",
            "0.02",
            "--owner-kinds-top",
            "6",
        )
        kills = []
        for journal, at_least in (("listing.jsonl", 3), ("tasks.jsonl", 25)):
            proc = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                reached = _wait_for(lambda: _lines(ckpt / journal) >= at_least, 60, proc)
                assert reached, proc.communicate(timeout=30)
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                kills.append(_lines(ckpt / journal))
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=30)
            assert not is_complete(out)
        assert proc.returncode == -signal.SIGKILL
        res = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        assert "requests:" in res.stderr and "3 invocation(s)" in res.stderr
        faults = hub.stats["faults"]
    assert sum(faults.values()) > 5  # faults really were injected (and survived)
    got = open_snapshot(out)
    validate(out)  # unique keys, schema, checksums
    assert not ckpt.exists()  # the checkpoint goes once the snapshot is complete
    assert_same_data(source, got)
    # owners: the owners of the 6 models used by most spaces, same kinds as the source
    owners = got.table("owners")
    assert 0 < len(owners) <= 6
    src_kind = dict(source.table("owners")[["owner", "kind"]].itertuples(index=False))
    assert all(src_kind[o] == k for o, k in owners[["owner", "kind"]].itertuples(index=False))
    # coverage: every repository covered by both steps, with the true item counts
    cov = got.table("repo_coverage")
    n_repos = sum(source.rows(t) for t in ("models", "datasets", "spaces"))
    for step, table in (("commits", "commits"), ("discussions", "discussions")):
        c = cov[cov.step == step]
        assert len(c) == n_repos
        counts = source.table(table).groupby(["repo_type", "repo_id"]).size()
        for r in c.itertuples(index=False):
            assert r.items == counts.get((r.repo_type, r.repo_id), 0)
    assert len(got.table("fetch_log")) == 0
    assert got.manifest["extra"]["collect"]["invocations"] == 3

    # identical to an uninterrupted run (same tables, byte for byte)
    with FakeHub(source, page_size=4, commit_page_size=4, discussion_page_size=2) as hub2:
        out2 = tmp_path / "uninterrupted"
        rc = collect.main(
            [
                "--snapshot-id",
                "rt",
                "--out",
                str(out2),
                "--endpoint",
                hub2.endpoint,
                "--owner-kinds-top",
                "6",
                "--no-progress",
            ]
        )
        assert rc == 0
    assert _table_digests(open_snapshot(out2)) == _table_digests(got)


def test_round_trip_of_the_calibrated_synthetic_hub(tmp_path):
    """The project's generator (analysis.sources.synth), served with faults, collected back."""
    src = synth.generate(tmp_path / "synth", models=120, seed=4)
    out = tmp_path / "collected"
    with FakeHub(
        src, page_size=25, commit_page_size=10, discussion_page_size=3, fault_every=13, faults=("503", "drop")
    ) as hub:
        rc = collect.main(
            [
                "--snapshot-id",
                "syn",
                "--out",
                str(out),
                "--endpoint",
                hub.endpoint,
                "--backoff",
                "0.01",
                "--owner-kinds-top",
                "10",
                "--no-progress",
            ]
        )
        assert rc == 0
        assert sum(hub.stats["faults"].values()) > 3
    got = open_snapshot(out)
    assert_same_data(src, got)
    src_kind = dict(src.table("owners")[["owner", "kind"]].itertuples(index=False))
    owners = got.table("owners")
    assert len(owners) > 0
    assert all(src_kind.get(o, "user") == k for o, k in owners[["owner", "kind"]].itertuples(index=False))


def test_journal_drops_a_partial_last_line(tmp_path):
    path = tmp_path / "j.jsonl"
    j = collect.Journal(path)
    j.append({"k": 1})
    j.append({"k": 2})
    j.close()
    with open(path, "ab") as fh:
        fh.write(b'{"k": 3, "rows": [1, 2')  # a write cut short by SIGKILL
    j2 = collect.Journal(path)
    assert j2.records == [{"k": 1}, {"k": 2}]
    j2.append({"k": 3})
    j2.close()
    assert [json.loads(x) for x in path.read_text().splitlines()] == [{"k": 1}, {"k": 2}, {"k": 3}]


def test_429_waits_for_the_reset_then_succeeds(source):
    import httpx2

    with FakeHub(
        source, fault_every=1, faults=("429",), fault_match="^/api/datasets$", retry_after=1, rate_limit=(5000, 1.0)
    ) as hub:
        stats = collect.Stats()
        rate = collect.RateController(None)
        tr = collect.make_transport(rate, collect.RetryPolicy(max_rate_limited=2), stats, 2, hub.endpoint)
        try:
            t0 = time.monotonic()
            with pytest.raises(collect.FetchFailure) as exc:  # every attempt answered 429
                tr.handle_request(httpx2.Request("GET", hub.endpoint + "/api/datasets"))
            waited = time.monotonic() - t0
            assert exc.value.outcome == "rate_limited" and exc.value.attempts == 3
            assert 2.0 <= waited < 6, waited  # r=0;t=1 twice: everyone paused until the reset
            assert stats.retries["429"] == 2
            # RateLimit-Policy (q=5000 per 1 s) became the pace
            assert rate.rate == pytest.approx(5000 * collect.RateController.SAFETY)
            r = tr.handle_request(httpx2.Request("GET", hub.endpoint + "/api/models"))
            assert r.status_code == 200
            r.read()
        finally:
            tr.close()


def test_failed_listing_stops_the_run_and_resumes_without_asking_twice(source, tmp_path, capsys):
    out = tmp_path / "l"
    argv = [
        "--snapshot-id",
        "l",
        "--out",
        str(out),
        "--steps",
        "none",
        "--max-retries",
        "1",
        "--backoff",
        "0.01",
        "--no-progress",
    ]
    with FakeHub(source, page_size=5, fault_every=1, faults=("503",), fault_match="^/api/datasets$") as hub:
        assert collect.main([*argv, "--endpoint", hub.endpoint]) == 1
        first = hub.stats["by_endpoint"]
        port = hub.port if hub.port else int(hub.endpoint.rsplit(":", 1)[1])
    err = capsys.readouterr().err
    assert err.startswith("error: listing datasets failed at page 1: server_error")
    assert "rerun the same command" in err and err.count("\n") == 1
    assert not is_complete(out)
    with FakeHub(source, page_size=5, port=port) as hub:  # same endpoint: same checkpoint plan
        assert collect.main([*argv, "--endpoint", hub.endpoint]) == 0
        second = hub.stats["by_endpoint"]
    for t in ("models", "spaces"):  # every page asked exactly once over the two runs
        assert first.get(f"list_{t}", 0) + second.get(f"list_{t}", 0) == -(-source.rows(t) // 5)
    assert first["list_datasets"] == 2  # 1 + --max-retries 1, then the run stopped
    assert_same_data(source, open_snapshot(out), tables=("models", "datasets", "spaces", "space_models"))


def test_refuses_to_overwrite_a_complete_snapshot(source, tmp_path, capsys):
    out = tmp_path / "done"
    with FakeHub(source) as hub:
        argv = [
            "--snapshot-id",
            "x",
            "--out",
            str(out),
            "--endpoint",
            hub.endpoint,
            "--repo-types",
            "dataset",
            "--steps",
            "none",
            "--no-progress",
        ]
        assert collect.main(argv) == 0
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        requests_before = hub.stats["requests"]
        capsys.readouterr()
        assert collect.main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "never overwritten" in err and err.count("\n") == 1
        assert hub.stats["requests"] == requests_before  # refused before asking anything
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_selection_modes_are_recorded_in_coverage(source, tmp_path):
    models = source.table("models")
    with FakeHub(source, page_size=10) as hub:
        base = ["--endpoint", hub.endpoint, "--repo-types", "model,dataset", "--steps", "commits", "--no-progress"]
        assert (
            collect.main(
                [
                    "--snapshot-id",
                    "s",
                    "--out",
                    str(tmp_path / "s"),
                    "--select",
                    "sample",
                    "--n",
                    "5",
                    "--seed",
                    "7",
                    *base,
                ]
            )
            == 0
        )
        assert (
            collect.main(
                ["--snapshot-id", "t", "--out", str(tmp_path / "t"), "--select", "top-downloads", "--n", "4", *base]
            )
            == 0
        )
        assert (
            collect.main(
                [
                    "--snapshot-id",
                    "s2",
                    "--out",
                    str(tmp_path / "s2"),
                    "--select",
                    "sample",
                    "--n",
                    "5",
                    "--seed",
                    "8",
                    *base,
                ]
            )
            == 0
        )
    s, t, s2 = (open_snapshot(tmp_path / n) for n in ("s", "t", "s2"))
    cov = s.manifest["coverage"]["commits"]
    assert cov["scope"] == "sample"
    assert cov["selection"] == {
        "mode": "sample",
        "n_per_repo_type": 5,
        "seed": 7,
        "repositories": {"model": 5, "dataset": 5},
    }
    assert s.manifest["coverage"]["discussions"]["scope"] == "none"
    assert s.manifest["coverage"]["spaces"]["scope"] == "none"
    covered = s.covered("commits")
    assert covered.groupby("repo_type").size().to_dict() == {"dataset": 5, "model": 5}
    # only the sampled repositories have commits, with all of theirs
    assert set(s.table("commits").repo_id) <= set(covered.repo_id)
    # a different seed draws a different sample
    assert set(covered.repo_id) != set(s2.covered("commits").repo_id)
    # top-downloads: exactly the 4 most downloaded models (ties by id)
    tcov = t.manifest["coverage"]["commits"]
    assert tcov["scope"] == "subset" and tcov["selection"]["mode"] == "top-downloads"
    top = models.assign(d=models.downloads.fillna(-1)).sort_values(["d", "id"], ascending=[False, True])
    assert set(t.covered("commits", "model").repo_id) == set(top.id.head(4))


def test_failures_are_recorded_in_fetch_log_and_not_retried_twice(tmp_path):
    failures = []
    src_dir = tmp_path / "failing-source"
    probe = make_source(tmp_path / "probe", models=8, datasets=3, spaces=3, seed=5)
    ids = sorted(probe.table("models").id)
    failures = [
        {"step": "commits", "repo_type": "model", "repo_id": ids[0], "outcome": "not_found_or_private"},
        {"step": "discussions", "repo_type": "model", "repo_id": ids[1], "outcome": "gated"},
        {"step": "commits", "repo_type": "model", "repo_id": ids[2], "outcome": "server_error", "http_status": 502},
        {"step": "discussions", "repo_type": "model", "repo_id": ids[3], "outcome": "network_error"},
        {"step": "commits", "repo_type": "model", "repo_id": ids[4], "outcome": "rate_limited"},
        {"step": "discussions", "repo_type": "model", "repo_id": ids[5], "outcome": "malformed"},
    ]
    src = make_source(src_dir, models=8, datasets=3, spaces=3, seed=5, failures=failures)
    out = tmp_path / "out"
    with FakeHub(src, rate_limit=(5000, 1.0), retry_after=1) as hub:
        rc = collect.main(
            [
                "--snapshot-id",
                "f",
                "--out",
                str(out),
                "--endpoint",
                hub.endpoint,
                "--max-retries",
                "2",
                "--max-rate-limited",
                "1",
                "--backoff",
                "0.01",
                "--no-progress",
            ]
        )
        assert rc == 0
        by_endpoint = hub.stats["by_endpoint"]
    got = open_snapshot(out)
    log = got.table("fetch_log")
    found = {(r.step, r.repo_id): r for r in log.itertuples(index=False)}
    assert len(log) == len(failures)
    for f in failures:
        r = found[(f["step"], f["repo_id"])]
        assert r.outcome == f["outcome"], r
        assert r.repo_type == "model" and r.reason
        assert r.source == f"/api/models/{f['repo_id']}/{'commits/main' if f['step'] == 'commits' else 'discussions'}"
    assert found[("commits", ids[2])].http_status == 502
    assert found[("commits", ids[2])].attempts == 3  # 1 + --max-retries 2: one layer of retries only
    assert found[("discussions", ids[3])].attempts == 3
    assert found[("commits", ids[4])].attempts == 2 and found[("commits", ids[4])].http_status == 429
    # huggingface_hub's own http_backoff (5 retries) did not stack on top of ours:
    # 8 models, 1 page each, + 2 extra attempts for the 502 repo + 1 for the 429 repo
    assert by_endpoint["model_commits"] == 8 + 2 + 1
    # the failures are not covered, everything else is
    cov = got.table("repo_coverage")
    assert len(cov[(cov.step == "commits") & (cov.repo_type == "model")]) == 8 - 3
    assert len(cov[(cov.step == "discussions") & (cov.repo_type == "model")]) == 8 - 3
    # round trip of the failures themselves: the source's fetch_log outcomes come back
    assert sorted(zip(log.step, log.repo_id, log.outcome)) == sorted(
        (f["step"], f["repo_id"], f["outcome"]) for f in failures
    )


def test_adoption_by_model_info_matches_spaces_listing(source, tmp_path):
    with FakeHub(source, page_size=9) as hub:
        base = ["--endpoint", hub.endpoint, "--steps", "none", "--no-progress"]
        assert collect.main(["--snapshot-id", "a", "--out", str(tmp_path / "a"), *base]) == 0
        n_listing = hub.stats["requests"]
        hub.reset_stats()
        assert (
            collect.main(["--snapshot-id", "b", "--out", str(tmp_path / "b"), "--adoption", "model-info", *base]) == 0
        )
        by_endpoint = hub.stats["by_endpoint"]
    a, b = open_snapshot(tmp_path / "a"), open_snapshot(tmp_path / "b")
    assert_same_data(source, a, tables=("space_models",))
    assert_same_data(source, b, tables=("space_models",))
    assert by_endpoint["model_info"] == source.rows("models")  # one request per model
    assert n_listing == sum(-(-source.rows(t) // 9) for t in ("models", "datasets", "spaces"))
    assert b.manifest["coverage"]["space_models"]["method"] == "model-info"
    assert len(b.covered("model_spaces")) == source.rows("models")
    assert len(a.covered("space_models")) == source.rows("spaces")


def test_rate_limit_is_honoured_near_the_floor(source, tmp_path):
    """A real fixed-window limit: the collector paces itself from RateLimit-Policy."""
    q = 60
    with FakeHub(source, rate_limit=(q, 1.0), page_size=20, latency=0.01) as hub:
        t0 = time.monotonic()
        rc = collect.main(
            [
                "--snapshot-id",
                "r",
                "--out",
                str(tmp_path / "r"),
                "--endpoint",
                hub.endpoint,
                "--repo-types",
                "model,dataset",
                "--steps",
                "commits",
                "--concurrency",
                "6",
                "--no-progress",
            ]
        )
        wall = time.monotonic() - t0
        stats = hub.stats
    assert rc == 0
    floor = stats["requests"] / q
    assert stats["requests"] >= 50
    assert wall <= 1.25 * floor + 1.5, (wall, floor)
    assert stats["rate_limited"] <= 3  # paced, not hammering into 429s


# --------------------------------------------------------------------------- #
# security: the token
# --------------------------------------------------------------------------- #


def _files_under(*roots: Path) -> list[Path]:
    out = []
    for r in roots:
        if r.is_file():
            out.append(r)
        elif r.exists():
            out += [p for p in r.rglob("*") if p.is_file()]
    return out


def test_token_never_written_or_shown(source, tmp_path):
    out = tmp_path / "secure"
    ckpt = tmp_path / "secure.checkpoint"
    logs = tmp_path / "logs"
    logs.mkdir()
    env = _env(HF_TOKEN=FAKE_TOKEN, HF_HOME=str(tmp_path / "hf_home"))
    with FakeHub(
        source,
        token=FAKE_TOKEN,
        page_size=5,
        latency=0.02,
        fault_every=13,
        faults=("503", "drop"),
        rate_limit=(5000, 1.0),
    ) as hub:
        args = _cmd(
            "--snapshot-id",
            "sec",
            "--out",
            str(out),
            "--endpoint",
            hub.endpoint,
            "--backoff",
            "0.01",
            "--owner-kinds-top",
            "3",
        )
        # killed mid-run: the checkpoint it leaves behind is searched too
        with open(logs / "run1.out", "wb") as o, open(logs / "run1.err", "wb") as e:
            proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=o, stderr=e)
            try:
                assert _wait_for(lambda: _lines(ckpt / "tasks.jsonl") >= 10, 60, proc)
            finally:
                proc.kill()
                proc.wait(timeout=30)
        leftover = _files_under(ckpt)
        assert leftover
        for p in leftover:
            assert FAKE_TOKEN.encode() not in p.read_bytes(), p
        res = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, timeout=120)
        (logs / "run2.out").write_bytes(res.stdout)
        (logs / "run2.err").write_bytes(res.stderr)
        assert res.returncode == 0, res.stderr
        assert hub.stats["with_auth"] > 0 and hub.stats["without_auth"] == 0  # the token was used
        # a wrong token: the error message must not show either token
        bad = "hf_WrongTokenForTheCollectorTestAbCdEf"
        res = subprocess.run(
            _cmd("--snapshot-id", "sec2", "--out", str(tmp_path / "sec2"), "--endpoint", hub.endpoint),
            cwd=tmp_path,
            env=_env(HF_TOKEN=bad),
            capture_output=True,
            timeout=120,
        )
        (logs / "run3.err").write_bytes(res.stderr)
        assert res.returncode == 1 and res.stderr.startswith(b"error: ")
        assert b"Traceback" not in res.stderr
    assert open_snapshot(out).manifest["extra"]["collect"]["authenticated"] is True
    files = _files_under(out, ckpt, logs, tmp_path / "sec2", tmp_path / "sec2.checkpoint")
    assert any(p.suffix == ".parquet" for p in files)
    for p in files:
        data = p.read_bytes()
        assert FAKE_TOKEN.encode() not in data, p
        assert bad.encode() not in data, p
        assert FAKE_TOKEN[3:].encode() not in data, p


# --------------------------------------------------------------------------- #
# arguments, defaults
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--select", "sample"], "needs --n"),
        (["--n", "5"], "--n is only used"),
        (["--repo-types", "model,repo"], "unknown value(s) repo"),
        (["--steps", "commits,likes"], "unknown value(s) likes"),
        (["--snapshot-date", "2024-13-01"], "expected YYYY-MM-DD"),
        (["--max-rate", "0"], "--max-rate"),
        (["--endpoint", "ftp://x"], "expected an http(s) URL"),
        (["--token", "abc"], None),
    ],
)
def test_bad_arguments_give_one_line_errors(argv, message, capsys):
    assert collect.main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if message:
        assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_checkpoint_with_other_parameters_is_refused(source, tmp_path, capsys):
    out = tmp_path / "p"
    with FakeHub(source, page_size=3, latency=0.02) as hub:
        args = _cmd("--snapshot-id", "p", "--out", str(out), "--endpoint", hub.endpoint, "--steps", "commits")
        proc = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert _wait_for(lambda: _lines(tmp_path / "p.checkpoint" / "listing.jsonl") >= 1, 60, proc)
        finally:
            proc.kill()
            proc.wait(timeout=30)
        rc = collect.main(
            [
                "--snapshot-id",
                "p",
                "--out",
                str(out),
                "--endpoint",
                hub.endpoint,
                "--steps",
                "discussions",
                "--no-progress",
            ]
        )
    err = capsys.readouterr().err
    assert rc == 1 and "different parameters" in err and "steps" in err


def test_default_locations_and_help():
    opts = collect.parse_args(["--snapshot-id", "hub-x", "--snapshot-date", "2026-01-02"])
    assert opts.out == paths.SNAPSHOTS / "hub-x"
    assert opts.checkpoint == paths.CHECKPOINTS / "hub-x"
    assert opts.endpoint == "https://huggingface.co"
    assert collect.parse_args([]).snapshot_id.startswith("hub-")
    doc = collect.__doc__
    assert "--select sample" in doc and "HF_TOKEN" in doc and "days" in doc


# --------------------------------------------------------------------------- #
# the real records in ../shared/data, imported, served, collected back
# --------------------------------------------------------------------------- #


def _cut(src: Path, dst: Path, keep) -> int:
    n = 0
    with gzip.open(src, "rt", encoding="utf-8") as fi, gzip.open(dst, "wt", encoding="utf-8") as fo:
        for line in fi:
            verdict = keep(line)
            if verdict is None:
                break
            if verdict:
                fo.write(line)
                n += 1
    return n


def test_round_trip_of_imported_real_records(shared_data, tmp_path):
    try:
        from analysis.sources import importer
    except ImportError:
        pytest.skip("analysis.sources.importer not available")
    hub_dir = shared_data / "hub-2024-07"
    commits_src = shared_data / "model-commits-2024-09" / "commits.jsonl.gz"
    raw = tmp_path / "raw"  # a small cut, in the test's temporary folder only
    raw.mkdir()
    with gzip.open(commits_src, "rt", encoding="utf-8") as fh:
        commit_repos = []
        for line in fh:
            rid = json.loads(line)["repo_id"]
            if rid not in commit_repos:
                commit_repos.append(rid)
            if len(commit_repos) >= 25:
                break
    wanted = set(commit_repos)
    count = {"n": 0}

    def keep_model(line):  # the first 150 models plus the 25 repositories with commits
        if count["n"] >= 150 and not wanted:
            return None
        rid = json.loads(line)["id"]
        if rid in wanted:
            wanted.discard(rid)
            return True
        if count["n"] < 150:
            count["n"] += 1
            return True
        return False

    n_models = _cut(hub_dir / "models.jsonl.gz", raw / "models.jsonl.gz", keep_model)
    listed = {json.loads(x)["id"] for x in gzip.open(raw / "models.jsonl.gz", "rt", encoding="utf-8")}
    n_datasets = {"n": 0}

    def keep_dataset(line):  # the first 60 datasets
        n_datasets["n"] += 1
        return None if n_datasets["n"] > 60 else True

    _cut(hub_dir / "datasets.jsonl.gz", raw / "datasets.jsonl.gz", keep_dataset)
    _cut(hub_dir / "model_info.jsonl.gz", raw / "model_info.jsonl.gz", lambda line: json.loads(line)["id"] in listed)
    _cut(commits_src, raw / "commits.jsonl.gz", lambda line: json.loads(line)["repo_id"] in listed)
    assert n_models >= 150
    imported = tmp_path / "imported"
    assert importer.main([str(raw), str(imported), "--snapshot-id", "imported", "--no-progress"]) == 0
    orig = open_snapshot(imported)
    out = tmp_path / "collected"
    with FakeHub(orig, page_size=40, commit_page_size=7, fault_every=17, faults=("503", "drop")) as hub:
        rc = collect.main(
            [
                "--snapshot-id",
                "c",
                "--out",
                str(out),
                "--endpoint",
                hub.endpoint,
                "--repo-types",
                "model,dataset",
                "--steps",
                "commits",
                "--adoption",
                "model-info",
                "--backoff",
                "0.01",
                "--no-progress",
            ]
        )
    assert rc == 0
    got = open_snapshot(out)
    listed_ids = set(got.table("models").id)
    assert_same_data(
        orig,
        got,
        tables=("models", "datasets", "commits", "space_models"),
        where={
            # only listed repositories can be asked for their commits and spaces
            "commits": lambda df: df[df.repo_type.eq("model") & df.repo_id.isin(listed_ids)],
            "space_models": lambda df: df[df.model_id.isin(listed_ids)],
        },
    )
    assert len(got.table("commits")) > 0


def test_transport_talks_to_the_endpoint_only():
    """Side requests (e.g. huggingface_hub's agent-registry lookup at the default endpoint)
    are refused without touching the network, so the token never goes anywhere else."""
    import httpx2

    stats = collect.Stats()
    tr = collect.make_transport(collect.RateController(None), collect.RetryPolicy(), stats, 2, "http://127.0.0.1:9")
    try:
        for url in (
            "https://huggingface.co/api/agent-harnesses",
            "http://127.0.0.1:10/api/models",
            "https://127.0.0.1:9/api/models",
        ):
            with pytest.raises(collect.FetchFailure, match="outside the collector's endpoint"):
                tr.handle_request(httpx2.Request("GET", url, headers={"authorization": f"Bearer {FAKE_TOKEN}"}))
        assert stats.requests == 0
        # the endpoint itself is tried (nothing listens on the discard port: a network error)
        with pytest.raises(collect.FetchFailure) as exc:
            collect.make_transport(
                collect.RateController(None),
                collect.RetryPolicy(max_retries=1, base=0.01),
                stats,
                2,
                "http://127.0.0.1:9",
            ).handle_request(httpx2.Request("GET", "http://127.0.0.1:9/api/models"))
        assert exc.value.outcome == "network_error" and exc.value.attempts == 2
        assert FAKE_TOKEN not in str(exc.value)
    finally:
        tr.close()
