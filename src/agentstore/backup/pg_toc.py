"""What a dump's table of contents may hold, and the list of entries a restore loads.

A backup file comes from outside this process, so its dump is read as data only: the schema
is built from agentstore's own migrations, and of the dump's entries only ``TABLE DATA`` of
agentstore's tables is ever loaded. Entries that describe agentstore's schema (its tables,
sequences, defaults, constraints and indexes) are ignored; any other entry (a function,
trigger, event trigger, extension, view, role, large object, another schema, a table
agentstore does not have...) means the file was not written by ``agentstore backup`` from an
agentstore database, and the restore is refused naming it. See SECURITY.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentstore.errors import BackupCorrupt

# ``pg_restore --list``: "<dump id>; <catalog oid> <object oid> <TYPE> <schema> <tag> <owner>"
_ENTRY = re.compile(r"^(\d+); (\d+) (\d+) (.*)$")
#: The entry types of agentstore's schema, rebuilt by migrations and therefore skipped.
SCHEMA_TYPES = (
    "SEQUENCE OWNED BY",
    "FK CONSTRAINT",
    "TABLE DATA",
    "SEQUENCE SET",
    "CONSTRAINT",
    "SEQUENCE",
    "DEFAULT",
    "INDEX",
    "TABLE",
)
#: Entries pg_dump writes for any database (settings of the dump itself).
_HEADER_TYPES = ("ENCODING", "STDSTRINGS", "SEARCHPATH")


@dataclass(frozen=True)
class Entry:
    """One line of the table of contents."""

    line: str
    kind: str
    schema: str
    tag: str


def parse(listing: str, where: str) -> list[Entry]:
    """The entries of a ``pg_restore --list`` output; comments and blank lines skipped."""
    entries = []
    for line in listing.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        found = _ENTRY.match(line)
        if not found:
            raise BackupCorrupt(f"{where}: the dump's table of contents is damaged")
        entries.append(_entry(line, found.group(4)))
    return entries


def _entry(line: str, rest: str) -> Entry:
    for kind in (*SCHEMA_TYPES, *_HEADER_TYPES):
        if rest.startswith(kind + " "):
            schema, _, tag = rest[len(kind) + 1 :].partition(" ")
            return Entry(line, kind, schema, tag)
    return Entry(line, rest.split(" - ")[0].split(" public ")[0], "", rest)


def data_entries(entries: list[Entry], tables: set[str], where: str) -> dict[str, Entry]:
    """The ``TABLE DATA`` entry of each of ``tables``; ``BackupCorrupt`` for anything foreign."""
    found: dict[str, Entry] = {}
    for entry in entries:
        if entry.kind in _HEADER_TYPES:
            continue
        if entry.kind not in SCHEMA_TYPES or entry.schema != "public":
            shown = " ".join(entry.line.split(" ", 3)[3].split())[:120]
            raise BackupCorrupt(
                f"{where} holds {shown!r}, which is not part of agentstore's schema: "
                "a restore loads agentstore's own tables only, so the file was refused"
            )
        if entry.kind not in ("TABLE", "TABLE DATA"):
            continue
        name = entry.tag.split(" ")[0]
        if name not in tables:
            raise BackupCorrupt(
                f"{where} holds a table {name[:80]!r} that agentstore does not have: "
                "a restore loads agentstore's own tables only, so the file was refused"
            )
        if entry.kind == "TABLE DATA":
            found[name] = entry
    return found
