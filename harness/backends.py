"""The one place that names the backends a scenario can run on.

Everything else (options, tags, markers, isolation, the report's columns) asks this module:
a new backend is one more entry in ``BACKENDS`` (and its spelling in ``SPELLINGS``).
"""

from __future__ import annotations

BACKENDS = ("postgres", "sqlite", "redis")
"""Every backend, in the order reports show them."""

SERVER_BACKENDS = ("postgres", "redis")
"""Backends that need a server (the provisioning ladder finds or starts one)."""

TITLES = {"postgres": "PostgreSQL", "sqlite": "SQLite", "redis": "Redis"}
"""How a reader sees each backend's name."""

SPELLINGS = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "sqlite": "sqlite",
    "redis": "redis",
}
"""Every accepted spelling (lower case) and the backend it means."""


class UnknownBackend(ValueError):
    """A backend name nobody knows; the message lists the known ones."""


def canonical(name: str) -> str:
    """The backend a spelling means (``PostgreSQL`` -> ``postgres``); raises UnknownBackend."""
    key = name.strip().lower()
    if key not in SPELLINGS:
        raise UnknownBackend(
            f"unknown backend {name.strip()!r} (choose from {', '.join(BACKENDS)})"
        )
    return SPELLINGS[key]


def parse_list(value: str) -> list[str]:
    """A comma-separated list of backend names, canonical and without repeats."""
    names = [part for part in value.split(",") if part.strip()]
    return list(dict.fromkeys(canonical(name) for name in names))
