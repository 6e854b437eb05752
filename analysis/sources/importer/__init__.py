"""Import raw Hub API records (JSON Lines, optionally gzipped) into a snapshot.

``python -m analysis import SRC_DIR... OUT_DIR [--snapshot-id ID] [--snapshot-date YYYY-MM-DD] [--strict]``

Record files are recognised by name (``NAME.jsonl``, ``NAME.jsonl.gz``, or a
shard ``NAME-*.jsonl[.gz]``), where NAME is one of:

``models``, ``datasets``, ``spaces``
    listing items of ``GET /api/{models,datasets,spaces}``, one per line.
``model_info``
    ``GET /api/models/{id}`` records; their ``spaces`` give the
    ``space_models`` edges (the ``model_spaces`` step) and their fields fill
    *missing* fields of the listed model (never overwrite it).
``commits``
    items of ``GET /api/{type}s/{id}/commits/{rev}`` carrying ``repo_id``
    (and ``repo_type``, default ``model``).
``discussions``
    items of ``GET /api/{type}s/{id}/discussions`` carrying ``repo_id``
    (and ``repo_type``, default ``model``).

Records are normalised into the snapshot format (:mod:`analysis.snapshot.schema`):
``owner`` is the part of the id before ``/`` (null for legacy ids such as
``gpt2``), ``license`` the first ``license:`` tag, timestamps UTC, ``gated`` a
string. A field a record does not have stays null, and the manifest's coverage
says, per table and column, how many rows have it. Nothing is invented.

Malformed records (bad JSON, wrong types, missing id) and duplicate ids are never
imported: they are counted, written to the ``fetch_log`` table (outcome
``malformed`` or ``duplicate``, source ``file:line``) and summarised; with
``on_error="stop"`` (``--strict``) the first one stops the import with a one-line
message. The snapshot's date is when the listings were collected, never a date read
from the records (a record dated after it is flagged, not used).

The modules, in the order a record passes through them:

- :mod:`.files`       the record files: names, the known shared sources (by sha256), finding them
- :mod:`.reading`     a file as decompressed blocks cut at line ends, each parsed (pyarrow, or line by line)
- :mod:`.converting`  parsed records → the snapshot's tables; malformed and duplicate records → ``fetch_log``
- :mod:`.coverage`    the manifest's coverage of each table and the snapshot's date
- :mod:`.run`         one import from start to finish, and the command line
"""

from analysis.sources.importer.converting import ENRICH_FIELDS, PLACEHOLDER_CREATED, PY_BATCH
from analysis.sources.importer.files import FILE_RE, KINDS, KNOWN_SOURCES, ImportStopped, SourceFile, find_sources
from analysis.sources.importer.reading import BLOCK_SIZE
from analysis.sources.importer.run import import_records, main

__all__ = [
    "BLOCK_SIZE",
    "ENRICH_FIELDS",
    "FILE_RE",
    "KINDS",
    "KNOWN_SOURCES",
    "PLACEHOLDER_CREATED",
    "PY_BATCH",
    "ImportStopped",
    "SourceFile",
    "find_sources",
    "import_records",
    "main",
]
