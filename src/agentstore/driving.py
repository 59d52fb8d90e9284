"""One operation, two drivers: what the sync and the asyncio API share.

An *operation* is a generator that never does I/O. It checks its arguments, then yields
*requests* (a SQL statement with its parameters and what to fetch, a batch of rows, a Redis
command, a Lua script with its keys, a page of a hash scan) and receives each one's result,
or has the failure thrown into it, and returns the call's answer. A *driver* runs requests:
a sync one blocks, an async one awaits; drivers own the connections, the retries, the waits
for replicas and the translation of driver errors. :func:`run` and :func:`run_async` walk
an operation through a driver's ``perform``, so every operation is written once::

    def retrieve(self, key: str) -> Operation[Any]:
        check_key(key, self.namespace)
        row = yield Read(self.sql.get, {"p_key": key}, ONE)
        return None if row is None else decode(row[0])

    value = run(ops.retrieve("aqe/k"), driver.perform)              # sync
    value = await run_async(ops.retrieve("aqe/k"), driver.perform)  # asyncio

(psycopg 3 keeps its protocol in such generators, driven by a blocking and an async wait.)

An operation that is exactly one request returns a :data:`Single` instead: the request and
the function that makes the answer of its result. The drivers perform it without walking a
generator (creating and resuming one costs ~0.5-1 us a call, +6-16 % on an in-process SQLite
retrieve); inside another operation, ``yield from walk(single)`` takes it.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

T = TypeVar("T")

#: An operation: yields requests, is sent their results, returns ``T``.
Operation = Generator[Any, Any, T]


#: An operation of one request: the request and the function that makes the answer of its
#: result, ``(request, finish)``. A plain tuple: it costs ~20 ns to make, a generator ~170.
Single = tuple[Any, Callable[[Any], T]]


def nothing(_result: Any) -> None:
    """The finish of a :data:`Single` whose answer is ``None``."""


#: What the drivers run: an operation, or a single request with its finish.
Runnable = Operation[T] | Single[T]


def walk(operation: Runnable[T]) -> Operation[T]:
    """``operation`` as a generator, for ``yield from`` inside another operation."""
    if isinstance(operation, tuple):
        request, finish = operation
        return finish((yield request))
    return (yield from operation)


#: What a :class:`Statement` hands back: nothing, its first row (or None), all its rows, or
#: how many rows it changed.
ONE, ALL, COUNT = "one", "all", "count"


class Retry(enum.Enum):
    """When a statement that met a dropped connection may run again on a fresh one."""

    #: Reads and writes whose repetition leaves the same state (upserts, deletes).
    ALWAYS = "always"
    #: Writes that must not run twice (increment): only when the server said it had ended
    #: the session before it read the statement.
    IF_NEVER_RAN = "if never ran"


@dataclass(slots=True)
class Statement:
    """One SQL statement, run on its own in autocommit; the result is what ``fetch`` names
    (``ONE``, ``ALL``, ``COUNT`` or None). ``sql`` is what the driver runs (a compiled
    statement of ``memory.sql_statements``); ``read`` lets a driver run it on a reader."""

    sql: Any
    params: dict[str, Any]
    fetch: str | None = None
    retry: Retry = Retry.ALWAYS
    read: bool = False


@dataclass(slots=True)
class Read(Statement):
    """A :class:`Statement` that only reads: ``Read(sql, params, ONE)``."""

    read: bool = True


@dataclass(slots=True)
class Batch:
    """``sql`` once per row of ``rows``, in one transaction: all rows or none; no result."""

    sql: Any
    rows: list[dict[str, Any]]


@dataclass(slots=True)
class Command:
    """One Redis command by its client method's name, e.g. ``Command("get", (key,))``; the
    result is the client's (parsed) reply."""

    name: str
    args: tuple[Any, ...]


@dataclass(slots=True)
class Script:
    """A Lua script the driver knows by ``name``, with every key it touches in ``keys``; a
    ``write`` waits for the replicas the driver was asked to wait for."""

    name: str
    keys: list[str]
    args: list[Any]
    write: bool = False


@dataclass(slots=True)
class ScriptBatch:
    """Script ``name`` once per (keys, args) of ``calls``, all or nothing (MULTI/EXEC), then
    the replicas' wait; every call's keys in one slot. The result: the scripts' replies."""

    name: str
    calls: list[tuple[list[str], list[Any]]]


@dataclass(slots=True)
class Scan:
    """One page of ``HSCAN key cursor [MATCH match] COUNT count``: the result is
    ``(next cursor, {field: value})``, the next cursor 0 after the last page."""

    key: str
    cursor: int = 0
    match: str | None = None
    count: int = 1000


def run(
    operation: Runnable[T],
    perform: Callable[[Any], Any],
    translate: Callable[[Exception], Exception] | None = None,
) -> T:
    """Walk ``operation`` to its answer, each request through the blocking ``perform``; a
    failure of ``perform`` (as ``translate`` says what it means, when given) is thrown into
    the operation, which may catch it. A :data:`Single` is performed and finished."""
    if isinstance(operation, tuple):
        request, finish = operation
        try:
            result = perform(request)
        except Exception as error:
            if translate is None:
                raise
            failed = translate(error)
        else:
            return finish(result)
        raise failed  # outside the handler, as the operation would raise it
    send = operation.send
    try:
        request = send(None)
        while True:
            try:
                result = perform(request)
            except Exception as error:
                failure: Exception | None = error if translate is None else translate(error)
            else:
                request = send(result)
                continue
            # Thrown outside the handler, so what the operation raises is not chained to it.
            request = operation.throw(cast(Exception, failure))
            failure = None
    except StopIteration as end:
        return cast(T, end.value)


async def run_async(
    operation: Runnable[T],
    perform: Callable[[Any], Awaitable[Any]],
    translate: Callable[[Exception], Exception] | None = None,
) -> T:
    """:func:`run` for asyncio: each request through ``perform``, which returns an awaitable
    (a plain function handing back the driver's own coroutine saves a frame per request);
    ``translate``, when given, says what a failure means before the operation sees it."""
    if isinstance(operation, tuple):
        request, finish = operation
        try:
            result = await perform(request)
        except Exception as error:
            if translate is None:
                raise
            failed = translate(error)
        else:
            return finish(result)
        raise failed
    send = operation.send
    try:
        request = send(None)
        while True:
            try:
                result = await perform(request)
            except Exception as error:
                failure: Exception | None = error if translate is None else translate(error)
            else:
                request = send(result)
                continue
            request = operation.throw(cast(Exception, failure))
            failure = None
    except StopIteration as end:
        return cast(T, end.value)
