"""``open_queue``, ``open_leases`` and ``open_events``: the backend comes from the URL.

``prefix`` scopes what the object writes (a key prefix on Redis, a row scope on SQL), so
many queues, lease sets and test runs share one server without seeing each other.
"""

from agentstore import errors
from agentstore.coordination.protocol import Events, Leases, Queue
from agentstore.coordination.validation import check_duration, check_name
from agentstore.memory.opening import ReplicaWait, check_replicas
from agentstore.memory.validation import check_prefix
from agentstore.urls import BackendURL, parse


def open_queue(
    url: str | BackendURL,
    name: str,
    *,
    prefix: str = "",
    backoff: float = 1.0,
    max_backoff: float = 300.0,
    replicas: int = 0,
    replica_timeout: float = 1.0,
) -> Queue:
    """The work queue ``name`` at ``url`` (``postgresql+psycopg://``, ``sqlite://``, ``redis://``,
    ``redis+cluster://``).

    A failed job is retried after ``backoff`` seconds, doubled on each further attempt up
    to ``max_backoff``. Raises ``InvalidURL``, ``InvalidName``, ``BackendUnavailable``, and
    ``SchemaNotMigrated`` for a SQL database never migrated.

    Redis replicates asynchronously: a job enqueued just before its master dies can be lost
    although the enqueue returned its id. ``replicas=n`` (Redis and Redis Cluster) makes
    every change wait, up to ``replica_timeout`` seconds, until ``n`` replicas have it, and
    raise ``WriteNotReplicated`` when fewer do; as for memory, it narrows the window.
    """
    target, wait, longest, replicated = checked_queue(
        url, name, prefix, backoff, max_backoff, replicas, replica_timeout
    )
    backend = target.backend
    if backend in ("redis", "redis_cluster"):
        from agentstore.coordination.queue_redis import RedisQueue, RedisQueueOperations

        return RedisQueue(target, RedisQueueOperations(name, prefix, wait, longest), replicated)
    if backend == "postgres":
        from agentstore.coordination.queue_postgres import open_postgres_queue

        return open_postgres_queue(target, name, prefix=prefix, backoff=wait, max_backoff=longest)
    from agentstore.coordination.queue_sqlite import open_sqlite_queue

    return open_sqlite_queue(target, name, prefix=prefix, backoff=wait, max_backoff=longest)


def checked_queue(
    url: str | BackendURL,
    name: str,
    prefix: str,
    backoff: float,
    max_backoff: float,
    replicas: int,
    replica_timeout: float,
) -> tuple[BackendURL, float, float, ReplicaWait]:
    """``open_queue``'s arguments checked, for the sync and the asyncio opener: the URL, the
    backoff, the longest backoff and the replica wait."""
    target = parse(url)
    check_name(name)
    check_prefix(prefix)
    wait = check_replicas(target.backend, replicas, replica_timeout)
    return target, _backoff(backoff, "backoff"), _backoff(max_backoff, "max_backoff"), wait


def checked_leases(
    url: str | BackendURL, prefix: str, replicas: int, replica_timeout: float
) -> tuple[BackendURL, ReplicaWait]:
    """``open_leases``' arguments checked, for the sync and the asyncio opener: the URL and
    the replica wait."""
    target = parse(url)
    check_prefix(prefix)
    return target, check_replicas(target.backend, replicas, replica_timeout)


def _backoff(seconds: float, what: str) -> float:
    # Zero is allowed: retry at once.
    return 0.0 if seconds == 0 and not isinstance(seconds, bool) else check_duration(seconds, what)


def open_leases(
    url: str | BackendURL, *, prefix: str = "", replicas: int = 0, replica_timeout: float = 1.0
) -> Leases:
    """Named leases with fencing tokens at ``url``.

    On Redis a fencing token given just before its master dies can be given again by the
    replica that takes over; ``replicas=n`` makes every change wait for ``n`` replicas (as
    ``open_queue``'s), so a token a replica confirmed is never given twice.
    """
    target, wait = checked_leases(url, prefix, replicas, replica_timeout)
    if target.backend in ("redis", "redis_cluster"):
        from agentstore.coordination.leases_redis import RedisLeases

        return RedisLeases(target, prefix, wait)
    from agentstore.coordination.leases_sql import SqlLeases

    return SqlLeases(target, prefix=prefix)


def open_events(url: str | BackendURL, *, prefix: str = "") -> Events:
    """Publish/subscribe at ``url``: Redis pub/sub (sharded on a Redis Cluster) or PostgreSQL
    LISTEN/NOTIFY.

    Events are at-most-once: a subscriber that is not listening misses them. SQLite offers
    no events (``Unsupported``): the Personal Edition hands work over through the queue.
    """
    target = parse(url)
    backend = target.backend
    check_prefix(prefix)
    if backend in ("redis", "redis_cluster"):
        from agentstore.coordination.events_redis import RedisEvents

        return RedisEvents(target, prefix=prefix)
    if backend == "postgres":
        from agentstore.coordination.events_postgres import PostgresEvents

        return PostgresEvents(target, prefix=prefix)
    raise errors.Unsupported(
        "SQLite offers no events (no server to push them): hand work over through a queue"
    )
