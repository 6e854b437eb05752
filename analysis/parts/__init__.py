"""The parts: the science. Each reads a snapshot and computes one part of the book.

- Part I, activity (RQ1): :mod:`.activity`, :mod:`.licenses`
- Part II, collaboration (RQ2): :mod:`.network`, :mod:`.identity`
- Part III, adoption (RQ3): :mod:`.adoption`, :mod:`.owners`

Parts import the snapshot contract and the ground floor (:mod:`analysis.stats`,
:mod:`analysis.subfields`, :mod:`analysis.paper`, :mod:`analysis.style`), never a source
or the publication.
"""
