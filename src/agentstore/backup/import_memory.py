"""An archive's memory entries: checked before anything is written, then switched in one step.

Every entry is checked first (key inside the namespace, partition, value JSON holds exactly,
moment of expiry a number), so a bad entry is refused before the target is touched.

SQL targets: the entries go into the memory table of the SAME database transaction as the
records, with the statements the SQL memory store itself runs, so they commit or vanish
with the records. Redis: the old entries' removal and the new ones' writing run as one
MULTI/EXEC on the connection of the store's master (all of one store's names share a hash
slot, also on a Redis Cluster): a client killed before EXEC changes nothing.
"""

from __future__ import annotations

import math
import time
from typing import Any

import redis
from sqlalchemy import Connection, and_, delete, func, or_, select

from agentstore.backup import memory_io
from agentstore.backup.canonical import Checksum
from agentstore.errors import (
    AgentstoreError,
    BackendUnavailable,
    BackupCorrupt,
    TargetNotEmpty,
    VerificationFailed,
)
from agentstore.memory import patterns, redis_scripts
from agentstore.memory.redis_backend import connect
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.memory.sql_postgres import PostgresDialect
from agentstore.memory.sql_sqlite import SqliteDialect
from agentstore.memory.sql_statements import TABLE, SqlDialect, build
from agentstore.memory.validation import check_namespace, check_prefix, check_store, decode
from agentstore.urls import BackendURL

C = TABLE.c
#: One checked entry: key, partition, JSON text, size in bytes, moment of expiry.
Checked = tuple[str, str, str, int, float | None]


def check(entries: list[memory_io.Entry], namespace: Any, prefix: Any, where: str) -> list[Checked]:
    """Every entry checked as ``store`` would check it; the first bad one is refused."""
    try:
        check_namespace(namespace)
        check_prefix(prefix)
    except AgentstoreError as error:
        raise BackupCorrupt(f"{where}: the memory cannot be imported: {error}") from None
    checked = []
    for number, (key, partition, value, expires_at) in enumerate(entries, 1):
        if expires_at is not None and (
            isinstance(expires_at, bool)
            or not isinstance(expires_at, int | float)
            or not math.isfinite(expires_at)
        ):
            raise BackupCorrupt(f"{where}: memory entry {number} has no valid moment of expiry")
        try:
            text, size, _ = check_store(key, value, None, partition, namespace)
        except AgentstoreError as error:
            raise BackupCorrupt(
                f"{where}: memory entry {number} cannot be imported: {error}"
            ) from None
        checked.append((key, partition, text, size, expires_at))
    return checked


def _content(entries: list[Checked]) -> Checksum:
    return memory_io.checksum((k, p, decode(t)) for k, p, t, _, _ in entries)


# SQL -------------------------------------------------------------------------------------


def _dialect(connection: Connection) -> SqlDialect:
    if connection.dialect.name == "postgresql":
        return PostgresDialect(connection.dialect)
    return SqliteDialect()


def write_sql(
    connection: Connection,
    entries: list[Checked],
    namespace: str,
    prefix: str,
    force: bool,
    url: BackendURL,
) -> None:
    """Replace the namespace's entries inside ``connection``'s open transaction, verified."""
    # Plain statements: an earlier streamed read leaves no server-side cursor option behind.
    connection = connection.execution_options(stream_results=False, yield_per=None)
    dialect = _dialect(connection)
    scope = and_(
        C.prefix == prefix,
        C.key.like(patterns.prefix_to_like(namespace + "/"), escape=patterns.LIKE_ESCAPE),
    )
    live = or_(C.expires_at.is_(None), C.expires_at > dialect.now())
    if not force and connection.execute(select(func.count()).where(scope, live)).scalar():
        raise TargetNotEmpty(
            f"{url.redacted} already holds memory under {namespace!r}: import into "
            "an empty store, or add --force to replace it"
        )
    connection.execute(delete(TABLE).where(scope))
    now = time.time()
    rows = []
    for key, partition, text, size, expires_at in entries:
        ttl = memory_io.remaining(expires_at, now)
        if ttl is False:
            continue
        rows.append(
            {
                "p_prefix": prefix,
                "p_key": key,
                "p_partition": partition,
                "p_value": text,
                "p_size": size,
                "p_ttl": ttl,
            }
        )
    if rows:
        upsert = build(dialect).upsert
        driver = connection.connection.driver_connection
        assert driver is not None  # a connection in a transaction has its driver's
        cursor = driver.cursor()
        try:
            cursor.executemany(upsert.text, [upsert.args(row) for row in rows])
        finally:
            cursor.close()
    written = {row["p_key"] for row in rows}
    expected = _content([e for e in entries if e[0] in written])
    found = memory_io.checksum(
        (k, p, decode(v))
        for k, p, v in connection.execute(select(C.key, C.partition, C.value).where(scope, live))
    )
    if (found.rows, found.hexdigest()) != (expected.rows, expected.hexdigest()):
        raise VerificationFailed(
            f"import into {url.redacted}: memory came back with {found.rows} entries "
            f"(the archive holds {expected.rows}) or different values; nothing was changed"
        )


# Redis -----------------------------------------------------------------------------------


def write_redis(
    url: BackendURL, entries: list[Checked], namespace: str, prefix: str, force: bool
) -> None:
    """Replace the store's entries in one MULTI/EXEC (retried if the store changed meanwhile)."""
    base, index = redis_scripts.layout(namespace, prefix)
    client = connect(url)
    try:
        node: Any = client
        if hasattr(client, "get_node_from_key"):  # a cluster: the slot's master's connection
            node = client.get_node_from_key(index).redis_connection
        for _ in range(5):
            with node.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(index)
                    old = [f.decode() for f in pipe.hkeys(index)]
                    values = pipe.mget([base + field for field in old]) if old else []
                    if not force and any(value is not None for value in values):
                        raise TargetNotEmpty(
                            f"{url.redacted} already holds memory under {namespace!r}: import "
                            "into an empty store, or add --force to replace it"
                        )
                    pipe.multi()
                    for field in old:
                        pipe.delete(base + field)
                    pipe.delete(index)
                    now = time.time()
                    for key, partition, text, _, expires_at in entries:
                        ttl = memory_io.remaining(expires_at, now)
                        if ttl is False:
                            continue
                        if ttl is None:
                            pipe.set(base + key, text)
                        else:
                            pipe.set(base + key, text, px=max(1, math.ceil(ttl * 1000)))
                        pipe.hset(index, key, partition)
                    pipe.execute()
                    return
                except redis.WatchError:
                    continue
        raise BackendUnavailable(
            f"the memory at {url.redacted} kept changing during the import; nothing was changed"
        )
    except UNAVAILABLE as error:
        raise BackendUnavailable(
            f"lost the Redis memory at {url.redacted} during the import ({error}); "
            "nothing was changed"
        ) from None
    finally:
        client.close()
