"""The backup file itself: a zip archive, read with one-line errors.

Writing (every kind of backup file) is :func:`agentstore.backup.portable_file.writing`: the
file appears whole at its name or not at all, even when the writer is killed. Reading
checks the file before anything uses it: empty, not a zip (a PNG...), cut short, or a member
whose bytes no longer match their CRC each raise ``BackupCorrupt`` naming what is wrong.

Limits (a file is untrusted input; each breach is one ``BackupCorrupt`` line, before any
member is decompressed):

- ``manifest.json`` is at most ``MAX_MANIFEST`` bytes (1 MiB) once decompressed;
- a member is stored or deflated (no other compression, no encryption), appears once, and a
  stored member's size equals its compressed size;
- a deflated member over ``RATIO_FREE`` bytes (16 MiB) expands at most ``MAX_RATIO`` times
  (300; agentstore writes at level 1, which never passes ~230): a 4 MB file that claims a
  4 GiB member is refused from its header;
- reading never yields more bytes than the member declares, nor a line over ``MAX_LINE``
  (128 MiB) when a member is read line by line.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from agentstore.backup.manifest import Manifest
from agentstore.errors import BackupCorrupt, BackupError

MANIFEST = "manifest.json"
MAX_MANIFEST = 1 << 20
MAX_RATIO = 300
RATIO_FREE = 16 << 20
MAX_LINE = 128 << 20
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip file",
    b"PGDMP": "a bare pg_dump file",
    b"SQLite format 3": "a bare SQLite database",
}


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
        check_members(archive, where)
        manifest = Manifest.from_json(read_member(archive, MANIFEST, where), where)
    except BaseException:
        archive.close()
        raise
    return archive, manifest


def check_members(archive: zipfile.ZipFile, where: str) -> None:
    """Refuse duplicate members, unknown compression, encryption and implausible sizes."""
    seen: set[str] = set()
    for info in archive.infolist():
        name = info.filename
        shown = repr(name[:60])
        if name in seen:
            raise BackupCorrupt(f"{where} holds the member {shown} twice: not a backup")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise BackupCorrupt(f"{where}: the member {shown} is encrypted: not a backup")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BackupCorrupt(f"{where}: the member {shown} uses an unknown compression")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise BackupCorrupt(f"{where}: the member {shown} is damaged (sizes differ)")
        if info.file_size > RATIO_FREE and info.file_size > MAX_RATIO * info.compress_size:
            raise BackupCorrupt(
                f"{where}: the member {shown} would expand {info.file_size} bytes from "
                f"{info.compress_size} (over {MAX_RATIO} times): refused as a decompression bomb"
            )
        if name == MANIFEST and info.file_size > MAX_MANIFEST:
            raise BackupCorrupt(f"{where}: its manifest is over {MAX_MANIFEST} bytes: not a backup")


def read_member(archive: zipfile.ZipFile, name: str, where: str) -> bytes:
    """A member's bytes, its CRC checked; ``BackupCorrupt`` naming it when absent or damaged."""
    with member(archive, name, where) as stream:
        return _guarded(stream.read, name, where)


@contextlib.contextmanager
def member(archive: zipfile.ZipFile, name: str, where: str) -> Iterator[Guarded]:
    """A member opened for streaming (its CRC is checked when fully read)."""
    try:
        info = archive.getinfo(name)
        stream = archive.open(info)
    except KeyError:
        raise BackupCorrupt(f"{where} is missing {name}: not a complete backup") from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise BackupCorrupt(f"{where}: {name} is damaged ({error})") from None
    with stream:
        yield Guarded(stream, name, where, info.file_size)


class Guarded:
    """A member stream whose read errors (bad CRC, cut short, more bytes than declared, a
    line over ``MAX_LINE``) become ``BackupCorrupt``."""

    def __init__(self, stream: IO[bytes], name: str, where: str, size: int = -1) -> None:
        self._stream, self._name, self._where = stream, name, where
        self._left = size

    def _counted(self, data: bytes) -> bytes:
        if self._left >= 0:
            self._left -= len(data)
            if self._left < 0:
                raise BackupCorrupt(f"{self._where}: {self._name} is longer than it declares")
        return data

    def read(self, n: int = -1) -> bytes:
        return self._counted(_guarded(lambda: self._stream.read(n), self._name, self._where))

    def __iter__(self) -> Iterator[bytes]:
        read = self._stream.readline
        while line := self._counted(_guarded(lambda: read(MAX_LINE), self._name, self._where)):
            if len(line) == MAX_LINE and not line.endswith(b"\n"):
                raise BackupCorrupt(
                    f"{self._where}: {self._name} holds a line over {MAX_LINE} bytes"
                )
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
