"""Curveball trades between the membership lists of one side of a bipartite graph (compiled).

The bipartite graph is a set of *items*, each a membership of one developer in one repository
(:mod:`analysis.parts.nullmodel` attaches a role to each: whether the developer is a first author
there). Items never change their repository or role; a trade changes which developer holds them.
The developers' lists are kept as one array ``items`` in blocks ``ptr[d]:ptr[d + 1]`` of fixed size
(a developer's degree), so a trade rewrites two blocks in place.

A **trade** between developers A and B (Strona et al. 2014; Carstens 2016): the repositories both
are in stay; the items of the repositories only one of them is in are pooled and dealt out at
random, A getting as many as it gave. Every developer keeps its number of repositories and every
repository its members' count (and its count of each role). A **global round** (Carstens, Berger
and Strona 2016) pairs the developers at random and trades within every pair; the chain of global
rounds has the uniform distribution over the graphs with these degrees as its stationary
distribution (a trade and its reverse have the same probability).

:func:`trade_rounds` is the compiled chain (numba, numba's generator seeded once per call);
:func:`reference_rounds` is a plain Python transcription of the same trade, used by the tests
(the two consume different random numbers, so they agree in distribution, not draw for draw).
"""

from __future__ import annotations

import random

import numpy as np
from numba import njit


@njit(cache=True)
def _trade(a, b, ptr, items, item_repo, mark, stamp, pool):
    """One trade between developers ``a`` and ``b`` (in place); ``stamp`` must be new to ``mark``."""
    a0, a1, b0, b1 = ptr[a], ptr[a + 1], ptr[b], ptr[b + 1]
    for k in range(a0, a1):
        mark[item_repo[items[k]]] = stamp
    # B: shared items to the front of its block, the others to the pool
    wb, n = b0, 0
    for k in range(b0, b1):
        it = items[k]
        r = item_repo[it]
        if mark[r] == stamp:
            mark[r] = -stamp  # shared: A keeps its item of r too
            items[wb] = it
            wb += 1
        else:
            pool[n] = it
            n += 1
    b_only = n
    wa = a0
    for k in range(a0, a1):
        it = items[k]
        if mark[item_repo[it]] == -stamp:
            items[wa] = it
            wa += 1
        else:
            pool[n] = it
            n += 1
    a_only = n - b_only
    if a_only == 0 or b_only == 0:
        # nothing to deal: put the blocks back as they were (the shared items moved to the front)
        for k in range(b_only):
            items[wb + k] = pool[k]
        for k in range(a_only):
            items[wa + k] = pool[b_only + k]
        return
    # a uniformly random a_only-subset of the pool for A: a partial Fisher-Yates shuffle of the
    # smaller side's count, which is the same as shuffling the whole pool
    small = min(a_only, b_only)
    for i in range(small):
        j = np.random.randint(i, n)
        t = pool[i]
        pool[i] = pool[j]
        pool[j] = t
    if small == a_only:
        for k in range(a_only):
            items[wa + k] = pool[k]
        for k in range(b_only):
            items[wb + k] = pool[a_only + k]
    else:
        for k in range(b_only):
            items[wb + k] = pool[k]
        for k in range(a_only):
            items[wa + k] = pool[b_only + k]


@njit(cache=True)
def trade_rounds(ptr, items, item_repo, n_repo, active, rounds, seed):
    """``rounds`` global rounds of trades among the developers ``active`` (those with an item), in
    place on ``items``; numba's generator seeded with ``seed``."""
    np.random.seed(seed)
    mark = np.zeros(n_repo, np.int64)
    maxdeg = 0
    for d in active:
        maxdeg = max(maxdeg, ptr[d + 1] - ptr[d])
    pool = np.empty(2 * maxdeg, np.int64)
    order = active.copy()
    stamp = 0
    for _ in range(rounds):
        np.random.shuffle(order)
        for p in range(0, len(order) - 1, 2):
            stamp += 1
            _trade(order[p], order[p + 1], ptr, items, item_repo, mark, stamp, pool)


@njit(cache=True)
def owners(ptr, items):
    """The developer holding each item."""
    out = np.empty(len(items), np.int64)
    for d in range(len(ptr) - 1):
        for k in range(ptr[d], ptr[d + 1]):
            out[items[k]] = d
    return out


@njit(cache=True)
def memberships_kept(repo_ptr, owner, owner0, n_dev):
    """How many of the original memberships (``owner0``: the developer of each item at the start;
    items in repository order, repository ``r`` at ``repo_ptr[r]:repo_ptr[r + 1]``) are memberships
    of ``owner`` too: the complement of the perturbation score."""
    seen = np.full(n_dev, -1, np.int64)
    kept = 0
    for r in range(len(repo_ptr) - 1):
        for k in range(repo_ptr[r], repo_ptr[r + 1]):
            seen[owner[k]] = r
        for k in range(repo_ptr[r], repo_ptr[r + 1]):
            if seen[owner0[k]] == r:
                kept += 1
    return kept


@njit(cache=True)
def projection_size(repo_ptr, first):
    """The directed projection's edge entries before deduplication: sum over repositories of
    (first-author items) x (members - 1)."""
    total = 0
    for r in range(len(repo_ptr) - 1):
        f = 0
        for k in range(repo_ptr[r], repo_ptr[r + 1]):
            f += first[k]
        total += f * (repo_ptr[r + 1] - repo_ptr[r] - 1)
    return total


@njit(cache=True)
def projection(repo_ptr, first, owner, n_dev, size):
    """The directed projection's edges as keys ``src * n_dev + dst`` (with repeats): in every
    repository, from each first-author member to each other member."""
    out = np.empty(size, np.int64)
    e = 0
    for r in range(len(repo_ptr) - 1):
        lo, hi = repo_ptr[r], repo_ptr[r + 1]
        for i in range(lo, hi):
            if first[i]:
                s = owner[i] * n_dev
                for j in range(lo, hi):
                    if j != i:
                        out[e] = s + owner[j]
                        e += 1
    return out


def reference_rounds(lists: list[list[int]], item_repo: list[int], rounds: int, rng: random.Random) -> list[list[int]]:
    """The same chain in plain Python: ``lists[d]`` are developer ``d``'s items; each round pairs the
    developers with an item at random and trades within each pair. Returns new lists."""
    lists = [list(x) for x in lists]
    active = [d for d, x in enumerate(lists) if x]
    for _ in range(rounds):
        rng.shuffle(active)
        for p in range(0, len(active) - 1, 2):
            a, b = active[p], active[p + 1]
            ra = {item_repo[i] for i in lists[a]}
            rb = {item_repo[i] for i in lists[b]}
            keep_a = [i for i in lists[a] if item_repo[i] in rb]
            keep_b = [i for i in lists[b] if item_repo[i] in ra]
            pool = [i for i in lists[a] if item_repo[i] not in rb] + [i for i in lists[b] if item_repo[i] not in ra]
            rng.shuffle(pool)
            n_a = len(lists[a]) - len(keep_a)
            lists[a] = keep_a + pool[:n_a]
            lists[b] = keep_b + pool[n_a:]
    return lists
