"""The publication: from the parts' results to the book's pages.

- :mod:`.publish`       numbered, citable tables and figures (the ``Publisher``)
- :mod:`.build`         the pipeline: papermill, then Jupyter Book (``python -m analysis build``)
- :mod:`.overview`      the front matter, the snapshot and provenance chapters
- :mod:`.reproduction`  Part IV: the paper's numbers beside the snapshot's

The publication may import every layer below it; nothing imports it.
"""
