"""Part II: the developer collaboration network of model repositories (RQ2).

Two networks are built from a snapshot's model-repository commits: the **reproduction**, the
authors' construction exactly (names as recorded, the Hub's ``system`` author kept), and the
**cleaned** network, the sensitivity analysis (identities resolved, ``system`` and bots
removed). The package, in the order of the work:

- :mod:`.commits`: the model-repository commits of a snapshot as flat integer arrays;
- :mod:`.construction`: the two networks built from them (the construction is described there);
- :mod:`.statistics`: degrees, clustering, components, isolates, reciprocity, k-cores and the
  Borgatti-Everett core-periphery fit;
- :mod:`.part`: Part II of one snapshot, computed once (:func:`compute`), with its statistics,
  subfield networks and bipartite null model;
- :mod:`.tables`, :mod:`.figures`, :mod:`.text`: what the book shows: tables, figures and
  computed sentences;
- :mod:`.summary`: Part II's findings (:func:`findings`), which Part IV compares with the paper's;
- :mod:`.sequential`: an extension network whose reciprocity is measured, not given by the
  construction.

Every public name is re-exported here: ``from analysis.parts import network`` then
``network.compute(snap)``.
"""

from analysis.parts.network.commits import CommitAuthors, load_commit_authors, model_commit_dates
from analysis.parts.network.construction import (
    Network,
    build_network,
    cleaned_network,
    edges_from_commits,
    igraph_undirected,
    reproduction_network,
)
from analysis.parts.network.figures import degree_figure, drawing_nodes, network_figure, reciprocity_figure
from analysis.parts.network.part import (
    Part2,
    bipartite_null,
    compute,
    covered_models,
    hub_namespaces,
    reciprocity_by_construction,
    stats_all,
    subfield_networks,
)
from analysis.parts.network.statistics import (  # _assortativity: bench/bench_graph_library.py times it
    RECIPROCITY_NAME,
    STAT_LABELS,
    _assortativity,  # noqa: F401
    be_fit,
    core_periphery,
    degree_distribution,
    kcore,
    network_stats,
    network_stats_pair,
    reciprocated,
    reciprocity_by_position,
    triangles,
)
from analysis.parts.network.summary import findings
from analysis.parts.network.tables import (
    NULL_STATISTICS,
    Z_BEYOND,
    candidates_table,
    core_periphery_table,
    core_periphery_tables,
    differences,
    funnel,
    network_table,
    null_mixing_table,
    null_models_table,
    stats_table,
    subfields_table,
)
from analysis.parts.network.text import (
    construction_facts,
    core_periphery_markdown,
    coverage_text,
    covers,
    differences_markdown,
    identity_markdown,
    listing_gap_sentence,
    null_models_markdown,
    summary_markdown,
)

__all__ = [
    "NULL_STATISTICS",
    "RECIPROCITY_NAME",
    "STAT_LABELS",
    "Z_BEYOND",
    "CommitAuthors",
    "Network",
    "Part2",
    "be_fit",
    "bipartite_null",
    "build_network",
    "candidates_table",
    "cleaned_network",
    "compute",
    "construction_facts",
    "core_periphery",
    "core_periphery_markdown",
    "core_periphery_table",
    "core_periphery_tables",
    "coverage_text",
    "covered_models",
    "covers",
    "degree_distribution",
    "degree_figure",
    "differences",
    "differences_markdown",
    "drawing_nodes",
    "edges_from_commits",
    "findings",
    "funnel",
    "hub_namespaces",
    "identity_markdown",
    "igraph_undirected",
    "kcore",
    "listing_gap_sentence",
    "load_commit_authors",
    "model_commit_dates",
    "network_figure",
    "network_stats",
    "network_stats_pair",
    "network_table",
    "null_mixing_table",
    "null_models_markdown",
    "null_models_table",
    "reciprocated",
    "reciprocity_by_construction",
    "reciprocity_by_position",
    "reciprocity_figure",
    "reproduction_network",
    "stats_all",
    "stats_table",
    "subfield_networks",
    "subfields_table",
    "summary_markdown",
    "triangles",
]
