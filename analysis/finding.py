"""One finding, and the registry where each part declares its findings beside the code that computes them.

A part module declares, next to the functions that compute its results, one function that turns
those results into its findings, and registers it for its part::

    from analysis import finding

    @finding.declares("part1_activity")
    def findings(snap, acts, ...) -> list[dict]:
        return [finding.entry("activity.models", n, "count", quantity=..., source="tab-activity",
                              coverage=finding.coverage("all", n, n))]

:mod:`analysis.publication.findings` only collects (:func:`collect`) and writes ``findings.json``;
it computes nothing. An entry's fields are those of ``findings.schema.json`` (beside that module)
less the snapshot's, which the writer fills in.

A finding's coverage comes from the snapshot's manifest (:func:`scope`, :func:`table_coverage`,
:func:`listing_coverage`), and a p value in its note reads as on every page (:func:`format_p`:
below :data:`P_FLOOR`, "< 0.001").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

#: The units a finding's value may have.
UNITS = ("count", "pct", "ratio", "epsilon_sq", "p", "bool", "text", "date")

#: Below this a p value is shown as "< 0.001" (the usual reporting floor), never as 0 nor in
#: e-notation; findings and CSVs keep the number itself.
P_FLOOR = 1e-3

#: part name (the notebook's, e.g. ``part1_activity``) -> the function that returns its findings
_DECLARED: dict[str, Callable[..., list[dict[str, Any]]]] = {}


def plain(v: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN to None, dicts and lists recursively."""
    if isinstance(v, Mapping):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is not None and not isinstance(v, (str, int, float, bool)):
        return str(v)
    return v


def coverage(scope: str | None, covered: int | None, population: int | None, note: str | None = None) -> dict:
    """A finding's coverage: the manifest scope of its evidence, repositories covered, population."""
    return {
        "scope": scope or "none",
        "covered": None if covered is None else int(covered),
        "population": None if population is None else int(population),
        "note": note,
    }


def scope(snap: Any, table: str) -> str:
    """The manifest's scope of ``table`` in snapshot ``snap`` (``all``, ``sample``, ``subset`` or ``none``)."""
    return str(snap.coverage(table).get("scope", "none"))


def table_coverage(snap: Any, table: str, covered: int | None, population: int | None) -> dict:
    """The coverage of a finding whose evidence is ``table`` of snapshot ``snap``: the table's scope and note
    in the manifest, with the repositories covered and the population."""
    return coverage(scope(snap, table), covered, population, snap.coverage(table).get("note"))


def listing_coverage(snap: Any, table: str) -> dict:
    """The coverage of a finding about a whole listing (``models``, ``datasets``, ``spaces``): all its rows."""
    n = snap.rows(table)
    return table_coverage(snap, table, n, n)


def format_p(p: Any) -> str:
    """``"= 0.012"``, ``"= 0.0034"``, ``"< 0.001"`` (below the reporting floor :data:`P_FLOOR`, never ``= 0``
    nor e-notation, as the tables show it), or ``"n/a"``; write ``f"p {format_p(p)}"``.
    The findings keep the p value itself at full precision."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    p = float(p)
    if p < P_FLOOR:
        return f"< {P_FLOOR:g}"
    return "= " + (f"{p:.2g}" if p < 0.01 else f"{p:.3f}".rstrip("0").rstrip("."))


def entry(
    key: str,
    value: Any,
    unit: str,
    *,
    quantity: str,
    source: str,
    coverage: Mapping[str, Any],
    parameters: Mapping[str, Any] | None = None,
    ci: tuple[float | None, float | None, str | None] = (None, None, None),
    note: str | None = None,
) -> dict[str, Any]:
    """One finding (the snapshot fields are filled in when it is recorded)."""
    if unit not in UNITS:
        raise ValueError(f"finding {key!r}: unit {unit!r} is not one of {', '.join(UNITS)}")
    return {
        "key": key,
        "quantity": quantity,
        "value": plain(value),
        "unit": unit,
        "ci_low": plain(ci[0]),
        "ci_high": plain(ci[1]),
        "ci_method": ci[2],
        "parameters": plain(dict(parameters or {})),
        "coverage": plain(dict(coverage)),
        "source": source,
        "note": note,
    }


def declares(part: str) -> Callable[[Callable[..., list[dict[str, Any]]]], Callable[..., list[dict[str, Any]]]]:
    """Register the decorated function as the one that returns ``part``'s findings (one per part)."""

    def register(fn: Callable[..., list[dict[str, Any]]]) -> Callable[..., list[dict[str, Any]]]:
        known = _DECLARED.get(part)
        if known is not None and (known.__module__, known.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"the findings of {part!r} are declared twice: {known.__module__} and {fn.__module__}")
        _DECLARED[part] = fn
        return fn

    return register


def declared() -> dict[str, str]:
    """``{part: "module.function"}`` of every part whose findings are declared (in modules imported so far)."""
    return {p: f"{fn.__module__}.{fn.__qualname__}" for p, fn in sorted(_DECLARED.items())}


def collect(part: str, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """``part``'s findings, from the function its module declared (its module must have been imported)."""
    fn = _DECLARED.get(part)
    if fn is None:
        known = ", ".join(sorted(_DECLARED)) or "none"
        raise KeyError(f"no findings are declared for {part!r} (declared: {known})")
    return fn(*args, **kwargs)
