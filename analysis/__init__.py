"""Analysis package of the Hugging Face Hub development-activity book.

All computation of the book lives here; the notebooks under ``book/`` only
narrate and call into it. Modules:

- :mod:`analysis.paths`     every path the project uses
- :mod:`analysis.schema`    the snapshot format (tables and columns)
- :mod:`analysis.snapshot`  writing, loading and validating snapshots
- :mod:`analysis.importer`  raw Hub API records -> snapshot
- :mod:`analysis.synth`     the calibrated synthetic Hub
- :mod:`analysis.collect`   live Hub -> snapshot (resumable, rate-limit aware)
- :mod:`analysis.fakehub`   a local HTTP server speaking the Hub's API
- :mod:`analysis.publish`   numbered, citable tables and figures for the book
- :mod:`analysis.build`     papermill + Jupyter Book pipeline
- :mod:`analysis.activity`, :mod:`analysis.licenses`, :mod:`analysis.network`,
  :mod:`analysis.identity`, :mod:`analysis.adoption`: the book's Parts I-III
"""

__version__ = "0.1.0"
