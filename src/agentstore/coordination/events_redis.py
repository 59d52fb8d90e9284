"""Events on Redis pub/sub: at-most-once, to whoever is subscribed at that moment.

Channel ``c`` of a store with prefix ``P`` is ``P{ev:c}``: one hash tag per channel. On a
Redis Cluster whose masters all have sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7) the
events go by it: a channel lives on the master of its slot (and its replicas), so events
spread over the masters as keys do, instead of every event being broadcast to every node.
On a Redis 6 cluster (the oldest supported) they go by classic PUBLISH/SUBSCRIBE, which the
cluster broadcasts to every node; which one is decided once, when the events are opened. A
subscriber that is not connected when an event is published never sees it: durable
hand-offs belong on the work queue.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from redis.cluster import RedisCluster

from agentstore import errors
from agentstore.coordination.protocol import Closing, IterableSubscription
from agentstore.coordination.redis_calls import RedisScripts, unavailable
from agentstore.coordination.validation import check_event, check_name, decode
from agentstore.driving import Operation, run
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.urls import BackendURL

_CONFIRM_SECONDS = 5.0
"""How long ``subscribe`` waits for the server to confirm the subscription."""
SHARDED_SINCE = 7
"""The first major Redis version with sharded pub/sub."""


class RedisSubscription(IterableSubscription):
    """Events of one channel, read one at a time."""

    def __init__(self, read: Callable[[float | None], Any], events: RedisEvents) -> None:
        self._read = read
        self._events = events

    def next(self, timeout: float | None = None) -> Any | None:
        """The next event, or ``None`` when none came within ``timeout`` seconds."""
        try:
            return run(next_event(timeout), self._read)
        except UNAVAILABLE as error:
            raise self._events.unavailable(error) from error


class RedisEvents(Closing):
    """``Events`` on Redis or a Redis Cluster; every channel it uses starts with ``prefix``."""

    def __init__(self, url: BackendURL, *, prefix: str = "") -> None:
        self.url = url
        self.prefix = prefix
        self._redis = RedisScripts(url, {})
        client = self._redis.client
        try:
            self._sharded = isinstance(client, RedisCluster) and sharded_pubsub(client)
        except UNAVAILABLE as error:
            self._redis.close()
            raise self.unavailable(error) from error

    def _channel(self, channel: str) -> str:
        return channel_key(self.prefix, channel)

    def unavailable(self, error: Exception) -> errors.BackendUnavailable:
        return unavailable(self.url, error)

    def publish(self, channel: str, payload: Any) -> None:
        """Send ``payload`` to every subscriber listening now (nobody keeps it for later)."""
        key, text = self._channel(channel), check_event(payload)
        client = self._redis.client
        try:
            if self._sharded:
                client.spublish(key, text)
            else:
                client.publish(key, text)
        except UNAVAILABLE as error:
            raise self.unavailable(error) from error

    @contextmanager
    def subscribe(self, channel: str) -> Iterator[RedisSubscription]:
        """Listen on ``channel`` from now until the block ends."""
        key = self._channel(channel)
        pubsub = self._redis.client.pubsub()
        try:
            if self._sharded:
                pubsub.ssubscribe(key)
                read = _reader(pubsub.get_sharded_message)
            else:
                pubsub.subscribe(key)
                read = _reader(pubsub.get_message)
            run(confirmation(), read)
            yield RedisSubscription(read, self)
        except UNAVAILABLE as error:
            raise self.unavailable(error) from error
        finally:
            pubsub.close()

    def close(self) -> None:
        self._redis.close()


def channel_key(prefix: str, channel: str) -> str:
    """The Redis channel of ``channel`` in the store with ``prefix``: one hash tag each."""
    return f"{prefix}{{ev:{check_name(channel, 'channel')}}}"


def confirmation() -> Operation[None]:
    """Wait for the server to confirm a subscription: events published after ``subscribe``
    returns are then certain to arrive. Yields how long to wait for the next message."""
    while (reply := (yield _CONFIRM_SECONDS)) is not None:
        if reply["type"] in ("subscribe", "ssubscribe"):
            return


def next_event(timeout: float | None) -> Operation[Any]:
    """The next event within ``timeout`` seconds (``None``: as long as it takes), or ``None``.

    Yields how long the next read may wait; receives the message read (or ``None``).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        message = yield left
        if message is not None and message["type"] in ("message", "smessage"):
            return decode(message["data"].decode())
        if deadline is not None and time.monotonic() >= deadline:
            return None


def sharded_pubsub(client: RedisCluster) -> bool:
    """True when every master of the cluster has sharded pub/sub (Redis 7 or later)."""
    return all_sharded(client.info("server", target_nodes=RedisCluster.PRIMARIES))


def all_sharded(replies: dict[str, Any]) -> bool:
    """True when every master's ``INFO server`` reply (``replies``, by node, or one reply)
    names Redis 7 or later.

    A version the server reports in a form not understood counts as without: classic pub/sub
    works on every cluster.
    """
    infos = replies.values() if "redis_version" not in replies else [replies]
    return bool(infos) and all(_major(info.get("redis_version")) >= SHARDED_SINCE for info in infos)


def _major(version: object) -> int:
    """The major version of ``"7.0.15"`` (7); 0 when it is not such a text."""
    found = re.match(r"(\d{1,4})\.", version) if isinstance(version, str) else None
    return int(found.group(1)) if found else 0


def _reader(get: Callable[..., Any]) -> Callable[[float | None], Any]:
    """One message (or ``None``) within ``timeout`` seconds from ``get``."""
    return lambda timeout: get(timeout=timeout)
