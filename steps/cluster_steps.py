"""Steps for memory, queues and leases on a Redis Cluster: spreading over masters, failing over,
replica waits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pytest_bdd import given, parsers, then, when

from agentstore import MemoryStore, errors
from agentstore.coordination import Leases, Queue
from harness.isolation.places import Isolation
from harness.servers.redis_cluster import ThrowawayCluster
from support.cluster import stores as cluster_memory
from support.cluster.stores import Outage, SpareClusters
from support.common.expect import expect, expect_refused, expect_says, expect_that, shown


@pytest.fixture(scope="session")
def spare_clusters() -> Iterator[SpareClusters]:
    """This worker's failover clusters, each formed while the scenario before runs."""
    spares = SpareClusters()
    yield spares
    spares.close()


@dataclass
class ClusterAgent:
    """An agent's memory on a cluster, where it lives, and the cluster if it is the scenario's."""

    url: str
    prefix: str
    memory: MemoryStore
    own: ThrowawayCluster | None = None


@dataclass
class Fleet:
    """Many agents' memories on one cluster, each under its own scope of one prefix."""

    url: str
    prefix: str
    memories: dict[str, MemoryStore]


@given(
    parsers.parse("{count:d} agents, each with a memory of its own on the cluster"),
    target_fixture="fleet",
)
def _(isolation: Isolation, backend: str, count: int) -> Fleet:
    """As many memories as agents, each with a scope of its own under the scenario's prefix."""
    place = isolation(backend)
    memories = {}
    for n in range(count):
        scope = cluster_memory.scope(n)
        memories[scope] = isolation.closing(
            cluster_memory.open_agent_memory(place.url, place.prefix + scope)
        )
    return Fleet(place.url, place.prefix, memories)


@when(parsers.parse("each agent remembers {count:d} facts"))
def _(fleet: Fleet, count: int) -> None:
    for memory in fleet.memories.values():
        for n in range(count):
            memory.store(f"aqe/fact-{n}", n)


@then("each agent's memory is kept whole on a single master", target_fixture="spread")
def _(fleet: Fleet) -> Counter[str]:
    """Measured underneath: the masters holding each memory's names (all of them)."""
    kept = cluster_memory.masters_keeping(fleet.url, fleet.prefix, list(fleet.memories))
    spread: Counter[str] = Counter()
    for scope, masters in kept.items():
        expect(len(masters), 1, f"the memory {shown(scope)} on this many masters:")
        spread[next(iter(masters))] += 1
    return spread


@then(
    parsers.parse(
        "every one of the {masters:d} masters keeps some of the memories, "
        "none more than half of them"
    )
)
def _(spread: Counter[str], fleet: Fleet, masters: int) -> None:
    total = len(fleet.memories)
    expect(len(spread), masters, "memories on this many masters:")
    most = max(spread.values())
    expect_that(most <= total / 2, f"no master keeping more than {total // 2} memories", most)


@given("an agent with a memory on a cluster of its own", target_fixture="cluster_agent")
def _(isolation: Isolation, spare_clusters: SpareClusters) -> ClusterAgent:
    own = cluster_memory.own_cluster(isolation, spare_clusters)
    memory = isolation.closing(cluster_memory.open_agent_memory(own.url, "agent:"))
    return ClusterAgent(own.url, "agent:", memory, own)


@given(
    parsers.parse(
        "an agent with a memory on a cluster of its own, each write waiting for {n:d} replica"
    ),
    target_fixture="cluster_agent",
)
def _(isolation: Isolation, spare_clusters: SpareClusters, n: int) -> ClusterAgent:
    own = cluster_memory.own_cluster(isolation, spare_clusters)
    memory = isolation.closing(cluster_memory.open_agent_memory(own.url, "agent:", replicas=n))
    return ClusterAgent(own.url, "agent:", memory, own)


@given(
    parsers.parse("an agent with a memory on the cluster, each write waiting for {n:d} replicas"),
    target_fixture="cluster_agent",
)
def _(isolation: Isolation, backend: str, n: int) -> ClusterAgent:
    place = isolation(backend)
    memory = cluster_memory.open_agent_memory(place.url, place.prefix, replicas=n)
    return ClusterAgent(place.url, place.prefix, isolation.closing(memory))


@given(parsers.parse("the agent has remembered {count:d} facts"))
def _(cluster_agent: ClusterAgent, count: int) -> None:
    for n in range(count):
        cluster_agent.memory.store(f"aqe/fact-{n}", n)


@when("the master keeping the agent's memory dies")
def _(cluster_agent: ClusterAgent) -> None:
    """Killed at once (SIGKILL), as a crashed machine: the one master that keeps the memory."""
    port = cluster_memory.master_port_keeping(cluster_agent.url, cluster_agent.prefix)
    cluster_agent.own.kill(port)


@then(
    parsers.parse("the agent is told its memory is unavailable, for at most {limit:d} seconds"),
    target_fixture="outage",
)
def _(cluster_agent: ClusterAgent, limit: int) -> Outage:
    outage = cluster_memory.ride_out(lambda: cluster_agent.memory.retrieve("aqe/fact-0"), limit)
    cluster_memory.expect_told_unavailable(outage, "the memory", limit)
    return outage


@when("the agent's memory answers again", target_fixture="outage")
def _(cluster_agent: ClusterAgent) -> Outage:
    outage = cluster_memory.ride_out(lambda: cluster_agent.memory.retrieve("aqe/fact-0"), 60)
    assert outage.seconds <= 60, f"still unavailable after {outage.seconds:.1f}s"
    return outage


@then("afterwards the same memory remembers and recalls facts again")
def _(cluster_agent: ClusterAgent) -> None:
    memory = cluster_agent.memory
    memory.store("aqe/after-failover", {"kept": True})
    expect(memory.retrieve("aqe/after-failover"), {"kept": True}, '"aqe/after-failover" as')
    expect(memory.increment("aqe/after-failover-count"), 1, "a new counter at")


@then(parsers.parse("every one of the {count:d} facts a replica confirmed is recalled"))
def _(cluster_agent: ClusterAgent, count: int) -> None:
    wanted = [f"aqe/fact-{n}" for n in range(count)]
    found = cluster_agent.memory.retrieve_many(wanted)
    missing = [key for key in wanted if key not in found]
    expect_that(not missing, "every confirmed fact", f"{len(missing)} lost, e.g. {missing[:5]}")


@when(parsers.parse('the agent remembers the fact "{fact}"'), target_fixture="refusal")
def _(cluster_agent: ClusterAgent, fact: str) -> Exception | None:
    try:
        cluster_agent.memory.store("aqe/fact", fact)
    except errors.WriteNotReplicated as error:
        return error
    return None


@then(
    parsers.parse(
        "the agent is told only {got:d} of {wanted:d} replicas confirmed the fact in time"
    )
)
def _(refusal: Exception | None, got: int, wanted: int) -> None:
    expect_refused(refusal, errors.WriteNotReplicated, "the write")
    expect_says(refusal, f"confirmed by {got} of {wanted} replicas")


@then(parsers.parse('the agent recalls the fact "{fact}"'))
def _(cluster_agent: ClusterAgent, fact: str) -> None:
    expect(cluster_agent.memory.retrieve("aqe/fact"), fact, '"aqe/fact" recalled as')


# -- a work queue through a failover -------------------------------------------------------


@dataclass
class ClusterQueue:
    """The agents' work queue on a cluster of the scenario's own, and where it lives."""

    url: str
    prefix: str
    queue: Queue
    own: ThrowawayCluster


@given(
    parsers.parse("a work queue on a cluster of its own, each change waiting for {n:d} replica"),
    target_fixture="cluster_queue",
)
def _(isolation: Isolation, spare_clusters: SpareClusters, n: int) -> ClusterQueue:
    own = cluster_memory.own_cluster(isolation, spare_clusters)
    queue = isolation.closing(cluster_memory.open_agent_queue(own.url, "queue:", replicas=n))
    return ClusterQueue(own.url, "queue:", queue, own)


@given("a work queue on a cluster of its own", target_fixture="cluster_queue")
def _(isolation: Isolation, spare_clusters: SpareClusters) -> ClusterQueue:
    own = cluster_memory.own_cluster(isolation, spare_clusters)
    queue = isolation.closing(cluster_memory.open_agent_queue(own.url, "queue:"))
    return ClusterQueue(own.url, "queue:", queue, own)


@given(parsers.parse("{count:d} jobs waiting on it"))
def _(cluster_queue: ClusterQueue, count: int) -> None:
    for n in range(count):
        cluster_queue.queue.enqueue({"job": n})


@when("the master keeping the queue dies")
def _(cluster_queue: ClusterQueue) -> None:
    """Killed at once (SIGKILL), as a crashed machine: the one master that keeps the queue."""
    port = cluster_memory.master_port_keeping(cluster_queue.url, cluster_queue.prefix)
    cluster_queue.own.kill(port)


@then(parsers.parse("the workers are told the queue is unavailable, for at most {limit:d} seconds"))
def _(cluster_queue: ClusterQueue, limit: int) -> None:
    outage = cluster_memory.ride_out(cluster_queue.queue.stats, limit)
    cluster_memory.expect_told_unavailable(outage, "the queue", limit)


@when("the queue answers again")
def _(cluster_queue: ClusterQueue) -> None:
    """Answers: with the counts, or saying no replica confirmed (the promoted replica has none
    of its own until another node rejoins; the change is on the new master all the same)."""
    outage = cluster_memory.ride_out(lambda: cluster_memory.answers(cluster_queue.queue), 60)
    assert outage.seconds <= 60, f"still unavailable after {outage.seconds:.1f}s"


@then("afterwards the same queue takes a new job, hands it out and completes it")
def _(cluster_queue: ClusterQueue) -> None:
    """Every job still there is handed out once; the one enqueued after the failover is too."""
    queue = cluster_queue.queue
    queue.enqueue({"job": "after the failover"})
    done = cluster_memory.drain(queue)
    handed = {"job": "after the failover"} in done
    expect_that(handed, 'the job "after the failover" handed out', f"only {shown(done)}")
    twice = len(done) - len({str(p) for p in done})
    expect(twice, 0, "jobs handed out twice:")
    expect(queue.stats()["done"], len(done), "the queue to count done:")


@then(
    parsers.parse(
        "a worker is handed every one of the {count:d} jobs a replica confirmed, and does them"
    )
)
def _(cluster_queue: ClusterQueue, count: int) -> None:
    """The worker's own queue does not wait: the shard has no replica left to confirm."""
    worker = cluster_memory.open_agent_queue(cluster_queue.url, cluster_queue.prefix)
    try:
        done = cluster_memory.drain(worker)
    finally:
        worker.close()
    missing = [n for n in range(count) if {"job": n} not in done]
    expect_that(not missing, "every confirmed job", f"{len(missing)} lost, e.g. {missing[:5]}")
    expect(len(done), count, "jobs handed out:")


# -- leases through a failover -------------------------------------------------------------


@dataclass
class ClusterLeases:
    """The agents' leases on a cluster of the scenario's own, and the tokens handed out."""

    url: str
    prefix: str
    leases: Leases
    own: ThrowawayCluster
    tokens: list[int]


@given(
    parsers.parse("leases on a cluster of their own, each change waiting for {n:d} replica"),
    target_fixture="cluster_leases",
)
def _(isolation: Isolation, spare_clusters: SpareClusters, n: int) -> ClusterLeases:
    own = cluster_memory.own_cluster(isolation, spare_clusters)
    leases = isolation.closing(cluster_memory.open_agent_leases(own.url, "lease:", replicas=n))
    return ClusterLeases(own.url, "lease:", leases, own, [])


@given("leases on a cluster of their own", target_fixture="cluster_leases")
def _(isolation: Isolation, spare_clusters: SpareClusters) -> ClusterLeases:
    own = cluster_memory.own_cluster(isolation, spare_clusters)
    leases = isolation.closing(cluster_memory.open_agent_leases(own.url, "lease:"))
    return ClusterLeases(own.url, "lease:", leases, own, [])


@given(parsers.parse('agents have taken the lease "{name}" and given it back {times:d} times'))
def _(cluster_leases: ClusterLeases, name: str, times: int) -> None:
    cluster_leases.tokens += cluster_memory.take_and_give_back(cluster_leases.leases, name, times)


@when("the master keeping the leases dies")
def _(cluster_leases: ClusterLeases) -> None:
    """Killed at once (SIGKILL), as a crashed machine: the one master that keeps the leases."""
    port = cluster_memory.master_port_keeping(cluster_leases.url, cluster_leases.prefix)
    cluster_leases.own.kill(port)


@then(
    parsers.parse("the agents are told the leases are unavailable, for at most {limit:d} seconds")
)
def _(cluster_leases: ClusterLeases, limit: int) -> None:
    outage = cluster_memory.ride_out(lambda: cluster_leases.leases.holder("any"), limit)
    cluster_memory.expect_told_unavailable(outage, "the leases", limit)


@then(parsers.parse('afterwards the same leases grant "{name}" again'))
def _(cluster_leases: ClusterLeases, name: str) -> None:
    lease = cluster_leases.leases.acquire(name, "agent-after", ttl=60.0)
    expect(None if lease is None else lease.name, name, "a lease granted on")
    expect(cluster_leases.leases.release(lease), True, f"{shown(name)} released:")


@then(parsers.parse('"{name}" is granted with a token above every one a replica confirmed'))
def _(cluster_leases: ClusterLeases, name: str) -> None:
    """Its own leases do not wait: the promoted replica has no replica left to confirm."""
    agent = cluster_memory.open_agent_leases(cluster_leases.url, cluster_leases.prefix)
    try:
        lease, _ = cluster_memory.acquire_once_back(agent, name, 60)
    finally:
        agent.close()
    highest = max(cluster_leases.tokens)
    expect_that(lease.token > highest, f"a token above {highest}", lease.token)
