"""A query's rows read through the ``mariadb`` command-line client (:func:`client_batches`), a
batch of columns at a time: the client is C and PyMySQL decodes every field in Python, so that a
few million rows take seconds here and minutes through PyMySQL's cursor (measured in
``bench/bench_hfcommunity.py``).

Every selected value travels as text in the client's raw tab-separated output, wrapped in SQL so
that nothing in it can be taken for a separator: a value is ``=`` followed by its text with
backslash, tab, newline and carriage return written ``\\\\``, ``\\t``, ``\\n``, ``\\r``, and NULL
is ``N``. The columns come back as lists of ``str`` (``None`` for NULL), as PyMySQL gives them
with DATETIME read as text; numbers come as their text. A client that fails is a
:class:`QueryError` with its message in one line.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from analysis.sources.mariadb.server import _find

#: the bytes of client output parsed at a time (one batch of rows)
BLOCK = 16 << 20
_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
_ESCAPED = re.compile(r"\\(.)", re.S)


class QueryError(Exception):
    """The client could not run the query: a one-line message."""


def client_binary() -> str | None:
    """The ``mariadb`` (or ``mysql``) client, or None where neither is installed."""
    return _find("mariadb") or _find("mysql")


def wrapped(expr: str) -> str:
    """``expr`` as the client passes it: ``=`` and the escaped text, or ``N`` for NULL."""
    text = f"CAST({expr} AS CHAR)"
    for raw, esc in (("\\\\", "\\\\\\\\"), ("\\t", "\\\\t"), ("\\n", "\\\\n"), ("\\r", "\\\\r")):
        text = f"REPLACE({text}, '{raw}', '{esc}')"
    return f"IFNULL(CONCAT('=', {text}), 'N')"


def client_args(conn, database: str) -> tuple[list[str], dict[str, str]] | None:
    """The client's command line and environment for the server and user of PyMySQL connection
    ``conn`` (its password, if any, in the child's environment only); None without a client."""
    binary = client_binary()
    if binary is None:
        return None
    user = conn.user.decode() if isinstance(conn.user, bytes) else conn.user
    where = [f"--socket={conn.unix_socket}"] if conn.unix_socket else [f"--host={conn.host}", f"--port={conn.port}"]
    env = dict(os.environ)
    env.pop("MYSQL_PWD", None)
    if conn.password:
        pw = conn.password
        env["MYSQL_PWD"] = pw.decode("latin1") if isinstance(pw, bytes) else pw
    argv = [binary, "--no-defaults", *where, f"--user={user}", f"--database={database}"]
    return argv + ["--batch", "--raw", "--quick", "--skip-column-names", "--default-character-set=utf8mb4"], env


def _decode(arr: pa.Array) -> list[str | None]:
    """One column of the client's output as Python values (see the module's docstring)."""
    null = pc.equal(arr, "N")
    text = pc.utf8_slice_codeunits(arr, 1)
    out = pc.if_else(null, pa.scalar(None, pa.string()), text).to_pylist()
    escaped = pc.and_(pc.invert(null), pc.match_substring(arr, "\\"))
    for i in pc.indices_nonzero(escaped).to_pylist():
        out[i] = _ESCAPED.sub(lambda m: _UNESCAPE.get(m.group(1), m.group(1)), out[i])
    return out


def client_batches(
    args: tuple[list[str], dict[str, str]],
    select: Sequence[str],
    rest: str,
    *,
    init: str = "",
    block: int = BLOCK,
) -> Iterator[list[list[str | None]]]:
    """The rows of ``SELECT <select...> <rest>`` (``rest``: FROM, joins, WHERE, ORDER BY) through
    the client, a batch of columns (lists, in ``select``'s order) at a time."""
    argv, env = args
    sql = f"{init.rstrip(';')}; " if init else ""
    sql += f"SELECT {', '.join(wrapped(e) for e in select)} {rest}"
    names = [f"c{i}" for i in range(len(select))]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([*argv, "-e", sql], stdout=subprocess.PIPE, stderr=err, env=env)
        try:
            yield from _parsed(proc, names, block)
        except pa.ArrowInvalid as exc:  # output cut short or malformed: the client's error says why
            proc.stdout.close()
            proc.wait()
            raise QueryError(f"query failed ({_last_line(err) or str(exc)[:160]}): {rest[:120]}") from None
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            proc.stdout.close()
        code = proc.wait()
        if code != 0:
            raise QueryError(f"query failed ({_last_line(err) or f'status {code}'}): {rest[:120]}")


def _last_line(err) -> str:
    err.seek(0)
    lines = err.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:200] if lines else ""


def _parsed(proc: subprocess.Popen, names: list[str], block: int) -> Iterator[list[list[str | None]]]:
    """The client's output parsed by Arrow's CSV reader, a block at a time (nothing for no rows)."""
    import pyarrow.csv as pcsv

    try:
        reader = pcsv.open_csv(
            proc.stdout,
            read_options=pcsv.ReadOptions(column_names=names, block_size=block, use_threads=False),
            parse_options=pcsv.ParseOptions(delimiter="\t", quote_char=False, escape_char=False),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        if "Empty CSV" in str(exc):
            return
        raise QueryError(f"unreadable client output ({str(exc)[:160]})") from None
    for batch in reader:
        if batch.num_rows:
            yield [_decode(batch.column(i)) for i in range(len(names))]
