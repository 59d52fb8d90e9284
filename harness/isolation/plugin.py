"""The isolation fixtures: a scenario's own places on each backend, cleaned up after it.

What a template database must hold is the domain's business, not the harness's: the root
conftest implements :func:`pytest_agentstore_prepare_template` (migrating it to head).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.isolation import hooks
from harness.isolation.places import Isolation, isolated_places, require
from harness.isolation.postgres_cloner import PostgresCloner
from harness.servers.plugin import RUN_ID


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hooks)


def _prepare(config: pytest.Config, url: str) -> None:
    config.hook.pytest_agentstore_prepare_template(url=url)


@pytest.fixture(scope="session")
def postgres_cloner(pytestconfig: pytest.Config) -> Iterator[PostgresCloner]:
    """This worker's template database, prepared once; clones one per scenario."""
    service = require(pytestconfig, "postgres")
    cloner = PostgresCloner(
        service.url, pytestconfig.stash[RUN_ID], lambda url: _prepare(pytestconfig, url)
    )
    yield cloner
    cloner.close()


@pytest.fixture(scope="session")
def sqlite_template(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This worker's prepared SQLite file; each scenario gets a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    _prepare(pytestconfig, f"sqlite:///{path}")
    return path


@pytest.fixture
def isolation(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Isolation]:
    """Isolated places on any backend for this scenario, cleaned up when it ends."""
    with isolated_places(request, tmp_path) as places:
        yield places


@pytest.fixture
def postgres_url(isolation: Isolation) -> str:
    """A PostgreSQL database of this scenario's own, prepared (migrated to head)."""
    return isolation("postgres").url


@pytest.fixture
def sqlite_url(isolation: Isolation) -> str:
    """A SQLite file of this scenario's own, prepared (migrated to head)."""
    return isolation("sqlite").url


@pytest.fixture
def redis_url(isolation: Isolation) -> str:
    """The Redis server's URL; use ``isolation('redis').prefix`` for this scenario's keys."""
    return isolation("redis").url
