"""The fake Hub's snapshot held in memory, and its listings: one index per repository type (rows, id
lookup, cached sort orders and filters), per-repository tables grouped by repository (commits,
discussions), and a listing request's parameters as one checked query with its page.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.sources import hubapi
from fakehub.api import (
    _SORT_COLUMNS,
    INFO_DEFAULT,
    LIST_DEFAULT,
    _decode_cursor,
    _fields_asked,
    _object_id,
    _Reply,
)


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


@dataclasses.dataclass(frozen=True)
class _ListingQuery:
    """A listing request's parameters, checked as the Hub checks them (a bad one answers 400)."""

    fields: tuple[str, ...]
    sort: str | None
    direction: int
    page: int
    offset: int
    author: str | None
    search: tuple[str, ...]
    tags: tuple[str, ...]
    pipeline_tag: str | None
    gated: bool | None
    uses: tuple[str, ...]

    @classmethod
    def parse(cls, rt: str, query: list[tuple[str, str]], page_size: int) -> _ListingQuery:
        params: dict[str, list[str]] = {}
        for k, v in query:
            params.setdefault(k, []).append(v)
        full = params.get("full", ["false"])[-1].lower() in ("1", "true")
        fields = _fields_asked(rt, query, INFO_DEFAULT[rt] if full else LIST_DEFAULT[rt])
        sort = _sort_column(params.get("sort", [None])[-1])
        direction, page = _direction_and_page(params, page_size)
        offset = _decode_cursor(params["cursor"][-1]) if "cursor" in params else 0
        gated_param = params.get("gated", [None])[-1]
        return cls(
            fields=fields,
            sort=sort,
            direction=direction,
            page=page,
            offset=offset,
            author=params.get("author", [None])[-1],
            search=tuple(s for s in params.get("search", []) if s),
            tags=tuple(t for t in params.get("filter", []) if t),
            pipeline_tag=params.get("pipeline_tag", [None])[-1],
            gated=None if gated_param is None else gated_param.lower() in ("1", "true"),
            uses=tuple(m for m in params.get("models", []) if m) if rt == "space" else (),
        )

    def items(self, index: _RepoIndex) -> tuple[list[dict[str, Any]], int | None]:
        """This page's items, and the offset of the next page (None: the last page)."""
        order = index.filtered(
            self.sort,
            self.direction,
            self.author,
            self.search,
            self.tags,
            pipeline_tag=self.pipeline_tag,
            gated=self.gated,
            uses=self.uses,
        )
        chunk = order[self.offset : self.offset + self.page]
        items = [index.item(r, self.fields) for r in index.rows(chunk)]
        return items, (self.offset + self.page if self.offset + self.page < len(order) else None)


def _sort_column(sort_name: str | None) -> str | None:
    """The snapshot column a listing's ``sort`` names (None: the snapshot's order)."""
    if not sort_name:
        return None
    sort = _SORT_COLUMNS.get(sort_name)
    if sort is None:
        raise _Reply(400, f'"sort" must be one of [{", ".join(sorted(_SORT_COLUMNS))}]')
    return sort


def _direction_and_page(params: Mapping[str, list[str]], page_size: int) -> tuple[int, int]:
    """A listing's ``direction`` and its page size (``limit``, at most the server's ``page_size``)."""
    try:
        direction = int(params.get("direction", ["-1"])[-1])
        limit = int(params["limit"][-1]) if "limit" in params else page_size
    except ValueError:
        raise _Reply(400, "invalid direction or limit") from None
    if limit < 1:
        raise _Reply(400, '"limit" must be a positive integer')
    return direction, min(limit, page_size)
