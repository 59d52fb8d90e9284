"""What a SQL driver's failure means, told alike by the sync and the asyncio API, on real
servers: a server that cannot be reached, with the password hidden even when the driver
quotes part of it, and a connection the server terminated (``pg_terminate_backend``)."""

from __future__ import annotations

import configparser
import csv
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from agentstore import asyncio as aio
from agentstore import errors, open_events, open_leases, open_memory, open_queue
from agentstore.db.failures import driver_failure, raise_meaning
from harness.isolation.places import Isolation
from support.memory.recovery import terminate_postgres_sessions

#: A password on a port nobody listens on; and one with an unescaped ``@``, which libpq
#: splits so that the host it fails to resolve quotes the end of the password.
REFUSED = "postgresql+psycopg://postgres:s3cretPassWord@127.0.0.1:1/agentstore"
MALFORMED = "postgresql+psycopg://postgres:pa@ssword-x@127.0.0.1:1/agentstore"
SECRETS = ("s3cretPassWord", "ssword-x", "word-x")
#: Connection settings libpq refuses before it connects (it raises ProgrammingError, not
#: OperationalError): an unknown option, and a host it cannot parse, which it quotes whole.
UNKNOWN_OPTION = REFUSED + "?bogus=1"
UNPARSABLE_HOST = "postgresql+psycopg://postgres:s3cretPassWord@[::1]x:5432/agentstore"
URLS = [REFUSED, MALFORMED, UNKNOWN_OPTION, UNPARSABLE_HOST]
URL_IDS = ["refused", "malformed", "unknown-option", "unparsable-host"]


def _subscribe(url: str) -> None:
    with open_events(url).subscribe("news"):
        pass


async def _subscribe_async(url: str) -> None:
    events = await aio.open_events(url)
    async with events.subscribe("news"):
        pass


SYNC: dict[str, Callable[[str], Any]] = {
    "memory": open_memory,
    "queue": lambda url: open_queue(url, "tasks"),
    "leases": open_leases,
    "events": _subscribe,
}
ASYNC: dict[str, Callable[[str], Awaitable[Any]]] = {
    "memory": lambda url: aio.open_memory(url),
    "queue": lambda url: aio.open_queue(url, "tasks"),
    "leases": lambda url: aio.open_leases(url),
    "events": _subscribe_async,
}


def _unreachable(said: str) -> None:
    assert said.startswith("cannot reach postgresql+psycopg://postgres:***@"), said
    assert "\n" not in said
    assert not any(secret in said for secret in SECRETS), said


@pytest.mark.parametrize("url", URLS, ids=URL_IDS)
@pytest.mark.parametrize("kind", sorted(SYNC))
def test_sync_unreachable_server_is_named_without_its_password(kind: str, url: str) -> None:
    with pytest.raises(errors.BackendUnavailable) as caught:
        SYNC[kind](url)
    _unreachable(str(caught.value))


@pytest.mark.asyncio
@pytest.mark.parametrize("url", URLS, ids=URL_IDS)
@pytest.mark.parametrize("kind", sorted(ASYNC))
async def test_async_unreachable_server_is_named_without_its_password(kind: str, url: str) -> None:
    with pytest.raises(errors.BackendUnavailable) as caught:
        await ASYNC[kind](url)
    _unreachable(str(caught.value))


def _lost(said: str, url: str) -> None:
    assert said.startswith("lost the connection to postgresql+psycopg://"), said
    assert "\n" not in said


def test_sync_queue_says_it_lost_a_terminated_connection(isolation: Isolation) -> None:
    place = isolation("postgres")
    queue = open_queue(place.url, "tasks", prefix=place.prefix)
    try:
        queue.enqueue({"n": 1})
        assert terminate_postgres_sessions(place.url) >= 1
        with pytest.raises(errors.BackendUnavailable) as caught:
            queue.enqueue({"n": 2})
        _lost(str(caught.value), place.url)
        queue.enqueue({"n": 3})  # the next call connects again
        assert queue.stats()["ready"] == 2
    finally:
        queue.close()


@pytest.mark.asyncio
async def test_async_queue_says_it_lost_a_terminated_connection(isolation: Isolation) -> None:
    place = isolation("postgres")
    async with aio.open_queue(place.url, "tasks", prefix=place.prefix) as queue:
        await queue.enqueue({"n": 1})
        assert terminate_postgres_sessions(place.url) >= 1
        with pytest.raises(errors.BackendUnavailable) as caught:
            await queue.enqueue({"n": 2})
        _lost(str(caught.value), place.url)
        await queue.enqueue({"n": 3})
        assert (await queue.stats())["ready"] == 2


@pytest.mark.parametrize("error", [csv.Error("boom"), configparser.Error("boom")], ids=repr)
def test_an_error_no_database_driver_raised_is_left_as_it_is(error: Exception) -> None:
    """Only psycopg's and sqlite3's errors are database failures, whatever else is named Error."""
    assert driver_failure(error, REFUSED, lost=True) is None


@pytest.mark.parametrize("meaning", ["none", "itself", "another"])
def test_a_failure_is_raised_as_what_it_means_and_never_as_its_own_cause(meaning: str) -> None:
    """Every SQL driver raises through ``raise_meaning``: a translation is caused by the
    driver's error; an error that means nothing more (``None``, or itself, as
    ``driver_failure`` gives an agentstore error back) is raised as it was."""
    error = errors.BackendUnavailable("cannot reach the database")
    translated = errors.WriteConflict("kept conflicting")
    given = {"none": None, "itself": error, "another": translated}[meaning]
    with pytest.raises(errors.AgentstoreError) as caught:
        raise_meaning(error, given)
    expected = translated if meaning == "another" else error
    assert caught.value is expected
    assert caught.value.__cause__ is (error if meaning == "another" else None)
