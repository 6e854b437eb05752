"""The fake Hub: a local HTTP server that speaks the Hugging Face Hub's REST API.

A test double, not part of the analysis: the collector's tests and benchmarks serve a
snapshot through it on 127.0.0.1 and collect it back with the real ``huggingface_hub``
client. ``python -m fakehub SNAPSHOT_DIR`` (also ``python -m analysis fakehub``) serves one.

- :mod:`.server`   the server (:class:`~fakehub.server.FakeHub`), with injectable faults
- :mod:`.sources`  small seeded source snapshots that exercise every edge case

It imports the snapshot contract of :mod:`analysis`; :mod:`analysis` never imports it.
"""

from fakehub.server import FakeHub

__all__ = ["FakeHub"]
