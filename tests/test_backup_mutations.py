"""Hypothesis mutates a real backup and a real archive; a restore either succeeds or leaves the
target exactly as it was, in one line and exit code 1 (issue 19).

The files are real: a SQLite ``backup`` and a portable ``export`` of a seeded store (records and
memory). Each mutation flips or cuts bytes, renames or duplicates a member, or rewrites a
manifest field (wrong type, deep nesting, a hostile table name). Each is restored with
``--force`` into a target that holds other data; afterwards either the command succeeded and
the target holds the source's records, or it printed one line, exited 1 and the target's
fingerprint (every table's rows, the schema and triggers, sequences, memory; on PostgreSQL
also functions, triggers, event triggers and roles) is unchanged.

Bounded for CI: derandomized, a fixed number of examples per file, no deadline.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
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
from agentstore.cli import main
from agentstore.db import demo
from agentstore.urls import libpq_url
from harness.isolation.places import Isolation

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
EXAMPLES = {"sqlite-backup": 40, "sqlite-export": 40, "postgres-export": 20}


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
    how = draw(st.sampled_from(["flip", "truncate", "rename", "duplicate", "field",
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
        mutated = _set_field(manifest, path, draw(HOSTILE_VALUES))
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


def sqlite_fingerprint(url: str) -> dict[str, Any]:
    path = url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as db:
        schema = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY 1, 2").fetchall()
        tables = [name for kind, name, _ in schema if kind == "table"]
        rows = {t: sorted(map(repr, db.execute(f'SELECT * FROM "{t}"'))) for t in tables}
    return {"schema": schema, "rows": rows}


def postgres_fingerprint(url: str) -> dict[str, Any]:
    queries = {
        "functions": "SELECT proname FROM pg_proc p JOIN pg_namespace n"
        " ON n.oid = p.pronamespace WHERE nspname = 'public' ORDER BY 1",
        "triggers": "SELECT tgname, tgrelid::regclass::text FROM pg_trigger"
        " WHERE NOT tgisinternal ORDER BY 1, 2",
        "event_triggers": "SELECT evtname FROM pg_event_trigger ORDER BY 1",
        "roles": "SELECT rolname, rolsuper FROM pg_roles ORDER BY 1",
        "tables": "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
        "sequences": "SELECT sequencename, last_value FROM pg_sequences"
        " WHERE schemaname = 'public' ORDER BY 1",
    }
    with psycopg.connect(libpq_url(url), autocommit=True) as db:
        found: dict[str, Any] = {k: db.execute(q).fetchall() for k, q in queries.items()}
        found["rows"] = {
            t: db.execute(f'SELECT t::text FROM public."{t}" t ORDER BY 1').fetchall()
            for (t,) in found["tables"]
        }
    return found


def records(fingerprint: dict[str, Any]) -> dict[str, Any]:
    """What a successful restore must bring back: the agents and executions."""
    return {t: fingerprint["rows"][t] for t in ("agents", "executions")}


# The files and targets ------------------------------------------------------------------------


def _store(isolation: Isolation, backend: str, agents: int, seed: int) -> str:
    url = isolation.new(backend).url
    with Database(url) as database:
        demo.seed(database, agents, 2, seed=seed)
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
            assert records(after) == records(source), "a restore succeeded with other records"
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
    source = _store(isolation, "sqlite", 3, seed=1)
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
        sqlite_fingerprint(source) if backend == "sqlite" else _pg_source(isolation, original),
        EXAMPLES[kind],
    )


def _pg_source(isolation: Isolation, archive: Path) -> dict[str, Any]:
    """The source's records as PostgreSQL holds them (imported once into a fresh place)."""
    place = isolation.new("postgres").url
    backups.import_archive(place, archive)
    return postgres_fingerprint(place)
