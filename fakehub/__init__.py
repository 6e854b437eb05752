"""The fake Hub: a local HTTP server that speaks the Hugging Face Hub's REST API.

A test double, not part of the analysis: the collector's tests and benchmarks serve a
snapshot through it on 127.0.0.1 and collect it back with the real ``huggingface_hub``
client. ``python -m fakehub SNAPSHOT_DIR`` (also ``python -m analysis fakehub``) serves one.

- :mod:`.server`   the server (:class:`~fakehub.server.FakeHub`): options, indexing, lifecycle, command line
- :mod:`.api`      the Hub's API shapes: accepted ``expand`` fields, default fields, errors, parameters
- :mod:`.index`    the snapshot in memory: per-type indexes, listings and their pages
- :mod:`.faults`   the rate limit, injected faults, the failures a snapshot records
- :mod:`.routes`   the request handler: every endpoint the server answers
- :mod:`.sources`  small seeded source snapshots that exercise every edge case

It imports the snapshot contract of :mod:`analysis`; :mod:`analysis` never imports it.
"""

from fakehub.server import FakeHub

__all__ = ["FakeHub"]
