"""``open_memory``: one entry point that picks the backend from the URL's scheme."""

from dataclasses import dataclass

from agentstore.db.engine import PoolSettings
from agentstore.errors import InvalidInput
from agentstore.memory.protocol import MemoryStore
from agentstore.memory.validation import check_namespace, check_prefix
from agentstore.urls import BackendURL, parse


def open_memory(
    url: str | BackendURL,
    namespace: str = "aqe",
    prefix: str = "",
    *,
    pool: PoolSettings | None = None,
    replicas: int = 0,
    replica_timeout: float = 1.0,
) -> MemoryStore:
    """Open the memory at ``url`` (``postgresql+psycopg://``, ``sqlite://``, ``redis://`` or
    ``redis+cluster://host:port,...``), a string or a :class:`agentstore.BackendURL`.

    ``namespace`` is the first segment every key carries (``aqe/...``); ``prefix`` scopes the
    store: a physical key prefix on Redis, a row scope on SQL, so many stores share a server.
    Raises ``InvalidURL`` for an unknown scheme, ``BackendUnavailable`` when the server does
    not answer, and ``SchemaNotMigrated`` for a SQL database never migrated.

    ``pool`` sizes a SQL store's connection pool (``pool_size``, ``max_overflow``,
    ``pool_timeout``, ``connect_timeout``); a thread beyond it waits up to ``pool_timeout``
    seconds, then gets ``PoolExhausted``. Redis stores ignore it.

    Redis replicates asynchronously: a write the master acknowledged can be lost if it fails
    before a replica has it. ``replicas=n`` (Redis and Redis Cluster) makes every write wait,
    up to ``replica_timeout`` seconds, until ``n`` replicas confirm it (Redis WAIT), and
    raise ``WriteNotReplicated`` when fewer do; it narrows the window, it does not close it.
    """
    target, wait = checked(url, namespace, prefix, replicas, replica_timeout)
    backend = target.backend
    if backend in ("redis", "redis_cluster"):
        from agentstore.memory.redis_backend import RedisMemory

        return RedisMemory(target, namespace, prefix, wait)
    if backend == "postgres":
        from agentstore.memory.sql_postgres import open_postgres

        return open_postgres(target, namespace, prefix, pool)
    from agentstore.memory.sql_sqlite import open_sqlite

    return open_sqlite(target, namespace, prefix, pool)


@dataclass(frozen=True, slots=True)
class ReplicaWait:
    """How a Redis write waits for replicas (``replicas=``, ``replica_timeout=`` of the
    openers): for ``replicas`` of them (0: it does not wait), up to ``timeout`` seconds;
    ``where`` names the store in what a write they did not confirm raises."""

    replicas: int = 0
    timeout: float = 1.0
    where: str = "Redis"


#: Writes wait for no replica (the openers' default, ``replicas=0``).
NO_WAIT = ReplicaWait()


def checked(
    url: str | BackendURL, namespace: str, prefix: str, replicas: int, replica_timeout: float
) -> tuple[BackendURL, ReplicaWait]:
    """``url`` read, and the other arguments of ``open_memory`` (sync or asyncio) checked:
    the URL and the replica wait."""
    target = parse(url)
    check_namespace(namespace)
    check_prefix(prefix)
    return target, check_replicas(target.backend, replicas, replica_timeout)


def check_replicas(backend: str, replicas: object, timeout: object) -> ReplicaWait:
    """``replicas``: a whole number >= 0, above 0 only on Redis; ``timeout``: seconds > 0."""
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise InvalidInput(f"replicas must be a whole number of replicas >= 0, not {replicas!r}")
    if replicas and backend not in ("redis", "redis_cluster"):
        raise InvalidInput("replicas= asks Redis to confirm writes on replicas; not for SQL")
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 0 < timeout < float("inf")
    ):
        raise InvalidInput(f"replica_timeout must be a number of seconds above 0, not {timeout!r}")
    return ReplicaWait(replicas, float(timeout))
