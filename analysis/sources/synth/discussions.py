"""Stage of the synthetic Hub: discussions and pull requests (the discussions table).

:func:`plan_discussions` (random stream ``discussions-plan``) spreads the discussions over the
repositories, towards popular ones; :func:`write_discussions` writes them in chunks (stream
``discussions``): authors are the repository's primary developer, active developers, bots or
deleted accounts; statuses, titles and dates follow the assumptions.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.snapshot import SnapshotWriter
from analysis.sources.synth.commits import CommitPlan
from analysis.sources.synth.draws import categorical, rng_for, spacings
from analysis.sources.synth.names import BOT_COMMIT_TITLES, BOTS, vocabulary
from analysis.sources.synth.people import People, Sizes, concat
from analysis.sources.synth.repos import Repos, repo_columns
from analysis.sources.synth.targets import CHUNK, KINDS, assumption


def plan_discussions(sizes: Sizes, repos: dict[str, Repos]) -> np.ndarray:
    """Discussions per repository (global index)."""
    rng = rng_for(sizes.seed, "discussions-plan")
    z = concat({kd: repos[kd].num.z for kd in KINDS})
    Q, N = sizes.discussions, z.size
    if Q <= 0 or N == 0:
        return np.zeros(N, dtype=np.int64)
    lw = assumption("discussion_popularity_exponent") * z
    w = np.exp(lw - lw.max())
    cum = np.cumsum(w) / w.sum()
    r = np.minimum(np.searchsorted(cum, rng.random(Q), side="right"), N - 1)
    return np.bincount(r, minlength=N).astype(np.int64)


def _chunk(
    rng: np.random.Generator, sizes: Sizes, people: People, plan: CommitPlan, created: np.ndarray, sel, cnt
) -> dict[str, pa.Array]:
    D = people.devs.n
    titles_v = vocabulary().discussion_titles
    names = pa.concat_arrays([people.devs.user, pa.array(list(BOTS), type=pa.string())])
    titles = pa.array([*titles_v, *BOT_COMMIT_TITLES.values()], type=pa.string())
    st_d, st_p = assumption("discussion_status"), assumption("pull_request_status")
    status_v = pa.array(list(st_d) + list(st_p), type=pa.string())
    total = int(cnt.sum())
    rep = np.repeat(np.arange(sel.size), cnt)
    starts = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    number = np.arange(total) - starts[rep] + 1
    u = rng.random(total)
    deleted = u < assumption("deleted_author_share")
    is_bot = ~deleted & (u < assumption("deleted_author_share") + assumption("bot_discussion_share"))
    which_bot = rng.integers(0, len(BOTS), total)
    dev = np.where(rng.random(total) < 0.3, plan.primary[sel][rep], people.devs.pick(rng, total))
    a_idx = np.where(is_bot, D + which_bot, dev)
    author = names.take(pa.array(a_idx))
    author = pc.if_else(pa.array(deleted), pa.scalar(None, pa.string()), author)
    pr = is_bot | (rng.random(total) < assumption("pull_request_share"))
    sd = categorical(rng, total, list(st_d.values()))
    sp = len(st_d) + categorical(rng, total, list(st_p.values()))
    status = status_v.take(pa.array(np.where(pr, sp, sd)))
    cr = created[sel]
    frac = spacings(rng, cnt)
    d = cr[rep] + (frac * (sizes.snap_ms - cr[rep])).astype(np.int64)
    t = np.where(is_bot, len(titles_v) + which_bot, rng.integers(0, len(titles_v), total))
    return {
        "rep": rep,
        "number": pa.array(number.astype(np.int64)),
        "author": author,
        "is_pull_request": pa.array(pr),
        "status": status,
        "created_at": pa.array(d, type=pa.timestamp("ms", tz="UTC")),
        "title": titles.take(pa.array(t)),
    }


def write_discussions(
    w: SnapshotWriter, sizes: Sizes, repos: dict[str, Repos], people: People, plan: CommitPlan, counts: np.ndarray
) -> None:
    app = w.open_table("discussions")
    created = concat({kd: repos[kd].num.created for kd in KINDS})
    for ci, lo in enumerate(range(0, sizes.repos, CHUNK)):
        hi = min(sizes.repos, lo + CHUNK)
        rng = rng_for(sizes.seed, "discussions", ci)
        sel = np.arange(lo, hi)[counts[lo:hi] > 0]
        if sel.size == 0:
            continue
        cols = _chunk(rng, sizes, people, plan, created, sel, counts[sel])
        rep = cols.pop("rep")
        app.write(pa.table({**repo_columns(repos, sizes.start, sel, rep), **cols}))
    app.close()
