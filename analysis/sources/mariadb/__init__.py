"""A private MariaDB server, started and stopped by the project, and loading a dump into it.

Its jobs, one module each:

- :mod:`.server`: the server's lifecycle (:class:`Server`: Debian's ``mariadbd`` on a folder of
  its own, a Unix socket and no TCP port, bulk-load settings; a :class:`ServerError` in one line
  when it cannot start);
- :mod:`.containers`: what a dump comes in, opened as one stream of SQL (:func:`open_dump`:
  ``.sql``, ``.sql.gz``, ``.sql.zst``, a ``.zip`` of Deflate, Deflate64, bzip2 or LZMA members, a
  ``.rar``; a folder in the archive, or a dump split over several ``.sql`` files; nothing
  extracted to disk);
- :mod:`.statements`: the SQL split into statements as it streams (:class:`SqlStream`: only the
  tables wanted reach the server, every ``CREATE TABLE`` is shown to a check before that
  table's rows, rows repeating a primary key are counted rather than lost);
- :mod:`.load`: the statements streamed into the server through the ``mariadb`` client
  (:func:`load_dump`, with a progress bar over the bytes of the file);
- :mod:`.query`: a query's rows read back through the ``mariadb`` client, a batch of columns at
  a time (:func:`~.query.client_batches`: the C client, not PyMySQL's Python, decodes them).

A file that is not a dump, an archive that cannot be read, a dump cut in the middle of a
statement or a full disk is a :class:`DumpError` with a one-line message naming the file.
"""

from analysis.sources.mariadb.containers import (
    CHUNK,
    DUMP_HEADER,
    SQL_SUFFIXES,
    ZIP_METHODS,
    Container,
    DumpError,
    check_head,
    dump_kind,
    open_dump,
    rar_flags,
)
from analysis.sources.mariadb.load import DUMP_TRAILER, MAX_WARNINGS, free_bytes, load_dump, statement_error
from analysis.sources.mariadb.server import (
    MAX_SOCKET_PATH,
    Server,
    ServerError,
    available,
    binaries,
    buffer_pool_size,
)
from analysis.sources.mariadb.statements import MARKER, SqlStream, create_columns, duplicates_in, without_secondary_keys

__all__ = [
    "CHUNK",
    "DUMP_HEADER",
    "DUMP_TRAILER",
    "MARKER",
    "MAX_SOCKET_PATH",
    "MAX_WARNINGS",
    "SQL_SUFFIXES",
    "ZIP_METHODS",
    "Container",
    "DumpError",
    "Server",
    "ServerError",
    "SqlStream",
    "available",
    "binaries",
    "buffer_pool_size",
    "check_head",
    "create_columns",
    "dump_kind",
    "duplicates_in",
    "free_bytes",
    "load_dump",
    "open_dump",
    "rar_flags",
    "statement_error",
    "without_secondary_keys",
]
