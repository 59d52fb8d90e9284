"""Isolation: every scenario gets data nobody else sees, and leaves nothing behind.

- PostgreSQL: per worker, a template database prepared once; per scenario, a database cloned
  from it (``CREATE DATABASE ... TEMPLATE``, ``postgres_cloner.py``), dropped afterwards.
- Redis, Redis Cluster: per scenario, a fresh key prefix; its keys are deleted afterwards, on
  every master (``redis_keys.py``).
- SQLite: per scenario, a fresh file in the scenario's temporary folder (kept by pytest).

Names carry the run id and the worker, so parallel workers and parallel runs on one server
never collide, and cleanup touches only what this run created. Whatever a scenario opens on
its places (stores, engines) is handed to :meth:`Isolation.closing` and closed before the
places are removed.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from harness.isolation.redis_keys import delete_prefixed
from harness.servers.drivers import database_of
from harness.servers.ladder import Service
from harness.servers.plugin import RUN_ID, SERVICES, worker_name

T = TypeVar("T")
_counter = itertools.count(1)


@dataclass(frozen=True)
class Isolated:
    """One isolated place on one backend: its URL and the key prefix / row scope to use."""

    backend: str
    url: str
    prefix: str


def require(config: pytest.Config, backend: str) -> Service:
    """The provisioned service for ``backend``; skips the test with the reason if unavailable."""
    service = config.stash[SERVICES].get(backend)
    if service is None:
        pytest.skip(f"backend {backend} is not selected (--backends)")
    if not service.available:
        pytest.skip(f"backend {service.describe()}")
    return service


class Isolation:
    """Hands out isolated places for one scenario and removes them when it ends."""

    def __init__(self, request: pytest.FixtureRequest, tmp_path: Path) -> None:
        self.request = request
        self.tmp_path = tmp_path
        self.run_id = request.config.stash[RUN_ID]
        self._own: dict[str, Isolated] = {}
        self._cleanups: list[Callable[[], object]] = []

    def __call__(self, backend: str) -> Isolated:
        """The scenario's own place on ``backend`` (the same one on every call)."""
        if backend not in self._own:
            self._own[backend] = self.new(backend)
        return self._own[backend]

    def new(self, backend: str, migrated: bool = True) -> Isolated:
        """Another, separate place on ``backend`` (as a second scenario would get).

        SQL places hold the prepared schema unless ``migrated`` is false (then they are empty).
        """
        service = require(self.request.config, backend)
        n = next(_counter)
        prefix = f"agentstore_test:{self.run_id}:{worker_name()}:{n}:"
        if backend == "postgres":
            cloner = self.request.getfixturevalue("postgres_cloner")
            url = cloner.clone(migrated)
            name = database_of(url)
            self._cleanups.append(lambda: cloner.drop(name))
        elif backend in ("redis", "redis_cluster"):
            url = service.url
            self._cleanups.append(lambda: delete_prefixed(url, prefix))
        else:
            path = self.tmp_path / f"agentstore-{n}.db"
            if migrated:
                shutil.copyfile(self.request.getfixturevalue("sqlite_template"), path)
            url = f"sqlite:///{path}"
        return Isolated(backend, url, prefix)

    def closing(self, resource: T, close: Callable[[T], object] | None = None) -> T:
        """Close ``resource`` (its ``close()``, or ``close(resource)``) when the scenario ends.

        Resources close before the places they use are removed, newest first.
        """
        closer = close or (lambda r: r.close())
        self._cleanups.append(lambda: closer(resource))
        return resource

    def close(self) -> None:
        """Close what the scenario opened, then remove its places; every step runs."""
        errors: list[BaseException] = []
        while self._cleanups:
            try:
                self._cleanups.pop()()
            except Exception as error:
                errors.append(error)
        if errors:
            raise errors[0]


@contextlib.contextmanager
def isolated_places(request: pytest.FixtureRequest, tmp_path: Path):
    """An :class:`Isolation` for the duration of a block."""
    places = Isolation(request, tmp_path)
    try:
        yield places
    finally:
        places.close()
