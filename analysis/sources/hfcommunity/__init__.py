"""HFCommunity dumps as a source: a MariaDB database of the Hub, read into a snapshot.

HFCommunity (SOM Research Lab, Universitat Oberta de Catalunya; CC BY-SA 4.0) publishes the Hub
each month as a MariaDB dump; the dump of 9 October 2023 holds the month of the paper's
collection. Two steps:

``python -m analysis import-hfcommunity --dump DUMP [OUT_DIR]`` (``make hfcommunity DUMP=...``)
    checks the free disk space, starts a private MariaDB server on ``data/hfcommunity/<dump
    id>/`` (:mod:`analysis.sources.mariadb`; any container it reads), loads the dump into it
    (once: a rerun reuses the loaded database; a load that did not finish is detected and
    redone), imports it into ``OUT_DIR`` (default ``data/snapshots/hfcommunity-<dump date>``)
    and stops the server. The load passes to the server only the tables the importer reads,
    without the keys it does not use, and checks each of those tables' ``CREATE TABLE`` as it
    streams past, so that a dump it cannot read fails at that statement; rows that repeat a
    primary key are counted per table, the first kept (the snapshot's ``fetch_log`` says so).
``python -m analysis import-hfcommunity (--socket PATH | --url mysql://...) OUT_DIR``
    imports from a server that is already running.

The modules, in the order the data passes through them:

- :mod:`.dumps`: the files HFCommunity publishes (name, date, record, license);
- :mod:`.load`: a dump loaded into its private server, once (:func:`loaded_server`);
- :mod:`.commit_repo`: v1.0's ``file`` and ``files_in_commit`` made into a small ``commit_repo``
  (commit -> repository) as the dump streams past, neither loaded;
- :mod:`.schema`: the tables and columns read, the schema version (v1.0 or v1.1) told from the
  columns present, the checks that refuse what cannot be read (:class:`DdlCheck` as the DDL
  streams past, :func:`detect_schema` on the server);
- :mod:`.tables`: one reader per snapshot table behind a small spec (:data:`~.tables.SPECS`);
- :mod:`.coverage`: the manifest's coverage, ``repo_coverage`` and the notes on the dumps' traps;
- :mod:`.to_snapshot`: the readers run into a new snapshot (:func:`import_database`);
- :mod:`.cli`: the command (:func:`main`).

What is read, and how it maps onto the snapshot (:mod:`analysis.snapshot.schema`):

- ``repository`` (+ ``model``, ``dataset``, ``space``): the three repository tables. Ids in
  the dump carry the type (``models/gpt2``); the snapshot's id is the Hub's. ``gated`` is an
  integer there (``"false"``/``"true"`` here: auto and manual are not told apart); likes are
  ``repository.likes``; downloads ``model.downloads`` / ``dataset.downloads``; ``sdk`` from
  ``space`` (schema v1.1 only). Repositories deleted from the Hub after HFCommunity first read
  them stay in its database (it updates incrementally, and marks none): they are imported like
  any other.
- **No creation date**: ``repository`` has none, so ``created_at`` is the date of the
  repository's first commit in the dump (a git author date, which can predate the upload), and
  the coverage says so (``created_at_basis``).
- ``tags_in_repo``: the tags (sorted: the dump keeps no order) and the license, the first
  ``license:`` tag in that order.
- ``commits``: one author per commit, the git author name as recorded (coverage
  ``author_names: git``: the identity resolution of Part II exists for these). Schema v1.1 has
  ``commits.repo_id`` and ``in_main_branch`` (commits off the main branch are left out and
  counted); the time is ``author_date`` plus ``author_tz`` (seconds west of UTC, pydriller's
  sign). Schema v1.0 (up to the October 2023 dump) has neither: a commit belongs to every
  repository one of whose files it touched (``files_in_commit`` -> ``file.repo_id``); a commit
  that touched none is not imported (a ``fetch_log`` row each), and its ``timestamp`` is read
  as UTC. A dump the project loads has ``commit_repo`` (:mod:`.commit_repo`) in their place;
  a database loaded otherwise is read through the two tables' join, to the same rows.
- ``discussion``: pull requests flagged; the opener is ``author`` (``deleted``, what
  ``huggingface_hub`` reports for a deleted account, becomes null).
- ``models_in_space`` (v1.1): ``space_models``; ``author.type``: the ``owners`` table
  (``user``/``org``), for the owners HFCommunity recorded a type for. The dump compares names
  under ``utf8mb4_general_ci`` (case and accents ignored): ``author`` holds one row for owners
  whose names differ only so, and the coverage counts them; every other column keeps each
  spelling, and the import compares names exactly.

Every table or column the importer would use and did not find is listed in the manifest and the
summary. Only ``repository`` is required; a table that is present but lacks its key columns is
an error naming them. Reading streams (server-side cursors, batches of rows), so a whole dump
never sits in memory. The manifest records the dump (file name, size, sha256, date, record URL,
license).
"""

from analysis.sources.hfcommunity.cli import main
from analysis.sources.hfcommunity.coverage import build_coverage, known_traps
from analysis.sources.hfcommunity.dumps import KNOWN_DUMPS, LICENSE, PROJECT_URL, dump_facts, dump_id
from analysis.sources.hfcommunity.load import (
    DISK_PER_SQL_BYTE,
    HFC_DATA,
    SQL_PER_COMPRESSED_BYTE,
    loaded_server,
    precheck,
    space_needed,
)
from analysis.sources.hfcommunity.schema import (
    AFTER_LOAD,
    KEYS,
    LOAD_DB,
    READ_TABLES,
    V10_LINK,
    WANTED,
    DdlCheck,
    HFCommunityError,
    detect_schema,
    find_database,
    load_record,
    reads_table,
    table_problem,
    version_from,
)
from analysis.sources.hfcommunity.tables import (
    BATCH,
    SPECS,
    read_commits,
    read_discussions,
    read_owners,
    read_repos,
    read_space_models,
)
from analysis.sources.hfcommunity.to_snapshot import connector, import_database

__all__ = [
    "AFTER_LOAD",
    "BATCH",
    "DISK_PER_SQL_BYTE",
    "HFC_DATA",
    "KEYS",
    "KNOWN_DUMPS",
    "LICENSE",
    "LOAD_DB",
    "PROJECT_URL",
    "READ_TABLES",
    "SPECS",
    "SQL_PER_COMPRESSED_BYTE",
    "V10_LINK",
    "WANTED",
    "DdlCheck",
    "HFCommunityError",
    "build_coverage",
    "connector",
    "detect_schema",
    "dump_facts",
    "dump_id",
    "find_database",
    "import_database",
    "known_traps",
    "load_record",
    "loaded_server",
    "main",
    "precheck",
    "read_commits",
    "read_discussions",
    "read_owners",
    "read_repos",
    "read_space_models",
    "reads_table",
    "space_needed",
    "table_problem",
    "version_from",
]
