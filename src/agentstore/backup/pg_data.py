"""Load a dump's table data into an open transaction, reading pg_restore's output as data.

``pg_restore --data-only`` writes a script: a few ``SET`` lines, then per table one
``COPY public.<table> (<columns>) FROM stdin;`` line, the rows, and a ``\\.`` line. The
script is never run: each line outside the rows must be one of those few shapes, the table
must be one of agentstore's and the columns the table's own, and the ``COPY`` statement is
rebuilt here with ``psycopg.sql`` (identifiers quoted by the driver, nothing pasted). The
rows travel to the server as COPY data, which the server parses as data only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any

import psycopg
from psycopg import sql

from agentstore.errors import BackupCorrupt

CHUNK = 1 << 20
_END = b"\\.\n"
_COPY = re.compile(rb"^COPY public\.([a-z_][a-z0-9_]*) \(([a-z0-9_, \"]*)\) FROM stdin;$")
_IDENTIFIER = re.compile(r'^"?([a-z_][a-z0-9_]*)"?$')
#: Lines pg_restore writes around the data that are read and ignored (never run).
_IGNORED = re.compile(
    rb"^(--.*|SET [a-z_]+ = [A-Za-z0-9_']+;|SELECT pg_catalog\.set_config\('search_path', '',"
    rb" false\);|\\(un)?restrict [A-Za-z0-9]+)?$"
)


def load(
    script: IO[bytes],
    connection: psycopg.Connection[Any],
    columns: dict[str, list[str]],
    where: str,
    progress: Callable[[str], None] = lambda _: None,
) -> set[str]:
    """Copy every table's rows from ``script`` into ``connection``; the tables loaded.

    ``columns`` maps each table that may be loaded to its columns in the target.
    """
    reader = _Reader(script)
    loaded: set[str] = set()
    while line := reader.readline():
        header = _COPY.match(line.rstrip(b"\n"))
        if header is None:
            if line.endswith(b"\n") and _IGNORED.match(line.rstrip(b"\n")):
                if b"client_encoding" in line and b"'UTF8'" not in line:
                    raise BackupCorrupt(f"{where}: the dump is not in UTF8")
                continue
            raise BackupCorrupt(f"{where}: the dump holds a statement that is not table data")
        table = header.group(1).decode()
        names = _columns(header.group(2).decode(), table, columns, where)
        if table in loaded:
            raise BackupCorrupt(f"{where}: the dump holds the data of {table} twice")
        loaded.add(table)
        progress(f"loading {table}")
        statement = sql.SQL("COPY public.{} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names))
        )
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            if not reader.rows(copy.write):
                raise BackupCorrupt(f"{where}: the data of {table} is cut short")
    return loaded


def _columns(text: str, table: str, columns: dict[str, list[str]], where: str) -> list[str]:
    if table not in columns:
        raise BackupCorrupt(f"{where}: the dump holds data for {table}, not an agentstore table")
    names: list[str] = []
    for item in text.split(", "):
        found = _IDENTIFIER.match(item)
        if not found or found.group(1) not in columns[table] or found.group(1) in names:
            raise BackupCorrupt(f"{where}: the dump's columns of {table} are not agentstore's")
        names.append(found.group(1))
    return names


class _Reader:
    """pg_restore's output read in large chunks: whole lines, or rows up to ``\\.``."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream, self._buffer = stream, b""

    def _fill(self) -> bool:
        chunk = self._stream.read(CHUNK)
        self._buffer += chunk
        return bool(chunk)

    def readline(self) -> bytes:
        while (end := self._buffer.find(b"\n")) < 0:
            if not self._fill():
                line, self._buffer = self._buffer, b""
                return line
        line, self._buffer = self._buffer[: end + 1], self._buffer[end + 1 :]
        return line

    def rows(self, write: Callable[[bytes], None]) -> bool:
        """Pass the rows (whole lines) to ``write`` up to the end line; ``False`` if cut short."""
        while True:
            if self._buffer.startswith(_END):
                self._buffer = self._buffer[len(_END) :]
                return True
            end = self._buffer.find(b"\n" + _END)
            if end >= 0:
                write(self._buffer[: end + 1])
                self._buffer = self._buffer[end + 1 + len(_END) :]
                return True
            last = self._buffer.rfind(b"\n")
            if last >= 0:
                write(self._buffer[: last + 1])
                self._buffer = self._buffer[last + 1 :]
            if not self._fill():
                return False
