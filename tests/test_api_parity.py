"""The sync and the asyncio API are one API: every opener and every method of the protocols
has the same name, parameters, kinds, defaults and types in both (``def`` against
``async def``, ``with`` against ``async with`` and ``for`` against ``async for`` aside)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import agentstore
import agentstore.asyncio as aio

OPENERS = ["open_memory", "open_queue", "open_leases", "open_events"]

PROTOCOLS = [
    ("MemoryStore", "AsyncMemoryStore"),
    ("Queue", "AsyncQueue"),
    ("Leases", "AsyncLeases"),
    ("Events", "AsyncEvents"),
    ("Subscription", "AsyncSubscription"),
]

#: The sync protocol's dunder methods and their asyncio twins.
TWINS = {"__enter__": "__aenter__", "__exit__": "__aexit__", "__iter__": "__aiter__"}


def _parameters(function: Any) -> list[tuple[str, str, object, object]]:
    """Each parameter's name, kind, default and (evaluated) type; the return type is left
    out, as a sync ``Queue`` and an ``Opening[AsyncQueue]`` differ on purpose."""
    signature = inspect.signature(function, eval_str=True)
    return [(p.name, p.kind.name, p.default, p.annotation) for p in signature.parameters.values()]


def _differences(sync: Any, async_: Any) -> list[str]:
    want, got = _parameters(sync), _parameters(async_)
    if want == got:
        return []
    names = {p[0] for p in want} | {p[0] for p in got}
    in_sync = {p[0]: p[1:] for p in want}
    in_async = {p[0]: p[1:] for p in got}
    out = [
        f"{name}: sync {in_sync.get(name, 'missing')}, async {in_async.get(name, 'missing')}"
        for name in sorted(names)
        if in_sync.get(name) != in_async.get(name)
    ]
    return out or [f"order: sync {[p[0] for p in want]}, async {[p[0] for p in got]}"]


def _methods(protocol: type) -> dict[str, Any]:
    """The protocol's public methods and its ``with``/``for`` dunders, by sync name."""
    found = {}
    for name, value in vars(protocol).items():
        if not callable(value):
            continue
        if not name.startswith("_"):
            found[name] = value
        elif name in TWINS or name in TWINS.values():
            found[next((s for s, a in TWINS.items() if a == name), name)] = value
    return found


def _attributes(protocol: type) -> dict[str, object]:
    return inspect.get_annotations(protocol, eval_str=True)


@pytest.mark.parametrize("opener", OPENERS)
def test_each_opener_takes_the_same_arguments_in_both_apis(opener: str) -> None:
    assert hasattr(aio, opener), f"agentstore.asyncio has no {opener}"
    assert _differences(getattr(agentstore, opener), getattr(aio, opener)) == []


@pytest.mark.parametrize(("sync", "async_"), PROTOCOLS)
def test_each_protocol_has_the_same_methods_and_attributes_in_both_apis(
    sync: str, async_: str
) -> None:
    sync_protocol, async_protocol = getattr(agentstore, sync), getattr(aio, async_)
    assert sorted(_methods(async_protocol)) == sorted(_methods(sync_protocol))
    assert _attributes(async_protocol) == _attributes(sync_protocol)


@pytest.mark.parametrize(("sync", "async_"), PROTOCOLS)
def test_each_method_takes_the_same_arguments_in_both_apis(sync: str, async_: str) -> None:
    sync_methods = _methods(getattr(agentstore, sync))
    async_methods = _methods(getattr(aio, async_))
    differences = {
        name: found
        for name in sorted(sync_methods.keys() & async_methods.keys())
        if (found := _differences(sync_methods[name], async_methods[name]))
    }
    assert differences == {}


@pytest.mark.parametrize(("sync", "async_"), PROTOCOLS)
def test_a_method_that_waits_for_the_server_is_a_coroutine_in_asyncio(
    sync: str, async_: str
) -> None:
    """Every asyncio method is awaited, but those that hand back a context manager or an
    iterator (``subscribe``, ``__aiter__``): they are entered or iterated instead."""
    plain = {"subscribe", "__iter__"}
    for name, method in _methods(getattr(aio, async_)).items():
        assert inspect.iscoroutinefunction(method) == (name not in plain), name
