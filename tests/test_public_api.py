"""The public API is exactly what agentstore/__init__.py lists in __all__."""

import types

import agentstore


def test_every_exported_name_exists():
    missing = [name for name in agentstore.__all__ if not hasattr(agentstore, name)]
    assert not missing


def test_nothing_public_is_left_out_of_all():
    public = {
        name
        for name, value in vars(agentstore).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(agentstore.__all__)


def test_the_design_contract_names_are_exported():
    assert {"Database", "errors"} <= set(agentstore.__all__)


def test_pools_can_be_configured_from_the_public_api_alone():
    from agentstore import PoolSettings, SqliteSettings

    assert {"PoolSettings", "SqliteSettings"} <= set(agentstore.__all__)
    assert PoolSettings(pool_size=3).pool_size == 3
    assert SqliteSettings().busy_timeout_ms > 0


PROTOCOLS = (
    "Queue",
    "Leases",
    "Events",
    "Subscription",
    "MemoryStore",
    "AsyncMemoryStore",
)


def test_the_types_the_openers_return_are_exported():
    assert {*PROTOCOLS, "Job", "Lease", "MemoryStats", "JSON"} <= set(agentstore.__all__)


def _public_methods(cls):
    for name, value in vars(cls).items():
        if callable(value) and (not name.startswith("_") or name == "__iter__"):
            yield name, value


def test_every_public_method_of_the_protocols_says_what_it_does():
    undocumented = [
        f"{name}.{method}"
        for name in PROTOCOLS
        for method, value in _public_methods(getattr(agentstore, name))
        if not (value.__doc__ or "").strip()
    ]
    assert not undocumented, f"methods without a docstring: {undocumented}"


def test_memory_values_and_payloads_are_typed_as_json_not_any():
    import typing

    for function, name in [
        (agentstore.MemoryStore.retrieve, "return"),
        (agentstore.AsyncMemoryStore.store, "value"),
        (agentstore.Queue.enqueue, "payload"),
        (agentstore.Events.publish, "payload"),
        (agentstore.Subscription.next, "return"),
    ]:
        assert typing.get_type_hints(function)[name] is agentstore.JSON, (function, name)
    assert (
        typing.get_type_hints(agentstore.MemoryStore.search)["return"] == dict[str, agentstore.JSON]
    )


def test_help_shows_types_not_strings():
    import inspect
    import pydoc

    import agentstore.asyncio

    functions = [
        getattr(agentstore, name) for name in agentstore.__all__ if name.startswith("open_")
    ]
    functions += [agentstore.asyncio.open_memory, agentstore.asyncio.open_queue]
    for cls in PROTOCOLS:
        functions += [method for _, method in _public_methods(getattr(agentstore, cls))]
    for function in functions:
        signature = inspect.signature(function)
        annotations = [p.annotation for p in signature.parameters.values()]
        annotations.append(signature.return_annotation)
        quoted = [a for a in annotations if isinstance(a, str)]
        assert not quoted, f"help({function.__qualname__}) shows {quoted}"
    assert "value: JSON" in pydoc.render_doc(agentstore.MemoryStore.store, renderer=pydoc.plaintext)
