"""The manifest every backup file carries: what it holds, where from, and how to check it.

A file is one zip archive with ``manifest.json`` and the data (a PostgreSQL dump, a SQLite
database, or one JSON Lines file per table plus the memory). The manifest says the format
version, the schema revision, the source (password hidden), and per table its row count and
checksum, so every restore and import can prove it brought back exactly what was saved.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

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
        """Read a manifest; ``BackupCorrupt`` when unreadable, ``BackupTooNew`` when newer."""
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise BackupCorrupt(f"{where} is not an agentstore backup (no agentstore manifest)")
            version = raw["format_version"]
            if not isinstance(version, int) or version > FORMAT_VERSION:
                raise BackupTooNew(
                    f"{where} was written in backup format {version}, newer than this "
                    f"agentstore reads (up to {FORMAT_VERSION}): upgrade agentstore"
                )
            raw["tables"] = {name: TableSummary(**t) for name, t in raw["tables"].items()}
            manifest = cls(**raw)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupCorrupt(f"{where} has a damaged manifest ({error})") from None
        if manifest.kind not in KINDS:
            raise BackupCorrupt(f"{where} holds an unknown kind of backup {manifest.kind!r}")
        check_revision(manifest.schema_revision, where)
        return manifest


def check_revision(revision: str | None, where: str) -> None:
    """``BackupTooNew`` when the backup's schema revision is unknown to this code."""
    if revision is None:
        return
    if revision not in {r.id for r in runner.history()}:
        raise BackupTooNew(
            f"{where} holds schema revision {revision!r}, which this agentstore does not "
            f"know (its newest is {runner.head()!r}): the backup is newer than the code"
        )
