"""One bundle per edition: every table, figure, the findings, the manifest, the parameters and a codebook.

``write_bundle(out, snapshot)`` writes ``<site>/edition-bundle.zip`` after a build:

- ``tables/<label>.csv`` and their provenance sidecars ``<label>.json``;
- ``figures/<label>.png|svg`` and their sidecars;
- ``findings.json`` (where the build recorded findings), the snapshot's ``manifest.json``, the
  build's ``parameters.json``;
- ``codebook.csv``: the conventions of every CSV (a text cell that would be a spreadsheet formula
  starts with ``'``: ``publish.csv_safe``), then every column of every CSV in the bundle (table,
  column, type, unit, meaning),
  generated from the tables themselves, the snapshot schema's column names and the definitions in
  ``analysis/resources/codebook.yml``; a column without a definition points to its table's caption;
- ``README.txt``: what the bundle is and where it comes from.

The landing page and every page's footer link the bundle.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis import paths
from analysis.publication.publish import csv_safe

BUNDLE_NAME = "edition-bundle.zip"
CODEBOOK_COLUMNS = ["table", "column", "type", "unit", "meaning"]


def _codebook_resource() -> dict[str, Any]:
    return yaml.safe_load(paths.resource("codebook.yml").read_text(encoding="utf-8")) or {}


def definitions() -> dict[str, str]:
    """Column meanings (exact column names) from ``analysis/resources/codebook.yml``."""
    return {str(k): str(v) for k, v in (_codebook_resource().get("columns") or {}).items()}


def conventions() -> dict[str, str]:
    """What holds for every CSV of the bundle (formulas written as text...), from the codebook resource."""
    return {str(k): str(v) for k, v in (_codebook_resource().get("conventions") or {}).items()}


def unit_of(column: str, dtype: str) -> str:
    """The unit a column's name and type imply."""
    c = column.lower()
    if "(%)" in c or c.startswith("%") or c.endswith("_pct") or " pct" in c or "share_of" in c:
        return "percent"
    if "gini" in c or "epsilon" in c or "delta" in c or c in {"reciprocity", "density", "clustering"}:
        return "ratio (0-1)" if "gini" in c or c in {"reciprocity", "density", "clustering"} else "effect size"
    if c in {"p", "p_adj"} or c.startswith("p (") or c.startswith("p "):
        return "probability"
    if c.endswith("date") or c in {"as_of", "period", "cohort"}:
        return "date or period"
    if dtype.startswith("int") or c in {"n", "repositories", "created", "cumulative"} or c.startswith("n_"):
        return "count"
    return ""


#: The codebook's rows for what holds in every table: table and column say so.
EVERY_TABLE = "(every table)"


def codebook(tables_dir: Path, defs: dict[str, str] | None = None) -> pd.DataFrame:
    """Every column of every CSV in ``tables_dir``: type (as read), unit, meaning; first, the
    conventions of every table (:func:`conventions`)."""
    defs = definitions() if defs is None else defs
    rows = [
        {"table": EVERY_TABLE, "column": EVERY_TABLE, "type": "text", "unit": "", "meaning": text}
        for text in conventions().values()
    ]
    for csv in sorted(tables_dir.glob("*.csv")):
        try:
            df = pd.read_csv(csv, nrows=2000)
        except pd.errors.EmptyDataError:
            continue
        caption = ""
        side = csv.with_suffix(".json")
        if side.is_file():
            caption = json.loads(side.read_text(encoding="utf-8")).get("caption", "")
        for col in df.columns:
            dtype = str(df[col].dtype)
            kind = {"int64": "integer", "float64": "number", "bool": "boolean"}.get(dtype, "text")
            meaning = defs.get(col) or defs.get(re.sub(r" (low|high)$", "", col), "")
            if meaning and re.search(r" (low|high)$", col) and col not in defs:
                meaning = f"{'lower' if col.endswith('low') else 'upper'} end of the 95% interval of: {meaning}"
            if not meaning:
                meaning = f"see the caption of {csv.stem}: {caption}" if caption else f"see table {csv.stem}"
            rows.append(
                {"table": csv.stem, "column": col, "type": kind, "unit": unit_of(col, dtype), "meaning": meaning}
            )
    return pd.DataFrame(rows, columns=CODEBOOK_COLUMNS)


def _readme(snapshot: Any) -> str:
    synth = (
        "\nSYNTHETIC DATA: its numbers illustrate the method and are not facts about the Hub.\n"
        if (snapshot.is_synthetic)
        else ""
    )
    return (
        f"Data bundle of one edition of 'Development activity on the Hugging Face Hub: a reproducible study'.\n"
        f"Snapshot {snapshot.id}, snapshot date {snapshot.date}, source {snapshot.source_kind}.\n{synth}\n"
        "tables/   every table of the book as CSV, each with a <label>.json naming its snapshot and caption\n"
        "figures/  every figure as PNG and SVG, with the same sidecars\n"
        "findings.json   the findings of this edition (where recorded)\n"
        "manifest.json   the snapshot's manifest (date, source, coverage, checksums)\n"
        "parameters.json the notebook parameters of this build\n"
        "codebook.csv    every column of every CSV: type, unit, meaning\n"
        "\nIn every CSV, a text cell that starts with =, +, -, @, a tab or a carriage return and is not a number\n"
        "starts with an added ' so that spreadsheets show it as text, never run it (see codebook.csv).\n"
        "Cite the book with its snapshot (see CITATION.cff and each table's 'Cite this' box) and the original "
        "study: Osborne, Ding & Kirk (2024), doi:10.1007/s42001-024-00300-8.\n"
    )


def write_bundle(out: Path, snapshot: Any, site: Path) -> Path:
    """Zip the edition's artefacts into ``site/edition-bundle.zip`` (replacing an older one)."""
    target = site / BUNDLE_NAME
    tmp = target.with_suffix(".zip.partial")
    book = codebook(out / "tables")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for sub in ("tables", "figures"):
            for f in sorted((out / sub).glob("*")):
                if f.is_file():
                    z.write(f, f"{sub}/{f.name}")
        for name, path in (
            ("findings.json", out / "findings.json"),
            ("parameters.json", out / "parameters.json"),
            ("manifest.json", Path(snapshot.path) / "manifest.json"),
        ):
            if path.is_file():
                z.write(path, name)
        z.writestr("codebook.csv", csv_safe(book).to_csv(index=False, lineterminator="\n"))
        z.writestr("README.txt", _readme(snapshot))
    tmp.replace(target)
    return target
