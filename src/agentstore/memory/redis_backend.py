"""The Redis memory backend: one JSON value per key, native TTL, an index of partitions.

Values live under the store's prefix and hash tag, with Redis's own expiry (``SET ... PX``),
so an expired value is gone the moment Redis says so. Writes that touch the value and the
index together run as Lua scripts that declare every name they touch (atomic on the server,
one round trip); reads are plain GET/MGET; listing, stats and clearing walk the index a batch
at a time. ``store_many`` is all or nothing at any size (one MULTI/EXEC). See
:mod:`redis_scripts` for the layout of the names.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

import redis
from redis.commands.core import Script

from agentstore import errors
from agentstore.db.failures import one_line
from agentstore.memory import patterns, redis_scripts
from agentstore.memory.glob_match import glob_match
from agentstore.memory.protocol import MemoryStats, StoreLifecycle
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.memory.redis_replication import run_batch, run_confirmed
from agentstore.memory.validation import (
    can_match,
    canonical,
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
from agentstore.urls import BackendURL, parse, scrub

_BATCH = 1000


def _text(reply: bytes | str) -> str:
    """A reply as text (the client returns bytes)."""
    return reply.decode() if isinstance(reply, bytes) else reply


def _px(ttl: float | None) -> str:
    """A TTL in whole milliseconds for PX ('' = no expiry), never rounded down to zero."""
    return "" if ttl is None else str(max(1, math.ceil(ttl * 1000)))


def connect(
    url: str | BackendURL, timeout: float = 3.0, socket_timeout: float = 30.0
) -> redis.Redis:
    """A client for ``url`` that has answered PING (``timeout``: seconds to connect).

    Raises ``InvalidURL`` for a URL redis-py cannot read and ``BackendUnavailable`` (one line,
    password hidden) when the server does not answer or refuses, e.g. a database index it
    does not have; the client is closed then, never leaked. A ``redis+cluster://`` URL
    gives redis-py's cluster client (:mod:`agentstore.memory.redis_cluster`).
    """
    url = parse(url, "redis", "redis_cluster")
    if url.backend == "redis_cluster":
        from agentstore.memory.redis_cluster import connect_cluster

        # The cluster client answers the same commands; callers that need its own
        # methods (slots, nodes) check isinstance(client, RedisCluster) first.
        return cast(redis.Redis, connect_cluster(url, timeout, socket_timeout))
    try:
        client = redis.Redis.from_url(url.raw, **client_options(timeout, socket_timeout))
    except ValueError as exc:
        raise unusable(url, exc) from None
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise unreachable(url, exc) from exc
    except TypeError as exc:  # a query parameter redis-py only meets when it connects
        client.close()
        raise unusable(url, exc) from None
    return client


def client_options(timeout: float, socket_timeout: float) -> dict[str, Any]:
    """How every memory client connects (shared with ``agentstore.asyncio``)."""
    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": socket_timeout,
        "health_check_interval": 0,
    }


def unusable(url: BackendURL, exc: Exception) -> errors.InvalidURL:
    """A URL redis-py cannot read, told in one line."""
    from agentstore import urls

    return urls.unusable(url, "redis", one_line(exc))


def unreachable(url: BackendURL, exc: Exception) -> errors.BackendUnavailable:
    """A server that did not answer (or refused the password) when the store opened."""
    from agentstore.auth import authentication_failed, is_redis_auth

    if is_redis_auth(exc):
        return authentication_failed(url)
    return errors.BackendUnavailable(
        f"Redis at {url.redacted} is unreachable: {scrub(one_line(exc), url)}"
    )


def stopped(url: BackendURL, exc: Exception) -> errors.BackendUnavailable:
    """A server that stopped answering an open store."""
    return errors.BackendUnavailable(
        f"the Redis memory at {url.redacted} stopped answering: {scrub(one_line(exc), url)}"
    )


class RedisMemory(StoreLifecycle):
    """A ``MemoryStore`` on Redis; every key it writes starts with ``prefix``."""

    def __init__(
        self,
        url: BackendURL,
        namespace: str,
        prefix: str,
        replicas: int = 0,
        replica_timeout: float = 1.0,
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.prefix = prefix
        self.replicas = replicas
        self.replica_timeout = replica_timeout
        self._cluster = url.backend == "redis_cluster"
        if self._cluster:
            redis_scripts.check_cluster_prefix(prefix)
        # One hash tag per store: Redis Cluster keeps all of its names in one slot (see
        # redis_scripts for the layout and why no other store can spell these names).
        self._base, self._index = redis_scripts.layout(namespace, prefix)
        self._client = connect(url)
        register = self._client.register_script
        self._store = register(redis_scripts.STORE)
        self._store_many = register(redis_scripts.STORE_MANY)
        self._delete = register(redis_scripts.DELETE)
        self._increment = register(redis_scripts.INCREMENT)
        self._cas = register(redis_scripts.COMPARE_AND_SET)
        self._live_batch = register(redis_scripts.LIVE_BATCH)
        self._stats_batch = register(redis_scripts.STATS_BATCH)
        self._clear_batch = register(redis_scripts.CLEAR_BATCH)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except UNAVAILABLE as exc:
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
        except UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc

    def _write(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        """Run a write script; with ``replicas``, also wait until that many replicas have it."""
        if not self.replicas:
            return self._run(script, keys, args)
        with self._guard():
            return run_confirmed(
                self._client, script, keys, args, self.replicas, self.replica_timeout, self._where
            )

    @property
    def _where(self) -> str:
        return f"the Redis memory at {self.url.redacted}"

    # -- the MemoryStore API ----------------------------------------------------------------

    def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None:
        text, _, seconds = check_store(key, value, ttl, partition, self.namespace)
        px = _px(seconds)
        self._write(self._store, [self._base + key, self._index], [text, px, key, partition])

    def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None = None, partition: str = "default"
    ) -> None:
        px = _px(check_ttl(ttl))
        check_partition(partition)
        items = [(check_key(key, self.namespace), encode(value)) for key, value in mapping.items()]
        if not items:
            return
        if self._cluster or self.replicas:  # on the slot's master, WAIT on its connection
            calls = [
                (
                    [self._index, *(self._base + key for key, _ in chunk)],
                    [px, partition, *(part for pair in chunk for part in pair)],
                )
                for chunk in (items[i : i + _BATCH] for i in range(0, len(items), _BATCH))
            ]
            with self._guard():
                run_batch(
                    self._client,
                    self._store_many,
                    calls,
                    self.replicas,
                    self.replica_timeout,
                    self._where,
                )
            return
        with self._guard():
            # All or nothing at any size: the chunks (each one short script) run inside one
            # MULTI/EXEC, so no reader sees part of the batch and a connection lost before
            # EXEC leaves nothing written.
            pipe = self._client.pipeline(transaction=True)
            for start in range(0, len(items), _BATCH):
                chunk = items[start : start + _BATCH]
                self._store_many(
                    keys=[self._index, *(self._base + key for key, _ in chunk)],
                    args=[px, partition, *(part for pair in chunk for part in pair)],
                    client=pipe,
                )
            pipe.execute()

    def retrieve(self, key: str, default: Any = None) -> Any:
        check_key(key, self.namespace)
        try:
            text = self._client.get(self._base + key)
        except UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc
        return default if text is None else decode(_text(text))

    def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return self._values(unique_keys(keys, self.namespace))

    def _values(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        with self._guard():
            for start in range(0, len(keys), _BATCH):
                chunk = keys[start : start + _BATCH]
                texts = self._client.mget([self._base + key for key in chunk])
                found.update(
                    (key, decode(_text(text)))
                    for key, text in zip(chunk, texts, strict=True)
                    if text is not None
                )
        return found

    def delete(self, key: str) -> bool:
        check_key(key, self.namespace)
        return bool(self._write(self._delete, [self._base + key, self._index], [key]))

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
        match = patterns.redis_prefilter(pattern)
        with self._guard():
            fields = {
                field.decode()
                for field, _ in self._client.hscan_iter(self._index, match=match, count=_BATCH)
            }
        return self._values(sorted(key for key in fields if glob_match(pattern, key)))

    def _walk(self, partition: str | None = None) -> Iterator[list[str]]:
        """The store's keys (of one partition, or all), a batch at a time, by ``HSCAN``
        (which may repeat a field while the hash grows: each is handed out once)."""
        batch: list[str] = []
        seen: set[bytes] = set()
        with self._guard():
            for field, part in self._client.hscan_iter(self._index, count=_BATCH):
                if field in seen:
                    continue
                seen.add(field)
                if partition is None or part.decode() == partition:
                    batch.append(field.decode())
                    if len(batch) == _BATCH:
                        yield batch
                        batch = []
        if batch:
            yield batch

    def _batch(self, script: Script, fields: list[str], *head: str) -> Any:
        keys = [self._index, *(self._base + field for field in fields)]
        run = self._write if script is self._clear_batch else self._run
        return run(script, keys, [*head, *fields])

    def _live_keys(self, partition: str | None = None) -> list[str]:
        live: list[str] = []
        for fields in self._walk(partition):
            live += (field.decode() for field in self._batch(self._live_batch, fields))
        return live

    def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]:
        if not can_match(prefix, "key prefix"):
            return []
        scoped = patterns.scoped_prefix(self.namespace, prefix)
        if scoped is None:
            return []
        live = self._live_keys(None if partition is None else check_partition(partition))
        return sorted(key for key in live if key.startswith(scoped))

    def clear_partition(self, partition: str) -> int:
        """Removes the partition's keys a batch at a time: a key stored into the partition
        while this runs may stay; every key that was there when it started is removed."""
        check_partition(partition)
        return sum(
            int(self._batch(self._clear_batch, fields, partition))
            for fields in self._walk(partition)
        )

    def stats(self) -> MemoryStats:
        keys = size = 0
        counts: dict[str, int] = {}
        for fields in self._walk():
            out = self._batch(self._stats_batch, fields)
            for length, name in zip(out[0::2], out[1::2], strict=True):
                keys += 1
                size += int(length)
                counts[name.decode()] = counts.get(name.decode(), 0) + 1
        return MemoryStats(keys=keys, bytes=size, partitions=dict(sorted(counts.items())))

    def increment(self, key: str, by: int = 1) -> int:
        check_key(key, self.namespace)
        check_increment(by)
        try:
            text = self._write(self._increment, [self._base + key, self._index], [by, key])
        except redis.ResponseError:  # not an integer, or the sum would overflow: unchanged
            raise refused_increment(key, by, self.retrieve(key)) from None
        return int(text)

    def compare_and_set(self, key: str, expected: Any, new: Any, ttl: float | None = None) -> bool:
        check_key(key, self.namespace)
        wanted = canonical(expected)
        new_text = encode(new)
        px = _px(check_ttl(ttl))
        nothing = "1" if expected is None else "0"
        value = self._base + key
        while True:
            current = wanted
            if expected is not None:
                with self._guard():
                    found = self._client.get(value)
                if found is None:
                    return False
                current = _text(found)
                if current != wanted and canonical(decode(current)) != wanted:
                    return False
            # The script swaps only if the exact text read is still there (or, expecting
            # nothing, if the key is absent or null); another writer in between: read again.
            swapped = self._write(
                self._cas, [value, self._index], [current, new_text, px, key, nothing]
            )
            if swapped:
                return True
            if expected is None:
                return False

    def cleanup_expired(self) -> int:
        """Redis removes expired values itself; this only prunes their index entries."""
        self._live_keys()
        return 0

    def close(self) -> None:
        self._client.close()
