"""The Redis memory's operations, written once for the sync and the asyncio API.

Each ``MemoryStore`` call is a generator of :mod:`agentstore.driving` requests: plain reads
(GET, MGET, EXISTS, PTTL), the Lua scripts of :mod:`redis_scripts` by name (``SCRIPTS``),
a batch of scripts all or nothing, and pages of the index's HSCAN. It never touches a
client: the sync store (:mod:`redis_backend`) and the async one
(``agentstore.asyncio.memory_redis``) run the requests, wait for replicas and translate a
server that stopped answering.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import redis

from agentstore.driving import Command, Operation, Scan, Script, ScriptBatch, Single, nothing, walk
from agentstore.memory import patterns, redis_scripts
from agentstore.memory.glob_match import glob_match
from agentstore.memory.protocol import MemoryStats
from agentstore.memory.validation import (
    can_match,
    canonical,
    check_increment,
    check_key,
    check_partition,
    check_store,
    check_ttl,
    decode,
    encode,
    refused_increment,
    unique_keys,
)

#: How many keys one MGET, one script call or one scan page takes.
BATCH = 1000

#: The scripts the operations name, by name; a driver registers each on its client.
SCRIPTS = {
    "store": redis_scripts.STORE,
    "store_many": redis_scripts.STORE_MANY,
    "delete": redis_scripts.DELETE,
    "increment": redis_scripts.INCREMENT,
    "cas": redis_scripts.COMPARE_AND_SET,
    "live_batch": redis_scripts.LIVE_BATCH,
    "stats_batch": redis_scripts.STATS_BATCH,
    "clear_batch": redis_scripts.CLEAR_BATCH,
}


def text_of(reply: bytes | str) -> str:
    """A reply as text (the client returns bytes)."""
    return reply.decode() if isinstance(reply, bytes) else reply


def px(ttl: float | None) -> str:
    """A TTL in whole milliseconds for PX ('' = no expiry), never rounded down to zero."""
    return "" if ttl is None else str(max(1, math.ceil(ttl * 1000)))


def refused_sum(error: redis.ResponseError) -> bool:
    """Whether ``error`` is Redis refusing the sum itself (the value is not an integer, or
    adding would overflow), not a script unknown, a slot moved or a server refusing writes."""
    text = str(error)
    return "not an integer" in text or "would overflow" in text


class RedisOperations:
    """The memory API as operations on one store's names (``prefix``, one hash tag)."""

    def __init__(self, namespace: str, prefix: str) -> None:
        self.namespace = namespace
        self.prefix = prefix
        # One hash tag per store: Redis Cluster keeps all of its names in one slot (see
        # redis_scripts for the layout and why no other store can spell these names).
        self.base, self.index = redis_scripts.layout(namespace, prefix)

    def store(self, key: str, value: Any, ttl: float | None, partition: str) -> Single[None]:
        text, _, seconds = check_store(key, value, ttl, partition, self.namespace)
        keys = [self.base + key, self.index]
        return (Script("store", keys, [text, px(seconds), key, partition], write=True), nothing)

    def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None, partition: str
    ) -> Operation[None]:
        ttl_px = px(check_ttl(ttl))
        check_partition(partition)
        items = [(check_key(key, self.namespace), encode(value)) for key, value in mapping.items()]
        if not items:
            return
        calls = [
            (
                [self.index, *(self.base + key for key, _ in chunk)],
                [ttl_px, partition, *(part for pair in chunk for part in pair)],
            )
            for chunk in (items[i : i + BATCH] for i in range(0, len(items), BATCH))
        ]
        yield ScriptBatch("store_many", calls)

    def retrieve(self, key: str, default: Any) -> Single[Any]:
        check_key(key, self.namespace)
        return (
            Command("get", (self.base + key,)),
            lambda text: default if text is None else decode(text_of(text)),
        )

    def retrieve_many(self, keys: Iterable[str]) -> Operation[dict[str, Any]]:
        return self._values(unique_keys(keys, self.namespace))

    def _values(self, keys: list[str]) -> Operation[dict[str, Any]]:
        found: dict[str, Any] = {}
        for start in range(0, len(keys), BATCH):
            chunk = keys[start : start + BATCH]
            texts = yield Command("mget", ([self.base + key for key in chunk],))
            found.update(
                (key, decode(text_of(text)))
                for key, text in zip(chunk, texts, strict=True)
                if text is not None
            )
        return found

    def delete(self, key: str) -> Single[bool]:
        check_key(key, self.namespace)
        return (Script("delete", [self.base + key, self.index], [key], write=True), bool)

    def exists(self, key: str) -> Single[bool]:
        check_key(key, self.namespace)
        return (Command("exists", (self.base + key,)), bool)

    def ttl(self, key: str) -> Single[float | None]:
        check_key(key, self.namespace)
        return (Command("pttl", (self.base + key,)), lambda left: _seconds_left(left, key))

    def search(self, pattern: str) -> Operation[dict[str, Any]]:
        if not can_match(pattern, "search pattern"):
            return {}
        match = patterns.redis_prefilter(pattern)
        fields: set[str] = set()
        cursor = None
        while cursor != 0:
            cursor, page = yield Scan(self.index, cursor or 0, match, BATCH)
            fields.update(field.decode() for field in page)
        return (yield from self._values(sorted(key for key in fields if glob_match(pattern, key))))

    def _walk(
        self, partition: str | None, each: Callable[[list[str]], Operation[None]]
    ) -> Operation[None]:
        """Hand the store's keys (of one partition, or all) to ``each`` a batch at a time, by
        ``HSCAN`` (which may repeat a field while the hash grows: each is handed out once)."""
        batch: list[str] = []
        seen: set[bytes] = set()
        cursor = None
        while cursor != 0:
            cursor, page = yield Scan(self.index, cursor or 0, None, BATCH)
            for field, part in page.items():
                if field in seen:
                    continue
                seen.add(field)
                if partition is None or part.decode() == partition:
                    batch.append(field.decode())
                    if len(batch) == BATCH:
                        yield from each(batch)
                        batch = []
        if batch:
            yield from each(batch)

    def _batch(self, name: str, fields: list[str], *head: str) -> Script:
        keys = [self.index, *(self.base + field for field in fields)]
        return Script(name, keys, [*head, *fields], write=name == "clear_batch")

    def _live_keys(self, partition: str | None) -> Operation[list[str]]:
        live: list[str] = []

        def each(fields: list[str]) -> Operation[None]:
            found = yield self._batch("live_batch", fields)
            live.extend(field.decode() for field in found)

        yield from self._walk(partition, each)
        return live

    def list_keys(self, prefix: str, partition: str | None) -> Operation[list[str]]:
        if not can_match(prefix, "key prefix"):
            return []
        scoped = patterns.scoped_prefix(self.namespace, prefix)
        if scoped is None:
            return []
        live = yield from self._live_keys(None if partition is None else check_partition(partition))
        return sorted(key for key in live if key.startswith(scoped))

    def clear_partition(self, partition: str) -> Operation[int]:
        """Removes the partition's keys a batch at a time: a key stored into the partition
        while this runs may stay; every key that was there when it started is removed."""
        check_partition(partition)
        cleared = [0]

        def each(fields: list[str]) -> Operation[None]:
            cleared[0] += int((yield self._batch("clear_batch", fields, partition)))

        yield from self._walk(partition, each)
        return cleared[0]

    def stats(self) -> Operation[MemoryStats]:
        counts: dict[str, int] = {}
        total = [0, 0]  # keys, bytes

        def each(fields: list[str]) -> Operation[None]:
            out = yield self._batch("stats_batch", fields)
            for length, name in zip(out[0::2], out[1::2], strict=True):
                total[0] += 1
                total[1] += int(length)
                counts[name.decode()] = counts.get(name.decode(), 0) + 1

        yield from self._walk(None, each)
        return MemoryStats(keys=total[0], bytes=total[1], partitions=dict(sorted(counts.items())))

    def increment(self, key: str, by: int) -> Operation[int]:
        check_key(key, self.namespace)
        check_increment(by)
        keys = [self.base + key, self.index]
        try:
            text = yield Script("increment", keys, [by, key], write=True)
        except redis.ResponseError as exc:
            if not refused_sum(exc):
                raise
            # not an integer, or the sum would overflow: unchanged
            raise refused_increment(key, by, (yield from walk(self.retrieve(key, None)))) from None
        return int(text)

    def compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: float | None
    ) -> Operation[bool]:
        check_key(key, self.namespace)
        wanted = canonical(expected)
        new_text = encode(new)
        ttl_px = px(check_ttl(ttl))
        nothing = "1" if expected is None else "0"
        value = self.base + key
        while True:
            current = wanted
            if expected is not None:
                found = yield Command("get", (value,))
                if found is None:
                    return False
                current = text_of(found)
                if current != wanted and canonical(decode(current)) != wanted:
                    return False
            # The script swaps only if the exact text read is still there (or, expecting
            # nothing, if the key is absent or null); another writer in between: read again.
            args = [current, new_text, ttl_px, key, nothing]
            if (yield Script("cas", [value, self.index], args, write=True)):
                return True
            if expected is None:
                return False

    def cleanup_expired(self) -> Operation[int]:
        """Redis removes expired values itself; this only prunes their index entries."""
        yield from self._live_keys(None)
        return 0


def _seconds_left(left: int, key: str) -> float | None:
    """PTTL's answer in seconds: -2 no such key, -1 no expiry."""
    if left == -2:
        raise KeyError(key)
    return None if left == -1 else float(left / 1000)
