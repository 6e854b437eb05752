"""Part III's headline numbers (:func:`headline`) and its findings (:func:`findings`, declared for
``part3_adoption``): what ``findings.json`` records and Part IV compares with the paper."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analysis import finding, stats
from analysis.parts import owners as owners_mod
from analysis.parts.adoption.by_owner import kind_shares, owner_concentration, owner_usage, top_owners
from analysis.parts.adoption.capped import cap_note, caps
from analysis.parts.adoption.concentration import _concentration
from analysis.parts.adoption.usage import Adoption, load


def headline(snap, a: Adoption | None = None) -> dict[str, Any]:
    """Headline adoption numbers of snapshot ``snap`` (for the paper comparison).

    Keys (``None`` where not covered or undefined):

    - ``models``: models in the snapshot;
    - ``models_covered``: models whose using spaces are known (see module doc);
    - ``models_used``: covered models used by at least one space;
    - ``models_used_pct``: ``models_used`` as % of ``models_covered``;
    - ``spaces_listed``: spaces in the spaces listing (None: no listing);
    - ``spaces_covered``: spaces with known model lists (None: no listing);
    - ``spaces_using_models``: covered spaces using at least one model;
    - ``spaces_using_models_pct``: as % of ``spaces_covered``;
    - ``edges``: distinct space-model edges; ``edges_in_scope``: those to covered models;
    - ``top1pct_usage_share_pct`` / ``top10pct_usage_share_pct``: share (%) of
      uses held by the top 1% / 10% of covered models;
    - ``gini_spaces_per_model``: Gini over covered models (zeros included);
    - ``top5_owners_usage_share_pct``: share (%) of uses held by the 5 owners
      with most uses;
    - ``top10_owners_org_share_pct`` / ``top10_owners_user_share_pct`` /
      ``top10_owners_unclassified_share_pct``: share (%) of all uses held by
      the organisations / users / unclassified owners among the 10 owners
      with most uses (kinds as in :mod:`analysis.parts.owners`);
    - ``model_coverage``: ``"all"``, ``"model_spaces"`` or ``"none"``;
    - ``coverage_note``: one sentence on what the numbers cover.
    """
    a = load(snap) if a is None else a
    conc = _concentration(a.covered_counts())
    ou = owner_usage(a, snap)
    oc = owner_concentration(ou)
    ks = kind_shares(top_owners(a, snap, 10, ou=ou)) if len(ou) else {}
    return {
        "models": a.n_models,
        "models_covered": a.models_covered,
        "models_used": a.models_used,
        "models_used_pct": stats.percent(a.models_used, a.models_covered),
        "spaces_listed": a.spaces_listed,
        "spaces_covered": a.spaces_covered,
        "spaces_using_models": a.spaces_using,
        "spaces_using_models_pct": stats.percent(a.spaces_using, a.spaces_covered),
        "edges": a.edges,
        "edges_in_scope": a.edges_in_scope,
        "top1pct_usage_share_pct": conc["top1_pct"],
        "top10pct_usage_share_pct": conc["top10_pct"],
        "gini_spaces_per_model": conc["gini"],
        "top5_owners_usage_share_pct": oc["top5_owners_share_pct"],
        "top10_owners_org_share_pct": ks.get("organization"),
        "top10_owners_user_share_pct": ks.get("user"),
        "top10_owners_unclassified_share_pct": ks.get(owners_mod.UNCLASSIFIED),
        "model_coverage": a.model_coverage,
        "coverage_note": a.coverage_note,
        "spaces_per_model_cap": next((c["cap"] for c in caps(a) if c["what"] == "spaces per model"), None),
        "caps_note": cap_note(a),
    }


#: Part III's findings from its headline numbers (:func:`headline`): key, unit, quantity, the table that shows it.
HEADLINE_FINDINGS = (
    ("models_covered", "count", "models whose use in spaces is known", "tab-adoption"),
    ("models_used", "count", "covered models used by at least one space", "tab-adoption"),
    ("models_used_pct", "pct", "covered models used by at least one space", "tab-adoption"),
    ("top1pct_usage_share_pct", "pct", "share of uses held by the top 1% of covered models", "tab-adoption"),
    ("top10pct_usage_share_pct", "pct", "share of uses held by the top 10% of covered models", "tab-adoption"),
    ("gini_spaces_per_model", "ratio", "Gini coefficient of spaces per covered model", "tab-adoption"),
    ("top5_owners_usage_share_pct", "pct", "share of uses held by the 5 owners with most uses", "tab-top-owners"),
    (
        "spaces_per_model_cap",
        "count",
        "the number of spaces per model at which the usage field looks capped (none: no sign of a cap)",
        "tab-top-models",
    ),
    (
        "top10_owners_org_share_pct",
        "pct",
        "share of uses held by organisations among the top 10 owners",
        "tab-top-owners",
    ),
)


@finding.declares("part3_adoption")
def findings(snap, usage: Adoption, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Part III's findings from its loaded usage data (:func:`~analysis.parts.adoption.usage.load`): the
    headline numbers, covering the models whose use in spaces is known."""
    h = headline(snap, usage)
    cov = finding.coverage(finding.scope(snap, "space_models"), h["models_covered"], h["models"], h["coverage_note"])
    return [
        finding.entry(f"adoption.{k}", h.get(k), u, quantity=q, source=s, coverage=cov, parameters=parameters)
        for k, u, q, s in HEADLINE_FINDINGS
    ]
