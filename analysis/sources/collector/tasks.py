"""The collector's per-repository steps: commits, discussions, a model's spaces and an owner's kind,
asked concurrently and journaled as each finishes (the first success of a task counts, else its
last failure); the owners whose kind is asked; the space-model edges of the run.

:class:`RepositorySteps` is a part of :class:`analysis.sources.collector.run.Collector` (it uses the
collector's options ``o``, its journals ``tasks`` and ``listing``, its stop event and counters).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

import pyarrow as pa

from analysis.sources.collector.listing import progress_bar
from analysis.sources.collector.transport import Interrupted, _hf_failure, interrupted
from analysis.sources.hubapi import commit_row, discussion_row


def task_mem(rec: dict) -> dict:
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


class RepositorySteps:
    """The per-repository steps of a collection (a part of ``Collector``)."""

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
            if self.stop.is_set() or interrupted(exc):
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
        bar = progress_bar(self.o.progress, desc=desc, total=len(tasks), initial=len(tasks) - len(todo), unit=" repos")
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
                self.tasks.records.append(task_mem(rec))
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
