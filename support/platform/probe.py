"""What the platform feature asks of a backend: its version, and facts kept in a place.

Facts go through the public memory API under the place's own prefix, so the isolation check
exercises exactly what every other scenario relies on: the database, file or key prefix the
harness handed out.
"""

from __future__ import annotations

import re

from agentstore import doctor, open_memory
from harness.isolation.places import Isolated

FACTS = "aqe/platform-facts/"


def server_version(place: Isolated) -> tuple[int, ...]:
    """The backend's version as a tuple of numbers, e.g. (15, 20)."""
    version = doctor.check(place.url).version
    match = re.match(r"\d+(\.\d+)*", version)
    assert match, f"{place.backend} reported an unreadable version {version!r}"
    return tuple(int(part) for part in match.group(0).split("."))


def record_fact(place: Isolated, fact: str) -> None:
    """Keep ``fact`` in the place's own memory."""
    with open_memory(place.url, prefix=place.prefix) as memory:
        memory.store(f"{FACTS}{len(memory.list_keys(FACTS))}", fact)


def facts(place: Isolated) -> set[str]:
    """Every fact the place's memory holds, whoever recorded it."""
    with open_memory(place.url, prefix=place.prefix) as memory:
        return set(memory.search("*").values())
