"""Transport and pacing: one HTTP transport below ``huggingface_hub`` paces every request,
retries 429/5xx/network faults (one layer of retries only) and counts what it did."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

RETRY_STATUS = (408, 500, 502, 503, 504)


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


class Interrupted(Exception):
    """The run was stopped (Ctrl-C): a request not made. Never journaled as a failure."""


def interrupted(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it, through huggingface_hub's wrappers) is a stopped run."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, Interrupted):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


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
        self.on_request: Any = None  # called for every request, before it is sent (the checkpoint's tally)
        self.requests = 0
        self.retries: Counter[str] = Counter()
        self.status: Counter[int] = Counter()
        self.waited_429 = 0.0

    def add(self, what: str, key: Any = None, n: float = 1) -> None:
        with self.lock:
            if what == "request":
                self.requests += 1
                if self.on_request is not None:
                    self.on_request()
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

    def __init__(self, max_rate: float | None, stop: threading.Event | None = None):
        self.lock = threading.Lock()
        self.ceiling = max_rate if max_rate and max_rate > 0 else None
        self.rate = self.ceiling
        self.policy: tuple[int, int] | None = None
        self.next_slot = time.monotonic()
        self.paused_until = 0.0
        self.stop = stop or threading.Event()  # set on Ctrl-C: every wait ends at once

    def sleep(self, seconds: float) -> None:
        """Sleep in short slices, raising :class:`Interrupted` as soon as the run is stopped."""
        left = seconds
        while left > 0:
            if self.stop.is_set():
                raise Interrupted()
            chunk = min(0.1, left)
            time.sleep(chunk)
            left -= chunk
        if self.stop.is_set():
            raise Interrupted()

    def acquire(self) -> None:
        with self.lock:
            now = time.monotonic()
            t = max(now, self.next_slot, self.paused_until)
            self.next_slot = t + (1.0 / self.rate if self.rate else 0.0)
        if t > now:
            self.sleep(t - now)
        elif self.stop.is_set():
            raise Interrupted()

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
                    rate.sleep(self._backoff(failures))
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
                    rate.sleep(float(ra) if ra is not None and ra < policy.cap else self._backoff(failures))
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
