"""The fake Hub against the real ``huggingface_hub`` client (nothing reaches the network).

Every server is bound to 127.0.0.1 and stopped on teardown; every loop is
bounded in count and time. The client's own retry sleeps are patched (and
recorded) so fault tests run in milliseconds while still checking what the
client would have waited.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

import httpx2
import pandas as pd
import pyarrow as pa
import pytest
from book_fixtures import interruptible
from huggingface_hub import HfApi, constants
from huggingface_hub.errors import (
    BadRequestError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import parse_ratelimit_headers

from analysis import paths
from analysis.snapshot import open_snapshot, write_snapshot
from analysis.sources.importer import import_records
from fakehub.server import FakeHub, main

pytestmark = pytest.mark.timeout(60)

CLOSED = "http://127.0.0.1:9"  # discard port: nothing listens, a forgotten endpoint fails fast
T = lambda s: pd.Timestamp(s, tz="UTC")  # noqa: E731


@pytest.fixture(autouse=True)
def _no_real_hub(monkeypatch):
    """Any call that forgets ``endpoint=`` goes to a closed local port, not the real Hub."""
    monkeypatch.setenv("HF_ENDPOINT", CLOSED)
    monkeypatch.setattr(constants, "ENDPOINT", CLOSED)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_TOKEN", raising=False)


@pytest.fixture
def sleeps(monkeypatch):
    """Record (instead of doing) the client's retry sleeps; the server's latency is unaffected."""
    import huggingface_hub.utils._http as http

    class Sleeps(list):
        scale = 0.0  # fraction of each requested sleep actually slept

    calls = Sleeps()
    real_sleep = time.sleep

    def fake(seconds):
        calls.append(float(seconds))
        if calls.scale:
            real_sleep(min(seconds * calls.scale, 2.0))

    monkeypatch.setattr(http.time, "sleep", fake)
    return calls


def _repo(
    rid,
    *,
    created,
    likes,
    downloads=None,
    dl_all=None,
    license=None,
    tags=(),
    sdk=None,
    pipeline=None,
    library=None,
    gated="false",
    private=False,
    modified=None,
    sha=None,
):
    owner, _, name = rid.rpartition("/")
    return dict(
        id=rid,
        owner=owner or None,
        name=name,
        created_at=T(created),
        last_modified=T(modified) if modified else None,
        license=license,
        tags=list(tags),
        pipeline_tag=pipeline,
        library_name=library,
        sdk=sdk,
        likes=likes,
        downloads=downloads,
        downloads_all_time=dl_all,
        private=private,
        gated=gated,
        disabled=False,
        sha=sha,
    )


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    models = [
        _repo(
            f"org{i % 3}/model-{i}",
            created=f"2023-01-{i + 1:02d}",
            likes=(i * 7) % 11,
            downloads=1000 - 37 * i,
            dl_all=5000 + i,
            license="mit" if i % 2 else None,
            tags=["pytorch", "license:mit"] if i % 2 else ["jax"],
            pipeline="text-generation" if i % 3 else None,
            library="transformers",
            modified=f"2023-06-{i + 1:02d}",
            sha=f"{i:040x}",
            gated="manual" if i == 4 else "false",
        )
        for i in range(10)
    ]
    models.append(
        _repo("gpt2", created="2019-02-18", likes=99, downloads=None, license="mit", tags=["tf"], sha="a" * 40)
    )  # legacy id, no tag for its license, null downloads
    datasets = [
        _repo(
            f"alice/data-{i}",
            created=f"2022-05-0{i + 1}",
            likes=i,
            downloads=10 * i,
            dl_all=100 * i,
            tags=["task_categories:text"],
            gated="auto" if i == 1 else "false",
            sha=f"{i + 50:040x}",
        )
        for i in range(4)
    ]
    spaces = [
        _repo(
            f"bob/space-{i}",
            created=f"2023-03-0{i + 1}",
            likes=3 - i,
            sdk=["gradio", "streamlit", "docker"][i],
            tags=["gradio"] if i == 0 else [],
            sha=f"{i + 90:040x}",
        )
        for i in range(3)
    ]
    commits = [
        dict(
            repo_type="model",
            repo_id="gpt2",
            commit_id=f"{c:040x}",
            date=T("2020-01-01") + pd.Timedelta(hours=c),
            authors=["alice", "bob"] if c % 2 else ["carol"],
            title=f"commit {c}",
        )
        for c in range(11)
    ] + [
        dict(
            repo_type="dataset",
            repo_id="alice/data-0",
            commit_id="d" * 40,
            date=T("2022-05-02"),
            authors=["alice"],
            title="init",
        )
    ]
    discussions = [
        dict(
            repo_type="model",
            repo_id="org0/model-0",
            number=n,
            author=None if n == 3 else ("alice" if n % 2 else "org1"),
            is_pull_request=n % 3 == 0,
            status=["open", "closed", "merged", "draft"][n % 4],
            created_at=T("2023-07-01") + pd.Timedelta(days=n),
            title=f"discussion {n}",
        )
        for n in range(1, 8)
    ]
    space_models = [
        dict(space_id="bob/space-0", model_id="gpt2"),
        dict(space_id="bob/space-0", model_id="org0/model-0"),
        dict(space_id="bob/space-1", model_id="gpt2"),
    ]
    owners = [
        dict(owner="org0", kind="organization"),
        dict(owner="org1", kind="organization"),
        dict(owner="alice", kind="user"),
        dict(owner="bob", kind="user"),
    ]
    fetch_log = [
        dict(
            step="commits", repo_type="model", repo_id="org1/model-1", outcome="not_found_or_private", http_status=404
        ),
        dict(step="commits", repo_type="model", repo_id="org2/model-2", outcome="gated", http_status=401),
        dict(step="discussions", repo_type="model", repo_id="org0/model-3", outcome="server_error", http_status=502),
        dict(step="discussions", repo_type="model", repo_id="org1/model-4", outcome="network_error"),
        dict(step="model_spaces", repo_type="model", repo_id="org2/model-5", outcome="malformed"),
        dict(step="list_models", outcome="other", reason="listing-level rows do not make the server fail"),
    ]
    return write_snapshot(
        tmp_path_factory.mktemp("snap") / "tiny",
        {
            "models": pd.DataFrame(models),
            "datasets": pd.DataFrame(datasets),
            "spaces": pd.DataFrame(spaces),
            "commits": pd.DataFrame(commits),
            "discussions": pd.DataFrame(discussions),
            "space_models": pd.DataFrame(space_models),
            "owners": pd.DataFrame(owners),
            "fetch_log": pd.DataFrame(fetch_log),
        },
        snapshot_id="tiny",
    )


@pytest.fixture
def hub(snap):
    with FakeHub(snap, page_size=4, commit_page_size=4, discussion_page_size=3) as h:
        yield h


def api(hub, token=False):
    return HfApi(endpoint=hub.endpoint, token=token)


_CLIENT = httpx2.Client(timeout=10)


def raw(hub, path, **params):
    """A plain GET (one shared keep-alive client), to see status codes and headers."""
    return _CLIENT.get(hub.endpoint + path, params=params)


# --------------------------------------------------------------------------- #
# listings
# --------------------------------------------------------------------------- #

MODEL_EXPAND = [
    "author",
    "createdAt",
    "lastModified",
    "likes",
    "downloads",
    "downloadsAllTime",
    "tags",
    "pipeline_tag",
    "library_name",
    "private",
    "gated",
    "disabled",
    "sha",
]


def _expected_tags(row):
    tags = list(row["tags"])
    if _opt(row["license"]) is not None and not any(t.startswith("license:") for t in tags):
        tags.append(f"license:{row['license']}")
    return tags


def _opt(v):
    """pandas' missing values (NA, NaN, NaT) as None."""
    return None if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)) else v


def test_list_models_expand_round_trips_every_field(hub, snap):
    got = {m.id: m for m in api(hub).list_models(expand=MODEL_EXPAND)}
    table = snap.table("models")
    assert set(got) == set(table["id"])
    for row in table.to_dict("records"):
        m = got[row["id"]]
        assert m.author == _opt(row["owner"])
        assert m.created_at == row["created_at"]
        assert m.last_modified == _opt(row["last_modified"])
        assert (m.likes, m.downloads, m.downloads_all_time) == (
            _opt(row["likes"]),
            _opt(row["downloads"]),
            _opt(row["downloads_all_time"]),
        )
        assert m.tags == _expected_tags(row)
        assert (m.pipeline_tag, m.library_name, m.sha) == (
            _opt(row["pipeline_tag"]),
            _opt(row["library_name"]),
            row["sha"],
        )
        assert m.private is False and m.disabled is False
        assert m.gated == (False if row["gated"] == "false" else row["gated"])
    assert got["gpt2"].tags == ["tf", "license:mit"]  # the license tag is added where missing


def test_expand_spellings_are_equivalent(hub):
    repeated = raw(hub, "/api/models", expand=["downloads", "likes"]).json()
    bracket = raw(hub, "/api/models", **{"expand[]": ["downloads", "likes"]}).json()
    comma = raw(hub, "/api/models", expand="downloads,likes").json()
    assert repeated == bracket == comma
    keys = {item["id"]: set(item) for item in repeated}
    assert keys["org0/model-0"] == {"_id", "id", "modelId", "downloads", "likes"}  # only what was asked
    legacy = raw(hub, "/api/models/gpt2", expand=["downloads", "likes"]).json()
    assert set(legacy) == {"_id", "id", "modelId", "likes"}  # a null is omitted, as the Hub does


def test_default_listing_fields_mirror_the_hub(hub):
    item = raw(hub, "/api/models").json()[0]
    assert {"id", "_id", "likes", "downloads", "tags", "createdAt"} <= set(item)
    assert "author" not in item and "lastModified" not in item  # only with expand, as on the Hub
    assert "author" in raw(hub, "/api/models", full="true").json()[0]


def test_invalid_expand_is_a_bad_request(hub):
    with pytest.raises(BadRequestError):
        list(api(hub).list_spaces(expand=["downloads"]))  # spaces have no downloads on the Hub


def test_datasets_and_spaces_with_models(hub, snap):
    ds = {d.id: d for d in api(hub).list_datasets(expand=["author", "downloads", "downloadsAllTime", "gated", "likes"])}
    assert set(ds) == set(snap.table("datasets")["id"])
    assert ds["alice/data-1"].gated == "auto" and ds["alice/data-3"].downloads == 30
    assert ds["alice/data-2"].downloads_all_time == 200 and ds["alice/data-0"].author == "alice"
    sp = {s.id: s for s in api(hub).list_spaces(expand=["models", "sdk", "likes", "author"])}
    assert sp["bob/space-0"].models == ["gpt2", "org0/model-0"]
    assert sp["bob/space-1"].models == ["gpt2"] and sp["bob/space-2"].models == []
    assert [sp[f"bob/space-{i}"].sdk for i in range(3)] == ["gradio", "streamlit", "docker"]
    assert all("downloads" not in item for item in raw(hub, "/api/spaces", full="true").json())


def test_pagination_follows_absolute_link_headers(hub, snap):
    n = snap.rows("models")
    ids = [m.id for m in api(hub).list_models()]
    assert ids == list(snap.table("models")["id"])  # unsorted: snapshot order, no duplicates
    assert hub.stats["by_endpoint"]["list_models"] == math.ceil(n / 4)
    r = raw(hub, "/api/models", sort="likes", expand="likes")
    link = r.links["next"]["url"]
    assert link.startswith(hub.endpoint + "/api/models?") and "cursor=" in link
    assert "sort=likes" in link and "expand=likes" in link
    capped = raw(hub, "/api/models", limit="100")
    assert len(capped.json()) == 4 and "limit=4" in capped.links["next"]["url"]  # capped at page_size
    pages, url = 0, capped.links["next"]["url"]
    while url and pages < 10:
        r, pages = httpx2.get(url, timeout=10), pages + 1
        url = r.links.get("next", {}).get("url")
    assert url is None and "link" not in r.headers and pages == math.ceil(n / 4) - 1


def test_limit_stops_after_enough_items(hub):
    got = list(api(hub).list_models(limit=2))
    assert len(got) == 2 and hub.stats["by_endpoint"]["list_models"] == 1


def test_sort_and_direction(hub, snap):
    table = snap.table("models")
    by_dl = [m.id for m in api(hub).list_models(sort="downloads", expand=["downloads"])]
    known = table.dropna(subset=["downloads"]).sort_values("downloads", ascending=False, kind="stable")
    assert by_dl == list(known["id"]) + ["gpt2"]  # nulls last
    likes = [m.likes for m in api(hub).list_models(sort="likes", expand=["likes"])]
    assert likes == sorted(likes, reverse=True)
    asc = []
    url, params = hub.endpoint + "/api/models", {"sort": "createdAt", "direction": "1", "expand": "createdAt"}
    for _ in range(10):
        r = httpx2.get(url, params=params, timeout=10)
        asc += [x["createdAt"] for x in r.json()]
        if "next" not in r.links:
            break
        url, params = r.links["next"]["url"], None
    assert asc == sorted(asc) and len(asc) == len(table)


def test_search_author_filter(hub, snap):
    assert sorted(m.id for m in api(hub).list_models(author="org1")) == ["org1/model-1", "org1/model-4", "org1/model-7"]
    assert [m.id for m in api(hub).list_models(search="MODEL-9")] == ["org0/model-9"]
    assert {m.id for m in api(hub).list_models(filter="jax")} == {f"org{i % 3}/model-{i}" for i in range(0, 10, 2)}
    assert [m.id for m in api(hub).list_models(gated=True)] == ["org1/model-4"]
    assert len(list(api(hub).list_models(gated=False))) == snap.rows("models") - 1
    generating = {m.id for m in api(hub).list_models(pipeline_tag="text-generation")}
    assert generating == {f"org{i % 3}/model-{i}" for i in range(10) if i % 3}
    assert sorted(s.id for s in api(hub).list_spaces(models="gpt2")) == ["bob/space-0", "bob/space-1"]
    assert [s.id for s in api(hub).list_spaces(models=["gpt2", "org0/model-0"])] == ["bob/space-0"]


# --------------------------------------------------------------------------- #
# repository info, commits, discussions, owners
# --------------------------------------------------------------------------- #


def test_repo_info_with_and_without_namespace(hub):
    a = api(hub)
    legacy = a.model_info("gpt2")
    assert legacy.id == "gpt2" and sorted(legacy.spaces) == ["bob/space-0", "bob/space-1"]
    assert legacy.author is None and legacy.likes == 99
    m = a.model_info("org0/model-0")
    assert m.spaces == ["bob/space-0"] and m.author == "org0" and m.downloads == 1000
    assert a.model_info("org1/model-1").spaces == []
    expanded = a.model_info("gpt2", expand=["likes"])
    assert expanded.likes == 99 and expanded.spaces is None
    assert a.space_info("bob/space-0").models == ["gpt2", "org0/model-0"]
    assert a.dataset_info("alice/data-2").likes == 2
    assert a.model_info("org0/model-3", revision="3".zfill(40)).sha == "3".zfill(40)
    with pytest.raises(RevisionNotFoundError):
        a.model_info("org0/model-3", revision="no-such-branch")


def test_commits_paginated_newest_first(hub, snap):
    commits = api(hub).list_repo_commits("gpt2")
    want = snap.table("commits").query("repo_id == 'gpt2'").sort_values("date", ascending=False)
    assert [c.commit_id for c in commits] == list(want["commit_id"])
    assert [c.authors for c in commits] == [list(a) for a in want["authors"]]
    assert [c.created_at for c in commits] == list(want["date"])
    assert commits[0].title == "commit 10"
    assert hub.stats["by_endpoint"]["model_commits"] == math.ceil(11 / 4)
    assert [c.commit_id for c in api(hub).list_repo_commits("alice/data-0", repo_type="dataset")] == ["d" * 40]
    assert api(hub).list_repo_commits("org0/model-0") == []  # a repository without recorded commits


def test_discussions_pages_authors_and_filters(hub, snap):
    got = list(api(hub).get_repo_discussions("org0/model-0"))
    want = snap.table("discussions").sort_values("number", ascending=False)
    assert [d.num for d in got] == list(want["number"])
    assert [d.author for d in got] == [a if isinstance(a, str) else "deleted" for a in want["author"]]
    assert [d.is_pull_request for d in got] == list(want["is_pull_request"])
    assert [d.status for d in got] == list(want["status"])
    assert all(d.repo_id == "org0/model-0" and d.repo_type == "model" for d in got)
    assert hub.stats["by_endpoint"]["model_discussions"] == math.ceil(7 / 3)
    prs = list(api(hub).get_repo_discussions("org0/model-0", discussion_type="pull_request"))
    assert sorted(d.num for d in prs) == [3, 6]
    page = raw(hub, "/api/models/org0/model-0/discussions", p="1").json()
    assert (page["count"], page["start"], len(page["discussions"])) == (7, 3, 3)
    assert page["numClosedDiscussions"] == sum(want["status"].isin(["closed", "merged"]))
    assert list(api(hub).get_repo_discussions("gpt2")) == []


def test_owner_kind_overviews(hub):
    a = api(hub)
    org = a.get_organization_overview("org1")
    assert org.name == "org1" and org.num_models == 3
    assert a.get_user_overview("alice").user_type == "user"
    assert a.get_user_overview("alice").num_datasets == 4
    with pytest.raises(HfHubHTTPError) as err:
        a.get_user_overview("org1")  # an organisation is not a user
    assert err.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError):
        a.get_organization_overview("alice")
    with pytest.raises(HfHubHTTPError):
        a.get_organization_overview("nobody")


# --------------------------------------------------------------------------- #
# errors the Hub returns
# --------------------------------------------------------------------------- #


def test_unknown_repositories_raise_repository_not_found(hub):
    a = api(hub)
    with pytest.raises(RepositoryNotFoundError) as err:
        a.model_info("nobody/nothing")
    assert err.value.response.headers["X-Error-Code"] == "RepoNotFound"
    assert err.value.response.status_code == 404
    with pytest.raises(RepositoryNotFoundError):
        a.list_repo_commits("nobody/nothing")
    with pytest.raises(RepositoryNotFoundError):
        list(a.get_repo_discussions("gpt2", repo_type="dataset"))  # wrong repository type


def test_anonymous_401_like_the_real_hub(snap):
    with FakeHub(snap, anonymous_401=True) as hub:
        with pytest.raises(RepositoryNotFoundError) as err:
            api(hub).model_info("nobody/nothing")
        assert err.value.response.status_code == 401
        with pytest.raises(RepositoryNotFoundError) as err:
            api(hub).list_repo_commits("org1/model-1")  # logged not_found_or_private
        assert err.value.response.status_code == 401
        with pytest.raises(RepositoryNotFoundError) as err:
            api(hub, token="hf_anything").model_info("nobody/nothing")
        assert err.value.response.status_code == 404


def test_fetch_log_failures_are_served(hub, snap, sleeps):
    a = api(hub)
    with pytest.raises(RepositoryNotFoundError) as err:
        a.list_repo_commits("org1/model-1")
    assert not isinstance(err.value, GatedRepoError)
    assert a.model_info("org1/model-1").id == "org1/model-1"  # only the logged step fails
    with pytest.raises(GatedRepoError) as err:
        a.list_repo_commits("org2/model-2")
    assert err.value.response.status_code == 401
    with pytest.raises(HfHubHTTPError) as err:
        list(a.get_repo_discussions("org0/model-3"))
    assert err.value.response.status_code == 502
    with pytest.raises(httpx2.RemoteProtocolError):
        list(a.get_repo_discussions("org1/model-4"))
    with pytest.raises(ValueError):  # a body that is not JSON
        a.model_info("org2/model-5")
    assert hub.stats["snapshot_failures"] == 5
    assert len(list(a.list_models())) == snap.rows("models")  # listing-level rows change nothing


def test_gated_with_token_is_403_and_token_presence_is_counted(snap):
    with FakeHub(snap, token="hf_fakehub_secret") as hub:
        with pytest.raises(GatedRepoError) as err:
            api(hub, token="hf_fakehub_secret").list_repo_commits("org2/model-2")
        assert err.value.response.status_code == 403
        assert api(hub, token="hf_fakehub_secret").model_info("gpt2").id == "gpt2"
        with pytest.raises(HfHubHTTPError) as err:
            api(hub, token="hf_wrong").model_info("gpt2")
        assert err.value.response.status_code == 401
        assert "hf_wrong" not in str(err.value) and "hf_fakehub_secret" not in str(err.value)
        api(hub).model_info("gpt2")
        assert api(hub, token="hf_fakehub_secret").whoami()["name"] == "fakehub-user"
        stats = hub.stats
        assert (stats["with_auth"], stats["without_auth"]) == (4, 1)
        assert "hf_fakehub_secret" not in repr(stats)


# --------------------------------------------------------------------------- #
# fault injection
# --------------------------------------------------------------------------- #


def test_injected_429_headers_reach_the_client(snap, sleeps):
    with FakeHub(snap, fault_every=2, faults=("429",), retry_after=7, page_size=2) as hub:
        a = api(hub)
        a.model_info("gpt2")  # request 1: served
        with pytest.raises(HfHubHTTPError) as err:
            a.model_info("gpt2")  # request 2: 429; model_info does not retry
        resp = err.value.response
        assert resp.status_code == 429 and resp.headers["Retry-After"] == "7"
        info = parse_ratelimit_headers(resp.headers)
        assert (info.resource_type, info.remaining, info.reset_in_seconds) == ("api", 0, 7)
        assert info.limit is not None and info.window_seconds is not None
        assert "rate limit" in str(err.value)
        # listings retry through http_backoff, waiting t + 1 seconds as the headers say
        ids = [m.id for m in a.list_models()]
        assert len(ids) == snap.rows("models") and len(set(ids)) == len(ids)
        assert sleeps and all(s == 8.0 for s in sleeps)
        assert hub.stats["faults"]["429"] == len(sleeps) + 1


def test_injected_503_and_drop_are_retried_by_listings(snap, sleeps):
    with FakeHub(snap, fault_every=2, faults=("503", "drop"), page_size=2) as hub:
        a = api(hub)
        ids = [m.id for m in a.list_models()]
        assert ids == list(snap.table("models")["id"])
        stats = hub.stats
        pages = math.ceil(snap.rows("models") / 2)
        assert stats["faults"]["503"] >= 1 and stats["faults"]["drop"] >= 1
        assert stats["by_endpoint"]["list_models"] == pages + stats["faults"]["503"] + stats["faults"]["drop"]
        assert len(sleeps) == stats["faults"]["503"] + stats["faults"]["drop"]
        assert stats["by_status"]["503"] == stats["faults"]["503"]
        assert stats["by_status"]["dropped"] == stats["faults"]["drop"]
        assert max(sleeps) <= 8  # exponential backoff capped by the client


def test_503_and_drop_raise_on_single_requests(snap):
    with FakeHub(snap, fault_every=1, faults=("503", "drop")) as hub:
        a = api(hub)
        with pytest.raises(HfHubHTTPError) as err:
            a.model_info("gpt2")
        assert err.value.response.status_code == 503
        with pytest.raises(httpx2.RemoteProtocolError):
            a.model_info("gpt2")
        assert hub.stats["faults"] == {"503": 1, "drop": 1}


def test_fault_match_restricts_faults(snap):
    with FakeHub(snap, fault_every=1, faults=("503",), fault_match=r"/commits/") as hub:
        a = api(hub)
        assert a.model_info("gpt2").id == "gpt2"
        assert raw(hub, "/api/models/gpt2/commits/main").status_code == 503
        assert raw(hub, "/api/models/gpt2").status_code == 200
        assert hub.stats["faults"] == {"503": 1}


def test_random_faults_are_deterministic_by_seed(snap):
    def statuses(seed):
        with FakeHub(snap, fault_rate=0.5, faults=("429", "503"), seed=seed) as hub:
            return [raw(hub, "/api/models/gpt2").status_code for _ in range(30)]

    first, again, other = statuses(3), statuses(3), statuses(4)
    assert first == again
    assert first != other
    assert {200, 429, 503} <= set(first)


def test_rate_limit_window_counts_and_headers(snap):
    with FakeHub(snap, rate_limit=(5, 60)) as hub:
        rs = [raw(hub, "/api/models/gpt2") for _ in range(8)]
        assert [r.status_code for r in rs] == [200] * 5 + [429] * 3
        served = [parse_ratelimit_headers(r.headers) for r in rs[:5]]
        assert [i.remaining for i in served] == [4, 3, 2, 1, 0]
        assert all((i.limit, i.window_seconds) == (5, 60) for i in served)
        limited = parse_ratelimit_headers(rs[-1].headers)
        assert limited.remaining == 0 and 0 < limited.reset_in_seconds <= 60
        assert int(rs[-1].headers["Retry-After"]) == limited.reset_in_seconds
        assert hub.stats["rate_limited"] == 3


def test_rate_limit_window_resets(snap):
    with FakeHub(snap, rate_limit=(3, 0.4)) as hub:
        codes = []
        for _ in range(50):  # exhaust a window
            codes.append(raw(hub, "/api/models/gpt2").status_code)
            if codes[-1] == 429:
                break
        assert codes[-1] == 429 and codes.count(200) >= 3
        time.sleep(0.45)  # longer than a window: the next one starts empty
        assert raw(hub, "/api/models/gpt2").status_code == 200


def test_rate_limited_listing_completes_with_the_client(snap, sleeps):
    sleeps.scale = 0.25  # really wait a quarter of what the client asks: 0.5 s > the 0.3 s window
    with FakeHub(snap, rate_limit=(2, 0.3), page_size=2) as hub:
        ids = [m.id for m in api(hub).list_models()]
        assert ids == list(snap.table("models")["id"])
        stats = hub.stats
        # every 429 made the client wait per the headers (t + 1 s, t rounded up to whole seconds)
        assert len(sleeps) == stats["rate_limited"]
        assert all(s == 2.0 for s in sleeps)


def test_latency_overlaps_across_concurrent_requests(snap):
    n, latency = 8, 0.5
    with FakeHub(snap, latency=latency) as hub:
        clients = [httpx2.Client(timeout=20) for _ in range(n)]  # built before timing (costly under load)
        codes: list[int] = []
        start = threading.Barrier(n + 1, timeout=20)

        def one(client):
            start.wait()
            codes.append(client.get(hub.endpoint + "/api/models/gpt2").status_code)

        threads = [threading.Thread(target=one, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        start.wait()
        t0 = time.monotonic()
        for t in threads:
            t.join(timeout=20)
        wall = time.monotonic() - t0
        for c in clients:
            c.close()
        assert codes == [200] * n
        assert latency <= wall < n * latency / 2  # sequential handling would take n * latency
        assert hub.stats["max_in_flight"] > 1


def test_stop_closes_the_port(snap):
    hub = FakeHub(snap).start()
    endpoint = hub.endpoint
    assert httpx2.get(endpoint + "/api/models/gpt2", timeout=5).status_code == 200
    hub.stop()
    with pytest.raises(httpx2.TransportError):
        httpx2.get(endpoint + "/api/models/gpt2", timeout=5)
    with pytest.raises(RuntimeError):
        _ = hub.endpoint


def test_bad_options_are_refused(snap):
    for kwargs in (
        {"faults": ("500",)},
        {"fault_every": 0},
        {"rate_limit": (0, 1)},
        {"fault_rate": 2},
        {"page_size": 0},
        {"latency": -1},
    ):
        with pytest.raises(ValueError):
            FakeHub(snap, **kwargs)


# --------------------------------------------------------------------------- #
# command line
# --------------------------------------------------------------------------- #


def test_cli_serves_with_options_until_interrupted(snap):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analysis",
            "fakehub",
            str(snap.path),
            "--duration",
            "30",
            "--latency",
            "0.01",
            "--rate-limit",
            "100/60",
            "--fault-every",
            "2",
            "--faults",
            "503",
            "--page-size",
            "5",
        ],
        cwd=paths.ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    try:
        endpoint = proc.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:")
        with httpx2.Client(timeout=10) as client:
            first = client.get(endpoint + "/api/models")
            second = client.get(endpoint + "/api/models/gpt2")
        assert first.status_code == 200 and len(first.json()) == 5 and "next" in first.links
        info = parse_ratelimit_headers(first.headers)
        assert (info.remaining, info.limit, info.window_seconds) == (99, 100, 60)
        assert second.status_code == 503
        proc.send_signal(signal.SIGINT)  # Ctrl-C ends it cleanly (--duration bounds it anyway)
        assert proc.wait(timeout=20) == 0
        assert "stopped after 2 requests" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main([str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "missing" in err[0]
    res = subprocess.run(
        [sys.executable, "-m", "analysis", "fakehub", str(tmp_path), "--rate-limit", "lots"],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2 and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "REQUESTS/SECONDS" in lines[0]


# --------------------------------------------------------------------------- #
# real records: what the real Hub returned == what the fake Hub serves back
# --------------------------------------------------------------------------- #


def test_real_records_are_served_back_as_the_hub_returned_them(shared_data, tmp_path):
    """Real ``model_info`` and commit records -> importer -> snapshot -> fake Hub -> the same JSON."""
    info_file = shared_data / "hub-2024-07" / "model_info.jsonl.gz"
    commit_file = shared_data / "model-commits-2024-09" / "commits.jsonl.gz"
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(info_file, src / "models.jsonl.gz")  # model_info records read as listing items,
    shutil.copy(info_file, src / "model_info.jsonl.gz")  # and as model_info (their space edges)
    shutil.copy(commit_file, src / "commits.jsonl.gz")
    imported = import_records([src], tmp_path / "imported", progress=False)
    with gzip.open(info_file, "rt", encoding="utf-8") as fh:
        infos = {r["id"]: r for r in map(json.loads, fh)}
    with gzip.open(commit_file, "rt", encoding="utf-8") as fh:
        commits = [json.loads(line) for line in fh]
    # the commit records' repositories are not among the model_info records: give them bare rows
    extra = sorted({c["repo_id"] for c in commits} - set(infos))
    models = pa.concat_tables(
        [
            imported.arrow("models"),
            pa.Table.from_pylist(
                [{"id": r, "owner": r.split("/")[0] if "/" in r else None, "name": r.split("/")[-1]} for r in extra]
            ).cast(imported.arrow("models").select(["id", "owner", "name"]).schema),
        ],
        promote_options="default",
    )
    snap = write_snapshot(
        tmp_path / "served",
        {
            "models": models,
            "commits": imported.arrow("commits"),
            "space_models": imported.arrow("space_models"),
        },
    )
    rng = random.Random(0)
    with_spaces = sorted(i for i, r in infos.items() if r.get("spaces"))
    sample = rng.sample(sorted(infos), 80) + rng.sample(with_spaces, 40)
    fields = [
        "id",
        "author",
        "sha",
        "lastModified",
        "createdAt",
        "private",
        "disabled",
        "gated",
        "pipeline_tag",
        "library_name",
        "tags",
        "downloads",
        "likes",
    ]
    with FakeHub(snap) as hub:
        for rid in sample:
            served = raw(hub, f"/api/models/{rid}").json()
            real = infos[rid]
            for f in fields:
                assert served.get(f) == real.get(f), (rid, f)
            assert sorted(served["spaces"]) == sorted(real.get("spaces") or []), rid
        by_repo: dict[str, dict] = {}
        for c in commits:
            by_repo.setdefault(c["repo_id"], {})[c["id"]] = c
        for rid in rng.sample(sorted(by_repo), 40):
            got = api(hub).list_repo_commits(rid)
            real = by_repo[rid]
            assert sorted(c.commit_id for c in got) == sorted(real)
            for c in got:
                r = real[c.commit_id]
                assert c.title == r["title"] and c.authors == [a["user"] for a in r["authors"]]
                assert c.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z") == r["date"]
            dates = [c.created_at for c in got]
            assert dates == sorted(dates, reverse=True)
    assert open_snapshot(snap.path).rows("models") == len(infos) + len(extra)
