"""Steps for agent coordination: work queues, retries, leases, the fleet, shared memory."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from agentstore import (
    Database,
    FleetCommander,
    Job,
    Lease,
    MemoryStore,
    errors,
    open_events,
    open_leases,
    open_memory,
)
from agentstore.coordination import Events, Leases, Queue
from agentstore.coordination.protocol import Subscription
from agentstore.db import records
from harness.isolation.places import Isolated, Isolation
from steps.parameter_types import TYPES
from support.api import binding as api_binding
from support.common.outcomes import Outcome, attempt
from support.coordination import bad_inputs as bad
from support.coordination import fleet as fleets
from support.coordination import shared_memory as shared
from support.coordination import workloads
from support.coordination.cancelling import LeasesFacade, cancel_claim_mid_call
from support.coordination.cancelling import open_queue as queue_for_api
from support.coordination.effects import EffectLog, new_effect_log
from support.coordination.workers import QUEUE

#: A claim's lease in the draining scenarios: long enough never to lapse under load.
LEASE = 30.0
#: The lease in the dropped-connection scenario: a claim whose answer was lost with its
#: connection is taken over after this long.
SHORT_LEASE = 3.0
LEASE_TIMES = {"0 seconds": 0, "-5 seconds": -5, "ever": math.inf, "NaN seconds": math.nan}


@dataclass
class Work:
    """The scenario's queue, where it lives, and the effect log its workers write to."""

    place: Isolated
    queue: Queue
    effects: Path


def _step(text: str) -> Any:
    return parsers.parse(text, TYPES)


def _queue(isolation: Isolation, place: Isolated, name: str = QUEUE, **options: Any) -> Queue:
    """The scenario's queue, through the API this run drives (``--api``)."""
    return isolation.closing(queue_for_api(place.url, name, prefix=place.prefix, **options))


# -- the work queue -----------------------------------------------------------------------


@given(_step("a work queue holding {count:d} tasks"), target_fixture="work")
@given(_step("a work queue holding {count:d} task"), target_fixture="work")
def _(isolation: Isolation, backend: str, tmp_path: Path, count: int) -> Work:
    """A queue of the scenario's own holding tasks numbered 0 .. count-1."""
    place = isolation(backend)
    work = Work(place, _queue(isolation, place), new_effect_log(tmp_path))
    workloads.fill(work.queue, count)
    return work


@when(_step("{workers:d} workers in separate {kind:Kind} drain the queue"))
def _(work: Work, workers: int, kind: str) -> None:
    """Workers claim, record each task's effect, and complete, until nothing is left."""
    workloads.drain_together(work.place, work.effects, workers, kind, LEASE)


@when(
    _step(
        "{workers:d} workers in separate threads drain the queue"
        " while the server drops every connection twice"
    ),
    target_fixture="drops",
)
def _(work: Work, workers: int) -> workloads.Drops:
    """The server terminates every connection to the scenario's database, twice, mid-run."""
    return workloads.drain_while_dropping(
        work.place, work.effects, workers, SHORT_LEASE, at=[100, 300]
    )


@when(
    _step("a worker holding a task for {lease:Duration} is killed in the middle of it"),
    target_fixture="killed",
)
def _(work: Work, lease: float) -> Job:
    """A worker process claims a task and is killed (SIGKILL) before it finishes it."""
    return workloads.kill_mid_task(work.place, lease)


@when(
    _step(
        "a worker's claim of a task for {lease:Duration} is cancelled before it returns,"
        " after the server handed it the task"
    )
)
def _(work: Work, lease: float) -> None:
    """Claims cancelled a few more event-loop turns after they start, until one is cancelled
    once the server took a task for it (``@asyncio_only``; claims that returned first are done)."""
    cancel_claim_mid_call(work.queue, work.effects, lease)


@then(_step("every one of the {count:d} tasks was done exactly once"))
def _(work: Work, count: int) -> None:
    """Counted in the effect log, apart from the queue: none missing, none repeated."""
    with EffectLog(work.effects) as log:
        done = log.counts()
    missing = sorted(set(range(count)) - set(done))
    repeated = sorted(task for task, times in done.items() if times > 1)
    assert not missing and not repeated, f"missing: {missing[:20]}; repeated: {repeated[:20]}"
    assert len(done) == count


@then(_step("the queue counts {count:d} tasks done"))
@then(_step("the queue counts {count:d} task done"))
def _(work: Work, count: int) -> None:
    """The queue's own count of done tasks, nothing left waiting or running."""
    stats = work.queue.stats()
    assert stats["done"] == count, stats
    assert stats["ready"] == stats["delayed"] == stats["running"] == 0, stats


@when("another worker takes the task over once the lease has lapsed", target_fixture="taker")
def _(work: Work, killed: Job) -> Job:
    """Claims until the lapsed task comes back (by the backend's clock), with a new token."""
    job = workloads.take_over(work.queue, killed)
    assert job.token != killed.token and job.attempts == killed.attempts + 1
    return job


@then("the killed worker's late completion is refused, changing nothing")
def _(work: Work, killed: Job) -> None:
    """The killed worker's claim token is stale: its completion is refused."""
    before = bad.snapshot(work.queue)
    outcome = attempt(lambda: work.queue.complete(killed))
    assert "another claim took it over" in str(outcome.refused(errors.LeaseLost))
    assert bad.snapshot(work.queue) == before


@then("the other worker still completes the task")
def _(work: Work, taker: Job) -> None:
    """The new claim holds: its completion is the one that counts."""
    work.queue.complete(taker)
    assert work.queue.stats()["done"] == 1


@then("the server did drop the workers' connections twice")
def _(drops: workloads.Drops) -> None:
    """Both drops happened and each ended at least one live connection."""
    assert len(drops.terminated) == 2 and all(drops.terminated), drops.terminated


# -- retries and dead letters -------------------------------------------------------------


@given(
    _step('a work queue holding the task "{task:Text}" that may be tried {times:d} times'),
    target_fixture="work",
)
def _(isolation: Isolation, backend: str, tmp_path: Path, task: str, times: int) -> Work:
    """A queue that retries at once (no backoff), holding one task."""
    place = isolation(backend)
    work = Work(place, _queue(isolation, place, backoff=0), new_effect_log(tmp_path))
    work.queue.enqueue({"task": task}, max_attempts=times)
    return work


@given(_step('a work queue whose task "{task:Text}" is a dead letter'), target_fixture="work")
def _(isolation: Isolation, backend: str, tmp_path: Path, task: str) -> Work:
    """A queue whose one task failed on its only attempt."""
    place = isolation(backend)
    work = Work(place, _queue(isolation, place, backoff=0), new_effect_log(tmp_path))
    work.queue.enqueue({"task": task}, max_attempts=1)
    work.queue.fail(work.queue.claim("ada"), "mail server down")
    assert [d.payload["task"] for d in work.queue.dead_letters()] == [task]
    return work


@when(
    _step('a worker fails "{task:Text}" each time it is claimed, with the error "{error:Text}"'),
    target_fixture="tries",
)
def _(work: Work, task: str, error: str) -> list[int]:
    """Claims until nothing is left, failing each claim; the attempt numbers seen."""
    tries = []
    while (job := work.queue.claim("ada")) is not None:
        assert job.payload == {"task": task}
        tries.append(job.attempts)
        work.queue.fail(job, error)
    return tries


@when(_step('a worker fails "{task:Text}" once with the error "{error:Text}", then completes it'))
def _(work: Work, task: str, error: str) -> None:
    """One failure, then success on the retry."""
    work.queue.fail(work.queue.claim("ada"), error)
    job = work.queue.claim("ada")
    assert job.payload == {"task": task} and job.attempts == 2
    work.queue.complete(job)


@when(_step('the dead letter "{task:Text}" is requeued'))
def _(work: Work, task: str) -> None:
    """Found among the dead letters by its task, and put back in the queue."""
    (letter,) = [d for d in work.queue.dead_letters() if d.payload["task"] == task]
    work.queue.requeue(letter.id)


@when("a worker completes the next task")
def _(work: Work) -> None:
    """Claim whatever is next and complete it."""
    work.queue.complete(work.queue.claim("bob"))


@then(_step('"{task:Text}" was tried {times:d} times'))
def _(tries: list[int], times: int) -> None:
    """Each claim counted one more attempt, up to the allowed number."""
    assert tries == list(range(1, times + 1))


@then(_step('the dead letters hold "{task:Text}" with the error "{error:Text}"'))
def _(work: Work, task: str, error: str) -> None:
    """Exactly that task is dead, with its last error."""
    letters = work.queue.dead_letters()
    assert [(d.payload["task"], d.error) for d in letters] == [(task, error)]
    assert work.queue.claim("ada") is None


@then("the dead letters are empty")
def _(work: Work) -> None:
    """No task died."""
    assert work.queue.dead_letters() == []
    assert work.queue.stats()["dead"] == 0


# -- bad input ----------------------------------------------------------------------------


@given("a work queue with a task done, one running and one waiting", target_fixture="scene")
def _(isolation: Isolation, backend: str) -> bad.QueueScene:
    """Plus a task claimed from a second queue, to hand to the wrong one."""
    place = isolation(backend)
    return bad.set_scene(place, lambda name: _queue(isolation, place, name))


@when(_step("a worker tries to {what}"), target_fixture="outcome")
def _(scene: bad.QueueScene, what: str) -> Outcome:
    """The attempt (one of ``support.coordination.bad_inputs.ATTEMPTS``), state noted first."""
    scene.before = bad.snapshot(scene.queue), bad.snapshot(scene.other)
    return bad.attempt(scene, what)


@then("the queue is unchanged")
def _(scene: bad.QueueScene) -> None:
    """Both queues show what they showed before the attempt, and the running claim holds."""
    assert (bad.snapshot(scene.queue), bad.snapshot(scene.other)) == scene.before
    scene.queue.extend(scene.running, 30)


# -- leases -------------------------------------------------------------------------------


@pytest.fixture
def leases(isolation: Isolation, backend: str) -> Leases:
    """The scenario's own set of named leases."""
    place = isolation(backend)
    if api_binding.selected == "async":  # the same steps on agentstore.asyncio's leases
        return isolation.closing(LeasesFacade(place.url, place.prefix))  # type: ignore[return-value]
    return isolation.closing(open_leases(place.url, prefix=place.prefix))


@given("a set of leases")
def _(leases: Leases) -> None:
    """Named leases of the scenario's own, none held yet."""


@given(
    _step('"{owner:Text}" held the lease "{name:Text}" for {ttl:Duration} until it expired'),
    target_fixture="stale",
)
def _(leases: Leases, owner: str, name: str, ttl: float) -> Lease:
    """Acquired, then left to expire (by the backend's clock)."""
    lease = leases.acquire(name, owner, ttl)
    assert lease is not None
    workloads.wait_until_free(leases, name)
    return lease


@given(_step('"{owner:Text}" then took the lease "{name:Text}"'), target_fixture="current")
def _(leases: Leases, owner: str, name: str) -> Lease:
    """The next holder, for 30 seconds."""
    lease = leases.acquire(name, owner, 30)
    assert lease is not None
    return lease


@given(
    _step(
        '"{owner:Text}" then took the lease "{name:Text}" and wrote "{value:Text}" to the ledger'
    ),
    target_fixture="ledger",
)
def _(leases: Leases, owner: str, name: str, value: str) -> workloads.FencedLedger:
    """The next holder writes to a ledger that checks fencing tokens."""
    ledger = workloads.FencedLedger()
    assert ledger.write(leases.acquire(name, owner, 30), value)
    return ledger


@when(
    _step('{agents:d} agents in separate threads race for the lease "{name:Text}"'),
    target_fixture="winners",
)
def _(leases: Leases, agents: int, name: str) -> list[Lease]:
    """All start at one barrier and ask for the lease once; the leases won."""
    return workloads.race_for_lease(leases, name, agents, 30)


@when(_step('"{owner:Text}" tries to extend and to release her lease'), target_fixture="answers")
def _(leases: Leases, stale: Lease) -> tuple[bool, bool]:
    """The expired holder's extend and release, with her old token."""
    return leases.extend(stale, 30), leases.release(stale)


@when(
    _step(
        '{agents:d} agents take the lease "{name:Text}" in turn, releasing it or letting it expire'
    ),
    target_fixture="tokens",
)
def _(leases: Leases, agents: int, name: str) -> list[int]:
    """Every other agent lets it expire (200 ms) instead of releasing it."""
    return workloads.take_in_turn(leases, name, agents, short=0.2)


@when(_step('"{owner:Text}" writes "{value:Text}" to the ledger with her expired lease'))
def _(ledger: workloads.FencedLedger, stale: Lease, value: str) -> None:
    """The stale holder's late write, carrying her old token."""
    ledger.write(stale, value)


@when(_step('"{owner:Text}" asks for the lease "{name:Text}" for {ttl}'), target_fixture="outcome")
def _(leases: Leases, owner: str, name: str, ttl: str) -> Outcome:
    """A lease for one of: 0 seconds, -5 seconds, ever, NaN seconds."""
    return attempt(lambda: leases.acquire(name, owner, LEASE_TIMES[ttl]))


@then(_step('only one of the agents holds "{name:Text}"'))
def _(leases: Leases, winners: list[Lease], name: str) -> None:
    """One winner, and the lease names it."""
    assert len(winners) == 1, winners
    assert leases.holder(name) == winners[0]


@then("both are refused")
def _(answers: tuple[bool, bool]) -> None:
    """Neither the extension nor the release took."""
    assert answers == (False, False)


@then(_step('"{owner:Text}" still holds "{name:Text}"'))
def _(leases: Leases, current: Lease, owner: str, name: str) -> None:
    """The new holder, with its token, is untouched."""
    assert leases.holder(name) == current and current.owner == owner
    assert leases.extend(current, 30)


@then("each agent got a larger token than the one before")
def _(tokens: list[int]) -> None:
    """Fencing tokens only increase, never reused."""
    assert all(a < b for a, b in itertools.pairwise(tokens)), tokens


@then(_step('the ledger refuses the write of "{owner:Text}"'))
def _(ledger: workloads.FencedLedger, owner: str) -> None:
    """The ledger saw a smaller token than the largest it knows."""
    assert ledger.refused == [owner]


@then(_step('the ledger holds "{value:Text}"'))
def _(ledger: workloads.FencedLedger, value: str) -> None:
    """The newest holder's write stands."""
    assert ledger.value == value


@then(_step('nobody holds "{name:Text}"'))
def _(leases: Leases, name: str) -> None:
    """The refused request left the lease free."""
    assert leases.holder(name) is None


# -- the fleet commander ------------------------------------------------------------------


@given(
    _step(
        'the agent "{first:Text}" who can "{first_can:Text}"'
        ' and the agent "{second:Text}" who can "{second_can:Text}"'
    ),
    target_fixture="fleet",
)
def _(
    isolation: Isolation,
    backend: str,
    first: str,
    first_can: str,
    second: str,
    second_can: str,
) -> fleets.Fleet:
    """Enlisted in the records (on SQLite when the queue is on Redis), sharing a memory."""
    place = isolation(backend)
    records_url = (
        place.url if backend not in ("redis", "redis_cluster") else isolation("sqlite").url
    )
    database = isolation.closing(Database(records_url), Database.dispose)
    memory = isolation.closing(open_memory(place.url, prefix=place.prefix))
    commander = isolation.closing(
        FleetCommander(place.url, database, memory=memory, prefix=place.prefix, backoff=0)
    )
    agents = {first: [first_can], second: [second_can]}
    for name, capabilities in agents.items():
        commander.enlist(name, "worker", capabilities)
    return fleets.Fleet(commander, database, memory, agents)


@when(
    _step(
        'the commander dispatches {count:d} "{capability:Text}" tasks'
        ' and {other_count:d} "{other:Text}" tasks'
    )
)
def _(fleet: fleets.Fleet, count: int, capability: str, other_count: int, other: str) -> None:
    """Tasks named after their capability, numbered from 0."""
    fleet.commander.dispatch(fleets.tasks(capability, count) + fleets.tasks(other, other_count))


@when(
    _step(
        'the commander dispatches {count:d} "{capability:Text}" tasks and the'
        ' "{failing:Text}" task "{name:Text}" that always fails'
    )
)
def _(fleet: fleets.Fleet, count: int, capability: str, failing: str, name: str) -> None:
    """The failing task is tried as often as the commander allows (3 times)."""
    fleet.commander.dispatch([*fleets.tasks(capability, count), fleets.failing(failing, name)])


@when("the agents work until nothing is left for them")
def _(fleet: fleets.Fleet) -> None:
    """Each agent in a thread of its own, claiming only what it can do."""
    fleets.work_until_done(fleet)


@then("every execution is recorded against the agent capable of its task")
def _(fleet: fleets.Fleet) -> None:
    """Each task once, succeeded, by an agent whose capabilities include the task's."""
    seen = []
    for agent, runs in fleets.executions(fleet).items():
        for task, status in runs:
            assert task.rsplit("-", 1)[0] in fleet.agents[agent], (agent, task)
            assert status == "succeeded", (agent, task, status)
            seen.append(task)
    assert len(seen) == len(set(seen)) == fleet.commander.report().total


@then(_step("the commander reports all {count:d} tasks done and none dead"))
def _(fleet: fleets.Fleet, count: int) -> None:
    report = fleet.commander.report()
    assert (report.total, report.done, report.dead, report.finished) == (count, count, [], True)


@then(_step('the commander reports {count:d} tasks done and "{name:Text}" dead'))
def _(fleet: fleets.Fleet, count: int, name: str) -> None:
    report = fleet.commander.report()
    assert (report.done, report.dead, report.finished) == (count, [name], True)


@then(_step('"{agent:Text}" has {count:d} failed executions of "{task:Text}"'))
def _(fleet: fleets.Fleet, agent: str, count: int, task: str) -> None:
    """One failed execution recorded per attempt."""
    runs = fleets.executions(fleet)[agent]
    assert runs.count((task, "failed")) == count, runs


@then(_step("the shared memory holds {count:d} intermediate results"))
def _(fleet: fleets.Fleet, count: int) -> None:
    """Each task's result, shared by the agent that did it."""
    assert len(fleet.memory.list_keys(fleets.RESULTS)) == count


# -- shared memory ------------------------------------------------------------------------


@given("a shared board in the memory", target_fixture="board")
def _(isolation: Isolation, backend: str) -> tuple[Isolated, MemoryStore]:
    """The place agents post to, and a memory to look at it with."""
    place = isolation(backend)
    return place, isolation.closing(open_memory(place.url, prefix=place.prefix))


@when(_step("{agents:d} agents in separate threads each post {updates:d} updates to the board"))
def _(board: tuple[Isolated, MemoryStore], agents: int, updates: int) -> None:
    """Each post is an entry of its own plus one on the shared counter."""
    shared.post_together(board[0], agents, updates)


@then(_step("the board holds {count:d} updates"))
def _(board: tuple[Isolated, MemoryStore], count: int) -> None:
    assert shared.board(board[1])[0] == count


@then(_step("the board counted {count:d} updates"))
def _(board: tuple[Isolated, MemoryStore], count: int) -> None:
    assert shared.board(board[1])[1] == count


@given(
    _step('agents sharing the session state "{key:Text}" for {ttl:Duration}'),
    target_fixture="session",
)
def _(isolation: Isolation, backend: str, key: str, ttl: float) -> tuple[str, list[MemoryStore]]:
    """Three agents, each with its own memory; all of them see the state at first."""
    place = isolation(backend)
    agents = [isolation.closing(open_memory(place.url, prefix=place.prefix)) for _ in range(3)]
    agents[0].store(key, {"step": "planning", "owner": "agent-0"}, ttl=ttl)
    assert all(agent.exists(key) for agent in agents)
    return key, agents


@when("the session's time to live runs out")
def _(session: tuple[str, list[MemoryStore]]) -> None:
    """Waits as long as the backend says is left, and a little more."""
    key, agents = session
    time.sleep(agents[0].ttl(key) + 0.1)


@then(_step('no agent finds "{key:Text}"'))
def _(session: tuple[str, list[MemoryStore]], key: str) -> None:
    assert [agent.retrieve(key) for agent in session[1]] == [None, None, None]
    assert not any(agent.exists(key) for agent in session[1])


@given(
    _step('the agent "{name:Text}" recorded with the role "{role:Text}", read through a cache'),
    target_fixture="cache",
)
def _(isolation: Isolation, name: str, role: str) -> shared.ReadThroughCache:
    """The record in PostgreSQL, the cache in Redis."""
    database = isolation.closing(Database(isolation("postgres").url), Database.dispose)
    with database.session() as session:
        records.create_agent(session, name, role)
    redis = isolation("redis")
    memory = isolation.closing(open_memory(redis.url, prefix=redis.prefix))
    return shared.ReadThroughCache(database, memory)


@given(_step('the role of "{name:Text}" was read once'))
@when(_step('the role of "{name:Text}" is read {times:d} times'), target_fixture="reads")
def _(cache: shared.ReadThroughCache, name: str, times: int = 1) -> list[str]:
    return [cache.role(name) for _ in range(times)]


@when(_step('the role of "{name:Text}" changes to "{role:Text}"'))
def _(cache: shared.ReadThroughCache, name: str, role: str) -> None:
    cache.change_role(name, role)


@then(_step('each read gives "{role:Text}"'))
def _(reads: list[str], role: str) -> None:
    assert reads and set(reads) == {role}


@then(_step("the database was asked once and the cache served {hits:d} reads"))
def _(cache: shared.ReadThroughCache, hits: int) -> None:
    assert (cache.database_reads, cache.hits) == (1, hits)


@then(_step('reading the role of "{name:Text}" gives "{role:Text}"'))
def _(cache: shared.ReadThroughCache, name: str, role: str) -> None:
    assert cache.role(name) == role


# -- events -------------------------------------------------------------------------------


@pytest.fixture
def events(isolation: Isolation, backend: str) -> Events:
    """The scenario's own channels."""
    place = isolation(backend)
    return isolation.closing(open_events(place.url, prefix=place.prefix))


@pytest.fixture
def listening() -> Iterator[ExitStack]:
    """Subscriptions a scenario opens, closed when it ends."""
    with ExitStack() as stack:
        yield stack


@given(_step('an agent listening on the channel "{channel:Text}"'), target_fixture="subscriber")
@when(
    _step('an agent starts listening on the channel "{channel:Text}"'), target_fixture="subscriber"
)
def _(events: Events, listening: ExitStack, channel: str) -> Subscription:
    """Subscribed from this moment on."""
    return listening.enter_context(events.subscribe(channel))


@given(_step('an agent that publishes {sent:Names} on "{channel:Text}" while nobody listens'))
@when(_step('another agent publishes {sent:Names} on "{channel:Text}"'))
def _(events: Events, sent: list[str], channel: str) -> None:
    """Each event once, in order."""
    for event in sent:
        events.publish(channel, event)


@then(_step("the listening agent receives {expected:Names}"))
def _(subscriber: Subscription, expected: list[str]) -> None:
    """Those events in that order, and nothing after them."""
    assert [subscriber.next(10) for _ in expected] == expected
    assert subscriber.next(0.2) is None


@then("nothing reaches the listening agent")
def _(subscriber: Subscription) -> None:
    """Nothing arrives within half a second."""
    assert subscriber.next(0.5) is None


@when("an agent asks for events", target_fixture="outcome")
def _(isolation: Isolation, backend: str) -> Outcome:
    """Events opened on the scenario's own database."""
    return attempt(lambda: open_events(isolation(backend).url))


# -- priority and delay -------------------------------------------------------------------


@given(
    _step(
        'a work queue holding "{first:Text}" at priority {first_p:d}, "{second:Text}" at'
        ' priority {second_p:d} and "{third:Text}" at priority {third_p:d}'
    ),
    target_fixture="work",
)
def _(
    isolation: Isolation,
    backend: str,
    tmp_path: Path,
    first: str,
    first_p: int,
    second: str,
    second_p: int,
    third: str,
    third_p: int,
) -> Work:
    """Queued in that order, each with its priority."""
    place = isolation(backend)
    work = Work(place, _queue(isolation, place), new_effect_log(tmp_path))
    for task, priority in ((first, first_p), (second, second_p), (third, third_p)):
        work.queue.enqueue(task, priority=priority)
    return work


@given(
    _step('a work queue holding the task "{task:Text}" delayed by {delay:Duration}'),
    target_fixture="work",
)
def _(isolation: Isolation, backend: str, tmp_path: Path, task: str, delay: float) -> Work:
    """Due ``delay`` seconds from now by the server's clock."""
    place = isolation(backend)
    work = Work(place, _queue(isolation, place), new_effect_log(tmp_path))
    work.queue.enqueue(task, run_at=delay)
    return work


@when("a worker claims the tasks one by one", target_fixture="claimed")
def _(work: Work) -> list[Any]:
    """Until none is left; the payloads in the order they came."""
    claimed = []
    while (job := work.queue.claim("ada")) is not None:
        claimed.append(job.payload)
    return claimed


@when(_step("{delay:Duration} have passed"))
def _(delay: float) -> None:
    """Waits that long, and a little more (the server's clock decides, not this one)."""
    time.sleep(delay + 0.1)


@then(_step("it gets {expected:Names} in that order"))
def _(claimed: list[Any], expected: list[str]) -> None:
    assert claimed == expected


@then(_step("the queue counts {delayed:d} task delayed and none ready"))
def _(work: Work, delayed: int) -> None:
    stats = work.queue.stats()
    assert (stats["delayed"], stats["ready"]) == (delayed, 0), stats


@then("no worker can claim a task yet")
def _(work: Work) -> None:
    assert work.queue.claim("ada") is None


@then(_step('a worker claims "{task:Text}"'))
def _(work: Work, task: str) -> None:
    job = work.queue.claim("ada")
    assert job is not None and job.payload == task
