"""Steps for the platform itself: which backends answer, and how scenarios are kept apart."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from harness.isolation.places import Isolated, Isolation
from support.platform import probe
from support.underneath import keys as memory_inspect


@given("a scenario working on the backend", target_fixture="place")
def _(isolation: Isolation, backend: str) -> Isolated:
    """The scenario's own isolated place on a backend."""
    return isolation(backend)


@given(
    "a second scenario working on the same backend at the same time",
    target_fixture="other_place",
)
def _(isolation: Isolation, backend: str) -> Isolated:
    """A separate place on the same backend, exactly as another scenario would get it."""
    return isolation.new(backend)


@when("the scenario asks the backend which version it runs", target_fixture="version")
def _(place: Isolated) -> tuple[int, ...]:
    return probe.server_version(place)


@then(parsers.parse("the backend answers with version {minimum} or newer"))
def _(version: tuple[int, ...], minimum: str) -> None:
    wanted = tuple(int(part) for part in minimum.split("."))
    assert version >= wanted, f"version {version} is older than {wanted}"


@when(parsers.parse('the first scenario records the fact "{fact}"'))
def _(place: Isolated, fact: str) -> None:
    probe.record_fact(place, fact)


@then("the second scenario finds no fact at all")
def _(other_place: Isolated) -> None:
    """Nothing of the first scenario (or anyone else) is in the second one's place: its whole
    database or file, read underneath the API; on Redis, everything under its prefix."""
    assert probe.facts(other_place) == set()
    assert memory_inspect.everything_stored(other_place) == []


@then(parsers.parse('the first scenario finds "{fact}"'))
def _(place: Isolated, fact: str) -> None:
    assert fact in probe.facts(place)
