"""The fake Hub's routes: one request handler answering every endpoint of the Hub's API it serves
(listings, repository info, commits, discussions, owner overviews, whoami), counting each request and
applying the rate limit, injected faults and the snapshot's failures before it answers.
"""

from __future__ import annotations

import json
import math
import socket
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from analysis.snapshot.schema import REPO_TYPES
from analysis.sources import hubapi
from fakehub.api import (
    _PLURAL,
    INFO_DEFAULT,
    _Drop,
    _encode_cursor,
    _expand_params,
    _fields_asked,
    _Malformed,
    _object_id,
    _page_number,
    _Reply,
)
from fakehub.faults import _not_found, _sleep, _snapshot_failure
from fakehub.index import _ListingQuery, _RepoIndex


class _Handler(BaseHTTPRequestHandler):
    hub: Any  # the FakeHub served (set on a subclass by FakeHub.start)
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
                hub._injected(fault, extra)
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
                raise _not_found(hub, has_auth)
            _snapshot_failure(hub, rt, repo_id, kind, has_auth)
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

    @staticmethod
    def _check_revision(index: _RepoIndex, row: int, rev: str | None) -> None:
        if rev in ("main", None):
            return
        sha = index.table.column("sha")[row].as_py()
        if sha is not None and rev == sha:
            return
        raise _Reply(404, f"Invalid rev id: {rev}", code="RevisionNotFound")

    def _list(self, plural: str, raw_parts: list[str], query: list[tuple[str, str]]) -> tuple[Any, dict[str, str]]:
        """A listing page; a ``Link`` to the next one (a cursor) while more remain."""
        rt = _PLURAL[plural]
        q = _ListingQuery.parse(rt, query, self.hub.page_size)
        items, next_offset = q.items(self.hub.repos[rt])
        if next_offset is None:
            return items, {}
        rest = [(k, v) for k, v in query if k not in ("cursor", "limit")]
        return items, self._next_link(
            raw_parts, rest + [("limit", str(q.page)), ("cursor", _encode_cursor(next_offset))]
        )

    def _info(self, index: _RepoIndex, row: int, query: list[tuple[str, str]]) -> dict[str, Any]:
        fields = _fields_asked(index.repo_type, query, INFO_DEFAULT[index.repo_type])
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
