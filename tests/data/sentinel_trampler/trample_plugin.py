"""A plugin that tramples this run's Redis sentinel after the first test: the run must fail."""

from __future__ import annotations

import pytest
import redis

from harness.isolation import sentinels

_done = False


def pytest_runtest_teardown(item: pytest.Item) -> None:
    global _done
    planted = item.config.stash.get(sentinels.PLANTED, None)
    if _done or planted is None or planted.redis_url is None:
        return
    _done = True
    with redis.Redis.from_url(planted.redis_url) as client:
        client.delete(*planted.keys)
