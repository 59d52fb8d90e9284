"""The memory's replica wait (``replicas=``) and the cluster client's errors, in plain tests."""

from __future__ import annotations

import pytest
from redis.cluster import RedisCluster
from redis.exceptions import (
    ClusterDownError,
    CrossSlotTransactionError,
    RedisClusterException,
    RedisClusterUnreachableError,
    SlotNotCoveredError,
)

from agentstore import errors, open_memory
from agentstore.memory.redis_cluster import UNAVAILABLE, reading_map


@pytest.mark.parametrize(
    ("replicas", "timeout", "says"),
    [
        (-1, 1.0, "replicas must be a whole number"),
        (1.5, 1.0, "replicas must be a whole number"),
        (True, 1.0, "replicas must be a whole number"),
        (1, 0, "replica_timeout must be a number of seconds above 0"),
        (1, float("inf"), "replica_timeout must be a number of seconds above 0"),
        (1, "1", "replica_timeout must be a number of seconds above 0"),
    ],
)
def test_a_bad_replica_wait_is_refused_before_connecting(replicas, timeout, says):
    with pytest.raises(errors.InvalidInput, match=says):
        open_memory("redis://127.0.0.1:1/0", replicas=replicas, replica_timeout=timeout)


def test_sql_has_no_replicas_to_wait_for():
    with pytest.raises(errors.InvalidInput, match="not for SQL"):
        open_memory("sqlite://", replicas=1)


def test_a_single_redis_without_replicas_reports_every_write_as_unconfirmed(isolation):
    """The same wait on one Redis: nobody confirms, so each write says so (and is kept)."""
    place = isolation("redis")
    with open_memory(place.url, prefix=place.prefix, replicas=1, replica_timeout=0.05) as memory:
        with pytest.raises(errors.WriteNotReplicated, match="confirmed by 0 of 1 replicas"):
            memory.store("aqe/fact", 1)
        assert memory.retrieve("aqe/fact") == 1
        with pytest.raises(errors.WriteNotReplicated):
            memory.store_many({"aqe/a": 1, "aqe/b": 2})
        assert memory.retrieve_many(["aqe/a", "aqe/b"]) == {"aqe/a": 1, "aqe/b": 2}


def test_a_write_not_replicated_is_a_kind_of_unavailable_backend():
    assert issubclass(errors.WriteNotReplicated, errors.BackendUnavailable)


def test_the_cluster_memory_keeps_every_name_of_a_store_in_one_slot(isolation):
    place = isolation("redis_cluster")
    with open_memory(place.url, prefix=place.prefix) as memory:
        memory.store_many({f"aqe/{n}": n for n in range(2500)}, partition="p")
        memory.store("aqe/x", 1, ttl=60)
        assert memory.stats().keys == 2501
        assert memory.clear_partition("p") == 2500
        assert memory.list_keys() == ["aqe/x"]


def test_stores_opened_on_one_cluster_ask_for_its_command_table_once(isolation, monkeypatch):
    place = isolation("redis_cluster")
    asked: list[str] = []
    ask = RedisCluster.command
    monkeypatch.setattr(
        RedisCluster, "command", lambda self, **kw: asked.append("COMMAND") or ask(self, **kw)
    )
    for agent in ("ada", "bo", "cy"):
        with open_memory(place.url, agent, prefix=place.prefix) as memory:
            memory.store(f"{agent}/mood", "calm")
            assert memory.retrieve(f"{agent}/mood") == "calm"
    assert len(asked) <= 1, asked  # none when this process had opened the cluster before


def test_a_prefix_opening_with_an_empty_hash_tag_is_refused_on_a_cluster():
    with pytest.raises(errors.InvalidInput, match="empty hash tag"):
        open_memory("redis+cluster://127.0.0.1:1", prefix="team{}:")


def test_only_a_cluster_lost_or_without_masters_is_unavailable():
    """A cluster no node of which answers, or with slots no master serves, is unavailable; a
    command redis-py cannot route is a mistake of agentstore's and stays what it is."""
    assert isinstance(RedisClusterUnreachableError("no node answered"), UNAVAILABLE)
    assert isinstance(SlotNotCoveredError("slot 42 is not covered"), UNAVAILABLE)
    mistakes = [
        CrossSlotTransactionError("keys in more than one slot"),
        RedisClusterException("No way to dispatch this command to Redis Cluster. Missing key."),
    ]
    assert not [m for m in mistakes if isinstance(m, UNAVAILABLE)]
    not_covered = RedisClusterException("All slots are not covered after query all startup_nodes.")
    with pytest.raises(ClusterDownError, match="All slots are not covered"), reading_map():
        raise not_covered
    with pytest.raises(CrossSlotTransactionError), reading_map():
        raise mistakes[0]
