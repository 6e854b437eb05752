"""What the synthetic Hub is calibrated to and what it assumes.

:data:`CALIBRATED` says which committed target (``analysis/resources/synth_targets.json``,
derived from the real records by :mod:`analysis.sources.calibrate`) drives which part of the
generator; :data:`ASSUMPTIONS` lists the figures no real record provides, each with its value and
reason (:func:`assumption` reads a value). :class:`Targets` reads the targets, and the
constants here fix the generator's scale-independent choices (chunk size, repository order).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from analysis.snapshot import SnapshotError, sha256_file
from analysis.sources import calibrate

GENERATOR_VERSION = 1
PLACEHOLDER_CREATED_MS = int(dt.datetime.fromisoformat(calibrate.PLACEHOLDER_CREATED).timestamp() * 1000)
CALIBRATION_DATE = "2024-07-11"  # collection date of hub-2024-07/models.jsonl.gz; the default snapshot date
CHUNK = 200_000  # repositories per chunk of the big tables (fixed: part of determinism)
KINDS = ("model", "dataset", "space")  # repository types, in the order of the global repository index
#: Counts that, left at None, are scaled from ``models`` (keyword arguments of :func:`generate`).
SCALED_COUNTS = ("datasets", "spaces", "commits", "developers", "space_edges", "discussions")


#: Which committed target (analysis/resources/synth_targets.json, derived by
#: ``python -m analysis calibrate``) drives which part of the generator.
CALIBRATED: dict[str, str] = {
    "models: share with 0 downloads, downloads distribution, top-1% share": "models.downloads_log1p_quantiles (hub-2024-07/models.jsonl.gz)",
    "models: likes distribution": "models.likes_log1p_quantiles (hub-2024-07/models.jsonl.gz)",
    "models/datasets: likes-downloads rank correlation": "*.spearman_likes_downloads",
    "models: license mix and no-license share": "models.license_shares, models.no_license_share",
    "models: pipeline_tag and library_name mix": "models.pipeline_tag_shares, models.library_name_shares",
    "models/datasets: other tags": "*.tag_shares (and datasets.task_category_shares)",
    "models/datasets: repositories per owner": "*.owner_size_hist, *.owner_size_bin_means",
    "models/datasets: legacy ids without owner": "*.legacy_share",
    "models/datasets: createdAt by month, placeholder share": "*.created_month_shares, *.created_placeholder_share",
    "models: gated": "models.gated_shares (hub-2024-07/model_info.jsonl.gz)",
    "datasets: count per model, downloads, likes, licenses, gated": "ratios.datasets_per_model, datasets.*",
    "datasets: owners also owning models": "datasets.owner_overlap_share",
    "commits: commits per repository": "commits.per_repo_hist (model-commits-2024-09: weight-file commits only)",
    "commits: single-author share by commits": "commits.single_author_share_by_commits, commits.authors_per_repo_hist",
    "commits: commits with co-authors": "commits.multi_author_commit_share",
    "commits: isolates among commit authors (via collaboration_owner_probit)": "commits.isolate_author_share",
    "commits: licensed vs unlicensed repositories (via license_*_probit)": "commits.by_license",
    "commits: authors committing under a git name": "commits.gitname_author_share",
    "commits: repositories with a bot author": "commits.bot_repo_share",
    "commits: repositories whose history has a 'system' commit": "commits.system_repo_share",
    "space_models: share of models used, spaces per used model": "model_spaces.used_share, model_spaces.degree_log_quantiles_used, model_spaces.edges_per_model (hub-2024-07/model_info.jsonl.gz)",
}

#: Figures no real record here provides: assumption, value, reason.
ASSUMPTIONS: dict[str, dict[str, Any]] = {
    "spaces_per_model": {"value": 156_642 / 348_181, "source": "PAPER.md: the paper's 156,642 spaces / 348,181 models"},
    "discussions_per_repo": {
        "value": 0.3,
        "source": "assumption: no public discussion records; most repositories have none",
    },
    "discussion_popularity_exponent": {"value": 0.9, "source": "assumption: discussions go to popular repositories"},
    "pull_request_share": {"value": 0.4, "source": "assumption"},
    "bot_discussion_share": {"value": 0.12, "source": "assumption: bots open conversion / metadata pull requests"},
    "deleted_author_share": {"value": 0.03, "source": "assumption: the API returns no author for deleted accounts"},
    "discussion_status": {"value": {"open": 0.6, "closed": 0.4}, "source": "assumption"},
    "pull_request_status": {
        "value": {"open": 0.45, "merged": 0.3, "closed": 0.2, "draft": 0.05},
        "source": "assumption",
    },
    "space_sdk_shares": {
        "value": {"gradio": 0.68, "streamlit": 0.16, "docker": 0.11, "static": 0.05},
        "source": "assumption",
    },
    "space_license": {
        "value": {"none": 0.55, "mit": 0.2, "apache-2.0": 0.15, "openrail": 0.05, "other": 0.03, "cc-by-nc-4.0": 0.02},
        "source": "assumption: no spaces listing in ../shared/data",
    },
    "commits_of_datasets_and_spaces": {
        "value": "as models",
        "source": "assumption: the real commit records are of "
        "model repositories only; datasets and spaces follow the same figures",
    },
    "space_likes": {"value": "models.likes_log1p_quantiles", "source": "assumption: spaces liked like models"},
    "legacy_share": {
        "value": {"model": 0.003, "dataset": 0.005},
        "source": "assumption: the 2024 listings have none left (renamed), the paper's 2023 data had a few",
    },
    "space_owners": {"value": "models.owner_size_hist, overlap 0.6", "source": "assumption: no spaces listing"},
    "space_created_from": {
        "value": "2021-10",
        "source": "spaces launched in October 2021; month mix of models after that",
    },
    "org_share_by_owner_size": {
        "value": {"1": 0.04, "2-5": 0.12, "6-20": 0.3, "21-100": 0.6, "101+": 0.9},
        "source": "assumption: the listings do not say whether an owner is an organisation",
    },
    "owner_kind_recorded": {
        "value": "owners with >= 3 repositories, owners of models used by spaces, 30% of the rest",
        "source": "assumption (a collector records kinds for the owners it looks up)",
    },
    "developers_per_user_owner": {
        "value": 1.25,
        "source": "assumption: some developers only contribute to others' repositories",
    },
    "org_members": {"value": "1 + 0.5 * repositories^0.6, at most 200", "source": "assumption"},
    "coauthor_from_org_share": {
        "value": 0.6,
        "source": "assumption: co-authors of an organisation's repository are mostly its members",
    },
    "developer_activity_pareto_alpha": {
        "value": 0.7,
        "source": "assumption: heavy-tailed developer activity (core-periphery); set so that the isolate share approaches commits.isolate_author_share",
    },
    "gitname_use_probability": {
        "value": 0.8,
        "source": "assumption: a developer with a git name uses it in most commits",
    },
    "developer_activity_cap": {
        "value": 1e3,
        "source": "assumption: truncates the Pareto weights so that no single developer dominates at any scale",
    },
    "collaboration_owner_probit": {
        "value": 3.0,
        "source": "assumption, set so that the isolate share of "
        "commit authors approaches commits.isolate_author_share: co-authorship clusters by owner",
    },
    "collaboration_owner_size_weight": {
        "value": 0.6,
        "source": "assumption: co-authored repositories belong mostly to owners with many repositories",
    },
    "popularity_owner_weight": {"value": 0.3, "source": "assumption: share of popularity variance from the owner"},
    "license_popularity_probit": {
        "value": -0.35,
        "source": "assumption, direction from models.zero_downloads_share_(un)licensed",
    },
    "license_collaboration_probit": {
        "value": -0.3,
        "source": "assumption, set so that licensed model repositories "
        "are co-authored more often, as in commits.by_license",
    },
    "commits_popularity_correlation": {
        "value": 0.5,
        "source": "assumption: popular repositories have longer histories",
    },
    "used_models_big_org_boost": {
        "value": 30.0,
        "source": "assumption: the paper reports adoption concentrated in a handful of companies",
    },
    "space_usage_pareto_alpha": {"value": 1.2, "source": "assumption: a few spaces use many models"},
    "last_modified": {"value": "created + (snapshot - created) * U^0.5", "source": "assumption"},
    "model_downloads_all_time": {
        "value": None,
        "source": "not generated (the listing's downloads are the 30-day count)",
    },
}


def assumption(name: str) -> Any:
    """The value of assumption ``name`` (:data:`ASSUMPTIONS`)."""
    return ASSUMPTIONS[name]["value"]


class Targets:
    """Accessor for the committed calibration targets."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.figures = data["figures"]
        self.levels = np.asarray(data["meta"]["quantile_levels"], dtype=float)
        self.owner_bins = np.asarray(data["meta"]["owner_bins"], dtype=np.int64)

    def __call__(self, name: str) -> Any:
        try:
            return self.figures[name]["value"]
        except KeyError:
            raise SnapshotError(
                f"{calibrate.TARGETS_FILE}: no target {name!r}; rerun 'python -m analysis calibrate --write'"
            ) from None


def load_targets() -> Targets:
    p = calibrate.targets_path()
    if not p.exists():
        raise SnapshotError(f"{p}: missing calibration targets; run 'python -m analysis calibrate --write'")
    return Targets(calibrate.load_targets(p))


def targets_sha256() -> str:
    """The sha256 of the committed targets file (recorded in a synthetic snapshot's manifest)."""
    return sha256_file(calibrate.targets_path())
