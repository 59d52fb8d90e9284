"""Run Alembic against an engine, with the history that ships inside the package.

Every target and the database's own revision are checked before anything runs, so a bad
request raises one clear ``MigrationError`` and changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from agentstore.errors import MigrationError, SchemaNotMigrated, SchemaTooNew, UnknownRevision
from agentstore.urls import migrate_command, redact

if TYPE_CHECKING:  # Alembic is imported where a migration runs: it is a quarter of importing
    # agentstore (0.13 of 0.65 s), which a store that never migrates does not need
    from alembic.config import Config
    from alembic.script import ScriptDirectory

HERE = Path(__file__).resolve().parent
SYMBOLIC = {"head", "heads", "base"}


@dataclass(frozen=True)
class Revision:
    """One step of the history: its id, the one before it, and what it does."""

    id: str
    down: str | None
    message: str


def config(engine: Engine | None = None) -> Config:
    """An Alembic config pointing at the packaged history; ``engine`` is handed to env.py."""
    from alembic.config import Config

    cfg = Config(stdout=io.StringIO())
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def script() -> ScriptDirectory:
    """The packaged migration history."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config())


def history() -> list[Revision]:
    """Every revision, oldest first."""
    revisions = [
        Revision(r.revision, _one(r.down_revision), r.doc.strip())
        for r in script().walk_revisions()
    ]
    return list(reversed(revisions))


def _one(down: str | Sequence[str] | None) -> str | None:
    """The revision before: the history is linear, so there is at most one."""
    if down is None or isinstance(down, str):
        return down
    return ", ".join(down)


def head() -> str:
    """The newest revision this code knows."""
    current = script().get_current_head()
    if current is None:
        raise MigrationError("the packaged migration history is empty")
    return current


def _known() -> str:
    ids = [r.id for r in history()]
    return ", ".join([*ids[:-1], f"{ids[-1]} (head)"])


def check_target(revision: str) -> None:
    """Raise ``UnknownRevision`` unless ``revision`` names a step of the history."""
    if not isinstance(revision, str) or not revision.strip():
        raise UnknownRevision(f"no revision given ({revision!r}); the history knows {_known()}")
    if revision in SYMBOLIC or revision[:1] in "+-" or "@" in revision:
        return  # relative and symbolic targets are resolved (and checked) by Alembic
    if revision not in {r.id for r in history()}:
        raise UnknownRevision(f"unknown revision {revision!r}; the history knows {_known()}")


def check_current(engine: Engine, *, required: bool = False) -> str | None:
    """The database's revision; ``SchemaTooNew`` when the code does not know it."""
    found = current(engine)
    if found is None and required:
        raise SchemaNotMigrated(
            f"{redact(engine.url.render_as_string(hide_password=False))} holds no agentstore "
            f"schema yet: run `{migrate_command(engine.url.render_as_string(hide_password=False))}`"
        )
    if found is not None and found not in {r.id for r in history()}:
        raise SchemaTooNew(
            f"{redact(engine.url.render_as_string(hide_password=False))} is at revision "
            f"{found!r}, which this agentstore does not know (its head is {head()!r}): "
            "the database is newer than the code"
        )
    return found


def _run(step: Callable[[Config, str], None], cfg: Config, revision: str) -> None:
    """Alembic's ``step`` to ``revision``; its errors as ``MigrationError``, in one line."""
    from alembic.util import CommandError

    try:
        step(cfg, revision)
    except CommandError as error:
        raise MigrationError(" ".join(str(error).split())) from None


def upgrade(engine: Engine, revision: str) -> None:
    check_target(revision)
    check_current(engine)
    from alembic import command

    _run(command.upgrade, config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    check_target(revision)
    check_current(engine, required=True)
    from alembic import command

    _run(command.downgrade, config(engine), revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return revision_on(connection)


def revision_on(connection: Connection) -> str | None:
    """The revision the database of an open ``connection`` is at (``None``: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def move_in(connection: Connection, revision: str) -> None:
    """Upgrade or downgrade to ``revision`` on an open connection, inside the caller's
    transaction: nothing is committed here (PostgreSQL's DDL rolls back with it)."""
    from alembic import command

    check_target(revision)
    found = revision_on(connection)
    if found is not None and found not in {r.id for r in history()}:
        raise SchemaTooNew(
            f"the target is at revision {found!r}, which this agentstore does not know "
            f"(its head is {head()!r}): the database is newer than the code"
        )
    cfg = config()
    cfg.attributes["connection"] = connection
    _run(command.downgrade if revision == "base" else command.upgrade, cfg, revision)
