"""Numbered, citable tables and figures for the book.

Every table or figure the book shows goes through a :class:`Publisher`:

- the full data is written to ``_build/<snapshot_id>/tables/<label>.csv``;
  figures are also written as PNG and SVG to ``_build/<snapshot_id>/figures/``;
- the notebook cell outputs MyST markdown (rendered by myst-nb with
  ``nb_render_markdown_format: myst``): a numbered ``table``/``figure``
  directive with a stable ``:name:`` (the label readers cite), a caption that
  names the snapshot and how many repositories it covers, download links, and
  a "cite this" snippet.

Labels are stable: they are chosen by the notebook, not derived from data, so
they survive a rebuild with a new snapshot.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import paths
from analysis.snapshot import Snapshot

LABEL_RE = re.compile(r"^(tab|fig)-[a-z0-9]+(?:-[a-z0-9]+)*$")
BOOK_TITLE = "Development activity on the Hugging Face Hub: a reproducible study"
BOOK_SHORT = "hf-hub-activity"


def _fmt_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.3g}"
        if float(value).is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(df: pd.DataFrame, max_rows: int | None = None) -> str:
    """A pipe table (MyST/GFM) of ``df``; ``max_rows`` truncates the rows shown."""
    shown = df if max_rows is None or len(df) <= max_rows else df.head(max_rows)
    cols = [str(c) for c in shown.columns]
    lines = ["| " + " | ".join(c.replace("|", "\\|") for c in cols) + " |"]
    aligns = []
    for c in shown.columns:
        numeric = pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
        aligns.append("---:" if numeric else ":---")
    lines.append("| " + " | ".join(aligns) + " |")
    for row in shown.itertuples(index=False, name=None):
        lines.append("| " + " | ".join(_fmt_cell(v) for v in row) + " |")
    return "\n".join(lines)


class Markdown:
    """Minimal rich-display object (text/markdown) without importing IPython at import time."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


class Publisher:
    """Writes a snapshot's tables and figures and renders them for the book."""

    def __init__(
        self,
        snapshot: Snapshot,
        output_dir: str | os.PathLike | None = None,
        notebook_dir: str | os.PathLike | None = None,
    ):
        self.snapshot = snapshot
        self.out = Path(output_dir) if output_dir else paths.build_dir(snapshot.id)
        self.tables_dir = self.out / "tables"
        self.figures_dir = self.out / "figures"
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        nb_dir = Path(notebook_dir) if notebook_dir else self.out / "book"
        self._rel = Path(os.path.relpath(self.out, nb_dir)).as_posix()
        self.labels: list[str] = []

    # -- provenance --------------------------------------------------------
    def provenance(self, covers: str) -> str:
        s = self.snapshot
        kind = s.source_kind
        tag = " — **synthetic data**" if s.is_synthetic else ""
        return f"Snapshot `{s.id}` ({s.date}, {kind}{tag}); covers {covers}."

    def _check_label(self, label: str, prefix: str) -> None:
        if not LABEL_RE.match(label) or not label.startswith(prefix + "-"):
            raise ValueError(f"label {label!r} must look like '{prefix}-some-name' (lower case, digits, hyphens)")
        if label in self.labels:
            raise ValueError(f"label {label!r} used twice")
        self.labels.append(label)

    def cite(self, label: str, kind: str) -> str:
        s = self.snapshot
        key = f"{BOOK_SHORT}-{s.id}-{label}".replace("_", "-")
        text = (
            f"{BOOK_TITLE}, {kind} `{label}`, computed from snapshot {s.id} "
            f"(snapshot date {s.date}, source: {s.source_kind})."
        )
        bib = (
            f"@misc{{{key},\n  title = {{{BOOK_TITLE}: {kind} {label}}},\n"
            f"  note = {{Snapshot {s.id}, snapshot date {s.date}, source {s.source_kind}}},\n"
            f"  year = {{{s.date[:4]}}}\n}}"
        )
        return f":::{{dropdown}} Cite this {kind}\n{text}\n\n```bibtex\n{bib}\n```\n:::\n"

    # -- tables ------------------------------------------------------------
    def table(
        self,
        df: pd.DataFrame,
        label: str,
        caption: str,
        *,
        covers: str,
        max_rows: int = 40,
        index: bool = False,
        note: str | None = None,
    ) -> Markdown:
        """Write ``df`` to ``tables/<label>.csv`` and return its numbered MyST table."""
        self._check_label(label, "tab")
        data = df.reset_index() if index else df
        csv = self.tables_dir / f"{label}.csv"
        data.to_csv(csv, index=False, lineterminator="\n")
        shown = markdown_table(data, max_rows=max_rows)
        more = ""
        if len(data) > max_rows:
            more = f"\n\nShowing the first {max_rows:,} of {len(data):,} rows; the CSV has them all."
        parts = [
            f":::{{table}} {caption} {self.provenance(covers)}",
            f":name: {label}",
            ":align: left",
            "",
            shown,
            ":::",
            "",
            f"{{download}}`Data (CSV) <{self._rel}/tables/{label}.csv>`{more}",
        ]
        if note:
            parts += ["", note]
        parts += ["", self.cite(label, "table")]
        return Markdown("\n".join(parts))

    # -- figures -----------------------------------------------------------
    def figure(
        self, fig: Any, label: str, caption: str, *, covers: str, data: pd.DataFrame | None = None, width: str = "100%"
    ) -> Markdown:
        """Save ``fig`` as PNG and SVG (and its data as CSV); return a numbered MyST figure."""
        import matplotlib.pyplot as plt

        self._check_label(label, "fig")
        png = self.figures_dir / f"{label}.png"
        svg = self.figures_dir / f"{label}.svg"
        fig.savefig(png, dpi=150, bbox_inches="tight", metadata={"Software": None})
        fig.savefig(svg, bbox_inches="tight", metadata={"Date": None, "Creator": None})
        plt.close(fig)
        links = [
            f"{{download}}`PNG <{self._rel}/figures/{label}.png>`",
            f"{{download}}`SVG <{self._rel}/figures/{label}.svg>`",
        ]
        if data is not None:
            data.to_csv(self.tables_dir / f"{label}.csv", index=False, lineterminator="\n")
            links.append(f"{{download}}`Data (CSV) <{self._rel}/tables/{label}.csv>`")
        parts = [
            f":::{{figure}} {self._rel}/figures/{label}.png",
            f":name: {label}",
            f":width: {width}",
            "",
            f"{caption} {self.provenance(covers)}",
            ":::",
            "",
            "Download: " + " · ".join(links),
            "",
            self.cite(label, "figure"),
        ]
        return Markdown("\n".join(parts))

    def banner(self) -> Markdown:
        """The snapshot banner every page starts with (prominent when synthetic)."""
        s = self.snapshot
        if s.is_synthetic:
            return Markdown(
                ":::{warning}\nThis page is computed from **synthetic data**: snapshot "
                f"`{s.id}` ({s.date}) was generated by the project's calibrated synthetic Hub, "
                "not collected from the Hugging Face Hub. Its numbers illustrate the method and "
                "must not be cited as facts about the Hub.\n:::\n"
            )
        return Markdown(
            f":::{{note}}\nComputed from snapshot `{s.id}` (snapshot date {s.date}, source: "
            f"{s.source_kind}). See the Data and methods chapter for what it covers.\n:::\n"
        )
