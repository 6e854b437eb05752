"""Stage of the synthetic Hub: the commit histories (the commits table).

:func:`plan_commits` (random streams ``commits-plan`` and ``primary``) decides, per repository,
whether its history is covered, how many commits follow the initial one (the real
commits-per-repository figures, more for popular repositories), how many distinct human authors
(the real single-author shares, clustered by owner), whether a bot commits last, and who the
primary developer is (:class:`CommitPlan`). :func:`write_commits` writes the rows in chunks
(stream ``commits``): the initial commit by ``system`` in the real share of repositories or by
the primary developer, co-authors from the owning organisation or a heavy-tailed pool, each
developer under their username or git name, dates spread between creation and the last
modification.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from analysis.snapshot import SnapshotWriter
from analysis.sources.synth.draws import categorical, hex_ids, ndtri, rank_pair, rng_for, spacings, unit_hash
from analysis.sources.synth.names import BOT_COMMIT_TITLES, BOTS, SYSTEM, vocabulary
from analysis.sources.synth.people import Collaboration, People, Sizes, concat
from analysis.sources.synth.repos import Repos, repo_columns
from analysis.sources.synth.targets import CHUNK, KINDS, Targets, assumption


@dataclass(frozen=True)
class CommitPlan:
    """Per repository (global index): its history's shape, and the dates it implies."""

    covered: np.ndarray  # the history is in the snapshot
    k: np.ndarray  # commits after the initial one
    a: np.ndarray  # distinct human authors of those
    bot: np.ndarray  # a bot made the last commit
    p_multi: float  # chance that a commit of a co-authored repository has a second author
    primary: np.ndarray  # developer of the first commit (when not 'system') and of slot 0
    last_modified: np.ndarray  # ms; the creation date where the initial commit is the only one

    def last_modified_of(self, sizes: Sizes, kind: str) -> np.ndarray:
        s = sizes.start[kind]
        return self.last_modified[s : s + sizes.n[kind]]


def _covered(rng: np.random.Generator, N: int, C: int, mean_k: float) -> np.ndarray:
    if C >= N:
        return np.ones(N, dtype=bool)
    n_cov = int(C // (1 + mean_k)) if C >= 1 + mean_k else min(C, N)
    covered = np.zeros(N, dtype=bool)
    covered[rng.choice(N, size=n_cov, replace=False)] = True
    return covered


def _rescale(rng: np.random.Generator, k: np.ndarray, X: int) -> np.ndarray:
    """Commit counts scaled to sum to ``X`` exactly (bounded adjustment, weighted by count)."""
    if X <= 0:
        k[:] = 0
        return k
    kf = k * (X / k.sum())
    k = np.floor(kf + rng.random(k.size)).astype(np.int64)
    for _ in range(50):
        diff = X - int(k.sum())
        if diff == 0:
            break
        if diff > 0:
            pick = categorical(rng, diff, k.astype(float) + 1.0)
            np.add.at(k, pick, 1)
        else:
            pos = np.flatnonzero(k > 0)
            pick = pos[categorical(rng, min(-diff, pos.size), k[pos].astype(float))]
            np.subtract.at(k, pick, 1)
            k = np.maximum(k, 0)
    return k


def _counts(rng: np.random.Generator, T: Targets, n_cov: int, X: int) -> np.ndarray:
    """Commits after the initial one per covered repository: the real histogram, Pareto beyond it."""
    hist = T("commits.per_repo_hist")
    vals = np.asarray([int(k) for k in hist], dtype=np.int64)
    probs = np.asarray(list(hist.values()), dtype=float)
    k = vals[categorical(rng, n_cov, probs)]
    tail = k >= vals.max()  # the open bin: Pareto beyond it
    k[tail] = np.floor(vals.max() * (1 - rng.random(int(tail.sum()))) ** (-1 / 1.5)).astype(np.int64)
    k = np.minimum(k, 100_000)
    return _rescale(rng, k, X)


def _authors(rng: np.random.Generator, T: Targets, k: np.ndarray, collab: np.ndarray):
    """Distinct human authors per covered repository, and whether a bot makes its last commit."""
    n_cov = k.size
    single = T("commits.single_author_share_by_commits")
    bucket = np.select(
        [k <= 1, k == 2, k <= 5, k <= 10], [single["1"], single["2"], single["3-5"], single["6-10"]], single["11+"]
    )
    ah = {int(a): c for a, c in T("commits.authors_per_repo_hist").items() if int(a) >= 2}
    multi_a = np.asarray(list(ah), dtype=np.int64)[categorical(rng, n_cov, list(ah.values()))]
    # collaboration clusters by owner: some owners' repositories are mostly co-authored, most owners'
    # never (probit in an owner latent; the share per commits bucket stays the calibrated one)
    beta = assumption("collaboration_owner_probit")
    thr = ndtri(np.clip(bucket, 1e-9, 1 - 1e-9)) * np.sqrt(1 + beta * beta)
    single_ = rng.standard_normal(n_cov) * 1.0 < thr - beta * collab
    a = np.where(single_, 1, multi_a)
    a = np.where(k == 0, 0, np.minimum(a, np.maximum(k, 1)))
    # bots: replace the last commit of a few repositories
    bot = (k >= 2) & (rng.random(n_cov) < max(float(T("commits.bot_repo_share")), 0.002))
    return np.where(bot, np.minimum(a, k - 1), a), bot


def _primary(seed: int, people: People, owner: np.ndarray) -> np.ndarray:
    """The primary developer of every repository: a member of its organisation, the user owner
    themself, or (legacy ids) one drawn by activity."""
    rng = rng_for(seed, "primary")
    o = np.maximum(owner, 0)
    devs, is_org = people.devs, people.owners.is_org
    org_member = (devs.org_start[o] + rng.integers(0, 1 << 30, owner.size) % devs.org_members[o]) % devs.n
    primary = np.where(is_org[o], org_member, people.user_dev[o])
    return np.where(owner < 0, devs.pick(rng, owner.size), primary)


def plan_commits(
    sizes: Sizes, T: Targets, repos: dict[str, Repos], people: People, collab: Collaboration
) -> CommitPlan:
    rng = rng_for(sizes.seed, "commits-plan")
    N, C = sizes.repos, sizes.commits
    covered = _covered(rng, N, C, float(T("commits.per_repo_mean")))
    n_cov = int(covered.sum())
    k = _counts(rng, T, n_cov, C - n_cov)  # commits besides the initial ones
    z = concat({kd: repos[kd].num.z for kd in KINDS})[covered]
    k = rank_pair(rng, z, k, assumption("commits_popularity_correlation"))
    owner = concat({kd: repos[kd].owner for kd in KINDS})
    a, bot = _authors(rng, T, k, collab.latent(owner[covered]))
    kk = np.zeros(N, dtype=np.int64)
    aa = np.zeros(N, dtype=np.int64)
    bb = np.zeros(N, dtype=bool)
    kk[covered], aa[covered], bb[covered] = k, a, bot
    # a repository whose only commit is the initial one was last modified when created
    created = concat({kd: repos[kd].num.created for kd in KINDS})
    drawn = concat({kd: repos[kd].num.last_modified for kd in KINDS})
    last_modified = np.where(covered & (kk == 0), created, drawn)
    frac = float((k * (a >= 2)).sum()) / max(float(k.sum()), 1.0)
    p_multi = min(1.0, float(T("commits.multi_author_commit_share")) / frac) if frac > 0 else 0.0
    return CommitPlan(
        covered=covered,
        k=kk,
        a=aa,
        bot=bb,
        p_multi=p_multi,
        primary=_primary(sizes.seed, people, owner),
        last_modified=last_modified,
    )


# --------------------------------------------------------------------------- #
# the commits table
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _Rows:
    """The rows of one chunk: per row, its repository's facts (``rep`` indexes ``sel``)."""

    sel: np.ndarray  # covered repositories of the chunk (global index)
    rep: np.ndarray
    pos: np.ndarray  # 0 = the initial commit
    k: np.ndarray  # per row: its repository's k, a, bot
    a: np.ndarray
    bot: np.ndarray

    @classmethod
    def of(cls, plan: CommitPlan, sel: np.ndarray) -> _Rows:
        n_rows = plan.k[sel] + 1
        rep = np.repeat(np.arange(sel.size), n_rows)
        starts = np.concatenate([[0], np.cumsum(n_rows)[:-1]])
        pos = np.arange(int(n_rows.sum())) - starts[rep]
        return cls(sel, rep, pos, plan.k[sel][rep], plan.a[sel][rep], plan.bot[sel][rep])

    @property
    def total(self) -> int:
        return int(self.pos.size)


class _Authorship:
    """Who is behind each author slot of a repository, and the name they commit under there.

    Slot 0 is the primary developer; slots >= 1 are fixed per (repository, slot): a member of
    the owning organisation or one from the activity-weighted pool. The identity a developer
    commits under is fixed per repository (the local git config): a flagged developer uses the
    git name in most repositories, the username in the others.
    """

    def __init__(self, seed: int, people: People, owner: np.ndarray, plan: CommitPlan, rows: _Rows):
        self.seed, self.devs = seed, people.devs
        sel, rep = rows.sel, rows.rep
        self.repo_g = sel[rep].astype(np.uint64)
        o = np.maximum(owner[sel], 0)
        self.is_org = (people.owners.is_org[o] & (owner[sel] >= 0))[rep]
        self.members = self.devs.org_members[o][rep]
        self.start = self.devs.org_start[o][rep]
        self.primary = plan.primary[sel][rep]
        self.gitp = assumption("gitname_use_probability")

    def dev(self, sl: np.ndarray) -> np.ndarray:
        u1 = unit_hash(self.repo_g, sl.astype(np.uint64) * np.uint64(3) + np.uint64(1), self.seed)
        u2 = unit_hash(self.repo_g, sl.astype(np.uint64) * np.uint64(3) + np.uint64(2), self.seed)
        member = (self.start + np.floor(u1 * self.members).astype(np.int64)) % self.devs.n
        pool = np.minimum(np.searchsorted(self.devs.cum, u1, side="right"), self.devs.n - 1)
        co = np.where(self.is_org & (u2 < assumption("coauthor_from_org_share")), member, pool)
        return np.where(sl == 0, self.primary, co)

    def name_index(self, dev: np.ndarray) -> np.ndarray:
        """Index into usernames + git names (``D + dev`` = the git name)."""
        use_git = self.devs.flagged[dev] & (unit_hash(self.repo_g, dev, self.seed) < self.gitp)
        return np.where(use_git, self.devs.n + dev, dev)


def _author_lists(
    rng: np.random.Generator, T: Targets, sizes: Sizes, plan: CommitPlan, rows: _Rows, who: _Authorship, names
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The authors column (system first, bots last, a second author on some commits), the bot
    rows and which bot."""
    D, pos, a, rep = who.devs.n, rows.pos, rows.a, rows.rep
    ar = np.maximum(a, 1)
    slot = np.where(pos - 1 < ar, pos - 1, rng.integers(0, 1 << 30, rows.total) % ar)
    dev = who.dev(slot)
    is_bot_row = rows.bot & (pos == rows.k)
    sel_r = rows.sel[rep]
    bot_which = np.where(sel_r < sizes.n["model"], (sel_r % 10 < 7).astype(np.int64) ^ 1, 1)  # 0 = SFconvertbot
    # the initial commit: by 'system' in the real share of repositories (always when no other
    # commit follows), else by the primary developer under the name used in this repository
    has_sys = (rows.k == 0) | (unit_hash(who.repo_g, np.uint64(7), sizes.seed) < float(T("commits.system_repo_share")))
    first_idx = np.where(has_sys, 2 * D, who.name_index(who.primary))
    a_idx = np.where(pos == 0, first_idx, np.where(is_bot_row, 2 * D + 1 + bot_which, who.name_index(dev)))
    # a second author on some commits
    second_dev = who.dev((slot + 1) % ar)
    multi = (pos > 0) & ~is_bot_row & (a >= 2) & (rng.random(rows.total) < plan.p_multi) & (second_dev != dev)
    sec = who.name_index(second_dev)
    cnt = 1 + multi.astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(cnt)]).astype(np.int32)
    vals = np.empty(int(cnt.sum()), dtype=np.int64)
    first_pos = offsets[:-1]
    vals[first_pos] = a_idx
    vals[first_pos[multi] + 1] = sec[multi]
    return pa.ListArray.from_arrays(pa.array(offsets), names.take(pa.array(vals))), is_bot_row, bot_which


def _dates(rng: np.random.Generator, plan: CommitPlan, created: np.ndarray, rows: _Rows) -> np.ndarray:
    """The initial commit at creation; the others spread until the last modification (the last one)."""
    sel, rep, pos = rows.sel, rows.rep, rows.pos
    cr = created[sel]
    frac = spacings(rng, plan.k[sel])
    d = np.empty(rows.total, dtype=np.int64)
    d[pos == 0] = cr
    rest = pos > 0
    lmod = plan.last_modified[sel]
    d[rest] = cr[rep[rest]] + (frac * (lmod - cr)[rep[rest]]).astype(np.int64)
    last = (pos == rows.k) & rest
    d[last] = lmod[rep[last]]  # the last commit is the repository's last modification
    return d


def write_commits(
    w: SnapshotWriter, sizes: Sizes, T: Targets, repos: dict[str, Repos], people: People, plan: CommitPlan
) -> None:
    app = w.open_table("commits")
    owner = concat({kd: repos[kd].owner for kd in KINDS})
    created = concat({kd: repos[kd].num.created for kd in KINDS})
    V = vocabulary()
    titles = pa.array(["initial commit", *V.commit_titles, *BOT_COMMIT_TITLES.values()], type=pa.string())
    names = pa.concat_arrays([people.devs.user, people.devs.git, pa.array([SYSTEM, *BOTS], type=pa.string())])
    for ci, lo in enumerate(range(0, sizes.repos, CHUNK)):
        hi = min(sizes.repos, lo + CHUNK)
        rng = rng_for(sizes.seed, "commits", ci)
        sel = np.arange(lo, hi)[plan.covered[lo:hi]]
        if sel.size == 0:
            continue
        rows = _Rows.of(plan, sel)
        who = _Authorship(sizes.seed, people, owner, plan, rows)
        authors, is_bot_row, bot_which = _author_lists(rng, T, sizes, plan, rows, who, names)
        d = _dates(rng, plan, created, rows)
        t_idx = 1 + categorical(rng, rows.total, V.commit_title_weights)
        t_idx = np.where(rows.pos == 0, 0, np.where(is_bot_row, 1 + len(V.commit_titles) + bot_which, t_idx))
        table = {
            **repo_columns(repos, sizes.start, sel, rows.rep),
            "commit_id": hex_ids(rng, rows.total),
            "date": pa.array(d, type=pa.timestamp("ms", tz="UTC")),
            "authors": authors,
            "title": titles.take(pa.array(t_idx)),
        }
        app.write(pa.table(table))
    app.close()
