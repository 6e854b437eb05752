"""Small, seeded source snapshots for serving through the fake Hub (collector tests, benchmark).

Not calibrated (that is :mod:`analysis.sources.synth`'s job): the point is to exercise every column
and edge case the collector must carry through the Hub's API and back: legacy ids without a
namespace, null and zero counts, gated values, licenses with and without a ``license:`` tag
already present, deleted discussion authors, multi-author commits, multi-page commits and
discussions, space->model edges, owner kinds, and (optionally) recorded failures.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from analysis.snapshot import Snapshot, write_snapshot

_T0 = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
_LICENSES = ["mit", "apache-2.0", "cc-by-4.0", "openrail", None, None]
_PIPE = ["text-generation", "image-classification", "fill-mask", None]
_STATUS = ["open", "closed", "merged", "draft"]


def _ts(rng: random.Random) -> dt.datetime:
    ms = rng.randrange(0, 3 * 365 * 86400 * 1000)
    return _T0 + dt.timedelta(milliseconds=ms)


def _repository(rng: random.Random, rt: str, i: int, everyone: list[str]) -> dict[str, Any]:
    """The ``i``-th repository of type ``rt``: a legacy id every 17th model, licenses with and
    without their tag, null and zero counts."""
    legacy = rt == "model" and i % 17 == 5
    owner = None if legacy else rng.choice(everyone)
    rname = f"{rt}-{i}-{rng.randrange(10**6):06d}"
    rid = rname if legacy else f"{owner}/{rname}"
    lic = rng.choice(_LICENSES)
    tags = [f"tag{rng.randrange(5)}"] if rng.random() < 0.8 else []
    if lic and rng.random() < 0.5:
        tags.append(f"license:{lic}")
    elif not lic and rng.random() < 0.05:
        tags = None
    created = _ts(rng)
    return {
        "id": rid,
        "owner": owner,
        "name": rname,
        "created_at": created,
        "last_modified": created + dt.timedelta(days=rng.randrange(0, 300)),
        "license": lic,
        "tags": tags,
        "pipeline_tag": rng.choice(_PIPE) if rt == "model" else None,
        "library_name": rng.choice(["transformers", "diffusers", None]) if rt == "model" else None,
        "sdk": rng.choice(["gradio", "streamlit", "docker"]) if rt == "space" else None,
        "likes": rng.choice([0, 0, 1, 3, 12, rng.randrange(1000), None]),
        "downloads": None if rt == "space" else rng.choice([0, 0, 0, 5, rng.randrange(10**6)]),
        "downloads_all_time": None if rt == "space" else rng.choice([None, rng.randrange(10**7)]),
        "private": rng.random() < 0.02,
        "gated": None if rt == "space" else rng.choice(["false", "false", "auto", "manual"]),
        "disabled": False,
        "sha": f"{rng.getrandbits(160):040x}",
    }


def _commits(rng: random.Random, repo: dict[str, Any], rt: str, mean: int, everyone: list[str]) -> list[dict]:
    """A repository's commits (about ``mean``, at most 400), some by the Hub's ``system``, some with two authors."""
    n_c = min(int(rng.expovariate(1 / mean)) if mean else 0, 400)
    out = []
    for c in range(n_c):
        authors = [rng.choice(everyone + ["system"])] + ([rng.choice(everyone)] if rng.random() < 0.1 else [])
        out.append(
            {
                "repo_type": rt,
                "repo_id": repo["id"],
                "commit_id": f"{rng.getrandbits(160):040x}",
                "date": repo["created_at"] + dt.timedelta(hours=c),
                "authors": authors,
                "title": rng.choice(["initial commit", "Upload model", f"Update README.md ({c})", ""]),
            }
        )
    return out


def _discussions(rng: random.Random, repo: dict[str, Any], rt: str, mean: int, everyone: list[str]) -> list[dict]:
    """A repository's discussions (about ``mean``, at most 200), some with a deleted author."""
    n_d = min(int(rng.expovariate(1 / mean)) if mean else 0, 200)
    return [
        {
            "repo_type": rt,
            "repo_id": repo["id"],
            "number": d,
            "author": None if rng.random() < 0.05 else rng.choice(everyone),
            "is_pull_request": rng.random() < 0.4,
            "status": rng.choice(_STATUS),
            "created_at": repo["created_at"] + dt.timedelta(days=d),
            "title": f"Discussion {d} ü",
        }
        for d in range(1, n_d + 1)
    ]


def _space_models(rng: random.Random, spaces: list[dict], models: list[dict]) -> list[dict]:
    """Edges from about 60% of the spaces to one to three of the first third of the models."""
    model_ids = [m["id"] for m in models]
    edges = []
    for s in spaces:
        if model_ids and rng.random() < 0.6:
            for m in sorted(set(rng.choices(model_ids[: max(1, len(model_ids) // 3)], k=rng.randrange(1, 4)))):
                edges.append({"space_id": s["id"], "model_id": m})
    return edges


def make_source(
    directory: str | Path,
    *,
    models: int = 30,
    datasets: int = 10,
    spaces: int = 10,
    seed: int = 0,
    commits_per_repo: int = 3,
    discussions_per_repo: int = 1,
    failures: list[dict[str, Any]] | None = None,
    snapshot_id: str | None = None,
) -> Snapshot:
    """Write a complete synthetic snapshot with the given number of repositories per type.

    ``commits_per_repo`` / ``discussions_per_repo`` are means (the counts vary per
    repository; some have none). ``failures`` rows go into ``fetch_log`` (the fake Hub
    then fails the matching requests).
    """
    rng = random.Random(seed)
    owners = [f"user{i}" for i in range(max(3, (models + datasets + spaces) // 8))]
    orgs = [f"org{i}" for i in range(max(2, (models + datasets + spaces) // 20))]
    everyone = owners + orgs
    tables: dict[str, list[dict]] = {name: [] for name in ("models", "datasets", "spaces", "commits", "discussions")}
    for name, count, rt in (
        ("models", models, "model"),
        ("datasets", datasets, "dataset"),
        ("spaces", spaces, "space"),
    ):
        for i in range(count):
            repo = _repository(rng, rt, i, everyone)
            tables[name].append(repo)
            tables["commits"] += _commits(rng, repo, rt, commits_per_repo, everyone)
            tables["discussions"] += _discussions(rng, repo, rt, discussions_per_repo, everyone)
    tables["space_models"] = _space_models(rng, tables["spaces"], tables["models"])
    tables["owners"] = [{"owner": o, "kind": "user"} for o in owners] + [
        {"owner": o, "kind": "organization"} for o in orgs
    ]
    data: dict[str, Any] = dict(tables)
    if failures:
        cols = ("step", "repo_type", "repo_id", "outcome", "reason", "http_status", "attempts", "source")
        data["fetch_log"] = [{c: f.get(c) for c in cols} for f in failures]
    return write_snapshot(
        directory,
        data,
        snapshot_id=snapshot_id,
        snapshot_date="2024-01-01",
        source_kind="synthetic",
        source_parameters={"generator": "fakehub.sources", "seed": seed},
    )
