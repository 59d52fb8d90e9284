"""Hypothesis mutates a real backup and a real archive; a restore either succeeds or leaves
the target exactly as it was, in one line and exit code 1 (issue 19).

The files are real: a SQLite and a PostgreSQL ``backup`` and a portable ``export`` of a seeded
store (records and memory). Each mutation flips or cuts bytes, renames or duplicates a member,
garbles a member behind a right CRC, or rewrites a manifest field (wrong type, deep nesting,
a hostile table name). Each is restored with ``--force`` into a target that holds other data;
afterwards either the command succeeded and the target holds the source's records, or it
printed one line, exited 1 and the target's fingerprint (every table's rows, the schema and
triggers, memory; on PostgreSQL also functions, triggers, event triggers and roles) is
unchanged.

Bounded for CI: derandomized, a fixed number of examples per file, no deadline (about 20 s).
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentstore import Database, open_memory
from agentstore import backup as backups
from agentstore.backup import memory_io
from agentstore.cli import main
from agentstore.db import demo
from agentstore.urls import libpq_url
from harness.isolation.places import Isolation
from support.backup import state as backup_state

HOSTILE_NAMES = ["x$verify$\\! id > /tmp/pwned\n", "agents; DROP TABLE agents", "Agents", "a" * 70]
HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=20),
    st.sampled_from(HOSTILE_NAMES),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.integers(min_value=33, max_value=5000).map(lambda n: "[" * n + "]" * n),
)
FIELDS = ["kind", "source_backend", "schema_revision", "tables", "server_major", "tools_major",
          "sequences", "memory", "created_at", "format_version", "format"]  # fmt: skip
MEMORY = "memory_entries"
EXAMPLES = {"sqlite-backup": 40, "sqlite-export": 40, "postgres-export": 20, "postgres-backup": 12}


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # duplicate names, on purpose
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def _set_field(manifest: bytes, path: list[str], value: Any) -> bytes:
    raw = json.loads(manifest)
    # raw JSON nesting is written as is
    text_value = value if isinstance(value, str) and value.startswith("[[") else None
    holder = raw
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = "__HOLE__" if text_value else value
    encoded = json.dumps(raw)
    if text_value:
        encoded = encoded.replace('"__HOLE__"', text_value, 1)
    return encoded.encode()


@st.composite
def mutations(draw: st.DrawFn, original: bytes) -> bytes:
    """One mutation of a real backup file's bytes."""
    how = draw(st.sampled_from(["flip", "truncate", "rename", "duplicate", "field", "content",
                                "table-field", "hostile-name"]))  # fmt: skip
    if how == "flip":
        data = bytearray(original)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(data) - 1))
            data[at] ^= draw(st.integers(1, 255))
        return bytes(data)
    if how == "truncate":
        return original[: draw(st.integers(0, len(original) - 1))]
    members = _members(original)
    names = [name for name, _ in members]
    if how == "content":  # garbage inside a member whose CRC is right
        at = draw(st.integers(0, len(members) - 1))
        name, content = members[at]
        if content:
            data = bytearray(content)
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
            members[at] = (name, bytes(data))
        return _zip(members)
    if how in ("rename", "duplicate"):
        at = draw(st.integers(0, len(members) - 1))
        if how == "duplicate":
            return _zip([*members, members[at]])
        new = draw(st.sampled_from([*names, "../../evil", "tables/x$y.jsonl", "MANIFEST.JSON"]))
        members[at] = (new, members[at][1])
        return _zip(members)
    manifest = dict(members)["manifest.json"]
    raw = json.loads(manifest)
    tables = sorted(raw["tables"])
    if how == "field" or not tables:
        path = [draw(st.sampled_from(FIELDS))]
        value = draw(HOSTILE_VALUES)
        if path == ["tables"] and value == {}:
            value = []  # `tables: {}` is a known defect, tested on its own below
        mutated = _set_field(manifest, path, value)
    elif how == "table-field":
        table = draw(st.sampled_from(tables))
        field = draw(st.sampled_from(["rows", "checksum", "columns"]))
        mutated = _set_field(manifest, ["tables", table, field], draw(HOSTILE_VALUES))
    else:
        table = draw(st.sampled_from(tables))
        raw["tables"][draw(st.sampled_from(HOSTILE_NAMES))] = raw["tables"].pop(table)
        mutated = json.dumps(raw).encode()
    return _zip([(n, mutated if n == "manifest.json" else d) for n, d in members])


# Fingerprints ---------------------------------------------------------------------------------
#
# ``strict`` (the default) also compares the memory table's raw rows (times included) and
# PostgreSQL's sequence positions: a failed import must not move them either (issue 19, 4-5).


def memory_entries(url: str) -> dict[str, Any]:
    with open_memory(url) as store:
        return {key: (part, value) for key, part, value, _ in memory_io.entries(store)}


def sqlite_fingerprint(url: str, strict: bool = True) -> dict[str, Any]:
    path = url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as db:
        schema = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY 1, 2").fetchall()
        tables = [n for kind, n, _ in schema if kind == "table" and (strict or n != MEMORY)]
        rows = {t: sorted(map(repr, db.execute(f'SELECT * FROM "{t}"'))) for t in tables}
    return {"schema": schema, "rows": rows, "memory": memory_entries(url)}


def postgres_fingerprint(url: str, strict: bool = True) -> dict[str, Any]:
    queries = {
        "functions": "SELECT proname FROM pg_proc p JOIN pg_namespace n"
        " ON n.oid = p.pronamespace WHERE nspname = 'public' ORDER BY 1",
        "triggers": "SELECT tgname, tgrelid::regclass::text FROM pg_trigger"
        " WHERE NOT tgisinternal ORDER BY 1, 2",
        "event_triggers": "SELECT evtname FROM pg_event_trigger ORDER BY 1",
        "roles": "SELECT rolname, rolsuper FROM pg_roles ORDER BY 1",
        "tables": "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    }
    if strict:
        queries["sequences"] = (
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            " ORDER BY 1"
        )
    with psycopg.connect(libpq_url(url), autocommit=True) as db:
        found: dict[str, Any] = {k: db.execute(q).fetchall() for k, q in queries.items()}
        found["rows"] = {
            t: db.execute(f'SELECT t::text FROM public."{t}" t ORDER BY 1').fetchall()
            for (t,) in found["tables"]
            if strict or t != MEMORY
        }
    found["memory"] = memory_entries(url)
    return found


def records(url: str) -> dict[str, Any]:
    """What a successful restore must bring back: the agents and executions, as read through
    agentstore (so SQLite's and PostgreSQL's spellings of a time compare equal)."""
    rows: dict[str, Any] = backup_state.records(url)["rows"]
    return rows


# The files and targets ------------------------------------------------------------------------


def _store(isolation: Isolation, backend: str, agents: int, seed: int) -> str:
    url = isolation.new(backend).url
    with Database(url) as database:
        demo.seed(database, agents, executions=2 * agents, seed=seed)
    with open_memory(url) as memory:
        memory.store(f"aqe/fact-{seed}", {"seed": seed, "list": [1, "two"]}, partition="facts")
    return url


def _run(command: str, url: str, path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([command, "--url", url, "--input", str(path), "--force"])
    return code, err.getvalue()


def _check(
    original: bytes,
    command: str,
    target: str,
    tmp_path: Path,
    fingerprint: Callable[[str], dict[str, Any]],
    source: dict[str, Any],
    examples: int,
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=mutations(original))
    def mutated_restore(data: bytes) -> None:
        path = tmp_path / "mutated.zip"
        path.write_bytes(data)
        before = fingerprint(target)
        code, err = _run(command, target, path)
        after = fingerprint(target)
        if code == 0:
            assert records(target) == source, "a restore succeeded with other records"
            return
        assert code == 1, err
        assert len(err.strip().splitlines()) == 1, err
        assert "internal error" not in err, err
        assert after == before, f"the target changed after: {err}"

    mutated_restore()


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_a_mutated_backup_restores_or_leaves_the_target_as_it_was(
    kind: str, isolation: Isolation, tmp_path: Path
) -> None:
    backend, action = kind.split("-")
    source = _store(isolation, backend if action == "backup" else "sqlite", 3, seed=1)
    original = tmp_path / "original.zip"
    (backups.backup if action == "backup" else backups.export)(source, original)
    target = _store(isolation, backend, 2, seed=2)
    fingerprint = sqlite_fingerprint if backend == "sqlite" else postgres_fingerprint
    command = "restore" if action == "backup" else "import"
    _check(
        original.read_bytes(),
        command,
        target,
        tmp_path,
        fingerprint,
        records(source) if kind != "postgres-export" else _pg_records(isolation, original),
        EXAMPLES[kind],
    )


def _pg_records(isolation: Isolation, archive: Path) -> dict[str, Any]:
    """The source's records as PostgreSQL holds them (imported once into a fresh place)."""
    place = isolation.new("postgres").url
    backups.import_archive(place, archive)
    return records(place)


# Known defects in code other branches own (issue 19, items 3-5): kept as tests, expected to
# fail here until the restore/import rework lands.


def _files(isolation: Isolation, tmp_path: Path, kind: str) -> tuple[bytes, str, str]:
    backend, action = kind.split("-")
    source = _store(isolation, "sqlite", 3, seed=1)
    original = tmp_path / "original.zip"
    (backups.backup if action == "backup" else backups.export)(source, original)
    target = _store(isolation, backend, 2, seed=2)
    return original.read_bytes(), "restore" if action == "backup" else "import", target


def _fingerprint(url: str, strict: bool = True) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return sqlite_fingerprint(url, strict)
    return postgres_fingerprint(url, strict)


def _restore(data: bytes, command: str, target: str, tmp_path: Path) -> tuple[int, str]:
    path = tmp_path / "mutated.zip"
    path.write_bytes(data)
    return _run(command, target, path)


@pytest.mark.parametrize("kind", ["sqlite-backup", "sqlite-export", "postgres-export"])
def test_a_manifest_without_tables_is_refused(
    kind: str, isolation: Isolation, tmp_path: Path
) -> None:
    original, command, target = _files(isolation, tmp_path, kind)
    raw = json.loads(dict(_members(original))["manifest.json"])
    raw["tables"] = {}
    data = _zip([(n, json.dumps(raw).encode() if n == "manifest.json" else d)
                 for n, d in _members(original)])  # fmt: skip
    before = _fingerprint(target)
    code, err = _restore(data, command, target, tmp_path)
    assert (code, _fingerprint(target)) == (1, before), err


@pytest.mark.parametrize("kind", ["sqlite-export", "postgres-export"])
def test_a_failed_import_leaves_memory_rows_and_sequences_as_they_were(
    kind: str, isolation: Isolation, tmp_path: Path
) -> None:
    original, command, target = _files(isolation, tmp_path, kind)
    raw = json.loads(dict(_members(original))["manifest.json"])
    raw["tables"]["executions"]["checksum"] = "sha256:" + "0" * 64
    data = _zip([(n, json.dumps(raw).encode() if n == "manifest.json" else d)
                 for n, d in _members(original)])  # fmt: skip
    before = _fingerprint(target, strict=True)
    time.sleep(1.1)  # the memory table keeps times to the second
    code, err = _restore(data, command, target, tmp_path)
    assert code == 1, err
    assert _fingerprint(target, strict=True) == before
