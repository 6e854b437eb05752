"""Stage of the synthetic Hub: which spaces use which models (the space_models table).

:func:`draw_space_edges` (random stream ``space_edges``) gives the real share of models used by
any space and the real distribution of spaces per used model; usage concentrates on popular
models of a few big organisations, and a few spaces use many models (:class:`SpaceEdges`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from analysis import arrays
from analysis.snapshot import SnapshotWriter
from analysis.sources.synth.draws import categorical, from_quantiles, gumbel_top, rng_for
from analysis.sources.synth.people import Owners
from analysis.sources.synth.repos import Repos
from analysis.sources.synth.targets import CHUNK, Targets, assumption


@dataclass(frozen=True)
class SpaceEdges:
    space: np.ndarray  # space index per edge, sorted by (space, model)
    model: np.ndarray  # model index per edge
    model_indeg: np.ndarray  # spaces per model
    space_outdeg: np.ndarray  # models per space

    @property
    def n(self) -> int:
        return int(self.space.size)


def _exact_total(rng: np.random.Generator, deg: np.ndarray, E: int, cap: int) -> np.ndarray:
    """Degrees adjusted one at a time (weighted by degree) until they sum to ``E`` (bounded)."""
    for _ in range(50):
        diff = E - int(deg.sum())
        if diff == 0:
            break
        if diff > 0:
            room = np.flatnonzero(deg < cap)
            if room.size == 0:
                break
            pick = room[categorical(rng, diff, deg[room].astype(float))]
            np.add.at(deg, pick, 1)
            deg = np.minimum(deg, cap)
        else:
            over = np.flatnonzero(deg > 1)
            if over.size == 0:
                break
            pick = over[categorical(rng, -diff, deg[over].astype(float))]
            np.subtract.at(deg, pick, 1)
            deg = np.maximum(deg, 1)
    return deg


def _used_degrees(rng: np.random.Generator, T: Targets, E: int, n_models: int, n_spaces: int) -> np.ndarray:
    """Spaces per used model, from the real quantiles, summing to ``E``."""
    cap = max(1, n_spaces)  # a model can be used by every space
    n_used = int(min(max(1, round(float(T("model_spaces.used_share")) * n_models), -(-E // cap)), E, n_models))
    q = np.asarray(T("model_spaces.degree_log_quantiles_used"))
    deg = np.maximum(1, from_quantiles(rng.random(n_used), T.levels, q, log1p=False)).astype(float)
    deg = deg * (E / deg.sum())
    deg = np.floor(deg + rng.random(n_used)).astype(np.int64)
    deg = np.clip(deg, 1, cap)
    return _exact_total(rng, deg, E, cap)


def _model_indegrees(rng: np.random.Generator, deg: np.ndarray, M: Repos, owners: Owners) -> np.ndarray:
    """Which models are used: popular ones, strongly favouring a few big organisations."""
    orgs = np.flatnonzero(owners.is_org)
    k_big = max(3, int(round(max(orgs.size, 1) ** 0.35)))
    big = orgs[np.argsort(-owners.total[orgs], kind="stable")[:k_big]]
    is_big = np.isin(M.owner, big)
    logw = 1.0 * M.num.z + np.where(is_big, np.log(assumption("used_models_big_org_boost")), 0.0)
    used = gumbel_top(rng, logw, deg.size)
    order = np.argsort(-(logw[used] + rng.gumbel(size=used.size)), kind="stable")
    indeg = np.zeros(M.n, dtype=np.int64)
    indeg[used[order]] = np.sort(deg)[::-1]
    return indeg


def _fill_exactly(rng: np.random.Generator, seen: np.ndarray, need: np.ndarray, nm: int, ns: int) -> np.ndarray:
    """The last few edges: exactly, among the spaces a model does not have yet (bounded)."""
    extra = []
    by_model = seen[np.argsort(seen % nm, kind="stable")]
    bm = by_model % nm
    for j in np.flatnonzero(need)[:100_000]:
        lo_, hi_ = np.searchsorted(bm, j), np.searchsorted(bm, j, side="right")
        free = np.setdiff1d(np.arange(ns), by_model[lo_:hi_] // nm)
        pick = rng.choice(free, size=min(int(need[j]), free.size), replace=False)
        extra.append(pick.astype(np.int64) * nm + j)
    if extra:
        seen = np.union1d(seen, np.concatenate(extra))
    return seen


def _pairs(rng: np.random.Generator, indeg: np.ndarray, ns: int) -> np.ndarray:
    """Edge keys (space * models + model): each model gets its spaces, a few spaces use many models."""
    nm = indeg.size
    alpha = assumption("space_usage_pareto_alpha")
    ws = (1.0 - rng.random(ns)) ** (-1.0 / alpha)
    cum = np.cumsum(ws) / ws.sum()
    need = indeg.copy()
    seen = np.zeros(0, dtype=np.int64)
    for round_ in range(16):  # weighted draws, then uniform ones for what the weights cannot reach
        if need.sum() == 0:
            break
        mi = np.repeat(np.arange(nm), need)
        if round_ < 8:
            si = np.minimum(np.searchsorted(cum, rng.random(mi.size), side="right"), ns - 1)
        else:
            si = rng.integers(0, ns, mi.size)
        key = si.astype(np.int64) * nm + mi
        key = np.setdiff1d(arrays.unique(key), seen, assume_unique=True)
        seen = np.union1d(seen, key)
        got = np.bincount(key % nm, minlength=nm)
        # over-filled models (duplicates resolved) are trimmed by the unique above; never negative
        need = np.maximum(need - got, 0)
    if need.sum():
        seen = _fill_exactly(rng, seen, need, nm, ns)
    return seen


def draw_space_edges(seed: int, T: Targets, E: int, M: Repos, S: Repos, owners: Owners) -> SpaceEdges:
    """``E`` edges (fewer where they cannot all be placed) between models ``M`` and spaces ``S``."""
    rng = rng_for(seed, "space_edges")
    if E <= 0:
        none = np.zeros(0, dtype=np.int64)
        return SpaceEdges(none, none, np.zeros(M.n, dtype=np.int64), np.zeros(S.n, dtype=np.int64))
    deg = _used_degrees(rng, T, E, M.n, S.n)
    indeg = _model_indegrees(rng, deg, M, owners)
    seen = _pairs(rng, indeg, S.n)
    sm, mm = seen // M.n, seen % M.n
    return SpaceEdges(
        space=sm,
        model=mm,
        model_indeg=np.bincount(mm, minlength=M.n).astype(np.int64),
        space_outdeg=np.bincount(sm, minlength=S.n).astype(np.int64),
    )


def write_space_edges(w: SnapshotWriter, edges: SpaceEdges, M: Repos, S: Repos) -> None:
    app = w.open_table("space_models")
    sm, mm = edges.space, edges.model  # sorted by (space, model) already
    for lo in range(0, sm.size, CHUNK * 5):
        hi = min(sm.size, lo + CHUNK * 5)
        app.write(pa.table({"space_id": S.ids.take(pa.array(sm[lo:hi])), "model_id": M.ids.take(pa.array(mm[lo:hi]))}))
    app.close()
