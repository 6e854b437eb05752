"""The run: one collection from its checkpoint to the finished snapshot, and ``python -m analysis collect``.

:class:`Collector` opens (or resumes) the checkpoint, runs the listings and the selection
(:mod:`.listing`), the per-repository steps and owner kinds (:mod:`.tasks`), then builds the
snapshot's tables and coverage (:mod:`.tables`), writes the snapshot and removes the checkpoint.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from analysis.snapshot import atomic_write_json
from analysis.snapshot.lock import FolderBusy, FolderLock
from analysis.sources.collector.journal import Journal, Tally
from analysis.sources.collector.listing import Listings, page_mem
from analysis.sources.collector.options import PLAN_KEYS, CollectError, Options, _today, parse_args
from analysis.sources.collector.tables import SnapshotTables
from analysis.sources.collector.tasks import RepositorySteps, task_mem
from analysis.sources.collector.transport import HubSession, RateController, Stats, make_transport
from analysis.sources.hubapi import EXPAND, latest_plausible


class Collector(Listings, RepositorySteps, SnapshotTables):
    """One collection: the checkpoint, the steps in order, the snapshot written at the end."""

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
        self.listing = Journal(o.checkpoint / "listing.jsonl", transform=page_mem, on_bad="truncate")
        self.tasks = Journal(o.checkpoint / "tasks.jsonl", transform=task_mem)
        self.runs = Journal(o.checkpoint / "runs.jsonl")
        self.prior_runs = list(self.runs.records)
        self.invocation = 1 + sum(1 for r in self.prior_runs if "start" in r)
        self.runs.append({"start": self.invocation})
        self.tally = Tally(self._tally_path(self.invocation))  # every request, even after kill -9
        self.stats.on_request = self.tally.add
        self.this_run = {"inv": self.invocation, "requests": 0, "retries": {}, "seconds": 0.0}

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

    def finish(self, listed: dict, tasks: list[tuple], owners: list[str], edges: list[tuple[str, str]]) -> Path:
        from huggingface_hub import __version__ as hf_version

        from analysis.snapshot import SnapshotWriter

        o = self.o
        tables = self.build_tables(listed, tasks, owners, edges)
        cov = self.coverage(tables, tasks)
        params = {k: v for k, v in self.plan.items() if k not in ("snapshot_id", "snapshot_date")}
        params["huggingface_hub"] = hf_version
        params["expand"] = EXPAND
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
        # the checkpoint stays until the snapshot is in place: a failed write is resumed from it
        with SnapshotWriter(
            o.out, o.snapshot_id, snapshot_date=self.plan["snapshot_date"], source_kind="hub", source_parameters=params
        ) as w:
            for name, table in tables.items():
                w.write_table(name, table)
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
