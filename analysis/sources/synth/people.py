"""Stages of the synthetic Hub: its size, its owners and its developers.

:func:`resolve_sizes` turns the requested counts into :class:`Sizes`; :func:`draw_people` draws
the owners (repositories per owner, organisations among them, which owner holds which
repository), the developers (usernames, git names, activity weights, organisation members)
and every owner's name, into one frozen :class:`People`; :func:`collaboration` is each
owner's propensity to co-author (:class:`Collaboration`). All of it from the random streams
``owners`` and ``owner-collab``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.sources.synth.draws import (
    assign,
    categorical,
    dedupe,
    distinct_git_names,
    gumbel_top,
    join,
    owner_sizes,
    rng_for,
    strs,
)
from analysis.sources.synth.names import BOTS, SYSTEM, Vocabulary, vocabulary
from analysis.sources.synth.targets import CALIBRATION_DATE, KINDS, Targets, assumption


@dataclass(frozen=True)
class Params:
    """The requested snapshot (``None`` counts are scaled from ``models``)."""

    models: int
    seed: int = 0
    datasets: int | None = None
    spaces: int | None = None
    commits: int | None = None
    developers: int | None = None
    space_edges: int | None = None
    discussions: int | None = None
    snapshot_id: str | None = None
    snapshot_date: str = CALIBRATION_DATE


@dataclass(frozen=True)
class Sizes:
    """The resolved counts; ``start`` is each type's first index in the global repository index
    (models, then datasets, then spaces: the order of ``KINDS``)."""

    seed: int
    snap_ms: int
    n: dict[str, int]
    start: dict[str, int]
    commits: int
    space_edges: int  # requested; the drawn edges may be fewer
    discussions: int

    @property
    def repos(self) -> int:
        return sum(self.n.values())

    def resolved(self) -> dict[str, Any]:
        return {
            "models": self.n["model"],
            "datasets": self.n["dataset"],
            "spaces": self.n["space"],
            "commits": self.commits,
            "space_edges": self.space_edges,
            "discussions": self.discussions,
        }


def resolve_sizes(p: Params, T: Targets) -> Sizes:
    m = int(p.models)
    n = {
        "model": m,
        "dataset": int(p.datasets if p.datasets is not None else round(m * T("ratios.datasets_per_model"))),
        "space": int(p.spaces if p.spaces is not None else round(m * assumption("spaces_per_model"))),
    }
    n_repos = sum(n.values())
    mean_k = float(T("commits.per_repo_mean"))
    edges = int(p.space_edges if p.space_edges is not None else round(m * T("model_spaces.edges_per_model")))
    if n["space"] == 0 or m == 0:
        edges = 0
    snap = dt.datetime.fromisoformat(p.snapshot_date).replace(tzinfo=dt.UTC)
    return Sizes(
        seed=p.seed,
        snap_ms=int(snap.timestamp() * 1000),
        n=n,
        start={"model": 0, "dataset": m, "space": m + n["dataset"]},
        commits=int(p.commits if p.commits is not None else round(n_repos * (1 + mean_k))),
        space_edges=edges,
        discussions=int(
            p.discussions if p.discussions is not None else round(n_repos * assumption("discussions_per_repo"))
        ),
    )


@dataclass(frozen=True)
class Owners:
    """Owners (accounts) and which of them holds each repository."""

    n: int
    total: np.ndarray  # repositories of all types per owner
    is_org: np.ndarray
    effect: np.ndarray  # the owner's share of its repositories' popularity latent
    repo_owner: dict[str, np.ndarray]  # per type: owner index per repository, -1 = legacy id without owner


@dataclass(frozen=True)
class Developers:
    """Commit authors: the user owners first, then contributors to others' repositories."""

    n: int
    user: pa.Array  # username
    git: pa.Array  # the name they commit under when flagged, else the username
    flagged: np.ndarray  # commits under a git name (in most repositories)
    cum: np.ndarray  # cumulative heavy-tailed activity weights (co-authors, discussions)
    org_members: np.ndarray  # per owner: members of an organisation (1 for users) ...
    org_start: np.ndarray  # ... a block of developers starting here (modulo n)

    def pick(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` developers drawn by activity."""
        return np.minimum(np.searchsorted(self.cum, rng.random(n), side="right"), self.n - 1)


@dataclass(frozen=True)
class People:
    owners: Owners
    owner_names: pa.Array
    user_dev: np.ndarray  # per owner: the developer a user owner is, -1 for organisations
    devs: Developers


def _overlap(rng: np.random.Generator, sizes: np.ndarray, share: float, pool_sizes: np.ndarray, start: int):
    """Map owners of another type to existing owners (largest to largest) or new ones."""
    k = sizes.size
    ov = rng.random(k) < share
    n_ov = min(int(ov.sum()), pool_sizes.size)
    ov_idx = np.flatnonzero(ov)[:n_ov]
    chosen = gumbel_top(rng, 0.5 * np.log(pool_sizes.astype(float) + 1), n_ov)
    chosen = chosen[np.argsort(-pool_sizes[chosen], kind="stable")]
    ov_idx = ov_idx[np.argsort(-sizes[ov_idx], kind="stable")]
    idx = np.empty(k, dtype=np.int64)
    idx[ov_idx] = chosen
    new = np.setdiff1d(np.arange(k), ov_idx)
    idx[new] = start + np.arange(new.size)
    return idx, new.size


def _draw_owners(rng: np.random.Generator, sizes: Sizes, T: Targets) -> Owners:
    nm, nd, ns = sizes.n["model"], sizes.n["dataset"], sizes.n["space"]
    leg = assumption("legacy_share")
    leg_m = int(round(nm * max(T("models.legacy_share"), leg["model"])))
    leg_d = int(round(nd * max(T("datasets.legacy_share"), leg["dataset"])))
    sm = owner_sizes(rng, T, "models", nm - leg_m)
    sd = owner_sizes(rng, T, "datasets", nd - leg_d)
    ss = owner_sizes(rng, T, "models", ns)
    K = sm.size
    sizes_total = sm.astype(np.int64).copy()
    d_idx, d_new = _overlap(rng, sd, T("datasets.owner_overlap_share"), sizes_total, K)
    pool = np.concatenate([sizes_total, np.zeros(d_new, dtype=np.int64)])
    np.add.at(pool, d_idx, sd)
    s_idx, s_new = _overlap(rng, ss, 0.6, pool, pool.size)
    pool = np.concatenate([pool, np.zeros(s_new, dtype=np.int64)])
    np.add.at(pool, s_idx, ss)
    repo_owner = {
        "model": assign(rng, np.arange(K), sm, nm, leg_m),
        "dataset": assign(rng, d_idx, sd, nd, leg_d),
        "space": assign(rng, s_idx, ss, ns, 0),
    }
    # kinds: organisations are more likely among large owners
    org_p = assumption("org_share_by_owner_size")
    p = np.select(
        [pool <= 1, pool <= 5, pool <= 20, pool <= 100],
        [org_p["1"], org_p["2-5"], org_p["6-20"], org_p["21-100"]],
        org_p["101+"],
    )
    is_org = rng.random(pool.size) < p
    effect = rng.standard_normal(pool.size)
    return Owners(n=pool.size, total=pool, is_org=is_org, effect=effect, repo_owner=repo_owner)


def _usernames(rng: np.random.Generator, D: int, V: Vocabulary) -> tuple[pa.Array, pa.Array]:
    """Per developer: a username and a git name ("joaogante" and "Joao Gante", ...)."""
    f = rng.integers(0, len(V.first_names), D)
    h = rng.integers(0, len(V.handles), D)
    num = pa.array(rng.integers(1, 100, D).astype(str))
    # last names: common ones, or composed from two syllables (about 1,000 in all)
    last_i = rng.integers(0, len(V.last_names), D)
    la, lb = rng.integers(0, len(V.last_name_syllables_a), D), rng.integers(0, len(V.last_name_syllables_b), D)
    composed = join(strs(V.last_name_syllables_a).take(pa.array(la)), strs(V.last_name_syllables_b).take(pa.array(lb)))
    F = strs(V.first_names).take(pa.array(f))
    L = pc.if_else(pa.array(rng.random(D) < 0.5), strs(V.last_names).take(pa.array(last_i)), composed)
    Fc, Lc = pc.utf8_capitalize(F), pc.utf8_capitalize(L)
    F1 = pc.utf8_slice_codeunits(F, 0, 1)
    styles = [
        join(F, L),  # joaogante
        join(F1, L),  # jgante
        join(F, L, sep="-"),  # joao-gante
        join(F, L, num),  # joaogante42
        join(strs(V.handles).take(pa.array(h)), num),  # nightowl42 (no link to the real name)
        join(F, L, sep="_"),  # joao_gante
    ]
    style = categorical(rng, D, [0.3, 0.15, 0.15, 0.15, 0.15, 0.1])
    gits = [
        join(Fc, Lc, sep=" "),  # Joao Gante
        join(F1, L, sep="."),  # j.gante
        join(Fc, Lc, sep=" "),
        join(Fc, Lc, sep=" "),
        join(Fc, Lc, sep=" "),
        join(F, L, sep="."),  # joao.gante
    ]
    sel = pa.array(style.astype(np.int64) * D + np.arange(D))
    return pa.concat_arrays(styles).take(sel), distinct_git_names(pa.concat_arrays(gits).take(sel))


def _owner_names(
    rng: np.random.Generator, owners: Owners, user: pa.Array, user_dev: np.ndarray, V: Vocabulary
) -> tuple[np.ndarray, np.ndarray]:
    """Unique names: developers' usernames and owners' names (users take their developer's)."""
    D = len(user)
    oa, ob, oc = (rng.integers(0, len(x), owners.n) for x in (V.org_a, V.org_b, V.org_c))
    org = join(strs(V.org_a).take(pa.array(oa)), strs(V.org_b).take(pa.array(ob)), strs(V.org_c).take(pa.array(oc)))
    owner_names = np.asarray(org.to_numpy(zero_copy_only=False), dtype=object)
    devnames = np.asarray(user.to_numpy(zero_copy_only=False), dtype=object)
    # uniqueness over developers + organisations (+ reserved names)
    allnames = pa.array(
        np.concatenate([np.array([SYSTEM, *BOTS], dtype=object), devnames, owner_names[owners.is_org]]),
        type=pa.string(),
    )
    allnames = dedupe(allnames).to_numpy(zero_copy_only=False)
    r = 1 + len(BOTS)
    devnames = allnames[r : r + D]
    owner_names[owners.is_org] = allnames[r + D :]
    users = ~owners.is_org
    owner_names[users] = devnames[user_dev[users]]
    # user owners beyond the developer pool would share a name: make them unique too
    if (user_dev[users] >= 0).any() and int(users.sum()) > D:
        owner_names = dedupe(pa.array(owner_names, type=pa.string()), sep="").to_numpy(zero_copy_only=False)
    return owner_names, devnames


def draw_people(params: Params, sizes: Sizes, T: Targets) -> People:
    """Owners, developers and names, from the random stream ``owners`` (in this order)."""
    rng = rng_for(sizes.seed, "owners")
    owners = _draw_owners(rng, sizes, T)
    # developers: every user owner is a developer; extra contributors after them
    users = np.flatnonzero(~owners.is_org)
    D = params.developers
    if D is None:
        D = int(np.ceil(users.size * assumption("developers_per_user_owner"))) + len(vocabulary().first_names)
    D = max(int(D), 1)
    # developer index of each user owner (owners beyond the pool share developers)
    user_dev = np.full(owners.n, -1, dtype=np.int64)
    order = users[np.argsort(-owners.total[users], kind="stable")]
    user_dev[order] = np.arange(users.size) % D
    user, git = _usernames(rng, D, vocabulary())
    owner_names, devnames = _owner_names(rng, owners, user, user_dev, vocabulary())
    dev_user = pa.array(devnames, type=pa.string())
    # git names: only for developers flagged as committing under a git name
    flagged = rng.random(D) < float(T("commits.gitname_author_share"))
    # developer activity weights (heavy-tailed) for co-authors and discussions
    alpha = assumption("developer_activity_pareto_alpha")
    w = np.minimum((1.0 - rng.random(D)) ** (-1.0 / alpha), assumption("developer_activity_cap"))
    # organisation members: a block of developers
    size = owners.total.astype(float)
    devs = Developers(
        n=D,
        user=dev_user,
        git=pc.if_else(pa.array(flagged), git, dev_user),
        flagged=flagged,
        cum=np.cumsum(w) / w.sum(),
        org_members=np.where(owners.is_org, np.minimum(1 + np.floor(0.5 * size**0.6), 200), 1).astype(np.int64),
        org_start=rng.integers(0, D, owners.n),
    )
    return People(owners=owners, owner_names=pa.array(owner_names, type=pa.string()), user_dev=user_dev, devs=devs)


@dataclass(frozen=True)
class Collaboration:
    """Each owner's propensity to collaborate: chance mixed with the owner's size (teams and
    organisations with many repositories collaborate; most small owners work alone)."""

    n_owners: int
    draw: np.ndarray  # one standard normal per owner, and one for legacy ids
    log_size: np.ndarray

    def latent(self, owner: np.ndarray) -> np.ndarray:
        """Per repository of ``owner`` (owner indices, -1 = none), standardised over them."""
        if owner.size == 0:
            return np.zeros(0)
        oi = np.where(owner < 0, self.n_owners, owner)
        size = self.log_size[oi]
        g = assumption("collaboration_owner_size_weight")
        zs = (size - size.mean()) / (size.std() or 1.0)
        c = np.sqrt(1 - g) * self.draw[oi] + np.sqrt(g) * zs
        return (c - c.mean()) / (c.std() or 1.0)


def collaboration(seed: int, owners: Owners) -> Collaboration:
    return Collaboration(
        n_owners=owners.n,
        draw=rng_for(seed, "owner-collab").standard_normal(owners.n + 1),
        log_size=np.log(np.append(owners.total, 1).astype(float)),
    )


def concat(per_kind: dict[str, np.ndarray]) -> np.ndarray:
    """Per-type arrays concatenated in the global repository order (``KINDS``)."""
    return np.concatenate([per_kind[k] for k in KINDS])
