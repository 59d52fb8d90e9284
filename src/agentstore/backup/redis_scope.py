"""Refuse a Redis backup or export that would hold nothing of what the server holds.

A Redis memory lives under its namespace and key prefix (``redis_scripts.layout``); each store
has one index hash, ``<prefix>{<prefix>\\x1f<namespace>}\\x1fkeys``. When the asked store's
index is empty or absent, a bounded SCAN for other index hashes says which stores the server
does hold, so the caller is told which ``--prefix`` / ``--namespace`` to pick instead of
getting a file with no entry in it.
"""

from __future__ import annotations

import shlex
from itertools import islice
from typing import NamedTuple

from agentstore.errors import BackupError
from agentstore.memory.redis_scripts import SEPARATOR, layout
from agentstore.urls import BackendURL

#: The most index hashes looked at: the scan stops there (a server rarely holds more stores).
MAX_STORES = 1000
_INDEX_TAIL = "}" + SEPARATOR + "keys"


class Store(NamedTuple):
    """One agentstore memory found on a server: its namespace, prefix and entry count."""

    namespace: str
    prefix: str
    entries: int


def parse_index(name: str) -> tuple[str, str] | None:
    """(namespace, prefix) of an index hash's name, or ``None`` if it is not one of ours."""
    if not name.endswith(_INDEX_TAIL):
        return None
    head, sep, namespace = name[: -len(_INDEX_TAIL)].rpartition(SEPARATOR)
    size = (len(head) - 1) // 2
    if not sep or len(head) != 2 * size + 1 or head[size] != "{" or head[:size] != head[size + 1 :]:
        return None
    return namespace, head[:size]


def stores(client: object) -> list[Store]:
    """Every agentstore memory the server holds (at most ``MAX_STORES``), largest first."""
    import redis

    assert isinstance(client, redis.Redis | redis.RedisCluster)
    found = []
    names = client.scan_iter(match=f"*{_INDEX_TAIL}", count=1000, _type="hash")
    for raw in islice(names, MAX_STORES):
        name = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
        parsed = parse_index(name)
        if parsed is not None:
            found.append(Store(parsed[0], parsed[1], int(client.hlen(raw))))
    return sorted((s for s in found if s.entries), key=lambda s: (-s.entries, s.prefix))


def check_holds_something(url: BackendURL, namespace: str, prefix: str) -> None:
    """``BackupError`` (one line) when the memory ``namespace``/``prefix`` at ``url`` is empty
    while the server holds agentstore memory under other names; nothing is written then."""
    from agentstore.memory.redis_backend import connect

    client = connect(url)
    try:
        if client.hlen(layout(namespace, prefix)[1]):
            return
        others = stores(client)
    finally:
        client.close()
    if not others:
        return  # an empty server: an empty backup says the truth
    # The closest names first (a typo, a prefix cut short), then the largest.
    others.sort(key=lambda store: -_shared_start(store.prefix, prefix))
    shown = ", ".join(_describe(store, namespace) for store in others[:3])
    more = f" and {len(others) - 3} more" if len(others) > 3 else ""
    raise BackupError(
        f"{url.redacted} holds no memory under namespace {namespace!r} and prefix {prefix!r}: "
        f"it holds {shown}{more}; add {_option(others[0], namespace)}"
    )


def _shared_start(one: str, other: str) -> int:
    """How many leading characters ``one`` and ``other`` share."""
    size = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        size += 1
    return size


def _describe(store: Store, namespace: str) -> str:
    where = f"prefix {store.prefix!r}"
    if store.namespace != namespace:
        where += f" and namespace {store.namespace!r}"
    noun = "entry" if store.entries == 1 else "entries"
    return f"{store.entries} {noun} under {where}"


def _option(store: Store, namespace: str) -> str:
    option = f"--prefix {shlex.quote(store.prefix)}"
    if store.namespace != namespace:
        option += f" --namespace {shlex.quote(store.namespace)}"
    return option
