"""``open_memory``, ``open_queue``, ``open_leases``, ``open_events``: the async backend from the
URL's scheme, like the sync ones (a ``redis+cluster://`` URL included), typed by the protocols
(``AsyncMemoryStore``, ``AsyncQueue``, ``AsyncLeases``, ``AsyncEvents``) their stores follow."""

from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, Protocol, TypeVar

from agentstore import errors
from agentstore.asyncio.protocol import AsyncEvents, AsyncLeases, AsyncMemoryStore, AsyncQueue
from agentstore.coordination.opening import checked_leases, checked_queue
from agentstore.db.engine import PoolSettings
from agentstore.memory.opening import checked
from agentstore.memory.validation import check_prefix
from agentstore.urls import BackendURL, parse


class _Closable(Protocol):
    async def close(self) -> None: ...


T = TypeVar("T", bound=_Closable)


class Opening(Generic[T]):
    """An opening store of type ``T``: ``await`` it for the store, or ``async with`` it to
    close it after."""

    def __init__(self, opener: Callable[[], Awaitable[T]]) -> None:
        self._opener = opener
        self._store: T | None = None

    def __await__(self) -> Generator[Any, None, T]:
        return self._opener().__await__()

    async def __aenter__(self) -> T:
        self._store = await self._opener()
        return self._store

    async def __aexit__(self, *exc: object) -> None:
        if self._store is not None:
            await self._store.close()


def open_memory(
    url: str | BackendURL,
    namespace: str = "aqe",
    prefix: str = "",
    *,
    pool: PoolSettings | None = None,
    replicas: int = 0,
    replica_timeout: float = 1.0,
) -> Opening[AsyncMemoryStore]:
    """Open the memory at ``url`` for asyncio: ``async with open_memory(url) as mem: ...``.

    The arguments, the checks and the errors are the sync ``agentstore.open_memory``'s:
    ``InvalidURL`` for an unknown scheme (at once), ``BackendUnavailable`` when the server
    does not answer and ``SchemaNotMigrated`` for a SQL database never migrated (on opening).
    ``pool`` sizes a SQL store's connections; ``replicas=n`` makes every Redis write wait up
    to ``replica_timeout`` seconds for ``n`` replicas (``WriteNotReplicated`` when fewer
    confirm), as on the sync API.
    """
    target, wait = checked(url, namespace, prefix, replicas, replica_timeout)
    if target.backend in ("redis", "redis_cluster"):
        from agentstore.asyncio.memory_redis import open_redis

        return Opening(lambda: open_redis(target, namespace, prefix, wait))
    from agentstore.asyncio.memory_sql import open_sql

    return Opening(lambda: open_sql(target, namespace, prefix, pool))


def open_leases(
    url: str | BackendURL, *, prefix: str = "", replicas: int = 0, replica_timeout: float = 1.0
) -> Opening[AsyncLeases]:
    """Named leases with fencing tokens at ``url``, for asyncio (``async with`` or ``await``):
    the sync ``agentstore.open_leases``'s arguments (``replicas=`` included), checks, errors
    and storage."""
    from agentstore.asyncio.leases import open_leases_now

    target, wait = checked_leases(url, prefix, replicas, replica_timeout)  # bad ones fail now
    return Opening(lambda: open_leases_now(target, prefix, wait))


def open_queue(
    url: str | BackendURL,
    name: str,
    *,
    prefix: str = "",
    backoff: float = 1.0,
    max_backoff: float = 300.0,
    replicas: int = 0,
    replica_timeout: float = 1.0,
) -> Opening[AsyncQueue]:
    """The work queue ``name`` at ``url``, for asyncio (``async with`` or ``await``): the sync
    ``agentstore.open_queue``'s arguments (``replicas=`` included), checks, errors and
    storage, so sync and async workers share one queue. Bad arguments fail at once; an
    unreachable server or a database never migrated fails on opening."""
    target, wait, longest, replicated = checked_queue(
        url, name, prefix, backoff, max_backoff, replicas, replica_timeout
    )
    if target.backend in ("redis", "redis_cluster"):
        from agentstore.asyncio.queue_redis import open_redis_queue
        from agentstore.coordination.queue_redis import RedisQueueOperations

        ops = RedisQueueOperations(name, prefix, wait, longest)
        return Opening(lambda: open_redis_queue(target, ops, replicated))
    from agentstore.asyncio.queue_sql import open_sql_queue

    return Opening(lambda: open_sql_queue(target, name, prefix, wait, longest))


def open_events(url: str | BackendURL, *, prefix: str = "") -> Opening[AsyncEvents]:
    """Publish/subscribe at ``url`` for asyncio (``async with`` or ``await``): the sync
    ``agentstore.open_events``' arguments, checks, errors and channels, so sync and async
    programs hear each other. SQLite offers no events (``Unsupported``, at once)."""
    target = parse(url)
    backend = target.backend
    check_prefix(prefix)
    if backend in ("redis", "redis_cluster"):
        from agentstore.asyncio.events_redis import open_redis_events

        return Opening(lambda: open_redis_events(target, prefix))
    if backend == "postgres":
        from agentstore.asyncio.events_postgres import PostgresEvents

        async def opened() -> AsyncEvents:
            return PostgresEvents(target, prefix=prefix)

        return Opening(opened)
    raise errors.Unsupported(
        "SQLite offers no events (no server to push them): hand work over through a queue"
    )
