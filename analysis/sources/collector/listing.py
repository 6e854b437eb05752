"""The collector's listings: every page of ``GET /api/{models,datasets,spaces}`` fetched and journaled,
the listed rows per type (de-duplicated, first seen kept), and the selection of repositories for the
per-repository steps.

:class:`Listings` is a part of :class:`analysis.sources.collector.run.Collector` (it uses the
collector's options ``o``, its journal ``listing``, its stop events and its value rules ``latest``).
"""

from __future__ import annotations

import hashlib
import random
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from analysis.snapshot.schema import REPO_TABLES, SCHEMAS
from analysis.sources.collector.options import CollectError
from analysis.sources.collector.transport import _hf_failure, interrupted
from analysis.sources.hubapi import EXPAND, RecordError, repo_row, space_model_ids


def progress_bar(enabled: bool, **kw: Any) -> Any:
    """A tqdm bar on stderr (none when ``enabled`` is false)."""
    from tqdm import tqdm

    return tqdm(disable=not enabled, file=sys.stderr, dynamic_ncols=True, mininterval=0.5, **kw)


def arrow_table(name: str, rows: list[dict]) -> pa.Table:
    """``rows`` as table ``name`` of the snapshot format, built 50,000 rows at a time."""
    schema = SCHEMAS[name]
    if not rows:
        return schema.empty_table()
    batches = []
    step = 50_000
    for i in range(0, len(rows), step):
        batches.append(pa.Table.from_pylist(rows[i : i + step], schema=schema))
    return pa.concat_tables(batches).combine_chunks()


def page_mem(rec: dict) -> dict:
    """A journaled listing page as held in memory: its rows as a compact Arrow table."""
    t = rec["type"]
    good = [r for r in rec["rows"] if "_malformed" not in r]
    return {
        "type": t,
        "page": rec["page"],
        "next": rec["next"],
        "n": len(rec["rows"]),
        "table": arrow_table(REPO_TABLES[t], good),
        "malformed": [(r["_malformed"], r.get("_reason")) for r in rec["rows"] if "_malformed" in r],
        "edges": rec.get("edges", []),
    }


def listing_problem(repo_type: str, repo_id: str | None, outcome: str, reason: str, source: str) -> dict:
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


class Listings:
    """The listing steps of a collection (a part of ``Collector``)."""

    def _with_space_models(self, repo_type: str) -> bool:
        """Whether this listing also asks for (and journals) the models each space uses."""
        return repo_type == "space" and self.o.adoption == "spaces-listing"

    def _first_request(self, repo_type: str, pages: list[dict]) -> tuple[str, list | None]:
        """The URL (and query) where the listing of ``repo_type`` starts or resumes."""
        if pages:
            return pages[-1]["next"], None
        expand = list(EXPAND[repo_type])
        if self._with_space_models(repo_type):
            expand.append("models")
        return f"{self.o.endpoint}/api/{repo_type}s", [("expand", e) for e in expand]

    def _fetch_page(self, repo_type: str, api: Any, url: str, params: list | None, page_no: int) -> Any:
        """One listing page: (its items, the next page's URL); None when the run was stopped.
        A failure stops every listing (``_abort``) and raises a one-line :class:`CollectError`."""
        from huggingface_hub.utils import _http

        headers = api._build_hf_headers()
        try:
            r = _http.get_session().get(url, params=params, headers=headers)
            _http.hf_raise_for_status(r)
            items = r.json()
            if not isinstance(items, list):
                raise ValueError("listing page is not a JSON list")
        except Exception as exc:  # noqa: BLE001 - mapped to an outcome, re-raised as CollectError
            if self.stop.is_set() or interrupted(exc):
                return None  # Ctrl-C: not a failure of the listing
            self._abort.set()
            f = _hf_failure(exc, urlsplit(url).path)
            raise CollectError(
                f"listing {repo_type}s failed at page {page_no + 1}: {f}; rerun the same command to resume"
            ) from None
        nxt = r.links.get("next", {}).get("url")
        if nxt is not None and not nxt.startswith(("http://", "https://")):
            nxt = f"{self.o.endpoint}{nxt if nxt.startswith('/') else '/' + nxt}"
        return items, nxt

    def _page_record(self, repo_type: str, page_no: int, items: list, nxt: str | None) -> dict:
        """The journal record of a page: its rows (a malformed item as its id and reason) and,
        for spaces listed with their models, the adoption edges."""
        rows, edges = [], []
        for it in items:
            try:
                rows.append(repo_row(it, repo_type, self.latest))
            except RecordError as exc:
                rid = it.get("id") if isinstance(it, dict) else None
                rows.append({"_malformed": rid if isinstance(rid, str) else None, "_reason": str(exc)})
                continue
            if self._with_space_models(repo_type):
                edges.append([it["id"], space_model_ids(it)])
        rec = {"type": repo_type, "page": page_no, "next": nxt, "rows": rows}
        if edges:
            rec["edges"] = edges
        return rec

    def _list_one(self, repo_type: str, api: Any, bar: Any) -> None:
        """Page through the listing of ``repo_type`` from where the journal left it."""
        pages = [r for r in self.listing.records if r["type"] == repo_type]
        bar.update(sum(p["n"] for p in pages))
        if pages and pages[-1]["next"] is None:
            return
        url, params = self._first_request(repo_type, pages)
        page_no = len(pages)
        while url is not None:
            if self._abort.is_set() or self.stop.is_set():  # stopped: the journal keeps our place
                return
            page = self._fetch_page(repo_type, api, url, params, page_no)
            if page is None:
                return
            items, nxt = page
            rec = self._page_record(repo_type, page_no, items, nxt)
            self.listing.append(rec)
            self.listing.records.append(page_mem(rec))  # one writer per type; list.append is atomic
            bar.update(len(items))
            if repo_type == self.o.repo_types[0]:
                self.record_run(final=False)
            page_no += 1
            url, params = nxt, None
        self.listing.sync()

    def run_listings(self, api: Any) -> None:
        types = self.o.repo_types
        bars = {
            t: progress_bar(self.o.progress, desc=f"list {t}s", unit=" repos", position=i) for i, t in enumerate(types)
        }
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
                    listing_problem(t, rid, "malformed", reason or "listing record without a usable id/fields", src)
                )
            table = rec["table"]
            keep = []
            for rid in table.column("id").to_pylist():
                if rid in seen[t]:
                    keep.append(False)
                    self.listing_problems.append(
                        listing_problem(
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

    def select(self, listed: dict[str, pa.Table]) -> dict[str, list[str]]:
        """The repositories of each type the per-repository steps ask about (``--select``)."""
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
