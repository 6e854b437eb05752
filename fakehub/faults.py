"""The fake Hub's faults: the rate-limit window, injected faults (``fault_every``/``fault_rate``:
429, 503, a dropped connection), and the failures a snapshot records in ``fetch_log``, replayed on
every matching request.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pyarrow as pa

from fakehub.api import _Drop, _Malformed, _Reply

_sleep = time.sleep  # bound at import: tests may patch time.sleep for the client
_monotonic = time.monotonic

FAULT_KINDS = ("429", "503", "drop")

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


def _failures_of(log: pa.Table) -> dict[tuple[str, str, str], tuple[str, int | None]]:
    """``{(repo type, repo id, endpoint kind): (outcome, http status)}`` of the rows of ``fetch_log``
    that name a repository and a step the server answers (the first row of each)."""
    failures: dict[tuple[str, str, str], tuple[str, int | None]] = {}
    for row in log.to_pylist():
        endpoint = _STEP_ENDPOINT.get(row["step"])
        if endpoint is None or not row["repo_id"]:
            continue
        rt = row["repo_type"] or "model"
        failures.setdefault((rt, row["repo_id"], endpoint), (row["outcome"], row["http_status"]))
    return failures


class _FaultInjection:
    """The rate-limit window and the injected faults of a ``FakeHub`` (a part of it)."""

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

    def _injected(self, kind: str, extra: dict[str, str]) -> None:
        """Raise the injected fault ``kind``: a 429 (with its headers), a 503, or a dropped connection."""
        if kind == "429":
            headers = {**extra, **self._ratelimit_headers(0, self.retry_after)}
            headers["Retry-After"] = str(self.retry_after)
            raise _Reply(429, "Too Many Requests (injected)", headers=headers)
        if kind == "503":
            raise _Reply(503, "Service Unavailable (injected)", headers=extra)
        raise _Drop()


def _snapshot_failure(hub: Any, rt: str, repo_id: str, kind: str, has_auth: bool) -> None:
    """Fail a request as the snapshot's ``fetch_log`` says this one failed (if it does)."""
    fail = hub.failures.get((rt, repo_id, kind))
    if fail is None:
        return
    outcome, status = fail
    if outcome in ("duplicate", "other"):
        return
    with hub._stats.lock:
        hub._stats.snapshot_failures += 1
    if outcome == "not_found_or_private":
        raise _not_found(hub, has_auth)
    if outcome == "gated":
        raise _Reply(
            403 if has_auth else 401,
            f"Access to {rt} {repo_id} is restricted. You must have access to it and be authenticated to access it.",
            code="GatedRepo",
        )
    if outcome == "rate_limited":
        headers = hub._ratelimit_headers(0, hub.retry_after)
        headers["Retry-After"] = str(hub.retry_after)
        raise _Reply(429, "Too Many Requests", headers=headers)
    if outcome == "server_error":
        raise _Reply(status if status and 500 <= status < 600 else 500, "Internal Error")
    if outcome == "network_error":
        raise _Drop()
    if outcome == "malformed":
        raise _Malformed()


def _not_found(hub: Any, has_auth: bool) -> _Reply:
    """The answer for a missing repository (401 to anonymous requests with ``anonymous_401``)."""
    if hub.anonymous_401 and not has_auth:
        return _Reply(401, "Invalid username or password.", code="RepoNotFound")
    return _Reply(404, "Repository not found", code="RepoNotFound")
