"""The root of a site of editions: ``index.html`` (a redirect to the latest edition), ``latest/`` (a
redirect per page), ``editions/`` (every edition, every finding across them and their trends),
``site.json`` and ``.nojekyll``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from analysis.publication.siteinputs import CODE_LICENSE, LICENSES_FILE, SITE_RECORD, TEXT_LICENSE
from analysis.publication.sitestamp import _rel

# --------------------------------------------------------------------------- #
# the root: redirect, latest/, editions/
# --------------------------------------------------------------------------- #

_PAGE_CSS = (
    "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;"
    "padding:0 1rem;color:#222;line-height:1.45}table{border-collapse:collapse;font-size:.85rem;display:block;"
    "overflow-x:auto;max-width:100%}th,td{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}"
    "th{background:#f3f3f3;text-align:left}.warn{background:#fff4e5;border-left:4px solid #f0a020;padding:.5rem 1rem}"
    "img{max-width:100%;height:auto}"
)


def _redirect_page(target_rel: str, canonical: str, title: str, extra: str = "") -> str:
    t, c = html.escape(target_rel), html.escape(canonical)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={t}"><link rel="canonical" href="{c}">'
        f"<title>{html.escape(title)}</title><style>{_PAGE_CSS}</style></head>\n<body>\n"
        f'<p>{html.escape(title)}: <a href="{t}">{c}</a></p>\n{extra}</body></html>\n'
    )


def _edition_row(rec: dict[str, Any], page: str) -> str:
    s = rec["snapshot"]
    esc = html.escape
    synth = " — <strong>synthetic data</strong>" if s.get("synthetic") else ""
    link = _rel(f"{rec['edition']}/book/index.html", page)
    return (
        f'<li><a href="{esc(link)}"><code>{esc(rec["edition"])}</code></a>: snapshot <code>{esc(str(s["id"]))}</code>, '
        f"{esc(str(s['date']))}, source {esc(str(s['source_kind']))}{synth}; book version {esc(rec.get('version', ''))},"
        f" built {esc(rec.get('built', ''))}, published {esc(rec.get('published', ''))} at "
        f"<code>{esc(rec['url'])}</code></li>"
    )


def write_root(stage: Path, site_root: Path, baseurl: str, records: list[dict[str, Any]], new: dict[str, Path]) -> None:
    """``index.html``, ``latest/``, ``editions/``, ``site.json`` and ``.nojekyll`` into ``stage``; ``new``:
    the folders of the editions being published (the others are in ``site_root``)."""
    latest = _latest(records)
    where = {r["edition"]: new.get(r["edition"], site_root / r["edition"]) for r in records}
    lat = latest["edition"]
    editions_list = "\n".join(_edition_row(r, "index.html") for r in reversed(records))
    (stage / "index.html").write_text(
        _redirect_page(
            f"{lat}/book/index.html",
            f"{baseurl}{lat}/book/index.html",
            f"The latest edition, {lat}",
            f'<p><a href="editions/index.html">All editions</a>:</p>\n<ul>\n{editions_list}\n</ul>\n',
        ),
        encoding="utf-8",
    )
    (stage / ".nojekyll").write_text("", encoding="utf-8")
    lat_dir = stage / "latest"
    for page in sorted(where[lat].rglob("*.html")):
        rel = page.relative_to(where[lat]).as_posix()
        target = lat_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            _redirect_page(_rel(f"{lat}/{rel}", f"latest/{rel}"), f"{baseurl}{lat}/{rel}", f"Edition {lat}: {rel}"),
            encoding="utf-8",
        )
    write_editions_page(stage / "editions", records, where)
    doc = {"schema_version": 1, "baseurl": baseurl, "latest": lat, "editions": records}
    (stage / SITE_RECORD).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _latest(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The latest edition: the newest snapshot of real data, else the newest of all (last published wins)."""
    real = [r for r in records if not r["snapshot"].get("synthetic")]
    pool = real or records
    return max(enumerate(pool), key=lambda ir: (str(ir[1]["snapshot"]["date"]), ir[0]))[1]


def write_editions_page(out: Path, records: list[dict[str, Any]], where: dict[str, Path]) -> None:
    """``editions/index.html``: every edition, and every finding across them with its trend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "hf-hub-activity-editions"  # the same SVG for the same editions

    from analysis.publication import editions as ed_mod

    out.mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    eds = []
    for r in records:
        doc = json.loads((where[r["edition"]] / "findings.json").read_text(encoding="utf-8"))
        s = r["snapshot"]
        eds.append(
            ed_mod.Edition(
                where[r["edition"]],
                r["edition"],
                str(s["date"]),
                str(s["source_kind"]),
                bool(s["synthetic"]),
                list(doc.get("findings", [])),
            )
        )
    eds.sort(key=lambda e: (e.snapshot_date, e.snapshot_id))
    long = ed_mod.long_table(eds).rename(columns={"snapshot_id": "edition"})
    from analysis.publication.publish import write_csv

    write_csv(long, out / "tables" / "tab-editions.csv")  # formula cells as text, as every CSV of the book
    long = long.rename(columns={"edition": "snapshot_id"})
    wide = ed_mod.wide_table(long, eds)
    fig = ed_mod.trends_figure(long, ed_mod.trend_keys(long))
    fig.savefig(out / "figures" / "fig-editions-trends.png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(
        out / "figures" / "fig-editions-trends.svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
    )
    plt.close(fig)
    items = "\n".join(_edition_row(r, "editions/index.html") for r in reversed(records))
    warn = ""
    if any(r["snapshot"].get("synthetic") for r in records):
        warn = (
            '<p class="warn">Editions marked <strong>synthetic data</strong> (hollow points in the figure) illustrate '
            "the method; their numbers are not facts about the Hub.</p>"
        )
    table = wide.to_html(index=False, escape=True, border=0, table_id="tab-editions")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Editions — Development activity on the Hugging Face Hub</title><style>{_PAGE_CSS}</style></head>
<body>
<h1>Editions of the book</h1>
<p>Each edition is the book computed from one snapshot of the Hub, at a permanent address that never changes once
published: a citation of a table or figure keeps pointing at the numbers that were cited. A snapshot published
again with other parameters or code is a new edition (its id has a suffix). Text, tables and figures are
<a href="{TEXT_LICENSE[1]}">{TEXT_LICENSE[0]}</a>; the code is {CODE_LICENSE[0]}; each edition's
{LICENSES_FILE} gives the licences and attributions of its data sources.</p>
{warn}
<h2>The editions (newest first)</h2>
<ul>
{items}
</ul>
<h2>Every finding across the editions</h2>
{table}
<p><a href="tables/tab-editions.csv">Data (CSV, one row per finding and edition)</a></p>
<h2 id="fig-editions-trends">Trends</h2>
<figure><img src="figures/fig-editions-trends.png" alt="Numeric findings shared by two or more editions, by snapshot
date; hollow points are synthetic editions."><figcaption>Numeric findings shared by two or more editions, by
snapshot date (hollow: synthetic). <a href="figures/fig-editions-trends.svg">SVG</a></figcaption></figure>
</body></html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")
