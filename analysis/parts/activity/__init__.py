"""Part I: activity distributions by repository type, and their license effects.

A package of one module per job; every name the Part I notebook, the findings and the
benchmarks use is importable from here (``from analysis.parts import activity``):

- :mod:`~analysis.parts.activity.loading`: a snapshot's listings by repository type, one row per
  repository with its six activity measures, their status (ok, not applicable, not covered) and
  its license, optionally restricted to what existed at an earlier date (``as_of``);
- :mod:`~analysis.parts.activity.summary`: ``tab-activity``, the headline numbers and the as-of
  table, what the loaded activity covers, and Part I's findings (:func:`findings`);
- :mod:`~analysis.parts.activity.figures`: the CCDF, Lorenz and license-group figures;
- :mod:`~analysis.parts.activity.tails`: power-law versus lognormal tails (beyond the paper);
- :mod:`~analysis.parts.activity.text`: the sentences of the Part I page.
"""

from analysis.parts.activity.figures import (
    ccdf_data,
    ccdf_figure,
    license_distribution_figure,
    lorenz_figure,
    top_share_curve,
)
from analysis.parts.activity.loading import (
    DEFAULT_IGNORE_AUTHORS,
    LISTING_MEASURES,
    MEASURE_LABELS,
    MEASURES,
    NOT_APPLICABLE,
    NOT_APPLICABLE_TEXT,
    NOT_COVERED,
    OK,
    RepoActivity,
    load,
    load_type,
    load_types,
    load_with_as_of,
    parse_as_of,
)
from analysis.parts.activity.summary import (
    ACTIVITY_KEY_COLUMNS,
    SUMMARY_COLUMNS,
    activity_table,
    as_of_table,
    coverage_text,
    findings,
    headline_from,
    license_ids_by_type,
    model_measures,
)
from analysis.parts.activity.tails import fit_tail, tails_table
from analysis.parts.activity.text import (
    describe_activity,
    describe_as_of,
    describe_license_tests,
    describe_licenses,
    describe_tails,
)

__all__ = [
    "ACTIVITY_KEY_COLUMNS",
    "DEFAULT_IGNORE_AUTHORS",
    "LISTING_MEASURES",
    "MEASURES",
    "MEASURE_LABELS",
    "NOT_APPLICABLE",
    "NOT_APPLICABLE_TEXT",
    "NOT_COVERED",
    "OK",
    "SUMMARY_COLUMNS",
    "RepoActivity",
    "activity_table",
    "as_of_table",
    "ccdf_data",
    "ccdf_figure",
    "coverage_text",
    "describe_activity",
    "describe_as_of",
    "describe_license_tests",
    "describe_licenses",
    "describe_tails",
    "findings",
    "fit_tail",
    "headline_from",
    "license_distribution_figure",
    "license_ids_by_type",
    "load",
    "load_type",
    "load_types",
    "load_with_as_of",
    "lorenz_figure",
    "model_measures",
    "parse_as_of",
    "tails_table",
    "top_share_curve",
]
