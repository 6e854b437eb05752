"""A fake Hugging Face Hub: serves a snapshot through the Hub's REST API on 127.0.0.1.

This module holds the server (:class:`FakeHub`: options, indexing, lifecycle) and its command line;
the API's shapes are in :mod:`fakehub.api`, the index, listings and pagination in
:mod:`fakehub.index`, the rate limit and faults in :mod:`fakehub.faults`, the endpoints in
:mod:`fakehub.routes`.

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
import json
import random
import re
import socket
import sys
import threading
from collections import Counter
from collections.abc import Iterable
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from analysis.cli import OneLineParser
from analysis.snapshot import Snapshot, SnapshotError, open_snapshot
from analysis.snapshot.schema import REPO_TABLES, REPO_TYPES
from fakehub.api import _PLURAL, _Reply
from fakehub.faults import FAULT_KINDS, _failures_of, _FaultInjection, _monotonic, _sleep
from fakehub.index import _Grouped, _RepoIndex
from fakehub.routes import _Handler

HOST = "127.0.0.1"
__all__ = ["FAULT_KINDS", "HOST", "FakeHub", "main"]


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


class FakeHub(_FaultInjection):
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
        self.failures = _failures_of(
            snap.arrow("fetch_log", ["step", "repo_type", "repo_id", "outcome", "http_status"])
        )

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
