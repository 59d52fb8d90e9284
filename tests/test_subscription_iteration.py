"""``for event in subscription`` reads events as ``next()`` does, on every backend with events."""

from __future__ import annotations

import pytest

from agentstore import open_events
from agentstore.coordination import Events
from harness.isolation.places import Isolated, Isolation


@pytest.fixture(params=["postgres", "redis", "redis_cluster"])
def events(request: pytest.FixtureRequest, isolation: Isolation) -> Events:
    place: Isolated = isolation(request.param)
    return isolation.closing(open_events(place.url, prefix=place.prefix))


def test_iterating_a_subscription_yields_each_event_in_order(events: Events) -> None:
    with events.subscribe("builds") as subscription:
        for n in range(3):
            events.publish("builds", {"build": n})
        seen = []
        for event in subscription:
            seen.append(event)
            if len(seen) == 3:
                break
        assert seen == [{"build": 0}, {"build": 1}, {"build": 2}]
        events.publish("builds", "after the loop")
        assert subscription.next(5) == "after the loop"


def test_iteration_and_next_share_one_stream(events: Events) -> None:
    with events.subscribe("builds") as subscription:
        events.publish("builds", 1)
        events.publish("builds", 2)
        assert subscription.next(5) == 1
        assert next(iter(subscription)) == 2
        assert subscription.next(0.1) is None
