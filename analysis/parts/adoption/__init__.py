"""Part III: model adoption in spaces (RQ3).

A package of one module per job; every name the Part III notebook, the findings and the
benchmarks use is importable from here (``from analysis.parts import adoption``):

- :mod:`~analysis.parts.adoption.usage`: the usage edges, deduplicated and resolved against the
  snapshot's models and coverage (:class:`Adoption`, :func:`load`), and what they cover;
- :mod:`~analysis.parts.adoption.concentration`: ``tab-adoption`` and the concentration of use
  over covered models;
- :mod:`~analysis.parts.adoption.capped`: counts that look capped by the source;
- :mod:`~analysis.parts.adoption.ranking`: the most-used models, overall and per subfield;
- :mod:`~analysis.parts.adoption.by_owner`: uses by owner, the top owners and their kinds;
- :mod:`~analysis.parts.adoption.pairs`: co-usage of models by the same spaces (beyond the paper);
- :mod:`~analysis.parts.adoption.headlines`: the headline numbers and Part III's findings.
"""

from analysis.parts.adoption.by_owner import (
    classified_sentence,
    classified_share,
    kind_sentence,
    kind_shares,
    owner_concentration,
    owner_kinds_shown,
    owner_sentences,
    owner_usage,
    owners_figure,
    route_sentence,
    top_owners,
)
from analysis.parts.adoption.capped import ROUND_MIN, cap_note, caps, flag_capped, is_round
from analysis.parts.adoption.concentration import ccdf_data, ccdf_figure, summary, summary_sentences
from analysis.parts.adoption.headlines import findings, headline
from analysis.parts.adoption.pairs import DEFAULT_PAIR_CAP, co_usage, co_usage_sentences
from analysis.parts.adoption.ranking import subfield_counts, subfield_sentence, top_models, top_models_subfields
from analysis.parts.adoption.usage import (
    MODEL_STEP,
    SPACE_STEP,
    Adoption,
    coverage_markdown,
    coverage_note,
    covers,
    load,
)

__all__ = [
    "DEFAULT_PAIR_CAP",
    "MODEL_STEP",
    "ROUND_MIN",
    "SPACE_STEP",
    "Adoption",
    "cap_note",
    "caps",
    "ccdf_data",
    "ccdf_figure",
    "classified_sentence",
    "classified_share",
    "co_usage",
    "co_usage_sentences",
    "coverage_markdown",
    "coverage_note",
    "covers",
    "findings",
    "flag_capped",
    "headline",
    "is_round",
    "kind_sentence",
    "kind_shares",
    "load",
    "owner_concentration",
    "owner_kinds_shown",
    "owner_sentences",
    "owner_usage",
    "owners_figure",
    "route_sentence",
    "subfield_counts",
    "subfield_sentence",
    "summary",
    "summary_sentences",
    "top_models",
    "top_models_subfields",
    "top_owners",
]
