"""``python -m analysis editions [BUILD_DIR ...]``: the findings of several editions, side by side.

Each build of the book writes ``_build/<snapshot_id>/findings.json`` (see
:mod:`analysis.publication.findings`): one entry per finding, with a stable key, its value,
unit, interval, coverage and the label it comes from. This module reads the findings of
several builds and writes an editions page, ``_build/editions/``:

- ``index.html``: the editions (snapshot, date, source; synthetic ones marked), one table of
  every finding across them, ordered by snapshot date (``tab-editions``), each value with its
  coverage, and trend figures of the numeric findings that two or more editions share
  (``fig-editions-trends``);
- ``tables/tab-editions.csv`` (long format: one row per finding and edition) and
  ``figures/fig-editions-trends.png``/``.svg``.

A finding missing from an edition is shown as missing, never as zero; values of synthetic
editions are drawn hollow and the page says they are not facts about the Hub. The page is a
self-contained HTML file (no script, no CDN), with links to each edition's own site.
"""

from __future__ import annotations

import html
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import paths
from analysis.cli import OneLineParser
from analysis.publication import buildfolder

FINDINGS_FILE = "findings.json"
SCHEMA_VERSION = 1
LONG_COLUMNS = [
    "key",
    "quantity",
    "unit",
    "snapshot_id",
    "snapshot_date",
    "source_kind",
    "synthetic",
    "value",
    "ci_low",
    "ci_high",
    "scope",
    "covered",
    "population",
    "source",
]
TREND_UNITS = ("pct", "count", "ratio")
MAX_TRENDS = 12


class EditionsError(Exception):
    """A build folder that cannot be read as an edition; the message is for the user."""


@dataclass
class Edition:
    build_dir: Path
    snapshot_id: str
    snapshot_date: str
    source_kind: str
    synthetic: bool
    findings: list[dict[str, Any]]

    @property
    def site(self) -> Path:
        return self.build_dir / "_build" / "html" / "index.html"


def read_edition(build_dir: str | os.PathLike) -> Edition:
    """The findings of one complete build folder (``_build/<snapshot_id>/``): a folder without the
    build's completion marker (:func:`analysis.publication.buildfolder.is_complete`), such as the
    staging folder of an interrupted or failed build, is refused."""
    d = Path(build_dir)
    f = d / FINDINGS_FILE
    if not f.is_file():
        raise EditionsError(f"{f}: no findings file; build that snapshot's book first (python -m analysis build)")
    try:
        doc = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EditionsError(f"{f}: not readable as JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("schema_version") != SCHEMA_VERSION:
        raise EditionsError(
            f"{f}: schema version {doc.get('schema_version') if isinstance(doc, dict) else None!r}, "
            f"expected {SCHEMA_VERSION}"
        )
    if not buildfolder.is_complete(d):
        raise EditionsError(
            f"{d}: not a complete build (no completion marker {buildfolder.MARKER}): an interrupted or failed "
            "build, or a folder written by hand; build that snapshot's book again (python -m analysis build)"
        )
    try:
        snap = doc["snapshot"]
        entries = list(doc["findings"])
        edition = Edition(
            d, str(snap["id"]), str(snap["date"]), str(snap["source_kind"]), bool(snap["synthetic"]), entries
        )
        built = buildfolder.read_marker(d) or {}
        if built.get("snapshot_id") != edition.snapshot_id:
            raise EditionsError(
                f"{f}: findings of snapshot {edition.snapshot_id!r} in the build of {built.get('snapshot_id')!r}"
            )
        missing = [k for e in entries for k in ("key", "value", "unit") if k not in e]
        if missing:
            raise KeyError(missing[0])
    except (KeyError, TypeError) as exc:
        raise EditionsError(f"{f}: missing field {exc}") from None
    return edition


def discover(root: Path | None = None) -> list[Path]:
    """Every complete build folder under the build root that has a findings file (a staging folder,
    ``.<snapshot_id>.building``, or a build without its completion marker is not an edition)."""
    root = root or paths.build_root()
    if not root.is_dir():
        return []
    return sorted(
        p.parent
        for p in root.glob(f"*/{FINDINGS_FILE}")
        if p.parent.name != "editions" and not p.parent.name.startswith(".") and buildfolder.is_complete(p.parent)
    )


def book_editions(out: str | os.PathLike, doc: dict[str, Any], root: Path | None = None) -> list[Edition]:
    """The editions the book's own editions page compares: this build's (``out``, its findings ``doc``,
    complete or not yet) and every other complete build under the build root, one per snapshot (a
    build of this snapshot elsewhere is this edition's earlier build, left out), by snapshot date."""
    snap = doc["snapshot"]
    this = Edition(
        Path(out),
        str(snap["id"]),
        str(snap["date"]),
        str(snap["source_kind"]),
        bool(snap["synthetic"]),
        list(doc["findings"]),
    )
    others = []
    for d in discover(root):
        if d.resolve() == Path(out).resolve():
            continue
        try:
            ed = read_edition(d)
        except EditionsError:
            continue  # an unreadable build is no edition of this page (python -m analysis editions says why)
        if ed.snapshot_id != this.snapshot_id:
            others.append(ed)
    return sorted([this, *others], key=lambda e: (e.snapshot_date, e.snapshot_id))


def load_editions(build_dirs: Iterable[str | os.PathLike]) -> list[Edition]:
    """The editions, ordered by snapshot date (then id); one snapshot may appear once."""
    eds = [read_edition(d) for d in build_dirs]
    if not eds:
        raise EditionsError("no edition to compare: name build folders (_build/<snapshot_id>) with findings.json")
    seen: dict[str, Path] = {}
    for e in eds:
        if e.snapshot_id in seen:
            raise EditionsError(f"snapshot {e.snapshot_id!r} is named twice ({seen[e.snapshot_id]} and {e.build_dir})")
        seen[e.snapshot_id] = e.build_dir
    return sorted(eds, key=lambda e: (e.snapshot_date, e.snapshot_id))


def long_table(editions: Sequence[Edition]) -> pd.DataFrame:
    """One row per finding and edition (the CSV)."""
    rows = []
    for ed in editions:
        for f in ed.findings:
            cov = f.get("coverage") or {}
            rows.append(
                {
                    "key": f["key"],
                    "quantity": f.get("quantity", f["key"]),
                    "unit": f["unit"],
                    "snapshot_id": ed.snapshot_id,
                    "snapshot_date": ed.snapshot_date,
                    "source_kind": ed.source_kind,
                    "synthetic": ed.synthetic,
                    "value": f["value"],
                    "ci_low": f.get("ci_low"),
                    "ci_high": f.get("ci_high"),
                    "scope": cov.get("scope"),
                    "covered": cov.get("covered"),
                    "population": cov.get("population"),
                    "source": f.get("source"),
                }
            )
    return pd.DataFrame(rows, columns=LONG_COLUMNS)


def _fmt_value(v: Any, unit: str) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        if unit == "count":
            return f"{v:,.0f}"
        if unit == "pct":
            return f"{v:.1f}%"
        if unit == "p":  # the book's reporting floor, never e-notation
            return "< 0.001" if v < 0.001 else f"{v:.3f}"
        if v != 0 and abs(v) < 0.01:  # three significant digits without e-notation (0.0000841)
            import numpy as np

            return np.format_float_positional(float(v), precision=3, unique=False, fractional=False, trim="-")
        if abs(v) >= 1e5:
            return f"{v:,.0f}"
        return f"{v:.3g}"
    return str(v)


def _fmt_cov(scope: Any, covered: Any, population: Any) -> str:
    if covered is None or pd.isna(covered):
        return str(scope or "")
    if population is None or pd.isna(population):
        return f"{scope}: {int(covered):,}"
    return f"{scope}: {int(covered):,} of {int(population):,}"


def wide_table(long: pd.DataFrame, editions: Sequence[Edition]) -> pd.DataFrame:
    """``tab-editions``: one row per finding, one column per edition (value, then its coverage)."""
    keys = long.drop_duplicates("key").sort_values("key")[["key", "quantity", "unit"]]
    out = keys.reset_index(drop=True)
    for ed in editions:
        sub = long[long["snapshot_id"] == ed.snapshot_id].set_index("key")
        col = f"{ed.snapshot_id} ({ed.snapshot_date})"
        vals, covs = [], []
        for k, unit in zip(out["key"], out["unit"]):
            if k in sub.index:
                r = sub.loc[k]
                text = _fmt_value(r["value"], unit)
                if r["ci_low"] is not None and pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]):
                    text += f" [{_fmt_value(r['ci_low'], unit)}, {_fmt_value(r['ci_high'], unit)}]"
                vals.append(text)
                covs.append(_fmt_cov(r["scope"], r["covered"], r["population"]))
            else:
                vals.append("not in this edition")
                covs.append("")
        out[col] = vals
        out[f"{col} coverage"] = covs
    return out


def trend_keys(long: pd.DataFrame, limit: int = MAX_TRENDS) -> list[str]:
    """Numeric findings that at least two editions have (at most ``limit``, by key)."""
    num = long[long["unit"].isin(TREND_UNITS) & long["value"].map(lambda v: isinstance(v, (int, float)))]
    n = num.groupby("key")["snapshot_id"].nunique()
    return sorted(n[n >= 2].index)[:limit]


def trends_figure(long: pd.DataFrame, keys: Sequence[str], cols: int = 3):
    """One small panel per finding: its value at each edition's snapshot date (hollow: synthetic);
    ``cols`` panels per row (the book's page uses 2, so that its text stays legible on a phone)."""
    import math
    import textwrap

    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    rows = max(1, math.ceil(len(keys) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(10 if cols >= 3 else 8, 2.8 * rows), squeeze=False)
    for ax in axes.ravel()[len(keys) :]:
        ax.axis("off")
    if not keys:
        axes[0][0].axis("on")
        axes[0][0].text(0.5, 0.5, "no numeric finding is shared by two editions", ha="center", va="center")
        return fig
    for ax, key in zip(axes.ravel(), keys):
        d = long[long["key"] == key].sort_values("snapshot_date")
        x = pd.to_datetime(d["snapshot_date"])
        y = d["value"].astype(float)
        ax.plot(x, y, color="#444444", lw=1, zorder=1)
        for synth, marker_face in ((False, "#1f77b4"), (True, "white")):
            m = d["synthetic"] == synth
            ax.scatter(
                x[m],
                y[m],
                s=30,
                facecolor=marker_face,
                edgecolor="#1f77b4",
                zorder=2,
                label="synthetic" if synth else "real",
            )
        lo, hi = d["ci_low"].astype(float), d["ci_high"].astype(float)
        ok = lo.notna() & hi.notna()
        if ok.any():
            ax.vlines(x[ok], lo[ok], hi[ok], color="#1f77b4", lw=1)
        # wrapped: a long name on one line ran into the next panel's and widened the figure
        ax.set_title(textwrap.fill(f"{d['quantity'].iloc[0]} ({d['unit'].iloc[0]})", 40), fontsize=8)
        # few, short date labels, upright: rotated ones reached past the figure and shrank it on a phone
        if x.min() == x.max():  # editions of one date: a quarter on each side, not a zero-width axis
            ax.set_xlim(x.min() - pd.Timedelta(days=91), x.max() + pd.Timedelta(days=91))
        locator = mdates.AutoDateLocator(maxticks=4, interval_multiples=True)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;
color:#222;line-height:1.45}
table{border-collapse:collapse;font-size:.85rem;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top;white-space:nowrap}
th{background:#f3f3f3;text-align:left}
.warn{background:#fff4e5;border-left:4px solid #f0a020;padding:.5rem 1rem}
img{max-width:100%;height:auto}
caption{caption-side:top;text-align:left;font-weight:600;padding:.4rem 0}
"""


def _rel(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def write_page(editions: Sequence[Edition], out: Path, site: Path | None = None) -> Path:
    """Write the editions page into ``out`` (``index.html``, ``tables/``, ``figures/``). With ``site``
    (a built book's html folder that the page is part of, ``out`` inside it), only links that stay
    inside that site are made: the book it is part of, not the other editions' sites."""
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    long = long_table(editions)
    from analysis.publication.publish import write_csv

    write_csv(long, out / "tables" / "tab-editions.csv")  # formula cells as text, as every CSV of the book
    wide = wide_table(long, editions)
    keys = trend_keys(long)
    fig = trends_figure(long, keys)
    import matplotlib.pyplot as plt

    fig.savefig(out / "figures" / "fig-editions-trends.png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(
        out / "figures" / "fig-editions-trends.svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
    )
    plt.close(fig)

    def esc(s: Any) -> str:
        return html.escape(str(s))

    items = []
    for ed in editions:
        inside = site is None or ed.site.resolve().is_relative_to(Path(site).resolve())
        link = f' (<a href="{esc(_rel(ed.site, out))}">its book</a>)' if ed.site.is_file() and inside else ""
        mark = " — <strong>synthetic data</strong>" if ed.synthetic else ""
        items.append(
            f"<li><code>{esc(ed.snapshot_id)}</code>, snapshot date {esc(ed.snapshot_date)}, source "
            f"{esc(ed.source_kind)}{mark}: {len(ed.findings):,} findings{link}</li>"
        )
    warn = ""
    if any(ed.synthetic for ed in editions):
        warn = (
            '<p class="warn">Some editions are computed from <strong>synthetic data</strong> (hollow points in '
            "the figure): their numbers illustrate the method and are not facts about the Hub.</p>"
        )
    back = '<p><a href="../book/index.html">Back to the book of this edition</a></p>' if site is not None else ""
    n_keys = wide.shape[0]
    caption = (
        f"<caption>Table: every finding of {len(editions)} editions ({n_keys} findings), ordered by snapshot date; "
        "each value with its coverage (scope: covered of population).</caption>"
    )
    table_html = wide.to_html(index=False, escape=True, border=0, table_id="tab-editions")
    head, sep, rest = table_html.partition(">")
    table_html = head + sep + caption + rest
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Editions compared — Development activity on the Hugging Face Hub</title><style>{_CSS}</style></head>
<body>
<h1>Editions compared</h1>
{warn}{back}
<p>The findings recorded by {len(editions)} editions of the book, each computed from its own snapshot, ordered by
snapshot date. A finding that an edition does not have is marked so, never shown as zero. Coverage says what each
value rests on: <em>all</em> repositories, a seeded random <em>sample</em>, a <em>subset</em> that is not a random
sample, or <em>none</em>.</p>
<h2>The editions</h2>
<ul>
{chr(10).join(items)}
</ul>
<h2>Every finding</h2>
{table_html}
<p><a href="tables/tab-editions.csv">Data (CSV, one row per finding and edition)</a></p>
<h2 id="fig-editions-trends">Trends</h2>
<figure><img src="figures/fig-editions-trends.png" alt="For each of {len(keys)} numeric findings that two or more
editions share, its value at each edition's snapshot date; hollow points are synthetic editions.">
<figcaption>Figure: numeric findings shared by two or more editions, by snapshot date (hollow: synthetic; bars:
intervals where recorded). <a href="figures/fig-editions-trends.svg">SVG</a></figcaption></figure>
</body></html>
"""
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m analysis editions",
        description="Compare the findings of several built editions of the book on one page (_build/editions/).",
    )
    parser.add_argument(
        "build_dirs",
        nargs="*",
        metavar="BUILD_DIR",
        help="build folders _build/<snapshot_id> (default: every build with findings.json)",
    )
    parser.add_argument("--out", default=None, help="output folder (default: _build/editions)")
    parser.add_argument(
        "--site",
        default=None,
        help="a built book's html folder: write the page into its editions/ folder (linked from the book)",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    dirs = args.build_dirs or discover()  # an EditionsError: one line, from analysis.cli.run_command
    editions = load_editions(dirs)
    site = Path(args.site) if args.site else None
    out = Path(args.out) if args.out else (site / "editions" if site else paths.editions_dir())
    index = write_page(editions, out, site)
    print(f"editions page of {len(editions)} editions: {index}")
    return 0
