"""The synthetic Hub's random draws and string building blocks (shared by every stage).

Every stream of random numbers comes from :func:`rng_for`: a numpy ``Generator`` seeded from
``(seed, component name[, chunk number])``, so each stage's draws depend only on the seed and
its own name. The rest are vectorised samplers (categorical, weighted without replacement, from
quantile functions, spacings, rank-correlated pairs, per-pair hashes), the owner-size and
creation-date samplers calibrated to the targets, and Arrow string helpers (joining, making
names unique).
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.sources.synth.targets import CALIBRATION_DATE, PLACEHOLDER_CREATED_MS, Targets


def rng_for(seed: int, *parts: Any) -> np.random.Generator:
    key = [int(seed)] + [zlib.crc32(str(p).encode()) for p in parts]
    return np.random.default_rng(key)


def ndtr(z: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(z)


def ndtri(p: np.ndarray | float) -> np.ndarray | float:
    from scipy.special import ndtri

    return ndtri(p)


def from_quantiles(u: np.ndarray, levels: np.ndarray, q: np.ndarray, *, log1p: bool = True) -> np.ndarray:
    v = np.interp(u, levels, q)
    x = np.expm1(v) if log1p else np.exp(v)
    return np.floor(x + 0.5).astype(np.int64)


def categorical(rng: np.random.Generator, n: int, probs: np.ndarray) -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    c = np.cumsum(p / p.sum())
    c[-1] = 1.0
    return np.searchsorted(c, rng.random(n), side="right").astype(np.int32)


def gumbel_top(rng: np.random.Generator, logw: np.ndarray, k: int) -> np.ndarray:
    """k indices sampled without replacement with weights exp(logw)."""
    k = min(k, logw.size)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    keys = logw + rng.gumbel(size=logw.size)
    idx = np.argpartition(-keys, k - 1)[:k]
    return idx[np.argsort(-keys[idx], kind="stable")]


_HEX = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")


def hex_ids(rng: np.random.Generator, n: int, nbytes: int = 20) -> pa.Array:
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    s = np.ascontiguousarray(_HEX[raw]).view(f"S{2 * nbytes}").reshape(n)
    return pa.array(s, type=pa.binary()).cast(pa.string())


def spacings(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """For groups of sizes ``counts`` (concatenated), increasing fractions in (0, 1) within each group."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0)
    e = rng.exponential(size=total)
    grp = np.repeat(np.arange(counts.size), counts)
    cs = np.concatenate([[0.0], np.cumsum(e)])
    ends = np.cumsum(counts)
    starts = ends - counts
    before = cs[starts]
    group_sum = cs[ends] - before
    tail = rng.exponential(size=counts.size)  # one more spacing: the last value stays below 1
    return (cs[1:] - before[grp]) / (group_sum + tail)[grp]


def rank_pair(rng: np.random.Generator, key: np.ndarray, values: np.ndarray, rho: float) -> np.ndarray:
    """Assign ``values`` to positions so that they rank-correlate about ``rho`` with ``key``."""
    noisy = rho * key + np.sqrt(max(0.0, 1 - rho * rho)) * rng.standard_normal(key.size)
    out = np.empty_like(values)
    out[np.argsort(noisy, kind="stable")] = np.sort(values, kind="stable")
    return out


def unit_hash(a: np.ndarray, b: np.ndarray, seed: int) -> np.ndarray:
    """A deterministic uniform in [0, 1) per pair (a, b) (splitmix64-style mixing)."""
    h = (
        np.asarray(a).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        + np.asarray(b).astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
        + np.uint64(seed & 0xFFFFFFFF)
    )
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def distinct_git_names(git: pa.Array) -> pa.Array:
    """Different people with the same full name get a middle initial ("Joao K. Gante", "j.k.gante")."""
    import pandas as pd

    arr = np.asarray(git.to_numpy(zero_copy_only=False), dtype=object).copy()
    k = pd.Series(arr).groupby(arr, sort=False).cumcount().to_numpy()
    for i in np.flatnonzero(k > 0):
        n, mid = int(k[i]) - 1, ""
        while True:
            mid = chr(ord("a") + n % 26) + mid
            n = n // 26 - 1
            if n < 0:
                break
        name = arr[i]
        if " " in name:
            first, last = name.split(" ", 1)
            arr[i] = f"{first} {mid.upper()}. {last}"
        else:
            first, last = name.split(".", 1)
            arr[i] = f"{first}.{mid}.{last}"
    return pa.array(arr, type=pa.string())


def join(*parts: pa.Array, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def strs(words: list[str] | tuple[str, ...]) -> pa.Array:
    return pa.array(list(words), type=pa.string())


def dedupe(names: pa.Array, sep: str = "") -> pa.Array:
    """Make strings unique: the k-th repeat of a string gets the suffix ``sep + str(k + 1)``."""
    import pandas as pd

    arr = np.asarray(names.to_numpy(zero_copy_only=False), dtype=object).copy()
    for _ in range(20):  # a suffixed name may itself be taken: repeat (bounded)
        s = pd.Series(arr)
        dup = s.duplicated(keep="first").to_numpy()
        if not dup.any():
            break
        k = s.groupby(s, sort=False).cumcount().to_numpy()
        idx = np.flatnonzero(dup)
        suffix = pa.array((k[idx] + 1).astype(str))
        arr[idx] = join(pa.array(arr[idx], type=pa.string()), suffix, sep=sep).to_numpy(zero_copy_only=False)
    return pa.array(arr, type=pa.string())


def owner_sizes(rng: np.random.Generator, T: Targets, prefix: str, total: int) -> np.ndarray:
    """Repositories per owner, summing to ``total``, from the real binned distribution."""
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    hist = np.asarray(T(f"{prefix}.owner_size_hist"), dtype=float)
    means = np.asarray(T(f"{prefix}.owner_size_bin_means"), dtype=float)
    bins = T.owner_bins
    mean_size = float((hist * means).sum() / hist.sum())
    cap = max(20, int(total * 0.02))  # no owner above 2% of all repositories (small hubs)
    out: list[np.ndarray] = []
    have = 0
    while have < total:
        k = int((total - have) / mean_size * 1.2) + 16
        b = categorical(rng, k, hist)
        lo = bins[b].astype(float)
        hi = np.where(b + 1 < bins.size, bins[np.minimum(b + 1, bins.size - 1)], 0).astype(float)
        # within a bin: log-uniform between its bounds; the open last bin reaches 2 * mean - lo
        hi = np.where(b + 1 < bins.size, hi, np.maximum(2 * means[b] - lo, lo + 1))
        u = rng.random(k)
        s = np.floor(np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))).astype(np.int64)
        s = np.clip(s, 1, cap)
        out.append(s)
        have += int(s.sum())
    sizes = np.concatenate(out)
    cs = np.cumsum(sizes)
    k = int(np.searchsorted(cs, total)) + 1
    sizes = sizes[:k].copy()
    sizes[-1] -= int(cs[k - 1] - total)
    return sizes[sizes > 0]


def assign(rng: np.random.Generator, owners: np.ndarray, sizes: np.ndarray, n: int, legacy: int) -> np.ndarray:
    """Owner index per repository (legacy ids get -1), in random order."""
    out = np.concatenate([np.repeat(owners, sizes), np.full(legacy, -1, dtype=np.int64)])
    assert out.size == n, (out.size, n)
    return out[rng.permutation(n)]


def month_sampler(shares: dict[str, float], since: str | None = None):
    items = [(m, s) for m, s in shares.items() if since is None or m >= since]
    months = [m for m, _ in items]
    p = np.asarray([s for _, s in items], dtype=float)
    starts = np.asarray(
        [int(dt.datetime.strptime(m, "%Y-%m").replace(tzinfo=dt.UTC).timestamp() * 1000) for m in months],
        dtype=np.int64,
    )
    ends = np.asarray(
        [
            int(
                (dt.datetime.strptime(m, "%Y-%m") + dt.timedelta(days=32)).replace(day=1, tzinfo=dt.UTC).timestamp()
                * 1000
            )
            for m in months
        ],
        dtype=np.int64,
    )
    return p, starts, ends


def created_times(
    rng: np.random.Generator,
    n: int,
    T: Targets,
    prefix: str,
    snap_ms: int,
    *,
    since: str | None = None,
    placeholder: float | None = None,
) -> np.ndarray:
    p, starts, ends = month_sampler(T(f"{prefix}.created_month_shares"), since)
    m = categorical(rng, n, p)
    t = starts[m] + (rng.random(n) * (ends[m] - starts[m])).astype(np.int64)
    # move the calibration month mix to the snapshot date
    shift = snap_ms - int(dt.datetime.fromisoformat(CALIBRATION_DATE).replace(tzinfo=dt.UTC).timestamp() * 1000)
    t = t + shift
    ph = T(f"{prefix}.created_placeholder_share") if placeholder is None else placeholder
    if ph > 0:
        t = np.where(rng.random(n) < ph, PLACEHOLDER_CREATED_MS, t)
    return np.minimum(t, snap_ms - 60_000)
