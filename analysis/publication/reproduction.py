"""Part IV: the paper's reported numbers beside this snapshot's (``tab-paper-vs-snapshot``).

The paper's values are quoted, with their source (the abstract, or secondary
summaries only), in ``analysis/resources/paper_numbers.yml``. The snapshot's
values are the findings that Parts I-III recorded in
``_build/<snapshot_id>/findings.json`` (:mod:`analysis.publication.findings`):
nothing of Parts I-III is computed here.

Every row gets two columns set by one rule, :func:`grade` (listed in the Data and
methods chapter by :func:`rules_table`):

- ``testable``: ``yes``, ``partly`` or ``no``: can this snapshot test the claim?
- ``verdict``: ``agrees``, ``differs``, ``consistent in direction``, or empty
  where the claim is not testable.

:func:`compare` is pure (dicts in, a table out) so it can be tested on its own;
:func:`paper_vs_snapshot` reads the inputs from a findings file.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analysis.paper import PAPER_DATE, paper_numbers
from analysis.publication import findings as fnd

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

#: Tolerances of an "agrees" verdict: percentage points for shares, relative % for counts.
TOL_PCT_POINTS = 5.0
TOL_COUNT_REL = 5.0
#: Kruskal-Wallis epsilon squared at or above this is at least a small effect (Tomczak & Tomczak 2014).
EPS_SMALL = 0.01
#: Reciprocity between distinct developers at or above this counts as "high".
RECIPROCITY_HIGH = 0.5
#: Part I's collaboration measures (the license claim is about "collaboration patterns").
COLLABORATION = fnd.COLLABORATION_MEASURES

TESTABLE = ("yes", "partly", "no")
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
VERDICTS = ("agrees", "differs", "consistent in direction", "")


def rules_table() -> pd.DataFrame:
    """The grading rule of :func:`grade`, one row per clause, in the order it is applied."""
    rows = [
        ("testable", "synthetic snapshot", "no", "synthetic data are not the Hub; the row illustrates the method"),
        ("testable", "the paper's collection date", "no", "a fact about the paper's data, not a finding"),
        ("testable", "the finding is missing, or its evidence has coverage scope none", "no", "nothing to test with"),
        (
            "testable",
            "the evidence is a selection that is not a random sample (coverage scope subset: for example the "
            "id-prefix model_info selection, or commits kept only when they touched a weight file)",
            "no",
            "every claim of the paper is about the whole Hub; a non-random selection cannot stand for it",
        ),
        (
            "testable",
            "the usage counts look capped (the largest number of spaces per model is a round value that two or "
            "more models share exactly)",
            "no",
            "a capped field cannot show how concentrated use is",
        ),
        (
            "testable",
            f"the value holds by construction (the {fnd_reciprocity_name()} is 1 whenever every commit "
            "author of a repository is the first author of one of its commits)",
            "no",
            "a value that cannot come out otherwise cannot confirm a claim",
        ),
        (
            "testable",
            "the evidence is a seeded random sample (scope sample), or the snapshot is dated after the paper's "
            "date (as-of counts cannot see deleted repositories; shares are measured at the snapshot date)",
            "partly",
            "an estimate of the Hub's value, with error the table does not state",
        ),
        ("testable", "otherwise (scope all, on the paper's date)", "yes", ""),
        ("verdict", "testable is no", "(empty)", ""),
        (
            "verdict",
            "a count",
            "agrees / differs",
            f"agrees within ±{TOL_COUNT_REL:g}% of the paper's count (the as-of value where there is one)",
        ),
        (
            "verdict",
            "a share 'about x%'",
            "agrees / differs",
            f"agrees within ±{TOL_PCT_POINTS:g} percentage points (the as-of value where there is one)",
        ),
        ("verdict", "a share 'over x%'", "agrees / differs", "agrees when above x"),
        (
            "verdict",
            "'statistically significant differences' between license groups",
            "agrees / consistent in direction / differs",
            f"judged on Kruskal-Wallis epsilon squared of the collaboration measures with its 95% bootstrap "
            f"interval, threshold {EPS_SMALL:g} (a small effect), not on p: agrees when some interval lies above "
            f"{EPS_SMALL:g}, differs when every interval lies below it, else consistent in direction",
        ),
        (
            "verdict",
            "high reciprocity without isolates, core-periphery structure",
            "consistent in direction / differs",
            f"consistent in direction when the {fnd_reciprocity_name()} is at least {RECIPROCITY_HIGH:g} (where it is "
            f"not 1 by construction) and the main core's k lies at least {CORE_Z:g} SDs above the bipartite null "
            "(Part II); the claim's 'regardless of network position' is shown in Part II, not graded",
        ),
        (
            "verdict",
            "a minority of models, by a handful of owners, widely used",
            "agrees / consistent in direction / differs",
            "agrees when under 50% of covered models are used and the top 5 owners hold at least 50% of uses; "
            "consistent in direction when only the first holds",
        ),
    ]
    return pd.DataFrame(rows, columns=["column", "when", "value", "why / how"])


def fnd_reciprocity_name() -> str:
    from analysis.parts.network import RECIPROCITY_NAME

    return RECIPROCITY_NAME


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


def rests_on(item: Mapping[str, Any], evidence: Mapping[str, Any], verdict: str) -> str:
    """The number a verdict rests on, in words (empty where there is no verdict): for a count or a
    share, the as-of-paper-date value where there is one (else the snapshot's) against the paper's."""
    if not verdict:
        return ""
    measure = item["measure"]
    v = evidence.get("value")
    if measure == "activity.license_effect":
        usable = [e for e in evidence.get("effects", []) if not _missing(e[1]) and e[4] in ("all", "sample")]
        lows = [e[2] for e in usable if not _missing(e[2])]
        highs = [e[3] for e in usable if not _missing(e[3])]
        bits = []
        if lows:
            bits.append(f"largest lower interval end {max(lows):.3f}")
        if highs:
            bits.append(f"largest upper end {max(highs):.3f}")
        return f"epsilon squared: {', '.join(bits)} (threshold {EPS_SMALL:g})"
    if measure == "network.reciprocity":
        return f"{fnd_reciprocity_name()} {float(v):.2f} (threshold {RECIPROCITY_HIGH:g})"
    if measure == "adoption.models_used_pct":
        top5 = evidence.get("top5")
        text = f"{float(v):.1f}% of covered models used (threshold 50%)"
        if not _missing(top5):
            text += f"; top 5 owners hold {float(top5):.1f}% of uses (threshold 50%)"
        return text
    a = evidence.get("as_of")
    which, x = ("as of the paper's date", a) if not _missing(a) else ("the snapshot", v)
    if _missing(x):
        return ""
    paper = float(item["value"])
    if item.get("unit") == "count":
        rel = (float(x) - paper) / paper * 100 if paper else float("nan")
        return (
            f"{which}: {_fmt(x, 'count')} ({rel:+.1f}% against {_fmt(paper, 'count')}; tolerance ±{TOL_COUNT_REL:g}%)"
        )
    if item.get("relation") == ">":
        return f"{which}: {float(x):.1f}% against 'over {paper:g}%'"
    return (
        f"{which}: {float(x):.1f}% ({float(x) - paper:+.1f} points against {paper:g}%; "
        f"tolerance ±{TOL_PCT_POINTS:g} points)"
    )


# --------------------------------------------------------------------------- #
# the rule
# --------------------------------------------------------------------------- #


#: The core-periphery claim holds against the bipartite null when the main core's k lies at least this
#: many null SDs above the null mean (Part II, ``tab-core-null-models``).
CORE_Z = 2.0


def _core_reason(core_z: Any) -> str:
    side = "above" if float(core_z) >= CORE_Z else "not above"
    return (
        f"core-periphery judged against the bipartite null (memberships randomised, both degree sequences kept): "
        f"the main core's k is {side} chance (z = {float(core_z):+.1f}, threshold {CORE_Z:g})"
    )


def _scope_testable(scope: str | None, dated_later: bool) -> tuple[str, str]:
    if scope in (None, "none"):
        return "no", "this snapshot has no data for it"
    if scope == "subset":
        return "no", "its evidence is a selection that is not a random sample, so it cannot test a Hub-wide claim"
    if scope == "sample":
        return "partly", "its evidence is a seeded random sample of repositories"
    if dated_later:
        return "partly", "the snapshot is dated after the paper"
    return "yes", ""


def grade(
    item: Mapping[str, Any],
    evidence: Mapping[str, Any],
    *,
    synthetic: bool = False,
    dated_later: bool = True,
) -> tuple[str, str, str]:
    """``(testable, verdict, reason)`` of one paper claim (the rule of :func:`rules_table`).

    ``evidence``: ``value``, ``as_of`` (the as-of-paper-date value or None),
    ``scope`` (coverage scope of its evidence), and per claim: ``by_construction``
    (network), ``effects`` (license: ``[(measure, estimate, ci_low, ci_high, scope)]``),
    ``top5`` (adoption).
    """
    measure = item["measure"]
    if measure == "snapshot.date":
        return "no", "", "the collection date is a fact about the paper's data, not a finding"
    if synthetic:
        return "no", "", "synthetic data are not the Hub"
    v = evidence.get("value")
    if measure == "activity.license_effect":
        effects = [e for e in evidence.get("effects", []) if not _missing(e[1])]
        usable = [e for e in effects if e[4] in ("all", "sample")]
        if not usable:
            scopes = sorted({str(e[4]) for e in effects}) or ["none"]
            why = _scope_testable(scopes[0] if len(scopes) == 1 else "subset", dated_later)[1]
            return "no", "", f"collaboration measures: {why}"
        testable = "partly"
        lows = [e[2] for e in usable]
        highs = [e[3] for e in usable]
        if any(lo is not None and lo >= EPS_SMALL for lo in lows):
            verdict = "agrees"
        elif all(hi is not None and hi < EPS_SMALL for hi in highs):
            verdict = "differs"
        else:
            verdict = "consistent in direction"
        return testable, verdict, f"judged on epsilon squared with its interval (threshold {EPS_SMALL:g}), not on p"
    if _missing(v):
        if evidence.get("scope") == "none":
            return "no", "", "this snapshot has no data for it"
        return "no", "", "not computed from this snapshot"
    testable, why = _scope_testable(evidence.get("scope"), dated_later)
    core_z = evidence.get("core_z")
    if measure == "network.reciprocity" and evidence.get("by_construction"):
        built = (
            f"the {fnd_reciprocity_name()} is 1 by construction here (every commit author of a repository is "
            "the first author of one of its commits), so it cannot confirm the claim"
        )
        if testable == "no" or _missing(core_z):
            return "no", "", built + (f"; and {why}" if testable == "no" else "")
        core = float(core_z) >= CORE_Z
        return "partly", "consistent in direction" if core else "differs", f"{_core_reason(core_z)}; {built}"
    cap = evidence.get("cap")
    if measure == "adoption.models_used_pct" and not _missing(cap):
        capped = (
            f"the spaces per model look capped at {int(cap):,} (the largest counts pile up at that round value), "
            "so how concentrated use is cannot be measured"
        )
        return "no", "", capped + (f"; and {why}" if testable == "no" else "")
    if testable == "no":
        return testable, "", why
    if measure == "network.reciprocity":
        ok = float(v) >= RECIPROCITY_HIGH and (_missing(core_z) or float(core_z) >= CORE_Z)
        reason = why or "the claim's 'regardless of network position' is not graded"
        if not _missing(core_z):
            reason = f"{_core_reason(core_z)}; {reason}"
        return "partly", "consistent in direction" if ok else "differs", reason
    if measure == "adoption.models_used_pct":
        top5 = evidence.get("top5")
        minority = float(v) < 50
        concentrated = not _missing(top5) and float(top5) >= 50
        verdict = "agrees" if minority and concentrated else "consistent in direction" if minority else "differs"
        return testable, verdict, why
    # numeric claims
    x = evidence.get("as_of")
    x = v if _missing(x) else x
    paper = float(item["value"])
    if item.get("unit") == "count":
        ok = paper and abs(float(x) - paper) / paper * 100 <= TOL_COUNT_REL
    elif item.get("relation") == ">":
        ok = float(x) > paper
    else:
        ok = abs(float(x) - paper) <= TOL_PCT_POINTS
    return testable, "agrees" if ok else "differs", why


# --------------------------------------------------------------------------- #
# the table
# --------------------------------------------------------------------------- #


def _effects_text(effects: list[tuple]) -> str:
    if not effects:
        return NA
    parts = []
    for meas, est, lo, hi, _scope in effects:
        if _missing(est):
            continue
        ci = f" [{lo:.3f}, {hi:.3f}]" if not _missing(lo) and not _missing(hi) else ""
        parts.append(f"{meas} {est:.3f}{ci}")
    return "epsilon squared (95% interval): " + "; ".join(parts) if parts else NA


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
    show as n/a). ``evidence`` maps a paper key to what :func:`grade` needs
    beyond the values (scope, construction, effects). ``caveats`` maps a row
    key to an extra sentence for its note. ``places`` maps a paper key to where the book shows
    its evidence (``tab-activity (Part I)``).
    """
    paper = paper if paper is not None else paper_numbers()
    as_of = as_of or {}
    caveats = caveats or {}
    evidence = evidence or {}
    places = places or {}
    snap_date = snapshot.get("snapshot.date")
    try:
        dated_later = dt.date.fromisoformat(str(snap_date)) > dt.date.fromisoformat(paper_date)
    except ValueError:
        dated_later = True
    rows = []
    for item in paper:
        key, measure = item["key"], item["measure"]
        v = snapshot.get(measure)
        a = as_of.get(measure)
        ev = {"value": v, "as_of": a, **evidence.get(key, {})}
        notes: list[str] = []
        if "value" in item:
            unit, rel = item.get("unit"), item.get("relation", "=")
            snap_s, asof_s = _fmt(v, unit), _fmt(a, unit)
            if ev.get("scope") == "none":  # absent is not zero: a table the snapshot does not have
                snap_s, asof_s, v, a = "no data (not in this snapshot)", NA, None, None
                ev = {**ev, "value": None, "as_of": None}
            if _missing(v):
                if ev.get("scope") != "none":
                    notes.append("not computed from this snapshot")
            else:
                notes.append(_diff(v, float(item["value"]), unit, rel, "snapshot"))
            if not _missing(a):
                notes.append(_diff(a, float(item["value"]), unit, rel, "as of paper date"))
                if unit == "count" and float(a) > float(item["value"]):
                    notes.append(
                        "the as-of count is above the paper's although deleted repositories cannot be seen: the "
                        f"paper's collection day in October 2023 is not recorded, so repositories created between it "
                        f"and {paper_date} count here, and creation dates that are placeholders (see "
                        "tab-data-quality) put repositories before any as-of date"
                    )
        elif measure == "activity.license_effect":
            snap_s = _effects_text(list(ev.get("effects", [])))
            asof_s = NA
        elif measure == "network.reciprocity":
            asof_s = NA
            if _missing(v):
                snap_s = NA
                notes.append("not computed from this snapshot")
            else:
                bits = [f"{fnd_reciprocity_name()} {float(v):.2f}"]
                core, nodes = snapshot.get("network.core_size"), snapshot.get("network.nodes")
                if not _missing(core) and not _missing(nodes):
                    bits.append(f"main k-core of {int(core):,} of {int(nodes):,} developers")
                fit = snapshot.get("network.be_fit")
                if not _missing(fit):
                    bits.append(f"Borgatti-Everett fit {float(fit):.2f}")
                snap_s = "; ".join(bits)
        elif measure == "adoption.models_used_pct":
            asof_s = NA
            if _missing(v):
                snap_s = NA
                notes.append("not computed from this snapshot")
            else:
                bits = [f"{float(v):.1f}% of covered models are used by at least one space"]
                top5 = snapshot.get("adoption.top5_owners_usage_share_pct")
                if not _missing(top5):
                    bits.append(f"the top 5 owners hold {float(top5):.1f}% of all uses")
                covered = snapshot.get("adoption.models_covered")
                if not _missing(covered):
                    bits.append(f"{int(covered):,} models covered")
                cap = snapshot.get("adoption.spaces_per_model_cap")
                if not _missing(cap):
                    bits.append(f"spaces per model look capped at {int(cap):,}")
                snap_s = "; ".join(bits)
        elif measure == "snapshot.date":
            snap_s = str(v) if not _missing(v) else NA
            asof_s = str(as_of.get(measure, NA))
            try:
                days = (dt.date.fromisoformat(str(v)) - dt.date.fromisoformat(paper_date)).days
                notes.append(f"this snapshot is {days:+,} days from the paper's date ({paper_date})")
            except ValueError:
                pass
        else:
            raise ValueError(f"paper number {key!r}: no rule for measure {measure!r}")
        testable, verdict, reason = grade(item, ev, synthetic=synthetic, dated_later=dated_later)
        if reason:
            notes.append(f"testable: {testable} ({reason})")
        iso_z = snapshot.get("network.null_bipartite.isolates_pct_z")
        if key == "isolates" and not _missing(iso_z):
            side = "above" if float(iso_z) >= CORE_Z else "below" if float(iso_z) <= -CORE_Z else "within"
            notes.append(
                f"against the bipartite null (memberships randomised, both degree sequences kept) the isolate share "
                f"is {side} chance (z = {float(iso_z):+.1f})"
            )
        if key == "isolates" and not _missing(snapshot.get("network.cleaned_isolates_pct")):
            notes.append(
                f"in the cleaned network (identities resolved, `system` and bots removed) "
                f"{float(snapshot['network.cleaned_isolates_pct']):.1f}% are isolates"
            )
        if key in caveats:
            notes.append(caveats[key])
        if "value" in item and _missing(a) and ev.get("scope") != "none":
            notes.append("no as-of reconstruction for this measure")
        rows.append(
            {
                "quantity": item["quantity"],
                "paper": item["paper"],
                "paper_source": item["source"],
                "snapshot": snap_s,
                "snapshot_as_of_paper_date": asof_s,
                "testable": testable,
                "verdict": verdict,
                "rests_on": rests_on(item, ev, verdict),
                "in_the_book": places.get(key, ""),
                "note": "; ".join(n for n in notes if n) + ".",
            }
        )
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
            return f"this build recorded no {what}"
        c = e["coverage"]
        covered = "" if c["covered"] is None else f"{c['covered']:,}"
        of = "" if c["population"] is None else f" of {c['population']:,}"
        return f"{what} cover {covered}{of} model repositories (coverage: {c['scope']})"

    commits = cov_note("network.isolates_pct", "commit histories")
    c = {
        "models_zero_downloads": DOWNLOADS_WINDOW,
        "top1pct_downloads": DOWNLOADS_WINDOW,
        "isolates": commits,
        "network_structure": commits,
        "single_contributor": cov_note("activity.models_single_commit_author_pct", "commit histories"),
        "license_groups": cov_note("activity.models_single_commit_author_pct", "commit histories"),
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

    def scope(key: str) -> str | None:
        e = entries.get(key)
        return None if e is None else e["coverage"]["scope"]

    evidence: dict[str, dict[str, Any]] = {}
    for item in paper_numbers():
        evidence[item["key"]] = {"scope": scope(item["measure"])}
    evidence["network_structure"]["by_construction"] = bool(values.get("network.reciprocity_by_construction"))
    evidence["network_structure"]["core_z"] = values.get("network.null_bipartite.k_max_z")
    evidence["adoption"]["top5"] = values.get("adoption.top5_owners_usage_share_pct")
    evidence["adoption"]["cap"] = values.get("adoption.spaces_per_model_cap")
    effects = []
    for meas in COLLABORATION:
        e = entries.get(f"activity.license_effect.{meas}")
        if e is not None:
            effects.append((meas, e["value"], e["ci_low"], e["ci_high"], e["coverage"]["scope"]))
    evidence["license_groups"]["effects"] = effects
    places: dict[str, str] = {}
    for item in paper_numbers():
        keys = (
            [item["measure"]]
            if item["measure"] != "activity.license_effect"
            else [f"activity.license_effect.{m}" for m in COLLABORATION]
        )
        for k in keys:
            e = entries.get(k)
            if e is not None and e.get("source"):
                places[item["key"]] = f"{e['source']} ({PAGE_NAMES.get(str(e.get('part')), e.get('part'))})"
                break
    return compare(
        values,
        as_of,
        caveats=_caveats(doc, entries),
        evidence=evidence,
        synthetic=bool(snap["synthetic"]),
        paper_date=paper_date,
        places=places,
    )


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
                "relation": item.get("relation", "="),
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
