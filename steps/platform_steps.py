"""Steps for the platform itself: which backends answer, and how scenarios are kept apart."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from harness.isolation.places import Isolated, Isolation
from steps.parameter_types import phrase
from support.common.expect import expect, expect_that, shown
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


@then(phrase("the backend answers with version {minimum:Version} or newer"))
def _(version: tuple[int, ...], minimum: tuple[int, ...]) -> None:
    wanted, found = (".".join(map(str, v)) for v in (minimum, version))
    expect_that(version >= minimum, f"version {wanted} or newer", f"version {found}")


@when(parsers.parse('the first scenario records the fact "{fact}"'))
def _(place: Isolated, fact: str) -> None:
    probe.record_fact(place, fact)


@then("the second scenario finds no fact at all")
def _(other_place: Isolated) -> None:
    """Nothing of the first scenario (or anyone else) is in the second one's place: its whole
    database or file, read underneath the API; on Redis, everything under its prefix."""
    expect(sorted(probe.facts(other_place)), [], "the second scenario to find the facts")
    expect(memory_inspect.everything_stored(other_place), [], "its place to hold")


@then(parsers.parse('the first scenario finds "{fact}"'))
def _(place: Isolated, fact: str) -> None:
    facts = probe.facts(place)
    expect_that(fact in facts, f"the fact {shown(fact)}", f"only {shown(sorted(facts))}")
