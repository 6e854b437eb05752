"""The synthetic Hub's bookkeeping tables: repo_coverage, owners, and the manifest's coverage.

:func:`write_coverage` lists, per repository, the items of each step (commits, discussions, the
space-model edges); :func:`write_owners` records the kind of the owners a collector would have
looked up (random stream ``owners-table``); :func:`manifest_coverage` builds the manifest's
coverage entries with :func:`analysis.snapshot.schema.coverage`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from analysis.snapshot import SnapshotWriter
from analysis.snapshot.schema import coverage
from analysis.sources.synth.commits import CommitPlan
from analysis.sources.synth.draws import rng_for
from analysis.sources.synth.edges import SpaceEdges
from analysis.sources.synth.people import People, Sizes
from analysis.sources.synth.repos import Repos
from analysis.sources.synth.targets import ASSUMPTIONS, CHUNK, KINDS


def _steps(kind: str, g: np.ndarray, lo: int, hi: int, plan: CommitPlan, discussions: np.ndarray, edges: SpaceEdges):
    """(step, rows of the chunk, items) of the repositories ``g`` (global index; ``lo:hi`` within the type)."""
    idx = np.flatnonzero(plan.covered[g])
    parts = [("commits", idx, (plan.k[g] + 1)[idx]), ("discussions", np.arange(hi - lo), discussions[g])]
    if kind == "model":
        parts.append(("model_spaces", np.arange(hi - lo), edges.model_indeg[lo:hi]))
    if kind == "space":
        parts.append(("space_models", np.arange(hi - lo), edges.space_outdeg[lo:hi]))
    return parts


def write_coverage(
    w: SnapshotWriter,
    sizes: Sizes,
    repos: dict[str, Repos],
    plan: CommitPlan,
    discussions: np.ndarray,
    edges: SpaceEdges,
) -> int:
    app = w.open_table("repo_coverage")
    rows = 0
    for kind in KINDS:
        R = repos[kind]
        for lo in range(0, R.n, CHUNK):
            hi = min(R.n, lo + CHUNK)
            g = np.arange(lo, hi) + sizes.start[kind]
            ids = R.ids.slice(lo, hi - lo)
            for step, ix, items in _steps(kind, g, lo, hi, plan, discussions, edges):
                if ix.size == 0:
                    continue
                app.write(
                    pa.table(
                        {
                            "repo_type": pa.array(np.full(ix.size, kind, dtype=object), type=pa.string()),
                            "repo_id": ids.take(pa.array(ix)),
                            "step": pa.array(np.full(ix.size, step, dtype=object), type=pa.string()),
                            "items": pa.array(np.asarray(items, dtype=np.int64)),
                        }
                    )
                )
                rows += ix.size
    app.close()
    return rows


def write_owners(w: SnapshotWriter, seed: int, people: People, M: Repos, edges: SpaceEdges) -> int:
    """Owner kinds of owners with >= 3 repositories, owners of models used by spaces, 30% of the rest."""
    owners = people.owners
    rng = rng_for(seed, "owners-table")
    used_owner = np.zeros(owners.n, dtype=bool)
    used = (edges.model_indeg > 0) & (M.owner >= 0)
    used_owner[M.owner[used]] = True
    rec = (owners.total >= 3) | used_owner | (rng.random(owners.n) < 0.3)
    idx = np.flatnonzero(rec)
    kinds = np.where(owners.is_org[idx], "organization", "user").astype(object)
    t = pa.table({"owner": people.owner_names.take(pa.array(idx)), "kind": pa.array(kinds, type=pa.string())})
    t = t.sort_by("owner")
    w.write_table("owners", t)
    return t.num_rows


def manifest_coverage(
    sizes: Sizes, plan: CommitPlan, discussions: np.ndarray, edges: SpaceEdges, owners_rows: int, cov_rows: int
) -> dict[str, dict[str, Any]]:
    """The manifest's coverage, each entry built by :func:`analysis.snapshot.schema.coverage`."""
    n = sizes.n
    cov_commits = {k: int(plan.covered[sizes.start[k] : sizes.start[k] + n[k]].sum()) for k in KINDS}
    all_commits = all(cov_commits[k] == n[k] for k in n)
    commit_scope = "all" if all_commits else ("subset" if any(cov_commits.values()) else "none")
    downloads = "downloads = 30-day count; downloads_all_time not generated (null)"
    return {
        "models": coverage("all", rows=n["model"], note=downloads),
        "datasets": coverage("all", rows=n["dataset"], note=downloads),
        "spaces": coverage("all", rows=n["space"], note="spaces have no downloads: downloads is null in every row"),
        "commits": coverage(
            commit_scope,
            rows=sizes.commits,
            repos=cov_commits,
            note="a covered repository's history starts with an initial commit, by the Hub's 'system' in the "
            "real share of repositories that have a 'system' commit, else by its first developer; "
            "covered repositories are listed in repo_coverage (step 'commits')",
        ),
        "discussions": coverage(
            "all",
            rows=int(discussions.sum()),
            repos=dict(n),
            note="pull requests included (is_pull_request); author null = deleted account",
        ),
        "space_models": coverage(
            "all",
            rows=edges.n,
            repos={"model": n["model"], "space": n["space"]},
            note="every model (step model_spaces) and every space (step space_models)",
        ),
        "repo_coverage": coverage("all", rows=cov_rows),
        "owners": coverage(
            "subset", rows=owners_rows, note="owner kind recorded for " + ASSUMPTIONS["owner_kind_recorded"]["value"]
        ),
        "fetch_log": coverage("all", rows=0, note="synthetic: nothing failed"),
    }
