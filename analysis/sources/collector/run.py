"""The run: listings, selection, per-repository steps, owner kinds, and the snapshot written at the end."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from analysis.snapshot import atomic_write_json
from analysis.snapshot.lock import FolderBusy, FolderLock
from analysis.snapshot.schema import REPO_TABLES, REPO_TYPES, SCHEMAS, Selection, coverage, listing_coverage
from analysis.sources.collector.journal import Journal, Tally
from analysis.sources.collector.options import (
    PLAN_KEYS,
    STEP_CHOICES,
    CollectError,
    Options,
    _redact_endpoint,
    _today,
    parse_args,
)
from analysis.sources.collector.transport import (
    HubSession,
    Interrupted,
    RateController,
    Stats,
    _hf_failure,
    make_transport,
)
from analysis.sources.hubapi import (
    EXPAND,
    RecordError,
    commit_row,
    discussion_row,
    latest_plausible,
    repo_row,
    space_model_ids,
)


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
        "malformed": [(r["_malformed"], r.get("_reason")) for r in rec["rows"] if "_malformed" in r],
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


def _interrupted(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it, through huggingface_hub's wrappers) is a stopped run."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, Interrupted):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


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
        self.stop = threading.Event()  # Ctrl-C: listings and requests end at once, nothing journaled
        self.rate = RateController(opts.max_rate, self.stop)
        self.t0 = time.monotonic()
        self.prior_runs: list[dict] = []
        self._abort = threading.Event()
        self.latest = latest_plausible()  # value rules: no timestamp later than this

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
        self.listing = Journal(o.checkpoint / "listing.jsonl", transform=_page_mem, on_bad="truncate")
        self.tasks = Journal(o.checkpoint / "tasks.jsonl", transform=_task_mem)
        self.runs = Journal(o.checkpoint / "runs.jsonl")
        self.prior_runs = list(self.runs.records)
        self.invocation = 1 + sum(1 for r in self.prior_runs if "start" in r)
        self.runs.append({"start": self.invocation})
        self.tally = Tally(self._tally_path(self.invocation))  # every request, even after kill -9
        self.stats.on_request = self.tally.add
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
            if self._abort.is_set() or self.stop.is_set():  # stopped: the journal keeps our place
                return
            headers = api._build_hf_headers()
            try:
                r = _http.get_session().get(url, params=params, headers=headers)
                _http.hf_raise_for_status(r)
                items = r.json()
                if not isinstance(items, list):
                    raise ValueError("listing page is not a JSON list")
            except Exception as exc:  # noqa: BLE001 - mapped to an outcome, re-raised as CollectError
                if self.stop.is_set() or _interrupted(exc):
                    return  # Ctrl-C: not a failure of the listing
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
                    rows.append(repo_row(it, repo_type, self.latest))
                except RecordError as exc:
                    rid = it.get("id") if isinstance(it, dict) else None
                    rows.append({"_malformed": rid if isinstance(rid, str) else None, "_reason": str(exc)})
                    continue
                if repo_type == "space" and self.o.adoption == "spaces-listing":
                    edges.append([it["id"], space_model_ids(it)])
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
        pool = ThreadPoolExecutor(max_workers=len(types))
        try:
            futs = [pool.submit(self._list_one, t, api, bars[t]) for t in types]
            for f in futs:
                f.result()
        except BaseException:
            self.stop.set()  # Ctrl-C (or a failed listing): the other listings stop at their next request
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
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
            for rid, reason in rec["malformed"]:
                self.listing_problems.append(
                    _listing_problem(t, rid, "malformed", reason or "listing record without a usable id/fields", src)
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
                rows = [commit_row(c.commit_id, c.created_at, c.authors, c.title) for c in commits]
                return {"k": key, "rows": rows}
            if step == "discussions":
                source = f"/api/{repo_type}s/{repo_id}/discussions"
                rows = []
                for d in api.get_repo_discussions(repo_id, repo_type=repo_type):
                    rows.append(discussion_row(d.num, d.author, d.is_pull_request, d.status, d.created_at, d.title))
                return {"k": key, "rows": rows}
            if step == "model_spaces":
                source = f"/api/models/{repo_id}"
                info = api.model_info(repo_id)
                spaces = sorted(set(info.spaces or []))
                return {"k": key, "rows": spaces}
            if step == "owner":
                # a kind is recorded only from a positive answer: the organisation's overview, or
                # else the user's; 404 from both is a failure (a deleted or renamed owner)
                source = f"/api/organizations/{repo_id}/overview"
                try:
                    api.get_organization_overview(repo_id)
                    return {"k": key, "kind": "organization"}
                except Exception as exc:  # noqa: BLE001
                    resp = getattr(exc, "response", None)
                    if resp is None or getattr(resp, "status_code", None) != 404:
                        raise
                source = f"/api/users/{repo_id}/overview"
                api.get_user_overview(repo_id)
                return {"k": key, "kind": "user"}
            raise ValueError(f"unknown step {step}")
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, none stops the run
            if self.stop.is_set() or _interrupted(exc):
                raise Interrupted() from None  # not a failure of the repository: redone on resume
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

    def _kept(self) -> dict[tuple, int]:
        """Per task, the index of its journaled record that counts: the first success, else the
        last failure (``--retry-failed`` appends new attempts after a failure)."""
        kept: dict[tuple, int] = {}
        for i, r in enumerate(self.tasks.records):
            k = tuple(r["k"])
            j = kept.get(k)
            if j is None or "fail" in self.tasks.records[j]:
                kept[k] = i
        return kept

    def run_step(self, api: Any, tasks: list[tuple[str, str, str]], desc: str) -> None:
        """One step's tasks; with ``--retry-failed`` the failures are offered once more at its end."""
        self.run_tasks(api, tasks, desc)
        if self.o.retry_failed:
            self.run_tasks(api, tasks, f"{desc} (retrying failures)")

    def run_tasks(self, api: Any, tasks: list[tuple[str, str, str]], desc: str) -> int:
        """Run tasks concurrently; journal each as it finishes. Returns the number run now.

        A task journaled before is not asked again, unless it failed and ``--retry-failed``
        was given: then it is offered once more."""
        recs = self.tasks.records
        done = {k for k, i in self._kept().items() if not (self.o.retry_failed and "fail" in recs[i])}
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
                    self.stop.set()  # requests in flight end at their next wait; nothing more is journaled
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
        """The whole collection, one run at a time per checkpoint and per output folder."""
        o = self.o
        with FolderLock(o.checkpoint, "python -m analysis collect"), FolderLock(o.out, "python -m analysis collect"):
            if self.finish_cleanup():
                return o.out
            return self._run()

    def finish_cleanup(self) -> bool:
        """A run killed in the instant after its snapshot was marked complete left the checkpoint
        (and perhaps writable files): when the snapshot is complete and the checkpoint's plan is
        this command's, finish the clean-up instead of refusing."""
        from analysis.snapshot import is_complete, open_snapshot, seal

        o = self.o
        plan_path = o.checkpoint / "plan.json"
        if not (is_complete(o.out) and plan_path.exists()):
            return False
        try:
            saved = json.loads(plan_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        plan = o.plan()
        if o.snapshot_date is None:
            plan["snapshot_date"] = saved.get("snapshot_date")
        if any(saved.get(k) != plan.get(k) for k in PLAN_KEYS):
            return False
        snap = open_snapshot(o.out)  # whole and valid: only then is the checkpoint redundant
        if snap.id != o.snapshot_id:
            return False
        seal(o.out)
        shutil.rmtree(o.checkpoint)
        self.cleaned_up = snap
        return True

    def _run(self) -> Path:
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
                    self.run_step(api, [k for k in tasks if k[0] == step], step)
                edges = self.space_model_edges()
                owners = self.owner_candidates(listed, edges)
                self.run_step(api, [("owner", "owner", own) for own in owners], "owners")
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

    def _tally_path(self, inv: int) -> Path:
        return self.o.checkpoint / f"requests-{inv}.tally"

    def all_runs(self) -> list[dict]:
        """Each invocation's counters: requests from its tally (every request made, even by a run
        killed between two journaled records), the rest from its last journaled record."""
        last: dict[int, dict] = {}
        for r in self.prior_runs + [self.this_run]:
            if "inv" in r and "requests" in r:
                last[r["inv"]] = dict(r)
        for inv in range(1, self.invocation + 1):
            n = Tally.count(self._tally_path(inv))
            if n is not None:
                rec = last.setdefault(inv, {"inv": inv, "retries": {}, "status": {}, "seconds": 0.0})
                rec["requests"] = max(n, rec.get("requests", 0))
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
        keep = set(self._kept().values())
        for i, rec in enumerate(self.tasks.iter_file()):
            k = tuple(rec["k"])
            if i not in keep or k not in wanted:
                continue  # the record that counts: the first success, else the last failure
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
        """The manifest's coverage (entries built by :func:`analysis.snapshot.schema.coverage`)."""
        o = self.o
        cov: dict[str, dict] = {}
        ep = _redact_endpoint(o.endpoint)
        for t in REPO_TYPES:
            name = REPO_TABLES[t]
            if t in o.repo_types:
                population = f"every {t} the listing of {ep} returned on {self.plan['snapshot_date']}"
                cov[name] = listing_coverage(tables[name].num_rows, population, population)
            else:
                cov[name] = coverage("none", note=f"{t}s not collected (--repo-types)")
        scope = {"all": "all", "sample": "sample"}.get(o.select, "subset")
        selection = Selection(
            mode=o.select,
            seed=o.seed if o.select == "sample" else None,
            n_per_repo_type=o.n,
            repositories={t: len(self.chosen[t]) for t in o.repo_types},
        )
        wanted = set(tasks)
        ok = {tuple(r["k"]) for r in self.tasks.records if "fail" not in r} & wanted
        for step in STEP_CHOICES:
            if step in o.steps:
                attempted = sum(1 for k in wanted if k[0] == step)
                covered = sum(1 for k in ok if k[0] == step)
                cov[step] = coverage(
                    scope if attempted else "none",
                    rows=tables[step].num_rows,
                    population=f"the {step} of the selected repositories ({', '.join(o.repo_types)})",
                    covered=covered,
                    selection=selection,
                    author_names="hub" if step == "commits" else None,
                    repo_types=list(o.repo_types),
                    repositories_attempted=attempted,
                    repositories_covered=covered,
                    note="per repository: see repo_coverage (successes) and fetch_log (failures)",
                )
            else:
                cov[step] = coverage("none", note=f"{step} not collected (--steps)")
        if o.adoption == "spaces-listing":
            cov["space_models"] = (
                coverage(
                    "all" if tables["spaces"].num_rows else "none",
                    rows=tables["space_models"].num_rows,
                    population="the models every listed space uses",
                    method="spaces-listing",
                    note="models each listed space uses (expand=models of the spaces listing)",
                )
                if "space" in o.repo_types
                else coverage("none", note="spaces not listed, so no adoption edges")
            )
        else:
            cov["space_models"] = (
                coverage(
                    scope if self.chosen.get("model") else "none",
                    rows=tables["space_models"].num_rows,
                    population="the spaces using each selected model",
                    selection=selection,
                    method="model-info",
                    note="spaces using each selected model (one model_info per model)",
                )
                if "model" in o.repo_types
                else coverage("none", note="models not listed")
            )
        cov["repo_coverage"] = coverage("all", rows=tables["repo_coverage"].num_rows)
        cov["owners"] = (
            coverage(
                "subset",
                rows=tables["owners"].num_rows,
                population=f"the owners of the {o.owner_kinds_top} models used by the most spaces",
                top_models=o.owner_kinds_top,
                note=f"owners of the {o.owner_kinds_top} models used by the most spaces",
            )
            if o.owner_kinds_top
            else coverage("none", note="not collected (--owner-kinds-top 0)")
        )
        cov["fetch_log"] = coverage("all", rows=tables["fetch_log"].num_rows)
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
        retries: Counter[str] = Counter()
        status: Counter[str] = Counter()
        for r in runs:
            retries.update(r.get("retries", {}))
            status.update(r.get("status", {}))
        extra = {
            "collect": {
                "invocations": self.invocation,
                "requests": sum(r["requests"] for r in runs),
                "requests_by_invocation": [r["requests"] for r in runs],
                "retries": sum(retries.values()),
                # by cause: "429", an HTTP status (5xx, 408) or "network:<error>"
                "retries_by_kind": dict(sorted(retries.items())),
                "responses_by_status": dict(sorted(status.items())),
                "wait_429_s": round(sum(r.get("wait_429_s", 0.0) for r in runs), 3),
                "retried_failed": bool(self.o.retry_failed),
                "authenticated": bool(self.authenticated),
            }
        }
        w.finish(cov, notes=notes, extra=extra)
        self.tables = tables
        self.runs.close()
        self.listing.close()
        self.tasks.close()
        self.tally.close()
        shutil.rmtree(o.checkpoint, ignore_errors=True)
        return o.out

    def summary(self) -> str:
        if getattr(self, "cleaned_up", None) is not None:
            return (
                f"snapshot {self.o.snapshot_id} was already complete in {self.o.out}; "
                f"finished its clean-up (checkpoint {self.o.checkpoint} removed)"
            )
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
    except (CollectError, FolderBusy) as exc:
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
