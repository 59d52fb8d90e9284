"""The manifest every backup file carries: what it holds, where from, and how to check it.

A file is one zip archive with ``manifest.json`` and the data (a PostgreSQL dump, a SQLite
database, or one JSON Lines file per table plus the memory). The manifest says the format
version, the schema revision, the source (password hidden), and per table its row count and
checksum, so every restore and import can prove it brought back exactly what was saved.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeGuard

from agentstore.errors import BackupCorrupt, BackupTooNew
from agentstore.migrations import runner

FORMAT = "agentstore-backup"
FORMAT_VERSION = 1
KINDS = ("postgres-dump", "sqlite-file", "portable")


@dataclass(frozen=True)
class TableSummary:
    """One table as saved: its row count and checksum (and, in portable files, its columns)."""

    rows: int
    checksum: str
    columns: list[list[str]] = field(default_factory=list)


@dataclass
class Manifest:
    """What a backup file holds; serialised as ``manifest.json``."""

    kind: str
    source_backend: str
    source_url: str
    schema_revision: str | None
    tables: dict[str, TableSummary]
    server_major: int | None = None
    tools_major: int | None = None
    sequences: dict[str, list[Any]] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values()) + int(self.memory.get("entries", 0))

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes, where: str) -> Manifest:
        """Read a manifest; ``BackupCorrupt`` when unreadable, ``BackupTooNew`` when newer.

        Every field is type-checked; JSON nested deeper than ``MAX_DEPTH`` is refused before
        it is parsed (the parser recurses), and so is a manifest over ``MAX_BYTES``.
        """
        if len(data) > MAX_BYTES:
            raise BackupCorrupt(f"{where} has a manifest over {MAX_BYTES} bytes: not a backup")
        if nesting(data) > MAX_DEPTH:
            raise BackupCorrupt(f"{where} has a manifest nested deeper than {MAX_DEPTH} levels")
        try:
            raw = json.loads(data)
        except (ValueError, RecursionError) as error:
            raise BackupCorrupt(f"{where} has a damaged manifest ({_first(error)})") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise BackupCorrupt(f"{where} is not an agentstore backup (no agentstore manifest)")
        version = raw.get("format_version")
        if not _is_int(version) or version < 1:
            raise BackupCorrupt(f"{where} has a damaged manifest (format_version: not a number)")
        if version > FORMAT_VERSION:
            raise BackupTooNew(
                f"{where} was written in backup format {version}, newer than this "
                f"agentstore reads (up to {FORMAT_VERSION}): upgrade agentstore"
            )
        manifest = cls(**_fields(raw, where))
        check_revision(manifest.schema_revision, where)
        return manifest


#: The largest manifest read, and how deeply its JSON may nest (it needs 4 levels).
MAX_BYTES = 1 << 20
MAX_DEPTH = 32
#: Table, column and sequence names: plain lower-case SQL identifiers, nothing to quote.
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
BACKENDS = ("postgres", "sqlite", "redis", "redis_cluster")
COLUMN_KINDS = ("integer", "float", "boolean", "datetime", "json", "text")
BIGINT = (1 << 63) - 1
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")


def nesting(data: bytes) -> int:
    """How deeply the JSON text ``data`` nests arrays and objects (strings skipped)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub(b"", data)):
        depth += 1 if match.group() in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _first(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.splitlines()[0].split())[:200]


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class _Reader:
    """Checks one manifest's fields, each failure a ``BackupCorrupt`` naming the field."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, field: str, what: str) -> NoReturn:
        raise BackupCorrupt(f"{self.where} has a damaged manifest ({field}: {what})")

    def text(self, value: object, field: str, choices: tuple[str, ...] = ()) -> str:
        if not isinstance(value, str):
            self.fail(field, "not a text")
        if choices and value not in choices:
            self.fail(field, f"not one of {', '.join(choices)}")
        return value

    def count(self, value: object, field: str, low: int = 0, high: int = BIGINT) -> int:
        if not _is_int(value) or not low <= value <= high:
            self.fail(field, f"not a whole number from {low} to {high}")
        return value

    def name(self, value: object, field: str) -> str:
        if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
            self.fail(field, "not a plain lower-case identifier")
        return value

    def mapping(self, value: object, field: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(field, "not an object")
        return value

    def table(self, name: str, value: object) -> TableSummary:
        field = f"tables.{name}"
        raw = self.mapping(value, field)
        unknown = sorted(set(raw) - {"rows", "checksum", "columns"})
        if unknown or "rows" not in raw or "checksum" not in raw:
            self.fail(field, "not a table's rows, checksum and columns")
        columns = raw.get("columns", [])
        if not isinstance(columns, list):
            self.fail(f"{field}.columns", "not a list")
        checked = []
        for column in columns:
            if not (isinstance(column, list) and len(column) == 2):
                self.fail(f"{field}.columns", "not a list of [name, kind]")
            checked.append(
                [
                    self.name(column[0], f"{field}.columns"),
                    self.text(column[1], f"{field}.columns", COLUMN_KINDS),
                ]
            )
        return TableSummary(
            self.count(raw["rows"], f"{field}.rows"),
            self.text(raw["checksum"], f"{field}.checksum"),
            checked,
        )

    def sequence(self, name: str, value: object) -> list[Any]:
        field = f"sequences.{name}"
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], bool)):
            self.fail(field, "not [last value, is called]")
        return [self.count(value[0], field, -BIGINT - 1), value[1]]

    def memory(self, value: object) -> dict[str, Any]:
        raw = self.mapping(value, "memory")
        if not raw:
            return {}
        fields = {"namespace", "prefix", "entries", "checksum", "content_checksum"}
        if set(raw) != fields:
            self.fail("memory", f"not the fields {', '.join(sorted(fields))}")
        memory: dict[str, Any] = {n: self.text(raw[n], f"memory.{n}") for n in fields - {"entries"}}
        memory["entries"] = self.count(raw["entries"], "memory.entries")
        return memory

    def major(self, value: object, field: str) -> int | None:
        return None if value is None else self.count(value, field, 1, 1000)


_REQUIRED = ("kind", "source_backend", "source_url", "schema_revision", "tables")
_OPTIONAL = ("server_major", "tools_major", "sequences", "memory", "created_at")


def _fields(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """The checked keyword arguments of ``Manifest`` that ``raw`` holds."""
    read = _Reader(where)
    unknown = sorted(set(raw) - {*_REQUIRED, *_OPTIONAL, "format", "format_version"})
    if unknown:
        read.fail(unknown[0][:40], "not a field of a manifest")
    missing = [name for name in _REQUIRED if name not in raw]
    if missing:
        read.fail(missing[0], "missing")
    revision = raw["schema_revision"]
    fields: dict[str, Any] = {
        "kind": read.text(raw["kind"], "kind", KINDS),
        "source_backend": read.text(raw["source_backend"], "source_backend", BACKENDS),
        "source_url": read.text(raw["source_url"], "source_url"),
        "schema_revision": None if revision is None else read.text(revision, "schema_revision"),
        "tables": {
            read.name(name, "tables"): read.table(name, value)
            for name, value in read.mapping(raw["tables"], "tables").items()
        },
        "server_major": read.major(raw.get("server_major"), "server_major"),
        "tools_major": read.major(raw.get("tools_major"), "tools_major"),
        "sequences": {
            read.name(name, "sequences"): read.sequence(name, value)
            for name, value in read.mapping(raw.get("sequences", {}), "sequences").items()
        },
        "memory": read.memory(raw.get("memory", {})),
    }
    if "created_at" in raw:
        fields["created_at"] = read.text(raw["created_at"], "created_at")
    return fields


def check_revision(revision: str | None, where: str) -> None:
    """``BackupTooNew`` when the backup's schema revision is unknown to this code."""
    if revision is None:
        return
    if revision not in {r.id for r in runner.history()}:
        raise BackupTooNew(
            f"{where} holds schema revision {revision!r}, which this agentstore does not "
            f"know (its newest is {runner.head()!r}): the backup is newer than the code"
        )
