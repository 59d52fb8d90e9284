"""pytest wiring for the faults feature: throwaway servers per worker, places on them, the soak.

- ``fault_servers`` (session): this worker's :class:`~harness.servers.faults.FaultServers`,
  whose servers start on first use and stop when the session ends;
- ``fault_place`` (scenario): the scenario's place on the server its ``backend`` runs on,
  that server reset first (running, unpaused, no client left), with a fresh key prefix;
- the ``soak`` marker: a soak runs only when ``-m`` names it (``pytest features/faults -m
  soak``), and is deselected otherwise; ``--soak-seconds`` sets how long (default 30).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.isolation.places import Isolation
from harness.servers.faults import (
    FaultServers,
    FaultServerUnavailable,
    ThrowawayPostgres,
    ThrowawayRedis,
)
from harness.servers.plugin import RUN_ID, worker_name

FAULTS_DATABASE = "agentstore_faults"
_counter = itertools.count(1)


@dataclass(frozen=True)
class FaultPlace:
    """A scenario's place on a server it may fault: URL, key prefix / row scope, the server
    (``None`` on SQLite, which has none) and, on SQLite, the file."""

    backend: str
    url: str
    prefix: str
    server: ThrowawayPostgres | ThrowawayRedis | None = None
    path: Path | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("agentstore", "agentstore backends")
    group.addoption(
        "--soak-seconds",
        type=float,
        default=30.0,
        help="how long the faults soak (pytest -m soak) drives its workload (default: 30)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A soak is left out (deselected, not skipped: a skip reads as a rule that did not hold)
    of every run whose ``-m`` does not name it."""
    if "soak" in (config.option.markexpr or ""):
        return
    soaks = [item for item in items if item.get_closest_marker("soak")]
    if soaks:
        config.hook.pytest_deselected(items=soaks)
        items[:] = [item for item in items if not item.get_closest_marker("soak")]


@pytest.fixture(scope="session")
def soak_seconds(pytestconfig: pytest.Config) -> float:
    """How long the soak runs (``--soak-seconds``)."""
    return pytestconfig.getoption("soak_seconds")


@pytest.fixture(scope="session")
def fault_servers(pytestconfig: pytest.Config) -> Iterator[FaultServers]:
    """This worker's throwaway PostgreSQL and Redis, for faulting; stopped at the end."""
    servers = FaultServers()
    yield servers
    servers.close()


def _postgres_place(config: pytest.Config, servers: FaultServers, prefix: str) -> FaultPlace:
    server = servers.postgres()
    url = server.database_url(FAULTS_DATABASE)
    if FAULTS_DATABASE not in servers.prepared:
        url = server.create_database(FAULTS_DATABASE)
        config.hook.pytest_agentstore_prepare_template(url=url)
        servers.prepared.add(FAULTS_DATABASE)
    return FaultPlace("postgres", url, prefix, server)


@pytest.fixture
def fault_place(
    request: pytest.FixtureRequest, fault_servers: FaultServers, isolation: Isolation, backend: str
) -> FaultPlace:
    """The scenario's place on a server of the faults feature's own (reset first)."""
    prefix = f"agentstore_faults:{request.config.stash[RUN_ID]}:{worker_name()}:{next(_counter)}:"
    try:
        if backend == "postgres":
            return _postgres_place(request.config, fault_servers, prefix)
        if backend == "redis":
            server = fault_servers.redis()
            return FaultPlace("redis", server.url, prefix, server)
    except FaultServerUnavailable as why:
        pytest.skip(str(why))
    place = isolation("sqlite")
    return FaultPlace("sqlite", place.url, place.prefix, None, Path(place.url.split("///", 1)[1]))
