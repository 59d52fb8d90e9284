"""Named leases with fencing tokens on every backend, against the real servers."""

from __future__ import annotations

import math
import threading
import time

import pytest

from agentstore import Lease, errors, open_leases
from agentstore.coordination import Leases
from harness.isolation.places import Isolated, Isolation

BACKENDS = ["postgres", "sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


@pytest.fixture
def leases(place: Isolated, isolation: Isolation) -> Leases:
    return isolation.closing(open_leases(place.url, prefix=place.prefix))


def test_one_holder_at_a_time(leases: Leases) -> None:
    first = leases.acquire("db-migration", "ada", ttl=30)
    assert first == Lease("db-migration", "ada", 1)
    assert leases.acquire("db-migration", "bob", ttl=30) is None
    assert leases.holder("db-migration") == first
    assert leases.acquire("another", "bob", ttl=30).token == 1


def test_an_expired_holder_cannot_touch_the_next_holders_lease(leases: Leases) -> None:
    old = leases.acquire("res", "ada", ttl=0.2)
    time.sleep(0.35)
    assert leases.holder("res") is None
    new = leases.acquire("res", "bob", ttl=30)
    assert new.token > old.token
    assert leases.extend(old, 30) is False
    assert leases.release(old) is False
    assert leases.holder("res") == new
    assert leases.release(new) is True
    assert leases.holder("res") is None


def test_tokens_only_increase_across_release_and_expiry(leases: Leases) -> None:
    tokens = []
    for n in range(6):
        lease = leases.acquire("res", f"agent{n}", ttl=0.15 if n % 2 else 30)
        tokens.append(lease.token)
        if n % 2:
            time.sleep(0.3)  # let it expire
        else:
            assert leases.release(lease)
    assert tokens == sorted(tokens) and len(set(tokens)) == len(tokens)


def test_an_extension_keeps_the_lease(leases: Leases) -> None:
    lease = leases.acquire("res", "ada", ttl=2)
    for _ in range(3):
        time.sleep(0.5)
        assert leases.extend(lease, 2)
    assert leases.acquire("res", "bob", ttl=1) is None


def test_sixteen_racers_one_holder(leases: Leases) -> None:
    start = threading.Barrier(16)
    won: list[Lease] = []

    def race(n: int) -> None:
        start.wait()
        lease = leases.acquire("leader", f"racer{n}", ttl=30)
        if lease is not None:
            won.append(lease)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1 and leases.holder("leader") == won[0]


@pytest.mark.parametrize("ttl", [0, -1, math.inf, math.nan, "10"])
def test_a_bad_ttl_is_refused_and_changes_nothing(leases: Leases, ttl: object) -> None:
    held = leases.acquire("res", "ada", ttl=30)
    with pytest.raises(errors.InvalidTTL):
        leases.acquire("free", "bob", ttl=ttl)
    with pytest.raises(errors.InvalidTTL):
        leases.extend(held, ttl)
    assert leases.holder("free") is None and leases.holder("res") == held


@pytest.mark.parametrize("name", ["", "bell\x07", "x" * 201])
def test_a_bad_name_is_refused(leases: Leases, name: str) -> None:
    with pytest.raises(errors.InvalidName):
        leases.acquire(name, "ada", ttl=1)


def test_prefixes_keep_lease_sets_apart(place: Isolated, isolation: Isolation) -> None:
    mine = isolation.closing(open_leases(place.url, prefix=place.prefix + "a:"))
    theirs = isolation.closing(open_leases(place.url, prefix=place.prefix + "b:"))
    assert mine.acquire("res", "ada", ttl=30) is not None
    assert theirs.acquire("res", "bob", ttl=30) is not None
