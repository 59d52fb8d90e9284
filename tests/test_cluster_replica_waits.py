"""The work queue's and the leases' replica wait (``replicas=``), on one Redis and on the
cluster."""

from __future__ import annotations

import pytest

from agentstore import errors, open_leases, open_queue


@pytest.mark.parametrize(
    ("replicas", "timeout", "says"),
    [
        (-1, 1.0, "replicas must be a whole number"),
        (True, 1.0, "replicas must be a whole number"),
        (1, 0, "replica_timeout must be a number of seconds above 0"),
        (1, float("nan"), "replica_timeout must be a number of seconds above 0"),
    ],
)
def test_a_bad_replica_wait_is_refused_before_connecting(replicas, timeout, says):
    with pytest.raises(errors.InvalidInput, match=says):
        open_queue("redis://127.0.0.1:1/0", "jobs", replicas=replicas, replica_timeout=timeout)


def test_sql_has_no_replicas_to_wait_for():
    with pytest.raises(errors.InvalidInput, match="not for SQL"):
        open_queue("sqlite://", "jobs", replicas=1)
    with pytest.raises(errors.InvalidInput, match="not for SQL"):
        open_leases("sqlite://", replicas=1)


def test_one_redis_without_replicas_reports_every_change_as_unconfirmed(isolation):
    """Nobody confirms on a lone server: each change says so, and is kept all the same."""
    place = isolation("redis")
    queue = isolation.closing(
        open_queue(place.url, "jobs", prefix=place.prefix, replicas=1, replica_timeout=0.05)
    )
    with pytest.raises(errors.WriteNotReplicated, match="confirmed by 0 of 1 replicas"):
        queue.enqueue({"n": 1})
    plain = isolation.closing(open_queue(place.url, "jobs", prefix=place.prefix))
    assert plain.stats()["ready"] == 1


def test_reading_a_queue_waits_for_no_replica(isolation):
    """Stats and dead letters change nothing: they answer even where no replica confirms."""
    place = isolation("redis")
    plain = isolation.closing(open_queue(place.url, "jobs", prefix=place.prefix))
    plain.enqueue({"n": 1})
    queue = isolation.closing(
        open_queue(place.url, "jobs", prefix=place.prefix, replicas=1, replica_timeout=0.05)
    )
    assert queue.stats()["ready"] == 1
    assert queue.dead_letters() == []


def test_on_the_cluster_each_change_a_replica_confirms_goes_through(isolation):
    place = isolation("redis_cluster")
    queue = isolation.closing(open_queue(place.url, "jobs", prefix=place.prefix, replicas=1))
    queue.enqueue({"n": 1})
    job = queue.claim("worker-1")
    assert job is not None and job.payload == {"n": 1}
    queue.complete(job)
    assert queue.stats()["done"] == 1


def test_leases_on_one_redis_report_every_token_as_unconfirmed(isolation):
    place = isolation("redis")
    leases = isolation.closing(
        open_leases(place.url, prefix=place.prefix, replicas=1, replica_timeout=0.05)
    )
    with pytest.raises(errors.WriteNotReplicated, match="confirmed by 0 of 1 replicas"):
        leases.acquire("nightly-report", "agent-1", ttl=60)
    assert leases.holder("nightly-report") is not None


def test_on_the_cluster_each_token_a_replica_confirms_is_granted(isolation):
    place = isolation("redis_cluster")
    leases = isolation.closing(open_leases(place.url, prefix=place.prefix, replicas=1))
    first = leases.acquire("nightly-report", "agent-1", ttl=60)
    assert first is not None and leases.release(first)
    second = leases.acquire("nightly-report", "agent-2", ttl=60)
    assert second is not None and second.token > first.token
