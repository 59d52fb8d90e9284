"""Every Python block of the README runs, in order, as a reader would paste them.

The README's blocks share one namespace (a later block uses the ``url`` an earlier one set),
like a tutorial typed into one interpreter, and run once per backend. The placeholders they
show are replaced by this test's isolated places:

- ``sqlite:///agents.db`` (the one line that picks the backend) by a fresh database of the
  backend under test: a new SQLite file, a new PostgreSQL database, or the Redis server;
- ``redis://localhost:6379/0`` and ``redis://cache:6379/0`` (events, asyncio) by the backend
  under test when it has events (PostgreSQL, Redis), else (SQLite) by the test's Redis;
- the prefix ``myapp:`` by the test's own prefix, whose keys are deleted afterwards.

A SQL database is created empty and migrated by the README's own ``agentstore migrate up``
line, so the quick start's first step is checked too. A block with a top-level ``await`` or
``async with`` runs as the asyncio REPL runs it.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import io
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from harness.isolation.places import Isolated, Isolation

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^( *)```(python|bash)[^\n]*\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
SQLITE_PLACEHOLDER = "sqlite:///agents.db"
REDIS_PLACEHOLDERS = ("redis://localhost:6379/0", "redis://cache:6379/0")
PREFIX_PLACEHOLDER = '"myapp:"'


def blocks(language: str) -> list[tuple[int, str]]:
    """(line, code) for every block of ``language`` in the README, in order."""
    text = README.read_text(encoding="utf-8")
    return [
        (text[: m.start()].count("\n") + 1, textwrap.dedent(m.group(3)))
        for m in BLOCK.finditer(text)
        if m.group(2) == language
    ]


def migrate_commands() -> list[tuple[int, list[str]]]:
    """The ``agentstore migrate ...`` lines the README's shell blocks show."""
    found = []
    for line, code in blocks("bash"):
        for command in code.splitlines():
            command = command.split("#", 1)[0].strip()
            if command.startswith("agentstore migrate "):
                found.append((line, shlex.split(command)))
    return found


def substituted(code: str, url: str, events_url: str, redis: Isolated) -> str:
    code = code.replace(SQLITE_PLACEHOLDER, url)
    for placeholder in REDIS_PLACEHOLDERS:
        code = code.replace(placeholder, events_url)
    return code.replace(PREFIX_PLACEHOLDER, repr(redis.prefix))


def run_block(code: str, where: str, namespace: dict[str, Any]) -> None:
    """Run ``code`` in ``namespace``; a top-level ``await`` runs as in ``python -m asyncio``."""
    compiled = compile(code, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(compiled, namespace)  # the README's own code
    if inspect.iscoroutine(result):
        asyncio.run(result)


def test_the_readme_shows_python_and_how_to_migrate() -> None:
    assert len(blocks("python")) >= 5, "the quick start's Python blocks are missing"
    assert migrate_commands(), "the README never says to run agentstore migrate up"


@pytest.mark.parametrize("backend", ["sqlite", "postgres", "redis"])
def test_every_python_block_of_the_readme_runs(backend: str, isolation: Isolation) -> None:
    redis = isolation("redis")
    if backend == "redis":
        url = redis.url
    else:
        url = isolation.new(backend, migrated=False).url
        agentstore = Path(sys.executable).with_name("agentstore")
        for line, argv in migrate_commands():
            argv = [str(agentstore), *(a.replace(SQLITE_PLACEHOLDER, url) for a in argv[1:])]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"README.md:{line} {argv[1:]}: {done.stderr}"
    events_url = redis.url if backend == "sqlite" else url
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    for line, code in blocks("python"):
        where = f"README.md:{line}"
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                run_block(substituted(code, url, events_url, redis), where, namespace)
            except Exception as error:  # the block's own failure, named by its line
                failure = f"the block at {where} fails on {backend}: {error!r}"
                raise AssertionError(failure) from error


@pytest.mark.parametrize("migrated", ["never migrated", "no file"])
def test_without_the_readmes_migrate_step_the_first_block_is_refused(
    migrated: str, isolation: Isolation
) -> None:
    from agentstore import errors

    url = isolation.new("sqlite", migrated=False).url
    if migrated == "never migrated":
        import sqlite3

        sqlite3.connect(url.removeprefix("sqlite:///")).close()
    expected = (
        errors.SchemaNotMigrated if migrated == "never migrated" else errors.BackendUnavailable
    )
    line, code = blocks("python")[0]
    with pytest.raises(expected), contextlib.redirect_stdout(io.StringIO()):
        run_block(substituted(code, url, url, isolation("redis")), f"README.md:{line}", {})
