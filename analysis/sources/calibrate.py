"""Derive the synthetic Hub's targets from the real Hub records (``../shared/data``).

``python -m analysis calibrate [--shared DIR] [--write]`` streams the real
record files in place (one JSON line at a time, never a whole file as Python
objects), prints every target it derives with where it came from, and with
``--write`` stores them in ``analysis/resources/synth_targets.json``, which is
committed so that :mod:`analysis.sources.synth` works on machines without the real
records (CI). The targets file holds aggregate figures only (shares, counts,
quantiles, fitted parameters), never a record.

Every figure is stored as ``{"value": ..., "source": <file>, "computation": <how>}``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from analysis import paths, stats
from analysis.cli import OneLineParser
from analysis.snapshot.schema import PLACEHOLDER_CREATED  # the Hub's placeholder, as its API writes it
from analysis.subfields import SUBFIELD_TAGS

TARGETS_FILE = "synth_targets.json"
MODELS = "hub-2024-07/models.jsonl.gz"
DATASETS = "hub-2024-07/datasets.jsonl.gz"
MODEL_INFO = "hub-2024-07/model_info.jsonl.gz"
COMMITS = "model-commits-2024-09/commits.jsonl.gz"

#: Probability levels of the stored quantile functions (dense in the upper tail,
#: where the concentration figures live).
QUANTILE_LEVELS: list[float] = sorted(
    set(
        [round(x, 4) for x in np.linspace(0.0, 0.9, 91)]
        + [round(x, 4) for x in np.linspace(0.9, 0.99, 46)]
        + [round(x, 5) for x in np.linspace(0.99, 0.999, 31)]
        + [0.9992, 0.9994, 0.9996, 0.9998, 0.9999, 0.99995, 0.99999, 1.0]
    )
)
#: Bins of the "repositories per owner" distribution (lower bounds; last is open).
OWNER_BINS: list[int] = [1, 2, 3, 4, 5, 6, 8, 11, 16, 21, 31, 51, 101, 201, 501, 1001, 2001, 5001, 10001]


def targets_path() -> Path:
    return paths.resource(TARGETS_FILE)


def load_targets(path: Path | None = None) -> dict[str, Any]:
    """The committed targets (``{"meta": ..., "figures": {name: {"value", "source", "computation"}}}``)."""
    p = path or targets_path()
    return json.loads(p.read_text(encoding="utf-8"))


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                yield rec


def _keyed(path: Path, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(rec[key], rec) for the records of ``path`` whose ``key`` is a string (an id)."""
    for rec in _lines(path):
        rid = rec.get(key)
        if isinstance(rid, str):
            yield rid, rec


class _Figures:
    def __init__(self) -> None:
        self.figures: dict[str, dict[str, Any]] = {}

    def add(self, name: str, value: Any, source: str, computation: str) -> None:
        self.figures[name] = {"value": value, "source": source, "computation": computation}


def _share(x: np.ndarray | int, n: int) -> float:
    return round(float(np.sum(x)) / n, 6) if n else float("nan")


def _quantiles(values: np.ndarray) -> list[float]:
    """Quantiles of log1p(values) at QUANTILE_LEVELS (values >= 0)."""
    logs = np.log1p(values.astype(float))
    return [round(float(q), 6) for q in np.quantile(logs, QUANTILE_LEVELS)]


def _top_share(values: np.ndarray, frac: float) -> float:
    return round(stats.top_share(values, frac), 6)


def _owner_bins(sizes: np.ndarray) -> tuple[list[int], list[float]]:
    """Owners per bin of OWNER_BINS, and the mean repositories per owner in each bin (its lower bound if empty)."""
    idx = np.searchsorted(OWNER_BINS, sizes, side="right") - 1
    cnt = np.bincount(idx, minlength=len(OWNER_BINS))
    sums = np.bincount(idx, weights=sizes, minlength=len(OWNER_BINS))
    means = [round(float(s / c), 3) if c else float(OWNER_BINS[i]) for i, (s, c) in enumerate(zip(sums, cnt))]
    return cnt.astype(int).tolist(), means


def _months(created: list[str], source: str, F: _Figures, prefix: str) -> None:
    n = len(created)
    placeholder = sum(1 for c in created if c == PLACEHOLDER_CREATED)
    missing = sum(1 for c in created if not c)
    months = Counter(c[:7] for c in created if c and c != PLACEHOLDER_CREATED)
    F.add(
        f"{prefix}.created_placeholder_share",
        _share(placeholder, n),
        source,
        f"share of records with createdAt == {PLACEHOLDER_CREATED} (the Hub's placeholder for older repositories)",
    )
    F.add(f"{prefix}.created_missing_share", _share(missing, n), source, "share of records without createdAt")
    total = sum(months.values())
    F.add(
        f"{prefix}.created_month_shares",
        {m: round(c / total, 7) for m, c in sorted(months.items())},
        source,
        "share of records created in each month (YYYY-MM of createdAt), among records with a real createdAt",
    )


class _ListingTally:
    """What one pass over a listing file counts, record by record."""

    def __init__(self, kind: str, watch: dict[str, bool | None] | None):
        self.kind, self.watch = kind, watch
        self.n = self.legacy = self.no_license = 0
        self.downloads: list[int] = []
        self.likes: list[int] = []
        self.created: list[str] = []
        self.ntags: list[int] = []
        self.has_license: list[bool] = []
        self.licenses: Counter = Counter()
        self.pipeline: Counter = Counter()
        self.library: Counter = Counter()
        self.tags: Counter = Counter()
        self.owners: Counter = Counter()
        self.gated: Counter = Counter()
        self.subfields: Counter = Counter()

    def add(self, rid: str, rec: dict[str, Any]) -> None:
        self.n += 1
        d = rec.get("downloads")
        self.downloads.append(d if isinstance(d, int) and d >= 0 else 0)
        lk = rec.get("likes")
        self.likes.append(lk if isinstance(lk, int) and lk >= 0 else 0)
        self.created.append(rec.get("createdAt") or "")
        if "/" in rid:
            self.owners[rid.split("/", 1)[0]] += 1
        else:
            self.legacy += 1
        t = rec.get("tags") or []
        self.ntags.append(len(t))
        self._license(rid, t)
        self.pipeline[rec.get("pipeline_tag")] += 1
        if self.kind == "model":
            tagset = {x for x in t if isinstance(x, str)} | {rec.get("pipeline_tag")}
            for sub, wanted in SUBFIELD_TAGS.items():
                self.subfields[sub] += not tagset.isdisjoint(wanted)
        self.library[rec.get("library_name")] += 1
        self._tags(t)
        if self.kind == "dataset":
            self.gated[str(rec.get("gated")).lower()] += 1

    def _license(self, rid: str, t: list) -> None:
        """The first ``license:`` tag (also noted for a watched id)."""
        lic = next((x[8:] for x in t if isinstance(x, str) and x.startswith("license:")), None)
        self.has_license.append(lic is not None)
        if self.watch is not None and rid in self.watch:
            self.watch[rid] = lic is not None
        if lic is None:
            self.no_license += 1
        else:
            self.licenses[lic] += 1

    def _tags(self, t: list) -> None:
        """Each distinct tag once, except license, arxiv, dataset, base_model and doi tags."""
        seen = set()
        for x in t:
            if not isinstance(x, str) or x.startswith(("license:", "arxiv:", "dataset:", "base_model:", "doi:")):
                continue
            if x in seen:
                continue
            seen.add(x)
            self.tags[x] += 1


def _popularity_figures(dl: np.ndarray, lk: np.ndarray, n: int, source: str, F: _Figures, prefix: str) -> None:
    F.add(f"{prefix}.count", n, source, "number of records")
    F.add(f"{prefix}.zero_downloads_share", _share(dl == 0, n), source, "share of records with downloads == 0")
    F.add(
        f"{prefix}.downloads_log1p_quantiles",
        _quantiles(dl),
        source,
        "quantiles of log1p(downloads) at meta.quantile_levels (all records, zeros included)",
    )
    F.add(
        f"{prefix}.top1_downloads_share",
        _top_share(dl, 0.01),
        source,
        "share of all downloads held by the top 1% of records",
    )
    F.add(
        f"{prefix}.top10_downloads_share",
        _top_share(dl, 0.10),
        source,
        "share of all downloads held by the top 10% of records",
    )
    F.add(f"{prefix}.zero_likes_share", _share(lk == 0, n), source, "share of records with likes == 0")
    F.add(
        f"{prefix}.likes_log1p_quantiles", _quantiles(lk), source, "quantiles of log1p(likes) at meta.quantile_levels"
    )
    F.add(
        f"{prefix}.top1_likes_share", _top_share(lk, 0.01), source, "share of all likes held by the top 1% of records"
    )
    # rank correlation of likes and downloads (Spearman), for the Gaussian copula
    from scipy.stats import spearmanr  # local import: only calibration needs scipy

    rho = float(spearmanr(dl, lk).statistic)
    F.add(
        f"{prefix}.spearman_likes_downloads", round(rho, 4), source, "Spearman rank correlation of likes and downloads"
    )


def _license_figures(tally: _ListingTally, source: str, F: _Figures, prefix: str) -> None:
    n, licenses = tally.n, tally.licenses
    F.add(f"{prefix}.no_license_share", _share(tally.no_license, n), source, "share of records without a license: tag")
    lic_n = sum(licenses.values())
    F.add(
        f"{prefix}.license_shares",
        {k: round(v / lic_n, 6) for k, v in licenses.most_common(30)},
        source,
        "share of each of the 30 most common licenses among records with a license (first license: tag)",
    )
    F.add(
        f"{prefix}.license_other_share",
        round(1 - sum(v for _, v in licenses.most_common(30)) / lic_n, 6),
        source,
        "share of licensed records whose license is not among the 30 most common",
    )


def _model_figures(tally: _ListingTally, source: str, F: _Figures, prefix: str) -> None:
    n = tally.n
    F.add(
        f"{prefix}.pipeline_tag_shares",
        {str(k): round(v / n, 6) for k, v in tally.pipeline.most_common(45)},
        source,
        "share of records per pipeline_tag (None = no pipeline_tag), 45 most common",
    )
    F.add(
        f"{prefix}.subfield_shares",
        {k: round(tally.subfields[k] / n, 6) for k in SUBFIELD_TAGS},
        source,
        "share of records in each of the paper's subfields (any tag or the pipeline_tag in "
        "analysis.subfields.SUBFIELD_TAGS)",
    )
    F.add(
        f"{prefix}.library_name_shares",
        {str(k): round(v / n, 6) for k, v in tally.library.most_common(25)},
        source,
        "share of records per library_name (None = none), 25 most common",
    )


def _tag_figures(tally: _ListingTally, source: str, F: _Figures, prefix: str) -> None:
    n, tags = tally.n, tally.tags
    tag_top = [(k, v) for k, v in tags.most_common(200) if not k.startswith(("task_categories:", "region:"))]
    F.add(
        f"{prefix}.tag_shares",
        {k: round(v / n, 6) for k, v in tag_top[:80]},
        source,
        "share of records carrying each tag (excluding license:, arxiv:, dataset:, base_model:, doi:, "
        "region:, task_categories: tags), 80 most common",
    )
    if tally.kind == "dataset":
        tc = {k: round(v / n, 6) for k, v in tags.most_common(5000) if k.startswith("task_categories:")}
        F.add(
            f"{prefix}.task_category_shares",
            dict(list(tc.items())[:40]),
            source,
            "share of records carrying each task_categories: tag, 40 most common",
        )
        F.add(
            f"{prefix}.gated_shares",
            {k: round(v / n, 6) for k, v in tally.gated.most_common()},
            source,
            "share of records per gated value",
        )
    F.add(f"{prefix}.mean_tags", round(float(np.mean(tally.ntags)), 3), source, "mean number of tags per record")


def _owner_figures(tally: _ListingTally, source: str, F: _Figures, prefix: str) -> None:
    owners = tally.owners
    F.add(f"{prefix}.legacy_share", _share(tally.legacy, tally.n), source, "share of ids without an owner (no '/')")
    F.add(f"{prefix}.owners", len(owners), source, "number of distinct owners (part of id before '/')")
    sizes = np.fromiter(owners.values(), dtype=np.int64)
    hist, bin_means = _owner_bins(sizes)
    F.add(
        f"{prefix}.owner_size_hist",
        hist,
        source,
        "number of owners by repositories per owner, binned at meta.owner_bins (lower bounds)",
    )
    F.add(
        f"{prefix}.owner_size_bin_means",
        bin_means,
        source,
        "mean repositories per owner within each bin of meta.owner_bins",
    )
    F.add(
        f"{prefix}.owner_single_repo_share",
        _share(sizes == 1, sizes.size),
        source,
        "share of owners with exactly one repository",
    )
    F.add(
        f"{prefix}.top1_owner_repo_share",
        _top_share(sizes, 0.01),
        source,
        "share of (owned) repositories held by the top 1% of owners",
    )


def _licensed_download_figures(dl: np.ndarray, tally: _ListingTally, source: str, F: _Figures, prefix: str) -> None:
    lic_mask = np.asarray(tally.has_license, dtype=bool)
    F.add(
        f"{prefix}.zero_downloads_share_licensed",
        _share((dl == 0) & lic_mask, int(lic_mask.sum())),
        source,
        "share of records with downloads == 0 among records with a license",
    )
    F.add(
        f"{prefix}.zero_downloads_share_unlicensed",
        _share((dl == 0) & ~lic_mask, int((~lic_mask).sum())),
        source,
        "share of records with downloads == 0 among records without a license",
    )


def _repo_listing(
    path: Path, source: str, F: _Figures, prefix: str, kind: str, watch: dict[str, bool | None] | None = None
) -> Counter:
    """The figures of one listing file (``prefix``.*); returns its repositories per owner. A watched id's
    entry in ``watch`` is set to whether it has a license."""
    tally = _ListingTally(kind, watch)
    for rid, rec in _keyed(path, "id"):
        tally.add(rid, rec)
    dl = np.asarray(tally.downloads, dtype=np.int64)
    lk = np.asarray(tally.likes, dtype=np.int64)
    _popularity_figures(dl, lk, tally.n, source, F, prefix)
    _license_figures(tally, source, F, prefix)
    if kind == "model":
        _model_figures(tally, source, F, prefix)
    _tag_figures(tally, source, F, prefix)
    _owner_figures(tally, source, F, prefix)
    _licensed_download_figures(dl, tally, source, F, prefix)
    _months(tally.created, source, F, prefix)
    return tally.owners


def _model_info(path: Path, source: str, F: _Figures) -> None:
    n = 0
    used = 0
    degrees: list[int] = []
    gated: Counter = Counter()
    for rec in _lines(path):
        n += 1
        sp = rec.get("spaces") or []
        k = len(sp) if isinstance(sp, list) else 0
        degrees.append(k)
        used += k > 0
        gated[str(rec.get("gated")).lower()] += 1
    d = np.asarray(degrees)
    pos = d[d > 0]
    F.add("model_spaces.models", n, source, "model_info records (ids starting with a digit or q: not a random sample)")
    F.add("model_spaces.used_share", _share(used, n), source, "share of models with at least one space using them")
    F.add("model_spaces.edges_per_model", round(float(d.sum()) / n, 6), source, "space-to-model edges per model")
    F.add(
        "model_spaces.degree_log_quantiles_used",
        [round(float(np.log(q)), 6) for q in np.quantile(pos, QUANTILE_LEVELS)],
        source,
        "quantiles of log(spaces per model) among used models at meta.quantile_levels",
    )
    F.add(
        "model_spaces.top1_used_edge_share",
        _top_share(pos, 0.01),
        source,
        "share of edges held by the top 1% of used models",
    )
    F.add(
        "models.gated_shares",
        {k: round(v / n, 6) for k, v in gated.most_common()},
        source,
        "share of models per gated value (from model_info; the listing has no gated field)",
    )


def _read_commits(path: Path) -> tuple[Counter, dict[str, set], Counter, int, int]:
    """Per repository its commits and distinct authors; commits per author; the number of commits and
    of commits with more than one author."""
    per_repo: Counter = Counter()
    authors_of: dict[str, set] = {}
    author_commits: Counter = Counter()
    n = multi = 0
    for rid, rec in _keyed(path, "repo_id"):
        n += 1
        names = [a.get("user") for a in (rec.get("authors") or []) if isinstance(a, dict) and a.get("user")]
        per_repo[rid] += 1
        authors_of.setdefault(rid, set()).update(names)
        msg = rec.get("message") if isinstance(rec.get("message"), str) else ""
        multi += len(names) > 1 or "co-authored-by:" in msg.lower()
        for a in names:
            author_commits[a] += 1
    return per_repo, authors_of, author_commits, n, multi


def _commit_repo_figures(k: np.ndarray, a: np.ndarray, n: int, multi: int, source: str, F: _Figures) -> None:
    """Commits and distinct authors per repository (``k``, ``a``); commits with several authors."""
    F.add("commits.repos", int(k.size), source, "repositories with commits")
    F.add("commits.count", n, source, "commit records (only commits that touched a weight file)")
    F.add(
        "commits.per_repo_hist",
        {str(i): int(c) for i, c in sorted(Counter(np.minimum(k, 50).tolist()).items())},
        source,
        "repositories by number of commits (50 = 50 or more)",
    )
    F.add("commits.per_repo_mean", round(float(k.mean()), 4), source, "mean commits per repository")
    F.add(
        "commits.authors_per_repo_hist",
        {str(i): int(c) for i, c in sorted(Counter(np.minimum(a, 20).tolist()).items())},
        source,
        "repositories by number of distinct commit authors (20 = 20 or more)",
    )
    F.add(
        "commits.single_author_share",
        _share(a == 1, a.size),
        source,
        "share of repositories with exactly one distinct author",
    )
    buckets = {"1": (1, 1), "2": (2, 2), "3-5": (3, 5), "6-10": (6, 10), "11+": (11, 10**9)}
    F.add(
        "commits.single_author_share_by_commits",
        {
            b: _share((a == 1) & (k >= lo) & (k <= hi), int(((k >= lo) & (k <= hi)).sum()))
            for b, (lo, hi) in buckets.items()
        },
        source,
        "share of repositories with one distinct author, by number of commits (bucket)",
    )
    F.add(
        "commits.multi_author_commit_share",
        _share(multi, n),
        source,
        "share of commits with more than one author: listing several authors, or a "
        "'Co-authored-by:' trailer in the message (the source kept one author per commit)",
    )


def _commit_author_figures(
    per_repo: Counter, authors_of: dict[str, set], author_commits: Counter, source: str, F: _Figures
) -> None:
    """The author strings: how many, how git-like, isolated, bots, the Hub's 'system', concentration."""
    authors = list(author_commits)
    gitlike = sum(1 for x in authors if (" " in x) or (x != x.lower()) or ("." in x))
    bots = sum(1 for x in authors if "bot" in x.lower())
    bot_repos = sum(1 for r in per_repo if any("bot" in x.lower() for x in authors_of[r]))
    F.add("commits.authors", len(authors), source, "distinct author strings")
    F.add("commits.authors_per_repo", round(len(authors) / len(per_repo), 4), source, "distinct authors / repositories")
    F.add(
        "commits.gitname_author_share",
        _share(gitlike, len(authors)),
        source,
        "share of author strings that look like git names (contain a space, a capital or a dot)",
    )
    shared = set()
    for us in authors_of.values():
        if len(us) > 1:
            shared |= us
    F.add(
        "commits.isolate_author_share",
        _share(len(authors) - len(shared & set(authors)), len(authors)),
        source,
        "share of author strings that never share a repository with another author (isolates of the "
        "collaboration network, before identity resolution)",
    )
    F.add("commits.bot_author_share", _share(bots, len(authors)), source, "share of author strings containing 'bot'")
    F.add(
        "commits.bot_repo_share", _share(bot_repos, len(per_repo)), source, "share of repositories with a 'bot' author"
    )
    sys_repos = sum(1 for r in per_repo if "system" in authors_of[r])
    F.add(
        "commits.system_repo_share",
        _share(sys_repos, len(per_repo)),
        source,
        "share of repositories with a commit authored by the Hub's 'system' (only commits that touched a "
        "weight file were kept, so this is a lower bound)",
    )
    per_author = np.fromiter(author_commits.values(), dtype=np.int64)
    F.add(
        "commits.top1_author_commit_share",
        _top_share(per_author, 0.01),
        source,
        "share of commit authorships held by the top 1% of authors",
    )


def _commits(path: Path, source: str, F: _Figures) -> tuple[Counter, dict[str, set]]:
    """The figures of the commit records (``commits.*``); returns commits and authors per repository."""
    per_repo, authors_of, author_commits, n, multi = _read_commits(path)
    k = np.fromiter(per_repo.values(), dtype=np.int64)
    a = np.asarray([len(authors_of[r]) for r in per_repo], dtype=np.int64)
    _commit_repo_figures(k, a, n, multi, source, F)
    _commit_author_figures(per_repo, authors_of, author_commits, source, F)
    return per_repo, authors_of


def _commits_by_license(
    per_repo: Counter, authors_of: dict[str, set], licensed: dict[str, bool | None], F: _Figures
) -> None:
    out = {}
    for group, flag in (("licensed", True), ("unlicensed", False)):
        repos = [r for r, v in licensed.items() if v is flag]
        if not repos:
            continue
        out[group] = {
            "repos": len(repos),
            "single_author_share": round(float(np.mean([len(authors_of[r]) == 1 for r in repos])), 6),
            "mean_commits": round(float(np.mean([per_repo[r] for r in repos])), 4),
            "mean_authors": round(float(np.mean([len(authors_of[r]) for r in repos])), 4),
        }
    F.add(
        "commits.by_license",
        out,
        f"{COMMITS}, {MODELS}",
        "repositories of the commit records found in the models listing, by whether the listing gives a "
        "license: tag: single-author share, mean commits, mean distinct authors",
    )


def derive(shared: Path, *, progress: bool = True) -> dict[str, Any]:
    F = _Figures()
    owners = {}
    commits = None
    if (shared / COMMITS).exists():
        commits = _commits(shared / COMMITS, COMMITS, F)
    watch: dict[str, bool | None] = dict.fromkeys(commits[0]) if commits else {}
    for rel, prefix, kind in ((MODELS, "models", "model"), (DATASETS, "datasets", "dataset")):
        p = shared / rel
        if p.exists():
            if progress:
                print(f"reading {rel} ...", file=sys.stderr)
            owners[kind] = _repo_listing(p, rel, F, prefix, kind, watch if kind == "model" else None)
    if commits and (shared / MODELS).exists():
        _commits_by_license(*commits, watch, F)
    if len(owners) == 2:
        both = set(owners["model"]) & set(owners["dataset"])
        F.add(
            "datasets.owner_overlap_share",
            _share(len(both), len(owners["dataset"])),
            f"{DATASETS}, {MODELS}",
            "share of dataset owners who also own at least one model",
        )
    if (shared / MODEL_INFO).exists():
        _model_info(shared / MODEL_INFO, MODEL_INFO, F)
    if "models.count" in F.figures and "datasets.count" in F.figures:
        F.add(
            "ratios.datasets_per_model",
            round(F.figures["datasets.count"]["value"] / F.figures["models.count"]["value"], 6),
            f"{DATASETS}, {MODELS}",
            "datasets.count / models.count",
        )
    return {
        "meta": {
            "derived_by": "python -m analysis calibrate --write",
            "derived_on": dt.date.today().isoformat(),
            "shared_data": "../shared/data (see its README: sources, dates)",
            "quantile_levels": QUANTILE_LEVELS,
            "owner_bins": OWNER_BINS,
        },
        "figures": F.figures,
    }


def _short(v: Any) -> str:
    s = json.dumps(v)
    return s if len(s) <= 110 else s[:107] + "..."


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(prog="python -m analysis calibrate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=None, help="folder of the real records (default ../shared/data)")
    ap.add_argument("--write", action="store_true", help=f"also write analysis/resources/{TARGETS_FILE}")
    ap.add_argument("--json", action="store_true", help="print the targets as JSON")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    shared = Path(args.shared).resolve() if args.shared else paths.shared_data()
    if not (shared / MODELS).exists():
        print(f"error: no real records at {shared} (expected {MODELS})", file=sys.stderr)
        return 2
    targets = derive(shared)
    if args.json:
        print(json.dumps(targets, indent=1))
    else:
        for name, fig in targets["figures"].items():
            print(f"{name:<42} {_short(fig['value'])}\n{'':<42} <- {fig['source']}: {fig['computation']}")
    if args.write:
        p = targets_path()
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(targets, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {p.relative_to(paths.ROOT)}", file=sys.stderr)
    return 0
