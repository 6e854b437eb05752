"""Findings recorded once: ``_build/<snapshot_id>/findings.json``.

Every part's notebook records its headline results here through its
:class:`~analysis.publication.publish.Publisher` (``pub.findings(part, entries)``);
Part IV (:mod:`analysis.publication.reproduction`) and the landing page read
the file and compute nothing of Parts I-III again, so a parameter given to a
part reaches every page that shows its findings.

The file (JSON Schema: ``findings.schema.json`` beside this module)::

    {"schema_version": 1,
     "snapshot": {"id", "date", "source_kind", "synthetic"},
     "parts": {"part1_activity": {"parameters": {...}}, ...},
     "findings": [ENTRY, ...]}            # sorted by key, keys unique

and every ENTRY::

    {"key": "network.isolates_pct",        # stable across builds and snapshots
     "part": "part2_network",
     "snapshot_id", "snapshot_date",       # so editions can be lined up by key and date
     "quantity": "developers who are isolates",
     "value": 91.2, "unit": "pct",         # count | pct | ratio | epsilon_sq | p | bool | text
     "ci_low": null, "ci_high": null, "ci_method": null,
     "parameters": {"threshold": 90},      # the parameters that produced it
     "coverage": {"scope": "subset", "covered": 1010, "population": 760000, "note": "..."},
     "source": "tab-network",              # the label of the table or figure it comes from
     "note": null}

``coverage.scope`` is the manifest's scope of the evidence (``all``; ``sample``
= a seeded random sample; ``subset`` = a selection that is not a random sample;
``none``); ``covered`` and ``population`` are repositories (or developers,
where the unit says so) covered and in the snapshot.

A part rerun alone (``--only``) replaces its own entries and keeps the others.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA_VERSION = 1
FILE_NAME = "findings.json"
SCHEMA_FILE = Path(__file__).with_name("findings.schema.json")
UNITS = ("count", "pct", "ratio", "epsilon_sq", "p", "bool", "text", "date")


class FindingsError(Exception):
    """findings.json is missing, of another snapshot or not valid."""


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of ``findings.json``."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def validate(doc: Mapping[str, Any]) -> None:
    """Raise :class:`FindingsError` unless ``doc`` matches the schema and its keys are unique."""
    import jsonschema

    try:
        jsonschema.validate(doc, schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        raise FindingsError(f"{FILE_NAME}: {exc.message} (at {where})") from None
    keys = [e["key"] for e in doc["findings"]]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise FindingsError(f"{FILE_NAME}: duplicate keys {', '.join(dup)}")


def _plain(v: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN to None, dicts and lists recursively."""
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
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
    """One finding (the snapshot fields are filled in by :func:`record`)."""
    if unit not in UNITS:
        raise ValueError(f"finding {key!r}: unit {unit!r} is not one of {', '.join(UNITS)}")
    return {
        "key": key,
        "quantity": quantity,
        "value": _plain(value),
        "unit": unit,
        "ci_low": _plain(ci[0]),
        "ci_high": _plain(ci[1]),
        "ci_method": ci[2],
        "parameters": _plain(dict(parameters or {})),
        "coverage": _plain(dict(coverage)),
        "source": source,
        "note": note,
    }


def path(out_dir: str | os.PathLike) -> Path:
    return Path(out_dir) / FILE_NAME


def _empty(snapshot: Any) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "snapshot": {
            "id": snapshot.id,
            "date": snapshot.date,
            "source_kind": snapshot.source_kind,
            "synthetic": bool(snapshot.is_synthetic),
        },
        "parts": {},
        "findings": [],
    }


def record(
    out_dir: str | os.PathLike,
    snapshot: Any,
    part: str,
    entries: Iterable[Mapping[str, Any]],
    parameters: Mapping[str, Any] | None = None,
) -> Path:
    """Replace ``part``'s entries in ``out_dir/findings.json`` (written atomically, validated)."""
    f = path(out_dir)
    doc = _empty(snapshot)
    if f.exists():
        try:
            old = json.loads(f.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            old = None
        if (
            isinstance(old, dict)
            and old.get("schema_version") == SCHEMA_VERSION
            and old.get("snapshot") == doc["snapshot"]
        ):
            doc["parts"] = {k: v for k, v in old.get("parts", {}).items() if k != part}
            doc["findings"] = [e for e in old.get("findings", []) if e.get("part") != part]
    doc["parts"][part] = {"parameters": _plain(dict(parameters or {}))}
    for e in entries:
        doc["findings"].append({**e, "part": part, "snapshot_id": snapshot.id, "snapshot_date": snapshot.date})
    doc["findings"].sort(key=lambda e: e["key"])
    doc["parts"] = dict(sorted(doc["parts"].items()))
    validate(doc)
    f.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=f.parent, prefix=".findings-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True, allow_nan=False)
        fh.write("\n")
    os.chmod(tmp, 0o644)  # mkstemp makes it private (0600); a site serves it to readers
    os.replace(tmp, f)
    return f


def load(out_dir: str | os.PathLike, snapshot: Any | None = None) -> dict[str, Any]:
    """The findings file of a build (validated; of ``snapshot`` when given)."""
    f = path(out_dir)
    if not f.exists():
        raise FindingsError(
            f"{f}: no findings yet; Parts I-III record them, so build them first "
            "(python -m analysis build SNAPSHOT, or --only part1_activity --only part2_network --only part3_adoption)"
        )
    doc = json.loads(f.read_text(encoding="utf-8"))
    validate(doc)
    if snapshot is not None and doc["snapshot"]["id"] != snapshot.id:
        raise FindingsError(f"{f}: findings of snapshot {doc['snapshot']['id']!r}, not {snapshot.id!r}")
    return doc


def by_key(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["key"]: e for e in doc["findings"]}


def values(doc: Mapping[str, Any]) -> dict[str, Any]:
    """``{key: value}`` of every finding."""
    return {e["key"]: e["value"] for e in doc["findings"]}


# --------------------------------------------------------------------------- #
# each part's findings (from what its notebook has already computed)
# --------------------------------------------------------------------------- #

#: Collaboration measures of Part I (the "collaboration patterns" of the license claim).
COLLABORATION_MEASURES = ("commits", "commit_authors", "discussions", "discussion_authors")
#: Bootstrap of epsilon squared: resamples, and the largest subsample resampled.
BOOT_B = 200
BOOT_MAX_N = 20_000


def epsilon_sq_interval(
    values: np.ndarray, groups: np.ndarray, *, b: int = BOOT_B, max_n: int = BOOT_MAX_N, seed: int = 0
) -> tuple[float | None, float | None, str]:
    """95% percentile-bootstrap interval of Kruskal-Wallis epsilon squared.

    Resamples (with replacement) a seeded subsample of at most ``max_n``
    values, so the interval is never narrower than the full sample's would be.
    """
    import pandas as pd

    from analysis.parts import licenses

    g_all = np.asarray(groups, dtype=object)
    ok = ~np.isnan(values) & np.asarray(pd.notna(g_all), dtype=bool)
    v, g = values[ok], g_all[ok]
    rng = np.random.default_rng(seed)
    if v.size > max_n:
        idx = rng.choice(v.size, max_n, replace=False)
        v, g = v[idx], g[idx]
    method = f"95% percentile bootstrap, {b} resamples of {v.size:,} repositories (seed {seed})"
    if v.size < 3:
        return None, None, method
    cat = pd.Categorical(g)  # integer codes once: each resample is then a Categorical view
    est = []
    for _ in range(b):
        i = rng.integers(0, v.size, v.size)
        e = licenses.kruskal(v[i], pd.Categorical.from_codes(cat.codes[i], cat.categories))["epsilon_sq"]
        if not np.isnan(e):
            est.append(e)
    if len(est) < b // 2:
        return None, None, method
    lo, hi = np.percentile(est, [2.5, 97.5])
    return float(lo), float(hi), method


def _scope(snap: Any, table: str) -> str:
    return str(snap.coverage(table).get("scope", "none"))


def _listing(snap: Any, t: str) -> dict:
    table = {"model": "models", "dataset": "datasets", "space": "spaces"}[t]
    n = snap.rows(table)
    return coverage(_scope(snap, table), n, n, snap.coverage(table).get("note"))


def part1(
    snap: Any,
    acts: Mapping[str, Any],
    acts_as_of: Mapping[str, Any] | None,
    tests: Any,
    parameters: Mapping[str, Any],
    *,
    measure_keys: Mapping[str, str],
    seed: int = 0,
    intervals: Any = None,
) -> list[dict[str, Any]]:
    """Part I's findings from its loaded activity, the as-of restriction and ``tab-license-tests``;
    ``intervals`` (``tab-activity`` with its interval columns) gives the 95% intervals of the shares."""
    from analysis.parts import activity

    out: list[dict[str, Any]] = []
    full = activity.headline_from(acts, tests=False)
    restricted = activity.headline_from(acts_as_of, tests=False) if acts_as_of is not None else None
    m = acts.get("model")
    n_models = snap.rows("models")
    commits_cov = coverage(
        _scope(snap, "commits"),
        m.covered["commits"] if m is not None and m.status["commits"] == activity.OK else 0,
        n_models,
        snap.coverage("commits").get("note"),
    )
    specs = [
        ("models", "count", "model repositories", "tab-activity", _listing(snap, "model")),
        ("datasets", "count", "dataset repositories", "tab-activity", _listing(snap, "dataset")),
        ("spaces", "count", "space repositories", "tab-activity", _listing(snap, "space")),
        (
            "models_zero_downloads_pct",
            "pct",
            "models with 0 downloads (30-day count)",
            "tab-activity",
            _listing(snap, "model"),
        ),
        (
            "top1pct_downloads_share_pct",
            "pct",
            "share of all model downloads held by the top 1% of models",
            "tab-activity",
            _listing(snap, "model"),
        ),
        ("models_no_license_pct", "pct", "models without a license tag", "tab-licenses", _listing(snap, "model")),
        ("datasets_no_license_pct", "pct", "datasets without a license tag", "tab-licenses", _listing(snap, "dataset")),
        (
            "models_single_commit_author_pct",
            "pct",
            "model repositories with commits that have a single commit author",
            "tab-activity",
            commits_cov,
        ),
    ]
    ci_of: dict[str, tuple[Any, Any, Any]] = {}
    if intervals is not None and len(intervals):
        row = intervals[(intervals["repository type"] == "model") & (intervals["measure"] == "downloads (30 days)")]
        if len(row) and "top 1% share (%) low" in row:
            r = row.iloc[0]
            boot = "95% bootstrap interval (multinomial resampling of value counts)"
            ci_of["top1pct_downloads_share_pct"] = (r["top 1% share (%) low"], r["top 1% share (%) high"], boot)
            ci_of["models_zero_downloads_pct"] = (r["% zero low"], r["% zero high"], "95% Wilson interval")
    for key, unit, quantity, source, cov in specs:
        out.append(
            entry(
                f"activity.{key}",
                full.get(key),
                unit,
                quantity=quantity,
                source=source,
                coverage=cov,
                parameters=parameters,
                ci=ci_of.get(key, (None, None, None)),
            )
        )
        if restricted is not None:
            out.append(
                entry(
                    f"activity.{key}.as_of_paper_date",
                    restricted.get(key),
                    unit,
                    quantity=f"{quantity}, restricted to repositories created by {parameters.get('paper_date')}",
                    source="tab-as-of",
                    coverage=cov,
                    parameters=parameters,
                )
            )
    # the license-group comparison: effect size with its interval, p beside it
    if tests is not None and m is not None and len(tests):
        by_label = {label: key for key, label in measure_keys.items()}
        for row in tests.to_dict("records"):
            meas = by_label.get(row["measure"], row["measure"])
            table = (
                "discussions" if meas.startswith("discussion") else "commits" if meas.startswith("commit") else "models"
            )
            cov = (
                commits_cov
                if table == "commits"
                else coverage(_scope(snap, table), int(row["N"]), n_models, snap.coverage(table).get("note"))
            )
            lo, hi, method = (None, None, None)
            if meas in m.data and not (isinstance(row["epsilon²"], float) and math.isnan(row["epsilon²"])):
                lo, hi, method = epsilon_sq_interval(
                    m.data[meas].to_numpy(dtype=float, na_value=np.nan),
                    m.data["group"].to_numpy(dtype=object),
                    seed=seed,
                )
            out.append(
                entry(
                    f"activity.license_effect.{meas}",
                    row["epsilon²"],
                    "epsilon_sq",
                    quantity=f"license groups: Kruskal-Wallis epsilon squared of {row['measure']} (model repositories)",
                    source="tab-license-tests",
                    coverage=cov,
                    parameters=parameters,
                    ci=(lo, hi, method),
                    note=f"N = {int(row['N']):,}; H = {row['H']:.4g}; p {format_p(row['p'])}",
                )
            )
            out.append(
                entry(
                    f"activity.license_p.{meas}",
                    row["p"],
                    "p",
                    quantity=f"license groups: Kruskal-Wallis p of {row['measure']} (model repositories)",
                    source="tab-license-tests",
                    coverage=cov,
                    parameters=parameters,
                )
            )
    return out


def part2(p: Any, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Part II's findings from its computed networks (``network.compute``)."""
    from analysis.parts import network

    st = network.stats_all(p)
    r, c = st["reproduction"], st["cleaned"]
    cp = network.core_periphery(p.reproduction)
    snap = p.snap
    cov = coverage(_scope(snap, "commits"), p.reproduction.n_repos, p.models, snap.coverage("commits").get("note"))
    cov["note"] = network.coverage_text(p)
    construction = network.reciprocity_by_construction(p)
    rows = [
        ("nodes", r["nodes"], "count", "developers in the reproduction network", "tab-network"),
        ("isolates", r["isolates"], "count", "isolates in the reproduction network", "tab-network"),
        ("isolates_pct", r["isolates_pct"], "pct", "developers who are isolates (reproduction network)", "tab-network"),
        (
            "reciprocity",
            r["reciprocity_distinct"],
            "ratio",
            f"{network.RECIPROCITY_NAME} (reproduction network)",
            "tab-network",
        ),
        (
            "reciprocity_by_construction",
            construction,
            "bool",
            "reciprocity is 1 by construction (every commit author of a repository is the first author of one of its commits)",
            "tab-network",
        ),
        ("core_size", r["core_size"], "count", "main k-core size (reproduction network)", "tab-core-periphery"),
        ("max_kcore", r["max_kcore"], "count", "maximum k-core (k)", "tab-core-periphery"),
        ("be_core_size", cp["be_size"], "count", "Borgatti-Everett core size", "tab-core-periphery"),
        ("be_fit", cp["be_corr"], "ratio", "Borgatti-Everett fit (correlation)", "tab-core-periphery"),
        (
            "repos_with_commits",
            p.reproduction.n_repos,
            "count",
            "model repositories with a named commit author",
            "tab-network-funnel",
        ),
        ("covered_repos", p.covered, "count", "model repositories with commit data", "tab-network-funnel"),
        ("cleaned_nodes", c["nodes"], "count", "developers in the cleaned network", "tab-network"),
        (
            "cleaned_isolates_pct",
            c["isolates_pct"],
            "pct",
            "developers who are isolates (cleaned network)",
            "tab-network",
        ),
        (
            "cleaned_reciprocity",
            c["reciprocity_distinct"],
            "ratio",
            f"{network.RECIPROCITY_NAME} (cleaned network)",
            "tab-network",
        ),
    ]
    out = [
        entry(f"network.{k}", v, u, quantity=q, source=s, coverage=cov, parameters=parameters) for k, v, u, q, s in rows
    ]
    # the run the notebook made (with its seed), else one with seed 0
    null = next(iter(p.bipartite.values()), None) or network.bipartite_null(p)
    for r in null.rows():  # one finding per core statistic against the bipartite null: z and its MC SE
        z, se = r["z"], r["z SE"]
        ci = (z - 1.96 * se, z + 1.96 * se, "z ± 1.96 Monte Carlo SE (delta method)") if se == se else (None,) * 3
        out.append(
            entry(
                f"network.null_bipartite.{r['statistic']}_z",
                z,
                "ratio",
                quantity=f"z of the {network.NULL_STATISTICS.get(r['statistic'], r['statistic'])} against the "
                "bipartite null (reproduction network)",
                source="tab-core-null-models",
                coverage=cov,
                parameters=parameters,
                ci=ci,
                note=f"observed {r['observed']:.6g}, null mean {r['null mean']:.6g}, SD {r['null SD']:.6g}, "
                f"z Monte Carlo SE {se:.3f}, {len(null.samples)} samples",
            )
        )
    return out


def part3(snap: Any, usage: Any, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Part III's findings from its loaded usage data (``adoption.load``)."""
    from analysis.parts import adoption

    h = adoption.headline(snap, usage)
    cov = coverage(_scope(snap, "space_models"), h["models_covered"], h["models"], h["coverage_note"])
    rows = [
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
    ]
    return [
        entry(f"adoption.{k}", h.get(k), u, quantity=q, source=s, coverage=cov, parameters=parameters)
        for k, u, q, s in rows
    ]


# --------------------------------------------------------------------------- #
# formatting shared by every page
# --------------------------------------------------------------------------- #


def format_p(p: Any) -> str:
    """``"= 0.012"``, ``"= 0.0034"``, ``"< 0.001"`` (below the usual reporting floor, never ``= 0`` nor
    e-notation, as the tables show it: ``pagetext.P_FLOOR``), or ``"n/a"``; write ``f"p {format_p(p)}"``.
    The findings keep the p value itself at full precision."""
    from analysis.publication.pagetext import P_FLOOR as REPORTING_FLOOR

    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    p = float(p)
    if p < REPORTING_FLOOR:
        return f"< {REPORTING_FLOOR:g}"
    return "= " + (f"{p:.2g}" if p < 0.01 else f"{p:.3f}".rstrip("0").rstrip("."))


def part5(snap: Any, listings: Mapping[str, Any], owner_concentration: Any, parameters: Mapping[str, Any]) -> list:
    """Part V's findings: repositories created by and after the paper's date, and Hub-wide owner concentration."""
    import numpy as np
    import pandas as pd

    out: list[dict[str, Any]] = []
    paper_date = str(parameters.get("paper_date"))
    cut = np.datetime64(pd.Timestamp(paper_date) + pd.Timedelta(days=1), "ms")
    for t, lst in listings.items():
        if not lst.listed or not lst.n:
            continue
        cov = _listing(snap, t)
        known = ~np.isnat(lst.created)
        for key, value, what in (
            ("created_by_paper_date", int((known & (lst.created < cut)).sum()), f"created by {paper_date}"),
            ("created_after_paper_date", int((known & (lst.created >= cut)).sum()), f"created after {paper_date}"),
        ):
            out.append(
                entry(
                    f"history.{t}s_{key}",
                    value,
                    "count",
                    quantity=f"{t} repositories {what}",
                    source="tab-history-growth",
                    coverage=cov,
                    parameters=parameters,
                )
            )
    for r in owner_concentration.to_dict("records"):
        cov = _listing(snap, r["repo_type"])
        for col, key in (("top 5 owners share (%)", "top5_owners_share_pct"), ("owner Gini", "owner_gini")):
            out.append(
                entry(
                    f"history.{r['repo_type']}_{r['measure']}_{key}",
                    r[col],
                    "pct" if key.endswith("pct") else "ratio",
                    quantity=f"{r['measure']} of {r['repo_type']} repositories: {col}",
                    source="tab-history-owner-concentration",
                    coverage=cov,
                    parameters=parameters,
                )
            )
    return out
