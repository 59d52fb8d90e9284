"""Archives crafted by hand: one table's or the memory's lines replaced, with the manifest's
counts and checksums made to match, so only the content itself is wrong."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from agentstore.backup import canonical, memory_io


def _rewrite(path: Path, member: str, lines: list[bytes], part: str, name: str | None) -> Path:
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    checksum = canonical.Checksum()
    for data in lines:
        checksum.add(data)
    manifest = json.loads(members["manifest.json"])
    entry = manifest[part] if name is None else manifest[part][name]
    entry["rows" if name else "entries"] = checksum.rows
    entry["checksum"] = checksum.hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()
    members[member] = b"".join(lines)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member_name, data in members.items():
            archive.writestr(member_name, data)
    return path


def rows(path: Path, table: str) -> list[list[Any]]:
    """The rows an archive holds for ``table``, as lists of values."""
    with zipfile.ZipFile(path) as archive:
        return [json.loads(line) for line in archive.read(f"tables/{table}.jsonl").splitlines()]


def with_rows(path: Path, table: str, new_rows: list[list[Any]]) -> Path:
    """The archive with ``table``'s lines replaced (manifest count and checksum matching)."""
    lines = [
        (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        for row in new_rows
    ]
    return _rewrite(path, f"tables/{table}.jsonl", lines, "tables", table)


def with_memory(path: Path, entries: list[list[Any]]) -> Path:
    """The archive with its memory entries replaced (manifest count and checksum matching)."""
    lines = [memory_io.line(tuple(entry)) for entry in entries]  # type: ignore[arg-type]
    return _rewrite(path, "memory.jsonl", lines, "memory", None)


def memory(path: Path) -> list[list[Any]]:
    with zipfile.ZipFile(path) as archive:
        return [json.loads(line) for line in archive.read("memory.jsonl").splitlines()]
