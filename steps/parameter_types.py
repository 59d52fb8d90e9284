"""Parameter types shared by every step library, defined once."""

from __future__ import annotations

from parse import with_pattern

BACKEND_NAMES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "sqlite": "sqlite",
    "redis": "redis",
}


@with_pattern(r"Postgres|PostgreSQL|SQLite|Redis")
def backend(text: str) -> str:
    """A backend as readers name it (Postgres, SQLite, Redis) -> its id (postgres...)."""
    return BACKEND_NAMES[text.lower()]


@with_pattern(r'[^"]*')
def text(value: str) -> str:
    """The words between a pair of double quotes, never running past the closing quote."""
    return value


@with_pattern(r'none|"[^"]*"(?:, "[^"]*")*|[^"]+')
def names(value: str) -> list[str]:
    """A list in Gherkin: ``none``, ``"a", "b"`` or ``a, b`` -> ["a", "b"]."""
    if value.strip() == "none":
        return []
    return [part.strip().strip('"') for part in value.split(",") if part.strip().strip('"')]


TYPES = {"Backend": backend, "Text": text, "Names": names}
