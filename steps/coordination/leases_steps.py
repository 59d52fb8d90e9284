"""Steps for named leases: one holder at a time, fencing tokens, and refused lease times."""

from __future__ import annotations

import itertools
import math

import pytest
from pytest_bdd import given, then, when

from agentstore import Lease
from agentstore.coordination import Leases
from harness.isolation.places import Isolation
from steps.parameter_types import one_of, phrase
from support.api import openers
from support.common.expect import expect, expect_that, shown
from support.common.outcomes import Outcome, attempt
from support.coordination import workloads

LEASE_TIMES = {"0 seconds": 0, "-5 seconds": -5, "ever": math.inf, "NaN seconds": math.nan}
lease_time = one_of(LEASE_TIMES, "A lease time no lease can have.", LEASE_TIMES.get)


_step = phrase


@pytest.fixture
def leases(isolation: Isolation, backend: str) -> Leases:
    """The scenario's own set of named leases."""
    place = isolation(backend)
    return isolation.closing(openers.open_leases(place.url, place.prefix))


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


@when(
    _step(
        '"{owner:Text}" asks for the lease "{name:Text}" for {ttl:LeaseTime}', LeaseTime=lease_time
    ),
    target_fixture="outcome",
)
def _(leases: Leases, owner: str, name: str, ttl: float) -> Outcome:
    """A lease for a time no lease can have."""
    return attempt(lambda: leases.acquire(name, owner, ttl))


@then(_step('only one of the agents holds "{name:Text}"'))
def _(leases: Leases, winners: list[Lease], name: str) -> None:
    """One winner, and the lease names it."""
    expect(len(winners), 1, f"the number of agents who won {shown(name)}:")
    expect(leases.holder(name), winners[0], f"{shown(name)} held by")


@then("both are refused")
def _(answers: tuple[bool, bool]) -> None:
    """Neither the extension nor the release took."""
    extended, released = answers
    expect({"extended": extended, "released": released}, {"extended": False, "released": False}, "")


@then(_step('"{owner:Text}" still holds "{name:Text}"'))
def _(leases: Leases, current: Lease, owner: str, name: str) -> None:
    """The new holder, with its token, is untouched."""
    expect(leases.holder(name), current, f"{shown(name)} held by")
    expect(current.owner, owner, "its holder to be")
    expect(leases.extend(current, 30), True, f"{shown(owner)} to extend it:")


@then("each agent got a larger token than the one before")
def _(tokens: list[int]) -> None:
    """Fencing tokens only increase, never reused."""
    growing = all(a < b for a, b in itertools.pairwise(tokens))
    expect_that(growing, "each token larger than the one before", f"the tokens {shown(tokens)}")


@then(_step('the ledger refuses the write of "{owner:Text}"'))
def _(ledger: workloads.FencedLedger, owner: str) -> None:
    """The ledger saw a smaller token than the largest it knows."""
    expect(ledger.refused, [owner], "the ledger to refuse the writes of")


@then(_step('the ledger holds "{value:Text}"'))
def _(ledger: workloads.FencedLedger, value: str) -> None:
    """The newest holder's write stands."""
    expect(ledger.value, value, "the ledger to hold")


@then(_step('nobody holds "{name:Text}"'))
def _(leases: Leases, name: str) -> None:
    """The refused request left the lease free."""
    holder = leases.holder(name)
    expect_that(holder is None, f"nobody holding {shown(name)}", f"{shown(holder)} holding it")
