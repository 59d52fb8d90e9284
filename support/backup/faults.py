"""Bad backup files and a restore that loses its server connection part-way.

Files: cut short, one byte flipped inside a table's data, a manifest claiming a newer format,
schema revision or PostgreSQL, a PNG, an empty file. The connection fault holds a lock the
restore needs on ITS OWN target database, kills only the restoring session, then lets go.
"""

from __future__ import annotations

import json
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import psycopg

from agentstore.backup.pg_backup import APPLICATION
from agentstore.urls import libpq_url

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def truncated(path: Path) -> Path:
    """The file cut to two thirds of its length."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def flipped(path: Path, member: str) -> Path:
    """One byte flipped in the middle of ``member``'s stored data."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    data = bytearray(path.read_bytes())
    name_length = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.compress_size // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return path


def with_manifest(path: Path, **changes: object) -> Path:
    """The same file with manifest fields changed (a newer format, revision or server)."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    manifest = json.loads(members["manifest.json"])
    manifest.update(changes)
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def png(path: Path) -> Path:
    path.write_bytes(PNG)
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def cut_off_mid_restore(url: str, restore: Callable[[], object]) -> BaseException | None:
    """Run ``restore`` while a lock on the target's agents table holds it part-way (the
    restore has checked the target and begun taking its old schema down), then terminate
    the restoring session (only that one, on this target database); the error it raised."""
    outcome: list[BaseException | None] = [None]

    def run() -> None:
        try:
            restore()
        except BaseException as error:
            outcome[0] = error

    # The watcher polls outside any transaction: the activity list is a per-transaction snapshot.
    with (
        psycopg.connect(libpq_url(url), autocommit=True) as holder,
        psycopg.connect(libpq_url(url), autocommit=True) as watcher,
    ):
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE public.agents IN ACCESS SHARE MODE")
        thread = threading.Thread(target=run)
        thread.start()
        killed = _terminate_waiting_restore(watcher, deadline=time.monotonic() + 60)
        holder.execute("ROLLBACK")
    thread.join(120)
    if not killed:
        raise AssertionError(f"the restore never waited for the lock ({outcome[0]!r})")
    return outcome[0]


def _terminate_waiting_restore(watcher: psycopg.Connection, deadline: float) -> bool:
    query = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name = %s"
        " AND wait_event_type = 'Lock'"
    )
    while time.monotonic() < deadline:
        if watcher.execute(query, (APPLICATION,)).fetchall():
            return True
        time.sleep(0.02)
    return False
