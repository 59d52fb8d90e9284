"""An operation written once, run by a blocking and by an async driver.

An operation is a generator that does no I/O: it yields a request (what to ask the server),
receives the answer, and returns its result. :func:`run` answers each request with a blocking
call, :func:`arun` with an awaited one; a failure of the call is thrown into the generator,
which may catch it or let it through. The sync and asyncio objects are then thin shells that
own the connections and differ only in the driver.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

Request = TypeVar("Request")
Result = TypeVar("Result")

#: Yields requests, receives their answers, returns a result.
Operation = Generator[Request, Any, Result]


def run(operation: Operation[Request, Result], call: Callable[[Request], Any]) -> Result:
    """``operation``'s result, each of its requests answered by ``call``."""
    try:
        request = next(operation)
        while True:
            try:
                answer = call(request)
            except Exception as error:
                request = operation.throw(error)
            else:
                request = operation.send(answer)
    except StopIteration as done:
        result: Result = done.value
        return result


async def arun(
    operation: Operation[Request, Result], call: Callable[[Request], Awaitable[Any]]
) -> Result:
    """``operation``'s result, each of its requests answered by an awaited ``call``."""
    try:
        request = next(operation)
        while True:
            try:
                answer = await call(request)
            except Exception as error:
                request = operation.throw(error)
            else:
                request = operation.send(answer)
    except StopIteration as done:
        result: Result = done.value
        return result
