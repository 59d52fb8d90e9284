"""The backup file itself: a zip archive, written atomically, read with one-line errors.

Writing goes to a temporary file beside the destination and is renamed into place only when
complete, so a failed backup never leaves a half file under the requested name. Reading
checks the file before anything uses it: empty, not a zip (a PNG...), cut short, or a member
whose bytes no longer match their CRC each raise ``BackupCorrupt`` naming what is wrong.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from agentstore.backup.manifest import Manifest
from agentstore.errors import BackupCorrupt, BackupError

MANIFEST = "manifest.json"
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip file",
    b"PGDMP": "a bare pg_dump file",
    b"SQLite format 3": "a bare SQLite database",
}


@contextlib.contextmanager
def writing(out: str | os.PathLike[str]) -> Iterator[zipfile.ZipFile]:
    """A zip archive (deflated, fast level) that appears at ``out`` only when complete."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(
            temp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True
        ) as archive:
            yield archive
        os.replace(temp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _what_it_is(head: bytes) -> str:
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    return "not a zip archive"


def open_backup(path: str | os.PathLike[str]) -> tuple[zipfile.ZipFile, Manifest]:
    """Open a backup file and read its manifest; every problem is one ``BackupError`` line."""
    where = str(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        raise BackupError(f"{where} does not exist") from None
    except OSError as error:
        raise BackupError(f"cannot read {where}: {error.strerror}") from None
    if size == 0:
        raise BackupCorrupt(f"{where} is empty: not an agentstore backup")
    if not head.startswith(b"PK\x03\x04"):
        raise BackupCorrupt(f"{where} is not an agentstore backup ({_what_it_is(head)})")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise BackupCorrupt(f"{where} is cut short or damaged: not a complete backup") from None
    try:
        manifest = Manifest.from_json(read_member(archive, MANIFEST, where), where)
    except BaseException:
        archive.close()
        raise
    return archive, manifest


def read_member(archive: zipfile.ZipFile, name: str, where: str) -> bytes:
    """A member's bytes, its CRC checked; ``BackupCorrupt`` naming it when absent or damaged."""
    with member(archive, name, where) as stream:
        return _guarded(stream.read, name, where)


@contextlib.contextmanager
def member(archive: zipfile.ZipFile, name: str, where: str) -> Iterator[Guarded]:
    """A member opened for streaming (its CRC is checked when fully read)."""
    try:
        stream = archive.open(name)
    except KeyError:
        raise BackupCorrupt(f"{where} is missing {name}: not a complete backup") from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise BackupCorrupt(f"{where}: {name} is damaged ({error})") from None
    with stream:
        yield Guarded(stream, name, where)


class Guarded:
    """A member stream whose read errors (bad CRC, cut short) become ``BackupCorrupt``."""

    def __init__(self, stream: IO[bytes], name: str, where: str) -> None:
        self._stream, self._name, self._where = stream, name, where

    def read(self, n: int = -1) -> bytes:
        return _guarded(lambda: self._stream.read(n), self._name, self._where)

    def __iter__(self) -> Iterator[bytes]:
        while line := _guarded(self._stream.readline, self._name, self._where):
            yield line


def _guarded(read: Callable[[], bytes], name: str, where: str) -> bytes:
    try:
        return read()
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise BackupCorrupt(f"{where}: {name} is damaged ({error})") from None


def extract_to(archive: zipfile.ZipFile, name: str, where: str, target: Path) -> None:
    """Copy one member into the file ``target``, its CRC checked on the way."""
    with member(archive, name, where) as stream, open(target, "wb") as out:
        shutil.copyfileobj(stream, out, 1 << 20)
