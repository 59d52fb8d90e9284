"""Events on a Redis Cluster: sharded, so a channel lives on one master, not on every node."""

from __future__ import annotations

import pytest

from agentstore import errors, open_events
from agentstore.memory.redis_cluster import connect_cluster


def test_an_unreachable_cluster_is_unavailable_in_one_line():
    with pytest.raises(errors.BackendUnavailable, match="Redis Cluster at") as caught:
        open_events("redis+cluster://:secret@127.0.0.1:1")
    assert "\n" not in str(caught.value) and "secret" not in str(caught.value)


def test_a_channel_is_heard_only_on_the_master_of_its_slot(isolation):
    """A sharded channel: its subscriber is counted on its slot's master and nowhere else."""
    place = isolation("redis_cluster")
    events = isolation.closing(open_events(place.url, prefix=place.prefix))
    admin = connect_cluster(place.url)
    try:
        channel = events._channel("builds")
        owner = admin.get_node_from_key(channel)
        with events.subscribe("builds") as sub:
            # Each master is asked on its own connection: redis-py 8.2's cluster-level parser
            # for PUBSUB SHARDNUMSUB cannot read a single node's reply.
            heard = {
                node.name: admin.get_redis_connection(node).pubsub_shardnumsub(channel)
                for node in admin.get_primaries()
            }
            events.publish("builds", "green")
            assert sub.next(5) == "green"
    finally:
        admin.close()
    for name, reply in heard.items():
        assert dict(reply) == {channel.encode(): 1 if name == owner.name else 0}, heard
