"""Uncertainty and robustness of the book's headline numbers (Parts I-III).

- **Intervals** (:func:`concentration_intervals`, :func:`quantile_interval`,
  :func:`proportion_interval`): 95% intervals for top-k shares, Gini coefficients, percentiles and
  shares. Top shares and Gini are bootstrapped; because resampling repositories with replacement
  is the same as drawing the counts of each distinct value from a multinomial distribution, the
  bootstrap resamples those counts (:func:`bootstrap_concentration`), which is exact and takes
  time in the number of distinct values, not of repositories. ``scipy.stats.bootstrap`` resamples
  every unit: ``bench/bench_intervals.py`` measures both.
- **Sampled collections** (:func:`srs_proportion`): a share estimated from a simple random sample
  without replacement of n of N repositories, with the finite-population correction.
- **Effect sizes** (:func:`cliffs_delta`, :func:`pairwise_effects`): Cliff's delta for each pair of
  license groups, with a bootstrap interval and the magnitude labels of Romano et al. (2006).
- **A network where reciprocity is measured** (:func:`sequential_network`): an extension in which
  each commit links its first author to the first author of the previous commit of the same
  repository, so that an edge and its reverse are separate observations (under the authors'
  construction every edge between two distinct developers is reciprocated by definition); it
  lives in :mod:`analysis.parts.network.sequential` and is re-exported here.
- **Sampling bias of the isolate share** (:func:`isolate_share`, :func:`isolate_sampling_bias`).
- **Sensitivity** (:func:`sensitivity_table`): download concentration without the largest model and
  without placeholder-dated repositories, and the license tests on random subsamples of the
  paper's size.

Every random draw is seeded; the seed is a parameter of the notebook that calls these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats as sstats

from analysis import arrays, stats
from analysis.parts import licenses
from analysis.parts.network.sequential import (  # noqa: F401 (re-exported: the book reads them here)
    SequentialNetwork,
    sequential_edges,
    sequential_from_rows,
    sequential_network,
)
from analysis.parts.nullmodel import Rewirings, null_comparison
from analysis.snapshot import Snapshot
from analysis.snapshot.schema import PLACEHOLDER_MINUTE

CONF = 0.95
DEFAULT_B = 1000
FRACTIONS = {"top1": 0.01, "top10": 0.10}
#: Romano et al. (2006) thresholds of |Cliff's delta|.
DELTA_MAGNITUDE = ((0.147, "negligible"), (0.33, "small"), (0.474, "medium"), (float("inf"), "large"))


# --------------------------------------------------------------------------- #
# concentration from value counts
# --------------------------------------------------------------------------- #


def value_counts(x: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distinct non-negative values (ascending) and their counts; NaN dropped."""
    v = np.asarray(pd.Series(x, dtype=float).dropna().to_numpy(), dtype=float)
    if (v < 0).any():
        raise ValueError("values must be non-negative")
    return np.unique(v, return_counts=True)


def concentration(values: np.ndarray, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Top-1% share, top-10% share and Gini of one or many multisets given as counts.

    ``values``: distinct values, ascending (K,); ``counts``: (K,) or (B, K), one multiset per row.
    Equal to :func:`analysis.stats.top_share` and :func:`analysis.stats.gini` on the expanded
    values (ties at the cut of a top share do not matter). Returns arrays of shape (B,) (NaN
    where a multiset is empty or sums to 0).
    """
    c = np.atleast_2d(np.asarray(counts, dtype=float))
    v = np.asarray(values, dtype=float)
    n = c.sum(axis=1)
    total = c @ v
    with np.errstate(invalid="ignore", divide="ignore"):
        before = np.cumsum(c, axis=1) - c  # units ranked below each value
        gini = (c * v * (2 * before + c - n[:, None])).sum(axis=1) / (n * total)
        above = n[:, None] - before - c  # units ranked above each value
        out = {"gini": np.where(total > 0, gini, np.nan)}
        for name, frac in FRACTIONS.items():
            k = np.maximum(1, np.ceil(frac * n - 1e-9))
            take = np.clip(k[:, None] - above, 0, c)
            out[name] = np.where(total > 0, (take * v).sum(axis=1) / total, np.nan)
    return out


def bootstrap_concentration(x: Any, *, b: int = DEFAULT_B, seed: int = 0, chunk: int = 50) -> dict[str, np.ndarray]:
    """Bootstrap replicates of the top shares and Gini of ``x``: resampling n units with replacement
    is drawing the counts of the K distinct values from Multinomial(n, counts / n)."""
    values, counts = value_counts(x)
    n = int(counts.sum())
    reps: dict[str, list[np.ndarray]] = {k: [] for k in ("top1", "top10", "gini")}
    if n == 0:
        return {k: np.full(b, np.nan) for k in reps}
    rng = np.random.default_rng(seed)
    p = counts / n
    for start in range(0, b, chunk):
        draw = rng.multinomial(n, p, size=min(chunk, b - start))
        for k, arr in concentration(values, draw).items():
            reps[k].append(arr)
    return {k: np.concatenate(v) for k, v in reps.items()}


def percentile_interval(replicates: np.ndarray, conf: float = CONF) -> tuple[float, float]:
    r = replicates[~np.isnan(replicates)]
    if r.size == 0:
        return float("nan"), float("nan")
    a = (1 - conf) / 2
    lo, hi = np.quantile(r, [a, 1 - a])
    return float(lo), float(hi)


def concentration_intervals(x: Any, *, b: int = DEFAULT_B, seed: int = 0) -> dict[str, tuple[float, float]]:
    """95% percentile-bootstrap intervals of the top-1% share, top-10% share and Gini of ``x``."""
    return {k: percentile_interval(r) for k, r in bootstrap_concentration(x, b=b, seed=seed).items()}


def quantile_interval(x: Any, q: float, conf: float = CONF) -> tuple[float, float]:
    """Distribution-free interval of the ``q`` quantile: order statistics chosen by the binomial
    distribution (exact coverage of at least ``conf`` up to ties)."""
    v = np.sort(np.asarray(pd.Series(x, dtype=float).dropna(), dtype=float))
    n = v.size
    if n == 0:
        return float("nan"), float("nan")
    a = (1 - conf) / 2
    lo = int(sstats.binom.ppf(a, n, q))
    hi = int(sstats.binom.ppf(1 - a, n, q)) + 1
    return float(v[max(lo - 1, 0)]), float(v[min(hi - 1, n - 1)])


def proportion_interval(k: int, n: int, conf: float = CONF) -> tuple[float, float]:
    """Wilson score interval of a proportion k / n (as fractions)."""
    if n <= 0:
        return float("nan"), float("nan")
    z = sstats.norm.ppf(1 - (1 - conf) / 2)
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return float(max(0.0, mid - half)), float(min(1.0, mid + half))


def srs_proportion(k: int, n: int, population: int, conf: float = CONF) -> dict[str, float]:
    """A population share estimated from a simple random sample without replacement.

    Estimate p = k / n, standard error sqrt(p (1 - p) / (n - 1) * (1 - n / N)) (the
    finite-population correction; Cochran 1977, eq. 3.5), normal 95% interval clipped to [0, 1].
    """
    if n <= 1 or population < n:
        raise ValueError(f"need 1 < n <= N, got n={n}, N={population}")
    p = k / n
    se = np.sqrt(p * (1 - p) / (n - 1) * (1 - n / population))
    z = sstats.norm.ppf(1 - (1 - conf) / 2)
    return {"estimate": p, "se": float(se), "low": float(max(0.0, p - z * se)), "high": float(min(1.0, p + z * se))}


# --------------------------------------------------------------------------- #
# intervals for Part I's activity table
# --------------------------------------------------------------------------- #

INTERVAL_COLUMNS = {
    "top 1% share (%)": "top1",
    "top 10% share (%)": "top10",
    "Gini": "gini",
}


def activity_intervals(acts: dict[str, Any], *, b: int = DEFAULT_B, seed: int = 0) -> pd.DataFrame:
    """Interval columns for ``tab-activity``: per (measure, repository type) with values, the 95%
    intervals of the top shares and the Gini (bootstrap), the median and p90 (order statistics)
    and the % zero (Wilson). ``acts`` is Part I's :func:`analysis.parts.activity.load` output."""
    from analysis.parts.activity import MEASURE_LABELS, MEASURES, OK

    rows = []
    for m in MEASURES:
        for t, a in acts.items():
            row: dict[str, Any] = {"measure": MEASURE_LABELS[m], "repository type": t}
            if a.status[m] == OK and a.values(m).size:
                v = a.values(m)
                ci = concentration_intervals(v, b=b, seed=seed)
                for col, key in INTERVAL_COLUMNS.items():
                    scale = 1.0 if key == "gini" else 100.0
                    row[f"{col} low"], row[f"{col} high"] = (scale * ci[key][0], scale * ci[key][1])
                row["median low"], row["median high"] = quantile_interval(v, 0.5)
                row["p90 low"], row["p90 high"] = quantile_interval(v, 0.9)
                lo, hi = proportion_interval(int((v == 0).sum()), v.size)
                row["% zero low"], row["% zero high"] = 100 * lo, 100 * hi
            rows.append(row)
    return pd.DataFrame(rows)


def with_intervals(table: pd.DataFrame, intervals: pd.DataFrame) -> pd.DataFrame:
    """``table`` (``tab-activity``) with each interval's low/high columns right after its estimate."""
    merged = table.merge(intervals, on=["measure", "repository type"], how="left")
    order: list[str] = []
    for c in table.columns:
        order.append(c)
        for suffix in (" low", " high"):
            if f"{c}{suffix}" in merged.columns:
                order.append(f"{c}{suffix}")
    return merged[order]


# --------------------------------------------------------------------------- #
# effect sizes
# --------------------------------------------------------------------------- #


def cliffs_delta(x: Any, y: Any) -> float:
    """Cliff's delta P(X > Y) - P(X < Y), from the Mann-Whitney U with mid-ranks (ties count 1/2)."""
    x = np.asarray(pd.Series(x, dtype=float).dropna(), dtype=float)
    y = np.asarray(pd.Series(y, dtype=float).dropna(), dtype=float)
    if x.size == 0 or y.size == 0:
        return float("nan")
    return _delta_from_u(_mann_whitney_u(x, y), x.size, y.size)


def _mann_whitney_u(x: np.ndarray, y: np.ndarray) -> float:
    """U of ``x`` against ``y`` (no NaN): the pairs with ``x > y``, and half those with ``x == y``,
    counted by a sort of ``y`` and a binary search per distinct ``x``: twenty times faster than
    mid-ranks of the pooled data at Hub scale, and the same number exactly (both are sums of
    halves, well below 2**53).
    """
    values, times = np.unique(x, return_counts=True)  # each distinct x once (counts have many ties)
    ys = np.sort(y)
    below = np.searchsorted(ys, values, "left")  # the y < x
    ties = np.searchsorted(ys, values, "right") - below  # the y == x
    return float((below * times).sum()) + 0.5 * float((ties * times).sum())


def _delta_from_u(u: float, nx: int, ny: int) -> float:
    return float(2 * u / (nx * ny) - 1)


def _cliffs_delta_by_ranks(x: np.ndarray, y: np.ndarray) -> float:
    """Cliff's delta from the mid-ranks of the pooled data (the textbook route; tests compare)."""
    ranks = sstats.rankdata(np.concatenate([x, y]))
    u = ranks[: x.size].sum() - x.size * (x.size + 1) / 2
    return _delta_from_u(u, x.size, y.size)


def magnitude(delta: float) -> str:
    if np.isnan(delta):
        return ""
    return next(label for bound, label in DELTA_MAGNITUDE if abs(delta) < bound)


def interval_magnitude(lo: float, hi: float) -> str:
    """The magnitudes an interval of Cliff's delta spans, from its smallest |delta| to its largest."""
    if np.isnan(lo) or np.isnan(hi):
        return ""
    small = 0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi))
    a, b = magnitude(small), magnitude(max(abs(lo), abs(hi)))
    return a if a == b else f"{a} to {b}"


def cliffs_delta_interval(
    x: Any, y: Any, *, b: int = 200, max_n: int = 5000, seed: int = 0
) -> tuple[float, float, str]:
    """95% percentile-bootstrap interval of Cliff's delta; each group resampled within itself from a
    seeded subsample of at most ``max_n`` (so the interval is never narrower than the full data's)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(pd.Series(x, dtype=float).dropna(), dtype=float)
    y = np.asarray(pd.Series(y, dtype=float).dropna(), dtype=float)
    x = rng.choice(x, max_n, replace=False) if x.size > max_n else x
    y = rng.choice(y, max_n, replace=False) if y.size > max_n else y
    method = f"95% percentile bootstrap, {b} resamples of at most {max_n:,} per group (seed {seed})"
    if x.size < 2 or y.size < 2:
        return float("nan"), float("nan"), method
    reps = np.array([cliffs_delta(rng.choice(x, x.size), rng.choice(y, y.size)) for _ in range(b)])
    lo, hi = percentile_interval(reps)
    return lo, hi, method


def pairwise_effects(
    data: pd.DataFrame,
    measures: Iterable[str],
    group_col: str,
    groups: Sequence[str],
    *,
    labels: dict[str, str] | None = None,
    b: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Cliff's delta with its interval and magnitude for each pair of ``groups`` and measure."""
    labels = labels or {}
    rows = []
    for m in measures:
        for i, a in enumerate(groups):
            for g in groups[i + 1 :]:
                x = data.loc[data[group_col] == a, m]
                y = data.loc[data[group_col] == g, m]
                if not x.notna().any() or not y.notna().any():
                    continue  # a group without repositories (e.g. "other" under the main mapping)
                d = cliffs_delta(x, y)
                lo, hi, _ = cliffs_delta_interval(x, y, b=b, seed=seed)
                rows.append(
                    {
                        "measure": labels.get(m, m),
                        "group_a": a,
                        "group_b": g,
                        "n_a": int(x.notna().sum()),
                        "n_b": int(y.notna().sum()),
                        "cliffs_delta": d,
                        "delta low": lo,
                        "delta high": hi,
                        "magnitude": magnitude(d),
                        "interval magnitude": interval_magnitude(lo, hi),
                    }
                )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- #
# the isolate share and its sampling bias
# --------------------------------------------------------------------------- #


@dataclass
class AuthorSets:
    """Distinct (repository, author) pairs as integer codes: ``repo`` indexes ``repo_ids``."""

    repo: np.ndarray
    author: np.ndarray
    repo_ids: np.ndarray

    @property
    def n_repos(self) -> int:
        """Repositories with at least one author."""
        return arrays.count_unique(self.repo)

    @classmethod
    def of(cls, pairs: pd.DataFrame) -> AuthorSets:
        """From a DataFrame with ``repo`` and ``author`` columns (duplicates dropped)."""
        rc, rids = pd.factorize(pairs["repo"])
        ac, _ = pd.factorize(pairs["author"])
        n = max(int(ac.max(initial=-1)) + 1, 1)
        key = arrays.unique(rc.astype(np.int64) * n + ac)
        return cls(key // n, key % n, np.asarray(rids, dtype=object))


def author_sets(snap: Snapshot, part2: Any = None) -> AuthorSets:
    """Distinct (repository, author) pairs of the model repositories' commits (all authors, the
    Hub's ``system`` included, as the authors' construction has them): those of Part II's
    reproduction network (``part2``: :func:`analysis.parts.network.compute` of ``snap``; built
    from ``snap`` when None)."""
    from analysis.parts import network

    if part2 is None:
        commits = network.load_commit_authors(snap)
        net = network.reproduction_network(commits)
    else:
        commits, net = part2.commits, part2.reproduction
    ra = net.repo_author
    return AuthorSets(ra[:, 0], ra[:, 1], commits.repo_ids)


def _isolate_share(sets: AuthorSets, repo_mask: np.ndarray | None = None) -> float:
    repo, author = sets.repo, sets.author
    if repo_mask is not None:
        sel = repo_mask[repo]
        repo, author = repo[sel], author[sel]
    if not len(repo):
        return float("nan")
    size = np.bincount(repo, minlength=len(sets.repo_ids))
    n_authors = int(max(sets.author.max(initial=-1) + 1, 1))
    present = np.bincount(author, minlength=n_authors) > 0
    shared = np.bincount(author[size[repo] > 1], minlength=n_authors) > 0
    return float(100 * ((present & ~shared).sum() / present.sum()))  # as 100 * mean: the same float


def isolate_share(pairs: pd.DataFrame | AuthorSets, repos: Iterable[str] | None = None) -> float:
    """Share (%) of developers who are isolates in the authors' network of ``repos`` (all when
    None): a developer is an isolate when every repository they committed to has them as its only
    author (its commits add self-loops only)."""
    sets = pairs if isinstance(pairs, AuthorSets) else AuthorSets.of(pairs)
    if repos is None:
        return _isolate_share(sets)
    mask = pd.Index(sets.repo_ids).isin(list(repos))
    return _isolate_share(sets, np.asarray(mask, dtype=bool))


def bias_sample_sizes(n_repos: int) -> list[int]:
    """The sample sizes of ``tab-isolate-sampling-bias``: 100, 1,000 and 10,000 repositories (the
    collector's usual ``--n``) and a tenth of them, those below ``n_repos``."""
    return sorted({s for s in (100, 1000, 10000, max(2, n_repos // 10)) if s < n_repos})


def isolate_sampling_bias(
    pairs: pd.DataFrame | AuthorSets, sizes: Sequence[int], seeds: Sequence[int] = range(5)
) -> pd.DataFrame:
    """The isolate share of the full network against networks of seeded random samples of
    repositories (``sizes``, as the collector's ``--select sample --n``; a sample is drawn from
    the repositories in name order, so it depends on the seed only)."""
    sets = pairs if isinstance(pairs, AuthorSets) else AuthorSets.of(pairs)
    present = arrays.unique(sets.repo)
    # in name order (Arrow sorts strings in C++; no fixed-width copy of every name)
    order = pc.sort_indices(pa.array(sets.repo_ids[present], pa.string())).to_numpy()
    repos = present[order]
    full = _isolate_share(sets)
    rows = [
        {
            "repositories sampled": len(repos),
            "samples": 1,
            "isolates (%) mean": full,
            "isolates (%) min": full,
            "isolates (%) max": full,
            "bias (points)": 0.0,
        }
    ]
    for n in sizes:
        if n >= len(repos):
            continue
        vals = []
        for s in seeds:
            mask = np.zeros(len(sets.repo_ids), dtype=bool)
            mask[repos[np.random.default_rng(s).choice(len(repos), n, replace=False)]] = True
            vals.append(_isolate_share(sets, mask))
        rows.append(
            {
                "repositories sampled": int(n),
                "samples": len(vals),
                "isolates (%) mean": float(np.mean(vals)),
                "isolates (%) min": float(np.min(vals)),
                "isolates (%) max": float(np.max(vals)),
                "bias (points)": float(np.mean(vals) - full),
            }
        )
    return pd.DataFrame(rows)


#: A mean shift of the isolate share within this many points of the full network's is no bias to speak of.
BIAS_NEGLIGIBLE_POINTS = 1.0


def isolate_bias_sentence(table: pd.DataFrame) -> str:
    """What :func:`isolate_sampling_bias`'s table shows, read from it: the direction and size of the
    shift at each sample size, and whether it is beyond the spread of the samples (so that the text
    cannot claim a bias the table does not show)."""
    rows = table.iloc[1:]
    if rows.empty:
        return "The snapshot has too few repositories for a smaller sample, so the bias is not measured here."
    full = float(table.iloc[0]["isolates (%) mean"])
    parts, signs = [], set()
    for r in rows.itertuples(index=False):
        b = float(r[5])
        lo, hi = float(r[3]), float(r[4])
        within = lo <= full <= hi
        sign = 0 if abs(b) < BIAS_NEGLIGIBLE_POINTS else (1 if b > 0 else -1)
        signs.add(sign)
        parts.append(
            f"{int(r[0]):,} repositories: {b:+.1f} points"
            + (" (the full network's share lies within the samples' range)" if within else "")
        )
    if signs == {1}:
        verdict = "on this snapshot, sampling biases the isolate share upwards at every size measured"
    elif signs == {-1}:
        verdict = "on this snapshot, sampling biases the isolate share downwards at every size measured"
    elif signs == {0}:
        verdict = (
            f"on this snapshot, sampling shifts the isolate share by less than {BIAS_NEGLIGIBLE_POINTS:g} point "
            "at every size measured: no bias to speak of"
        )
    else:
        verdict = "on this snapshot the shift has no consistent direction: the samples' spread is larger than any bias"
    return (
        f"Against the full network's {full:.1f}%, the mean isolate share of the samples moves by "
        + "; ".join(parts)
        + f". So {verdict}."
    )


# --------------------------------------------------------------------------- #
# sensitivity
# --------------------------------------------------------------------------- #


def sensitivity_table(
    snap: Snapshot, *, paper_models: int | None, subsamples: int = 20, seed: int = 0, alpha: float = 0.05
) -> pd.DataFrame:
    """``tab-sensitivity``: what happens to headline conclusions under three changes of the data."""
    t = snap.arrow("models", ["id", "downloads", "created_at", "license"])
    rows = []
    if t.num_rows == 0:
        return pd.DataFrame(columns=["check", "baseline", "changed", "conclusion"])
    dl = np.asarray(t.column("downloads").cast(pa.float64()).to_numpy(), dtype=float)
    ids = np.asarray(t.column("id").to_numpy(zero_copy_only=False), dtype=object)
    known = ~np.isnan(dl)
    base = 100 * stats.top_share(dl[known], 0.01) if known.any() else float("nan")
    if known.any():
        top = int(np.nanargmax(np.where(known, dl, -1)))
        held = 100 * dl[top] / dl[known].sum()
        rest = known.copy()
        rest[top] = False
        without = 100 * stats.top_share(dl[rest], 0.01)
        rows.append(
            {
                "check": f"top 1% share of model downloads without the largest model ({ids[top]}, "
                f"{held:.1f}% of all downloads)",
                "baseline": f"{base:.1f}%",
                "changed": f"{without:.1f}%",
                "conclusion": "unchanged: downloads stay concentrated in the top 1%"
                if without >= 90
                else "changes: the concentration rests largely on one model",
            }
        )
        created = t.column("created_at").cast(pa.timestamp("ms")).to_numpy()
        created = np.asarray(created, dtype="datetime64[ms]")
        ph = (created >= np.datetime64(PLACEHOLDER_MINUTE[0])) & (created < np.datetime64(PLACEHOLDER_MINUTE[1]))
        keep = known & ~ph
        if ph.any() and keep.any():
            without_ph = 100 * stats.top_share(dl[keep], 0.01)
            zero_all, zero_new = 100 * np.mean(dl[known] == 0), 100 * np.mean(dl[keep] == 0)
            rows.append(
                {
                    "check": f"model downloads without the {int(ph.sum()):,} repositories with the Hub's placeholder "
                    "creation date",
                    "baseline": f"top 1% share {base:.1f}%, zero downloads {zero_all:.1f}%",
                    "changed": f"top 1% share {without_ph:.1f}%, zero downloads {zero_new:.1f}%",
                    "conclusion": "unchanged"
                    if abs(without_ph - base) < 5 and abs(zero_new - zero_all) < 5
                    else "changes by 5 points or more",
                }
            )
    codes, names = licenses.group_codes(t.column("license"), licenses.MAIN)
    groups = pd.Categorical.from_codes(codes, categories=names)  # integer codes: no string per test
    if paper_models and known.sum() > paper_models:
        rng = np.random.default_rng(seed)
        pos = np.flatnonzero(known)
        full = licenses.kruskal(dl[known], groups[known])
        ps, eps = [], []
        for _ in range(subsamples):
            s = rng.choice(pos, paper_models, replace=False)
            k = licenses.kruskal(dl[s], groups[s])
            ps.append(k["p"])
            eps.append(k["epsilon_sq"])
        sig = sum(p < alpha for p in ps)
        rows.append(
            {
                "check": f"Kruskal-Wallis of model downloads by license group on {subsamples} random subsamples "
                f"of the paper's {paper_models:,} models (seed {seed})",
                "baseline": f"all {int(known.sum()):,}: epsilon² {full['epsilon_sq']:.4f}",
                "changed": f"p < {alpha:g} in {sig} of {subsamples}; epsilon² median {np.median(eps):.4f} "
                f"(range {np.min(eps):.4f}-{np.max(eps):.4f})",
                "conclusion": "unchanged: the effect size does not depend on the sample size"
                if abs(np.median(eps) - full["epsilon_sq"]) < 0.01
                else "changes: the effect size differs at the paper's sample size",
            }
        )
    return pd.DataFrame(rows, columns=["check", "baseline", "changed", "conclusion"])


# --------------------------------------------------------------------------- #
# population shares from a sampled collection
# --------------------------------------------------------------------------- #

SAMPLE_COLUMNS = [
    "repository type",
    "quantity",
    "sampled (n)",
    "population (N)",
    "estimate (%)",
    "low (%)",
    "high (%)",
    "design",
]


def sample_estimates(snap: Snapshot, acts: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """Population shares estimated from the per-repository steps that covered a seeded random
    sample (the manifest's scope ``sample``), with the finite-population correction; and one
    sentence saying what was estimated, or why nothing was (the steps covered everything, or a
    selection that is not a random sample)."""
    from analysis.parts.activity import OK

    rows, notes = [], []
    for step, table, measure in (
        ("commits", "commits", "commit_authors"),
        ("discussions", "discussions", "discussions"),
    ):
        scope = snap.coverage(table).get("scope", "none")
        if scope != "sample":
            notes.append(
                f"the {step} step covers {'every repository' if scope == 'all' else 'a selection that is not a random sample' if scope == 'subset' else 'no repository'} (scope {scope})"
            )
            continue
        for t, a in acts.items():
            if a.status.get(measure) != OK or not a.n:
                continue
            v = a.data[measure].to_numpy(dtype=float)
            known = ~np.isnan(v)
            n, population = int(known.sum()), int(a.n)
            if n < 2:
                continue
            if step == "commits":
                k, what = int((v[known] == 1).sum()), "with a single commit author"
            else:
                k, what = int((v[known] > 0).sum()), "with at least one discussion"
            est = srs_proportion(k, n, population)
            rows.append(
                {
                    "repository type": t,
                    "quantity": f"share of repositories {what}",
                    "sampled (n)": n,
                    "population (N)": population,
                    "estimate (%)": 100 * est["estimate"],
                    "low (%)": 100 * est["low"],
                    "high (%)": 100 * est["high"],
                    "design": "simple random sample without replacement; 95% normal interval with the "
                    "finite-population correction",
                }
            )
    table = pd.DataFrame(rows, columns=SAMPLE_COLUMNS)
    if rows:
        parts = [
            f"{r['quantity']} of {r['repository type']} repositories: {r['estimate (%)']:.1f}% "
            f"[{r['low (%)']:.1f}%, {r['high (%)']:.1f}%], estimated from a random sample of "
            f"{r['sampled (n)']:,} of {r['population (N)']:,}"
            for r in rows
        ]
        text = "Estimated for the whole snapshot from its random samples: " + "; ".join(parts) + "."
    else:
        text = (
            "Nothing is estimated for the population from a sample: " + "; ".join(notes) + ". "
            "Shares computed over the covered repositories describe those repositories only."
        )
    return table, text


# --------------------------------------------------------------------------- #
# null models for the core-periphery structure
# --------------------------------------------------------------------------- #


def be_core_correlation(n: int, edges: np.ndarray, core: np.ndarray) -> float:
    """Borgatti-Everett correlation of a discrete core-periphery partition: over the pairs within the
    core and within the periphery (core-periphery pairs left out, as in their "no" pattern), the
    Pearson correlation of "tied" with "both in the core". ``edges``: undirected pairs (m, 2)."""
    k = int(core.sum())
    if k < 2 or n - k < 2 or len(edges) == 0:
        return float("nan")
    a_core = int((core[edges[:, 0]] & core[edges[:, 1]]).sum())
    a_per = int((~core[edges[:, 0]] & ~core[edges[:, 1]]).sum())
    pc_, pp_ = k * (k - 1) / 2, (n - k) * (n - k - 1) / 2
    total, ties = pc_ + pp_, a_core + a_per
    den = np.sqrt(ties * (total - ties) * pc_ * (total - pc_))
    return float((total * a_core - ties * pc_) / den) if den else float("nan")


def core_null_model(n: int, edges: np.ndarray, **options: Any) -> pd.DataFrame:
    """The core statistics of a directed network against degree-preserving randomisations of it.

    ``edges``: distinct directed pairs (m, 2) of node indices, no self-loops; ``options``
    (``samples``, ``swaps_per_edge``, ``max_swaps``, ``seed``, ``processes``) and the samples, their
    swap budget and the processes that share them are those of :class:`nullmodel.Rewirings`
    (``bench/bench_robustness.py`` measures the cost: about 3 microseconds a swap). A sample's
    result depends only on its seed, so the table is the same for any number of processes (a
    test checks).
    """
    return null_model_table(Rewirings(n, edges, **options))


def null_model_table(run: Rewirings) -> pd.DataFrame:
    """One row per statistic of a null model's samples (:meth:`Rewirings.collect` waits for them):
    observed, null mean and SD, z, and the empirical two-sided p (:func:`nullmodel.null_comparison`),
    and which null model it is."""
    observed, results = run.collect()
    samples = run.samples
    fewer = (
        f" (of the {run.requested} asked for, within a budget of {run.max_swaps:,} swaps)"
        if samples < run.requested
        else ""
    )
    spe = run.swaps_per_edge
    what = (
        f"{samples} degree-preserving rewirings{fewer} ({spe} swap{'s' * (spe != 1)} per edge, "
        f"igraph rewire, seed {run.seed})"
    )
    rows = [
        {"statistic": k, **null_comparison(obs, [r[k] for r in results]), "null model": what}
        for k, obs in observed.items()
    ]
    return pd.DataFrame(rows)


def network_null_rows(net: Any, *, samples: int = 20, seed: int = 0, started: Rewirings | None = None) -> pd.DataFrame:
    """Rows for ``tab-core-periphery``: the core statistics of ``net`` without its isolates (a Part II
    network: ``n``, ``src``, ``dst``, ``label``) against its null model; ``started``: the same
    null model already started (by :func:`analysis.parts.network.compute`, with these ``samples``
    and ``seed``)."""
    if started is not None and (started.requested, started.seed) == (samples, seed):
        run = started
    else:
        run = Rewirings.of_network(net, samples=samples, seed=seed)
    rows = null_model_table(run)
    rows.insert(0, "group", "null model: " + rows.pop("statistic"))
    rows.insert(0, "network", f"{net.label} without isolates")
    return rows


def interval_sentence(table: pd.DataFrame, snap: Snapshot) -> str:
    """The headline shares of ``tab-activity`` with their intervals, as a sentence naming the snapshot."""
    parts = []
    for (t, m), d in table.groupby(["repository type", "measure"], sort=False):
        if m not in ("downloads (30 days)", "likes") or "top 1% share (%) low" not in d or d["N"].isna().all():
            continue
        r = d.iloc[0]
        if pd.isna(r["top 1% share (%)"]):
            continue
        parts.append(
            f"the top 1% of the {int(r['N']):,} {t} repositories hold {r['top 1% share (%)']:.1f}% of their {m} "
            f"(95% interval {r['top 1% share (%) low']:.1f}-{r['top 1% share (%) high']:.1f}%; "
            f"Gini {r['Gini']:.3f}, {r['Gini low']:.3f}-{r['Gini high']:.3f})"
        )
    if not parts:
        return ""
    return (
        f"In snapshot `{snap.id}` ({snap.date}), " + "; ".join(parts) + ". The intervals are 95% bootstrap "
        "intervals (the repositories resampled with replacement); they measure the uncertainty of a share "
        "computed from this many repositories, not the difference between snapshots."
    )


def sensitivity_sentence(table: pd.DataFrame, n_models: int, paper_models: int) -> str:
    """How many of the sensitivity checks :func:`sensitivity_table` could run on this snapshot, and
    why any is missing (read from the table, so the text never announces a check it lacks)."""
    checks = [str(c) for c in table["check"]] if "check" in table else []
    words = {1: "one check", 2: "two checks", 3: "three checks"}
    text = f"{words.get(len(checks), f'{len(checks)} checks')} of conclusions that could rest on a quirk of the data"
    text = text[0].upper() + text[1:]
    if not any("subsamples" in c for c in checks) and n_models < paper_models:
        text += (
            f"; the third, the license test on random subsamples of the paper's {paper_models:,} models, needs a "
            f"snapshot with more models than that (this one has {n_models:,}), so it is not run here"
        )
    return text + "."
