"""Events on Redis pub/sub: at-most-once, to whoever is subscribed at that moment.

Channel ``c`` of a store with prefix ``P`` is ``P{ev:c}`` (one hash tag per channel, so a
Redis Cluster can later use sharded pub/sub). A subscriber that is not connected when an
event is published never sees it: durable hand-offs belong on the work queue.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis

from agentstore.coordination.protocol import Closing
from agentstore.coordination.redis_calls import RedisScripts
from agentstore.coordination.validation import check_event, check_name, decode


class RedisSubscription:
    """Events of one channel, read one at a time."""

    def __init__(self, pubsub: Any, events: RedisEvents) -> None:
        self._pubsub = pubsub
        self._events = events

    def next(self, timeout: float | None = None) -> Any | None:
        """The next event, or ``None`` when none came within ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                message = self._pubsub.get_message(timeout=left)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                raise self._events.unavailable(error) from error
            if message is not None and message["type"] == "message":
                return decode(message["data"].decode())
            if deadline is not None and time.monotonic() >= deadline:
                return None


class RedisEvents(Closing):
    """``Events`` on Redis; every channel it uses starts with ``prefix``."""

    def __init__(self, url: str, *, prefix: str = "") -> None:
        self.url = url
        self.prefix = prefix
        self._redis = RedisScripts(url, {})
        self.unavailable = self._redis.unavailable

    def _channel(self, channel: str) -> str:
        return f"{self.prefix}{{ev:{check_name(channel, 'channel')}}}"

    def publish(self, channel: str, payload: Any) -> None:
        """Send ``payload`` to every subscriber listening now (nobody keeps it for later)."""
        key, text = self._channel(channel), check_event(payload)
        try:
            self._redis.client.publish(key, text)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise self.unavailable(error) from error

    @contextmanager
    def subscribe(self, channel: str) -> Iterator[RedisSubscription]:
        """Listen on ``channel`` from now until the block ends."""
        key = self._channel(channel)
        pubsub = self._redis.client.pubsub()  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(key)
            # Wait for the server's confirmation: events published after subscribe()
            # returns are then certain to arrive.
            while (reply := pubsub.get_message(timeout=5.0)) is not None:
                if reply["type"] == "subscribe":
                    break
            yield RedisSubscription(pubsub, self)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise self.unavailable(error) from error
        finally:
            pubsub.close()

    def close(self) -> None:
        self._redis.close()
