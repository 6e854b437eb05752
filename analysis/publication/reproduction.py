"""Part IV: the paper's reported numbers beside this snapshot's (``tab-paper-vs-snapshot``).

The paper's values are quoted, with their source (the abstract, or secondary
summaries only), in ``analysis/resources/paper_numbers.yml``; every row of the
"Numbers the paper reports" table of PAPER.md is there. The snapshot's values
come from the ``headline()`` of each part:

- ``analysis.parts.activity.headline(snap, as_of=None)`` (Part I),
- ``analysis.parts.network.headline(snap)`` (Part II),
- ``analysis.parts.adoption.headline(snap)`` (Part III).

:func:`compare` is pure (dicts in, a table out) so it can be tested on its
own; :func:`paper_vs_snapshot` computes the inputs from a snapshot.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analysis.paper import PAPER_DATE, paper_numbers

COLUMNS = ["quantity", "paper", "paper_source", "snapshot", "snapshot_as_of_paper_date", "note"]
NA = "n/a"
SYNTHETIC_CAVEAT = "synthetic data: the comparison illustrates the method only"


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _fmt(v: Any, unit: str | None) -> str:
    if _missing(v):
        return NA
    if unit == "count":
        return f"{int(round(float(v))):,}"
    if unit == "pct":
        return f"{float(v):.1f}%"
    return str(v)


def _diff(v: Any, paper: float, unit: str, relation: str, label: str) -> str:
    if _missing(v):
        return ""
    v = float(v)
    d = v - paper
    if unit == "count":
        rel = d / paper * 100 if paper else float("nan")
        return f"{label}: {d:+,.0f} ({rel:+.1f}%) against the paper"
    if relation == ">":
        verdict = "consistent with" if v > paper else "below"
        return f"{label}: {v:.1f}% is {verdict} the paper's 'over {paper:g}%' ({d:+.1f} points)"
    return f"{label}: {d:+.1f} percentage points against the paper"


def _kw_text(kw: Any) -> tuple[str, str]:
    if not isinstance(kw, Mapping) or not kw:
        return NA, "no license-group test was computed"
    ps = {str(k): float(v) for k, v in kw.items() if not _missing(v)}
    sig = [k for k, p in ps.items() if p < 0.05]
    detail = "; ".join(f"{k}: p={p:.2g}" for k, p in sorted(ps.items()))
    snap = f"Kruskal-Wallis p < 0.05 for {len(sig)} of {len(ps)} measures ({detail})"
    if sig:
        note = "consistent: the license groups differ significantly in " + ", ".join(sorted(sig))
    else:
        note = "not reproduced: no measure differs significantly between the license groups"
    return snap, note


def _reciprocity_text(v: float, snapshot: Mapping[str, Any]) -> tuple[str, str]:
    """The network row: reciprocity without and with isolates, the core; its verdict."""
    r_all = snapshot.get("network.reciprocity_all")
    core, nodes = snapshot.get("network.core_size"), snapshot.get("network.nodes")
    parts = [f"reciprocity {v:.2f} without isolates"]
    if not _missing(r_all):
        parts.append(f"{float(r_all):.2f} with them")
    if not _missing(core) and not _missing(nodes):
        parts.append(f"core of {int(core):,} of {int(nodes):,} developers")
    if _missing(r_all):
        verdict = ""
    elif v > float(r_all):
        verdict = "consistent in direction: reciprocity is higher once isolates are removed"
    else:
        verdict = "not reproduced: reciprocity is not higher once isolates are removed"
    return "; ".join(parts), verdict


def _adoption_text(v: float, snapshot: Mapping[str, Any]) -> tuple[str, str]:
    """The adoption row: share of models used, concentration of uses; its verdict."""
    top5 = snapshot.get("adoption.top5_owners_usage_share_pct")
    top1 = snapshot.get("adoption.top1pct_usage_share_pct")
    covered = snapshot.get("adoption.models_covered")
    parts = [f"{v:.1f}% of covered models are used by at least one space"]
    if not _missing(top5):
        parts.append(f"the top 5 owners hold {float(top5):.1f}% of all uses")
    if not _missing(top1):
        parts.append(f"the top 1% of models {float(top1):.1f}%")
    if not _missing(covered):
        parts.append(f"{int(covered):,} models covered")
    minority = v < 50
    concentrated = _missing(top5) or float(top5) >= 50
    if minority and concentrated:
        verdict = "consistent: a minority of models is used, and a handful of owners hold most uses"
    elif minority:
        verdict = "partly consistent: a minority of models is used, but usage is spread over many owners"
    else:
        verdict = "not reproduced: most covered models are used by some space"
    return "; ".join(parts), verdict


#: Rows whose snapshot value is a described measure with a verdict (not a paper value).
_DESCRIBED = {
    "network.reciprocity_without_isolates": _reciprocity_text,
    "adoption.models_used_pct": _adoption_text,
}


def compare(
    snapshot: Mapping[str, Any],
    as_of: Mapping[str, Any] | None = None,
    *,
    caveats: Mapping[str, str] | None = None,
    paper: list[dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """The paper-vs-snapshot table.

    ``snapshot`` and ``as_of`` map measure names (``activity.models``,
    ``network.isolates_pct``, ``snapshot.date``, ...) to values; ``as_of``
    holds the as-of-paper-date reconstruction where it applies (missing keys
    show as n/a). ``caveats`` maps a row key to an extra sentence for its note.
    """
    paper = paper if paper is not None else paper_numbers()
    as_of = as_of or {}
    caveats = caveats or {}
    rows = []
    for item in paper:
        key, measure = item["key"], item["measure"]
        v = snapshot.get(measure)
        a = as_of.get(measure)
        notes: list[str] = []
        if "value" in item:
            unit, rel = item.get("unit"), item.get("relation", "=")
            snap_s, asof_s = _fmt(v, unit), _fmt(a, unit)
            if _missing(v):
                notes.append("not computed from this snapshot")
            else:
                notes.append(_diff(v, float(item["value"]), unit, rel, "snapshot"))
            if not _missing(a):
                notes.append(_diff(a, float(item["value"]), unit, rel, "as of paper date"))
        elif measure == "activity.license_kw":
            snap_s, note = _kw_text(v)
            asof_s = NA
            notes.append(note)
        elif measure in _DESCRIBED:
            asof_s = NA
            if _missing(v):
                snap_s = NA
                notes.append("not computed from this snapshot")
            else:
                snap_s, verdict = _DESCRIBED[measure](float(v), snapshot)
                notes.append(verdict)
        elif measure == "snapshot.date":
            snap_s = str(v) if not _missing(v) else NA
            asof_s = str(as_of.get(measure, NA))
            try:
                days = (dt.date.fromisoformat(str(v)) - dt.date.fromisoformat(PAPER_DATE)).days
                notes.append(f"this snapshot is {days:+,} days from the end of October 2023")
            except ValueError:
                pass
        else:
            raise ValueError(f"paper number {key!r}: no rule for measure {measure!r}")
        if key == "isolates" and not _missing(snapshot.get("network.cleaned_isolates_pct")):
            notes.append(
                f"in the cleaned network (identities resolved, `system` and bots removed) "
                f"{float(snapshot['network.cleaned_isolates_pct']):.1f}% are isolates"
            )
        if key in caveats:
            notes.append(caveats[key])
        if "value" in item and _missing(a):
            notes.append("no as-of reconstruction for this measure")
        rows.append(
            {
                "quantity": item["quantity"],
                "paper": item["paper"],
                "paper_source": item["source"],
                "snapshot": snap_s,
                "snapshot_as_of_paper_date": asof_s,
                "note": "; ".join(n for n in notes if n) + ".",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _prefixed(prefix: str, d: Mapping[str, Any]) -> dict[str, Any]:
    return {f"{prefix}.{k}": v for k, v in d.items()}


def _commit_coverage(snap: Any) -> str:
    cov = snap.coverage("commits")
    scope = cov.get("scope", "?")
    total = snap.rows("models")
    if scope == "none":
        return "the snapshot has no commit histories"
    covered = len(snap.covered("commits", "model"))
    return f"commit histories cover {covered:,} of {total:,} model repositories (coverage: {scope})"


def _count_caveat(snap: Any, table: str) -> str:
    if snap.coverage(table).get("scope") == "none":
        return f"the snapshot has no listing of {table}"
    return "the as-of count includes only repositories that still existed at the snapshot date"


def caveats_for(snap: Any, adoption_note: str | None = None) -> dict[str, str]:
    """Why a snapshot's number may differ for reasons of method or coverage.

    ``adoption_note`` is Part III's own sentence on what its edges cover (more
    precise than the manifest's scope, which is used without it).
    """
    commits = _commit_coverage(snap)
    c = {
        "models_zero_downloads": "downloads are the API's 30-day count at the snapshot date, not a lifetime count",
        "top1pct_downloads": "downloads are the API's 30-day count at the snapshot date",
        "isolates": commits,
        "network_structure": commits,
        "single_contributor": commits,
        "license_groups": commits,
        "adoption": (
            str(adoption_note).rstrip(".")
            if adoption_note
            else f"space-to-model edges: coverage {snap.coverage('space_models').get('scope', '?')}"
        ),
        "models": _count_caveat(snap, "models"),
        "datasets": _count_caveat(snap, "datasets"),
        "spaces": _count_caveat(snap, "spaces"),
    }
    if snap.is_synthetic:
        c = {k: "; ".join(filter(None, [c.get(k), SYNTHETIC_CAVEAT])) for k in (n["key"] for n in paper_numbers())}
    return c


def paper_vs_snapshot(snap: Any, paper_date: str = PAPER_DATE) -> pd.DataFrame:
    """``tab-paper-vs-snapshot`` for a snapshot (computes every part's headline)."""
    from analysis.parts import activity, adoption, network

    values: dict[str, Any] = {"snapshot.date": snap.date}
    values |= _prefixed("activity", activity.headline(snap))
    values |= _prefixed("network", network.headline(snap))
    values |= _prefixed("adoption", adoption.headline(snap))
    as_of: dict[str, Any] = {"snapshot.date": f"{paper_date} (reconstructed)"}
    if snap.date > paper_date:
        as_of |= _prefixed("activity", activity.headline(snap, as_of=paper_date))
    else:
        as_of["snapshot.date"] = NA
    caveats = caveats_for(snap, values.get("adoption.coverage_note"))
    return compare(values, as_of, caveats=caveats)
