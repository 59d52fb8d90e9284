"""Every row of an archive checked against the target's columns before it is written.

The same rules on every backend (SQLite would quietly keep text in an integer column or a
NUL in text): a value of the column's kind, within its range and length, no null where the
column takes none, no NUL in text, no primary key twice, and no reference to a row the
archive does not hold. The first row that breaks one is refused in one line, naming the
table, the row's line and the column.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String, Table

from agentstore.errors import BackupCorrupt

_BITS = {SmallInteger: 16, BigInteger: 64}


def _bits(column_type: Any, dialect: str) -> int:
    for kind, bits in _BITS.items():
        if isinstance(column_type, kind):
            return bits
    if dialect == "sqlite" or not isinstance(column_type, Integer):
        return 64
    return 32


def _not_integer(value: Any) -> str:
    if type(value) is int:
        return f"{value} is out of the column's range"
    return f"{value!r} is not an integer"


def _not_text(value: Any, length: int | None) -> str:
    if type(value) is not str:
        return f"{value!r} is not text"
    if "\x00" in value:
        return "the text holds a NUL character"
    return f"the text is longer than {length} characters"


class RowChecks:
    """The rules for one table; ``check`` refuses a row, ``seen`` keeps what it referred to.

    ``parents`` maps a table name to the primary keys already loaded from the archive.
    """

    def __init__(
        self,
        table: Table,
        names: list[str],
        kinds: list[str],
        dialect: str,
        parents: dict[str, set[Any]],
        where: str,
    ) -> None:
        self.table, self.where = table, where
        self.columns = [table.c[name] for name in names]
        self.kinds = kinds
        self.ranges = [
            range(-(2 ** (b - 1)), 2 ** (b - 1))
            for b in (_bits(column.type, dialect) for column in self.columns)
        ]
        self.lengths = [
            getattr(column.type, "length", None) if isinstance(column.type, String) else None
            for column in self.columns
        ]
        keys = [c.name for c in table.primary_key.columns]
        self.key_at = [names.index(k) for k in keys] if all(k in names for k in keys) else []
        self.keys: set[Any] = parents.setdefault(table.name, set())
        self.references = []
        for foreign in table.foreign_keys:
            target = foreign.column
            parent_keys = [c.name for c in target.table.primary_key.columns]
            if foreign.parent.name in names and parent_keys == [target.name]:
                self.references.append(
                    (names.index(foreign.parent.name), target.table.name, foreign.parent.name)
                )
        self.parents = parents
        # Per column: (position, kind, nullable, integer range, text length); JSON takes all.
        self.rules = [
            (i, kinds[i], column.nullable, self.ranges[i], self.lengths[i])
            for i, column in enumerate(self.columns)
            if kinds[i] != "json" or not column.nullable
        ]

    def _refuse(self, line: int, column: str, why: str) -> BackupCorrupt:
        return BackupCorrupt(
            f"{self.where}: table {self.table.name}, line {line}, column {column}: {why}; "
            "nothing was changed"
        )

    def check(self, values: list[Any], line: int) -> None:
        """Refuse ``values`` (line ``line`` of the table) unless the target can hold them."""
        for i, kind, nullable, bounds, length in self.rules:
            value = values[i]
            if value is None:
                if not nullable:
                    raise self._refuse(line, self.columns[i].name, "null where a value is required")
            elif kind == "integer":
                if type(value) is not int or value not in bounds:
                    raise self._refuse(line, self.columns[i].name, _not_integer(value))
            elif kind == "text":
                if type(value) is not str or "\x00" in value or (length and len(value) > length):
                    raise self._refuse(line, self.columns[i].name, _not_text(value, length))
            elif kind == "float":
                if type(value) is not float and type(value) is not int:
                    raise self._refuse(line, self.columns[i].name, f"{value!r} is not a number")
            elif kind == "boolean":
                if type(value) is not bool:
                    raise self._refuse(line, self.columns[i].name, f"{value!r} is not a boolean")
            elif kind == "datetime" and not isinstance(value, datetime):
                raise self._refuse(line, self.columns[i].name, f"{value!r} is not a moment")
        for at, parent, name in self.references:
            value = values[at]
            if value is not None and value not in self.parents.get(parent, ()):
                raise self._refuse(line, name, f"{value!r} refers to no row of {parent}")
        if self.key_at:
            key = (
                values[self.key_at[0]]
                if len(self.key_at) == 1
                else tuple(values[i] for i in self.key_at)
            )
            if key in self.keys:
                raise self._refuse(
                    line,
                    "/".join(c.name for c in self.table.primary_key),
                    (f"{key!r} appears twice"),
                )
            self.keys.add(key)
