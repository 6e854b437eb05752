"""Sources: where records enter. Each turns raw records into a snapshot (:mod:`analysis.snapshot`).

- :mod:`.importer`   raw Hub API records (JSON Lines) -> snapshot (``python -m analysis import``)
- :mod:`.hubapi`     the Hub's record format: field lists, JSON shapes, conversions, value rules
- :mod:`.collector`  the live Hub -> snapshot, resumable and rate-limit aware (``collect``)
- :mod:`.synth`      the calibrated synthetic Hub (``synth``)
- :mod:`.calibrate`  the synthetic Hub's targets, measured on real records (``calibrate``)

Sources import the snapshot contract and the ground floor only, never the parts or the book.
"""
