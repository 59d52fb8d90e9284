"""The one place that asks which API this run drives (``--api``) and opens a store through it.

Steps and support call ``open_memory``, ``open_queue``, ``open_leases`` and ``open_events``
here and get the sync object, or ``agentstore.asyncio``'s behind a sync facade
(``support.api.facade``): the same steps drive both. A spawned worker process, which never
saw pytest's options, is handed ``api()`` and passes it back as ``api=``.
"""

from __future__ import annotations

from typing import Any, Literal, cast

import agentstore
import agentstore.asyncio
from agentstore import MemoryStore
from agentstore.coordination import Events, Leases, Queue
from support.api.facade import Facade

Api = Literal["sync", "async"]
APIS: tuple[Api, ...] = ("sync", "async")


def api() -> Api:
    """The API this run drives: ``"sync"`` or ``"async"``."""
    from support.api import binding  # pytest's plugin: not imported by a spawned worker

    return binding.selected


def is_async(api_name: Api | None = None) -> bool:
    """Whether ``api_name`` (default: this run's) is agentstore.asyncio."""
    chosen = api() if api_name is None else api_name
    if chosen not in APIS:
        raise ValueError(f"no agentstore API is called {chosen!r}: {' or '.join(APIS)}")
    return chosen == "async"


def open_memory(
    url: str, namespace: str = "aqe", prefix: str = "", *, api: Api | None = None
) -> MemoryStore:
    """The memory at ``url`` through ``api`` (default: ``--api``'s)."""
    opener = agentstore.asyncio.open_memory if is_async(api) else agentstore.open_memory
    return cast(MemoryStore, _opened(opener(url, namespace=namespace, prefix=prefix), MemoryStore))


def open_queue(url: str, name: str, *, api: Api | None = None, **options: Any) -> Queue:
    """The work queue ``name`` at ``url`` through ``api`` (default: ``--api``'s)."""
    opener = agentstore.asyncio.open_queue if is_async(api) else agentstore.open_queue
    return cast(Queue, _opened(opener(url, name, **options), Queue))


def open_leases(url: str, prefix: str = "", *, api: Api | None = None) -> Leases:
    """The named leases at ``url`` through ``api`` (default: ``--api``'s)."""
    opener = agentstore.asyncio.open_leases if is_async(api) else agentstore.open_leases
    return cast(Leases, _opened(opener(url, prefix=prefix), Leases))


def open_events(url: str, prefix: str = "", *, api: Api | None = None) -> Events:
    """Publish/subscribe at ``url`` through ``api`` (default: ``--api``'s)."""
    opener = agentstore.asyncio.open_events if is_async(api) else agentstore.open_events
    return cast(Events, _opened(opener(url, prefix=prefix), Events))


def _opened(opening: object, kind: type) -> object:
    """The sync object as it is; an ``agentstore.asyncio`` opening awaited behind a facade."""
    if isinstance(opening, agentstore.asyncio.Opening):
        return Facade.open(opening, kind)
    return opening
