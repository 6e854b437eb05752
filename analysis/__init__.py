"""Analysis package of the Hugging Face Hub development-activity book.

All computation of the book lives here; the notebooks under ``book/`` only
narrate and call into it. Modules:

- :mod:`analysis.paths`     every path the project uses
- :mod:`analysis.snapshot.schema`    the snapshot format (tables and columns)
- :mod:`analysis.snapshot`  writing, loading and validating snapshots
- :mod:`analysis.sources.importer`  raw Hub API records -> snapshot
- :mod:`analysis.sources.synth`     the calibrated synthetic Hub
- :mod:`analysis.sources.collector` live Hub -> snapshot (resumable, rate-limit aware)
- :mod:`fakehub.server`   a local HTTP server speaking the Hub's API
- :mod:`analysis.publication.publish`   numbered, citable tables and figures for the book
- :mod:`analysis.publication.build`     papermill + Jupyter Book pipeline
- :mod:`analysis.parts.activity`, :mod:`analysis.parts.licenses`, :mod:`analysis.parts.network`,
  :mod:`analysis.parts.identity`, :mod:`analysis.parts.adoption`: the book's Parts I-III
"""

__version__ = "0.1.0"
