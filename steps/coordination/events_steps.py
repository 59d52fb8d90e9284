"""Steps for events: agents publishing on channels and agents listening."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from pytest_bdd import given, then, when

from agentstore.coordination import Events
from agentstore.coordination.protocol import Subscription
from harness.isolation.places import Isolation
from steps.parameter_types import phrase
from support.api import openers
from support.common.expect import expect
from support.common.outcomes import Outcome, attempt

_step = phrase


@pytest.fixture
def events(isolation: Isolation, backend: str) -> Events:
    """The scenario's own channels, through the API this run drives (``--api``)."""
    place = isolation(backend)
    return isolation.closing(openers.open_events(place.url, place.prefix))


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
    expect([subscriber.next(10) for _ in expected], expected, "the listening agent to receive")
    expect(subscriber.next(0.2), None, "after them")


@then("nothing reaches the listening agent")
def _(subscriber: Subscription) -> None:
    """Nothing arrives within half a second."""
    expect(subscriber.next(0.5), None, "the listening agent to receive")


@when("an agent asks for events", target_fixture="outcome")
def _(isolation: Isolation, backend: str) -> Outcome:
    """Events opened on the scenario's own database (closed at the end, if ever opened)."""
    return attempt(lambda: isolation.closing(openers.open_events(isolation(backend).url)))
