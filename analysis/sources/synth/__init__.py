"""The synthetic Hub: a deterministic, calibrated generator of complete snapshots.

``generate(out_dir, models=5000, seed=0, ...)`` writes a complete snapshot (every
table of :mod:`analysis.snapshot.schema`) whose marginals follow the targets derived from
the real records in ``../shared/data`` by :mod:`analysis.sources.calibrate` and
committed in ``analysis/resources/synth_targets.json`` (so the generator needs
no real data). Figures the real records do not have (spaces, discussions, owner
kinds, ...) are assumptions, listed with their reason in :data:`ASSUMPTIONS`.
:data:`CALIBRATED` says which target each part of the generator uses.

Determinism: every random draw comes from a numpy ``Generator`` seeded from
``(seed, component name[, chunk number])`` (:func:`analysis.sources.synth.draws.rng_for`);
tables are written in a fixed order with fixed chunk sizes, so the same parameters give
byte-identical Parquet files (and the same sha256 in the manifest).

Scale: everything is vectorised (numpy / pyarrow); the per-repository
numeric columns are held in memory (a few bytes per repository) and the big
tables (commits, discussions, repo_coverage, tags) are produced and written in
chunks, so 3,000,000 models with all tables fit in a few GB.

The generator is a sequence of stages, each a function returning a frozen dataclass built from
what the earlier stages returned:

=============================  ==================================================================
module                         stage
=============================  ==================================================================
:mod:`.targets`                the calibration targets, the assumptions, the fixed constants
:mod:`.names`                  the vocabularies of ``analysis/resources/synth_names.yml``
:mod:`.draws`                  random streams, samplers, string helpers
:mod:`.people`                 sizes (:class:`Sizes`), owners and developers (:class:`People`)
:mod:`.repos`                  repositories per type (:class:`Repos`) and their tables
:mod:`.commits`                the commit plan (:class:`CommitPlan`) and the commits table
:mod:`.edges`                  space-model edges (:class:`SpaceEdges`) and their table
:mod:`.discussions`            discussions per repository and their table
:mod:`.coverage`               repo_coverage, owners, the manifest's coverage
:mod:`.generate`               :func:`generate` (the stages in order) and the command
=============================  ==================================================================

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

from analysis.sources.synth.generate import generate, main
from analysis.sources.synth.names import BOTS, SYSTEM, Vocabulary, vocabulary
from analysis.sources.synth.people import Params
from analysis.sources.synth.targets import (
    ASSUMPTIONS,
    CALIBRATED,
    CALIBRATION_DATE,
    CHUNK,
    GENERATOR_VERSION,
    KINDS,
    SCALED_COUNTS,
    Targets,
    load_targets,
    targets_sha256,
)

__all__ = [
    "ASSUMPTIONS",
    "BOTS",
    "CALIBRATED",
    "CALIBRATION_DATE",
    "CHUNK",
    "GENERATOR_VERSION",
    "KINDS",
    "SCALED_COUNTS",
    "SYSTEM",
    "Params",
    "Targets",
    "Vocabulary",
    "generate",
    "load_targets",
    "main",
    "targets_sha256",
    "vocabulary",
]
