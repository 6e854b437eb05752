"""Tables for the book's front and back matter: what a snapshot holds and where it came from.

Used by "The snapshot", "Data and methods" and the provenance appendix. Every
function reads only the snapshot (and, for the build environment, the
installed packages), so two builds of one snapshot give identical tables.
"""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.paper import paper_numbers
from analysis.publication.coverage_text import covers
from analysis.publication.publish import DISPLAY_LIMIT, citation_metadata, text_quality
from analysis.publication.reproduction import evidence_keys
from analysis.snapshot import Snapshot
from analysis.snapshot.schema import PLACEHOLDER_DATE, PLACEHOLDER_MINUTE, REPO_TABLES, TABLES  # the Hub's placeholder
from analysis.snapshot.store import VERSIONED_PACKAGES, git_commit
from analysis.stats import percent


def _pct(part: int, whole: int) -> float:
    """:func:`analysis.stats.percent` to 2 decimals; NaN (not None) for no denominator, so columns stay float."""
    p = percent(part, whole)
    return float("nan") if p is None else round(p, 2)


def repo_summary(snap: Snapshot) -> pd.DataFrame:
    """One row per repository type: counts, owners, licenses, zero activity, dates."""
    rows = []
    for repo_type, table in REPO_TABLES.items():
        if snap.coverage(table).get("scope", "none") == "none":  # absent is not zero: no listing, no counts
            rows.append({"repository type": f"{repo_type} (no listing in this snapshot)"})
            continue
        df = snap.table(table, ["owner", "license", "likes", "downloads", "created_at"])
        n = len(df)
        downloads_known = int(df["downloads"].notna().sum())
        created = df["created_at"].dropna()
        rows.append(
            {
                "repository type": repo_type,
                "repositories": n,
                "distinct owners": int(df["owner"].nunique(dropna=True)),
                "without owner (legacy id)": int(df["owner"].isna().sum()),
                "with a license tag (%)": _pct(int(df["license"].notna().sum()), n),
                "zero likes (%)": _pct(int((df["likes"] == 0).sum()), int(df["likes"].notna().sum())),
                "downloads known": downloads_known,
                "zero downloads (%)": _pct(int((df["downloads"] == 0).sum()), downloads_known),
                "created from": created.min().date().isoformat() if len(created) else "",
                "created to": created.max().date().isoformat() if len(created) else "",
            }
        )
    out = pd.DataFrame(rows)
    for col in ("repositories", "distinct owners", "without owner (legacy id)", "downloads known"):
        out[col] = out[col].astype("Int64")
    return out


def repo_counts(snap: Snapshot) -> dict[str, int | None]:
    """Repositories per type (``model``, ``dataset``, ``space``) in the snapshot; None for a type the
    snapshot has no listing of (coverage scope ``none``): absent is not zero."""
    return {
        repo_type: None if snap.coverage(table).get("scope", "none") == "none" else snap.rows(table)
        for repo_type, table in REPO_TABLES.items()
    }


def counts_sentence(counts: dict[str, int | None]) -> str:
    """``5,000 model, 1,151 dataset and 2,249 space repositories``; a type without a listing is
    said to have none listed, never 0."""
    have = [f"{n:,} {t}" for t, n in counts.items() if n is not None]
    missing = [t for t, n in counts.items() if n is None]
    text = (", ".join(have[:-1]) + " and " + have[-1] if len(have) > 1 else "".join(have)) + " repositories"
    if missing:
        text += f" (it has no listing of {' or '.join(t + 's' for t in missing)}, so no count of them)"
    return text


def book_bibtex(snap: Snapshot, version: str, built: str, url: str) -> str:
    """The BibTeX entry that cites the book as computed from ``snap``: the same authors, title,
    version, year (of the build) and edition as every table's and figure's *Cite this* box."""
    meta = citation_metadata()
    authors = " and ".join(meta["authors"]) or "The hf-hub-activity project"
    lines = [
        f"@misc{{hf-hub-activity-{snap.id},",
        f"  author = {{{{{authors}}}}},",
        f"  title = {{{{{meta['title']}}}}},",
        f"  version = {{{version}}},",
        f"  edition = {{{edition_text(snap)}}},",
        f"  year = {{{built[:4]}}},",
    ]
    if url:
        lines.append(f"  url = {{{url}}},")
    lines.append(
        f"  note = {{Snapshot {snap.id}, snapshot date {snap.date}, source {snap.source_kind}; built {built}}}"
    )
    return "\n".join(lines) + "\n}"


def edition_text(snap: Snapshot) -> str:
    """The edition of the book a snapshot makes: its id and date (as every cite box gives it)."""
    return f"snapshot {snap.id} of {snap.date}"


def license_groups(mapping: pd.DataFrame) -> pd.DataFrame:
    """Per license group of ``licenses.mapping_table()``: how many identifiers, and which."""
    return (
        mapping.groupby("group", sort=True)
        .agg(licenses=("license", lambda s: ", ".join(sorted(s))), count=("license", "size"))
        .reset_index()[["group", "count", "licenses"]]
    )


def regrouped(mapping: pd.DataFrame) -> int:
    """How many license identifiers of ``licenses.mapping_table()`` change group in the alternative mapping."""
    return int((mapping["alternative_group"] != mapping["group"]).sum())


def _cov_extra(cov: dict[str, Any]) -> str:
    rest = {k: v for k, v in cov.items() if k not in {"scope", "note", "rows"}}
    return "; ".join(
        f"{k}: {json.dumps(v, default=str) if isinstance(v, (dict, list)) else v}" for k, v in sorted(rest.items())
    )


def coverage_table(snap: Snapshot) -> pd.DataFrame:
    """The manifest's coverage: per table, its rows, scope and what it covers."""
    rows = []
    for name in TABLES:
        cov = snap.coverage(name)
        rows.append(
            {
                "table": name,
                "rows": snap.rows(name),
                "scope": cov.get("scope", ""),
                "note": cov.get("note", ""),
                "details": _cov_extra(cov),
            }
        )
    return pd.DataFrame(rows)


_ORIGIN = {
    "hub": {
        "models": "Hub listing GET /api/models (expanded fields, paged)",
        "datasets": "Hub listing GET /api/datasets (expanded fields, paged)",
        "spaces": "Hub listing GET /api/spaces (expanded fields, paged)",
        "commits": "GET /api/{type}s/{id}/commits/main, per repository",
        "discussions": "GET /api/{type}s/{id}/discussions, per repository",
        "space_models": "the models field of the spaces listing (and model_info spaces where fetched)",
        "repo_coverage": "written by the collector: which repository each per-repository step covered",
        "owners": "GET /api/organizations and users, per owner",
        "fetch_log": "written by the collector: every request that failed, with its outcome",
    },
    "import": {
        "models": "raw model listing records (GET /api/models items) imported as they are",
        "datasets": "raw dataset listing records (GET /api/datasets items) imported as they are",
        "spaces": "raw space listing records, where the source has them",
        "commits": "raw commit items (GET .../commits/main) carrying repo_id",
        "discussions": "raw discussion items carrying repo_id, where the source has them",
        "space_models": "the spaces field of model_info records (GET /api/models/{id})",
        "repo_coverage": "written by the importer: which repository each step covers",
        "owners": "owner kinds, where the source records them",
        "fetch_log": "written by the importer: every malformed or duplicate record, with file and line",
    },
    "synthetic": {name: "generated by the calibrated synthetic Hub (analysis.sources.synth)" for name in TABLES},
}


def data_sources(snap: Snapshot) -> pd.DataFrame:
    """Where each table of the snapshot came from, with its coverage."""
    origin = _ORIGIN.get(snap.source_kind, {})
    cov = coverage_table(snap)
    cov.insert(1, "came from", [origin.get(t, "") for t in cov["table"]])
    return cov.drop(columns=["details"])


def fetch_log_summary(snap: Snapshot) -> pd.DataFrame:
    """What could not be collected or imported, counted by step, type and outcome."""
    log = snap.table("fetch_log", ["step", "repo_type", "outcome"])
    if log.empty:
        return pd.DataFrame({"step": [], "repo_type": [], "outcome": [], "count": []})
    out = (
        log.fillna({"repo_type": "-"})
        .groupby(["step", "repo_type", "outcome"], dropna=False)
        .size()
        .reset_index(name="count")
    )
    return out.sort_values(["step", "repo_type", "count"], ascending=[True, True, False], kind="stable").reset_index(
        drop=True
    )


def flatten(value: Any, prefix: str) -> list[tuple[str, Any]]:
    """Nested parameters as ``(dotted.key, value)`` rows (lists of records item by item); the values
    keep their types (numbers, yes/no, lists), for the book's one table formatter to show."""
    if isinstance(value, dict):
        if not value:
            return [(prefix, "(none)")]
        out: list[tuple[str, Any]] = []
        for k in sorted(value, key=str):
            out += flatten(value[k], f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = []
        for i, item in enumerate(value):
            out += flatten(item, f"{prefix}[{i}]")
        return out
    scalar = (str, int, float, bool, type(None))
    if isinstance(value, scalar) or (isinstance(value, list) and all(isinstance(v, scalar) for v in value)):
        return [(prefix, value)]
    return [(prefix, json.dumps(value, default=str))]


def source_summary(snap: Snapshot) -> str:
    """One sentence on the snapshot's source: its scalar parameters (nested ones are in the appendix)."""
    params = snap.manifest.get("source", {}).get("parameters", {}) or {}
    simple = [
        f"{k}={v}" for k, v in sorted(params.items()) if isinstance(v, (str, int, float, bool)) and len(str(v)) <= 80
    ]
    nested = sorted(k for k, v in params.items() if isinstance(v, (dict, list)) or len(str(v)) > 80)
    text = ", ".join(simple) if simple else "none"
    if nested:
        text += f"; also {', '.join(nested)} (listed in full in the provenance appendix)"
    return text


_FILE_COLUMNS = ["file", "kind", "collected", "lines", "records_imported", "malformed", "duplicate", "known_source"]


def source_files(snap: Snapshot) -> pd.DataFrame:
    """The source's input files (imports record them); one descriptive row for other sources.

    Always a table with the same columns, so the book's label for it exists for
    every snapshot.
    """
    files = (snap.manifest.get("source", {}).get("parameters", {}) or {}).get("files")
    if isinstance(files, list) and files and all(isinstance(f, dict) for f in files):
        df = pd.DataFrame(files)
    else:
        what = {"synthetic": "generated by the synthetic Hub", "hub": "collected from the Hub's API"}
        df = pd.DataFrame(
            [
                {
                    "file": "(no input files)",
                    "kind": snap.source_kind,
                    "collected": snap.date,
                    "known_source": f"{what.get(snap.source_kind, snap.source_kind)}: {source_summary(snap)}",
                }
            ]
        )
    for c in _FILE_COLUMNS:
        if c not in df.columns:
            df[c] = pd.NA
    return df[_FILE_COLUMNS]


def manifest_table(snap: Snapshot) -> pd.DataFrame:
    """The manifest's facts as key/value rows (source parameters flattened)."""
    m = snap.manifest
    src = m.get("source", {})
    rows = [
        ("snapshot_id", m.get("snapshot_id")),
        ("snapshot_date", m.get("snapshot_date")),
        ("source", src.get("kind")),
        *flatten(src.get("parameters", {}) or {}, "source"),
        ("created_at", m.get("created_at", "")),
        ("schema_version", m.get("schema_version")),
        ("complete", m.get("complete")),
    ]
    for i, note in enumerate(m.get("notes") or [], 1):
        rows.append((f"note {i}", note))
    # values keep their types: the one table formatter shows them (yes/no, separators), never str()
    return pd.DataFrame(rows, columns=["key", "value"])


def table_checksums(snap: Snapshot) -> pd.DataFrame:
    rows = [
        {"table": name, "file": e.get("file"), "rows": e.get("rows"), "sha256": e.get("sha256")}
        for name, e in snap.manifest["tables"].items()
    ]
    return pd.DataFrame(rows)


def build_versions() -> dict[str, str]:
    """Versions of the packages in the environment that builds the book."""
    import platform

    out = {"python": platform.python_version()}
    for pkg in VERSIONED_PACKAGES + ("myst-nb", "sphinx", "ipykernel", "nbformat"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def package_table(snap: Snapshot) -> pd.DataFrame:
    """Package versions that made the snapshot beside those that built the book."""
    made = snap.manifest.get("package_versions") or {}
    built = build_versions()
    names = list(dict.fromkeys(list(built) + [k for k in made if "git" not in k]))
    return pd.DataFrame(
        [{"package": n, "snapshot made with": made.get(n, ""), "book built with": built.get(n, "")} for n in names]
    )


def build_parameters(output_dir: str | os.PathLike) -> dict[str, Any]:
    """The parameters a build recorded in ``output_dir/parameters.json`` (no notebooks if absent)."""
    path = Path(output_dir) / "parameters.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"notebooks": {}}


def build_commit() -> str:
    """The project's git commit that builds the book (``unknown`` outside a git checkout)."""
    return git_commit() or "unknown"


def parameters_table(params: dict[str, Any]) -> pd.DataFrame:
    """Notebook parameters of a build (from ``parameters.json``), one row per notebook and name."""
    rows = [
        {"notebook": nb, "parameter": k, "value": v}  # shown by the one table formatter, not as JSON
        for nb, ps in sorted(params.get("notebooks", {}).items())
        for k, v in sorted(ps.items())
    ]
    return pd.DataFrame(rows, columns=["notebook", "parameter", "value"])


# --------------------------------------------------------------------------- #
# the landing page: findings first (read from findings.json, nothing recomputed)
# --------------------------------------------------------------------------- #

#: Per research question, the findings the landing page states first.
RQ_FINDINGS = {
    "Activity (Part I)": ("activity.models_zero_downloads_pct", "activity.top1pct_downloads_share_pct"),
    "Collaboration (Part II)": ("network.isolates_pct", "network.reciprocity"),
    "Adoption (Part III)": ("adoption.models_used_pct", "adoption.top5_owners_usage_share_pct"),
}


def _value_text(e: dict[str, Any]) -> str:
    v, unit = e["value"], e["unit"]
    if e["coverage"]["scope"] == "none":
        return "no data in this snapshot"
    if v is None:
        return "not available"
    if unit == "pct":
        text = f"{float(v):.1f}%"
    elif unit == "count":
        text = f"{int(v):,}"
    elif isinstance(v, float):
        text = f"{v:.2f}"
    else:
        text = str(v)
    if e.get("ci_low") is not None and e.get("ci_high") is not None:
        text += f" (95% interval {e['ci_low']:.3g} to {e['ci_high']:.3g})"
    return text


def _coverage_text(e: dict[str, Any]) -> str:
    """What the finding covers, each count named (:func:`analysis.publication.coverage_text.covers`)."""
    text = covers(e["key"], e["coverage"])
    return text if text.startswith("coverage:") else f"covers {text}"


def edition_findings(doc: dict[str, Any], table: pd.DataFrame) -> str:
    """ "What this edition finds": one line per research question and per paper claim (MyST)."""
    entries = {e["key"]: e for e in doc["findings"]}
    lines = ["**By research question**", ""]
    for rq, keys in RQ_FINDINGS.items():
        bits = []
        for k in keys:
            e = entries.get(k)
            if e is not None:
                built = entries.get(f"{k}_by_construction", {}).get("value") is True
                value = _value_text(e) + (" (by construction: not a finding)" if built else "")
                bits.append(f"{e['quantity']}: **{value}** ({_coverage_text(e)}; {{numref}}`{e['source']}`)")
        lines.append(f"- *{rq}.* " + ("; ".join(bits) if bits else "no finding recorded in this build") + ".")
    lines += ["", "**By claim of the paper** (from {numref}`tab-paper-vs-snapshot`)", ""]
    for row in table.itertuples(index=False):
        verdict = f", verdict **{row.verdict}**, resting on {row.rests_on}" if row.verdict else ""
        as_of = (
            f" (as of the paper's date: {row.snapshot_as_of_paper_date})"
            if row.snapshot_as_of_paper_date not in ("", "n/a") and row.verdict
            else ""
        )
        lines.append(
            f"- {row.quantity} — the paper: {row.paper}; this snapshot: {row.snapshot}{as_of}"
            f"{_measured_on(row.quantity, entries)}; testable: **{row.testable}**{verdict}."
        )
    return "\n".join(lines)


def _measured_on(quantity: str, entries: dict[str, Any]) -> str:
    """What a claim's snapshot value was measured on, where that is not the whole listing
    (`` (measured on 1,010 model repositories with commit histories, of the 760,000 listed; ...)``)."""
    item = next((n for n in paper_numbers() if n["quantity"] == quantity), None)
    for k in evidence_keys(item) if item is not None else []:
        e = entries.get(k)
        if e is None:
            continue
        c = e["coverage"]
        if c["scope"] == "none" or (c["scope"] == "all" and c["covered"] == c["population"]):
            return ""
        return f" (measured on {covers(k, c)})"
    return ""


# --------------------------------------------------------------------------- #
# data quality, per table
# --------------------------------------------------------------------------- #

#: Page size of the Hub's listings (a count that is an exact multiple of it may be a capped listing).
PAGE_SIZE = 1000


def _on_day(col: pa.ChunkedArray, day: str) -> int:
    """How many values of a timestamp column fall on ``day`` (the date as it reads in the column's
    time zone), counted in Arrow: no date becomes a string (3 s for 3 million at Hub scale)."""
    start = pd.Timestamp(day, tz=col.type.tz)
    end = start + pd.Timedelta(days=1)
    inside = pc.and_(pc.greater_equal(col, pa.scalar(start, col.type)), pc.less(col, pa.scalar(end, col.type)))
    return int(pc.sum(inside).as_py() or 0)


def _between(col: pa.ChunkedArray, start: str, end: str) -> int:
    """How many values of a timestamp column lie in ``[start, end)`` (UTC instants), in Arrow."""
    lo = pd.Timestamp(start, tz="UTC").tz_convert(col.type.tz or "UTC")
    hi = pd.Timestamp(end, tz="UTC").tz_convert(col.type.tz or "UTC")
    if col.type.tz is None:
        lo, hi = lo.tz_localize(None), hi.tz_localize(None)
    inside = pc.and_(pc.greater_equal(col, pa.scalar(lo, col.type)), pc.less(col, pa.scalar(hi, col.type)))
    return int(pc.sum(inside).as_py() or 0)


def _at_or_after(col: pa.ChunkedArray, when: pd.Timestamp) -> int:
    """How many values of a timestamp column are at or after the instant ``when`` (nulls are not)."""
    return int(pc.sum(pc.greater_equal(col, pa.scalar(when, col.type))).as_py() or 0)


#: The strings of a listing that the pages show: counted by :func:`data_quality` when a page must
#: show them changed (control characters as code points, absurd lengths cut).
SHOWN_TEXT_COLUMNS = ("id", "owner", "license", "pipeline_tag", "library_name")


def _source_counts(snap: Snapshot) -> tuple[dict[str, int], dict[str, int]]:
    """What the source reported: the total of each listing file (``reported_total``) and the
    duplicates removed, by file kind or fetch-log step."""
    reported: dict[str, int] = {}
    dup_counts: dict[str, int] = {}
    for f in (snap.manifest.get("source", {}).get("parameters", {}) or {}).get("files", []) or []:
        if not isinstance(f, dict):
            continue
        kind = str(f.get("kind"))
        if f.get("reported_total"):
            reported[kind] = int(f["reported_total"])
        dup_counts[kind] = dup_counts.get(kind, 0) + int(f.get("duplicate") or 0)
    log = snap.table("fetch_log", ["step", "outcome"])
    for (step, outcome), n in log.groupby(["step", "outcome"]).size().items() if len(log) else ():
        if outcome == "duplicate":
            dup_counts[str(step)] = dup_counts.get(str(step), 0) + int(n)
    return reported, dup_counts


def _capped(n: int, total: int | None) -> list[str]:
    """Signs that a listing of ``n`` rows is capped (the source reported ``total``)."""
    capped = []
    if n and n % PAGE_SIZE == 0:
        capped.append(f"{n:,} is an exact multiple of the page size {PAGE_SIZE:,}")
    if total and n < total:
        capped.append(f"{n:,} below the source's reported {total:,}")
    return capped


def _placeholder_meaning(placeholder: int, same_day: int) -> str:
    if not placeholder:
        return ""
    return (
        f"{placeholder:,} creation dates are the placeholder ({PLACEHOLDER_DATE} 23:29 UTC, the count Parts I "
        "and V use); they precede any as-of date, so the as-of count keeps them all"
        + (
            f"; {same_day:,} more were created on {PLACEHOLDER_DATE} outside that minute (real dates, "
            "not counted as placeholders)"
            if same_day
            else ""
        )
    )


def _odd_names_meaning(odd: dict[str, int]) -> str:
    bits = []
    if odd["control"]:
        bits.append(
            f"{odd['control']:,} {'name holds' if odd['control'] == 1 else 'names hold'} control or "
            "bidi-override characters, shown on the pages as code points such as [U+202E]"
        )
    if odd["cut"]:
        bits.append(
            f"{odd['cut']:,} {'name is' if odd['cut'] == 1 else 'names are'} longer than {DISPLAY_LIMIT:,} "
            "characters, cut on the pages"
        )
    if not bits:
        return ""
    return "; ".join(bits) + " (ids, owners, licenses, tasks, libraries); the CSVs keep them whole"


def _repo_quality(snap: Snapshot, repo_type: str, table: str, reported: dict, dups: dict, after: pd.Timestamp) -> dict:
    """``tab-data-quality``'s row of one repository listing."""
    n = snap.rows(table)
    listed = snap.coverage(table).get("scope", "none") != "none"  # absent is not zero
    capped = _capped(n, reported.get(table))
    created = snap.arrow(table, ["created_at"]).column("created_at")
    placeholder = _between(created, *PLACEHOLDER_MINUTE)
    same_day = _on_day(created, PLACEHOLDER_DATE) - placeholder
    late = _at_or_after(created, after) if n else 0
    shown = snap.arrow(table, list(SHOWN_TEXT_COLUMNS))
    odd = text_quality([shown.column(c) for c in SHOWN_TEXT_COLUMNS])
    means = [
        "" if listed else f"no {table} listing: this edition has no finding on {table}",
        "counts may be capped: a count a little below the paper's may be the listing, not the Hub" if capped else "",
        _placeholder_meaning(placeholder, same_day),
        f"{late:,} creation dates are after the snapshot date {snap.date}: not plausible for a listing "
        "fetched then (a record's error); whole-snapshot counts keep them, as-of counts leave them out"
        if late
        else "",
        _odd_names_meaning(odd),
    ]
    return {
        "table": table,
        "rows": n if listed else None,
        "coverage": snap.coverage(table).get("scope", "none"),
        "listing may be capped": "; ".join(capped) or "no sign",
        "placeholder creation dates": placeholder if listed else None,
        "created after the snapshot": late if listed else None,
        "names with control characters": odd["control"] if listed else None,
        "names cut for display": odd["cut"] if listed else None,
        "commits dated after the snapshot": None,
        "duplicates removed": sum(v for k, v in dups.items() if table in k or repo_type in k),
        "what it means for the findings": "; ".join(m for m in means if m) or "nothing found",
    }


def _commits_quality(snap: Snapshot, dups: dict, after_date: pd.Timestamp) -> dict:
    """``tab-data-quality``'s row of the commits."""
    after = _at_or_after(snap.arrow("commits", ["date"]).column("date"), after_date) if snap.rows("commits") else 0
    scope = snap.coverage("commits").get("scope", "none")
    means = [
        f"{after:,} commits are dated after the snapshot date: the commit source was collected later" if after else "",
        "a selection that is not a random sample: Hub-wide claims on commits are not testable"
        if scope == "subset"
        else "",
    ]
    return {
        "table": "commits",
        "rows": snap.rows("commits"),
        "coverage": scope,
        "listing may be capped": "not a listing",
        "placeholder creation dates": None,
        "created after the snapshot": None,
        "commits dated after the snapshot": after,
        "duplicates removed": sum(v for k, v in dups.items() if "commit" in k),
        "what it means for the findings": "; ".join(m for m in means if m) or "nothing found",
    }


def data_quality(snap: Snapshot) -> pd.DataFrame:
    """``tab-data-quality``: per table, signs that a listing is capped, placeholder dates, creation
    dates after the snapshot date (implausible: the snapshot is dated by its fetch), commits dated
    after the snapshot, duplicates removed, and what each means for the findings."""
    reported, dups = _source_counts(snap)
    after = pd.Timestamp(snap.date, tz="UTC") + pd.Timedelta(days=1)
    rows = [_repo_quality(snap, repo_type, table, reported, dups, after) for repo_type, table in REPO_TABLES.items()]
    rows.append(_commits_quality(snap, dups, after))
    df = pd.DataFrame(rows)
    for col in (
        "rows",
        "placeholder creation dates",
        "created after the snapshot",
        "commits dated after the snapshot",
        "duplicates removed",
    ):
        df[col] = df[col].astype("Int64")
    return df
