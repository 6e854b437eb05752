"""Part IV's grading: the rules of ``analysis/resources/paper_numbers.yml``, interpreted.

Each paper number names its rule (``rule: {kind: ..., ...}``; the vocabulary is
:data:`analysis.paper.RULE_FIELDS`). :func:`grade` gives every claim two columns of
``tab-paper-vs-snapshot``:

- ``testable``: ``yes``, ``partly`` or ``no``: can this snapshot test the claim? The same for
  every kind: not on synthetic data, not without data, not on a selection that is not a random
  sample; ``partly`` on a seeded random sample or a snapshot dated after the paper;
- ``verdict``: ``agrees``, ``differs``, ``consistent in direction``, or empty where the claim is
  not testable: set by the function of the rule's kind (:data:`KINDS`).

:func:`rests_on` says in words the number each verdict rests on, and :func:`rules_table` lists
the rule (in the Data and methods chapter) with the thresholds the YAML gives. Adding a paper
number is an entry in the YAML; a new kind of claim is one grading function here, one entry in
:data:`KINDS` and its fields in :data:`analysis.paper.RULE_FIELDS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from analysis.paper import paper_numbers

TESTABLE = ("yes", "partly", "no")
VERDICTS = ("agrees", "differs", "consistent in direction", "")
#: The scopes of evidence that can stand for the Hub (a whole listing, a seeded random sample).
USABLE_SCOPES = ("all", "sample")

Grade = tuple[str, str, str]


def fnd_reciprocity_name() -> str:
    """Part II's name of the reciprocity the network claim is judged on."""
    from analysis.parts.network import RECIPROCITY_NAME

    return RECIPROCITY_NAME


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _fmt_count(v: Any) -> str:
    return f"{int(round(float(v))):,}"


def scope_testable(scope: str | None, dated_later: bool) -> tuple[str, str]:
    """``(testable, why)`` from the coverage scope of a claim's evidence and the snapshot's date."""
    if scope in (None, "none"):
        return "no", "this snapshot has no data for it"
    if scope == "subset":
        return "no", "its evidence is a selection that is not a random sample, so it cannot test a Hub-wide claim"
    if scope == "sample":
        return "partly", "its evidence is a seeded random sample of repositories"
    if dated_later:
        return "partly", "the snapshot is dated after the paper"
    return "yes", ""


def _no_value(evidence: Mapping[str, Any]) -> Grade:
    if evidence.get("scope") == "none":
        return "no", "", "this snapshot has no data for it"
    return "no", "", "not computed from this snapshot"


# --------------------------------------------------------------------------- #
# one function per kind of rule: (rule, item, evidence, dated_later) -> (testable, verdict, reason)
# --------------------------------------------------------------------------- #


def judged_value(rule: Mapping[str, Any], evidence: Mapping[str, Any]) -> tuple[str, Any]:
    """``(which, value)`` a numeric rule judges: the as-of-paper-date value where the rule compares
    ``as_of`` and there is one, else the snapshot's."""
    a = evidence.get("as_of")
    if rule.get("compare") == "as_of" and not _missing(a):
        return "as of the paper's date", a
    return "the snapshot", evidence.get("value")


def _grade_numeric(rule: Mapping[str, Any], item: Mapping[str, Any], ev: Mapping[str, Any], later: bool) -> Grade:
    if _missing(ev.get("value")):
        return _no_value(ev)
    testable, why = scope_testable(ev.get("scope"), later)
    if testable == "no":
        return testable, "", why
    x = float(judged_value(rule, ev)[1])
    paper = float(item["value"])
    if rule["kind"] == "above":
        ok = x > paper
    elif item["unit"] == "count":
        ok = bool(paper) and abs(x - paper) / paper * 100 <= float(rule["tolerance"])
    else:
        ok = abs(x - paper) <= float(rule["tolerance"])
    return testable, "agrees" if ok else "differs", why


def _grade_effects(rule: Mapping[str, Any], item: Mapping[str, Any], ev: Mapping[str, Any], later: bool) -> Grade:
    effects = [e for e in ev.get("effects", []) if not _missing(e[1])]
    usable = [e for e in effects if e[4] in USABLE_SCOPES]
    if not usable:
        scopes = sorted({str(e[4]) for e in effects}) or ["none"]
        why = scope_testable(scopes[0] if len(scopes) == 1 else "subset", later)[1]
        return "no", "", f"collaboration measures: {why}"
    threshold = float(rule["threshold"])
    if any(e[2] is not None and e[2] >= threshold for e in usable):
        verdict = "agrees"
    elif all(e[3] is not None and e[3] < threshold for e in usable):
        verdict = "differs"
    else:
        verdict = "consistent in direction"
    return "partly", verdict, f"judged on epsilon squared with its interval (threshold {threshold:g}), not on p"


def _core_reason(core_z: Any, threshold: float) -> str:
    side = "above" if float(core_z) >= threshold else "not above"
    return (
        f"core-periphery judged against the bipartite null (memberships randomised, both degree sequences kept): "
        f"the main core's k is {side} chance (z = {float(core_z):+.1f}, threshold {threshold:g})"
    )


def _grade_network(rule: Mapping[str, Any], item: Mapping[str, Any], ev: Mapping[str, Any], later: bool) -> Grade:
    v = ev.get("value")
    if _missing(v):
        return _no_value(ev)
    testable, why = scope_testable(ev.get("scope"), later)
    core_z, z_min = ev.get("core_z"), float(rule["core_z_min"])
    core_ok = _missing(core_z) or float(core_z) >= z_min
    if ev.get("by_construction"):
        built = (
            f"the {fnd_reciprocity_name()} is 1 by construction here (every commit author of a repository is "
            "the first author of one of its commits), so it cannot confirm the claim"
        )
        if testable == "no" or _missing(core_z):
            return "no", "", built + (f"; and {why}" if testable == "no" else "")
        return "partly", "consistent in direction" if core_ok else "differs", f"{_core_reason(core_z, z_min)}; {built}"
    if testable == "no":
        return testable, "", why
    ok = float(v) >= float(rule["reciprocity_min"]) and core_ok
    reason = why or "the claim's 'regardless of network position' is not graded"
    if not _missing(core_z):
        reason = f"{_core_reason(core_z, z_min)}; {reason}"
    return "partly", "consistent in direction" if ok else "differs", reason


def _grade_adoption(rule: Mapping[str, Any], item: Mapping[str, Any], ev: Mapping[str, Any], later: bool) -> Grade:
    v = ev.get("value")
    if _missing(v):
        return _no_value(ev)
    testable, why = scope_testable(ev.get("scope"), later)
    cap = ev.get("cap")
    if not _missing(cap):
        capped = (
            f"the spaces per model look capped at {int(cap):,} (the largest counts pile up at that round value), "
            "so how concentrated use is cannot be measured"
        )
        return "no", "", capped + (f"; and {why}" if testable == "no" else "")
    if testable == "no":
        return testable, "", why
    top5 = ev.get("top5")
    minority = float(v) < float(rule["used_below"])
    concentrated = not _missing(top5) and float(top5) >= float(rule["top5_min"])
    verdict = "agrees" if minority and concentrated else "consistent in direction" if minority else "differs"
    return testable, verdict, why


def _grade_never(rule: Mapping[str, Any], item: Mapping[str, Any], ev: Mapping[str, Any], later: bool) -> Grade:
    return "no", "", str(rule["because"])


#: Rule kind -> its grading function (the kinds of :data:`analysis.paper.RULE_FIELDS`).
KINDS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any], bool], Grade]] = {
    "within": _grade_numeric,
    "above": _grade_numeric,
    "effect_interval": _grade_effects,
    "reciprocity_core": _grade_network,
    "minority_used": _grade_adoption,
    "not_testable": _grade_never,
}


def grade(
    item: Mapping[str, Any],
    evidence: Mapping[str, Any],
    *,
    synthetic: bool = False,
    dated_later: bool = True,
) -> Grade:
    """``(testable, verdict, reason)`` of one paper claim by its rule (``item["rule"]``).

    ``evidence``: ``value``, ``as_of`` (the as-of-paper-date value or None), ``scope`` (coverage
    scope of its evidence), the findings its rule ``uses`` by their names there (``core_z``,
    ``by_construction``, ``top5``, ``cap``, ...) and, for ``effect_interval``, ``effects``
    (``[(measure, estimate, ci_low, ci_high, scope)]``).
    """
    rule = item["rule"]
    if rule["kind"] == "not_testable":
        return _grade_never(rule, item, evidence, dated_later)
    if synthetic:
        return "no", "", "synthetic data are not the Hub"
    return KINDS[rule["kind"]](rule, item, evidence, dated_later)


# --------------------------------------------------------------------------- #
# the number a verdict rests on
# --------------------------------------------------------------------------- #


def _rests_numeric(rule: Mapping[str, Any], item: Mapping[str, Any], ev: Mapping[str, Any]) -> str:
    which, x = judged_value(rule, ev)
    if _missing(x):
        return ""
    paper, x = float(item["value"]), float(x)
    if rule["kind"] == "above":
        return f"{which}: {x:.1f}% against 'over {paper:g}%'"
    tol = float(rule["tolerance"])
    if item["unit"] == "count":
        rel = (x - paper) / paper * 100 if paper else float("nan")
        return f"{which}: {_fmt_count(x)} ({rel:+.1f}% against {_fmt_count(paper)}; tolerance ±{tol:g}%)"
    return f"{which}: {x:.1f}% ({x - paper:+.1f} points against {paper:g}%; tolerance ±{tol:g} points)"


def _rests_effects(rule: Mapping[str, Any], item: Mapping[str, Any], ev: Mapping[str, Any]) -> str:
    usable = [e for e in ev.get("effects", []) if not _missing(e[1]) and e[4] in USABLE_SCOPES]
    lows = [e[2] for e in usable if not _missing(e[2])]
    highs = [e[3] for e in usable if not _missing(e[3])]
    bits = []
    if lows:
        bits.append(f"largest lower interval end {max(lows):.3f}")
    if highs:
        bits.append(f"largest upper end {max(highs):.3f}")
    return f"epsilon squared: {', '.join(bits)} (threshold {float(rule['threshold']):g})"


def _rests_network(rule: Mapping[str, Any], item: Mapping[str, Any], ev: Mapping[str, Any]) -> str:
    return f"{fnd_reciprocity_name()} {float(ev['value']):.2f} (threshold {float(rule['reciprocity_min']):g})"


def _rests_adoption(rule: Mapping[str, Any], item: Mapping[str, Any], ev: Mapping[str, Any]) -> str:
    top5 = ev.get("top5")
    text = f"{float(ev['value']):.1f}% of covered models used (threshold {float(rule['used_below']):g}%)"
    if not _missing(top5):
        text += f"; top 5 owners hold {float(top5):.1f}% of uses (threshold {float(rule['top5_min']):g}%)"
    return text


RESTS_ON: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], str]] = {
    "within": _rests_numeric,
    "above": _rests_numeric,
    "effect_interval": _rests_effects,
    "reciprocity_core": _rests_network,
    "minority_used": _rests_adoption,
    "not_testable": lambda rule, item, ev: "",
}


def rests_on(item: Mapping[str, Any], evidence: Mapping[str, Any], verdict: str) -> str:
    """The number a verdict rests on, in words (empty where there is no verdict): for a count or a
    share, the as-of-paper-date value where there is one (else the snapshot's) against the paper's."""
    if not verdict:
        return ""
    rule = item["rule"]
    return RESTS_ON[rule["kind"]](rule, item, evidence)


# --------------------------------------------------------------------------- #
# the rule, as the Data and methods chapter lists it
# --------------------------------------------------------------------------- #


def _threshold(kind: str, field: str, unit: str | None = None) -> str:
    """The value of ``field`` that the rules of ``kind`` (and ``unit``) give, as text; ``the value its
    entry names`` when entries differ."""
    values = {
        float(n["rule"][field])
        for n in paper_numbers()
        if n["rule"]["kind"] == kind and (unit is None or n.get("unit") == unit)
    }
    return f"{values.pop():g}" if len(values) == 1 else "the value its entry names"


def _testable_rows() -> list[tuple[str, str, str, str]]:
    return [
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
    ]


def _verdict_rows() -> list[tuple[str, str, str, str]]:
    eps = _threshold("effect_interval", "threshold")
    used, top5 = _threshold("minority_used", "used_below"), _threshold("minority_used", "top5_min")
    return [
        ("verdict", "testable is no", "(empty)", ""),
        (
            "verdict",
            "a count",
            "agrees / differs",
            f"agrees within ±{_threshold('within', 'tolerance', 'count')}% of the paper's count "
            "(the as-of value where there is one)",
        ),
        (
            "verdict",
            "a share 'about x%'",
            "agrees / differs",
            f"agrees within ±{_threshold('within', 'tolerance', 'pct')} percentage points "
            "(the as-of value where there is one)",
        ),
        ("verdict", "a share 'over x%'", "agrees / differs", "agrees when above x"),
        (
            "verdict",
            "'statistically significant differences' between license groups",
            "agrees / consistent in direction / differs",
            f"judged on Kruskal-Wallis epsilon squared of the collaboration measures with its 95% bootstrap "
            f"interval, threshold {eps} (a small effect), not on p: agrees when some interval lies above "
            f"{eps}, differs when every interval lies below it, else consistent in direction",
        ),
        (
            "verdict",
            "high reciprocity without isolates, core-periphery structure",
            "consistent in direction / differs",
            f"consistent in direction when the {fnd_reciprocity_name()} is at least "
            f"{_threshold('reciprocity_core', 'reciprocity_min')} (where it is not 1 by construction) and the main "
            f"core's k lies at least {_threshold('reciprocity_core', 'core_z_min')} SDs above the bipartite null "
            "(Part II); the claim's 'regardless of network position' is shown in Part II, not graded",
        ),
        (
            "verdict",
            "a minority of models, by a handful of owners, widely used",
            "agrees / consistent in direction / differs",
            f"agrees when under {used}% of covered models are used and the top 5 owners hold at least {top5}% of "
            "uses; consistent in direction when only the first holds",
        ),
    ]


def rules_table() -> pd.DataFrame:
    """The grading rule of :func:`grade`, one row per clause, in the order it is applied."""
    return pd.DataFrame(_testable_rows() + _verdict_rows(), columns=["column", "when", "value", "why / how"])
