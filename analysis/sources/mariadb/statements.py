"""A dump's statements, split as they stream past (:class:`SqlStream`): only the tables wanted
reach the server, every ``CREATE TABLE`` is shown to a check before that table's rows arrive, and
the keys the load does not need are left out of it (:func:`without_secondary_keys`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from operator import itemgetter

_NAME = rb"`((?:[^`]|``)+)`"
_INSERT = re.compile(
    rb"\s*(?:INSERT|REPLACE)(?:\s+(?:IGNORE|DELAYED|LOW_PRIORITY|HIGH_PRIORITY))*\s+INTO\s+" + _NAME, re.I
)
_TABLE_STMT = re.compile(
    rb"\s*(?:(DROP) TABLE (?:IF EXISTS )?|(CREATE) TABLE (?:IF NOT EXISTS )?|(LOCK) TABLES |"
    rb"/\*!40000 (ALTER) TABLE )" + _NAME,
    re.I,
)
_END = re.compile(rb";\r?\n")
_UNIQUE_OFF = re.compile(rb"UNIQUE_CHECKS\s*=\s*0", re.I)
#: the column a table's name is selected as before its rows (``count_duplicates``)
MARKER = b"hfc_load_table"
_SECONDARY = re.compile(rb"^\s*(?:(?:UNIQUE|FULLTEXT|SPATIAL)\s+)?(?:KEY|INDEX)\s|^\s*CONSTRAINT\s", re.I)
#: one value of an INSERT as mariadb-dump writes it: a quoted string, NULL, a number, hex or bits
_VALUE = rb"(?:'[^'\\]*(?:\\.[^'\\]*)*'|NULL|[-+0-9.eE]+|_binary\s*'[^'\\]*(?:\\.[^'\\]*)*'|0x[0-9A-Fa-f]*|b'[01]*')"
_VALUES = re.compile(rb"\s*VALUES\s*", re.I)

#: what a transform returns for one statement of its table: the table its SQL creates or fills,
#: and that SQL (b"" for nothing)
Transformed = tuple[str, bytes]


def insert_values(stmt: bytes, ncols: int, wanted: tuple[int, ...]) -> list[tuple[bytes, ...]]:
    """The rows of an ``INSERT ... VALUES`` statement without a column list, each a tuple of the
    row's own text and its values at positions ``wanted`` (of ``ncols``; in increasing order),
    each value as the dump writes it (a string keeps its quotes and escapes). ValueError if the
    rows are not all of ``ncols`` values one after another."""
    head = _INSERT.match(stmt)
    values = _VALUES.match(stmt, head.end()) if head else None
    if values is None:
        raise ValueError("not an INSERT ... VALUES statement without a column list")
    body = stmt[values.end() :].rstrip().rstrip(b";").rstrip()
    found = _row_pattern(ncols, tuple(sorted(wanted))).findall(body)
    # rows one after another, a comma (and a line break, one row a line) between: their lengths add up to the body's
    if sum(map(len, map(itemgetter(0), found))) != len(body) or body[:1] not in b"(":
        raise ValueError(f"rows that are not {ncols} values each")
    return found


_ROWS: dict[tuple[int, tuple[int, ...]], re.Pattern] = {}


def _row_pattern(ncols: int, wanted: tuple[int, ...]) -> re.Pattern:
    if (ncols, wanted) not in _ROWS:
        groups = [b"(" + _VALUE + b")" if i in wanted else _VALUE for i in range(ncols)]
        _ROWS[ncols, wanted] = re.compile(b"(\\(" + b",".join(groups) + b"\\)(?:\\s*,\\s*|\\s*\\Z))", re.S)
    return _ROWS[ncols, wanted]


def without_secondary_keys(stmt: bytes) -> bytes:
    """A ``CREATE TABLE`` without its secondary keys and foreign keys (the primary key kept):
    rows load in the primary key's order, which mariadb-dump writes, and no other index is
    maintained row by row."""
    lines = stmt.split(b"\n")
    kept = [ln for ln in lines if not _SECONDARY.match(ln)]
    if len(kept) == len(lines):
        return stmt
    for i in range(len(kept) - 1, 0, -1):  # the definition before the closing ')' takes no comma
        if kept[i].lstrip().startswith(b")"):
            kept[i - 1] = kept[i - 1].rstrip().rstrip(b",")
            break
    return b"\n".join(kept)


_COLUMN = re.compile(rb"^\s*" + _NAME + rb"\s+([A-Za-z]+(?:\([^)]*\))?(?:\s+unsigned)?)", re.M)


def create_columns(stmt: bytes) -> dict[str, str]:
    """The columns of a ``CREATE TABLE`` statement, with their types (lower case)."""
    body = stmt[stmt.index(b"(") + 1 :] if b"(" in stmt else b""
    return {
        m.group(1).decode("utf-8", "replace").replace("``", "`"): m.group(2).decode("ascii", "replace").lower()
        for m in _COLUMN.finditer(body)
    }


class SqlStream:
    """A dump's statements, split as they stream past, filtered to the tables wanted.

    A statement ends at a line ending in ``;``: mariadb-dump escapes the newlines inside values,
    and writes an ``INSERT`` on one line or (10.11 and later) one row a line. ``keep(table)`` says
    whether a table's statements go to the server; ``on_create(table, columns)`` sees every
    ``CREATE TABLE`` (and may raise to stop the load there). ``transform(table)`` may give a
    function that receives that table's ``CREATE TABLE`` and each of its ``INSERT`` statements
    whole, in place of the server, and returns the SQL to pass on instead (a table of its own:
    :data:`Transformed`); its table is then not passed on at all. ``CREATE DATABASE`` and ``USE`` are
    dropped (the load chooses the database), and so are views, triggers and routines (they may
    name tables not loaded).

    With ``count_duplicates``, a row that repeats a primary key is neither lost in silence nor
    fatal: every ``INSERT`` passed on becomes ``INSERT IGNORE`` (the first row kept, a warning for
    each other), the dump's ``UNIQUE_CHECKS=0`` becomes ``UNIQUE_CHECKS=1`` (with unique checks
    off, MariaDB's bulk insert into an empty table drops every row of a statement holding a
    duplicate, without a word), and a table's rows are preceded by a ``SELECT`` of its name
    (:data:`MARKER`), so that the client's warnings (``--show-warnings``) can be counted per table
    (:func:`duplicates_in`).
    """

    def __init__(
        self,
        keep: Callable[[str], bool] = lambda t: True,
        on_create: Callable[[str, dict[str, str]], None] = lambda t, c: None,
        rewrite: Callable[[str, bytes], bytes] = lambda t, stmt: stmt,
        *,
        count_duplicates: bool = False,
        transform: Callable[[str], Callable[[bytes], Transformed] | None] = lambda t: None,
    ):
        self.keep, self.on_create, self.rewrite = keep, on_create, rewrite
        self.transform = transform
        self.current_transform: Callable[[bytes], Transformed] | None = None
        self.transformed: Counter = Counter()  # table -> bytes read by its transform, not passed on
        self.count_duplicates = count_duplicates
        self.buf = b""
        self.mode: str | None = None  # inside an INSERT: 'pass' or 'drop' until its line ends in ';'
        self.stmt: list[bytes] = []  # a statement being gathered (not an INSERT)
        self.gathered: list[bytes] = []  # an INSERT being gathered for its table's transform
        self.delimiter = b";"
        self.current: str | None = None  # the table whose section this is
        self.current_kept = True
        self.marked: str | None = None  # the table named by the last marker passed on
        self.created: list[str] = []
        self.filled: set[str] = set()
        self.closed: set[str] = set()
        self.skipped: Counter = Counter()  # table -> bytes not passed to the server
        self.dropped: Counter = Counter()  # kind of statement -> count (database, view, trigger...)
        self.trailer: bytes | None = None
        self.last = b";"  # the last non-blank byte of the last statement's text
        self.complete = False
        self.feeding_stopped = False

    def _table(self, name: str) -> None:
        if self.current is not None and name != self.current:
            self.closed.add(self.current)
        self.current = name
        self.current_kept = self.keep(name)
        self.current_transform = self.transform(name)

    def feed(self, block: bytes) -> bytes:
        """The SQL of ``block`` to pass on (a statement that ends in a later block is held)."""
        buf = self.buf + block if self.buf else block
        out: list[bytes] = []
        pos, more = 0, True
        while more and pos < len(buf):
            if self.mode is not None:
                pos, more = self._insert_body(buf, pos, out)
            elif self.stmt:
                pos, more = self._gather(buf, pos, out)
            else:
                pos, more = self._line(buf, pos, out)
        self.buf = buf[pos:]
        return b"".join(out)

    def _insert_body(self, buf: bytes, pos: int, out: list[bytes]) -> tuple[int, bool]:
        """An INSERT (one line or one row a line) runs to a ';' ending a line."""
        m = _END.search(buf, pos)
        # without an end here, keep the last two bytes: a ';' whose newline is in the next block
        stop = max(pos, len(buf) - 2) if m is None else m.end()
        if self.mode == "pass":
            out.append(buf[pos:stop])
        elif self.mode == "transform":
            self.gathered.append(buf[pos:stop])
        else:
            self.skipped[self.current or "?"] += stop - pos
        if m is None:
            return stop, False
        if self.mode == "transform":
            stmt, self.gathered = b"".join(self.gathered), []
            self.transformed[self.current or "?"] += len(stmt)
            self._emit(self.current_transform(stmt), out)
        self.mode = None
        self.last = b";"
        return stop, True

    def _emit(self, got: Transformed, out: list[bytes]) -> None:
        """A transform's SQL passed on, its table counted as created and its rows marked."""
        table, sql = got
        if not sql:
            return
        if table not in self.created:
            self.created.append(table)
        if self.count_duplicates and self.marked != table and _INSERT.match(sql):
            self.marked = table
            out.append(b"SELECT '" + table.encode() + b"' AS " + MARKER + b";\n")
        out.append(sql)

    def _gather(self, buf: bytes, pos: int, out: list[bytes]) -> tuple[int, bool]:
        """A statement over several lines, up to the line ending in the delimiter."""
        nl = buf.find(b"\n", pos)
        if nl < 0:
            return pos, False
        self.stmt.append(buf[pos : nl + 1])
        if self.stmt[-1].rstrip().endswith(self.delimiter):
            out.append(self._statement(b"".join(self.stmt)))
            self.stmt = []
        return nl + 1, True

    def _insert_head(self, m: re.Match, out: list[bytes]) -> int:
        """The start of an INSERT: its table's section; returns where its body starts (after the
        head, when the head was rewritten and passed on)."""
        table = m.group(1).decode("utf-8", "replace")
        if table != self.current:
            self._table(table)
        self.filled.add(table)
        if self.current_transform is not None:
            self.mode = "transform"
            return m.start()
        self.mode = "pass" if self.current_kept else "drop"
        if not (self.count_duplicates and self.current_kept and m.group(0).lstrip()[:6].upper() == b"INSERT"):
            return m.start()
        if self.marked != table:
            self.marked = table
            name = m.group(1).replace(b"\\", b"\\\\").replace(b"'", b"''")
            out.append(b"SELECT '" + name + b"' AS " + MARKER + b";\n")
        out.append(b"INSERT IGNORE INTO `" + m.group(1) + b"`")
        return m.end()

    def _line(self, buf: bytes, pos: int, out: list[bytes]) -> tuple[int, bool]:
        """One line outside any statement: an INSERT's start, a comment, or a statement's first line."""
        end = len(buf)
        nl = buf.find(b"\n", pos)
        if nl < 0 and end - pos < 256:
            return pos, False  # too little to tell what this line is
        m = _INSERT.match(buf, pos, pos + 256)
        if m:
            return self._insert_head(m, out), True
        if nl < 0:
            nl = end - 1 if end - pos > (1 << 24) else -1
            if nl < 0:
                return pos, False
        line = buf[pos : nl + 1]
        self._first_line(line, out)
        return nl + 1, True

    def _first_line(self, line: bytes, out: list[bytes]) -> None:
        stripped = line.strip()
        if not stripped or stripped.startswith(b"--"):
            if stripped.startswith(b"-- Dump completed"):
                self.trailer = stripped
            return  # comments are not passed on
        if stripped.startswith(b"/*M!999999"):  # mariadb-dump's sandbox line (no ';'): for the client
            out.append(line)
        elif stripped.upper().startswith(b"DELIMITER"):
            self.delimiter = stripped.split()[1] if len(stripped.split()) > 1 else b";"
            self.dropped["routine or trigger"] += 1
        elif stripped.endswith(self.delimiter):
            out.append(self._statement(line))
        else:
            self.stmt = [line]

    def _statement(self, stmt: bytes) -> bytes:
        text = stmt.rstrip()
        self.last = text[-1:] if text else self.last
        head = stmt.lstrip()[:300]
        if self.delimiter != b";":
            return b""  # inside a DELIMITER block: triggers and routines
        m = _TABLE_STMT.match(head)
        if m:
            table = m.group(5).decode("utf-8", "replace").replace("``", "`")
            if m.group(2):  # CREATE TABLE: checked before anything of the table is loaded
                self.on_create(table, create_columns(stmt))
            self._table(table)
            if m.group(2) and self.current_transform is not None:
                self.transformed[table] += len(stmt)
                made: list[bytes] = []
                self._emit(self.current_transform(stmt), made)
                return b"".join(made)
            if m.group(2) and self.current_kept:
                self.created.append(table)
                stmt = self.rewrite(table, stmt)
            if m.group(4) and b"ENABLE KEYS" in head.upper():
                self.closed.add(table)
            if not self.current_kept:
                self.skipped[table] += len(stmt)
                return b""
            return stmt
        up = head.upper()
        if up.startswith(b"UNLOCK TABLES"):
            if self.current is not None:
                self.closed.add(self.current)
            return stmt if self.current_kept else b""
        if up.startswith((b"CREATE DATABASE", b"USE ", b"/*!40000 DROP DATABASE", b"/*!40000 CREATE DATABASE")):
            self.dropped["database"] += 1
            return b""
        if re.match(rb"/\*!50001 |/\*!50003 |/\*!50013 |/\*!50017 |CREATE (?:OR REPLACE )?(?:ALGORITHM|VIEW)", up):
            self.dropped["view"] += 1
            return b""
        if self.count_duplicates and _UNIQUE_OFF.search(head):
            return _UNIQUE_OFF.sub(b"UNIQUE_CHECKS=1", stmt)
        return stmt

    def finish(self) -> bytes:
        """What is left to pass on once the stream has ended; then ``complete`` says whether it
        ended after a whole statement."""
        out = self.feed(b"\n") if self.buf.strip() else b""
        self.complete = self.mode is None and not self.stmt and not self.buf.strip()
        if self.current is not None and self.trailer:
            self.closed.add(self.current)
        return out


def duplicates_in(output) -> dict[str, int]:
    """Rows that repeated a primary key, per table, from the client's ``--show-warnings`` output
    (lines, as bytes) of a load through a :class:`SqlStream` that counts them."""
    counts: Counter = Counter()
    table, name_next = "?", False
    for line in output:
        line = line.rstrip(b"\r\n")
        if name_next:
            table, name_next = line.decode("utf-8", "replace"), False
        elif line == MARKER:
            name_next = True
        elif line.startswith(b"Warning (Code 1062)"):
            counts[table] += 1
    return dict(sorted(counts.items()))
