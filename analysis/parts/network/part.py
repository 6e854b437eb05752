"""Part II of one snapshot: both networks and the identity resolution, computed once.

:func:`compute` loads the commits, builds the reproduction and the cleaned network, resolves
identities (and may start the rewiring null model in the background meanwhile) and keeps the
result, a :class:`Part2`, cached per snapshot; the statistics of its networks
(:func:`stats_all`), its bipartite null model (:func:`bipartite_null`) and the subfields'
networks (:func:`subfield_networks`) are computed from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import arrays
from analysis.memory import release_arrow_memory
from analysis.parts import identity, nullmodel
from analysis.parts.network.commits import CommitAuthors, load_commit_authors
from analysis.parts.network.construction import Network, build_network, cleaned_network, reproduction_network
from analysis.parts.network.statistics import network_stats_pair
from analysis.snapshot import Snapshot
from analysis.snapshot.schema import REPO_TABLES
from analysis.subfields import SUBFIELDS, subfield_mask


@dataclass
class Part2:
    """Everything Part II computes from one snapshot (see :func:`compute`)."""

    snap: Snapshot
    commits: CommitAuthors
    reproduction: Network
    cleaned: Network
    resolution: identity.Resolution
    models: int
    covered: int
    threshold: float
    #: statistics of the four networks of ``tab-network`` (:func:`stats_all`)
    stats: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    #: the reproduction network's null model, when :func:`compute` started it
    null_model: nullmodel.Rewirings | None = field(default=None, repr=False)
    #: the reproduction network's bipartite null model per seed (:func:`bipartite_null`)
    bipartite: dict[int, nullmodel.BipartiteNull] = field(default_factory=dict, repr=False)


def hub_namespaces(snap: Snapshot) -> set[str]:
    """Every owner of a model, dataset or space repository (preferred as canonical developer names)."""
    out: set[str] = set()
    for table in REPO_TABLES.values():
        col = snap.arrow(table, ["owner"]).column("owner")
        out |= set(pc.unique(col.drop_null()).to_pylist())
    return out


def covered_models(snap: Snapshot, commits: CommitAuthors | None = None) -> int:
    """Model repositories whose commits were collected (repo_coverage step ``commits``)."""
    cov = snap.arrow(
        "repo_coverage",
        ["repo_type", "repo_id", "step"],
        filters=[("step", "==", "commits"), ("repo_type", "==", "model")],
    )
    if cov.num_rows:
        return int(pc.count_distinct(cov.column("repo_id")).as_py())
    commits = commits or load_commit_authors(snap)
    return arrays.count_unique(commits.commit_repo)


def _scoring_threads(workers: int, null: nullmodel.Rewirings | None) -> int:
    """rapidfuzz's threads for the identity resolution: ``workers`` as given, except that the
    default (-1, every CPU) leaves out the CPUs a background null model's workers hold. At Hub
    scale the null model is what Part II waits for (on 2 CPUs a scoring thread beside its worker
    left Part II waiting 19 s for the last sample); the pairs found are the same either way."""
    if workers != -1 or null is None or not null.background_workers:
        return workers
    return max(1, nullmodel.available_cpus() - null.background_workers)


_CACHE: dict[tuple, Part2] = {}


def compute(
    snap: Snapshot,
    threshold: float = identity.DEFAULT_THRESHOLD,
    overrides: Any = None,
    *,
    workers: int = -1,
    null_samples: int | None = None,
    seed: int = 0,
) -> Part2:
    """Both networks and the identity resolution of a snapshot (cached per snapshot).

    With ``null_samples``, the reproduction network's null model (``null_samples`` rewirings,
    ``seed``) is started in the background as soon as the network exists, while the identity
    resolution runs here (:class:`nullmodel.Rewirings`); ``Part2.null_model`` holds it for
    :func:`analysis.parts.robustness.network_null_rows`.
    """
    key = (str(snap.path), snap.id, float(threshold), None if overrides is None else str(overrides))
    if key in _CACHE:
        return _CACHE[key]
    commits = load_commit_authors(snap)
    reproduction = reproduction_network(commits)
    null = (
        nullmodel.Rewirings.of_network(reproduction, samples=null_samples, seed=seed, background=True)
        if null_samples
        else None
    )
    per_name = commits.commits_per_name()
    res = identity.resolve(
        commits.names,
        threshold,
        weights=per_name.to_dict(),
        owners=hub_namespaces(snap),
        overrides=overrides,
        workers=_scoring_threads(workers, null),
    )
    part = Part2(
        snap=snap,
        commits=commits,
        reproduction=reproduction,
        cleaned=cleaned_network(commits, res),
        resolution=res,
        models=snap.rows("models"),
        covered=covered_models(snap, commits),
        threshold=float(threshold),
        null_model=null,
    )
    release_arrow_memory()  # what the reads of namespaces and coverage left cached
    if isinstance(overrides, pd.DataFrame):
        return part
    _CACHE.clear()
    _CACHE[key] = part
    return part


def stats_all(p: Part2) -> dict[str, dict[str, Any]]:
    """Statistics of both networks, whole and without isolates (computed once per :class:`Part2`)."""
    if not p.stats:
        for label, net in (("reproduction", p.reproduction), ("cleaned", p.cleaned)):
            p.stats[label], p.stats[f"{label}_noiso"] = network_stats_pair(net)
            # its igraph copy is not needed again (triangles counted, cores kept): at Hub scale it
            # held over 100 MB per network for the rest of Part II (a later use builds it again)
            net._cache.pop("graph", None)
    return p.stats


def bipartite_null(p: Part2, seed: int = 0) -> nullmodel.BipartiteNull:
    """The reproduction network's bipartite null model (:class:`nullmodel.BipartiteNull`), run once
    per seed and kept with ``p``."""
    if seed not in p.bipartite:
        p.bipartite[seed] = nullmodel.BipartiteNull.of_network(p.reproduction, seed=seed).run()
    return p.bipartite[seed]


def subfield_networks(p: Part2) -> Iterator[tuple[str, Network]]:
    """Reproduction networks of the computer-vision, NLP and multimodal model repositories, one
    at a time (at Hub scale each holds millions of edges: the caller keeps what it needs)."""
    models = p.snap.arrow("models", ["id", "tags", "pipeline_tag"])
    # each model's index among the commits' repositories (-1 where it has no commit), in Arrow
    at = pc.index_in(models.column("id"), value_set=pa.array(p.commits.repo_ids, pa.string()))
    position = np.asarray(pc.fill_null(at, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    masks = {sf: np.asarray(subfield_mask(models, sf), dtype=bool) for sf in SUBFIELDS}
    del models, at
    release_arrow_memory()  # the models' tag lists: hundreds of MB at Hub scale, kept cached by Arrow
    for sf, mask in masks.items():
        pos = position[mask]
        in_sf = np.zeros(len(p.commits.repo_ids), bool)
        in_sf[pos[pos >= 0]] = True
        yield sf, build_network(p.commits.in_repos(in_sf), sf)


def reciprocity_by_construction(p: Part2) -> bool:
    """True when reciprocity between distinct developers is 1 by the construction alone.

    Every commit ties its first author to every other commit author of the
    repository; when every commit author of a repository is also the first
    author of one of its commits (for example, when commits record one author
    each), every tie is returned, whatever the developers did.
    """
    net = p.reproduction
    if not len(net.repo_author):
        return False
    # the construction kept both counts: the (repository, first author) pairs are a subset of the
    # (repository, author) memberships, so they are the same set exactly when they are as many
    return bool(net._cache["first_author_memberships"] == len(net.repo_author))
