"""The Redis memory backend: one JSON value per key, native TTL, an index of partitions; the
blocking driver of the operations in :mod:`redis_operations` (which asyncio drives too).

Values live under the store's prefix and hash tag, with Redis's own expiry (``SET ... PX``),
so an expired value is gone the moment Redis says so. Writes that touch the value and the
index together run as Lua scripts that declare every name they touch (atomic on the server,
one round trip); reads are plain GET/MGET; listing, stats and clearing walk the index a batch
at a time. ``store_many`` is all or nothing at any size (one MULTI/EXEC). See
:mod:`redis_scripts` for the layout of the names.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import redis

from agentstore import errors
from agentstore.db.failures import one_line
from agentstore.driving import Command, Scan, Script, ScriptBatch
from agentstore.memory import redis_scripts
from agentstore.memory.opening import ReplicaWait
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.memory.redis_operations import SCRIPTS, RedisOperations
from agentstore.memory.redis_replication import run_batch, run_script
from agentstore.memory.shell import Memory, MemoryOperations
from agentstore.urls import BackendURL, parse, scrub


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


class RedisDriving:
    """What the sync and the async Redis stores keep alike: the URL, the operations on the
    store's names, the client with the scripts registered on it, and the replica wait."""

    url: BackendURL
    namespace: str
    prefix: str
    _ops: MemoryOperations

    def _keep(
        self, url: BackendURL, namespace: str, prefix: str, client: Any, wait: ReplicaWait
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.prefix = prefix
        # how many replicas a write waits for, how long, and where it is told to be
        self._wait = replace(wait, where=f"the Redis memory at {url.redacted}")
        self._cluster = url.backend == "redis_cluster"
        self._ops = ops = RedisOperations(namespace, prefix)
        self._index = ops.index  # the hash of the store's keys, whose slot is the store's
        self._client = client
        register = client.register_script
        self._scripts = {name: register(source) for name, source in SCRIPTS.items()}


class RedisMemory(RedisDriving, Memory):
    """A ``MemoryStore`` on Redis; every key it writes starts with ``prefix``. The operations
    are :class:`RedisOperations` (shared with asyncio); this class is their blocking driver,
    which also waits for ``replicas`` after each write."""

    _client: redis.Redis

    def __init__(self, url: BackendURL, namespace: str, prefix: str, wait: ReplicaWait) -> None:
        if url.backend == "redis_cluster":
            redis_scripts.check_cluster_prefix(prefix)
        self._keep(url, namespace, prefix, connect(url), wait)

    def _perform(self, request: Command | Script | ScriptBatch | Scan) -> Any:
        try:
            if isinstance(request, Command):
                return getattr(self._client, request.name)(*request.args)
            if isinstance(request, Script):
                return run_script(self._client, self._scripts[request.name], request, self._wait)
            if isinstance(request, Scan):
                return self._client.hscan(
                    request.key, request.cursor, match=request.match, count=request.count
                )
            return self._batch(request)
        except UNAVAILABLE as exc:
            raise stopped(self.url, exc) from exc

    def _batch(self, request: ScriptBatch) -> Any:
        script = self._scripts[request.name]
        if self._cluster or self._wait.replicas:  # on the slot's master, WAIT on its connection
            return run_batch(self._client, script, request.calls, self._wait)
        # All or nothing at any size: the chunks (each one short script) run inside one
        # MULTI/EXEC, so no reader sees part of the batch and a connection lost before
        # EXEC leaves nothing written.
        pipe = self._client.pipeline(transaction=True)
        for keys, args in request.calls:
            script(keys=keys, args=args, client=pipe)
        return pipe.execute()

    def close(self) -> None:
        self._client.close()
