"""The synthetic Hub's vocabularies: fictional names read from ``analysis/resources/synth_names.yml``.

The lists (first and last names, handles, organisation, model, dataset and space name parts,
rare licenses, commit and discussion titles) are data a human reviews in that file; the order of
each list is part of the generator's determinism (indices are drawn into them).
:func:`vocabulary` reads and checks the file once per process. The reserved account names
(``system``, the bots) and the bots' titles stay here: other code recognises them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from analysis import paths
from analysis.snapshot import SnapshotError

NAMES_FILE = "synth_names.yml"
SYSTEM = "system"  # the Hub's account behind a repository's initial commit
BOTS = ("SFconvertbot", "librarian-bot")
BOT_COMMIT_TITLES = {
    "SFconvertbot": "Adding `safetensors` variant of this model",
    "librarian-bot": "Librarian Bot: Add base_model information to model",
}


@dataclass(frozen=True)
class Vocabulary:
    """Every list of :data:`NAMES_FILE`, as tuples in the file's order."""

    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    last_name_syllables_a: tuple[str, ...]
    last_name_syllables_b: tuple[str, ...]
    handles: tuple[str, ...]
    org_a: tuple[str, ...]
    org_b: tuple[str, ...]
    org_c: tuple[str, ...]
    model_a: tuple[str, ...]
    model_b: tuple[str, ...]
    model_c: tuple[str, ...]
    dataset_a: tuple[str, ...]
    dataset_b: tuple[str, ...]
    space_a: tuple[str, ...]
    space_b: tuple[str, ...]
    rare_licenses: tuple[str, ...]
    discussion_titles: tuple[str, ...]
    commit_titles: tuple[str, ...]
    commit_title_weights: tuple[float, ...]

    def repo_words(self, kind: str) -> tuple[tuple[str, ...], ...]:
        """The lists a repository name of ``kind`` joins one word of each of, with '-'."""
        return {
            "model": (self.model_a, self.model_b, self.model_c),
            "dataset": (self.dataset_a, self.dataset_b),
            "space": (self.space_a, self.space_b),
        }[kind]


def _strings(doc: dict, key: str) -> tuple[str, ...]:
    words = doc.get(key)
    if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
        raise SnapshotError(f"{NAMES_FILE}: {key!r} must be a non-empty list of quoted strings")
    return tuple(words)


def _weighted_titles(doc: dict) -> tuple[tuple[str, ...], tuple[float, ...]]:
    titles = doc.get("commit_titles")
    ok = isinstance(titles, list) and titles and all(isinstance(t, dict) for t in titles)
    if not ok or not all(isinstance(t.get("title"), str) and isinstance(t.get("weight"), (int, float)) for t in titles):
        raise SnapshotError(f"{NAMES_FILE}: 'commit_titles' must be a list of {{title: quoted string, weight: number}}")
    return tuple(t["title"] for t in titles), tuple(float(t["weight"]) for t in titles)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The vocabularies of :data:`NAMES_FILE` (read once, cached)."""
    import yaml

    doc = yaml.safe_load(paths.resource(NAMES_FILE).read_text(encoding="utf-8")) or {}
    titles, weights = _weighted_titles(doc)
    lists = [name for name in Vocabulary.__dataclass_fields__ if name not in ("commit_titles", "commit_title_weights")]
    return Vocabulary(
        **{name: _strings(doc, name) for name in lists}, commit_titles=titles, commit_title_weights=weights
    )
