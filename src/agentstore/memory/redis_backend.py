"""The Redis memory backend: one JSON value per key, native TTL, a partition index.

Values live under the store's prefix, a separator and the key, with Redis's own expiry
(``SET ... PX``), so an expired value is gone the moment Redis says so. Writes that touch the
value and the index together run as Lua scripts (atomic on the server, one round trip); reads
are plain GET/MGET. See :mod:`redis_scripts` for the layout of the keys and the index.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import redis
from redis.commands.core import Script

from agentstore import errors
from agentstore.db.failures import one_line
from agentstore.memory import patterns, redis_scripts
from agentstore.memory.protocol import MemoryStats, StoreLifecycle
from agentstore.memory.validation import (
    can_match,
    check_increment,
    check_key,
    check_partition,
    check_store,
    check_ttl,
    decode,
    encode,
    refused_increment,
    unique_keys,
)
from agentstore.urls import redact

_BATCH = 1000


def _px(ttl: float | None) -> str:
    """A TTL in whole milliseconds for PX ('' = no expiry), never rounded down to zero."""
    return "" if ttl is None else str(max(1, math.ceil(ttl * 1000)))


def connect(url: str, timeout: float = 3.0, socket_timeout: float = 30.0) -> redis.Redis:
    """A client for ``url`` that has answered PING (``timeout``: seconds to connect).

    Raises ``InvalidURL`` for a URL redis-py cannot read and ``BackendUnavailable`` (one line,
    password hidden) when the server does not answer or refuses, e.g. a database index it
    does not have; the client is closed then, never leaked.
    """
    try:
        client = redis.Redis.from_url(url, **client_options(timeout, socket_timeout))
    except ValueError as exc:
        raise unusable(url, exc) from None
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise unreachable(url, exc) from exc
    return client


def client_options(timeout: float, socket_timeout: float) -> dict[str, Any]:
    """How every memory client connects (shared with ``agentstore.asyncio``)."""
    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": socket_timeout,
        "health_check_interval": 0,
    }


def unusable(url: str, exc: Exception) -> errors.InvalidURL:
    """A URL redis-py cannot read, told in one line."""
    return errors.InvalidURL(f"not a usable Redis URL {redact(url)}: {one_line(exc)}")


def unreachable(url: str, exc: Exception) -> errors.BackendUnavailable:
    """A server that did not answer when the store opened."""
    return errors.BackendUnavailable(f"Redis at {redact(url)} is unreachable: {one_line(exc)}")


def stopped(url: str, exc: Exception) -> errors.BackendUnavailable:
    """A server that stopped answering an open store."""
    return errors.BackendUnavailable(
        f"the Redis memory at {redact(url)} stopped answering: {one_line(exc)}"
    )


class RedisMemory(StoreLifecycle):
    """A ``MemoryStore`` on Redis; every key it writes starts with ``prefix``."""

    def __init__(self, url: str, namespace: str, prefix: str) -> None:
        self.url = url
        self.namespace = namespace
        self.prefix = prefix
        # Prefix and key are joined by a character neither may hold: no other store's
        # prefix + key can spell one of this store's names (see redis_scripts).
        self._base, self._index, self._parts = redis_scripts.layout(namespace, prefix)
        self._client = connect(url)
        register = self._client.register_script
        self._store = register(redis_scripts.STORE)
        self._store_many = register(redis_scripts.STORE_MANY)
        self._delete = register(redis_scripts.DELETE)
        self._increment = register(redis_scripts.INCREMENT)
        self._cas = register(redis_scripts.COMPARE_AND_SET)
        self._clear = register(redis_scripts.CLEAR_PARTITION)
        self._live = register(redis_scripts.LIVE_KEYS)
        self._stats = register(redis_scripts.STATS)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: Exception) -> errors.BackendUnavailable:
        return stopped(self.url, exc)

    def _run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        """Run one of the scripts: EVALSHA straight away, as redis-py's ``Script.__call__``
        costs more than the script itself; the script is loaded only when the server says it
        does not know it (after a restart or SCRIPT FLUSH)."""
        try:
            try:
                return self._client.evalsha(script.sha, len(keys), *keys, *args)
            except redis.exceptions.NoScriptError:
                return script(keys=keys, args=args)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise self._unavailable(exc) from exc

    # -- the MemoryStore API ----------------------------------------------------------------

    def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None:
        text, _, seconds = check_store(key, value, ttl, partition, self.namespace)
        px = _px(seconds)
        self._run(
            self._store, [self._base + key, self._index], [text, px, key, partition, self._parts]
        )

    def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None = None, partition: str = "default"
    ) -> None:
        px = _px(check_ttl(ttl))
        check_partition(partition)
        flat: list[str] = []
        for key, value in mapping.items():
            flat += (check_key(key, self.namespace), encode(value))
        if not flat:
            return
        head = [px, partition, self._parts, self._base]
        with self._guard():
            # Chunks keep each script short; all chunks go in one pipelined round trip.
            pipe = self._client.pipeline(transaction=False)
            for start in range(0, len(flat), 2 * _BATCH):
                self._store_many(
                    keys=[self._index], args=head + flat[start : start + 2 * _BATCH], client=pipe
                )
            pipe.execute()

    def retrieve(self, key: str, default: Any = None) -> Any:
        check_key(key, self.namespace)
        try:
            text = self._client.get(self._base + key)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise self._unavailable(exc) from exc
        return default if text is None else decode(text)

    def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return self._values(unique_keys(keys, self.namespace))

    def _values(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        with self._guard():
            for start in range(0, len(keys), _BATCH):
                chunk = keys[start : start + _BATCH]
                texts = self._client.mget([self._base + key for key in chunk])
                found.update(
                    (key, decode(text))
                    for key, text in zip(chunk, texts, strict=True)
                    if text is not None
                )
        return found

    def delete(self, key: str) -> bool:
        check_key(key, self.namespace)
        with self._guard():
            return bool(self._delete(keys=[self._base + key, self._index], args=[key, self._parts]))

    def exists(self, key: str) -> bool:
        check_key(key, self.namespace)
        with self._guard():
            return bool(self._client.exists(self._base + key))

    def ttl(self, key: str) -> float | None:
        check_key(key, self.namespace)
        with self._guard():
            left = self._client.pttl(self._base + key)
        if left == -2:
            raise KeyError(key)
        return None if left == -1 else left / 1000

    def search(self, pattern: str) -> dict[str, Any]:
        if not can_match(pattern, "search pattern"):
            return {}
        match, exact = patterns.redis_prefilter(pattern), patterns.glob_to_regex(pattern)
        with self._guard():
            fields = {
                field.decode()
                for field, _ in self._client.hscan_iter(self._index, match=match, count=_BATCH)
            }
        return self._values(sorted(key for key in fields if exact.match(key)))

    def _live_keys(self, partition: str = "") -> list[str]:
        fields = self._run(self._live, [self._index], [self._base, self._parts, partition])
        return [field.decode() for field in fields]

    def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]:
        if not can_match(prefix, "key prefix"):
            return []
        scoped = patterns.scoped_prefix(self.namespace, prefix)
        if scoped is None:
            return []
        live = self._live_keys("" if partition is None else check_partition(partition))
        return sorted(key for key in live if key.startswith(scoped))

    def clear_partition(self, partition: str) -> int:
        check_partition(partition)
        return int(self._run(self._clear, [self._index], [self._base, self._parts, partition]))

    def stats(self) -> MemoryStats:
        out = self._run(self._stats, [self._index], [self._base, self._parts])
        pairs = zip(out[2::2], out[3::2], strict=True)
        partitions = {name.decode(): int(count) for name, count in sorted(pairs)}
        return MemoryStats(keys=int(out[0]), bytes=int(out[1]), partitions=partitions)

    def increment(self, key: str, by: int = 1) -> int:
        check_key(key, self.namespace)
        check_increment(by)
        try:
            text = self._run(
                self._increment, [self._base + key, self._index], [by, key, self._parts]
            )
        except redis.ResponseError:  # not an integer, or the sum would overflow: unchanged
            raise refused_increment(key, by, self.retrieve(key)) from None
        return int(text)

    def compare_and_set(self, key: str, expected: Any, new: Any, ttl: float | None = None) -> bool:
        check_key(key, self.namespace)
        expected_text = encode(expected)
        new_text = encode(new)
        px = _px(check_ttl(ttl))
        nothing = "1" if expected is None else "0"
        swapped = self._run(
            self._cas,
            [self._base + key, self._index],
            [expected_text, new_text, px, key, self._parts, nothing],
        )
        return bool(swapped)

    def cleanup_expired(self) -> int:
        """Redis removes expired values itself; this only prunes their index entries."""
        self._live_keys()
        return 0

    def close(self) -> None:
        self._client.close()
