"""A fake Hugging Face Hub: serves a snapshot through the Hub's REST API on 127.0.0.1.

The collector (and its tests and benchmarks) talk to this server exactly as they
would talk to ``https://huggingface.co``: the real ``huggingface_hub`` client
(``HfApi(endpoint=hub.endpoint)``) works against it unchanged. Nothing here
reaches the network; the server binds 127.0.0.1 on an ephemeral port.

>>> with FakeHub("data/snapshots/synthetic-demo") as hub:
...     api = HfApi(endpoint=hub.endpoint, token=False)
...     models = list(api.list_models(expand=["downloads", "likes"]))
...     hub.stats["requests"]

Endpoints (the shapes are those ``huggingface_hub`` 2.x parses)
---------------------------------------------------------------
``GET /api/{models,datasets,spaces}``
    Listings. ``limit`` (page size, capped at ``page_size``), ``sort``
    (``downloads``, ``likes``, ``createdAt``, ``lastModified``,
    ``downloadsAllTime``; ``trendingScore`` is served as ``likes``, the snapshot
    has no trending score) with ``direction`` (``-1``, the default, is
    descending; nulls always last; ties keep snapshot order), ``search``
    (substring of the id, case-insensitive), ``author``, ``filter`` (tags that
    must all be present), ``pipeline_tag``, ``gated`` (``true``: gated
    ``auto``/``manual``), ``models`` (spaces only: the spaces using every
    model given, from ``space_models``), ``expand`` (repeated ``expand=`` keys, ``expand[]=``
    keys, or comma-separated values; a name the real Hub does not accept for
    that repository type is answered 400 as the Hub does; a valid name the
    snapshot has no data for is omitted), ``full``. Without ``expand`` an item
    holds the fields the real listing holds by default (models: no
    ``author``/``lastModified``/``downloadsAllTime``). Pagination: an absolute
    ``Link: <http://127.0.0.1:PORT/api/models?...&cursor=...>; rel="next"``
    header while more pages remain.
``GET /api/{type}s/{repo_id}`` and ``.../revision/{rev}``
    Repository info; by default with ``spaces`` (models: the spaces that use
    it) and ``models`` (spaces: the models it uses), as the real Hub does.
``GET /api/{type}s/{repo_id}/commits/{revision}``
    Newest first, ``commit_page_size`` per page, next page in an absolute
    ``Link`` header (``?p=N``, as the Hub does). ``revision`` must be ``main``
    or the repository's ``sha`` (else 404 ``RevisionNotFound``).
``GET /api/{type}s/{repo_id}/discussions?p=N``
    ``{"discussions", "count", "start", "numClosedDiscussions"}``, newest
    first, ``discussion_page_size`` per page; ``type``, ``status`` and
    ``author`` filters. A deleted author (null in the snapshot) has no
    ``author`` key, which the client reads as ``"deleted"``.
``GET /api/users/{name}/overview``, ``GET /api/organizations/{name}/overview``
    From the snapshot's ``owners`` table: a user answers only the first, an
    organisation only the second; anything else is 404.
``GET /api/whoami-v2``
    401 without an ``Authorization`` header, else a fixed fake user.

Repository ids are matched as stored, with or without a namespace (``gpt2``
and ``openai/gpt2``); an ambiguous path such as ``/api/models/a/discussions``
means the discussions of ``a`` unless only ``a/discussions`` is a repository.

What a snapshot looks like through the API (normalisation for round trips)
--------------------------------------------------------------------------
- ``owner`` and ``name`` are not served: they follow from ``id`` (``author``
  is served from ``owner`` when asked for).
- ``license`` is served as a ``license:<id>`` tag, appended to ``tags`` when
  no ``license:`` tag is there (so ``tags`` null with a license becomes
  ``["license:<id>"]``).
- Null values are omitted from items (the client reads them as ``None``);
  ``gated`` ``"false"`` is served as JSON ``false``.
- Fields the Hub does not have for a repository type are not served even if a
  snapshot holds them: ``downloads``/``downloadsAllTime``/``pipeline_tag``/
  ``library_name`` of spaces, ``pipeline_tag``/``library_name``/``sdk`` of
  datasets, ``sdk`` of models.
- Commits have an empty ``message`` (the snapshot keeps titles only).
- ``repo_coverage`` and the listing-level rows of ``fetch_log`` are not served;
  a repository without commits or discussions answers an empty list.
- ``space_models`` edges are served both ways: ``models`` of a space (its
  listing with ``expand=models``, and ``space_info``) and ``spaces`` of a model
  (``model_info``).

Failures the snapshot records
-----------------------------
A row of the snapshot's ``fetch_log`` with a ``repo_id`` makes the server fail
the matching request every time, so a collector run against the served
snapshot can record the same failure again:

==========================  =====================================================
``step``                    endpoint failed
==========================  =====================================================
``commits``                 ``/commits/...``
``discussions``             ``/discussions``
``model_spaces``,           repository info ``/api/{type}s/{id}``
``model_info``, ``info``,
``repo_info``, ``{type}_info``
==========================  =====================================================

==========================  =====================================================
``outcome``                 answer
==========================  =====================================================
``not_found_or_private``    404, ``X-Error-Code: RepoNotFound``
``gated``                   401 (403 with an ``Authorization`` header),
                            ``X-Error-Code: GatedRepo``
``rate_limited``            429 with ``RateLimit``/``Retry-After`` headers
``server_error``            the row's ``http_status`` if 5xx, else 500
``network_error``           connection closed without a response
``malformed``               200 with a body that is not JSON
``duplicate``, ``other``    no effect
==========================  =====================================================

Unknown repositories are 404 ``RepoNotFound`` too. The real Hub answers 401
(still ``X-Error-Code: RepoNotFound``) instead of 404 to *anonymous* requests
for missing or private repositories; ``anonymous_401=True`` (``--anonymous-401``)
does the same. The client raises ``RepositoryNotFoundError`` for both. Repositories marked
``private`` or ``gated`` in the snapshot are served normally: listings and
metadata of gated repositories are public on the Hub.

Fault injection (constructor options and CLI flags)
---------------------------------------------------
- ``latency``: seconds added to every request (the handler threads sleep in
  parallel, like network round trips).
- ``rate_limit=(q, w)``: a real limit, fixed windows of ``w`` seconds counted
  from server start; at most ``q`` requests are served per window, the rest are
  answered 429 (they do not consume quota). Every response then carries
  ``RateLimit: "api";r=<remaining>;t=<seconds to reset>`` and
  ``RateLimit-Policy: "fixed window";"api";q=<q>;w=<w>``; a 429 also carries
  ``Retry-After``. Header values are whole seconds (rounded up), so windows
  shorter than a second are for tests only.
- ``fault_every=N``: every Nth eligible request (N, 2N, ...) fails, cycling
  through ``faults`` in order (``"429"``, ``"503"``, ``"drop"``).
  ``fault_rate=p`` with ``seed``: each eligible request fails with probability
  p, the kind drawn from ``faults`` (deterministic for a given arrival order).
  ``fault_match``: a regular expression on the URL path restricting which
  requests are eligible. An injected 429 says ``r=0;t=<retry_after>`` and
  ``Retry-After: <retry_after>``.
- ``token``: if set, a request with an ``Authorization`` header carrying a
  different token is answered 401 ``Invalid credentials in Authorization
  header``. Whether a request had the header is counted in ``stats``; header
  values are never stored or logged.

What ``huggingface_hub`` 2.4 does with these: listings and ``list_repo_commits``
go through ``paginate`` -> ``http_backoff``, which retries 408/429/5xx and
dropped connections (``RemoteProtocolError``) up to 5 times, sleeping
``t + 1`` seconds after a 429 whose ``RateLimit`` says ``r=0`` (else
``Retry-After``, else 1, 2, 4, 8 s); ``model_info``, ``get_repo_discussions``
and the overview calls use a plain ``get`` and raise at once
(``HfHubHTTPError`` for 429/5xx, ``httpx2.RemoteProtocolError`` for a dropped
connection).

Statistics: ``hub.stats`` is a copy of the counters (``hub.reset_stats()``
zeroes them): ``requests`` (total, every request received, faults included);
``by_endpoint`` (``list_models``, ``list_datasets``, ``list_spaces``,
``{model,dataset,space}_info``, ``{type}_commits``, ``{type}_discussions``,
``user_overview``, ``organization_overview``, ``whoami``, ``other``);
``by_status`` (``"200"``, ``"404"``, ..., and ``"dropped"``); ``faults``
(injected, by kind); ``rate_limited`` (429s of the window limit);
``snapshot_failures`` (answers driven by ``fetch_log``); ``with_auth`` /
``without_auth`` (requests with and without an ``Authorization`` header);
``max_in_flight`` (most requests handled at once).

Performance (``bench/bench_fakehub.py``, 20,000 repositories on a loaded
2-core machine): indexing 0.3 s; about 700 requests/s with the client in
another process (about 0.5 ms of server CPU per request). The 935,000
repositories of the shared real records index in about 2.5 s and 1 GB.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import random
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.cli import OneLineParser
from analysis.snapshot import Snapshot, SnapshotError, open_snapshot
from analysis.snapshot.schema import REPO_TABLES, REPO_TYPES
from analysis.sources import hubapi

_sleep = time.sleep  # bound at import: tests may patch time.sleep for the client
_monotonic = time.monotonic

HOST = "127.0.0.1"
FAULT_KINDS = ("429", "503", "drop")

#: ``expand`` values the real Hub accepts, per repository type (huggingface_hub 2.4).
EXPANDABLE: dict[str, frozenset[str]] = {
    "model": frozenset(
        {
            "author",
            "baseModels",
            "cardData",
            "childrenModelCount",
            "config",
            "createdAt",
            "disabled",
            "downloads",
            "downloadsAllTime",
            "evalResults",
            "gated",
            "gguf",
            "inference",
            "inferenceProviderMapping",
            "lastModified",
            "library_name",
            "likes",
            "mask_token",
            "model-index",
            "pipeline_tag",
            "private",
            "resourceGroup",
            "safetensors",
            "sha",
            "siblings",
            "spaces",
            "tags",
            "transformersInfo",
            "trendingScore",
            "usedStorage",
            "widgetData",
        }
    ),
    "dataset": frozenset(
        {
            "author",
            "cardData",
            "citation",
            "createdAt",
            "description",
            "disabled",
            "downloads",
            "downloadsAllTime",
            "gated",
            "lastModified",
            "likes",
            "mainSize",
            "paperswithcode_id",
            "private",
            "resourceGroup",
            "sha",
            "siblings",
            "tags",
            "trendingScore",
            "usedStorage",
        }
    ),
    "space": frozenset(
        {
            "author",
            "cardData",
            "createdAt",
            "datasets",
            "disabled",
            "lastModified",
            "likes",
            "models",
            "private",
            "region",
            "resourceGroup",
            "runtime",
            "sdk",
            "sha",
            "siblings",
            "subdomain",
            "tags",
            "trendingScore",
            "usedStorage",
        }
    ),
}

#: Fields of a listing item without ``expand`` (as the real Hub answered in 2024).
LIST_DEFAULT: dict[str, tuple[str, ...]] = {
    "model": ("likes", "private", "downloads", "tags", "pipeline_tag", "library_name", "createdAt"),
    "dataset": (
        "author",
        "disabled",
        "gated",
        "lastModified",
        "likes",
        "private",
        "sha",
        "downloads",
        "tags",
        "createdAt",
    ),
    "space": ("likes", "private", "sdk", "tags", "createdAt"),
}
#: Fields of repository info without ``expand`` (and of listings with ``full``).
INFO_DEFAULT: dict[str, tuple[str, ...]] = {
    "model": (
        "author",
        "sha",
        "lastModified",
        "private",
        "disabled",
        "gated",
        "pipeline_tag",
        "library_name",
        "tags",
        "downloads",
        "likes",
        "spaces",
        "createdAt",
    ),
    "dataset": (
        "author",
        "sha",
        "lastModified",
        "private",
        "disabled",
        "gated",
        "tags",
        "downloads",
        "likes",
        "createdAt",
    ),
    "space": (
        "author",
        "sha",
        "lastModified",
        "private",
        "disabled",
        "gated",
        "tags",
        "likes",
        "sdk",
        "models",
        "createdAt",
    ),
}
_SORT_COLUMNS = {
    "downloads": "downloads",
    "likes": "likes",
    "createdAt": "created_at",
    "created_at": "created_at",
    "lastModified": "last_modified",
    "last_modified": "last_modified",
    "downloadsAllTime": "downloads_all_time",
    "trendingScore": "likes",
    "trending_score": "likes",
}
#: fetch_log step -> endpoint kind it fails
_STEP_ENDPOINT = {
    "commits": "commits",
    "discussions": "discussions",
    "model_spaces": "info",
    "model_info": "info",
    "info": "info",
    "repo_info": "info",
    "dataset_info": "info",
    "space_info": "info",
}
_PLURAL = {"models": "model", "datasets": "dataset", "spaces": "space"}


def _object_id(repo_type: str, repo_id: str) -> str:
    return hashlib.md5(f"{repo_type}/{repo_id}".encode()).hexdigest()[:24]


def _group_bounds(keys: pa.Array) -> dict[str, tuple[int, int]]:
    """``{key: (start, stop)}`` of runs of equal keys in a sorted string array."""
    n = len(keys)
    if n == 0:
        return {}
    if n == 1:
        return {keys[0].as_py(): (0, 1)}
    change = pc.not_equal(keys.slice(1), keys.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    starts = np.concatenate([[0], np.flatnonzero(change) + 1])
    stops = np.concatenate([starts[1:], [n]])
    names = keys.take(pa.array(starts)).to_pylist()
    return {k: (int(a), int(b)) for k, a, b in zip(names, starts, stops)}


def _true_mask(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean Arrow column as a numpy mask (null: False)."""
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False)


def _combined(table: pa.Table) -> pa.Table:
    return table.combine_chunks() if table.num_rows else table


class _RepoIndex:
    """One repository type held in memory: rows, id lookup, sort orders."""

    def __init__(self, repo_type: str, table: pa.Table, links: Mapping[str, list[str]]):
        self.repo_type = repo_type
        self.table = _combined(table)
        ids = self.table.column("id").to_pylist()
        self.row = {rid: i for i, rid in enumerate(ids)}
        self.n = len(ids)
        self.links = links  # model -> spaces using it, or space -> models it uses
        self._orders: dict[tuple[str | None, int], np.ndarray] = {}
        self._filtered: dict[tuple, np.ndarray] = {}
        self._lock = threading.Lock()
        owners = self.table.column("owner")
        self.owner_counts: dict[str, int] = {}
        if self.n:
            vc = pc.value_counts(owners.drop_null())
            for item in vc.to_pylist():
                if item["values"] is not None:
                    self.owner_counts[item["values"]] = item["counts"]

    def order(self, sort: str | None, direction: int) -> np.ndarray:
        key = (sort, direction)
        with self._lock:
            cached = self._orders.get(key)
        if cached is not None:
            return cached
        if sort is None:
            order = np.arange(self.n)
        else:
            col = self.table.column(sort)
            if pa.types.is_timestamp(col.type):
                col = col.cast(pa.int64())
            values = col.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(float)
            key_values = -values if direction < 0 else values
            key_values = np.where(np.isnan(key_values), np.inf, key_values)  # nulls last
            order = np.lexsort((np.arange(self.n), key_values))
        with self._lock:
            self._orders[key] = order
        return order

    def filtered(
        self,
        sort: str | None,
        direction: int,
        author: str | None,
        search: tuple[str, ...],
        tags: tuple[str, ...],
        *,
        pipeline_tag: str | None = None,
        gated: bool | None = None,
        uses: tuple[str, ...] = (),
    ) -> np.ndarray:
        order = self.order(sort, direction)
        if author is None and not search and not tags and pipeline_tag is None and gated is None and not uses:
            return order
        key = (sort, direction, author, search, tags, pipeline_tag, gated, uses)
        with self._lock:
            cached = self._filtered.get(key)
        if cached is not None:
            return cached
        mask = np.ones(self.n, dtype=bool)
        if author is not None:
            mask &= _true_mask(pc.equal(self.table.column("owner"), author))
        for s in search:
            mask &= _true_mask(pc.match_substring(self.table.column("id"), s, ignore_case=True))
        if tags:
            tag_lists = self.table.column("tags").to_pylist()
            wanted = set(tags)
            mask &= np.array([bool(t) and wanted.issubset(t) for t in tag_lists], dtype=bool)
        if pipeline_tag is not None:
            mask &= _true_mask(pc.equal(self.table.column("pipeline_tag"), pipeline_tag))
        if gated is not None:
            is_gated = _true_mask(pc.not_equal(self.table.column("gated"), "false"))
            mask &= is_gated if gated else ~is_gated
        if uses:  # spaces using every one of these models
            wanted_models = set(uses)
            ids = self.table.column("id").to_pylist()
            mask &= np.array([wanted_models.issubset(self.links.get(i, ())) for i in ids], dtype=bool)
        result = order[mask[order]]
        with self._lock:
            if len(self._filtered) > 64:
                self._filtered.clear()
            self._filtered[key] = result
        return result

    def rows(self, indices: Iterable[int]) -> list[dict[str, Any]]:
        idx = np.asarray(list(indices) if not isinstance(indices, np.ndarray) else indices, dtype=np.int64)
        if len(idx) == 0:
            return []
        return self.table.take(pa.array(idx)).to_pylist()

    def item(self, row: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        """One repository in the API's JSON shape, with ``fields`` (API names)."""
        rid = row["id"]
        out: dict[str, Any] = {"_id": _object_id(self.repo_type, rid), "id": rid}
        if self.repo_type == "model":
            out["modelId"] = rid
        for f in fields:
            if (f == "spaces" and self.repo_type == "model") or (f == "models" and self.repo_type == "space"):
                value = list(self.links.get(rid, ()))
            else:
                value = hubapi.api_field(row, f, self.repo_type)
            if value is not None:
                out[f] = value
        return out


class _Grouped:
    """A per-repository table (commits, discussions) sorted and grouped by repo."""

    def __init__(self, table: pa.Table, order_by: list[tuple[str, str]]):
        if table.num_rows:
            keys = [("repo_type", "ascending"), ("repo_id", "ascending"), *order_by]
            idx = pc.sort_indices(table, sort_keys=[(k, o, "at_end") for k, o in keys])
            table = table.take(idx)
        self.table = _combined(table)
        keys = (
            pc.binary_join_element_wise(self.table.column("repo_type"), self.table.column("repo_id"), "\x00")
            if table.num_rows
            else pa.array([], pa.string())
        )
        if isinstance(keys, pa.ChunkedArray):
            keys = keys.combine_chunks()
        self.bounds = _group_bounds(keys)

    def rows(self, repo_type: str, repo_id: str) -> tuple[int, int]:
        return self.bounds.get(f"{repo_type}\x00{repo_id}", (0, 0))

    def slice(self, start: int, stop: int) -> list[dict[str, Any]]:
        if stop <= start:
            return []
        return self.table.slice(start, stop - start).to_pylist()


class _Reply(Exception):
    """Raised inside a handler to answer with an error."""

    def __init__(self, status: int, message: str, *, code: str | None = None, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


class _Drop(Exception):
    """Close the connection without answering."""


class _Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.by_endpoint: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.rate_limited = 0
        self.snapshot_failures = 0
        self.with_auth = 0
        self.without_auth = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "by_endpoint": dict(self.by_endpoint),
                "by_status": dict(self.by_status),
                "faults": dict(self.faults),
                "rate_limited": self.rate_limited,
                "snapshot_failures": self.snapshot_failures,
                "with_auth": self.with_auth,
                "without_auth": self.without_auth,
                "max_in_flight": self.max_in_flight,
            }


class _Server(ThreadingHTTPServer):
    """Threaded server with a deep listen queue (set before ``listen()``) that
    stays quiet when a client goes away mid-response (a killed collector)."""

    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address):  # noqa: D401 - stdlib hook
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


class FakeHub:
    """Serve ``snapshot`` (a directory or an opened :class:`Snapshot`) on 127.0.0.1.

    Start with :meth:`start` or a ``with`` block; ``endpoint`` is the base URL
    to give ``HfApi(endpoint=...)``; :meth:`stop` shuts the server down and
    closes open connections. See the module docstring for every option.
    """

    def __init__(
        self,
        snapshot: str | Path | Snapshot,
        *,
        port: int = 0,
        latency: float = 0.0,
        rate_limit: tuple[int, float] | None = None,
        fault_every: int | None = None,
        fault_rate: float = 0.0,
        faults: Iterable[str] = FAULT_KINDS,
        fault_match: str | None = None,
        retry_after: int = 1,
        seed: int = 0,
        page_size: int = 1000,
        commit_page_size: int = 50,
        discussion_page_size: int = 50,
        token: str | None = None,
        anonymous_401: bool = False,
    ):
        self.snapshot = snapshot if isinstance(snapshot, Snapshot) else open_snapshot(snapshot)
        self.faults = tuple(str(f) for f in faults)
        bad = [f for f in self.faults if f not in FAULT_KINDS]
        if bad or not self.faults:
            raise ValueError(f"faults {bad or '()'}: expected a non-empty selection of {', '.join(FAULT_KINDS)}")
        if fault_every is not None and int(fault_every) < 1:
            raise ValueError(f"fault_every={fault_every}: expected a positive integer")
        if not 0.0 <= float(fault_rate) <= 1.0:
            raise ValueError(f"fault_rate={fault_rate}: expected a probability in [0, 1]")
        if rate_limit is not None:
            q, w = rate_limit
            if int(q) < 1 or float(w) <= 0:
                raise ValueError(f"rate_limit={rate_limit}: expected (requests >= 1, window seconds > 0)")
            rate_limit = (int(q), float(w))
        for name, value in (
            ("page_size", page_size),
            ("commit_page_size", commit_page_size),
            ("discussion_page_size", discussion_page_size),
        ):
            if int(value) < 1:
                raise ValueError(f"{name}={value}: expected a positive integer")
        if latency < 0:
            raise ValueError(f"latency={latency}: expected >= 0")
        self.port = int(port)
        self.latency = float(latency)
        self.rate_limit = rate_limit
        self.fault_every = int(fault_every) if fault_every is not None else None
        self.fault_rate = float(fault_rate)
        self.fault_match = re.compile(fault_match) if fault_match else None
        self.retry_after = int(retry_after)
        self.seed = seed
        self.page_size = int(page_size)
        self.commit_page_size = int(commit_page_size)
        self.discussion_page_size = int(discussion_page_size)
        self._token = token
        self.anonymous_401 = bool(anonymous_401)
        self._stats = _Stats()
        self._fault_lock = threading.Lock()
        self._eligible = 0
        self._rng = random.Random(seed)
        self._window_lock = threading.Lock()
        self._window_index = -1
        self._window_count = 0
        self._t0 = _monotonic()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self._index()

    # ------------------------------------------------------------------ #
    # indexing the snapshot (once)
    # ------------------------------------------------------------------ #

    def _index(self) -> None:
        snap = self.snapshot
        edges = snap.arrow("space_models")
        spaces_of: dict[str, list[str]] = {}
        models_of: dict[str, list[str]] = {}
        for s, m in zip(edges.column("space_id").to_pylist(), edges.column("model_id").to_pylist()):
            spaces_of.setdefault(m, []).append(s)
            models_of.setdefault(s, []).append(m)
        self.repos: dict[str, _RepoIndex] = {}
        for rt in REPO_TYPES:
            links = spaces_of if rt == "model" else models_of if rt == "space" else {}
            self.repos[rt] = _RepoIndex(rt, snap.arrow(REPO_TABLES[rt]), links)
        self.commits = _Grouped(snap.arrow("commits"), [("date", "descending"), ("commit_id", "ascending")])
        self.discussions = _Grouped(snap.arrow("discussions"), [("number", "descending")])
        owners = snap.arrow("owners")
        self.owner_kind = dict(zip(owners.column("owner").to_pylist(), owners.column("kind").to_pylist()))
        log = snap.arrow("fetch_log", ["step", "repo_type", "repo_id", "outcome", "http_status"])
        self.failures: dict[tuple[str, str, str], tuple[str, int | None]] = {}
        for row in log.to_pylist():
            endpoint = _STEP_ENDPOINT.get(row["step"])
            if endpoint is None or not row["repo_id"]:
                continue
            rt = row["repo_type"] or "model"
            self.failures.setdefault((rt, row["repo_id"], endpoint), (row["outcome"], row["http_status"]))

    # ------------------------------------------------------------------ #
    # lifecycle
    # ------------------------------------------------------------------ #

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeHub is not running; call start() or use it in a with block")
        return f"http://{HOST}:{self._server.server_address[1]}"

    @property
    def stats(self) -> dict[str, Any]:
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        with self._stats.lock:
            in_flight = self._stats.in_flight
            self._stats.reset()
            self._stats.in_flight = in_flight

    def start(self) -> FakeHub:
        if self._server is not None:
            return self
        hub = self

        class Handler(_Handler):
            pass

        Handler.hub = hub
        server = _Server((HOST, self.port), Handler)
        self._server = server
        self._t0 = _monotonic()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"fakehub-{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._conn_lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint if self._server else "stopped"
        return f"FakeHub({self.snapshot.id!r}, {where})"

    # ------------------------------------------------------------------ #
    # rate limit and faults
    # ------------------------------------------------------------------ #

    def _window(self) -> tuple[int, float] | None:
        """Count one request against the window; returns (remaining, seconds to reset)."""
        if self.rate_limit is None:
            return None
        q, w = self.rate_limit
        now = _monotonic() - self._t0
        index = int(now // w)
        reset = (index + 1) * w - now
        with self._window_lock:
            if index != self._window_index:
                self._window_index, self._window_count = index, 0
            if self._window_count >= q:
                return -1, reset
            self._window_count += 1
            return q - self._window_count, reset

    def _ratelimit_headers(self, remaining: int, reset: float) -> dict[str, str]:
        q, w = self.rate_limit if self.rate_limit else (1000, 300.0)
        w_text = str(int(w)) if float(w).is_integer() else str(math.ceil(w))
        return {
            "RateLimit": f'"api";r={max(remaining, 0)};t={max(math.ceil(reset), 0)}',
            "RateLimit-Policy": f'"fixed window";"api";q={q};w={w_text}',
        }

    def _pick_fault(self, path: str) -> str | None:
        if self.fault_every is None and self.fault_rate <= 0:
            return None
        if self.fault_match is not None and not self.fault_match.search(path):
            return None
        with self._fault_lock:
            self._eligible += 1
            k = self._eligible
            if self.fault_every is not None:
                if k % self.fault_every == 0:
                    return self.faults[(k // self.fault_every - 1) % len(self.faults)]
                return None
            if self._rng.random() < self.fault_rate:
                return self.faults[self._rng.randrange(len(self.faults))]
            return None

    # ------------------------------------------------------------------ #
    # routing
    # ------------------------------------------------------------------ #

    def resolve(self, plural: str, parts: list[str]) -> tuple[str, str, str | None]:
        """``(kind, repo_id, revision)`` of ``/api/{plural}/{parts...}``."""
        rt = _PLURAL[plural]
        known = self.repos[rt].row
        candidates: list[tuple[str, list[str], str | None]] = []
        if parts and parts[-1] == "discussions":
            candidates.append(("discussions", parts[:-1], None))
        if len(parts) >= 3 and parts[-2] == "commits":
            candidates.append(("commits", parts[:-2], parts[-1]))
        if len(parts) >= 3 and parts[-2] == "revision":
            candidates.append(("info", parts[:-2], parts[-1]))
        candidates.append(("info", parts, None))
        candidates = [c for c in candidates if 1 <= len(c[1]) <= 2 and all(c[1])]
        if not candidates:
            raise _Reply(404, "Not Found")
        for kind, id_parts, rev in candidates:
            if "/".join(id_parts) in known:
                return kind, "/".join(id_parts), rev
        kind, id_parts, rev = candidates[0]
        return kind, "/".join(id_parts), rev


def _expand_params(query: list[tuple[str, str]]) -> list[str] | None:
    values = [v for k, v in query if k in ("expand", "expand[]")]
    if not values:
        return None
    out: list[str] = []
    for v in values:
        out.extend(x for x in v.split(",") if x)
    return out


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub
    protocol_version = "HTTP/1.1"
    server_version = "FakeHub/1"
    sys_version = ""
    timeout = 60  # idle keep-alive connections end after this

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet; never log headers
        pass

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every keep-alive response
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.hub._conn_lock:
            self.hub._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.hub._conn_lock:
                self.hub._connections.discard(self.connection)

    # -------------------------------------------------------------- #

    def do_GET(self) -> None:  # noqa: N802
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def _method_not_allowed(self) -> None:
        self.close_connection = True
        self._send(405, {"error": "Method not allowed"}, {})

    do_POST = do_PUT = do_DELETE = do_PATCH = _method_not_allowed

    def _serve(self, head: bool) -> None:
        hub = self.hub
        stats = hub._stats
        split = urlsplit(self.path)
        raw_parts = [p for p in split.path.split("/") if p != ""]
        parts = [unquote(p) for p in raw_parts]
        endpoint = self._endpoint_name(parts)
        has_auth = "Authorization" in self.headers
        with stats.lock:
            stats.requests += 1
            stats.by_endpoint[endpoint] += 1
            if has_auth:
                stats.with_auth += 1
            else:
                stats.without_auth += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        extra: dict[str, str] = {}
        try:
            if hub.latency:
                _sleep(hub.latency)
            window = hub._window()
            if window is not None:
                remaining, reset = window
                extra.update(hub._ratelimit_headers(remaining, reset))
                if remaining < 0:
                    with stats.lock:
                        stats.rate_limited += 1
                    extra["Retry-After"] = str(max(math.ceil(reset), 1))
                    raise _Reply(429, "You have exceeded the rate limit; retry later.", headers=extra)
            fault = hub._pick_fault(split.path)
            if fault is not None:
                with stats.lock:
                    stats.faults[fault] += 1
                self._fault(fault, extra)
            if has_auth and hub._token is not None:
                value = self.headers.get("Authorization", "")
                if value != f"Bearer {hub._token}":
                    raise _Reply(401, "Invalid credentials in Authorization header", headers=extra)
            body, headers = self._route(parts, raw_parts, split.query, has_auth)
            headers.update(extra)
            self._send(200, body, headers, head=head)
        except _Reply as reply:
            headers = {**extra, **reply.headers}
            if reply.code:
                headers["X-Error-Code"] = reply.code
            if isinstance(reply, _Malformed):
                self._send(200, b'{"error": "truncated', headers, head=head)
            else:
                headers["X-Error-Message"] = reply.message
                self._send(reply.status, {"error": reply.message}, headers, head=head)
        except _Drop:
            self._drop()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # a bug here must not kill the connection silently
            self._send(500, {"error": f"fakehub internal error: {type(exc).__name__}: {exc}"}, {}, head=head)
        finally:
            with stats.lock:
                stats.in_flight -= 1

    @staticmethod
    def _endpoint_name(parts: list[str]) -> str:
        if len(parts) >= 2 and parts[0] == "api":
            if parts[1] in _PLURAL:
                rt = _PLURAL[parts[1]]
                if len(parts) == 2:
                    return f"list_{parts[1]}"
                if "commits" in parts[2:-1]:
                    return f"{rt}_commits"
                if parts[-1] == "discussions":
                    return f"{rt}_discussions"
                return f"{rt}_info"
            if parts[1] == "users" and parts[-1] == "overview":
                return "user_overview"
            if parts[1] == "organizations" and parts[-1] == "overview":
                return "organization_overview"
            if parts[1] == "whoami-v2":
                return "whoami"
        return "other"

    def _fault(self, kind: str, extra: dict[str, str]) -> None:
        if kind == "429":
            headers = {**extra, **self.hub._ratelimit_headers(0, self.hub.retry_after)}
            headers["Retry-After"] = str(self.hub.retry_after)
            raise _Reply(429, "Too Many Requests (injected)", headers=headers)
        if kind == "503":
            raise _Reply(503, "Service Unavailable (injected)", headers=extra)
        raise _Drop()

    def _drop(self) -> None:
        with self.hub._stats.lock:
            self.hub._stats.by_status["dropped"] += 1
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send(self, status: int, body: Any, headers: Mapping[str, str], *, head: bool = False) -> None:
        data = (
            body
            if isinstance(body, bytes)
            else json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        )
        with self.hub._stats.lock:
            self.hub._stats.by_status[str(status)] += 1
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    # -------------------------------------------------------------- #

    def _route(
        self, parts: list[str], raw_parts: list[str], query_string: str, has_auth: bool
    ) -> tuple[Any, dict[str, str]]:
        hub = self.hub
        query = parse_qsl(query_string, keep_blank_values=True)
        if len(parts) < 2 or parts[0] != "api":
            raise _Reply(404, "Not Found")
        head = parts[1]
        if head in _PLURAL:
            if len(parts) == 2:
                return self._list(head, raw_parts, query)
            kind, repo_id, rev = hub.resolve(head, parts[2:])
            rt = _PLURAL[head]
            index = hub.repos[rt]
            row = index.row.get(repo_id)
            if row is None:
                raise self._not_found(has_auth)
            self._snapshot_failure(rt, repo_id, kind, has_auth)
            if kind == "info":
                if rev is not None:
                    self._check_revision(index, row, rev)
                return self._info(index, row, query), {}
            if kind == "commits":
                self._check_revision(index, row, rev)
                return self._commits(rt, repo_id, raw_parts, query)
            return self._discussions(rt, repo_id, query), {}
        if head in ("users", "organizations") and len(parts) == 4 and parts[3] == "overview":
            return self._overview(head, parts[2]), {}
        if head == "whoami-v2" and len(parts) == 2:
            if not has_auth:
                raise _Reply(401, "Invalid credentials in Authorization header")
            return {
                "type": "user",
                "name": "fakehub-user",
                "fullname": "FakeHub user",
                "orgs": [],
                "auth": {"type": "access_token"},
            }, {}
        raise _Reply(404, "Not Found")

    def _snapshot_failure(self, rt: str, repo_id: str, kind: str, has_auth: bool) -> None:
        fail = self.hub.failures.get((rt, repo_id, kind))
        if fail is None:
            return
        outcome, status = fail
        if outcome in ("duplicate", "other"):
            return
        with self.hub._stats.lock:
            self.hub._stats.snapshot_failures += 1
        if outcome == "not_found_or_private":
            raise self._not_found(has_auth)
        if outcome == "gated":
            raise _Reply(
                403 if has_auth else 401,
                f"Access to {rt} {repo_id} is restricted. You must have access to it and be authenticated to access it.",
                code="GatedRepo",
            )
        if outcome == "rate_limited":
            headers = self.hub._ratelimit_headers(0, self.hub.retry_after)
            headers["Retry-After"] = str(self.hub.retry_after)
            raise _Reply(429, "Too Many Requests", headers=headers)
        if outcome == "server_error":
            raise _Reply(status if status and 500 <= status < 600 else 500, "Internal Error")
        if outcome == "network_error":
            raise _Drop()
        if outcome == "malformed":
            raise _Malformed()

    def _not_found(self, has_auth: bool) -> _Reply:
        if self.hub.anonymous_401 and not has_auth:
            return _Reply(401, "Invalid username or password.", code="RepoNotFound")
        return _Reply(404, "Repository not found", code="RepoNotFound")

    @staticmethod
    def _check_revision(index: _RepoIndex, row: int, rev: str | None) -> None:
        if rev in ("main", None):
            return
        sha = index.table.column("sha")[row].as_py()
        if sha is not None and rev == sha:
            return
        raise _Reply(404, f"Invalid rev id: {rev}", code="RevisionNotFound")

    def _fields(self, rt: str, query: list[tuple[str, str]], default: tuple[str, ...]) -> tuple[str, ...]:
        expand = _expand_params(query)
        if expand is None:
            return default
        bad = [e for e in expand if e not in EXPANDABLE[rt]]
        if bad:
            allowed = ", ".join(f'"{e}"' for e in sorted(EXPANDABLE[rt]))
            raise _Reply(400, f'"expand" must be one of [{allowed}]; got {", ".join(bad)}')
        return tuple(dict.fromkeys(expand))

    def _list(self, plural: str, raw_parts: list[str], query: list[tuple[str, str]]) -> tuple[Any, dict[str, str]]:
        hub = self.hub
        rt = _PLURAL[plural]
        index = hub.repos[rt]
        params: dict[str, list[str]] = {}
        for k, v in query:
            params.setdefault(k, []).append(v)
        full = params.get("full", ["false"])[-1].lower() in ("1", "true")
        fields = self._fields(rt, query, INFO_DEFAULT[rt] if full else LIST_DEFAULT[rt])
        sort_name = params.get("sort", [None])[-1]
        sort = None
        if sort_name:
            sort = _SORT_COLUMNS.get(sort_name)
            if sort is None:
                raise _Reply(400, f'"sort" must be one of [{", ".join(sorted(_SORT_COLUMNS))}]')
        try:
            direction = int(params.get("direction", ["-1"])[-1])
            limit = int(params["limit"][-1]) if "limit" in params else hub.page_size
        except ValueError:
            raise _Reply(400, "invalid direction or limit") from None
        if limit < 1:
            raise _Reply(400, '"limit" must be a positive integer')
        page = min(limit, hub.page_size)
        offset = 0
        if "cursor" in params:
            offset = _decode_cursor(params["cursor"][-1])
        author = params.get("author", [None])[-1]
        search = tuple(s for s in params.get("search", []) if s)
        tags = tuple(t for t in params.get("filter", []) if t)
        gated_param = params.get("gated", [None])[-1]
        gated = None if gated_param is None else gated_param.lower() in ("1", "true")
        uses = tuple(m for m in params.get("models", []) if m) if rt == "space" else ()
        order = index.filtered(
            sort,
            direction,
            author,
            search,
            tags,
            pipeline_tag=params.get("pipeline_tag", [None])[-1],
            gated=gated,
            uses=uses,
        )
        chunk = order[offset : offset + page]
        items = [index.item(r, fields) for r in index.rows(chunk)]
        if offset + page < len(order):
            rest = [(k, v) for k, v in query if k not in ("cursor", "limit")]
            return items, self._next_link(
                raw_parts, rest + [("limit", str(page)), ("cursor", _encode_cursor(offset + page))]
            )
        return items, {}

    def _info(self, index: _RepoIndex, row: int, query: list[tuple[str, str]]) -> dict[str, Any]:
        fields = self._fields(index.repo_type, query, INFO_DEFAULT[index.repo_type])
        return index.item(index.table.slice(row, 1).to_pylist()[0], fields)

    def _commits(
        self, rt: str, repo_id: str, raw_parts: list[str], query: list[tuple[str, str]]
    ) -> tuple[Any, dict[str, str]]:
        hub = self.hub
        params = dict(query)
        p = _page_number(params)
        size = hub.commit_page_size
        start, stop = hub.commits.rows(rt, repo_id)
        a = min(start + p * size, stop)
        b = min(a + size, stop)
        items = []
        for c in hub.commits.slice(a, b):
            item = hubapi.api_commit(c)
            if "formatted" in (_expand_params(query) or ()):
                item["formatted"] = {"title": c["title"], "message": ""}
            items.append(item)
        if b < stop:
            return items, self._next_link(raw_parts, [(k, v) for k, v in query if k != "p"] + [("p", str(p + 1))])
        return items, {}

    def _next_link(self, raw_parts: list[str], query: list[tuple[str, str]]) -> dict[str, str]:
        """The ``Link: <...>; rel="next"`` header of a paginated answer (an absolute URL)."""
        url = f"{self.hub.endpoint}/{'/'.join(raw_parts)}?{urlencode(query)}"
        return {"Link": f'<{url}>; rel="next"'}

    def _discussions(self, rt: str, repo_id: str, query: list[tuple[str, str]]) -> dict[str, Any]:
        hub = self.hub
        params = dict(query)
        p = _page_number(params)
        dtype = params.get("type", "all")
        status = params.get("status", "all")
        author = params.get("author")
        if dtype not in ("all", "discussion", "pull_request"):
            raise _Reply(400, '"type" must be one of [all, discussion, pull_request]')
        if status not in ("all", "open", "closed"):
            raise _Reply(400, '"status" must be one of [all, open, closed]')
        start, stop = hub.discussions.rows(rt, repo_id)
        rows = hub.discussions.slice(start, stop)
        num_closed = sum(1 for d in rows if d["status"] in ("closed", "merged"))
        if dtype != "all":
            want = dtype == "pull_request"
            rows = [d for d in rows if bool(d["is_pull_request"]) == want]
        if status == "open":
            rows = [d for d in rows if d["status"] in ("open", "draft")]
        elif status == "closed":
            rows = [d for d in rows if d["status"] in ("closed", "merged")]
        if author is not None:
            rows = [d for d in rows if d["author"] == author]
        size = hub.discussion_page_size
        page = rows[p * size : (p + 1) * size]
        items = []
        for d in page:
            item = hubapi.api_discussion(d)
            item.update(repo={"name": repo_id, "type": rt}, numComments=1, pinned=False, topReactions=[])
            if d["author"] is not None:
                kind = hub.owner_kind.get(d["author"])
                item["author"] = {
                    "name": d["author"],
                    "fullname": d["author"],
                    "avatarUrl": "",
                    "type": "org" if kind == "organization" else "user",
                    "isPro": False,
                }
            items.append(item)
        return {"discussions": items, "count": len(rows), "start": p * size, "numClosedDiscussions": num_closed}

    def _overview(self, head: str, name: str) -> dict[str, Any]:
        hub = self.hub
        kind = hub.owner_kind.get(name)
        counts = {rt: hub.repos[rt].owner_counts.get(name, 0) for rt in REPO_TYPES}
        if head == "users":
            if kind != "user":
                raise _Reply(404, "User not found")
            return {
                "_id": _object_id("user", name),
                "user": name,
                "fullname": name,
                "avatarUrl": "",
                "type": "user",
                "isPro": False,
                "numModels": counts["model"],
                "numDatasets": counts["dataset"],
                "numSpaces": counts["space"],
                "orgs": [],
            }
        if kind != "organization":
            raise _Reply(404, "Organization not found")
        return {
            "_id": _object_id("org", name),
            "name": name,
            "fullname": name,
            "avatarUrl": "",
            "type": "org",
            "isVerified": False,
            "numModels": counts["model"],
            "numDatasets": counts["dataset"],
            "numSpaces": counts["space"],
        }


class _Malformed(_Reply):
    def __init__(self) -> None:
        super().__init__(200, "malformed")


def _page_number(params: Mapping[str, str]) -> int:
    """The ``p`` (page) parameter of the commits and discussions endpoints."""
    try:
        p = int(params.get("p", "0"))
    except ValueError:
        raise _Reply(400, '"p" must be an integer') from None
    if p < 0:
        raise _Reply(400, '"p" must be >= 0')
    return p


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        offset = int(json.loads(raw)["o"])
    except (ValueError, KeyError, TypeError):
        raise _Reply(400, "invalid cursor") from None
    if offset < 0:
        raise _Reply(400, "invalid cursor")
    return offset


# ---------------------------------------------------------------------- #
# command line
# ---------------------------------------------------------------------- #


def _rate_limit_arg(text: str) -> tuple[int, float]:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*", text)
    if not m or int(m.group(1)) < 1 or float(m.group(2)) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected REQUESTS/SECONDS, e.g. 1000/300")
    return int(m.group(1)), float(m.group(2))


def _faults_arg(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    bad = [k for k in kinds if k not in FAULT_KINDS]
    if bad or not kinds:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a comma-separated selection of {','.join(FAULT_KINDS)}")
    return kinds


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m analysis fakehub",
        description="Serve a snapshot through the Hugging Face Hub's REST API on 127.0.0.1 "
        "(prints the endpoint on the first line of stdout; Ctrl-C stops it).",
    )
    parser.add_argument("snapshot_dir")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: 0, an ephemeral port)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument(
        "--rate-limit",
        type=_rate_limit_arg,
        default=None,
        metavar="Q/W",
        help="serve at most Q requests per W-second window, 429 beyond (e.g. 1000/300)",
    )
    parser.add_argument(
        "--fault-every", type=int, default=None, metavar="N", help="inject a fault into every Nth request"
    )
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="inject a fault into each request with probability P (seeded)",
    )
    parser.add_argument(
        "--faults",
        type=_faults_arg,
        default=FAULT_KINDS,
        help="kinds of injected faults, comma-separated (default: 429,503,drop)",
    )
    parser.add_argument(
        "--fault-match",
        default=None,
        metavar="REGEX",
        help="only requests whose path matches REGEX are eligible for faults",
    )
    parser.add_argument("--retry-after", type=int, default=1, help="seconds an injected 429 asks to wait")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--page-size", type=int, default=1000, help="repositories per listing page")
    parser.add_argument("--commit-page-size", type=int, default=50)
    parser.add_argument("--discussion-page-size", type=int, default=50)
    parser.add_argument(
        "--anonymous-401",
        action="store_true",
        help="answer anonymous requests for missing repositories 401, as the real Hub does (default 404)",
    )
    parser.add_argument(
        "--duration", type=float, default=None, help="stop after this many seconds (default: serve until interrupted)"
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # the parser has printed its one-line message
        return int(exc.code or 0)
    try:
        hub = FakeHub(
            args.snapshot_dir,
            port=args.port,
            latency=args.latency,
            rate_limit=args.rate_limit,
            fault_every=args.fault_every,
            fault_rate=args.fault_rate,
            faults=args.faults,
            fault_match=args.fault_match,
            retry_after=args.retry_after,
            seed=args.seed,
            page_size=args.page_size,
            commit_page_size=args.commit_page_size,
            discussion_page_size=args.discussion_page_size,
            anonymous_401=args.anonymous_401,
        )
        hub.start()
    except (SnapshotError, ValueError, re.error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot listen on {HOST}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(hub.endpoint, flush=True)
    counts = ", ".join(f"{hub.repos[rt].n:,} {REPO_TABLES[rt]}" for rt in REPO_TYPES)
    print(
        f"fakehub: serving snapshot {hub.snapshot.id} ({counts}) at {hub.endpoint}; Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    deadline = None if args.duration is None else _monotonic() + args.duration
    try:
        while deadline is None or _monotonic() < deadline:
            _sleep(0.2 if deadline is None else max(0.0, min(0.2, deadline - _monotonic())))
    except KeyboardInterrupt:
        pass
    finally:
        stats = hub.stats
        hub.stop()
        print(
            f"fakehub: stopped after {stats['requests']:,} requests "
            f"(by status: {json.dumps(stats['by_status'], sort_keys=True)})",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
