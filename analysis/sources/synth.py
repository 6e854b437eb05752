"""The synthetic Hub: a deterministic, calibrated generator of complete snapshots.

``generate(out_dir, models=5000, seed=0, ...)`` writes a complete snapshot (every
table of :mod:`analysis.snapshot.schema`) whose marginals follow the targets derived from
the real records in ``../shared/data`` by :mod:`analysis.sources.calibrate` and
committed in ``analysis/resources/synth_targets.json`` (so the generator needs
no real data). Figures the real records do not have (spaces, discussions, owner
kinds, ...) are assumptions, listed with their reason in :data:`ASSUMPTIONS`.
:data:`CALIBRATED` says which target each part of the generator uses.

Determinism: every random draw comes from a numpy ``Generator`` seeded from
``(seed, component name[, chunk number])``; tables are written in a fixed order
with fixed chunk sizes, so the same parameters give byte-identical Parquet
files (and the same sha256 in the manifest).

Scale: everything is vectorised (numpy / pyarrow); the per-repository
numeric columns are held in memory (a few bytes per repository) and the big
tables (commits, discussions, repo_coverage, tags) are produced and written in
chunks, so 3,000,000 models with all tables fit in a few GB.

Commands
--------
``python -m analysis synth OUT_DIR --models N --seed S [--datasets ..] [--spaces ..] [--commits ..]
[--developers ..] [--space-edges ..] [--discussions ..] [--snapshot-date YYYY-MM-DD]``.
The bundled demo is ``python -m analysis synth data/snapshots/synthetic-demo --models 5000 --seed 0``
(remove the folder first: a complete snapshot is immutable); ``tests/test_synth.py`` checks that
the committed demo equals a fresh generation with the parameters in its manifest, and that the
targets it was generated from are the committed ones (regenerate it after changing either).

Model of the Hub (in brief)
---------------------------
- Owners: repositories per owner drawn from the real binned distribution;
  dataset and space owners overlap with model owners (largest with largest).
- Popularity: a Gaussian latent per repository (with an owner component) is
  mapped through the real quantile functions of downloads and likes (Gaussian
  copula with the real Spearman correlation), so the marginals (share of zeros,
  top-1% share) are the real ones.
- Licenses: the real mix; more popular models are somewhat more likely to be
  licensed (probit in the latent), keeping the overall no-license share.
- Commits: a repository's history starts with the Hub's initial commit by
  ``system`` in the real share of repositories that have a ``system`` commit
  (and in every repository with no other commit); otherwise the owner's
  primary developer made the first commit. Further commits and distinct authors follow the real commits-per-repository
  and single-author figures (more popular repositories get more); co-authors
  come from the owner organisation's members or from a heavy-tailed developer
  pool; developers commit under their username or a git name variant
  ("Joao Gante" for ``joaogante``, "j.doe" for ``jdoe``); bots convert weights.
- Space-model edges: the real share of models used by any space and the real
  distribution of spaces per used model; usage concentrates on popular models
  of a few big organisations.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis import arrays
from analysis.cli import OneLineParser
from analysis.snapshot import Snapshot, SnapshotError, SnapshotWriter, open_snapshot, sha256_file
from analysis.snapshot.lock import FolderLock
from analysis.snapshot.schema import coverage
from analysis.sources import calibrate

GENERATOR_VERSION = 1
PLACEHOLDER_CREATED_MS = int(dt.datetime.fromisoformat(calibrate.PLACEHOLDER_CREATED).timestamp() * 1000)
CALIBRATION_DATE = "2024-07-11"  # collection date of hub-2024-07/models.jsonl.gz; the default snapshot date
CHUNK = 200_000  # repositories per chunk of the big tables (fixed: part of determinism)
KINDS = ("model", "dataset", "space")  # repository types, in the order of the global repository index
#: Counts that, left at None, are scaled from ``models`` (keyword arguments of :func:`generate`).
SCALED_COUNTS = ("datasets", "spaces", "commits", "developers", "space_edges", "discussions")

# --------------------------------------------------------------------------- #
# where each figure comes from
# --------------------------------------------------------------------------- #

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


def _a(name: str) -> Any:
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


# --------------------------------------------------------------------------- #
# random helpers
# --------------------------------------------------------------------------- #


def _rng(seed: int, *parts: Any) -> np.random.Generator:
    key = [int(seed)] + [zlib.crc32(str(p).encode()) for p in parts]
    return np.random.default_rng(key)


def _ndtr(z: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(z)


def _ndtri(p: np.ndarray | float) -> np.ndarray | float:
    from scipy.special import ndtri

    return ndtri(p)


def _from_quantiles(u: np.ndarray, levels: np.ndarray, q: np.ndarray, *, log1p: bool = True) -> np.ndarray:
    v = np.interp(u, levels, q)
    x = np.expm1(v) if log1p else np.exp(v)
    return np.floor(x + 0.5).astype(np.int64)


def _categorical(rng: np.random.Generator, n: int, probs: np.ndarray) -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    c = np.cumsum(p / p.sum())
    c[-1] = 1.0
    return np.searchsorted(c, rng.random(n), side="right").astype(np.int32)


def _gumbel_top(rng: np.random.Generator, logw: np.ndarray, k: int) -> np.ndarray:
    """k indices sampled without replacement with weights exp(logw)."""
    k = min(k, logw.size)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    keys = logw + rng.gumbel(size=logw.size)
    idx = np.argpartition(-keys, k - 1)[:k]
    return idx[np.argsort(-keys[idx], kind="stable")]


_HEX = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")


def _hex_ids(rng: np.random.Generator, n: int, nbytes: int = 20) -> pa.Array:
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    s = np.ascontiguousarray(_HEX[raw]).view(f"S{2 * nbytes}").reshape(n)
    return pa.array(s, type=pa.binary()).cast(pa.string())


def _spacings(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
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


def _rank_pair(rng: np.random.Generator, key: np.ndarray, values: np.ndarray, rho: float) -> np.ndarray:
    """Assign ``values`` to positions so that they rank-correlate about ``rho`` with ``key``."""
    noisy = rho * key + np.sqrt(max(0.0, 1 - rho * rho)) * rng.standard_normal(key.size)
    out = np.empty_like(values)
    out[np.argsort(noisy, kind="stable")] = np.sort(values, kind="stable")
    return out


def _unit_hash(a: np.ndarray, b: np.ndarray, seed: int) -> np.ndarray:
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


def _distinct_git_names(git: pa.Array) -> pa.Array:
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


def _join(*parts: pa.Array, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def _strs(words: list[str] | tuple[str, ...]) -> pa.Array:
    return pa.array(list(words), type=pa.string())


def _dedupe(names: pa.Array, sep: str = "") -> pa.Array:
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
        arr[idx] = _join(pa.array(arr[idx], type=pa.string()), suffix, sep=sep).to_numpy(zero_copy_only=False)
    return pa.array(arr, type=pa.string())


# --------------------------------------------------------------------------- #
# vocabularies (fictional names)
# --------------------------------------------------------------------------- #

FIRST = (
    "joao",
    "maria",
    "wei",
    "li",
    "ahmed",
    "fatima",
    "john",
    "jane",
    "carlos",
    "ana",
    "yuki",
    "hiro",
    "olga",
    "ivan",
    "priya",
    "arjun",
    "chen",
    "mei",
    "lucas",
    "sofia",
    "omar",
    "leila",
    "david",
    "sarah",
    "pierre",
    "claire",
    "hans",
    "greta",
    "kofi",
    "amara",
    "diego",
    "lucia",
    "sven",
    "ingrid",
    "ravi",
    "anika",
    "tom",
    "emma",
    "noah",
    "mia",
    "felix",
    "nora",
    "samuel",
    "ines",
    "marco",
    "giulia",
    "kenji",
    "sakura",
    "pavel",
    "elena",
    "youssef",
    "nadia",
    "ali",
    "zara",
    "ben",
    "lea",
    "jonas",
    "ida",
    "mateo",
    "alba",
)
LAST = (
    "gante",
    "doe",
    "smith",
    "wang",
    "zhang",
    "kumar",
    "silva",
    "santos",
    "mueller",
    "schmidt",
    "tanaka",
    "suzuki",
    "ivanova",
    "petrov",
    "garcia",
    "martinez",
    "nguyen",
    "kim",
    "park",
    "lee",
    "rossi",
    "bianchi",
    "dubois",
    "martin",
    "okafor",
    "mensah",
    "hansen",
    "larsen",
    "novak",
    "kowalski",
    "haddad",
    "rahman",
    "cohen",
    "levi",
    "ferreira",
    "costa",
    "yilmaz",
    "demir",
    "patel",
    "shah",
    "brown",
    "wilson",
    "taylor",
    "moreau",
    "weber",
    "fischer",
    "sato",
    "ito",
    "lopez",
    "perez",
    "ali",
    "khan",
    "chen",
    "liu",
    "yang",
    "huang",
    "zhou",
    "wu",
    "xu",
    "sun",
)
LAST_A = (
    "ber",
    "kal",
    "mor",
    "san",
    "vel",
    "dor",
    "lin",
    "tor",
    "ash",
    "bren",
    "cas",
    "del",
    "fen",
    "gar",
    "hol",
    "kin",
    "lor",
    "mar",
    "nor",
    "pen",
    "ros",
    "sto",
    "tal",
    "var",
    "wen",
    "yor",
    "zan",
    "ols",
    "ric",
    "ter",
)
LAST_B = (
    "man",
    "son",
    "berg",
    "ford",
    "ton",
    "ley",
    "well",
    "stein",
    "ini",
    "ez",
    "ova",
    "escu",
    "ski",
    "ek",
    "oglu",
    "ura",
    "ani",
    "ides",
    "ou",
    "sen",
    "dottir",
    "ling",
    "wood",
    "field",
    "er",
    "ard",
    "ier",
    "ovic",
    "ak",
    "ino",
)
HANDLE = (
    "nightowl",
    "pixel",
    "tensor",
    "quantum",
    "neural",
    "byte",
    "vector",
    "gradient",
    "matrix",
    "kernel",
    "lambda",
    "sigma",
    "delta",
    "omega",
    "nova",
    "comet",
    "falcon",
    "tiger",
    "panda",
    "otter",
    "raven",
    "cobalt",
    "ember",
    "frost",
    "river",
    "stone",
    "cloud",
    "spark",
    "echo",
    "atlas",
)
ORG_A = (
    "open",
    "deep",
    "bright",
    "north",
    "blue",
    "red",
    "green",
    "swift",
    "clear",
    "prime",
    "neo",
    "meta",
    "hyper",
    "silver",
    "golden",
    "polar",
    "solar",
    "lunar",
    "rapid",
    "smart",
    "civic",
    "global",
    "local",
    "urban",
)
ORG_B = (
    "mind",
    "vision",
    "lang",
    "sense",
    "logic",
    "labs",
    "works",
    "forge",
    "scale",
    "wave",
    "path",
    "core",
    "stack",
    "field",
    "point",
    "grid",
    "loop",
    "sight",
    "tech",
    "data",
    "speech",
    "bio",
    "med",
    "robotics",
)
ORG_C = ("", "-ai", "ai", "-research", "-lab", "-nlp", "-community", "-org", "-uni", "-models")
MODEL_A = (
    "bert",
    "roberta",
    "distilbert",
    "gpt2",
    "llama",
    "mistral",
    "t5",
    "bart",
    "whisper",
    "wav2vec2",
    "vit",
    "resnet",
    "stable-diffusion",
    "clip",
    "deberta",
    "electra",
    "xlm-roberta",
    "falcon",
    "phi",
    "qwen",
    "gemma",
    "yolo",
    "detr",
    "segformer",
    "mt5",
    "pegasus",
    "sd-lora",
    "ppo",
    "dqn",
    "sentence-encoder",
)
MODEL_B = (
    "base",
    "large",
    "small",
    "tiny",
    "mini",
    "7b",
    "13b",
    "1b",
    "xl",
    "medium",
    "uncased",
    "cased",
    "multilingual",
    "en",
    "de",
    "fr",
    "zh",
    "ja",
    "es",
    "ar",
)
MODEL_C = (
    "finetuned",
    "squad",
    "imdb",
    "sst2",
    "ner",
    "lora",
    "gguf",
    "awq",
    "chat",
    "instruct",
    "dpo",
    "sft",
    "qlora",
    "merged",
    "distilled",
    "cartpole",
    "lunarlander",
    "emotion",
    "sentiment",
    "summarizer",
    "translator",
    "qa",
    "classifier",
    "detector",
    "dreambooth",
    "test",
    "demo",
    "final",
    "ckpt",
    "exp",
)
DATA_A = (
    "wiki",
    "news",
    "reviews",
    "code",
    "math",
    "dialogue",
    "instructions",
    "images",
    "speech",
    "medical",
    "legal",
    "tweets",
    "books",
    "qa",
    "captions",
    "prompts",
    "feedback",
    "translations",
    "papers",
    "recipes",
)
DATA_B = (
    "corpus",
    "dataset",
    "collection",
    "bench",
    "eval",
    "train",
    "clean",
    "filtered",
    "sample",
    "subset",
    "pairs",
    "raw",
    "processed",
    "small",
    "large",
    "mini",
    "full",
    "dedup",
    "split",
    "mix",
)
SPACE_A = (
    "chat",
    "image",
    "text",
    "voice",
    "music",
    "sketch",
    "story",
    "code",
    "photo",
    "video",
    "avatar",
    "translate",
    "summarize",
    "detect",
    "caption",
    "tts",
    "asr",
    "ocr",
    "paint",
    "anime",
)
SPACE_B = (
    "demo",
    "playground",
    "app",
    "arena",
    "studio",
    "bot",
    "generator",
    "tool",
    "explorer",
    "leaderboard",
    "viewer",
    "assistant",
    "lab",
    "hub",
    "space",
    "ui",
    "test",
    "try",
    "sandbox",
    "gallery",
)
RARE_LICENSES = (
    "cc-by-nc-nd-4.0",
    "bigcode-openrail-m",
    "gemma",
    "llama3",
    "afl-3.0",
    "bsl-1.0",
    "ecl-2.0",
    "ms-pl",
    "lppl-1.3c",
    "postgresql",
    "ncsa",
    "odbl",
    "osl-3.0",
    "wtfpl",
    "zlib",
    "eupl-1.1",
)
BOTS = ("SFconvertbot", "librarian-bot")
SYSTEM = "system"

COMMIT_TITLES = (
    "Upload folder using huggingface_hub",
    "Update README.md",
    "Upload model",
    "Add files",
    "Upload tokenizer",
    "Update config.json",
    "Upload 2 files",
    "Training in progress",
    "Upload pytorch_model.bin",
    "Create README.md",
    "Delete file",
    "Update model card",
)
COMMIT_TITLE_P = (0.3, 0.22, 0.1, 0.06, 0.05, 0.05, 0.05, 0.05, 0.04, 0.04, 0.02, 0.02)
BOT_COMMIT_TITLES = {
    "SFconvertbot": "Adding `safetensors` variant of this model",
    "librarian-bot": "Librarian Bot: Add base_model information to model",
}
DISCUSSION_TITLES = (
    "Update README.md",
    "How to use this model?",
    "Error when loading",
    "Great work!",
    "License question",
    "Add model card",
    "Request: larger version",
    "Fix typo",
    "Inference API not working",
    "Training details?",
    "Add evaluation results",
    "Update config.json",
)


# --------------------------------------------------------------------------- #
# parameters and plan
# --------------------------------------------------------------------------- #


@dataclass
class Params:
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


@dataclass
class Repos:
    """In-memory per-repository columns of one repository type."""

    kind: str
    n: int
    owner: np.ndarray  # int64 index into the owner pool, -1 = legacy id
    ids: pa.Array | None = None
    names: pa.Array | None = None
    created: np.ndarray | None = None  # ms
    last_modified: np.ndarray | None = None  # ms
    z: np.ndarray | None = None  # popularity latent
    likes: np.ndarray | None = None
    downloads: np.ndarray | None = None
    license: np.ndarray | None = None  # index into license vocabulary, -1 = none
    extra: dict[str, Any] = field(default_factory=dict)


def _owner_sizes(rng: np.random.Generator, T: Targets, prefix: str, total: int) -> np.ndarray:
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
        b = _categorical(rng, k, hist)
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


def _assign(rng: np.random.Generator, owners: np.ndarray, sizes: np.ndarray, n: int, legacy: int) -> np.ndarray:
    """Owner index per repository (legacy ids get -1), in random order."""
    out = np.concatenate([np.repeat(owners, sizes), np.full(legacy, -1, dtype=np.int64)])
    assert out.size == n, (out.size, n)
    return out[rng.permutation(n)]


def _month_sampler(shares: dict[str, float], since: str | None = None):
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


def _created(
    rng: np.random.Generator,
    n: int,
    T: Targets,
    prefix: str,
    snap_ms: int,
    *,
    since: str | None = None,
    placeholder: float | None = None,
) -> np.ndarray:
    p, starts, ends = _month_sampler(T(f"{prefix}.created_month_shares"), since)
    m = _categorical(rng, n, p)
    t = starts[m] + (rng.random(n) * (ends[m] - starts[m])).astype(np.int64)
    # move the calibration month mix to the snapshot date
    shift = snap_ms - int(dt.datetime.fromisoformat(CALIBRATION_DATE).replace(tzinfo=dt.UTC).timestamp() * 1000)
    t = t + shift
    ph = T(f"{prefix}.created_placeholder_share") if placeholder is None else placeholder
    if ph > 0:
        t = np.where(rng.random(n) < ph, PLACEHOLDER_CREATED_MS, t)
    return np.minimum(t, snap_ms - 60_000)


# --------------------------------------------------------------------------- #
# the generator
# --------------------------------------------------------------------------- #


class _Gen:
    def __init__(self, params: Params, T: Targets):
        self.p = params
        self.T = T
        self.seed = params.seed
        snap = dt.datetime.fromisoformat(params.snapshot_date).replace(tzinfo=dt.UTC)
        self.snap_ms = int(snap.timestamp() * 1000)

    def rng(self, *parts: Any) -> np.random.Generator:
        return _rng(self.seed, *parts)

    # ---------------------------------------------------------------- sizes
    def resolve(self) -> dict[str, Any]:
        p, T = self.p, self.T
        m = int(p.models)
        self.n = {
            "model": m,
            "dataset": int(p.datasets if p.datasets is not None else round(m * T("ratios.datasets_per_model"))),
            "space": int(p.spaces if p.spaces is not None else round(m * _a("spaces_per_model"))),
        }
        # global repository index: models, then datasets, then spaces (the order of KINDS)
        self.start = {"model": 0, "dataset": m, "space": m + self.n["dataset"]}
        n_repos = sum(self.n.values())
        mean_k = float(T("commits.per_repo_mean"))
        self.n_commits = int(p.commits if p.commits is not None else round(n_repos * (1 + mean_k)))
        self.n_edges = int(p.space_edges if p.space_edges is not None else round(m * T("model_spaces.edges_per_model")))
        if self.n["space"] == 0 or m == 0:
            self.n_edges = 0
        self.n_discussions = int(
            p.discussions if p.discussions is not None else round(n_repos * _a("discussions_per_repo"))
        )
        return {
            "models": m,
            "datasets": self.n["dataset"],
            "spaces": self.n["space"],
            "commits": self.n_commits,
            "space_edges": self.n_edges,
            "discussions": self.n_discussions,
        }

    # --------------------------------------------------------------- owners
    def owners(self) -> None:
        T = self.T
        rng = self.rng("owners")
        nm, nd, ns = self.n["model"], self.n["dataset"], self.n["space"]
        leg = _a("legacy_share")
        leg_m = int(round(nm * max(T("models.legacy_share"), leg["model"])))
        leg_d = int(round(nd * max(T("datasets.legacy_share"), leg["dataset"])))
        sm = _owner_sizes(rng, T, "models", nm - leg_m)
        sd = _owner_sizes(rng, T, "datasets", nd - leg_d)
        ss = _owner_sizes(rng, T, "models", ns)
        K = sm.size
        sizes_total = sm.astype(np.int64).copy()

        def overlap(sizes: np.ndarray, share: float, pool_sizes: np.ndarray, start: int):
            """Map owners of another type to existing owners (largest to largest) or new ones."""
            k = sizes.size
            ov = rng.random(k) < share
            n_ov = min(int(ov.sum()), pool_sizes.size)
            ov_idx = np.flatnonzero(ov)[:n_ov]
            chosen = _gumbel_top(rng, 0.5 * np.log(pool_sizes.astype(float) + 1), n_ov)
            chosen = chosen[np.argsort(-pool_sizes[chosen], kind="stable")]
            ov_idx = ov_idx[np.argsort(-sizes[ov_idx], kind="stable")]
            idx = np.empty(k, dtype=np.int64)
            idx[ov_idx] = chosen
            new = np.setdiff1d(np.arange(k), ov_idx)
            idx[new] = start + np.arange(new.size)
            return idx, new.size

        d_idx, d_new = overlap(sd, T("datasets.owner_overlap_share"), sizes_total, K)
        pool = np.concatenate([sizes_total, np.zeros(d_new, dtype=np.int64)])
        np.add.at(pool, d_idx, sd)
        s_idx, s_new = overlap(ss, 0.6, pool, pool.size)
        pool = np.concatenate([pool, np.zeros(s_new, dtype=np.int64)])
        np.add.at(pool, s_idx, ss)
        self.n_owners = pool.size
        self.owner_total = pool  # repositories of all types per owner

        self.repos = {
            "model": Repos("model", nm, _assign(rng, np.arange(K), sm, nm, leg_m)),
            "dataset": Repos("dataset", nd, _assign(rng, d_idx, sd, nd, leg_d)),
            "space": Repos("space", ns, _assign(rng, s_idx, ss, ns, 0)),
        }
        # kinds: organisations are more likely among large owners
        org_p = _a("org_share_by_owner_size")
        tot = pool
        p = np.select(
            [tot <= 1, tot <= 5, tot <= 20, tot <= 100],
            [org_p["1"], org_p["2-5"], org_p["6-20"], org_p["21-100"]],
            org_p["101+"],
        )
        self.is_org = rng.random(self.n_owners) < p
        self.owner_effect = rng.standard_normal(self.n_owners)
        # developers: every user owner is a developer; extra contributors after them
        users = np.flatnonzero(~self.is_org)
        n_user = users.size
        D = self.p.developers
        if D is None:
            D = int(np.ceil(n_user * _a("developers_per_user_owner"))) + len(FIRST)
        self.n_dev = max(int(D), 1)
        # developer index of each user owner (owners beyond the pool share developers)
        self.user_dev = np.full(self.n_owners, -1, dtype=np.int64)
        order = users[np.argsort(-tot[users], kind="stable")]
        self.user_dev[order] = np.arange(n_user) % self.n_dev
        self._names(rng, order)

    def _names(self, rng: np.random.Generator, user_order: np.ndarray) -> None:
        D = self.n_dev
        f = rng.integers(0, len(FIRST), D)
        h = rng.integers(0, len(HANDLE), D)
        num = pa.array(rng.integers(1, 100, D).astype(str))
        # last names: common ones, or composed from two syllables (about 1,000 in all)
        last_i = rng.integers(0, len(LAST), D)
        la, lb = rng.integers(0, len(LAST_A), D), rng.integers(0, len(LAST_B), D)
        composed = _join(_strs(LAST_A).take(pa.array(la)), _strs(LAST_B).take(pa.array(lb)))
        F = _strs(FIRST).take(pa.array(f))
        L = pc.if_else(pa.array(rng.random(D) < 0.5), _strs(LAST).take(pa.array(last_i)), composed)
        Fc, Lc = pc.utf8_capitalize(F), pc.utf8_capitalize(L)
        F1 = pc.utf8_slice_codeunits(F, 0, 1)
        styles = [
            _join(F, L),  # joaogante
            _join(F1, L),  # jgante
            _join(F, L, sep="-"),  # joao-gante
            _join(F, L, num),  # joaogante42
            _join(_strs(HANDLE).take(pa.array(h)), num),  # nightowl42 (no link to the real name)
            _join(F, L, sep="_"),  # joao_gante
        ]
        style = _categorical(rng, D, [0.3, 0.15, 0.15, 0.15, 0.15, 0.1])
        gits = [
            _join(Fc, Lc, sep=" "),  # Joao Gante
            _join(F1, L, sep="."),  # j.gante
            _join(Fc, Lc, sep=" "),
            _join(Fc, Lc, sep=" "),
            _join(Fc, Lc, sep=" "),
            _join(F, L, sep="."),  # joao.gante
        ]
        sel = pa.array(style.astype(np.int64) * D + np.arange(D))
        user = pa.concat_arrays(styles).take(sel)
        git = _distinct_git_names(pa.concat_arrays(gits).take(sel))
        # organisations
        n_org = self.n_owners
        oa, ob, oc = (rng.integers(0, len(x), n_org) for x in (ORG_A, ORG_B, ORG_C))
        org = _join(_strs(ORG_A).take(pa.array(oa)), _strs(ORG_B).take(pa.array(ob)), _strs(ORG_C).take(pa.array(oc)))
        # owner names: users take their developer's username, organisations their own
        owner_names = np.asarray(org.to_numpy(zero_copy_only=False), dtype=object)
        devnames = np.asarray(user.to_numpy(zero_copy_only=False), dtype=object)
        # uniqueness over developers + organisations (+ reserved names)
        allnames = pa.array(
            np.concatenate([np.array([SYSTEM, *BOTS], dtype=object), devnames, owner_names[self.is_org]]),
            type=pa.string(),
        )
        allnames = _dedupe(allnames).to_numpy(zero_copy_only=False)
        r = 1 + len(BOTS)
        devnames = allnames[r : r + D]
        owner_names[self.is_org] = allnames[r + D :]
        users = ~self.is_org
        owner_names[users] = devnames[self.user_dev[users]]
        # user owners beyond the developer pool would share a name: make them unique too
        if (self.user_dev[users] >= 0).any() and int(users.sum()) > D:
            owner_names = _dedupe(pa.array(owner_names, type=pa.string()), sep="").to_numpy(zero_copy_only=False)
        self.dev_user = pa.array(devnames, type=pa.string())
        # git names: only for developers flagged as committing under a git name
        flagged = rng.random(D) < float(self.T("commits.gitname_author_share"))
        self.dev_git = pc.if_else(pa.array(flagged), git, self.dev_user)
        self.dev_flag = flagged
        self.owner_names = pa.array(owner_names, type=pa.string())
        # developer activity weights (heavy-tailed) for co-authors and discussions
        alpha = _a("developer_activity_pareto_alpha")
        w = np.minimum((1.0 - rng.random(D)) ** (-1.0 / alpha), _a("developer_activity_cap"))
        self.dev_cum = np.cumsum(w) / w.sum()
        # organisation members: a block of developers
        size = self.owner_total.astype(float)
        self.org_members = np.where(self.is_org, np.minimum(1 + np.floor(0.5 * size**0.6), 200), 1).astype(np.int64)
        self.org_start = rng.integers(0, D, n_org)

    def collab_latent(self, owner: np.ndarray) -> np.ndarray:
        """Per repository: the owner's propensity to collaborate, standardised over the given repositories.

        It mixes chance with the owner's size (teams and organisations with many repositories
        collaborate; most small owners work alone).
        """
        if owner.size == 0:
            return np.zeros(0)
        if not hasattr(self, "_collab"):
            self._collab = self.rng("owner-collab").standard_normal(self.n_owners + 1)
            self._collab_size = np.log(np.append(self.owner_total, 1).astype(float))
        oi = np.where(owner < 0, self.n_owners, owner)
        size = self._collab_size[oi]
        g = _a("collaboration_owner_size_weight")
        zs = (size - size.mean()) / (size.std() or 1.0)
        c = np.sqrt(1 - g) * self._collab[oi] + np.sqrt(g) * zs
        return (c - c.mean()) / (c.std() or 1.0)

    def pick_devs(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self.dev_cum, rng.random(n), side="right"), self.n_dev - 1)

    # ---------------------------------------------------------------- repos
    def _popularity(self, R: Repos, rng: np.random.Generator) -> np.ndarray:
        w = _a("popularity_owner_weight")
        eff = np.where(R.owner >= 0, self.owner_effect[np.maximum(R.owner, 0)], rng.standard_normal(R.n))
        return np.sqrt(1 - w) * rng.standard_normal(R.n) + np.sqrt(w) * eff

    def repo_numbers(self) -> None:
        T = self.T
        for kind, prefix in (("model", "models"), ("dataset", "datasets"), ("space", None)):
            R = self.repos[kind]
            rng = self.rng("repo", kind)
            R.z = self._popularity(R, rng)
            lp = prefix or "models"  # spaces: models' likes (assumption space_likes)
            rho_s = float(T(f"{lp}.spearman_likes_downloads"))
            rho = 2 * np.sin(np.pi * rho_s / 6)
            zl = rho * R.z + np.sqrt(1 - rho * rho) * rng.standard_normal(R.n)
            R.likes = _from_quantiles(_ndtr(zl), T.levels, np.asarray(T(f"{lp}.likes_log1p_quantiles")))
            if prefix:
                R.downloads = _from_quantiles(
                    _ndtr(R.z), T.levels, np.asarray(T(f"{prefix}.downloads_log1p_quantiles"))
                )
            if kind == "space":  # the models' month mix since spaces launched (assumption space_created_from)
                R.created = _created(
                    rng, R.n, T, "models", self.snap_ms, since=_a("space_created_from"), placeholder=0.0
                )
            else:
                R.created = _created(rng, R.n, T, prefix, self.snap_ms)

        for kind in ("model", "dataset"):
            R = self.repos[kind]
            R.created = np.where(R.owner < 0, PLACEHOLDER_CREATED_MS, R.created)  # legacy ids predate 2022-03
        for kind, R in self.repos.items():
            # last modified = the last commit (commits are spread between creation and it)
            rng = self.rng("last_modified", kind)
            R.last_modified = R.created + (np.sqrt(rng.random(R.n)) * (self.snap_ms - R.created)).astype(np.int64)

    # ---------------------------------------------------------------- names
    def repo_ids(self) -> None:
        words = {"model": (MODEL_A, MODEL_B, MODEL_C), "dataset": (DATA_A, DATA_B), "space": (SPACE_A, SPACE_B)}
        for kind, R in self.repos.items():
            rng = self.rng("names", kind)
            parts = [_strs(w).take(pa.array(rng.integers(0, len(w), R.n))) for w in words[kind]]
            name = _join(*parts, sep="-")
            owner = self.owner_names.take(pa.array(np.maximum(R.owner, 0)))
            rid = pc.if_else(pa.array(R.owner < 0), name, _join(owner, name, sep="/"))
            R.ids = _dedupe(rid, sep="-")
            R.names = pc.replace_substring_regex(R.ids, "^[^/]*/", "")

    # ---------------------------------------------------------- categorical
    def _licenses(self, R: Repos, rng: np.random.Generator, prefix: str) -> None:
        T = self.T
        shares = T(f"{prefix}.license_shares")
        other = float(T(f"{prefix}.license_other_share"))
        vocab = list(shares) + [x for x in RARE_LICENSES if x not in shares]
        n_rare = len(vocab) - len(shares)
        p = np.concatenate(
            [
                np.asarray(list(shares.values())) / sum(shares.values()) * (1 - other),
                np.full(n_rare, other / max(n_rare, 1)),
            ]
        )
        b = _a("license_popularity_probit")
        b2 = _a("license_collaboration_probit")
        a = _ndtri(float(T(f"{prefix}.no_license_share"))) * np.sqrt(1 + b * b + b2 * b2)
        none = rng.random(R.n) < _ndtr(a + b * R.z + b2 * self.collab_latent(R.owner))
        lic = _categorical(rng, R.n, p)
        R.license = np.where(none, -1, lic).astype(np.int32)
        R.extra["license_vocab"] = vocab

    def categorical_columns(self) -> None:
        T = self.T
        for kind, prefix in (("model", "models"), ("dataset", "datasets")):
            R = self.repos[kind]
            rng = self.rng("categorical", kind)
            self._licenses(R, rng, prefix)
            g = {("none" if k in ("none", "null") else k): v for k, v in T(f"{prefix}.gated_shares").items()}
            R.extra["gated_vocab"] = list(g)
            R.extra["gated"] = _categorical(rng, R.n, list(g.values()))
        M = self.repos["model"]
        rng = self.rng("categorical", "model-tags")
        for col in ("pipeline_tag", "library_name"):
            sh = T(f"models.{col}_shares")
            vocab = list(sh)
            p = list(sh.values())
            if "None" not in sh:
                vocab.append("None")
                p.append(0.0)
            p[vocab.index("None")] += max(0.0, 1 - sum(p))
            M.extra[col + "_vocab"] = vocab
            M.extra[col] = _categorical(rng, M.n, p)
        S = self.repos["space"]
        rng = self.rng("categorical", "space")
        sdk = _a("space_sdk_shares")
        S.extra["sdk_vocab"] = list(sdk)
        S.extra["sdk"] = _categorical(rng, S.n, list(sdk.values()))
        sl = _a("space_license")
        vocab = list(sl)
        lic = _categorical(rng, S.n, list(sl.values()))
        S.extra["license_vocab"] = [v for v in vocab if v != "none"]
        none_i = vocab.index("none")
        S.license = np.where(lic == none_i, -1, lic - (lic > none_i)).astype(np.int32)

    # --------------------------------------------------------------- writing
    def _tags(self, kind: str, R: Repos, lo: int, hi: int, rng: np.random.Generator) -> pa.Array:
        """Tags in the API's style, consistent with license / pipeline_tag / library_name."""
        T = self.T
        m = hi - lo
        cols: list[np.ndarray] = []
        vocab: list[str] = []

        def add_vocab(words: list[str]) -> int:
            base = len(vocab)
            vocab.extend(words)
            return base

        if kind == "model":
            lib_v, pt_v = R.extra["library_name_vocab"], R.extra["pipeline_tag_vocab"]
            b = add_vocab(lib_v)
            lib = R.extra["library_name"][lo:hi]
            cols.append(np.where(np.asarray(lib_v, dtype=object)[lib] == "None", -1, b + lib))
            skip = set(lib_v) | set(pt_v)
            extras = {k: v for k, v in T("models.tag_shares").items() if k not in skip}
        elif kind == "dataset":
            extras = dict(T("datasets.task_category_shares"))
            extras.update({k: v for k, v in T("datasets.tag_shares").items()})
        else:
            sdk_v = R.extra["sdk_vocab"]
            b = add_vocab(sdk_v)
            cols.append(b + R.extra["sdk"][lo:hi])
            extras = {}
        if extras:
            names = list(extras)
            b = add_vocab(names)
            u = rng.random((m, len(names)))
            hit = u < np.asarray(list(extras.values()))[None, :]
            cols.extend(np.where(hit[:, j], b + j, -1) for j in range(len(names)))
        if kind == "model":
            b = add_vocab(pt_v)
            pt = R.extra["pipeline_tag"][lo:hi]
            cols.append(np.where(np.asarray(pt_v, dtype=object)[pt] == "None", -1, b + pt))
        lv = R.extra["license_vocab"]
        b = add_vocab([f"license:{x}" for x in lv])
        li = R.license[lo:hi]
        cols.append(np.where(li < 0, -1, b + li))
        b = add_vocab(["region:us"])
        cols.append(np.full(m, b))
        mat = np.stack([c.astype(np.int32) for c in cols], axis=1)
        mask = mat >= 0
        offsets = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.int32)
        values = pa.array(vocab, type=pa.string()).take(pa.array(mat[mask]))
        return pa.ListArray.from_arrays(pa.array(offsets), values)

    def write_repos(self, w: SnapshotWriter) -> None:
        table = {"model": "models", "dataset": "datasets", "space": "spaces"}
        for kind, R in self.repos.items():
            app = w.open_table(table[kind])
            for ci, lo in enumerate(range(0, R.n, CHUNK)):
                hi = min(R.n, lo + CHUNK)
                rng = self.rng("table", kind, ci)
                m = hi - lo
                created = R.created[lo:hi]
                lm = R.last_modified[lo:hi]
                lv = R.extra["license_vocab"]
                li = R.license[lo:hi]
                lic = pa.array(np.asarray(lv + [None], dtype=object)[np.where(li < 0, len(lv), li)], type=pa.string())
                owner = R.owner[lo:hi]
                cols: dict[str, Any] = {
                    "id": R.ids.slice(lo, m),
                    "owner": pc.if_else(
                        pa.array(owner < 0),
                        pa.scalar(None, pa.string()),
                        self.owner_names.take(pa.array(np.maximum(owner, 0))),
                    ),
                    "name": R.names.slice(lo, m),
                    "created_at": pa.array(created, type=pa.timestamp("ms", tz="UTC")),
                    "last_modified": pa.array(lm, type=pa.timestamp("ms", tz="UTC")),
                    "license": lic,
                    "tags": self._tags(kind, R, lo, hi, rng),
                    "likes": pa.array(R.likes[lo:hi]),
                    "private": pa.array(np.zeros(m, dtype=bool)),
                    "disabled": pa.array(np.zeros(m, dtype=bool)),
                    "sha": _hex_ids(rng, m),
                }
                if kind == "model":
                    for col in ("pipeline_tag", "library_name"):
                        v = R.extra[col + "_vocab"]
                        arr = np.asarray([None if x == "None" else x for x in v], dtype=object)[R.extra[col][lo:hi]]
                        cols[col] = pa.array(arr, type=pa.string())
                if kind in ("model", "dataset"):
                    cols["downloads"] = pa.array(R.downloads[lo:hi])
                    gv = np.asarray([None if x == "none" else x for x in R.extra["gated_vocab"]], dtype=object)
                    cols["gated"] = pa.array(gv[R.extra["gated"][lo:hi]], type=pa.string())
                else:
                    cols["sdk"] = pa.array(
                        np.asarray(R.extra["sdk_vocab"], dtype=object)[R.extra["sdk"][lo:hi]], type=pa.string()
                    )
                    cols["gated"] = pa.array(np.full(m, "false", dtype=object), type=pa.string())
                app.write(pa.table(cols))
            app.close()

    # ---------------------------------------------------------- space edges
    def space_edges(self) -> None:
        T = self.T
        M, S = self.repos["model"], self.repos["space"]
        rng = self.rng("space_edges")
        E = self.n_edges
        self.model_indeg = np.zeros(M.n, dtype=np.int64)
        self.space_outdeg = np.zeros(S.n, dtype=np.int64)
        if E <= 0:
            self.edges = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
            return
        cap = max(1, S.n)  # a model can be used by every space
        n_used = int(min(max(1, round(float(T("model_spaces.used_share")) * M.n), -(-E // cap)), E, M.n))
        q = np.asarray(T("model_spaces.degree_log_quantiles_used"))
        deg = np.maximum(1, _from_quantiles(rng.random(n_used), T.levels, q, log1p=False)).astype(float)
        deg = deg * (E / deg.sum())
        deg = np.floor(deg + rng.random(n_used)).astype(np.int64)
        deg = np.clip(deg, 1, cap)
        for _ in range(50):  # make the total exact (bounded)
            diff = E - int(deg.sum())
            if diff == 0:
                break
            if diff > 0:
                room = np.flatnonzero(deg < cap)
                if room.size == 0:
                    break
                pick = room[_categorical(rng, diff, deg[room].astype(float))]
                np.add.at(deg, pick, 1)
                deg = np.minimum(deg, cap)
            else:
                over = np.flatnonzero(deg > 1)
                if over.size == 0:
                    break
                pick = over[_categorical(rng, -diff, deg[over].astype(float))]
                np.subtract.at(deg, pick, 1)
                deg = np.maximum(deg, 1)
        # which models: popular ones, strongly favouring a few big organisations
        orgs = np.flatnonzero(self.is_org)
        k_big = max(3, int(round(max(orgs.size, 1) ** 0.35)))
        big = orgs[np.argsort(-self.owner_total[orgs], kind="stable")[:k_big]]
        is_big = np.isin(M.owner, big)
        logw = 1.0 * M.z + np.where(is_big, np.log(_a("used_models_big_org_boost")), 0.0)
        used = _gumbel_top(rng, logw, n_used)
        order = np.argsort(-(logw[used] + rng.gumbel(size=used.size)), kind="stable")
        self.model_indeg[used[order]] = np.sort(deg)[::-1]
        # which spaces: heavy-tailed, a few use many models
        alpha = _a("space_usage_pareto_alpha")
        ws = (1.0 - rng.random(S.n)) ** (-1.0 / alpha)
        cum = np.cumsum(ws) / ws.sum()
        need = self.model_indeg.copy()
        seen = np.zeros(0, dtype=np.int64)
        for round_ in range(16):  # weighted draws, then uniform ones for what the weights cannot reach
            if need.sum() == 0:
                break
            mi = np.repeat(np.arange(M.n), need)
            if round_ < 8:
                si = np.minimum(np.searchsorted(cum, rng.random(mi.size), side="right"), S.n - 1)
            else:
                si = rng.integers(0, S.n, mi.size)
            key = si.astype(np.int64) * M.n + mi
            key = np.setdiff1d(arrays.unique(key), seen, assume_unique=True)
            seen = np.union1d(seen, key)
            got = np.bincount(key % M.n, minlength=M.n)
            need = need - got
            # over-filled models (duplicates resolved) are trimmed by the unique above; never negative
            need = np.maximum(need, 0)
        if need.sum():  # the last few: exactly, among the spaces a model does not have yet (bounded)
            extra = []
            by_model = seen[np.argsort(seen % M.n, kind="stable")]
            bm = by_model % M.n
            for j in np.flatnonzero(need)[:100_000]:
                lo_, hi_ = np.searchsorted(bm, j), np.searchsorted(bm, j, side="right")
                free = np.setdiff1d(np.arange(S.n), by_model[lo_:hi_] // M.n)
                pick = rng.choice(free, size=min(int(need[j]), free.size), replace=False)
                extra.append(pick.astype(np.int64) * M.n + j)
            if extra:
                seen = np.union1d(seen, np.concatenate(extra))
        sm, mm = seen // M.n, seen % M.n
        self.edges = (sm, mm)
        self.model_indeg = np.bincount(mm, minlength=M.n).astype(np.int64)
        self.space_outdeg = np.bincount(sm, minlength=S.n).astype(np.int64)
        self.n_edges = int(seen.size)

    def write_space_edges(self, w: SnapshotWriter) -> None:
        S, M = self.repos["space"], self.repos["model"]
        sm, mm = self.edges  # sorted by (space, model) already
        app = w.open_table("space_models")
        for lo in range(0, sm.size, CHUNK * 5):
            hi = min(sm.size, lo + CHUNK * 5)
            app.write(
                pa.table({"space_id": S.ids.take(pa.array(sm[lo:hi])), "model_id": M.ids.take(pa.array(mm[lo:hi]))})
            )
        app.close()

    # -------------------------------------------------------------- commits
    def _all(self, attr: str) -> np.ndarray:
        return np.concatenate([getattr(self.repos[k], attr) for k in KINDS])

    def _repo_columns(self, sel: np.ndarray, rep: np.ndarray) -> dict[str, pa.Array]:
        """The repo_type and repo_id columns of rows of repositories ``sel[rep]``.

        ``sel``: ascending global repository indices (models, then datasets, then spaces).
        """
        offs = np.asarray([self.start[k] for k in KINDS])
        types = np.searchsorted(offs[1:], sel, side="right")
        rid = pa.concat_arrays(
            [self.repos[k].ids.take(pa.array(sel[types == t] - offs[t])) for t, k in enumerate(KINDS)]
        )
        rtype = pa.array(np.asarray(KINDS, dtype=object)[types], type=pa.string())
        return {"repo_type": rtype.take(pa.array(rep)), "repo_id": rid.take(pa.array(rep))}

    def plan_commits(self) -> None:
        T = self.T
        rng = self.rng("commits-plan")
        N = sum(self.n.values())
        C = self.n_commits
        mean_k = float(T("commits.per_repo_mean"))
        if C >= N:
            covered = np.ones(N, dtype=bool)
        else:
            n_cov = int(C // (1 + mean_k)) if C >= 1 + mean_k else min(C, N)
            covered = np.zeros(N, dtype=bool)
            covered[rng.choice(N, size=n_cov, replace=False)] = True
        n_cov = int(covered.sum())
        X = C - n_cov  # commits besides the initial ones
        hist = T("commits.per_repo_hist")
        vals = np.asarray([int(k) for k in hist], dtype=np.int64)
        probs = np.asarray(list(hist.values()), dtype=float)
        k = vals[_categorical(rng, n_cov, probs)]
        tail = k >= vals.max()  # the open bin: Pareto beyond it
        k[tail] = np.floor(vals.max() * (1 - rng.random(int(tail.sum()))) ** (-1 / 1.5)).astype(np.int64)
        k = np.minimum(k, 100_000)
        if X <= 0:
            k[:] = 0
        else:
            kf = k * (X / k.sum())
            k = np.floor(kf + rng.random(n_cov)).astype(np.int64)
            for _ in range(50):
                diff = X - int(k.sum())
                if diff == 0:
                    break
                if diff > 0:
                    pick = _categorical(rng, diff, k.astype(float) + 1.0)
                    np.add.at(k, pick, 1)
                else:
                    pos = np.flatnonzero(k > 0)
                    pick = pos[_categorical(rng, min(-diff, pos.size), k[pos].astype(float))]
                    np.subtract.at(k, pick, 1)
                    k = np.maximum(k, 0)
        z = self._all("z")[covered]
        k = _rank_pair(rng, z, k, _a("commits_popularity_correlation"))
        # distinct human authors
        single = T("commits.single_author_share_by_commits")
        bucket = np.select(
            [k <= 1, k == 2, k <= 5, k <= 10], [single["1"], single["2"], single["3-5"], single["6-10"]], single["11+"]
        )
        ah = {int(a): c for a, c in T("commits.authors_per_repo_hist").items() if int(a) >= 2}
        multi_a = np.asarray(list(ah), dtype=np.int64)[_categorical(rng, n_cov, list(ah.values()))]
        # collaboration clusters by owner: some owners' repositories are mostly co-authored, most owners'
        # never (probit in an owner latent; the share per commits bucket stays the calibrated one)
        c = self.collab_latent(self._all("owner")[covered])
        beta = _a("collaboration_owner_probit")
        thr = _ndtri(np.clip(bucket, 1e-9, 1 - 1e-9)) * np.sqrt(1 + beta * beta)
        single_ = rng.standard_normal(n_cov) * 1.0 < thr - beta * c
        a = np.where(single_, 1, multi_a)
        a = np.where(k == 0, 0, np.minimum(a, np.maximum(k, 1)))
        # bots: replace the last commit of a few repositories
        bot = (k >= 2) & (rng.random(n_cov) < max(float(T("commits.bot_repo_share")), 0.002))
        a = np.where(bot, np.minimum(a, k - 1), a)
        kk = np.zeros(N, dtype=np.int64)
        aa = np.zeros(N, dtype=np.int64)
        bb = np.zeros(N, dtype=bool)
        kk[covered], aa[covered], bb[covered] = k, a, bot
        self.c_covered, self.c_k, self.c_a, self.c_bot = covered, kk, aa, bb
        # a repository whose only commit is the initial one was last modified when created
        for kind in KINDS:
            R, s = self.repos[kind], self.start[kind]
            only = covered[s : s + R.n] & (kk[s : s + R.n] == 0)
            R.last_modified = np.where(only, R.created, R.last_modified)
        frac = float((k * (a >= 2)).sum()) / max(float(k.sum()), 1.0)
        self.p_multi = min(1.0, float(T("commits.multi_author_commit_share")) / frac) if frac > 0 else 0.0
        # primary developer of every repository
        owner = self._all("owner")
        rng2 = self.rng("primary")
        o = np.maximum(owner, 0)
        org_member = (self.org_start[o] + rng2.integers(0, 1 << 30, N) % self.org_members[o]) % self.n_dev
        primary = np.where(self.is_org[o], org_member, self.user_dev[o])
        self.primary = np.where(owner < 0, self.pick_devs(rng2, N), primary)

    def write_commits(self, w: SnapshotWriter) -> None:
        T = self.T
        app = w.open_table("commits")
        owner_all = self._all("owner")
        created_all = self._all("created")
        lm_all = self._all("last_modified")
        N = owner_all.size
        titles = pa.array(["initial commit", *COMMIT_TITLES, *BOT_COMMIT_TITLES.values()], type=pa.string())
        user_or_git = pa.concat_arrays([self.dev_user, self.dev_git, pa.array([SYSTEM, *BOTS], type=pa.string())])
        D = self.n_dev
        for ci, lo in enumerate(range(0, N, CHUNK)):
            hi = min(N, lo + CHUNK)
            rng = self.rng("commits", ci)
            sel = np.arange(lo, hi)[self.c_covered[lo:hi]]
            if sel.size == 0:
                continue
            k, a, bot = self.c_k[sel], self.c_a[sel], self.c_bot[sel]
            n_rows = k + 1
            total = int(n_rows.sum())
            rep = np.repeat(np.arange(sel.size), n_rows)
            starts = np.concatenate([[0], np.cumsum(n_rows)[:-1]])
            pos = np.arange(total) - starts[rep]  # 0 = initial commit
            j = pos - 1
            ar = np.maximum(a[rep], 1)
            slot = np.where(j < ar, j, rng.integers(0, 1 << 30, total) % ar)
            # the author behind each slot of a repository: slot 0 is the primary developer; slots >= 1 are
            # fixed per (repository, slot): a member of the owning organisation or one from the weighted pool
            repo_g = sel[rep].astype(np.uint64)
            o = np.maximum(owner_all[sel], 0)
            is_org = (self.is_org[o] & (owner_all[sel] >= 0))[rep]
            members = self.org_members[o][rep]
            start = self.org_start[o][rep]
            primary = self.primary[sel][rep]

            def author_of(sl: np.ndarray) -> np.ndarray:
                u1 = _unit_hash(repo_g, sl.astype(np.uint64) * np.uint64(3) + np.uint64(1), self.seed)
                u2 = _unit_hash(repo_g, sl.astype(np.uint64) * np.uint64(3) + np.uint64(2), self.seed)
                member = (start + np.floor(u1 * members).astype(np.int64)) % D
                pool = np.minimum(np.searchsorted(self.dev_cum, u1, side="right"), D - 1)
                co = np.where(is_org & (u2 < _a("coauthor_from_org_share")), member, pool)
                return np.where(sl == 0, primary, co)

            dev = author_of(slot)
            # author strings: username or git name; system first; bots last
            gitp = _a("gitname_use_probability")
            # the identity a developer commits under is fixed per repository (the local git config):
            # a flagged developer uses the git name in most repositories, the username in the others
            use_git = self.dev_flag[dev] & (_unit_hash(repo_g, dev, self.seed) < gitp)
            a_idx = np.where(use_git, D + dev, dev)
            is_bot_row = bot[rep] & (pos == k[rep])
            is_model = sel[rep] < self.n["model"]
            bot_which = np.where(is_model, (sel[rep] % 10 < 7).astype(np.int64) ^ 1, 1)  # 0 = SFconvertbot
            # the initial commit: by 'system' in the real share of repositories (always when no other
            # commit follows), else by the primary developer under the name used in this repository
            has_sys = (k[rep] == 0) | (
                _unit_hash(repo_g, np.uint64(7), self.seed) < float(T("commits.system_repo_share"))
            )
            prim_git = self.dev_flag[primary] & (_unit_hash(repo_g, primary, self.seed) < gitp)
            first_idx = np.where(has_sys, 2 * D, np.where(prim_git, D + primary, primary))
            a_idx = np.where(pos == 0, first_idx, np.where(is_bot_row, 2 * D + 1 + bot_which, a_idx))
            # a second author on some commits
            second_dev = author_of((slot + 1) % ar)
            multi = (pos > 0) & ~is_bot_row & (a[rep] >= 2) & (rng.random(total) < self.p_multi) & (second_dev != dev)
            sec = np.where(
                self.dev_flag[second_dev] & (_unit_hash(repo_g, second_dev, self.seed) < gitp),
                D + second_dev,
                second_dev,
            )
            cnt = 1 + multi.astype(np.int64)
            offsets = np.concatenate([[0], np.cumsum(cnt)]).astype(np.int32)
            vals = np.empty(int(cnt.sum()), dtype=np.int64)
            first_pos = offsets[:-1]
            vals[first_pos] = a_idx
            vals[first_pos[multi] + 1] = sec[multi]
            authors = pa.ListArray.from_arrays(pa.array(offsets), user_or_git.take(pa.array(vals)))
            # dates: the initial commit at creation, others spread until the snapshot date
            cr = created_all[sel]
            frac = _spacings(rng, k)
            d = np.empty(total, dtype=np.int64)
            d[pos == 0] = cr
            rest = pos > 0
            lmod = lm_all[sel]
            d[rest] = cr[rep[rest]] + (frac * (lmod - cr)[rep[rest]]).astype(np.int64)
            last = (pos == k[rep]) & rest
            d[last] = lmod[rep[last]]  # the last commit is the repository's last modification
            t_idx = 1 + _categorical(rng, total, COMMIT_TITLE_P)
            t_idx = np.where(pos == 0, 0, np.where(is_bot_row, 1 + len(COMMIT_TITLES) + bot_which, t_idx))
            app.write(
                pa.table(
                    {
                        **self._repo_columns(sel, rep),
                        "commit_id": _hex_ids(rng, total),
                        "date": pa.array(d, type=pa.timestamp("ms", tz="UTC")),
                        "authors": authors,
                        "title": titles.take(pa.array(t_idx)),
                    }
                )
            )
        app.close()

    # ---------------------------------------------------------- discussions
    def plan_discussions(self) -> None:
        rng = self.rng("discussions-plan")
        z = self._all("z")
        Q = self.n_discussions
        N = z.size
        if Q <= 0 or N == 0:
            self.d_count = np.zeros(N, dtype=np.int64)
            return
        lw = _a("discussion_popularity_exponent") * z
        w = np.exp(lw - lw.max())
        cum = np.cumsum(w) / w.sum()
        r = np.minimum(np.searchsorted(cum, rng.random(Q), side="right"), N - 1)
        self.d_count = np.bincount(r, minlength=N).astype(np.int64)

    def write_discussions(self, w: SnapshotWriter) -> None:
        app = w.open_table("discussions")
        created_all = self._all("created")
        N = created_all.size
        D = self.n_dev
        names = pa.concat_arrays([self.dev_user, pa.array(list(BOTS), type=pa.string())])
        titles = pa.array([*DISCUSSION_TITLES, *BOT_COMMIT_TITLES.values()], type=pa.string())
        st_d, st_p = _a("discussion_status"), _a("pull_request_status")
        status_v = pa.array(list(st_d) + list(st_p), type=pa.string())
        for ci, lo in enumerate(range(0, N, CHUNK)):
            hi = min(N, lo + CHUNK)
            rng = self.rng("discussions", ci)
            sel = np.arange(lo, hi)[self.d_count[lo:hi] > 0]
            if sel.size == 0:
                continue
            cnt = self.d_count[sel]
            total = int(cnt.sum())
            rep = np.repeat(np.arange(sel.size), cnt)
            starts = np.concatenate([[0], np.cumsum(cnt)[:-1]])
            number = np.arange(total) - starts[rep] + 1
            u = rng.random(total)
            deleted = u < _a("deleted_author_share")
            is_bot = ~deleted & (u < _a("deleted_author_share") + _a("bot_discussion_share"))
            which_bot = rng.integers(0, len(BOTS), total)
            dev = np.where(rng.random(total) < 0.3, self.primary[sel][rep], self.pick_devs(rng, total))
            a_idx = np.where(is_bot, D + which_bot, dev)
            author = names.take(pa.array(a_idx))
            author = pc.if_else(pa.array(deleted), pa.scalar(None, pa.string()), author)
            pr = is_bot | (rng.random(total) < _a("pull_request_share"))
            sd = _categorical(rng, total, list(st_d.values()))
            sp = len(st_d) + _categorical(rng, total, list(st_p.values()))
            status = status_v.take(pa.array(np.where(pr, sp, sd)))
            cr = created_all[sel]
            frac = _spacings(rng, cnt)
            d = cr[rep] + (frac * (self.snap_ms - cr[rep])).astype(np.int64)
            t = np.where(is_bot, len(DISCUSSION_TITLES) + which_bot, rng.integers(0, len(DISCUSSION_TITLES), total))
            app.write(
                pa.table(
                    {
                        **self._repo_columns(sel, rep),
                        "number": pa.array(number.astype(np.int64)),
                        "author": author,
                        "is_pull_request": pa.array(pr),
                        "status": status,
                        "created_at": pa.array(d, type=pa.timestamp("ms", tz="UTC")),
                        "title": titles.take(pa.array(t)),
                    }
                )
            )
        app.close()

    # ------------------------------------------------------- coverage etc.
    def write_coverage(self, w: SnapshotWriter) -> int:
        app = w.open_table("repo_coverage")
        rows = 0
        for kind in KINDS:
            R = self.repos[kind]
            for lo in range(0, R.n, CHUNK):
                hi = min(R.n, lo + CHUNK)
                g = np.arange(lo, hi) + self.start[kind]
                parts = []
                cov = self.c_covered[g]
                idx = np.flatnonzero(cov)
                parts.append(("commits", idx, (self.c_k[g] + 1)[idx]))
                parts.append(("discussions", np.arange(hi - lo), self.d_count[g]))
                if kind == "model":
                    parts.append(("model_spaces", np.arange(hi - lo), self.model_indeg[lo:hi]))
                if kind == "space":
                    parts.append(("space_models", np.arange(hi - lo), self.space_outdeg[lo:hi]))
                ids = R.ids.slice(lo, hi - lo)
                for step, ix, items in parts:
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

    def write_owners(self, w: SnapshotWriter) -> int:
        rng = self.rng("owners-table")
        M = self.repos["model"]
        used_owner = np.zeros(self.n_owners, dtype=bool)
        used = (self.model_indeg > 0) & (M.owner >= 0)
        used_owner[M.owner[used]] = True
        rec = (self.owner_total >= 3) | used_owner | (rng.random(self.n_owners) < 0.3)
        idx = np.flatnonzero(rec)
        kinds = np.where(self.is_org[idx], "organization", "user").astype(object)
        t = pa.table({"owner": self.owner_names.take(pa.array(idx)), "kind": pa.array(kinds, type=pa.string())})
        t = t.sort_by("owner")
        w.write_table("owners", t)
        return t.num_rows


def _coverage(g: _Gen, owners_rows: int, cov_rows: int) -> dict[str, dict[str, Any]]:
    """The manifest's coverage, each entry built by :func:`analysis.snapshot.schema.coverage`."""
    n = g.n
    cov_commits = {k: int(g.c_covered[g.start[k] : g.start[k] + n[k]].sum()) for k in KINDS}
    all_commits = all(cov_commits[k] == n[k] for k in n)
    commit_scope = "all" if all_commits else ("subset" if any(cov_commits.values()) else "none")
    downloads = "downloads = 30-day count; downloads_all_time not generated (null)"
    return {
        "models": coverage("all", rows=n["model"], note=downloads),
        "datasets": coverage("all", rows=n["dataset"], note=downloads),
        "spaces": coverage("all", rows=n["space"], note="spaces have no downloads: downloads is null in every row"),
        "commits": coverage(
            commit_scope,
            rows=g.n_commits,
            repos=cov_commits,
            note="a covered repository's history starts with an initial commit, by the Hub's 'system' in the "
            "real share of repositories that have a 'system' commit, else by its first developer; "
            "covered repositories are listed in repo_coverage (step 'commits')",
        ),
        "discussions": coverage(
            "all",
            rows=int(g.d_count.sum()),
            repos=dict(n),
            note="pull requests included (is_pull_request); author null = deleted account",
        ),
        "space_models": coverage(
            "all",
            rows=g.n_edges,
            repos={"model": n["model"], "space": n["space"]},
            note="every model (step model_spaces) and every space (step space_models)",
        ),
        "repo_coverage": coverage("all", rows=cov_rows),
        "owners": coverage(
            "subset", rows=owners_rows, note="owner kind recorded for " + ASSUMPTIONS["owner_kind_recorded"]["value"]
        ),
        "fetch_log": coverage("all", rows=0, note="synthetic: nothing failed"),
    }


def _targets_sha256() -> str:
    return sha256_file(calibrate.targets_path())


def generate(out_dir: str | Path, **options: Any) -> Snapshot:
    """Generate a complete synthetic snapshot in ``out_dir`` (:func:`_generate`'s options) and return it
    opened, holding the folder's lock (:class:`analysis.snapshot.lock.FolderLock`) as ``import`` and
    ``collect`` do: a second writer of the folder, by whatever path, gets a one-line error."""
    with FolderLock(Path(out_dir), "python -m analysis synth"):
        return _generate(out_dir, **options)


def _generate(
    out_dir: str | Path,
    *,
    models: int = 5000,
    seed: int = 0,
    datasets: int | None = None,
    spaces: int | None = None,
    commits: int | None = None,
    developers: int | None = None,
    space_edges: int | None = None,
    discussions: int | None = None,
    snapshot_id: str | None = None,
    snapshot_date: str = CALIBRATION_DATE,
    progress: Any = False,
) -> Snapshot:
    """Generate a complete synthetic snapshot in ``out_dir`` and return it opened.

    ``None`` counts are scaled from ``models`` by the calibrated ratios.
    ``progress``: True prints phases to stderr; a callable receives each phase message.
    """
    for name, v in (
        ("models", models),
        ("datasets", datasets),
        ("spaces", spaces),
        ("commits", commits),
        ("developers", developers),
        ("space_edges", space_edges),
        ("discussions", discussions),
    ):
        if v is not None and (not isinstance(v, (int, np.integer)) or v < 0):
            raise SnapshotError(f"{name} must be a non-negative integer, got {v!r}")
    if models < 1:
        raise SnapshotError("models must be at least 1")
    if space_edges is not None and spaces is not None and space_edges > models * spaces:
        raise SnapshotError(f"space_edges={space_edges} exceeds models x spaces = {models * spaces}")
    try:
        dt.date.fromisoformat(snapshot_date)
    except (TypeError, ValueError):
        raise SnapshotError(f"snapshot date {snapshot_date!r}; expected YYYY-MM-DD") from None
    out = Path(out_dir)
    params = Params(
        models=int(models),
        seed=int(seed),
        datasets=datasets,
        spaces=spaces,
        commits=commits,
        developers=developers,
        space_edges=space_edges,
        discussions=discussions,
        snapshot_id=snapshot_id or out.name,
        snapshot_date=snapshot_date,
    )
    T = load_targets()
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        if callable(progress):
            progress(msg)
        elif progress:
            print(f"[{time.perf_counter() - t0:7.1f}s] {msg}", file=sys.stderr, flush=True)

    g = _Gen(params, T)
    resolved = g.resolve()
    source_params = {
        "generator": "analysis.sources.synth",
        "generator_version": GENERATOR_VERSION,
        "seed": params.seed,
        "requested": {k: getattr(params, k) for k in ("models", *SCALED_COUNTS)},
        "targets_file": f"analysis/resources/{calibrate.TARGETS_FILE}",
        "targets_sha256": _targets_sha256(),
    }
    w = SnapshotWriter(
        out, params.snapshot_id, snapshot_date=snapshot_date, source_kind="synthetic", source_parameters=source_params
    )
    log("owners and developers")
    g.owners()
    g.repo_numbers()
    g.repo_ids()
    g.categorical_columns()
    g.plan_commits()
    log("repository tables")
    g.write_repos(w)
    log("space-model edges")
    g.space_edges()
    g.write_space_edges(w)
    log("commits")
    g.write_commits(w)
    log("discussions")
    g.plan_discussions()
    g.write_discussions(w)
    log("coverage, owners")
    cov_rows = g.write_coverage(w)
    owners_rows = g.write_owners(w)
    w.write_table("fetch_log", [])
    resolved.update({"developers": g.n_dev, "owners": g.n_owners, "space_edges": g.n_edges})
    w.source_parameters["resolved"] = resolved
    log("checksums and validation")
    w.finish(
        _coverage(g, owners_rows, cov_rows),
        notes=[
            "SYNTHETIC: generated by analysis.sources.synth (calibrated to the real records in ../shared/data; "
            "see source.parameters and extra.synthetic); not data about the real Hub.",
        ],
        extra={
            "synthetic": {
                "calibrated": CALIBRATED,
                "assumptions": {k: v["source"] for k, v in ASSUMPTIONS.items()},
            }
        },
    )
    log("done")
    return open_snapshot(out)


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(
        prog="python -m analysis synth",
        description="Generate a calibrated synthetic snapshot (deterministic given the seed).",
    )
    ap.add_argument("out_dir", help="snapshot directory to create (its name is the default snapshot id)")
    ap.add_argument("--models", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    for name in SCALED_COUNTS:
        ap.add_argument(f"--{name.replace('_', '-')}", type=int, default=None, help="default: scaled from --models")
    ap.add_argument("--snapshot-id", default=None)
    ap.add_argument(
        "--snapshot-date",
        default=CALIBRATION_DATE,
        help="default: the calibration date (the real listing's collection date)",
    )
    ap.add_argument("--quiet", action="store_true")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        snap = generate(
            args.out_dir,
            models=args.models,
            seed=args.seed,
            **{name: getattr(args, name) for name in SCALED_COUNTS},
            snapshot_id=args.snapshot_id,
            snapshot_date=args.snapshot_date,
            progress=not args.quiet,
        )
    except (SnapshotError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(snap.describe())
    return 0
