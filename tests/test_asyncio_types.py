"""``agentstore.asyncio``'s openers are typed: ``open_queue`` gives an ``AsyncQueue`` and
``open_leases`` an ``AsyncLeases`` (as ``open_memory`` an ``AsyncMemoryStore``), protocols with
the sync ``Queue``'s and ``Leases``' methods as documented coroutines; ``help()`` shows them."""

from __future__ import annotations

import inspect
import pydoc
import typing

import pytest

import agentstore.asyncio as aio
from agentstore.coordination.protocol import Leases, Queue
from harness.isolation.places import Isolation

PAIRS = [(Queue, aio.AsyncQueue), (Leases, aio.AsyncLeases)]


def methods(cls: type) -> dict[str, typing.Any]:
    return {
        name: member
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }


def test_the_openers_return_the_protocols() -> None:
    hints = {
        opener: typing.get_type_hints(getattr(aio, opener))["return"]
        for opener in ("open_memory", "open_queue", "open_leases")
    }
    assert hints == {
        "open_memory": aio.Opening[aio.AsyncMemoryStore],
        "open_queue": aio.Opening[aio.AsyncQueue],
        "open_leases": aio.Opening[aio.AsyncLeases],
    }
    assert {"AsyncQueue", "AsyncLeases", "AsyncMemoryStore"} <= set(aio.__all__)


def test_help_shows_the_types() -> None:
    text = pydoc.render_doc(aio.open_queue, renderer=pydoc.plaintext)
    assert "Opening[agentstore.asyncio.protocol.AsyncQueue]" in text
    text = pydoc.render_doc(aio.AsyncLeases, renderer=pydoc.plaintext)
    assert "acquire(self, name: str, owner: str, ttl: float) -> agentstore" in text


@pytest.mark.parametrize(("sync", "asynchronous"), PAIRS, ids=["queue", "leases"])
def test_every_sync_method_has_a_documented_coroutine_with_its_arguments(
    sync: type, asynchronous: type
) -> None:
    ours = methods(asynchronous)
    assert set(ours) == set(methods(sync))
    for name, method in ours.items():
        assert inspect.iscoroutinefunction(method), name
        assert method.__doc__ and method.__doc__.strip(), f"{asynchronous.__name__}.{name}"
        wanted = inspect.signature(getattr(sync, name)).parameters
        assert list(inspect.signature(method).parameters) == list(wanted), name


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_what_the_openers_give_follows_the_protocols(
    isolation: Isolation, backend: str
) -> None:
    place = isolation(backend)
    async with aio.open_queue(place.url, "typed", prefix=place.prefix) as queue:
        assert isinstance(queue, aio.AsyncQueue)
    async with aio.open_leases(place.url, prefix=place.prefix) as leases:
        assert isinstance(leases, aio.AsyncLeases)
