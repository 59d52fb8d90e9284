"""``agentstore.driving``: one operation, walked by the blocking and by the async loop alike;
a failure of a request is thrown into the operation, which may catch it."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from agentstore.driving import Command, Operation, Single, run, run_async, walk


class Refused(Exception):
    pass


def add_or_read(key: str) -> Operation[tuple[str, Any]]:
    """Ask for an increment; when it is refused, read the value instead."""
    try:
        return ("added", (yield Command("incr", (key,))))
    except Refused:
        return ("read", (yield Command("get", (key,))))


def answers(values: dict[str, Any]) -> Any:
    def perform(request: Command) -> Any:
        value = values[request.args[0]]
        if request.name == "incr" and not isinstance(value, int):
            raise Refused(request.args[0])
        return value + 1 if request.name == "incr" else value

    return perform


def both(operation: Any, values: dict[str, Any]) -> list[Any]:
    """The operation's answer through ``run``, then through ``run_async``."""
    perform = answers(values)

    async def aperform(request: Command) -> Any:
        return perform(request)

    return [run(operation(), perform), asyncio.run(run_async(operation(), aperform))]


def test_both_loops_send_each_result_back() -> None:
    assert both(lambda: add_or_read("n"), {"n": 1}) == [("added", 2)] * 2


def test_both_loops_throw_a_failure_into_the_operation() -> None:
    assert both(lambda: add_or_read("s"), {"s": "x"}) == [("read", "x")] * 2


@pytest.mark.parametrize("loop", ["sync", "async"])
def test_what_the_operation_raises_after_a_failure_is_not_chained_to_it(loop: str) -> None:
    def gives_up() -> Operation[Any]:
        with contextlib.suppress(Refused):
            yield Command("incr", ("s",))
        raise LookupError("s holds no number")

    perform = answers({"s": "x"})

    async def aperform(request: Command) -> Any:
        return perform(request)

    with pytest.raises(LookupError) as caught:
        if loop == "sync":
            run(gives_up(), perform)
        else:
            asyncio.run(run_async(gives_up(), aperform))
    assert caught.value.__context__ is None


def test_a_single_request_is_performed_and_finished_by_both_loops() -> None:
    """The fast path: a ``Single`` is no generator (it has no ``send``), the loops perform
    its request and finish the result themselves."""

    def operation() -> Single[tuple[str, Any]]:
        return Command("get", ("n",)), lambda value: ("read", value)

    assert both(operation, {"n": 41}) == [("read", 41)] * 2


def test_a_single_failure_is_translated_and_not_chained() -> None:
    def translate(error: Exception) -> Exception:
        return LookupError(f"meant: {error}")

    async def refuse(request: Command) -> Any:
        raise Refused(request.args[0])

    def refuse_now(request: Command) -> Any:
        raise Refused(request.args[0])

    operation: Single[Any] = (Command("incr", ("n",)), lambda value: value)
    with pytest.raises(LookupError, match="meant: n") as sync_caught:
        run(operation, refuse_now, translate)
    with pytest.raises(LookupError, match="meant: n") as async_caught:
        asyncio.run(run_async(operation, refuse, translate))
    for caught in (sync_caught, async_caught):
        assert caught.value.__context__ is None and caught.value.__cause__ is None
    with pytest.raises(Refused):
        run(operation, refuse_now)


def test_an_operation_walks_a_single_inside_it() -> None:
    def twice() -> Operation[int]:
        first = yield from walk((Command("get", ("a",)), int))
        second = yield from walk(add_or_read("b"))
        return first + len(second)

    assert both(twice, {"a": "2", "b": "x"}) == [4, 4]
