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
            f"consistent in direction when the {fnd_reciprocity_name()} is at least {RECIPROCITY_HIGH:g} "
            "(the claim's 'regardless of network position' is shown in Part II, not graded)",
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


# --------------------------------------------------------------------------- #
# the rule
# --------------------------------------------------------------------------- #


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
        return "no", "", "not computed from this snapshot"
    testable, why = _scope_testable(evidence.get("scope"), dated_later)
    if measure == "network.reciprocity" and evidence.get("by_construction"):
        built = (
            f"the {fnd_reciprocity_name()} is 1 by construction here (every commit author of a repository is "
            "the first author of one of its commits), so it cannot confirm the claim"
        )
        return "no", "", built + (f"; and {why}" if testable == "no" else "")
    if testable == "no":
        return testable, "", why
    if measure == "network.reciprocity":
        verdict = "consistent in direction" if float(v) >= RECIPROCITY_HIGH else "differs"
        return "partly", verdict, why or "the claim's 'regardless of network position' is not graded"
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
) -> pd.DataFrame:
    """The paper-vs-snapshot table.

    ``snapshot`` and ``as_of`` map finding keys (``activity.models``,
    ``network.isolates_pct``, ``snapshot.date``, ...) to values; ``as_of``
    holds the as-of-paper-date reconstruction where it applies (missing keys
    show as n/a). ``evidence`` maps a paper key to what :func:`grade` needs
    beyond the values (scope, construction, effects). ``caveats`` maps a row
    key to an extra sentence for its note.
    """
    paper = paper if paper is not None else paper_numbers()
    as_of = as_of or {}
    caveats = caveats or {}
    evidence = evidence or {}
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
            if _missing(v):
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
                "testable": testable,
                "verdict": verdict,
                "note": "; ".join(n for n in notes if n) + ".",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


# --------------------------------------------------------------------------- #
# from a findings file
# --------------------------------------------------------------------------- #

AS_OF_SUFFIX = ".as_of_paper_date"


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
        "models_zero_downloads": "downloads are the API's 30-day count at the snapshot date, not a lifetime count",
        "top1pct_downloads": "downloads are the API's 30-day count at the snapshot date",
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
    evidence["adoption"]["top5"] = values.get("adoption.top5_owners_usage_share_pct")
    effects = []
    for meas in COLLABORATION:
        e = entries.get(f"activity.license_effect.{meas}")
        if e is not None:
            effects.append((meas, e["value"], e["ci_low"], e["ci_high"], e["coverage"]["scope"]))
    evidence["license_groups"]["effects"] = effects
    return compare(
        values,
        as_of,
        caveats=_caveats(doc, entries),
        evidence=evidence,
        synthetic=bool(snap["synthetic"]),
        paper_date=paper_date,
    )


def cannot_answer(table: pd.DataFrame) -> list[str]:
    """One sentence per claim this snapshot cannot test, with the reason from its note."""
    out = []
    for row in table.itertuples(index=False):
        if row.testable != "no":
            continue
        reason = ""
        for part in str(row.note).rstrip(".").split("; "):
            if part.startswith("testable: no ("):
                reason = part[len("testable: no (") : -1]
        out.append(f"{row.quantity} (the paper: {row.paper}): {reason or 'not testable'}")
    return out
