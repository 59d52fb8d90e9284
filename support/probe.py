"""Looks underneath the public API for the platform feature: raw facts on a raw backend.

The one place where the specification writes and reads a backend directly, to prove the
harness isolates scenarios before any agentstore API is involved.
"""

from __future__ import annotations

import re

import redis
from sqlalchemy import create_engine, text

from agentstore import doctor
from agentstore.urls import sqlalchemy_url
from support.isolation import Isolated


def server_version(place: Isolated) -> tuple[int, ...]:
    """The backend's version as a tuple of numbers, e.g. (15, 20)."""
    version = doctor.check(place.url).version
    match = re.match(r"\d+(\.\d+)*", version)
    assert match, f"{place.backend} reported an unreadable version {version!r}"
    return tuple(int(part) for part in match.group(0).split("."))


def record_fact(place: Isolated, fact: str) -> None:
    """Write ``fact`` into the place's own storage."""
    if place.backend == "redis":
        with redis.Redis.from_url(place.url) as client:
            client.sadd(f"{place.prefix}facts", fact)
        return
    engine = create_engine(sqlalchemy_url(place.url))
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS probe_facts (fact TEXT NOT NULL)"))
            conn.execute(text("INSERT INTO probe_facts (fact) VALUES (:fact)"), {"fact": fact})
    finally:
        engine.dispose()


def facts(place: Isolated) -> set[str]:
    """Every fact the place's storage holds."""
    if place.backend == "redis":
        with redis.Redis.from_url(place.url, decode_responses=True) as client:
            return set(client.smembers(f"{place.prefix}facts"))
    engine = create_engine(sqlalchemy_url(place.url))
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS probe_facts (fact TEXT NOT NULL)"))
            return {row[0] for row in conn.execute(text("SELECT fact FROM probe_facts"))}
    finally:
        engine.dispose()
