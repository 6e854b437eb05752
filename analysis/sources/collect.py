"""``python -m analysis collect``: collect a new snapshot from the Hugging Face Hub.

Usage (``make snapshot ARGS="..."`` runs the same)::

    # everything (listings of models, datasets, spaces; commits and discussions of every repository)
    python -m analysis collect --snapshot-id hub-2026-11-28

    # a seeded random sample of 2,000 repositories per type for the per-repository steps
    python -m analysis collect --snapshot-id hub-sample --select sample --n 2000 --seed 1

    # the 1,000 most downloaded models only, commits only
    python -m analysis collect --snapshot-id top-models --repo-types model --steps commits \\
        --select top-downloads --n 1000

    # against another endpoint (a mirror, or the local fake Hub: python -m analysis fakehub)
    python -m analysis collect --snapshot-id test --endpoint http://127.0.0.1:8123

What it does, in order (every step checkpointed, see "Resuming" below):

1. **Listings**: ``GET /api/models|datasets|spaces`` with ``expand`` for every field the
   analyses use, one request per page (the Hub's cursor pagination, ``Link: rel="next"``),
   never one request per repository. Space-to-model adoption edges come from the spaces
   listing (``expand=models``). ``--adoption model-info`` instead asks ``model_info`` once
   per (selected) model, as the paper's scripts did, to compare the two.
2. **Per-repository steps** (``--steps``) for the repositories chosen by ``--select``
   (per repository type: ``all``; ``sample``: a seeded random sample of ``--n``;
   ``top-downloads`` / ``top-likes``: the top ``--n``, ties broken by id; spaces have no
   downloads, so ``top-downloads`` ranks spaces by likes). ``commits``: every page of
   ``list_repo_commits`` (main branch) with the authors of each commit; ``discussions``:
   every page of ``get_repo_discussions`` (number, author, pull-request flag, status, date).
   Successes go to ``repo_coverage`` with their item counts, failures to ``fetch_log`` with
   an outcome (not_found_or_private, gated, rate_limited, server_error, network_error, ...).
3. **Owner kinds** (``--owner-kinds-top N``): organisation or user, for the owners of the N
   models used by the most spaces, one request per owner
   (``GET /api/organizations/{name}/overview``: found = organisation, 404 = user).

Authentication: the token comes ONLY from the environment (``HF_TOKEN``) or the
``huggingface_hub`` login (``hf auth login``); there is no option for it, and it is never
written to the snapshot, the checkpoint, the log or an error message. Without one the
collector runs anonymously, at the anonymous rate limits. The collector's HTTP transport only
talks to the endpoint's origin: any other request (``huggingface_hub`` makes a few of its own,
e.g. an agent-registry lookup at its default endpoint) is refused without touching the network,
so the token is never sent anywhere else.

Rate limits and faults: one layer of retries only. The collector installs its own HTTP
transport in ``huggingface_hub``'s shared ``httpx2`` client; the transport paces every
request (all threads share one token bucket: ``--max-rate``, lowered automatically to what
the Hub's ``RateLimit-Policy`` header allows), honours 429 (``RateLimit`` ``t=`` reset or
``Retry-After``: every worker pauses until then), backs off exponentially with jitter on
5xx/408 and dropped connections (``--max-retries``), and, when retries are exhausted, raises
an error that ``huggingface_hub``'s own ``http_backoff`` does not retry. So
``huggingface_hub`` (which retries 429/5xx up to 5 times in its paginated listings but not in
``model_info``/discussions) never sees a retryable response and the two layers never stack.

How long it takes: requests / allowed rate. The Hub allows 500 API requests per 5-minute
window anonymously, 1,000 with a free account and 2,500 with PRO
(https://huggingface.co/docs/hub/rate-limits; the ``RateLimit-Policy`` header says which).
The listings are cheap (about 3.5M repositories / 1,000 per page = 3,500 requests, about
20 minutes at 3.3 requests/s). Commits and discussions cost at least 2 requests per
repository: about 7M requests for the whole Hub, i.e. about 24 days with a free account. A
sample is the practical choice: ``--select sample --n 10000`` (per type, 3 types x 2 steps =
60,000 requests) takes about 5 hours at 3.3 requests/s; ``--concurrency`` only helps until
the rate limit is reached (concurrency >= rate x latency).

Resuming: progress is journaled (append-only JSON lines, one line per listing page and per
finished repository step, written whole and flushed; fsync'd every second and at every step
end) in the checkpoint directory (``data/checkpoints/<id>/`` by default; ``<out>.checkpoint``
beside a custom ``--out``). After an interruption, SIGKILL included, rerun the SAME command
(with an explicit ``--snapshot-id``/``--snapshot-date`` if it may be rerun on another day):
listings continue from their last cursor, finished repositories are not asked again, and the
finished snapshot is identical to an uninterrupted run (rows are de-duplicated by key and
sorted deterministically before the tables are written). The snapshot is marked complete
only at the very end; a complete snapshot id is never overwritten. A checkpoint made with
different content parameters is refused (delete it, or rerun with the same parameters).
A repository step that failed after all retries is final for that collection (recorded in
``fetch_log``); it is not asked again on resume.

Normalisation (what a collected snapshot says, compared with the Hub's JSON): timestamps are
UTC at millisecond precision; ``license`` is the first ``license:`` tag; ``gated`` false is
``"false"``; a discussion author that ``huggingface_hub`` reports as ``"deleted"`` (no author
in the API's record) is null; spaces have null downloads, and null ``gated`` (the spaces
listing has no ``gated`` to expand); ``owner`` is the part of the id before ``/`` (null for
legacy ids such as ``gpt2``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa

from analysis import paths
from analysis.cli import OneLineParser
from analysis.snapshot import atomic_write_json
from analysis.snapshot.schema import REPO_TABLES, REPO_TYPES, SCHEMAS

STEP_CHOICES = ("commits", "discussions")
SELECT_CHOICES = ("all", "sample", "top-downloads", "top-likes")
ADOPTION_CHOICES = ("spaces-listing", "model-info")

#: ``expand`` fields asked of each listing (every field the snapshot's tables use).
EXPAND: dict[str, list[str]] = {
    "model": [
        "createdAt",
        "lastModified",
        "tags",
        "pipeline_tag",
        "library_name",
        "likes",
        "downloads",
        "downloadsAllTime",
        "private",
        "gated",
        "disabled",
        "sha",
    ],
    "dataset": [
        "createdAt",
        "lastModified",
        "tags",
        "likes",
        "downloads",
        "downloadsAllTime",
        "private",
        "gated",
        "disabled",
        "sha",
    ],
    "space": ["createdAt", "lastModified", "tags", "likes", "private", "disabled", "sha", "sdk"],
}

#: The values of ``--repo-types`` / ``--steps`` that change what a snapshot holds; a
#: checkpoint is only resumed by a run with the same ones.
PLAN_KEYS = (
    "snapshot_id",
    "snapshot_date",
    "endpoint",
    "repo_types",
    "steps",
    "select",
    "n",
    "seed",
    "adoption",
    "owner_kinds_top",
)

RETRY_STATUS = (408, 500, 502, 503, 504)


class CollectError(Exception):
    """A problem the user can act on (bad arguments, refused overwrite, a failed listing)."""


class FetchFailure(Exception):
    """A request that failed for good (after retries).

    Deliberately NOT an ``httpx2`` exception: ``huggingface_hub.http_backoff`` retries
    ``httpx2`` network errors itself, and must not retry what this layer gave up on. The
    message holds the URL path only (never headers, so never the token).
    """

    def __init__(
        self, outcome: str, reason: str, *, http_status: int | None = None, attempts: int = 1, source: str | None = None
    ):
        super().__init__(f"{outcome}: {reason}" + (f" ({source})" if source else ""))
        self.outcome = outcome
        self.reason = reason
        self.http_status = http_status
        self.attempts = attempts
        self.source = source


# --------------------------------------------------------------------------- #
# request pacing, retries, statistics: one HTTP transport below huggingface_hub
# --------------------------------------------------------------------------- #


@dataclass
class RetryPolicy:
    max_retries: int = 5  # for 5xx / network errors
    max_rate_limited: int = 8  # 429s tolerated per request (each waits for the reset)
    base: float = 0.5  # first back-off (s); doubles, capped, full jitter
    cap: float = 30.0
    max_wait_429: float = 600.0


class Stats:
    """Thread-safe request counters (only counts, never headers or URLs with queries)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.retries: Counter[str] = Counter()
        self.status: Counter[int] = Counter()
        self.waited_429 = 0.0

    def add(self, what: str, key: Any = None, n: float = 1) -> None:
        with self.lock:
            if what == "request":
                self.requests += 1
            elif what == "retry":
                self.retries[key] += 1
            elif what == "status":
                self.status[key] += 1
            elif what == "wait429":
                self.waited_429 += n

    def total_retries(self) -> int:
        with self.lock:
            return sum(self.retries.values())


class RateController:
    """One schedule for every thread: at most ``rate`` requests/s, and a shared pause.

    Slots are handed out ``1/rate`` apart (no bursts); a 429 or an exhausted ``RateLimit``
    quota pauses everyone until the reset. ``rate`` starts at ``--max-rate`` (None: no
    ceiling) and is lowered to 98% of the ``RateLimit-Policy`` quota (q requests per w
    seconds) as soon as the server states one.
    """

    SAFETY = 0.98

    def __init__(self, max_rate: float | None):
        self.lock = threading.Lock()
        self.ceiling = max_rate if max_rate and max_rate > 0 else None
        self.rate = self.ceiling
        self.policy: tuple[int, int] | None = None
        self.next_slot = time.monotonic()
        self.paused_until = 0.0

    def acquire(self) -> None:
        with self.lock:
            now = time.monotonic()
            t = max(now, self.next_slot, self.paused_until)
            self.next_slot = t + (1.0 / self.rate if self.rate else 0.0)
        if t > now:
            time.sleep(t - now)

    def pause(self, seconds: float) -> None:
        with self.lock:
            until = time.monotonic() + seconds
            if until > self.paused_until:
                self.paused_until = until
            # slots already handed out stay valid; new ones start after the pause
            self.next_slot = max(self.next_slot, self.paused_until)

    def observe_policy(self, q: int, w: int) -> None:
        if q <= 0 or w <= 0:
            return
        with self.lock:
            if self.policy == (q, w):
                return
            self.policy = (q, w)
            allowed = q / w * self.SAFETY
            self.rate = min(allowed, self.ceiling) if self.ceiling else allowed


def _timeout_defaults(request: Any) -> None:
    """``huggingface_hub`` passes ``timeout=None`` (wait forever) on some calls; bound them."""
    t = request.extensions.get("timeout")
    if not t or all(v is None for v in t.values()):
        request.extensions["timeout"] = {"connect": 15.0, "read": 60.0, "write": 60.0, "pool": 60.0}


def _origin(scheme: str, host: str | None, port: int | None) -> tuple[str, str, int]:
    return (scheme, (host or "").lower(), port or {"http": 80, "https": 443}.get(scheme, 0))


def make_transport(rate: RateController, policy: RetryPolicy, stats: Stats, concurrency: int, endpoint: str):
    """The one HTTP transport of a run: talks to ``endpoint``'s origin only.

    Requests to any other origin are refused without touching the network (so the token is
    never sent elsewhere, and side requests ``huggingface_hub`` makes on its own, such as its
    agent-harness registry lookup at the default endpoint, never leave the machine when the
    endpoint is local); ``huggingface_hub`` treats those as best-effort and carries on.
    """
    import httpx2

    parts = urlsplit(endpoint)
    allowed = _origin(parts.scheme, parts.hostname, parts.port)
    from huggingface_hub.utils._http import _parse_retry_after, parse_ratelimit_headers

    class HubTransport(httpx2.BaseTransport):
        def __init__(self) -> None:
            self.inner = httpx2.HTTPTransport(
                limits=httpx2.Limits(max_connections=concurrency + 8, max_keepalive_connections=concurrency + 8),
            )

        def _backoff(self, attempt: int) -> float:
            return random.uniform(0, min(policy.cap, policy.base * 2 ** (attempt - 1)))

        def handle_request(self, request: Any) -> Any:
            url = request.url
            if _origin(url.scheme, url.host, url.port) != allowed:
                raise FetchFailure("other", "request outside the collector's endpoint refused", source=url.path)
            _timeout_defaults(request)
            source = url.path
            failures = 0  # 5xx + network
            limited = 0
            attempts = 0
            while True:
                rate.acquire()
                attempts += 1
                stats.add("request")
                try:
                    response = self.inner.handle_request(request)
                except httpx2.TransportError as exc:
                    failures += 1
                    kind = type(exc).__name__
                    if failures > policy.max_retries:
                        raise FetchFailure("network_error", kind, attempts=attempts, source=source) from None
                    stats.add("retry", "network:" + kind)
                    time.sleep(self._backoff(failures))
                    continue
                status = response.status_code
                stats.add("status", status)
                info = parse_ratelimit_headers(response.headers)
                if info is not None and info.limit and info.window_seconds:
                    rate.observe_policy(info.limit, info.window_seconds)
                if status == 429:
                    response.read()
                    response.close()
                    limited += 1
                    if limited > policy.max_rate_limited:
                        raise FetchFailure(
                            "rate_limited",
                            f"HTTP 429 after {limited} attempts",
                            http_status=429,
                            attempts=attempts,
                            source=source,
                        )
                    if info is not None and info.remaining == 0:
                        wait_s = float(info.reset_in_seconds)
                    else:
                        ra = _parse_retry_after(response.headers)
                        wait_s = float(ra) if ra is not None else self._backoff(limited) + policy.base
                    wait_s = min(policy.max_wait_429, wait_s) + random.uniform(0, 0.05 + 0.05 * wait_s)
                    stats.add("retry", "429")
                    stats.add("wait429", n=wait_s)
                    rate.pause(wait_s)
                    continue
                if status in RETRY_STATUS:
                    response.read()
                    response.close()
                    failures += 1
                    if failures > policy.max_retries:
                        raise FetchFailure(
                            "server_error",
                            f"HTTP {status} after {attempts} attempts",
                            http_status=status,
                            attempts=attempts,
                            source=source,
                        )
                    stats.add("retry", str(status))
                    ra = _parse_retry_after(response.headers)
                    time.sleep(float(ra) if ra is not None and ra < policy.cap else self._backoff(failures))
                    continue
                if info is not None and info.remaining == 0 and info.reset_in_seconds > 0:
                    rate.pause(float(info.reset_in_seconds))
                return response

        def close(self) -> None:
            self.inner.close()

    return HubTransport()


class HubSession:
    """Installs the transport into ``huggingface_hub``'s shared client for one run."""

    def __init__(self, transport: Any):
        self.transport = transport

    def __enter__(self) -> HubSession:
        import httpx2
        from huggingface_hub.utils import _http

        def factory() -> Any:
            return httpx2.Client(
                transport=self.transport,
                event_hooks={"request": [_http.hf_request_event_hook]},
                follow_redirects=True,
                timeout=httpx2.Timeout(60.0, connect=15.0),
                trust_env=False,  # env proxies would bypass the transport (see --help)
            )

        _http.set_client_factory(factory)
        return self

    def __exit__(self, *exc: Any) -> None:
        from huggingface_hub.utils import _http

        _http.set_client_factory(_http.default_client_factory)
        self.transport.close()


# --------------------------------------------------------------------------- #
# checkpoint: append-only journals
# --------------------------------------------------------------------------- #


class Journal:
    """Append-only JSON-lines file; a line is written whole or (after a kill) dropped.

    Every record is one ``write`` of one line ending in a newline, flushed to the kernel
    at once (so a SIGKILL loses at most the line being written) and fsync'd at most every
    ``fsync_every`` seconds and on :meth:`sync` (so a power cut loses at most that much).
    On opening, a trailing partial line is cut off.
    """

    def __init__(self, path: Path, fsync_every: float = 1.0, transform: Callable[[dict], Any] | None = None):
        self.path = path
        self.lock = threading.Lock()
        self.fsync_every = fsync_every
        self._last_sync = time.monotonic()
        self.records: list[dict] = []
        if path.exists():
            data = path.read_bytes()
            end = data.rfind(b"\n") + 1
            if end < len(data):
                with open(path, "r+b") as fh:
                    fh.truncate(end)
                    fh.flush()
                    os.fsync(fh.fileno())
            for line in data[:end].splitlines():
                if line.strip():
                    rec = json.loads(line)
                    self.records.append(transform(rec) if transform else rec)
            del data
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: dict) -> None:
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        with self.lock:
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
            now = time.monotonic()
            if now - self._last_sync >= self.fsync_every:
                os.fsync(self._fd)
                self._last_sync = now

    def sync(self) -> None:
        with self.lock:
            os.fsync(self._fd)

    def iter_file(self) -> Iterator[dict]:
        """Every complete record in the file, read back one line at a time."""
        with open(self.path, "rb") as fh:
            for line in fh:
                if line.endswith(b"\n") and line.strip():
                    yield json.loads(line)

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None


# --------------------------------------------------------------------------- #
# converting the API's records into snapshot rows
# --------------------------------------------------------------------------- #

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_ms(value: Any) -> int | None:
    """An API timestamp (ISO string or datetime) as UTC epoch milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return (value - _EPOCH) // dt.timedelta(milliseconds=1)


def _int(v: Any) -> int | None:
    return None if v is None or isinstance(v, bool) else int(v)


def _bool(v: Any) -> bool | None:
    return None if v is None else bool(v)


def _gated(v: Any) -> str | None:
    if v is None:
        return None
    if v is False:
        return "false"
    if v is True:
        return "true"
    return str(v)


def repo_row(item: dict, repo_type: str) -> dict:
    rid = item["id"]
    owner, name = rid.split("/", 1) if "/" in rid else (None, rid)
    tags = item.get("tags")
    license_ = None
    if tags:
        license_ = next((t.split(":", 1)[1] for t in tags if isinstance(t, str) and t.startswith("license:")), None)
    return {
        "id": rid,
        "owner": owner,
        "name": name,
        "created_at": to_ms(item.get("createdAt")),
        "last_modified": to_ms(item.get("lastModified")),
        "license": license_,
        "tags": list(tags) if tags is not None else None,
        "pipeline_tag": item.get("pipeline_tag"),
        "library_name": item.get("library_name"),
        "sdk": item.get("sdk") if repo_type == "space" else None,
        "likes": _int(item.get("likes")),
        "downloads": _int(item.get("downloads")) if repo_type != "space" else None,
        "downloads_all_time": _int(item.get("downloadsAllTime")) if repo_type != "space" else None,
        "private": _bool(item.get("private")),
        "gated": _gated(item.get("gated")),
        "disabled": _bool(item.get("disabled")),
        "sha": item.get("sha"),
    }


def _space_model_ids(item: dict) -> list[str]:
    models = item.get("models") or []
    out = []
    for m in models:
        mid = m.get("id") if isinstance(m, dict) else m
        if isinstance(mid, str) and mid:
            out.append(mid)
    return out


def _page_mem(rec: dict) -> dict:
    """A journaled listing page as held in memory: its rows as a compact Arrow table."""
    t = rec["type"]
    good = [r for r in rec["rows"] if "_malformed" not in r]
    return {
        "type": t,
        "page": rec["page"],
        "next": rec["next"],
        "n": len(rec["rows"]),
        "table": _arrow(REPO_TABLES[t], good),
        "malformed": [r["_malformed"] for r in rec["rows"] if "_malformed" in r],
        "edges": rec.get("edges", []),
    }


def _task_mem(rec: dict) -> dict:
    """A journaled repository step as held in memory: its outcome, not its rows."""
    out: dict[str, Any] = {"k": rec["k"]}
    if "fail" in rec:
        out["fail"] = rec["fail"]
    elif rec["k"][0] == "model_spaces":
        out["rows"] = rec["rows"]
    elif rec["k"][0] == "owner":
        out["kind"] = rec["kind"]
    else:
        out["n"] = len(rec["rows"])
    return out


class _Chunked:
    """Rows gathered into Arrow tables 100,000 at a time (Python objects never pile up)."""

    def __init__(self, name: str, extra: Iterable[pa.Field] = ()):
        self.schema = SCHEMAS[name]
        for f in extra:
            self.schema = self.schema.append(f)
        self.rows: list[dict] = []
        self.parts: list[pa.Table] = []

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= 100_000:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.parts.append(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def table(self, sort: list[str]) -> pa.Table:
        self.flush()
        t = pa.concat_tables(self.parts) if self.parts else self.schema.empty_table()
        return t.sort_by([(k, "ascending") for k in sort]).combine_chunks() if t.num_rows else t


# --------------------------------------------------------------------------- #
# the plan (what the run collects) and its checkpoint
# --------------------------------------------------------------------------- #


def _redact_endpoint(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


@dataclass
class Options:
    snapshot_id: str
    snapshot_date: str | None
    out: Path
    checkpoint: Path
    endpoint: str
    repo_types: list[str]
    steps: list[str]
    select: str
    n: int | None
    seed: int
    adoption: str
    owner_kinds_top: int
    concurrency: int
    max_rate: float | None
    retry: RetryPolicy
    progress: bool

    def plan(self) -> dict:
        return {
            "snapshot_id": self.snapshot_id,
            "snapshot_date": self.snapshot_date,
            "endpoint": _redact_endpoint(self.endpoint),
            "repo_types": list(self.repo_types),
            "steps": list(self.steps),
            "select": self.select,
            "n": self.n,
            "seed": self.seed,
            "adoption": self.adoption,
            "owner_kinds_top": self.owner_kinds_top,
        }


def _csv_choice(value: str, choices: Iterable[str], what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()] if value else []
    bad = [v for v in items if v not in choices]
    if bad:
        raise CollectError(f"--{what}: unknown value(s) {', '.join(bad)}; choose from {', '.join(choices)}")
    # keep the canonical order, drop duplicates
    return [c for c in choices if c in items]


def parse_args(argv: list[str]) -> Options:
    p = OneLineParser(
        prog="python -m analysis collect",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--snapshot-id", help="snapshot id (default: hub-<snapshot date>)")
    p.add_argument(
        "--snapshot-date", help="snapshot date YYYY-MM-DD (default: today, UTC; on resume: the checkpoint's)"
    )
    p.add_argument("--out", help="snapshot directory (default: data/snapshots/<id>)")
    p.add_argument(
        "--checkpoint-dir", help="checkpoint directory (default: data/checkpoints/<id>, or <out>.checkpoint with --out)"
    )
    p.add_argument("--endpoint", help="Hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co)")
    p.add_argument(
        "--repo-types", default="model,dataset,space", help="comma list of model,dataset,space (default: all three)"
    )
    p.add_argument(
        "--steps",
        default="commits,discussions",
        help="per-repository steps: comma list of commits,discussions, or 'none'",
    )
    p.add_argument(
        "--select",
        default="all",
        choices=SELECT_CHOICES,
        help="which repositories the per-repository steps cover (per repository type)",
    )
    p.add_argument("--n", type=int, help="how many repositories per type for --select sample/top-*")
    p.add_argument("--seed", type=int, default=0, help="seed of --select sample (default 0)")
    p.add_argument(
        "--adoption",
        default="spaces-listing",
        choices=ADOPTION_CHOICES,
        help="space->model edges from the spaces listing (default) or one model_info per model (the paper's way)",
    )
    p.add_argument(
        "--owner-kinds-top",
        type=int,
        default=0,
        metavar="N",
        help="record organisation/user for the owners of the N models used by the most spaces (one request per owner)",
    )
    p.add_argument("--concurrency", type=int, default=8, help="parallel requests (default 8)")
    p.add_argument(
        "--max-rate",
        type=float,
        default=None,
        help="requests/s ceiling for all threads together (default: none beyond the Hub's RateLimit-Policy)",
    )
    p.add_argument(
        "--max-retries", type=int, default=5, help="retries per request on 5xx / dropped connections (default 5)"
    )
    p.add_argument(
        "--max-rate-limited",
        type=int,
        default=8,
        help="429 responses tolerated per request before giving up (default 8)",
    )
    p.add_argument(
        "--backoff",
        type=float,
        default=0.5,
        help="first back-off in seconds, doubled per retry, with jitter (default 0.5)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    try:
        a = p.parse_args(argv)
    except SystemExit as exc:
        raise SystemExit(exc.code if exc.code == 0 else 2) from None

    repo_types = _csv_choice(a.repo_types, REPO_TYPES, "repo-types")
    if not repo_types:
        raise CollectError("--repo-types: give at least one of model, dataset, space")
    steps = [] if a.steps.strip() == "none" else _csv_choice(a.steps, STEP_CHOICES, "steps")
    if a.select != "all" and (a.n is None or a.n < 0):
        raise CollectError(f"--select {a.select} needs --n (a number of repositories per type, >= 0)")
    if a.select == "all" and a.n is not None:
        raise CollectError("--n is only used with --select sample, top-downloads or top-likes")
    if a.concurrency < 1 or a.concurrency > 256:
        raise CollectError(f"--concurrency {a.concurrency}; expected 1..256")
    if a.max_rate is not None and a.max_rate <= 0:
        raise CollectError(f"--max-rate {a.max_rate}; expected a positive number of requests per second")
    if a.owner_kinds_top < 0:
        raise CollectError("--owner-kinds-top must be >= 0")
    if a.snapshot_date:
        try:
            dt.date.fromisoformat(a.snapshot_date)
        except ValueError:
            raise CollectError(f"--snapshot-date {a.snapshot_date!r}; expected YYYY-MM-DD") from None
    snapshot_id = a.snapshot_id or f"hub-{a.snapshot_date or _today()}"
    if "/" in snapshot_id or snapshot_id in {".", ".."} or not snapshot_id.strip():
        raise CollectError(f"--snapshot-id {snapshot_id!r}; expected a plain name")
    out = Path(a.out).resolve() if a.out else paths.SNAPSHOTS / snapshot_id
    if a.checkpoint_dir:
        checkpoint = Path(a.checkpoint_dir).resolve()
    elif a.out:
        checkpoint = out.with_name(out.name + ".checkpoint")
    else:
        checkpoint = paths.CHECKPOINTS / snapshot_id
    endpoint = a.endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    if not urlsplit(endpoint).scheme.startswith("http") or not urlsplit(endpoint).hostname:
        raise CollectError(f"--endpoint {_redact_endpoint(endpoint)!r}; expected an http(s) URL")
    return Options(
        snapshot_id=snapshot_id,
        snapshot_date=a.snapshot_date,
        out=out,
        checkpoint=checkpoint,
        endpoint=endpoint.rstrip("/"),
        repo_types=repo_types,
        steps=steps,
        select=a.select,
        n=a.n,
        seed=a.seed,
        adoption=a.adoption,
        owner_kinds_top=a.owner_kinds_top,
        concurrency=a.concurrency,
        max_rate=a.max_rate,
        retry=RetryPolicy(max_retries=a.max_retries, max_rate_limited=a.max_rate_limited, base=a.backoff),
        progress=not a.no_progress,
    )


# --------------------------------------------------------------------------- #
# the collector
# --------------------------------------------------------------------------- #


def _hf_failure(exc: BaseException, source: str | None) -> FetchFailure:
    """Map an exception from ``huggingface_hub`` to a fetch_log outcome (deterministic reason)."""
    import httpx2
    from huggingface_hub import errors as hf_errors

    if isinstance(exc, FetchFailure):
        return exc
    status = None
    resp = getattr(exc, "response", None)
    if resp is not None:
        status = getattr(resp, "status_code", None)
    server = getattr(exc, "server_message", None)
    detail = f"HTTP {status}" if status else ""
    if server:
        detail = f"{detail}: {str(server).splitlines()[0][:200]}" if detail else str(server).splitlines()[0][:200]
    name = type(exc).__name__
    reason = f"{name}" + (f" ({detail})" if detail else "")
    if isinstance(exc, hf_errors.GatedRepoError):
        return FetchFailure("gated", reason, http_status=status, source=source)
    if isinstance(
        exc, (hf_errors.RepositoryNotFoundError, hf_errors.RevisionNotFoundError, hf_errors.DisabledRepoError)
    ):
        return FetchFailure("not_found_or_private", reason, http_status=status, source=source)
    if isinstance(exc, hf_errors.HfHubHTTPError):
        if status in (401, 403, 404):
            return FetchFailure("not_found_or_private", reason, http_status=status, source=source)
        if status == 429:
            return FetchFailure("rate_limited", reason, http_status=status, source=source)
        if status and status >= 500:
            return FetchFailure("server_error", reason, http_status=status, source=source)
        return FetchFailure("other", reason, http_status=status, source=source)
    if isinstance(exc, httpx2.TransportError):
        return FetchFailure("network_error", name, source=source)
    if isinstance(exc, (KeyError, ValueError, TypeError, AttributeError)):
        return FetchFailure("malformed", f"{name}: unexpected record shape", http_status=status, source=source)
    return FetchFailure("other", name, http_status=status, source=source)


def _listing_problem(repo_type: str, repo_id: str | None, outcome: str, reason: str, source: str) -> dict:
    """A fetch_log row for a listing record that was not kept."""
    return {
        "step": f"list_{repo_type}s",
        "repo_type": repo_type,
        "repo_id": repo_id,
        "outcome": outcome,
        "reason": reason,
        "http_status": None,
        "attempts": 1,
        "source": source,
    }


def _bar(enabled: bool, **kw: Any) -> Any:
    from tqdm import tqdm

    return tqdm(disable=not enabled, file=sys.stderr, dynamic_ncols=True, mininterval=0.5, **kw)


class Collector:
    def __init__(self, opts: Options):
        self.o = opts
        self.stats = Stats()
        self.rate = RateController(opts.max_rate)
        self.t0 = time.monotonic()
        self.prior_runs: list[dict] = []
        self._abort = threading.Event()

    # -- checkpoint ------------------------------------------------------------
    def open_checkpoint(self) -> None:
        from analysis.snapshot import is_complete

        o = self.o
        if is_complete(o.out):
            left = f" (its leftover checkpoint {o.checkpoint} may be deleted)" if o.checkpoint.exists() else ""
            raise CollectError(
                f"{o.out}: snapshot {o.snapshot_id!r} is complete and is never overwritten; "
                f"choose a new --snapshot-id{left}"
            )
        o.checkpoint.mkdir(parents=True, exist_ok=True)
        plan_path = o.checkpoint / "plan.json"
        plan = o.plan()
        if plan_path.exists():
            saved = json.loads(plan_path.read_text(encoding="utf-8"))
            if o.snapshot_date is None:
                plan["snapshot_date"] = saved.get("snapshot_date")
            diff = [k for k in PLAN_KEYS if saved.get(k) != plan.get(k)]
            if diff:
                raise CollectError(
                    f"{plan_path}: the checkpoint of {o.snapshot_id!r} was made with different parameters "
                    f"({', '.join(f'{k}: {saved.get(k)!r} vs {plan.get(k)!r}' for k in diff)}); "
                    "rerun with the same parameters to resume, or delete the checkpoint directory to start again"
                )
            self.resumed = True
        else:
            if plan["snapshot_date"] is None:
                plan["snapshot_date"] = _today()
            atomic_write_json(plan_path, plan, sort_keys=True)
            self.resumed = False
        self.plan = plan
        self.listing = Journal(o.checkpoint / "listing.jsonl", transform=_page_mem)
        self.tasks = Journal(o.checkpoint / "tasks.jsonl", transform=_task_mem)
        self.runs = Journal(o.checkpoint / "runs.jsonl")
        self.prior_runs = list(self.runs.records)
        self.invocation = 1 + sum(1 for r in self.prior_runs if "start" in r)
        self.runs.append({"start": self.invocation})
        self.this_run = {"inv": self.invocation, "requests": 0, "retries": {}, "seconds": 0.0}

    # -- listings --------------------------------------------------------------
    def _list_one(self, repo_type: str, api: Any, bar: Any) -> None:
        from huggingface_hub.utils import _http

        pages = [r for r in self.listing.records if r["type"] == repo_type]
        bar.update(sum(p["n"] for p in pages))
        if pages and pages[-1]["next"] is None:
            return
        base = f"{self.o.endpoint}/api/{repo_type}s"
        if pages:
            url, params = pages[-1]["next"], None
        else:
            expand = list(EXPAND[repo_type])
            if repo_type == "space" and self.o.adoption == "spaces-listing":
                expand.append("models")
            url, params = base, [("expand", e) for e in expand]
        page_no = len(pages)
        while url is not None:
            if self._abort.is_set():  # another listing failed: stop, the journal keeps our place
                return
            headers = api._build_hf_headers()
            try:
                r = _http.get_session().get(url, params=params, headers=headers)
                _http.hf_raise_for_status(r)
                items = r.json()
                if not isinstance(items, list):
                    raise ValueError("listing page is not a JSON list")
            except Exception as exc:  # noqa: BLE001 - mapped to an outcome, re-raised as CollectError
                self._abort.set()
                f = _hf_failure(exc, urlsplit(url).path)
                raise CollectError(
                    f"listing {repo_type}s failed at page {page_no + 1}: {f}; rerun the same command to resume"
                ) from None
            nxt = r.links.get("next", {}).get("url")
            if nxt is not None and not nxt.startswith(("http://", "https://")):
                nxt = f"{self.o.endpoint}{nxt if nxt.startswith('/') else '/' + nxt}"
            rows, edges = [], []
            for it in items:
                try:
                    rows.append(repo_row(it, repo_type))
                except (KeyError, TypeError, ValueError, AttributeError):
                    rows.append({"_malformed": str(it.get("id") if isinstance(it, dict) else None)})
                    continue
                if repo_type == "space" and self.o.adoption == "spaces-listing":
                    edges.append([it["id"], _space_model_ids(it)])
            rec = {"type": repo_type, "page": page_no, "next": nxt, "rows": rows}
            if edges:
                rec["edges"] = edges
            self.listing.append(rec)
            self.listing.records.append(_page_mem(rec))  # one writer per type; list.append is atomic
            bar.update(len(items))
            if repo_type == self.o.repo_types[0]:
                self.record_run(final=False)
            page_no += 1
            url, params = nxt, None
        self.listing.sync()

    def run_listings(self, api: Any) -> None:
        types = self.o.repo_types
        bars = {t: _bar(self.o.progress, desc=f"list {t}s", unit=" repos", position=i) for i, t in enumerate(types)}
        try:
            with ThreadPoolExecutor(max_workers=len(types)) as pool:
                futs = [pool.submit(self._list_one, t, api, bars[t]) for t in types]
                for f in futs:
                    f.result()
        finally:
            for b in bars.values():
                b.close()

    def listed(self) -> dict[str, pa.Table]:
        """Listing rows per type (Arrow), de-duplicated by id (first seen kept)."""
        parts: dict[str, list[pa.Table]] = {t: [] for t in self.o.repo_types}
        self.listing_problems: list[dict] = []
        seen: dict[str, set] = {t: set() for t in self.o.repo_types}
        for rec in sorted(self.listing.records, key=lambda r: (r["type"], r["page"])):
            t = rec["type"]
            src = f"/api/{t}s page {rec['page'] + 1}"
            for rid in rec["malformed"]:
                self.listing_problems.append(
                    _listing_problem(t, rid, "malformed", "listing record without a usable id/fields", src)
                )
            table = rec["table"]
            keep = []
            for rid in table.column("id").to_pylist():
                if rid in seen[t]:
                    keep.append(False)
                    self.listing_problems.append(
                        _listing_problem(
                            t,
                            rid,
                            "duplicate",
                            "repository listed twice (the listing moved while it was paged); first kept",
                            src,
                        )
                    )
                else:
                    keep.append(True)
                    seen[t].add(rid)
            parts[t].append(table if all(keep) else table.filter(pa.array(keep)))
        return {t: (pa.concat_tables(p) if p else SCHEMAS[REPO_TABLES[t]].empty_table()) for t, p in parts.items()}

    # -- selection ---------------------------------------------------------------
    def select(self, listed: dict[str, pa.Table]) -> dict[str, list[str]]:
        o = self.o
        chosen: dict[str, list[str]] = {}
        for t, table in listed.items():
            ids = sorted(table.column("id").to_pylist())
            if o.select == "all":
                chosen[t] = ids
            elif o.select == "sample":
                k = min(o.n or 0, len(ids))
                seed = int.from_bytes(hashlib.sha256(f"{o.seed}:{t}".encode()).digest()[:8], "big")
                chosen[t] = sorted(random.Random(seed).sample(ids, k))
            else:
                col = "downloads" if (o.select == "top-downloads" and t != "space") else "likes"
                pairs = zip(table.column(col).to_pylist(), table.column("id").to_pylist())
                ranked = sorted(pairs, key=lambda p: (-(p[0] if p[0] is not None else -1), p[1]))
                chosen[t] = sorted(rid for _, rid in ranked[: o.n or 0])
        return chosen

    # -- per-repository steps ------------------------------------------------------
    def _do_task(self, api: Any, step: str, repo_type: str, repo_id: str) -> dict:
        key = [step, repo_type, repo_id]
        source = None
        try:
            if step == "commits":
                source = f"/api/{repo_type}s/{repo_id}/commits/main"
                commits = api.list_repo_commits(repo_id, repo_type=repo_type)
                rows = [[c.commit_id, to_ms(c.created_at), list(c.authors), c.title] for c in commits]
                return {"k": key, "rows": rows}
            if step == "discussions":
                source = f"/api/{repo_type}s/{repo_id}/discussions"
                rows = []
                for d in api.get_repo_discussions(repo_id, repo_type=repo_type):
                    author = None if d.author in (None, "deleted") else d.author
                    rows.append([d.num, author, bool(d.is_pull_request), d.status, to_ms(d.created_at), d.title])
                return {"k": key, "rows": rows}
            if step == "model_spaces":
                source = f"/api/models/{repo_id}"
                info = api.model_info(repo_id)
                spaces = sorted(set(info.spaces or []))
                return {"k": key, "rows": spaces}
            if step == "owner":
                source = f"/api/organizations/{repo_id}/overview"
                try:
                    api.get_organization_overview(repo_id)
                    kind = "organization"
                except Exception as exc:  # noqa: BLE001
                    resp = getattr(exc, "response", None)
                    if resp is not None and getattr(resp, "status_code", None) == 404:
                        kind = "user"
                    else:
                        raise
                return {"k": key, "kind": kind}
            raise ValueError(f"unknown step {step}")
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, none stops the run
            f = _hf_failure(exc, source)
            return {
                "k": key,
                "fail": {
                    "outcome": f.outcome,
                    "reason": f.reason,
                    "http_status": f.http_status,
                    "attempts": f.attempts,
                    "source": f.source or source,
                },
            }

    def run_tasks(self, api: Any, tasks: list[tuple[str, str, str]], desc: str) -> int:
        """Run tasks concurrently; journal each as it finishes. Returns the number run now."""
        done = {tuple(r["k"]) for r in self.tasks.records}
        todo = [t for t in tasks if t not in done]
        if not tasks:
            return 0
        bar = _bar(self.o.progress, desc=desc, total=len(tasks), initial=len(tasks) - len(todo), unit=" repos")
        pending: set = set()
        try:
            with ThreadPoolExecutor(max_workers=self.o.concurrency) as pool:
                try:
                    ran = self._task_loop(iter(todo), pool, pending, api, bar)
                except BaseException:
                    for f in pending:  # Ctrl-C or a bug: do not start what is still queued
                        f.cancel()
                    raise
        finally:
            bar.close()
        self.tasks.sync()
        return ran

    def _task_loop(self, todo: Iterator, pool: ThreadPoolExecutor, pending: set, api: Any, bar: Any) -> int:
        """At most ``4 x concurrency`` tasks queued at once; results journaled by this thread only."""
        window = self.o.concurrency * 4
        fails: Counter[str] = Counter()
        ran = 0
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                t = next(todo, None)
                if t is None:
                    exhausted = True
                    break
                pending.add(pool.submit(self._do_task, api, *t))
            if not pending:
                return ran
            finished, _ = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            pending.difference_update(finished)
            for fut in finished:
                rec = fut.result()
                self.tasks.append(rec)
                self.tasks.records.append(_task_mem(rec))
                ran += 1
                if "fail" in rec:
                    fails[rec["fail"]["outcome"]] += 1
                bar.update(1)
            bar.set_postfix(retries=self.stats.total_retries(), failed=sum(fails.values()), refresh=False)
            self.record_run(final=False)

    def owner_candidates(self, listed: dict[str, pa.Table], edges: list[tuple[str, str]]) -> list[str]:
        n = self.o.owner_kinds_top
        if n <= 0 or "model" not in listed:
            return []
        used = Counter(m for _, m in edges)
        t = listed["model"]
        models = {
            rid: {"owner": own, "downloads": d}
            for rid, own, d in zip(
                t.column("id").to_pylist(), t.column("owner").to_pylist(), t.column("downloads").to_pylist()
            )
            if rid in used
        }
        ranked = sorted(
            (mid for mid in used if mid in models),
            key=lambda m: (-used[m], -(models[m].get("downloads") or 0), m),
        )
        owners: list[str] = []
        for mid in ranked[:n]:
            own = models[mid]["owner"]
            if own and own not in owners:
                owners.append(own)
        return sorted(owners)

    # -- the whole run ---------------------------------------------------------------
    def run(self) -> Path:
        from huggingface_hub import HfApi, get_token

        o = self.o
        self.open_checkpoint()
        authenticated = get_token() is not None
        self.authenticated = authenticated
        transport = make_transport(self.rate, o.retry, self.stats, o.concurrency, o.endpoint)
        try:
            with HubSession(transport):
                api = HfApi(endpoint=o.endpoint, library_name="hf-hub-activity")
                self.run_listings(api)
                listed = self.listed()
                chosen = self.select(listed)
                self.chosen = chosen
                tasks: list[tuple[str, str, str]] = []
                for step in o.steps:
                    for t in o.repo_types:
                        tasks += [(step, t, rid) for rid in chosen[t]]
                if o.adoption == "model-info" and "model" in o.repo_types:
                    tasks += [("model_spaces", "model", rid) for rid in chosen["model"]]
                for step in dict.fromkeys(k[0] for k in tasks):  # one bar per step
                    self.run_tasks(api, [k for k in tasks if k[0] == step], step)
                edges = self.space_model_edges()
                owners = self.owner_candidates(listed, edges)
                self.run_tasks(api, [("owner", "owner", own) for own in owners], "owners")
        finally:
            self.record_run()
        return self.finish(listed, tasks, owners, edges)

    def record_run(self, final: bool = True) -> None:
        """Journal this invocation's request counters (periodically, and at its end)."""
        now = time.monotonic()
        if not final and now - getattr(self, "_last_stats", 0.0) < 2.0:
            return
        self._last_stats = now
        with self.stats.lock:
            rec = {
                "inv": self.invocation,
                "requests": self.stats.requests,
                "retries": dict(self.stats.retries),
                "status": {str(k): v for k, v in self.stats.status.items()},
                "wait_429_s": round(self.stats.waited_429, 3),
                "seconds": round(now - self.t0, 3),
            }
        self.runs.append(rec)
        if final:
            self.runs.sync()
        self.this_run = rec

    def all_runs(self) -> list[dict]:
        """The last counters journaled by each invocation (a killed one: its last periodic record)."""
        last: dict[int, dict] = {}
        for r in self.prior_runs + [self.this_run]:
            if "inv" in r and "requests" in r:
                last[r["inv"]] = r
        return [last[k] for k in sorted(last)]

    def space_model_edges(self) -> list[tuple[str, str]]:
        edges: set[tuple[str, str]] = set()
        if self.o.adoption == "spaces-listing":
            for rec in self.listing.records:
                for space, models in rec["edges"]:
                    edges.update((space, m) for m in models)
        else:
            for rec in self.tasks.records:
                if rec["k"][0] == "model_spaces" and "rows" in rec:
                    edges.update((s, rec["k"][2]) for s in rec["rows"])
        return sorted(edges)

    # -- writing the snapshot --------------------------------------------------------
    def build_tables(
        self, listed: dict[str, pa.Table], tasks: list[tuple], owners: list[str], edges: list[tuple[str, str]]
    ) -> dict[str, pa.Table]:
        """The snapshot's tables, streamed from the journals, de-duplicated and sorted by key."""
        o = self.o
        wanted = set(tasks) | {("owner", "owner", own) for own in owners}
        tables: dict[str, pa.Table] = {}
        for t in REPO_TYPES:
            name = REPO_TABLES[t]
            tables[name] = (
                listed[t].sort_by("id").combine_chunks()
                if t in listed and listed[t].num_rows
                else SCHEMAS[name].empty_table()
            )
        commits = _Chunked("commits", [pa.field("_ord", pa.int64())])
        discussions = _Chunked("discussions")
        coverage = _Chunked("repo_coverage")
        log, owner_rows = list(self.listing_problems), []
        seen: set[tuple] = set()
        for rec in self.tasks.iter_file():
            k = tuple(rec["k"])
            if k in seen or k not in wanted:
                continue  # first record wins (a step is journaled once; a rerun's extras are ignored)
            seen.add(k)
            step, rt, rid = k
            if "fail" in rec:
                log.append(
                    {
                        "step": "owners" if step == "owner" else step,
                        "repo_type": None if step == "owner" else rt,
                        "repo_id": rid,
                        **rec["fail"],
                    }
                )
                continue
            if step == "owner":
                owner_rows.append({"owner": rid, "kind": rec["kind"]})
                continue
            items = 0
            if step == "commits":
                ids: set[str] = set()
                for i, (cid, date, authors, title) in enumerate(rec["rows"]):
                    if cid in ids:
                        continue
                    ids.add(cid)
                    items += 1
                    commits.add(
                        {
                            "repo_type": rt,
                            "repo_id": rid,
                            "commit_id": cid,
                            "date": date,
                            "authors": authors,
                            "title": title,
                            "_ord": i,
                        }
                    )
            elif step == "discussions":
                nums: set[int] = set()
                for num, author, is_pr, status, created, title in rec["rows"]:
                    if num in nums:
                        continue
                    nums.add(num)
                    items += 1
                    discussions.add(
                        {
                            "repo_type": rt,
                            "repo_id": rid,
                            "number": num,
                            "author": author,
                            "is_pull_request": is_pr,
                            "status": status,
                            "created_at": created,
                            "title": title,
                        }
                    )
            else:  # model_spaces
                items = len(set(rec["rows"]))
            coverage.add({"repo_type": rt, "repo_id": rid, "step": step, "items": items})
        if o.adoption == "spaces-listing" and "space" in o.repo_types:
            seen_s: set[str] = set()
            for rec in sorted(self.listing.records, key=lambda r: (r["type"], r["page"])):
                for space, models in rec["edges"]:
                    if space in seen_s:
                        continue
                    seen_s.add(space)
                    coverage.add(
                        {"repo_type": "space", "repo_id": space, "step": "space_models", "items": len(set(models))}
                    )
        log.sort(key=lambda r: (r["step"], r["repo_type"] or "", r["repo_id"] or "", r["outcome"]))
        # repositories sorted; the API's order (newest first) within a repository
        tables["commits"] = commits.table(["repo_type", "repo_id", "_ord"]).drop_columns(["_ord"])
        tables["discussions"] = discussions.table(["repo_type", "repo_id", "number"])
        tables["space_models"] = _arrow("space_models", [{"space_id": s, "model_id": m} for s, m in edges])
        tables["repo_coverage"] = coverage.table(["repo_type", "repo_id", "step"])
        tables["owners"] = _arrow("owners", sorted(owner_rows, key=lambda r: r["owner"]))
        tables["fetch_log"] = _arrow("fetch_log", log)
        return tables

    def coverage(self, tables: dict[str, pa.Table], tasks: list[tuple]) -> dict[str, dict]:
        o = self.o
        cov: dict[str, dict] = {}
        ep = _redact_endpoint(o.endpoint)
        for t in REPO_TYPES:
            name = REPO_TABLES[t]
            if t in o.repo_types:
                cov[name] = {
                    "scope": "all",
                    "rows": tables[name].num_rows,
                    "note": f"every {t} the listing of {ep} returned on {self.plan['snapshot_date']}",
                }
            else:
                cov[name] = {"scope": "none", "note": f"{t}s not collected (--repo-types)"}
        scope = {"all": "all", "sample": "sample"}.get(o.select, "subset")
        selection = {
            "mode": o.select,
            "n_per_repo_type": o.n,
            "seed": o.seed if o.select == "sample" else None,
            "repositories": {t: len(self.chosen[t]) for t in o.repo_types},
        }
        wanted = set(tasks)
        ok = {tuple(r["k"]) for r in self.tasks.records if "fail" not in r} & wanted
        for step in STEP_CHOICES:
            if step in o.steps:
                attempted = sum(1 for k in wanted if k[0] == step)
                covered = sum(1 for k in ok if k[0] == step)
                cov[step] = {
                    "scope": scope,
                    "rows": tables[step].num_rows,
                    "selection": selection,
                    "repo_types": list(o.repo_types),
                    "repositories_attempted": attempted,
                    "repositories_covered": covered,
                    "note": "per repository: see repo_coverage (successes) and fetch_log (failures)",
                }
            else:
                cov[step] = {"scope": "none", "note": f"{step} not collected (--steps)"}
        if o.adoption == "spaces-listing":
            cov["space_models"] = (
                {
                    "scope": "all",
                    "method": "spaces-listing",
                    "rows": tables["space_models"].num_rows,
                    "note": "models each listed space uses (expand=models of the spaces listing)",
                }
                if "space" in o.repo_types
                else {"scope": "none", "note": "spaces not listed, so no adoption edges"}
            )
        else:
            cov["space_models"] = (
                {
                    "scope": scope,
                    "method": "model-info",
                    "selection": selection,
                    "rows": tables["space_models"].num_rows,
                    "note": "spaces using each selected model (one model_info per model)",
                }
                if "model" in o.repo_types
                else {"scope": "none", "note": "models not listed"}
            )
        cov["repo_coverage"] = {"scope": "all", "rows": tables["repo_coverage"].num_rows}
        cov["owners"] = (
            {
                "scope": "subset",
                "rows": tables["owners"].num_rows,
                "top_models": o.owner_kinds_top,
                "note": f"owners of the {o.owner_kinds_top} models used by the most spaces",
            }
            if o.owner_kinds_top
            else {"scope": "none", "note": "not collected (--owner-kinds-top 0)"}
        )
        cov["fetch_log"] = {"scope": "all", "rows": tables["fetch_log"].num_rows}
        return cov

    def finish(self, listed: dict, tasks: list[tuple], owners: list[str], edges: list[tuple[str, str]]) -> Path:
        from huggingface_hub import __version__ as hf_version

        from analysis.snapshot import SnapshotWriter

        o = self.o
        tables = self.build_tables(listed, tasks, owners, edges)
        cov = self.coverage(tables, tasks)
        params = {k: v for k, v in self.plan.items() if k not in ("snapshot_id", "snapshot_date")}
        params["huggingface_hub"] = hf_version
        params["expand"] = EXPAND
        w = SnapshotWriter(
            o.out, o.snapshot_id, snapshot_date=self.plan["snapshot_date"], source_kind="hub", source_parameters=params
        )
        for name, table in tables.items():
            w.write_table(name, table)
        runs = self.all_runs()
        notes = [
            "Collected with python -m analysis collect; listings with expand (one request per page).",
            "Timestamps UTC (ms); license = first license: tag; a discussion author reported as "
            "'deleted' (no author in the API's record) is null; spaces have null downloads.",
        ]
        extra = {
            "collect": {
                "invocations": self.invocation,
                "requests": sum(r["requests"] for r in runs),
                "retries": sum(sum(r["retries"].values()) for r in runs),
                "authenticated": bool(self.authenticated),
            }
        }
        w.finish(cov, notes=notes, extra=extra)
        self.tables = tables
        self.runs.close()
        self.listing.close()
        self.tasks.close()
        shutil.rmtree(o.checkpoint, ignore_errors=True)
        return o.out

    def summary(self) -> str:
        runs = self.all_runs()
        req = sum(r["requests"] for r in runs)
        retries: Counter[str] = Counter()
        for r in runs:
            retries.update(r["retries"])
        fails = Counter()
        if hasattr(self, "tables"):
            fl = self.tables["fetch_log"].column("outcome").to_pylist()
            fails.update(fl)
        secs = sum(r["seconds"] for r in runs)
        lines = [
            f"snapshot {self.o.snapshot_id} written to {self.o.out}",
            f"  requests: {req:,} over {self.invocation} invocation(s) ({self.this_run['requests']:,} in this one), "
            f"retries: {sum(retries.values()):,}"
            + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(retries.items()))})" if retries else ""),
            "  failures by outcome: " + (", ".join(f"{k}: {v}" for k, v in sorted(fails.items())) or "none"),
            f"  time: {secs:.1f} s (this invocation {self.this_run['seconds']:.1f} s)",
        ]
        if hasattr(self, "tables"):
            lines.append("  rows: " + ", ".join(f"{k} {v.num_rows:,}" for k, v in self.tables.items()))
        return "\n".join(lines)


def _arrow(name: str, rows: list[dict]) -> pa.Table:
    schema = SCHEMAS[name]
    if not rows:
        return schema.empty_table()
    batches = []
    step = 50_000
    for i in range(0, len(rows), step):
        batches.append(pa.Table.from_pylist(rows[i : i + step], schema=schema))
    return pa.concat_tables(batches).combine_chunks()


# --------------------------------------------------------------------------- #
# entry point
# --------------------------------------------------------------------------- #


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        opts = parse_args(argv)
    except CollectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:
        return int(exc.code or 0)
    collector = Collector(opts)
    try:
        collector.run()
    except CollectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, no traceback, never the token
        from analysis.snapshot import SnapshotError

        kind = "snapshot" if isinstance(exc, SnapshotError) else type(exc).__name__
        print(f"error: {kind}: {_scrub(str(exc))}; rerun the same command to resume", file=sys.stderr)
        return 1
    print(collector.summary(), file=sys.stderr)
    return 0


def _scrub(text: str) -> str:
    """Remove the token from a message, should any library ever put it there."""
    try:
        from huggingface_hub import get_token

        tok = get_token()
    except Exception:  # noqa: BLE001
        tok = None
    if tok:
        text = text.replace(tok, "<token>")
    return text.splitlines()[0][:500] if text else text


if __name__ == "__main__":
    raise SystemExit(main())
