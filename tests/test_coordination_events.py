"""Events: at-most-once publish/subscribe on Redis and PostgreSQL; SQLite refuses, saying so."""

from __future__ import annotations

import pytest

from agentstore import errors, open_events
from agentstore.coordination import Events
from harness.isolation.places import Isolated, Isolation


@pytest.fixture(params=["postgres", "redis", "redis_cluster"])
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


@pytest.fixture
def events(place: Isolated, isolation: Isolation) -> Events:
    return isolation.closing(open_events(place.url, prefix=place.prefix))


def test_a_subscriber_receives_what_is_published_in_order(events: Events) -> None:
    with events.subscribe("tasks") as sub:
        for n in range(5):
            events.publish("tasks", {"n": n, "text": "café"})
        assert [sub.next(5) for _ in range(5)] == [{"n": n, "text": "café"} for n in range(5)]
        assert sub.next(0.1) is None


def test_an_event_published_while_nobody_listens_is_missed(events: Events) -> None:
    events.publish("tasks", "early")
    with events.subscribe("tasks") as sub:
        assert sub.next(0.3) is None
        events.publish("tasks", "late")
        assert sub.next(5) == "late"


def test_channels_and_prefixes_keep_events_apart(place: Isolated, isolation: Isolation) -> None:
    mine = isolation.closing(open_events(place.url, prefix=place.prefix + "a:"))
    theirs = isolation.closing(open_events(place.url, prefix=place.prefix + "b:"))
    with mine.subscribe("news") as sub:
        theirs.publish("news", "not for me")
        mine.publish("other", "not this channel")
        mine.publish("news", "mine")
        assert sub.next(5) == "mine"
        assert sub.next(0.2) is None


@pytest.mark.parametrize(
    ("channel", "payload", "kind"),
    [
        ("", "x", errors.InvalidName),
        ("nl\n", "x", errors.InvalidName),
        ("ok", None, errors.InvalidValue),
        ("ok", {1, 2}, errors.InvalidValue),
        ("ok", float("nan"), errors.InvalidValue),
    ],
)
def test_bad_events_are_refused_and_nothing_is_sent(
    events: Events, channel: str, payload: object, kind: type
) -> None:
    with events.subscribe("ok") as sub:
        with pytest.raises(kind):
            events.publish(channel, payload)
        assert sub.next(0.2) is None


def test_postgres_refuses_a_payload_over_its_limit(isolation: Isolation) -> None:
    events = isolation.closing(open_events(isolation("postgres").url))
    with pytest.raises(errors.InvalidValue, match="7999 bytes"):
        events.publish("big", "x" * 8000)


def test_sqlite_offers_no_events_and_says_to_use_the_queue(isolation: Isolation) -> None:
    with pytest.raises(errors.Unsupported, match="queue"):
        open_events(isolation("sqlite").url)
