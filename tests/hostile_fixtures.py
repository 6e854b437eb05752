"""A snapshot whose strings come from an attacker: for the safety tests (``test_safety.py``).

Not a test module. :func:`hostile_snapshot` takes the small synthetic snapshot the book tests use
and rewrites its strangers' strings (owners, repository names and ids, licenses, tags, pipeline
tags, commit and discussion authors) with payloads an attacker could choose on the Hub: script and
event-handler HTML, spreadsheet formulas, MyST/markdown markup, control and bidi characters and a
100,000-character name. The most visible owners and models get them, so that they reach the
book's tables, figures and findings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.snapshot import open_snapshot
from analysis.snapshot.schema import TABLES
from analysis.snapshot.store import SnapshotWriter

#: What an attacker puts in a name: HTML that runs script, formulas, markup, control characters.
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg onload=alert(1)>"
HYPERLINK = '=HYPERLINK("http://evil.example/","click")'
FORMULAS = ("=1+1", "@SUM(1+1)", "-2+3", "+1+1", "\t=1+1", "\r=1+1")
MARKUP = "*em* _u_ `code` [link](javascript:alert(1)) {sub}`x` $x^2$ {{ sub }} <b>bold</b> &amp; | :::"
BIDI = "bidi\u202eevil\u202c\u2066iso\u2069"
NUL = "nul\x00byte\x07bell"
LONG = "L" * 100_000

#: Owner names cannot hold "/" (the id is owner/name); the others can.
#: A name that is a parse error as matplotlib's mathtext (a figure that interprets it fails).
MATH = "$\\frac{$"
OWNER_PAYLOADS = [IMG, SVG, "<script>alert(1)", "=1+1", "@SUM(1+1)", MATH, "-2+3", "+1+1", "\t=1+1", BIDI, NUL, MARKUP]
NAME_PAYLOADS = [IMG, SVG, HYPERLINK.replace("/", ""), "@SUM(1+1)", "-2+3", MARKUP, BIDI, NUL, LONG]
TEXT_PAYLOADS = [SCRIPT, IMG, SVG, HYPERLINK, "@SUM(1+1)", "-2+3", "=1+1", MARKUP, BIDI, NUL]
#: Every payload, for searching the book's output.
ALL = sorted(set(OWNER_PAYLOADS + NAME_PAYLOADS + TEXT_PAYLOADS + list(FORMULAS)))


def _rename_owner(repo_id: str, owners: dict[str, str]) -> str:
    owner, sep, name = repo_id.partition("/")
    return f"{owners.get(owner, owner)}{sep}{name}" if sep else repo_id


def hostile_snapshot(source: Path, directory: Path, snapshot_id: str = "hostile") -> Path:
    """Copy the complete snapshot at ``source`` into ``directory`` with hostile strings."""
    snap = open_snapshot(source)
    t = {name: snap.table(name) for name in TABLES}
    models = t["models"]
    top_models = models.sort_values("downloads", ascending=False, kind="stable")["id"].tolist()
    used = t["space_models"]["model_id"].value_counts().index.tolist()
    # the owners readers see first: of the most downloaded and most used models, and the largest
    ranked: list[str] = []
    for rid in top_models[:6] + used[:6] + models["owner"].value_counts().index.tolist()[:4]:
        owner = rid.partition("/")[0] if "/" in rid else rid
        if owner and owner not in ranked:
            ranked.append(owner)
    owners = {old: f"{payload}{i}" for i, (old, payload) in enumerate(zip(ranked, OWNER_PAYLOADS))}
    # then the names of the most downloaded and most used models (one owner's rename done first)
    names: dict[str, str] = {}
    for i, (rid, payload) in enumerate(zip(dict.fromkeys(top_models[:5] + used[:5]), NAME_PAYLOADS)):
        new = _rename_owner(rid, owners)
        names[rid] = f"{new.partition('/')[0]}/{payload}{i}" if "/" in new else f"{payload}{i}"

    def rid(value):
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return value
        return names.get(value) or _rename_owner(value, owners)

    for name in ("models", "datasets", "spaces"):
        df = t[name].copy()
        df["id"] = df["id"].map(rid)
        df["owner"] = df["owner"].map(lambda o: owners.get(o, o) if isinstance(o, str) else o)
        df["name"] = [i.partition("/")[2] or i for i in df["id"]]
        t[name] = df
    m = t["models"]
    # licenses: the smaller license values become payloads (the two largest stay, for the tests)
    lic = m["license"].value_counts().index.tolist()
    m["license"] = m["license"].map(dict(zip(lic[2:], TEXT_PAYLOADS)) | {k: k for k in lic[:2]})
    # pipeline tags: the smaller ones too; every tenth model gets payload tags
    pipes = m["pipeline_tag"].value_counts().index.tolist()
    m["pipeline_tag"] = m["pipeline_tag"].map({k: k for k in pipes[:3]} | dict(zip(pipes[3:], TEXT_PAYLOADS[::-1])))
    m["library_name"] = m["library_name"].where(m.index % 5 != 0, SCRIPT)
    t["spaces"]["sdk"] = t["spaces"]["sdk"].where(t["spaces"].index % 4 != 0, IMG)
    m["tags"] = [
        list(tags if tags is not None else []) + (TEXT_PAYLOADS[: 1 + i % len(TEXT_PAYLOADS)] if i % 10 == 0 else [])
        for i, tags in enumerate(m["tags"])
    ]
    for name, cols in {
        "commits": ["repo_id"],
        "discussions": ["repo_id"],
        "space_models": ["space_id", "model_id"],
        "repo_coverage": ["repo_id"],
        "fetch_log": ["repo_id"],
    }.items():
        df = t[name].copy()
        for c in cols:
            df[c] = df[c].map(rid)
        t[name] = df
    t["owners"]["owner"] = t["owners"]["owner"].map(lambda o: owners.get(o, o))
    # developers: the owners' renames, and the busiest other author becomes a payload
    commits = t["commits"]
    authors = commits["authors"].explode().value_counts().index.tolist()
    people = dict(owners) | {a: f"{SCRIPT}{j}" for j, a in enumerate(x for x in authors[:3] if x not in owners)}
    commits["authors"] = [[people.get(a, a) for a in al] if al is not None else None for al in commits["authors"]]
    commits["title"] = commits["title"].where(commits.index % 7 != 0, HYPERLINK)
    t["discussions"]["title"] = t["discussions"]["title"].where(t["discussions"].index % 3 != 0, SVG)
    log = t["fetch_log"]
    if len(log):
        log["reason"] = log["reason"].where(log.index % 2 != 0, HYPERLINK)
    t["discussions"]["author"] = t["discussions"]["author"].map(lambda a: people.get(a, a) if isinstance(a, str) else a)

    manifest = json.loads((Path(source) / "manifest.json").read_text(encoding="utf-8"))
    w = SnapshotWriter(
        directory,
        snapshot_id,
        snapshot_date=manifest["snapshot_date"],
        source_kind=manifest["source"]["kind"],
        source_parameters=manifest["source"].get("parameters"),
    )
    for name, df in t.items():
        w.write_table(name, df)
    w.finish(manifest["coverage"], notes=manifest.get("notes", []), extra=manifest.get("extra"))
    return Path(directory)
