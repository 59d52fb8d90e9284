"""Memory search on Redis filters with a linear glob matcher (issue 19, item 9).

The matcher agrees with the SQL backends' LIKE on random patterns and keys, answers a
many-star pattern at once, and a hostile pattern on a real Redis store returns promptly.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentstore import open_memory
from agentstore.asyncio import open_memory as open_async_memory
from agentstore.memory import patterns
from agentstore.memory.glob_match import glob_match
from harness.isolation.places import Isolation

HOSTILE = "aqe/" + "*a" * 9 + "*b?"
ALPHABET = "ab%_[]\\*?^!-é漢"


def test_a_twelve_star_pattern_over_a_sixty_character_key_answers_in_under_ten_ms() -> None:
    pattern, key = "aqe/" + "*a" * 12 + "*b?", "aqe/" + "a" * 56
    started = time.perf_counter()
    assert not glob_match(pattern, key)
    assert time.perf_counter() - started < 0.010


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("aqe/*", "aqe/x", True),
        ("aqe/?", "aqe/漢", True),
        ("aqe/?", "aqe/", False),
        ("*", "", True),
        ("", "", True),
        ("a*b", "ab", True),
        ("a*b", "abc", False),
        ("aqe/[x]", "aqe/[x]", True),
        ("aqe/[x]", "aqe/x", False),
        ("a\\*", "a\\bc", True),
        ("a\\*", "ab", False),
        ("100%_", "100%_", True),
        ("100%_", "1000a", False),
    ],
)
def test_the_matcher_keeps_every_character_but_star_and_question_mark_literal(
    pattern: str, key: str, expected: bool
) -> None:
    assert glob_match(pattern, key) is expected


_SQLITE = sqlite3.connect(":memory:")
_SQLITE.execute("PRAGMA case_sensitive_like = ON")


@settings(max_examples=500)
@given(st.text(ALPHABET, max_size=8), st.text(ALPHABET, max_size=8))
def test_the_matcher_agrees_with_sqlite_like_as_the_sql_backends_use_it(
    pattern: str, key: str
) -> None:
    like = patterns.glob_to_like(pattern)
    (expected,) = _SQLITE.execute(
        "SELECT ? LIKE ? ESCAPE ?", (key, like, patterns.LIKE_ESCAPE)
    ).fetchone()
    assert glob_match(pattern, key) is bool(expected)
    assert glob_match(pattern, key) is (patterns.glob_to_regex(pattern).match(key) is not None)


def test_a_hostile_pattern_on_redis_answers_promptly_and_rightly(isolation: Isolation) -> None:
    place = isolation("redis")
    store = open_memory(place.url, prefix=place.prefix)
    try:
        store.store("aqe/" + "a" * 40, 1)
        store.store("aqe/" + "a" * 30 + "bz", 2)
        assert store.search(HOSTILE) == {"aqe/" + "a" * 30 + "bz": 2}
    finally:
        store.close()


def test_a_hostile_pattern_on_the_asyncio_redis_store_answers_rightly(
    isolation: Isolation,
) -> None:
    place = isolation("redis")

    async def run() -> dict[str, object]:
        async with open_async_memory(place.url, prefix=place.prefix) as store:
            await store.store("aqe/" + "a" * 40, 1)
            await store.store("aqe/" + "a" * 30 + "bz", 2)
            return await store.search(HOSTILE)

    assert asyncio.run(asyncio.wait_for(run(), timeout=30)) == {"aqe/" + "a" * 30 + "bz": 2}
