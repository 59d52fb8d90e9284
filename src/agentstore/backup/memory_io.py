"""Memory entries in and out of an archive: one line per entry, and what verification compares.

An entry travels as ``[key, partition, value, expires_at]``: ``expires_at`` is the wall-clock
moment (seconds since the epoch) it expires, taken from its remaining time-to-live at export,
so an entry lives exactly as long after an import as it would have at its source, and an
entry whose moment has passed (or has under ``MIN_TTL`` seconds left) is not carried.

Export reads entries through the public ``MemoryStore`` API; import writes them in one step
with the records (see :mod:`import_memory`), so no journal of what to undo is needed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from agentstore.backup.canonical import Checksum
from agentstore.memory import MemoryStore

MIN_TTL = 1.0
_MISSING = object()
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
Entry = tuple[str, str, Any, float | None]


def entries(store: MemoryStore) -> Iterator[Entry]:
    """Every live entry of ``store``: key, partition, value, and the moment it expires."""
    for partition in sorted(store.stats().partitions):
        keys = store.list_keys(partition=partition)
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            values = store.retrieve_many(batch)
            for key in batch:
                value = values.get(key, _MISSING)
                if value is _MISSING:
                    continue  # expired between listing and reading
                try:
                    ttl = store.ttl(key)
                except KeyError:
                    continue
                yield key, partition, value, None if ttl is None else time.time() + ttl


def line(entry: Entry) -> bytes:
    return (_ENCODER.encode(list(entry)) + "\n").encode()


def content_line(key: str, partition: str, value: Any) -> bytes:
    """What verification compares: the entry without its (ever-shrinking) time-to-live."""
    return (_ENCODER.encode([key, partition, value]) + "\n").encode()


def checksum(pairs: Iterable[tuple[str, str, Any]]) -> Checksum:
    total = Checksum()
    for key, partition, value in sorted(pairs, key=lambda e: e[0]):
        total.add(content_line(key, partition, value))
    return total


def remaining(expires_at: float | None, now: float) -> float | bool | None:
    """The TTL to store now: ``None`` for no expiry, ``False`` when not worth carrying."""
    if expires_at is None:
        return None
    left = expires_at - now
    return left if left >= MIN_TTL else False
