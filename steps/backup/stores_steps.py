"""Steps for what a backup starts from: seeded stores, backups, archives, memories."""

from __future__ import annotations

import time
from pathlib import Path

from pytest_bdd import given

from agentstore import backup as backups
from harness.isolation.places import Isolation
from steps.parameter_types import phrase
from support.backup import workloads as backup_workloads
from support.backup.servers import NewerPostgres
from support.backup.workloads import Store

_step = phrase


@given(
    _step("a store holding {agents:d} agents with {executions:d} executions"),
    target_fixture="source",
)
def _(isolation: Isolation, backend: str, agents: int, executions: int) -> Store:
    """A store on the scenario's backend holding that many Faker-made agents and executions."""
    return backup_workloads.seeded(isolation, backend, agents, executions)


@given(
    _step("a Personal Edition store holding {agents:d} agents with {executions:d} executions"),
    target_fixture="source",
)
def _(isolation: Isolation, agents: int, executions: int) -> Store:
    """A SQLite file (the Personal Edition) holding that many agents and executions."""
    return backup_workloads.seeded(isolation, "sqlite", agents, executions)


@given(
    _step("a backup of a store holding {agents:d} agents with {executions:d} executions"),
    target_fixture="backup_file",
)
def _(isolation: Isolation, backend: str, tmp_path: Path, agents: int, executions: int) -> Path:
    """A backup file of a seeded store on the scenario's backend."""
    store = backup_workloads.seeded(isolation, backend, agents, executions)
    backups.backup(store.url, tmp_path / "backup.zip")
    return tmp_path / "backup.zip"


@given(
    _step("an archive of a store holding {agents:d} agents with {executions:d} executions"),
    target_fixture="backup_file",
)
def _(isolation: Isolation, tmp_path: Path, agents: int, executions: int) -> Path:
    """A portable archive of a seeded Personal Edition store."""
    store = backup_workloads.seeded(isolation, "sqlite", agents, executions)
    backups.export(store.url, tmp_path / "archive.zip")
    return tmp_path / "archive.zip"


@given(
    _step("a backup of a store on a newer PostgreSQL than the target's"),
    target_fixture="backup_file",
)
def _(newer_postgres: NewerPostgres, tmp_path: Path) -> Path:
    """A backup of a store on a throwaway server of a newer major version than the shared one."""
    backups.backup(newer_postgres.url, tmp_path / "newer.zip")
    return tmp_path / "newer.zip"


@given(
    _step("a store on a newer PostgreSQL than the machine's client programs"),
    target_fixture="source",
)
def _(newer_postgres: NewerPostgres) -> Store:
    """The throwaway newer server's seeded store."""
    return Store("postgres", newer_postgres.url)


@given(
    _step("a target store already holding {agents:d} agents with {executions:d} executions"),
    target_fixture="target",
)
def _(isolation: Isolation, backend: str, agents: int, executions: int) -> Store:
    """Another store on the scenario's backend with records of its own."""
    return backup_workloads.seeded(isolation, backend, agents, executions, seed=99)


@given(
    _step('a Redis memory holding "{lasting}" for {ttl:Duration} and "{forever}" with no expiry'),
    target_fixture="source",
)
def _(isolation: Isolation, lasting: str, ttl: float, forever: str) -> Store:
    """Facts in a Redis memory of the scenario's own: one with a time-to-live, one without."""
    store = backup_workloads.new_store(isolation, "redis")
    backup_workloads.remember(store, {lasting: ttl, forever: None})
    return store


@given(_step('the fact "{key}" in it has expired'))
def _(source: Store, key: str) -> None:
    """A fact stored with a 50 ms time-to-live, waited out."""
    backup_workloads.remember(source, {key: 0.05})
    time.sleep(0.1)
