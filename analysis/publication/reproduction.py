"""Part IV: the paper's reported numbers beside this snapshot's (``tab-paper-vs-snapshot``).

The paper's values are quoted, with their source (the abstract, or secondary
summaries only) and the rule each is graded by, in ``analysis/resources/paper_numbers.yml``.
The snapshot's values are the findings that Parts I-III recorded in
``_build/<snapshot_id>/findings.json`` (:mod:`analysis.publication.findings`):
nothing of Parts I-III is computed here.

Every row gets two columns set by its rule, interpreted by
:func:`analysis.publication.grading.grade` (listed in the Data and methods chapter by
:func:`~analysis.publication.grading.rules_table`):

- ``testable``: ``yes``, ``partly`` or ``no``: can this snapshot test the claim?
- ``verdict``: ``agrees``, ``differs``, ``consistent in direction``, or empty
  where the claim is not testable.

:func:`compare` is pure (dicts in, a table out) so it can be tested on its own: each row's
snapshot cell is written by the function of its rule's kind (:data:`CELLS`);
:func:`paper_vs_snapshot` reads the inputs from a findings file. The landing page's picture
of the reproduction (:func:`figure_data`, :func:`figure`) and the map from the paper to the
book (:func:`paper_map`) read the same table and file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.paper import PAPER_DATE, paper_numbers, relation
from analysis.publication import findings as fnd
from analysis.publication.coverage_text import covers
from analysis.publication.grading import (  # noqa: F401  (re-exported: the rule's old home)
    TESTABLE,
    VERDICTS,
    _missing,
    fnd_reciprocity_name,
    grade,
    rests_on,
    rules_table,
)

COLUMNS = [
    "quantity",
    "paper",
    "paper_source",
    "snapshot",
    "snapshot_as_of_paper_date",
    "testable",
    "verdict",
    "rests_on",
    "in_the_book",
    "note",
]
NA = "n/a"
SYNTHETIC_CAVEAT = "synthetic data: the comparison illustrates the method only"
#: Part I's collaboration measures (the license claim is about "collaboration patterns").
COLLABORATION = fnd.COLLABORATION_MEASURES
#: An isolate share this many null SDs from the bipartite null's mean is said to be above (below) chance.
CHANCE_Z = 2.0

#: The book's pages by notebook, as the navigation names them (one name per page).
PAGE_NAMES = {
    "methods": "Data and methods",
    "snapshot": "The snapshot",
    "part1_activity": "Part I",
    "part2_network": "Part II",
    "part3_adoption": "Part III",
    "reproduction": "Part IV",
    "part5_history": "Part V",
    "provenance": "Provenance",
}


def _fmt(v: Any, unit: str | None) -> str:
    if _missing(v):
        return NA
    if unit == "count":
        return f"{int(round(float(v))):,}"
    if unit == "pct":
        return f"{float(v):.1f}%"
    return str(v)


def _diff(v: Any, paper: float, unit: str, rel: str, label: str) -> str:
    if _missing(v):
        return ""
    v = float(v)
    d = v - paper
    if unit == "count":
        pct = d / paper * 100 if paper else float("nan")
        return f"{label}: {d:+,.0f} ({pct:+.1f}%) against the paper"
    if rel == ">":
        verdict = "consistent with" if v > paper else "below"
        return f"{label}: {v:.1f}% is {verdict} the paper's 'over {paper:g}%' ({d:+.1f} points)"
    return f"{label}: {d:+.1f} percentage points against the paper"


# --------------------------------------------------------------------------- #
# the table: one cell writer per kind of rule
# --------------------------------------------------------------------------- #


def _effects_text(effects: list[tuple]) -> str:
    if not effects:
        return NA
    parts = []
    for meas, est, lo, hi, _scope in effects:
        if _missing(est):
            continue
        ci = f" [{lo:.3f}, {hi:.3f}]" if not _missing(lo) and not _missing(hi) else ""
        parts.append(f"{meas.replace('_', ' ')} {est:.3f}{ci}")
    return "epsilon squared (95% interval): " + "; ".join(parts) if parts else NA


@dataclass
class Cell:
    """What a row shows of the snapshot: its value, its as-of value, notes, and the evidence graded."""

    snapshot: str
    as_of: str
    notes: list[str]
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Context:
    """What every row of one table shares."""

    snapshot: Mapping[str, Any]
    as_of: Mapping[str, Any]
    paper_date: str


def _numeric_cell(item: Mapping[str, Any], ev: dict[str, Any], ctx: Context) -> Cell:
    unit, rel, paper = item["unit"], relation(item), float(item["value"])
    v, a = ev["value"], ev["as_of"]
    if ev.get("scope") == "none":  # absent is not zero: a table the snapshot does not have
        return Cell("no data (not in this snapshot)", NA, [], {**ev, "value": None, "as_of": None})
    notes = ["not computed from this snapshot"] if _missing(v) else [_diff(v, paper, unit, rel, "snapshot")]
    if not _missing(a):
        notes.append(_diff(a, paper, unit, rel, "as of paper date"))
        if unit == "count" and float(a) > paper:
            notes.append(
                "the as-of count is above the paper's although deleted repositories cannot be seen: the "
                f"paper's collection day in October 2023 is not recorded, so repositories created between it "
                f"and {ctx.paper_date} count here, and creation dates that are placeholders (see "
                "tab-data-quality) put repositories before any as-of date"
            )
    return Cell(_fmt(v, unit), _fmt(a, unit), notes, ev)


def _effects_cell(item: Mapping[str, Any], ev: dict[str, Any], ctx: Context) -> Cell:
    return Cell(_effects_text(list(ev.get("effects", []))), NA, [], ev)


def _network_cell(item: Mapping[str, Any], ev: dict[str, Any], ctx: Context) -> Cell:
    v = ev["value"]
    if _missing(v):
        return Cell(NA, NA, ["not computed from this snapshot"], ev)
    bits = [f"{fnd_reciprocity_name()} {float(v):.2f}"]
    core, nodes = ev.get("core_size"), ev.get("nodes")
    if not _missing(core) and not _missing(nodes):
        bits.append(f"main k-core of {int(core):,} of {int(nodes):,} developers")
    if not _missing(ev.get("be_fit")):
        bits.append(f"Borgatti-Everett fit {float(ev['be_fit']):.2f}")
    return Cell("; ".join(bits), NA, [], ev)


def _adoption_cell(item: Mapping[str, Any], ev: dict[str, Any], ctx: Context) -> Cell:
    v = ev["value"]
    if _missing(v):
        return Cell(NA, NA, ["not computed from this snapshot"], ev)
    bits = [f"{float(v):.1f}% of covered models are used by at least one space"]
    if not _missing(ev.get("top5")):
        bits.append(f"the top 5 owners hold {float(ev['top5']):.1f}% of all uses")
    if not _missing(ev.get("covered")):
        bits.append(f"{int(ev['covered']):,} models covered")
    if not _missing(ev.get("cap")):
        bits.append(f"spaces per model look capped at {int(ev['cap']):,}")
    return Cell("; ".join(bits), NA, [], ev)


def _plain_cell(item: Mapping[str, Any], ev: dict[str, Any], ctx: Context) -> Cell:
    """A claim never graded (the collection date): the values as they are, and how far apart the
    snapshot's date and the paper's are where the value is a date."""
    v = ev["value"]
    notes = []
    try:
        days = (dt.date.fromisoformat(str(v)) - dt.date.fromisoformat(ctx.paper_date)).days
        notes.append(f"this snapshot is {days:+,} days from the paper's date ({ctx.paper_date})")
    except ValueError:
        pass
    return Cell(str(v) if not _missing(v) else NA, str(ctx.as_of.get(item["measure"], NA)), notes, ev)


#: Rule kind -> the writer of its row's snapshot cells (the kinds of :data:`analysis.paper.RULE_FIELDS`).
CELLS: dict[str, Callable[[Mapping[str, Any], dict[str, Any], Context], Cell]] = {
    "within": _numeric_cell,
    "above": _numeric_cell,
    "effect_interval": _effects_cell,
    "reciprocity_core": _network_cell,
    "minority_used": _adoption_cell,
    "not_testable": _plain_cell,
}


def _isolates_notes(snapshot: Mapping[str, Any]) -> list[str]:
    """The isolate share against the bipartite null and in the cleaned network (Part II)."""
    notes = []
    iso_z = snapshot.get("network.null_bipartite.isolates_pct_z")
    if not _missing(iso_z):
        side = "above" if float(iso_z) >= CHANCE_Z else "below" if float(iso_z) <= -CHANCE_Z else "within"
        notes.append(
            f"against the bipartite null (memberships randomised, both degree sequences kept) the isolate share "
            f"is {side} chance (z = {float(iso_z):+.1f})"
        )
    if not _missing(snapshot.get("network.cleaned_isolates_pct")):
        notes.append(
            f"in the cleaned network (identities resolved, `system` and bots removed) "
            f"{float(snapshot['network.cleaned_isolates_pct']):.1f}% are isolates"
        )
    return notes


#: Further notes of a row, by its measure: what the book shows beside the graded value.
MEASURE_NOTES: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {"network.isolates_pct": _isolates_notes}


def _row(
    item: Mapping[str, Any],
    evidence: Mapping[str, Any],
    ctx: Context,
    *,
    synthetic: bool,
    dated_later: bool,
    caveat: str | None,
    place: str,
) -> dict[str, Any]:
    """One row of the table: the cells of the item's rule kind, its grade and its notes."""
    kind = (item.get("rule") or {}).get("kind")
    if kind not in CELLS:
        raise ValueError(f"paper number {item['key']!r}: no rule for measure {item['measure']!r} (kind {kind!r})")
    measure = item["measure"]
    uses = {name: ctx.snapshot.get(key) for name, key in (item["rule"].get("uses") or {}).items()}
    ev = {"value": ctx.snapshot.get(measure), "as_of": ctx.as_of.get(measure), **uses, **evidence}
    cell = CELLS[kind](item, ev, ctx)
    notes = cell.notes
    testable, verdict, reason = grade(item, cell.evidence, synthetic=synthetic, dated_later=dated_later)
    if reason:
        notes.append(f"testable: {testable} ({reason})")
    notes += MEASURE_NOTES.get(measure, lambda s: [])(ctx.snapshot)
    if caveat:
        notes.append(caveat)
    if "value" in item and _missing(cell.evidence["as_of"]) and ev.get("scope") != "none":
        notes.append("no as-of reconstruction for this measure")
    return {
        "quantity": item["quantity"],
        "paper": item["paper"],
        "paper_source": item["source"],
        "snapshot": cell.snapshot,
        "snapshot_as_of_paper_date": cell.as_of,
        "testable": testable,
        "verdict": verdict,
        "rests_on": rests_on(item, cell.evidence, verdict),
        "in_the_book": place,
        "note": "; ".join(n for n in notes if n) + ".",
    }


def compare(
    snapshot: Mapping[str, Any],
    as_of: Mapping[str, Any] | None = None,
    *,
    caveats: Mapping[str, str] | None = None,
    paper: list[dict[str, Any]] | None = None,
    evidence: Mapping[str, Mapping[str, Any]] | None = None,
    synthetic: bool = False,
    paper_date: str = PAPER_DATE,
    places: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The paper-vs-snapshot table.

    ``snapshot`` and ``as_of`` map finding keys (``activity.models``,
    ``network.isolates_pct``, ``snapshot.date``, ...) to values; ``as_of``
    holds the as-of-paper-date reconstruction where it applies (missing keys
    show as n/a). Each row's rule reads its measure and the findings its ``uses`` names from
    ``snapshot``; ``evidence`` maps a paper key to what :func:`grade` needs beyond those
    (scope, effects; given values win). ``caveats`` maps a row key to an extra sentence for its
    note. ``places`` maps a paper key to where the book shows its evidence (``tab-activity (Part I)``).
    """
    paper = paper if paper is not None else paper_numbers()
    caveats, evidence, places = caveats or {}, evidence or {}, places or {}
    ctx = Context(snapshot, as_of or {}, paper_date)
    try:
        dated_later = dt.date.fromisoformat(str(snapshot.get("snapshot.date"))) > dt.date.fromisoformat(paper_date)
    except ValueError:
        dated_later = True
    rows = [
        _row(
            item,
            evidence.get(item["key"], {}),
            ctx,
            synthetic=synthetic,
            dated_later=dated_later,
            caveat=caveats.get(item["key"]),
            place=places.get(item["key"], ""),
        )
        for item in paper
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


# --------------------------------------------------------------------------- #
# from a findings file
# --------------------------------------------------------------------------- #

AS_OF_SUFFIX = ".as_of_paper_date"
#: Why a downloads share may differ: the same measure as the paper's, over a different window.
DOWNLOADS_WINDOW = (
    "downloads are the API's rolling 30-day count, as in the paper, but over the 30 days before this "
    "snapshot's date rather than before the paper's collection: the as-of share keeps the models of the "
    "paper's date and counts their downloads of a later month"
)


def _caveats(doc: Mapping[str, Any], entries: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Why a snapshot's number may differ for reasons of method or coverage (from the findings' coverage)."""

    def cov_note(key: str, what: str) -> str:
        e = entries.get(key)
        if e is None:
            return "this build recorded no commit histories"
        counted, _, scope = covers(key, e["coverage"]).rpartition("; coverage: ")
        return f"{what} covers {counted} (coverage: {scope})" if counted else f"{what}: {scope}"

    commits = cov_note("network.isolates_pct", "the collaboration network")
    c = {
        "models_zero_downloads": DOWNLOADS_WINDOW,
        "top1pct_downloads": DOWNLOADS_WINDOW,
        "isolates": commits,
        "network_structure": commits,
        "single_contributor": cov_note("activity.models_single_commit_author_pct", "the commit measure"),
        "license_groups": cov_note("activity.models_single_commit_author_pct", "the commit measure"),
        "adoption": str((entries.get("adoption.models_used_pct") or {}).get("coverage", {}).get("note") or "").rstrip(
            "."
        )
        or "this build recorded no adoption finding",
    }
    for t in ("models", "datasets", "spaces"):
        e = entries.get(f"activity.{t}")
        if e is not None and e["coverage"]["scope"] == "none":
            c[t] = f"the snapshot has no listing of {t}"
        else:
            c[t] = "the as-of count includes only repositories that still existed at the snapshot date"
    if doc["snapshot"]["synthetic"]:
        c = {k: "; ".join(filter(None, [c.get(k), SYNTHETIC_CAVEAT])) for k in (n["key"] for n in paper_numbers())}
    return c


def evidence_keys(item: Mapping[str, Any]) -> list[str]:
    """The findings a claim's evidence is: its measure, or for ``effect_interval`` the measure of each
    collaboration measure (``activity.license_effect.commits``, ...)."""
    if item["rule"]["kind"] == "effect_interval":
        return [f"{item['measure']}.{m}" for m in COLLABORATION]
    return [item["measure"]]


def _evidence(item: Mapping[str, Any], entries: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """What grading needs of a claim beyond the values: the coverage scope of its measure and, for
    ``effect_interval``, each effect with its interval and scope."""
    e = entries.get(item["measure"])
    ev: dict[str, Any] = {"scope": None if e is None else e["coverage"]["scope"]}
    if item["rule"]["kind"] == "effect_interval":
        ev["effects"] = [
            (k.rsplit(".", 1)[1], x["value"], x["ci_low"], x["ci_high"], x["coverage"]["scope"])
            for k in evidence_keys(item)
            if (x := entries.get(k)) is not None
        ]
    return ev


def _place(item: Mapping[str, Any], entries: Mapping[str, Mapping[str, Any]]) -> str:
    """Where the book shows a claim's evidence: the label of its first finding, with the page."""
    for k in evidence_keys(item):
        e = entries.get(k)
        if e is not None and e.get("source"):
            return f"{e['source']} ({PAGE_NAMES.get(str(e.get('part')), e.get('part'))})"
    return ""


def paper_vs_snapshot(doc: Mapping[str, Any], paper_date: str = PAPER_DATE) -> pd.DataFrame:
    """``tab-paper-vs-snapshot`` from a build's findings (:func:`analysis.publication.findings.load`)."""
    entries = fnd.by_key(doc)
    snap = doc["snapshot"]
    values: dict[str, Any] = {"snapshot.date": snap["date"]}
    as_of: dict[str, Any] = {}
    for k, e in entries.items():
        if k.endswith(AS_OF_SUFFIX):
            as_of[k[: -len(AS_OF_SUFFIX)]] = e["value"]
        else:
            values[k] = e["value"]
    if snap["date"] > paper_date and as_of:
        as_of["snapshot.date"] = f"{paper_date} (reconstructed)"
    else:
        as_of = {"snapshot.date": NA}

    evidence = {item["key"]: _evidence(item, entries) for item in paper_numbers()}
    places = {item["key"]: _place(item, entries) for item in paper_numbers()}
    return compare(
        values,
        as_of,
        caveats=_caveats(doc, entries),
        evidence=evidence,
        synthetic=bool(snap["synthetic"]),
        paper_date=paper_date,
        places=places,
    )


def reading_the_differences(doc: Mapping[str, Any], paper_date: str = PAPER_DATE) -> str:
    """The paragraph on the causes of differences, its numbers read from the findings: how many
    model repositories this snapshot lists against the paper's count, and how many of them the
    as-of reconstruction keeps."""
    data = figure_data(doc)
    models = data[data["key"] == "models"].iloc[0] if (data["key"] == "models").any() else None
    if models is None or _missing(models["snapshot"]):
        time = "repositories created after the paper's date count in a snapshot dated later"
    else:
        time = f"this snapshot lists {models['snapshot']:,.0f} model repositories against the paper's {models['paper']:,.0f}"
        if not _missing(models["as_of"]):
            time += f", {models['as_of']:,.0f} of them created by {paper_date}"
    text = (
        f"Differences have three kinds of causes: **time** ({time}; the as-of column leaves out what was created "
        "after the paper's date, but cannot bring back what was deleted since), **coverage** (a snapshot may cover "
        "commits, discussions or space edges for a subset of repositories only, stated in each note), and "
        "**method** (the deliberate deviations listed in the chapter on data and methods, for example reading zero "
        "downloads as zero rather than missing)."
    )
    if doc["snapshot"]["synthetic"]:
        text += " This snapshot is synthetic: the comparison illustrates the method only."
    return text


def cannot_answer(table: pd.DataFrame) -> list[str]:
    """One sentence per claim this snapshot cannot test, with the reason from its note."""
    out = []
    for row in table.itertuples(index=False):
        if row.testable != "no":
            continue
        reason = _parenthesis_after(str(row.note), "testable: no (")
        out.append(f"{row.quantity} (the paper: {row.paper}): {reason or 'not testable'}")
    return out


def _parenthesis_after(text: str, opening: str) -> str:
    """The text inside the parenthesis that ``opening`` (ending in ``(``) opens, up to the
    parenthesis that closes it (nested ones and ``;`` inside kept whole); empty if absent."""
    start = text.find(opening)
    if start < 0:
        return ""
    depth, i = 1, start + len(opening)
    for j in range(i, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return text[i:j]
    return text[i:].rstrip(".")


# --------------------------------------------------------------------------- #
# from the paper to the book (tab-paper-map)
# --------------------------------------------------------------------------- #

PAPER_MAP_FILE = "paper_map.yml"


def paper_map_entries() -> list[dict[str, Any]]:
    """The analyses of the paper with the labels that show them (``analysis/resources/paper_map.yml``)."""
    import yaml

    from analysis import paths

    doc = yaml.safe_load(paths.resource(PAPER_MAP_FILE).read_text(encoding="utf-8")) or {}
    return list(doc.get("analyses") or [])


def paper_map(table: pd.DataFrame) -> pd.DataFrame:
    """``tab-paper-map``: every analysis of the paper, where the book shows it (labels and page),
    and the verdicts of the paper's numbers it carries (from ``tab-paper-vs-snapshot``, ``table``)."""
    quantity_of = {n["key"]: n["quantity"] for n in paper_numbers()}
    graded = table.set_index("quantity")
    rows = []
    for a in paper_map_entries():
        verdicts = []
        for key in a.get("claims") or []:
            q = quantity_of.get(key)
            if q is None or q not in graded.index:
                continue
            r = graded.loc[q]
            verdicts.append(f"{q}: {r['verdict'] or 'not testable'}")
        rows.append(
            {
                "analysis of the paper": a["analysis"],
                "research question": a.get("rq", ""),
                "in the book": ", ".join(a.get("labels") or []) or "section, not a table",
                "page": PAGE_NAMES.get(str(a.get("page")), str(a.get("page") or "")),
                "verdict": "; ".join(verdicts) if verdicts else "shown; the paper reports no number to grade",
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- #
# the landing page's picture of the reproduction (fig-paper-vs-snapshot)
# --------------------------------------------------------------------------- #


def figure_data(doc: Mapping[str, Any]) -> pd.DataFrame:
    """The paper's numeric claims with this snapshot's value, its as-of-paper-date value and their
    intervals (from the findings), one row per claim; missing values stay missing."""
    entries = fnd.by_key(doc)
    rows = []
    for item in paper_numbers():
        if "value" not in item:
            continue
        e = entries.get(item["measure"])
        a = entries.get(item["measure"] + AS_OF_SUFFIX)
        absent = e is None or e["coverage"]["scope"] == "none"

        def val(x: Mapping[str, Any] | None, field: str) -> float | None:
            if absent or x is None or _missing(x.get(field)):
                return None
            return float(x[field])

        rows.append(
            {
                "key": item["key"],
                "quantity": item["quantity"],
                "unit": item.get("unit"),
                "relation": relation(item),
                "paper": float(item["value"]),
                "paper_source": item["source"],
                "snapshot": val(e, "value"),
                "snapshot_low": val(e, "ci_low"),
                "snapshot_high": val(e, "ci_high"),
                "as_of": val(a, "value"),
                "as_of_low": val(a, "ci_low"),
                "as_of_high": val(a, "ci_high"),
                "scope": "none" if e is None else e["coverage"]["scope"],
            }
        )
    return pd.DataFrame(rows)


def figure(data: pd.DataFrame, snapshot_date: str, paper_date: str = PAPER_DATE):
    """The paper's values (black) against this snapshot's (blue) and the as-of-paper-date values
    (orange), with their 95% intervals where the findings have them: counts on a log axis above,
    shares below (one column, so that it reads on a phone)."""
    import matplotlib.pyplot as plt
    import numpy as np

    counts = data[data["unit"] == "count"].reset_index(drop=True)
    shares = data[data["unit"] == "pct"].reset_index(drop=True)
    heights = [max(len(counts), 1), max(len(shares), 1)]
    fig, axes = plt.subplots(
        2, 1, figsize=(8, 1.0 + 0.55 * sum(heights)), gridspec_kw={"height_ratios": heights}, layout="constrained"
    )
    series = (
        ("paper", "the paper (quoted)", "black", "D", None, None),
        ("snapshot", f"this snapshot ({snapshot_date})", "#1f77b4", "o", "snapshot_low", "snapshot_high"),
        ("as_of", f"as of the paper's date ({paper_date})", "#ff7f0e", "s", "as_of_low", "as_of_high"),
    )
    for ax, part, title in ((axes[0], counts, "repositories"), (axes[1], shares, "shares (%)")):
        y = np.arange(len(part))[::-1]
        for offset, (col, label, color, marker, lo, hi) in zip((0.22, 0.0, -0.22), series):
            vals = part[col].to_numpy(dtype=float)
            ok = ~np.isnan(vals)
            if lo is not None:
                low = part[lo].to_numpy(dtype=float)
                high = part[hi].to_numpy(dtype=float)
                err = ok & ~np.isnan(low) & ~np.isnan(high)
                ax.errorbar(
                    vals[err],
                    y[err] + offset,
                    xerr=[vals[err] - low[err], high[err] - vals[err]],
                    fmt="none",
                    ecolor=color,
                    capsize=3,
                    lw=1.2,
                )
            ax.plot(vals[ok], y[ok] + offset, ls="", marker=marker, color=color, label=label, ms=7)
            if col == "paper":
                for yy, v, rel in zip(y, vals, part["relation"]):
                    if rel == ">":
                        ax.annotate(
                            "", xy=(v + 8, yy + offset), xytext=(v, yy + offset), arrowprops={"arrowstyle": "->"}
                        )
        ax.set_yticks(y)
        # a claim this snapshot has no data for says so in its label (absent is not zero), not over the plot
        ax.set_yticklabels(
            [_short(q) + (" (no data)" if pd.isna(v) else "") for q, v in zip(part["quantity"], part["snapshot"])]
        )
        ax.set_title(title, loc="left")
        ax.grid(axis="x", alpha=0.3)
        if len(part) == 0:
            ax.set_axis_off()
    if len(counts):
        axes[0].set_xscale("log")
    axes[1].set_xlim(0, 100)
    axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1, frameon=False)
    return fig


def _short(quantity: str) -> str:
    """A claim's name short enough for a tick label."""
    short = {
        "share of all downloads held by the top 1% of models": "top 1% of models' share of downloads",
        "developers who are isolates in the collaboration network": "developers who are isolates",
        "model repositories with a single contributor": "models with a single contributor",
    }
    return short.get(quantity, quantity)
