"""Stages of the synthetic Hub: the repositories of each type, and their tables.

:func:`draw_repos` gives one frozen :class:`Repos` per type: popularity (a Gaussian latent with
an owner component) mapped through the real quantile functions of downloads and likes, creation
and last-modification dates, ids, licenses and the other categorical columns, each from its own
random stream (``repo``, ``last_modified``, ``names``, ``categorical``). :func:`write_repos`
writes the models, datasets and spaces tables in fixed chunks (tags and sha from the stream
``table``); :func:`repo_columns` gives the repo_type / repo_id columns of the tables keyed by
repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.snapshot import SnapshotWriter
from analysis.snapshot.schema import REPO_TABLES
from analysis.sources.synth.draws import (
    categorical,
    created_times,
    dedupe,
    from_quantiles,
    hex_ids,
    join,
    ndtr,
    ndtri,
    rng_for,
    strs,
)
from analysis.sources.synth.names import vocabulary
from analysis.sources.synth.people import Collaboration, People, Sizes
from analysis.sources.synth.targets import CHUNK, KINDS, PLACEHOLDER_CREATED_MS, Targets, assumption

PREFIX = {"model": "models", "dataset": "datasets", "space": None}  # the targets' prefix of each type


@dataclass(frozen=True)
class Coded:
    """A categorical column: codes into ``vocab``."""

    vocab: list[str]
    codes: np.ndarray


@dataclass(frozen=True)
class Numbers:
    z: np.ndarray  # popularity latent
    likes: np.ndarray
    downloads: np.ndarray | None  # spaces have none
    created: np.ndarray  # ms
    last_modified: np.ndarray  # ms


@dataclass(frozen=True)
class Categories:
    license: np.ndarray  # index into license_vocab, -1 = none
    license_vocab: list[str]
    gated: Coded | None = None  # models and datasets
    pipeline_tag: Coded | None = None  # models
    library_name: Coded | None = None  # models
    sdk: Coded | None = None  # spaces


@dataclass(frozen=True)
class Repos:
    """Per-repository columns of one repository type."""

    kind: str
    n: int
    owner: np.ndarray  # int64 index into the owners, -1 = legacy id
    num: Numbers
    ids: pa.Array
    names: pa.Array
    cat: Categories


def _numbers(sizes: Sizes, T: Targets, kind: str, owner: np.ndarray, owner_effect: np.ndarray) -> Numbers:
    n, prefix = owner.size, PREFIX[kind]
    rng = rng_for(sizes.seed, "repo", kind)
    w = assumption("popularity_owner_weight")
    eff = np.where(owner >= 0, owner_effect[np.maximum(owner, 0)], rng.standard_normal(n))
    z = np.sqrt(1 - w) * rng.standard_normal(n) + np.sqrt(w) * eff
    lp = prefix or "models"  # spaces: models' likes (assumption space_likes)
    rho_s = float(T(f"{lp}.spearman_likes_downloads"))
    rho = 2 * np.sin(np.pi * rho_s / 6)
    zl = rho * z + np.sqrt(1 - rho * rho) * rng.standard_normal(n)
    likes = from_quantiles(ndtr(zl), T.levels, np.asarray(T(f"{lp}.likes_log1p_quantiles")))
    downloads = None
    if prefix:
        downloads = from_quantiles(ndtr(z), T.levels, np.asarray(T(f"{prefix}.downloads_log1p_quantiles")))
    if kind == "space":  # the models' month mix since spaces launched (assumption space_created_from)
        since = assumption("space_created_from")
        created = created_times(rng, n, T, "models", sizes.snap_ms, since=since, placeholder=0.0)
    else:
        created = created_times(rng, n, T, prefix, sizes.snap_ms)
        created = np.where(owner < 0, PLACEHOLDER_CREATED_MS, created)  # legacy ids predate 2022-03
    # last modified = the last commit (commits are spread between creation and it)
    rng = rng_for(sizes.seed, "last_modified", kind)
    last_modified = created + (np.sqrt(rng.random(n)) * (sizes.snap_ms - created)).astype(np.int64)
    return Numbers(z=z, likes=likes, downloads=downloads, created=created, last_modified=last_modified)


def _ids(seed: int, kind: str, owner: np.ndarray, owner_names: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Repository ids ('owner/name', or a bare name for legacy ids) and names."""
    rng = rng_for(seed, "names", kind)
    parts = [strs(w).take(pa.array(rng.integers(0, len(w), owner.size))) for w in vocabulary().repo_words(kind)]
    name = join(*parts, sep="-")
    owner_name = owner_names.take(pa.array(np.maximum(owner, 0)))
    rid = pc.if_else(pa.array(owner < 0), name, join(owner_name, name, sep="/"))
    ids = dedupe(rid, sep="-")
    return ids, pc.replace_substring_regex(ids, "^[^/]*/", "")


def _licenses(rng: np.random.Generator, T: Targets, prefix: str, z: np.ndarray, collab: np.ndarray):
    """The real license mix; popular and co-authored repositories are more often licensed."""
    shares = T(f"{prefix}.license_shares")
    other = float(T(f"{prefix}.license_other_share"))
    vocab = list(shares) + [x for x in vocabulary().rare_licenses if x not in shares]
    n_rare = len(vocab) - len(shares)
    p = np.concatenate(
        [
            np.asarray(list(shares.values())) / sum(shares.values()) * (1 - other),
            np.full(n_rare, other / max(n_rare, 1)),
        ]
    )
    b = assumption("license_popularity_probit")
    b2 = assumption("license_collaboration_probit")
    a = ndtri(float(T(f"{prefix}.no_license_share"))) * np.sqrt(1 + b * b + b2 * b2)
    none = rng.random(z.size) < ndtr(a + b * z + b2 * collab)
    lic = categorical(rng, z.size, p)
    return np.where(none, -1, lic).astype(np.int32), vocab


def _model_column(rng: np.random.Generator, T: Targets, col: str, n: int) -> Coded:
    """pipeline_tag or library_name: the real mix, 'None' taking what the shares leave."""
    sh = T(f"models.{col}_shares")
    vocab = list(sh)
    p = list(sh.values())
    if "None" not in sh:
        vocab.append("None")
        p.append(0.0)
    p[vocab.index("None")] += max(0.0, 1 - sum(p))
    return Coded(vocab, categorical(rng, n, p))


def _space_categories(seed: int, n: int) -> Categories:
    rng = rng_for(seed, "categorical", "space")
    sdk = assumption("space_sdk_shares")
    sdk_codes = categorical(rng, n, list(sdk.values()))
    sl = assumption("space_license")
    vocab = list(sl)
    lic = categorical(rng, n, list(sl.values()))
    none_i = vocab.index("none")
    return Categories(
        license=np.where(lic == none_i, -1, lic - (lic > none_i)).astype(np.int32),
        license_vocab=[v for v in vocab if v != "none"],
        sdk=Coded(list(sdk), sdk_codes),
    )


def _categories(seed: int, T: Targets, kind: str, owner: np.ndarray, z: np.ndarray, collab: Collaboration):
    if kind == "space":
        return _space_categories(seed, owner.size)
    prefix = PREFIX[kind]
    rng = rng_for(seed, "categorical", kind)
    license, license_vocab = _licenses(rng, T, prefix, z, collab.latent(owner))
    g = {("none" if k in ("none", "null") else k): v for k, v in T(f"{prefix}.gated_shares").items()}
    gated = Coded(list(g), categorical(rng, owner.size, list(g.values())))
    if kind == "dataset":
        return Categories(license, license_vocab, gated=gated)
    rng = rng_for(seed, "categorical", "model-tags")
    pipeline_tag = _model_column(rng, T, "pipeline_tag", owner.size)
    library_name = _model_column(rng, T, "library_name", owner.size)
    return Categories(license, license_vocab, gated=gated, pipeline_tag=pipeline_tag, library_name=library_name)


def draw_repos(sizes: Sizes, T: Targets, people: People, collab: Collaboration) -> dict[str, Repos]:
    """The repositories of every type (in the order of ``KINDS``)."""
    out = {}
    for kind in KINDS:
        owner = people.owners.repo_owner[kind]
        num = _numbers(sizes, T, kind, owner, people.owners.effect)
        ids, names = _ids(sizes.seed, kind, owner, people.owner_names)
        cat = _categories(sizes.seed, T, kind, owner, num.z, collab)
        out[kind] = Repos(kind=kind, n=owner.size, owner=owner, num=num, ids=ids, names=names, cat=cat)
    return out


def repo_columns(repos: dict[str, Repos], start: dict[str, int], sel: np.ndarray, rep: np.ndarray) -> dict:
    """The repo_type and repo_id columns of rows of repositories ``sel[rep]``.

    ``sel``: ascending global repository indices (models, then datasets, then spaces).
    """
    offs = np.asarray([start[k] for k in KINDS])
    types = np.searchsorted(offs[1:], sel, side="right")
    rid = pa.concat_arrays([repos[k].ids.take(pa.array(sel[types == t] - offs[t])) for t, k in enumerate(KINDS)])
    rtype = pa.array(np.asarray(KINDS, dtype=object)[types], type=pa.string())
    return {"repo_type": rtype.take(pa.array(rep)), "repo_id": rid.take(pa.array(rep))}


# --------------------------------------------------------------------------- #
# the repository tables
# --------------------------------------------------------------------------- #


class _TagColumns:
    """Tag columns of a chunk: codes into a vocabulary built as they are added (-1 = no tag)."""

    def __init__(self, m: int):
        self.m = m
        self.vocab: list[str] = []
        self.cols: list[np.ndarray] = []

    def add(self, words: list[str]) -> int:
        base = len(self.vocab)
        self.vocab.extend(words)
        return base

    def coded(self, col: Coded, lo: int, hi: int, none: str | None = "None") -> None:
        b = self.add(col.vocab)
        codes = col.codes[lo:hi]
        self.cols.append(np.where(np.asarray(col.vocab, dtype=object)[codes] == none, -1, b + codes))

    def chance(self, rng: np.random.Generator, shares: dict[str, float]) -> None:
        """Each tag of ``shares`` with its share, independently."""
        names = list(shares)
        b = self.add(names)
        u = rng.random((self.m, len(names)))
        hit = u < np.asarray(list(shares.values()))[None, :]
        self.cols.extend(np.where(hit[:, j], b + j, -1) for j in range(len(names)))

    def array(self) -> pa.Array:
        mat = np.stack([c.astype(np.int32) for c in self.cols], axis=1)
        mask = mat >= 0
        offsets = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.int32)
        values = pa.array(self.vocab, type=pa.string()).take(pa.array(mat[mask]))
        return pa.ListArray.from_arrays(pa.array(offsets), values)


def _tags(T: Targets, R: Repos, lo: int, hi: int, rng: np.random.Generator) -> pa.Array:
    """Tags in the API's style, consistent with license / pipeline_tag / library_name."""
    tags = _TagColumns(hi - lo)
    c = R.cat
    if R.kind == "model":
        tags.coded(c.library_name, lo, hi)
        skip = set(c.library_name.vocab) | set(c.pipeline_tag.vocab)
        extras = {k: v for k, v in T("models.tag_shares").items() if k not in skip}
    elif R.kind == "dataset":
        extras = dict(T("datasets.task_category_shares"))
        extras.update({k: v for k, v in T("datasets.tag_shares").items()})
    else:
        tags.coded(c.sdk, lo, hi, none=None)
        extras = {}
    if extras:
        tags.chance(rng, extras)
    if R.kind == "model":
        tags.coded(c.pipeline_tag, lo, hi)
    b = tags.add([f"license:{x}" for x in c.license_vocab])
    li = c.license[lo:hi]
    tags.cols.append(np.where(li < 0, -1, b + li))
    b = tags.add(["region:us"])
    tags.cols.append(np.full(hi - lo, b))
    return tags.array()


def _decoded(col: Coded, lo: int, hi: int, none: str | None) -> pa.Array:
    """The column's values (``none`` in the vocabulary is null)."""
    v = np.asarray([None if x == none else x for x in col.vocab], dtype=object)
    return pa.array(v[col.codes[lo:hi]], type=pa.string())


def _chunk(T: Targets, R: Repos, owner_names: pa.Array, lo: int, hi: int, rng: np.random.Generator) -> pa.Table:
    m = hi - lo
    lv = R.cat.license_vocab
    li = R.cat.license[lo:hi]
    lic = pa.array(np.asarray(lv + [None], dtype=object)[np.where(li < 0, len(lv), li)], type=pa.string())
    owner = R.owner[lo:hi]
    cols: dict[str, Any] = {
        "id": R.ids.slice(lo, m),
        "owner": pc.if_else(
            pa.array(owner < 0), pa.scalar(None, pa.string()), owner_names.take(pa.array(np.maximum(owner, 0)))
        ),
        "name": R.names.slice(lo, m),
        "created_at": pa.array(R.num.created[lo:hi], type=pa.timestamp("ms", tz="UTC")),
        "last_modified": pa.array(R.num.last_modified[lo:hi], type=pa.timestamp("ms", tz="UTC")),
        "license": lic,
        "tags": _tags(T, R, lo, hi, rng),
        "likes": pa.array(R.num.likes[lo:hi]),
        "private": pa.array(np.zeros(m, dtype=bool)),
        "disabled": pa.array(np.zeros(m, dtype=bool)),
        "sha": hex_ids(rng, m),
    }
    if R.kind == "model":
        cols["pipeline_tag"] = _decoded(R.cat.pipeline_tag, lo, hi, "None")
        cols["library_name"] = _decoded(R.cat.library_name, lo, hi, "None")
    if R.kind in ("model", "dataset"):
        cols["downloads"] = pa.array(R.num.downloads[lo:hi])
        cols["gated"] = _decoded(R.cat.gated, lo, hi, "none")
    else:
        cols["sdk"] = _decoded(R.cat.sdk, lo, hi, None)
        cols["gated"] = pa.array(np.full(m, "false", dtype=object), type=pa.string())
    return pa.table(cols)


def write_repos(w: SnapshotWriter, seed: int, T: Targets, repos: dict[str, Repos], owner_names: pa.Array) -> None:
    """The models, datasets and spaces tables, in chunks of ``CHUNK`` rows (stream ``table``)."""
    for kind, R in repos.items():
        app = w.open_table(REPO_TABLES[kind])
        for ci, lo in enumerate(range(0, R.n, CHUNK)):
            rng = rng_for(seed, "table", kind, ci)
            app.write(_chunk(T, R, owner_names, lo, min(R.n, lo + CHUNK), rng))
        app.close()
