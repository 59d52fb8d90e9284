"""Steps for memory shared by agents: a board, a session state, a read-through cache."""

from __future__ import annotations

import time

from pytest_bdd import given, then, when

from agentstore import Database, MemoryStore
from agentstore.db import records
from harness.isolation.places import Isolated, Isolation
from steps.parameter_types import phrase
from support.api.openers import open_memory
from support.common.expect import expect, expect_that, shown
from support.coordination import shared_memory as shared

_step = phrase


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
    expect(shared.board(board[1])[0], count, "the board to hold updates:")


@then(_step("the board counted {count:d} updates"))
def _(board: tuple[Isolated, MemoryStore], count: int) -> None:
    expect(shared.board(board[1])[1], count, "the board to count updates:")


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
    found = [agent.retrieve(key) for agent in session[1]]
    expect(found, [None, None, None], f"the agents to find for {shown(key)}")
    seen = [agent.exists(key) for agent in session[1]]
    expect(seen, [False, False, False], f"the agents to see {shown(key)} exist:")


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
    expect_that(
        bool(reads) and set(reads) == {role}, f"each read giving {shown(role)}", shown(reads)
    )


@then(_step("the database was asked once and the cache served {hits:d} reads"))
def _(cache: shared.ReadThroughCache, hits: int) -> None:
    found = {"database reads": cache.database_reads, "cache hits": cache.hits}
    expect(found, {"database reads": 1, "cache hits": hits}, "")


@then(_step('reading the role of "{name:Text}" gives "{role:Text}"'))
def _(cache: shared.ReadThroughCache, name: str, role: str) -> None:
    expect(cache.role(name), role, f"the role of {shown(name)} to be")
