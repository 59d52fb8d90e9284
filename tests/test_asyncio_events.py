"""``agentstore.asyncio``'s events against the real servers: the sync events' answers and
errors, and sync and async programs hearing each other on one channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from agentstore import errors, open_events
from agentstore.asyncio import AsyncEvents
from agentstore.asyncio import open_events as open_async_events
from agentstore.memory.redis_cluster import connect_cluster
from harness.isolation.places import Isolated, Isolation

pytestmark = pytest.mark.asyncio


@pytest.fixture(params=["postgres", "redis", "redis_cluster"])
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


@pytest_asyncio.fixture
async def events(place: Isolated) -> AsyncIterator[Any]:
    async with open_async_events(place.url, prefix=place.prefix) as opened:
        yield opened


async def test_the_opened_events_follow_the_async_protocol(events: Any) -> None:
    assert isinstance(events, AsyncEvents)


async def test_a_subscriber_receives_what_is_published_in_order(events: Any) -> None:
    async with events.subscribe("tasks") as sub:
        for n in range(5):
            await events.publish("tasks", {"n": n, "text": "café"})
        assert [await sub.next(5) for _ in range(5)] == [{"n": n, "text": "café"} for n in range(5)]
        assert await sub.next(0.1) is None


async def test_async_for_reads_each_event_as_it_comes(events: Any) -> None:
    async with events.subscribe("tasks") as sub:
        for n in range(3):
            await events.publish("tasks", n)
        heard = []
        async for event in sub:
            heard.append(event)
            if len(heard) == 3:
                break
        assert heard == [0, 1, 2]


async def test_an_event_published_while_nobody_listens_is_missed(events: Any) -> None:
    await events.publish("tasks", "early")
    async with events.subscribe("tasks") as sub:
        assert await sub.next(0.3) is None
        await events.publish("tasks", "late")
        assert await sub.next(5) == "late"


async def test_sync_and_async_programs_hear_each_other(place: Isolated, events: Any) -> None:
    with open_events(place.url, prefix=place.prefix) as sync:
        async with events.subscribe("news") as heard_here:
            sync.publish("news", {"from": "sync"})
            assert await heard_here.next(5) == {"from": "sync"}
        with sync.subscribe("news") as heard_there:
            await events.publish("news", {"from": "async"})
            assert heard_there.next(5) == {"from": "async"}


async def test_channels_and_prefixes_keep_events_apart(place: Isolated) -> None:
    async with (
        open_async_events(place.url, prefix=place.prefix + "a:") as mine,
        open_async_events(place.url, prefix=place.prefix + "b:") as theirs,
        mine.subscribe("news") as sub,
    ):
        await theirs.publish("news", "not for me")
        await mine.publish("other", "not this channel")
        await mine.publish("news", "mine")
        assert await sub.next(5) == "mine"
        assert await sub.next(0.2) is None


@pytest.mark.parametrize(
    ("channel", "payload", "kind"),
    [
        ("", "x", errors.InvalidName),
        ("nl\n", "x", errors.InvalidName),
        ("ok", None, errors.InvalidValue),
        ("ok", {1, 2}, errors.InvalidValue),
        ("ok", float("nan"), errors.InvalidValue),
    ],
)
async def test_bad_events_are_refused_and_nothing_is_sent(
    events: Any, channel: str, payload: object, kind: type
) -> None:
    async with events.subscribe("ok") as sub:
        with pytest.raises(kind):
            await events.publish(channel, payload)
        assert await sub.next(0.2) is None


async def test_a_bad_channel_is_refused_on_subscribe(events: Any) -> None:
    with pytest.raises(errors.InvalidName):
        async with events.subscribe("nl\n"):
            pass


async def test_postgres_refuses_a_payload_over_its_limit(isolation: Isolation) -> None:
    async with open_async_events(isolation("postgres").url) as events:
        with pytest.raises(errors.InvalidValue, match="7999 bytes"):
            await events.publish("big", "x" * 8000)


async def test_sqlite_offers_no_events_and_says_to_use_the_queue(isolation: Isolation) -> None:
    with pytest.raises(errors.Unsupported, match="queue"):
        open_async_events(isolation("sqlite").url)


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("redis://:secret@127.0.0.1:1/0", "Redis at"),
        ("redis+cluster://:secret@127.0.0.1:1", "Redis Cluster at"),
    ],
)
async def test_an_unreachable_redis_is_unavailable_in_one_line(url: str, where: str) -> None:
    with pytest.raises(errors.BackendUnavailable, match=where) as caught:
        await open_async_events(url)
    assert "\n" not in str(caught.value) and "secret" not in str(caught.value)


async def test_an_unreachable_postgres_is_unavailable_on_subscribe() -> None:
    async with open_async_events("postgresql+psycopg://u:secret@127.0.0.1:1/db") as events:
        with pytest.raises(errors.BackendUnavailable, match="cannot reach") as caught:
            async with events.subscribe("news"):
                pass
    assert "\n" not in str(caught.value) and "secret" not in str(caught.value)


async def test_a_cluster_channel_is_heard_only_on_the_master_of_its_slot(
    isolation: Isolation,
) -> None:
    """Sharded, as the sync events: the subscriber is counted on its slot's master only."""
    place = isolation("redis_cluster")
    admin = connect_cluster(place.url)
    try:
        async with open_async_events(place.url, prefix=place.prefix) as events:
            channel = events._channel("builds")
            owner = admin.get_node_from_key(channel)
            async with events.subscribe("builds") as sub:
                heard = {
                    node.name: admin.get_redis_connection(node).pubsub_shardnumsub(channel)
                    for node in admin.get_primaries()
                }
                await events.publish("builds", "green")
                assert await sub.next(5) == "green"
    finally:
        admin.close()
    for name, reply in heard.items():
        assert dict(reply) == {channel.encode(): 1 if name == owner.name else 0}, heard


async def test_many_subscribers_each_hear_every_event(events: Any) -> None:
    async with events.subscribe("fan") as first, events.subscribe("fan") as second:
        await events.publish("fan", "one")
        assert await asyncio.gather(first.next(5), second.next(5)) == ["one", "one"]
