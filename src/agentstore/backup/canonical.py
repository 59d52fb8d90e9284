"""One canonical text per row, the same on every backend, and checksums over it.

A row becomes one JSON array (columns in table order, no spaces); times are ISO 8601 in UTC
(SQLite's naive times are UTC), floats keep every digit, JSON columns keep their key order.
The portable archive stores exactly these lines, and every import and SQLite restore reads
the target back into the same lines: equal checksums mean equal data, type for type.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, Table

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def kind_of(column_type: Any) -> str:
    """The portable kind of a column: integer, float, boolean, datetime, json or text."""
    for sql_type, kind in (
        (JSON, "json"),
        (DateTime, "datetime"),
        (Boolean, "boolean"),
        (Integer, "integer"),
        (Float, "float"),
    ):
        if isinstance(column_type, sql_type):
            return kind
    try:
        generic = column_type.as_generic()
    except NotImplementedError:
        return "text"
    return kind_of(generic) if type(generic) is not type(column_type) else "text"


def columns_of(table: Table) -> list[list[str]]:
    """``[[name, kind], ...]`` for every column, in table order."""
    return [[c.name, kind_of(c.type)] for c in table.columns]


def _datetime(value: Any) -> str:
    moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is not None and moment.utcoffset():
        moment = moment.astimezone(UTC)
    # Naive times (SQLite) are UTC; aware ones are now in UTC: one spelling for both.
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "+00:00"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


_TO_PORTABLE: dict[str, Callable[[Any], Any]] = {
    "datetime": _datetime,
    "float": float,
    "boolean": bool,
    "json": _json,
}


def to_portable(value: Any, kind: str) -> Any:
    if value is None:
        return None
    convert = _TO_PORTABLE.get(kind)
    return value if convert is None else convert(value)


def from_portable(value: Any, kind: str) -> Any:
    if value is None or kind != "datetime":
        return value
    return datetime.fromisoformat(value)


def line(row: Iterable[Any], kinds: list[str]) -> bytes:
    """A row's canonical line, newline included."""
    converters = [_TO_PORTABLE.get(kind) for kind in kinds]
    values = [v if f is None or v is None else f(v) for v, f in zip(row, converters, strict=True)]
    return (_ENCODER.encode(values) + "\n").encode()


def parse(data: bytes, kinds: list[str]) -> list[Any]:
    """The column values a canonical line holds, ready to insert."""
    values = json.loads(data)
    return [from_portable(v, k) for v, k in zip(values, kinds, strict=True)]


class Checksum:
    """Counts lines and hashes them; ``hexdigest`` names the whole table."""

    def __init__(self) -> None:
        self.rows = 0
        self._hash = hashlib.sha256()

    def add(self, data: bytes) -> None:
        self.rows += 1
        self._hash.update(data)

    def hexdigest(self) -> str:
        return "sha256:" + self._hash.hexdigest()
