"""A hostile backup file is one ``BackupCorrupt`` line, never a traceback (issue 19, item 7).

Each file below once raised TypeError, KeyError, AttributeError, RecursionError or
MemoryError out of ``agentstore restore``/``import``.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

from agentstore.backup import container
from agentstore.backup.manifest import Manifest
from agentstore.cli import main
from agentstore.errors import BackupCorrupt

BASE = json.loads(
    Manifest(
        kind="portable", source_backend="sqlite", source_url="sqlite://",
        schema_revision=None, tables={},
    ).to_json()
)  # fmt: skip


def _with(**fields: Any) -> bytes:
    return json.dumps({**BASE, **fields}).encode()


DEEP = b'{"format": "agentstore-backup", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
MANIFESTS = {
    "nested-100k-deep": DEEP,
    "rows-as-text": _with(tables={"agents": {"rows": "2", "checksum": "x", "columns": []}}),
    "rows-as-bool": _with(tables={"agents": {"rows": True, "checksum": "x"}}),
    "rows-negative": _with(tables={"agents": {"rows": -1, "checksum": "x"}}),
    "rows-2-to-the-70": _with(tables={"agents": {"rows": 2**70, "checksum": "x"}}),
    "memory-as-list": _with(memory=[1, 2]),
    "memory-entries-as-text": _with(
        memory={"namespace": "aqe", "prefix": "", "entries": "1", "checksum": "x",
                "content_checksum": "y"}
    ),
    "server-major-as-text": _with(server_major="x"),
    "tables-as-list": _with(tables=[]),
    "hostile-table-name": _with(
        tables={"x$verify$\\! id > /tmp/pwned\n": {"rows": 2, "checksum": "x", "columns": []}}
    ),
    "hostile-column-name": _with(
        tables={"agents": {"rows": 0, "checksum": "x", "columns": [["a b", "text"]]}}
    ),
    "sequence-not-a-pair": _with(sequences={"agents_id_seq": "1"}),
    "unknown-kind": _with(kind="shell-script"),
    "unknown-field": _with(run="id > /tmp/pwned"),
    "missing-tables": json.dumps({k: v for k, v in BASE.items() if k != "tables"}).encode(),
    "a-list": b"[1, 2, 3]",
    "not-utf8": b"\xff\xfe{}",
    "format-version-as-text": _with(format_version="1"),
}  # fmt: skip


def _zip(path: Path, members: list[tuple[str, bytes]], level: int = 6) -> Path:
    with (
        warnings.catch_warnings(),
        zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level
        ) as archive,
    ):
        warnings.simplefilter("ignore")  # a duplicate name, on purpose
        for name, data in members:
            archive.writestr(name, data)
    return path


def _refused_in_one_line(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    for command in ("import", "restore"):
        url = f"sqlite:///{tmp_path / 'target.db'}"
        assert main([command, "--url", url, "--input", str(path), "--force"]) == 1
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "internal error" not in err, err
    with pytest.raises(BackupCorrupt):
        container.open_backup(path)[0].close()
    return err


@pytest.mark.parametrize("case", list(MANIFESTS))
def test_a_hostile_manifest_is_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _zip(tmp_path / "hostile.zip", [("manifest.json", MANIFESTS[case])])
    err = _refused_in_one_line(path, tmp_path, capsys)
    assert "pwned" not in err


def test_a_decompression_bomb_is_refused_from_its_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """64 MiB of zeros deflate to 64 KiB (1000 times); a member may expand 300 times."""
    members = [("manifest.json", json.dumps(BASE).encode()), ("memory.jsonl", bytes(64 << 20))]
    path = _zip(tmp_path / "bomb.zip", members, level=9)
    assert "decompression bomb" in _refused_in_one_line(path, tmp_path, capsys)


def test_a_member_twice_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = json.dumps(BASE).encode()
    path = _zip(tmp_path / "twice.zip", [("manifest.json", manifest)] * 2)
    assert "twice" in _refused_in_one_line(path, tmp_path, capsys)


def test_a_manifest_over_one_mebibyte_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    padded = _with(created_at="x" * (2 << 20))
    path = _zip(tmp_path / "big.zip", [("manifest.json", padded)])
    assert "manifest is over" in _refused_in_one_line(path, tmp_path, capsys)


def test_a_member_longer_than_it_declares_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip", [("manifest.json", json.dumps(BASE).encode())])
    with zipfile.ZipFile(path) as archive:
        stream = container.Guarded(archive.open("manifest.json"), "manifest.json", "a.zip", 10)
        with pytest.raises(BackupCorrupt, match="longer than it declares"):
            stream.read()


def test_a_garbage_database_in_a_sqlite_backup_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 19: a garbage ``database.sqlite`` (its CRC right) raised sqlite3.DatabaseError."""
    source = f"sqlite:///{tmp_path / 'source.db'}"
    assert main(["migrate", "up", "--url", source]) == 0
    assert main(["backup", "--url", source, "--out", str(tmp_path / "b.zip")]) == 0
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        manifest = archive.read("manifest.json")
    path = _zip(tmp_path / "g.zip", [("manifest.json", manifest), ("database.sqlite", b"x" * 4096)])
    capsys.readouterr()
    url = f"sqlite:///{tmp_path / 'target.db'}"
    assert main(["restore", "--url", url, "--input", str(path), "--force"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "internal error" not in err, err
    assert "database.sqlite is damaged" in err
