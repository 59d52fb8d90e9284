"""``BackendURL``: a URL read once, at the edge, into everything the drivers and messages need.

Its fields per scheme; its shown forms never holding the password; and the openers giving the
same store for the value as for the string (against the real servers, through ``isolation``).
"""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import agentstore
from agentstore import BackendURL, errors, open_leases, open_memory, open_queue, parse_url
from agentstore.asyncio import open_memory as open_async_memory
from agentstore.asyncio import open_queue as open_async_queue
from agentstore.urls import parse, sqlite_file, unusable
from harness.isolation.places import Isolated, Isolation


@pytest.mark.parametrize(
    ("url", "backend", "sync", "aio", "libpq"),
    [
        (
            "postgresql://bob:pw@db:5432/agents",
            "postgres",
            "postgresql+psycopg://bob:pw@db:5432/agents",
            "postgresql+psycopg://bob:pw@db:5432/agents",
            "postgresql://bob:pw@db:5432/agents",
        ),
        (
            "postgresql+psycopg://bob@db/agents?sslmode=require",
            "postgres",
            "postgresql+psycopg://bob@db/agents?sslmode=require",
            "postgresql+psycopg://bob@db/agents?sslmode=require",
            "postgresql://bob@db/agents?sslmode=require",
        ),
        (
            "postgres://db/agents",
            "postgres",
            "postgresql+psycopg://db/agents",
            "postgresql+psycopg://db/agents",
            "postgresql://db/agents",
        ),
        (
            "sqlite:////tmp/a.db",
            "sqlite",
            "sqlite:////tmp/a.db",
            "sqlite+aiosqlite:////tmp/a.db",
            None,
        ),
        ("sqlite://", "sqlite", "sqlite://", "sqlite+aiosqlite://", None),
    ],
)
def test_a_sql_url_knows_its_backend_and_driver_forms(url, backend, sync, aio, libpq):
    found = parse_url(url)
    assert (found.backend, found.sqlalchemy, found.sqlalchemy_async) == (backend, sync, aio)
    if libpq is None:
        with pytest.raises(TypeError):
            found.libpq  # noqa: B018 - a SQLite URL has no libpq form
    else:
        assert found.libpq == libpq


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////tmp/agents.db", Path("/tmp/agents.db")),
        ("sqlite+pysqlite:///relative.db", Path("relative.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("redis://h:6379/0", None),
    ],
)
def test_the_sqlite_path_is_the_file_or_none(url, path):
    assert parse_url(url).sqlite_path == path


@pytest.mark.parametrize(
    ("url", "backend", "nodes", "ssl"),
    [
        ("redis://:pw@h:6379/0", "redis", None, None),
        ("rediss://:pw@h:6380/1", "redis", None, None),
        ("unix:///tmp/redis.sock", "redis", None, None),
        ("redis+cluster://:pw@a:7000,b", "redis_cluster", (("a", 7000), ("b", 6379)), False),
        ("rediss+cluster://u:pw@[::1]:7001/0", "redis_cluster", (("::1", 7001),), True),
    ],
)
def test_a_redis_url_knows_its_backend_and_cluster_nodes(url, backend, nodes, ssl):
    found = parse_url(url)
    assert (found.backend, found.raw) == (backend, url)
    assert "pw" not in found.redacted
    if nodes is None:
        for form in ("sqlalchemy", "libpq", "nodes"):
            with pytest.raises(TypeError):
                getattr(found, form)
    else:
        assert (found.nodes, found.cluster.ssl, found.cluster.password) == (nodes, ssl, "pw")


def test_a_value_is_read_once_and_passes_through_unchanged():
    found = parse_url("redis://:pw@h:6379/0")
    assert parse_url(found) is found
    assert pickle.loads(pickle.dumps(found)) == found
    with pytest.raises(errors.InvalidURL, match="expected a PostgreSQL URL, got a Redis URL"):
        agentstore.urls.parse(found, "postgres")


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root:pw@h/db",
        "no-scheme",
        "postgresql://u:pw%zz@h/db",
        "postgresql://u:pw@h:port/db",
        "redis+cluster://:pw@a:7000/3",
    ],
)
def test_a_bad_url_is_one_invalid_url_without_the_password(url):
    with pytest.raises(errors.InvalidURL) as caught:
        parse_url(url)
    assert "pw" not in str(caught.value) and "\n" not in str(caught.value)


PASSWORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"])
    | st.sampled_from("@:/?#&=%+ "),
    min_size=4,
    max_size=24,
).filter(lambda text: text.strip() == text and len(set(text)) > 2)


@settings(max_examples=300, deadline=None)
@given(password=PASSWORDS, scheme=st.sampled_from(["postgresql", "redis", "redis+cluster"]))
def test_the_shown_forms_never_hold_the_password(password, scheme):
    def shown(secret: str) -> list[str]:
        found = parse_url(f"{scheme}://ada:{quote(secret, safe='')}@db.example:7000/0")
        cluster = repr(found.cluster) if scheme == "redis+cluster" else ""
        return [found.redacted, str(found), repr(found), f"{found}", cluster]

    url = f"{scheme}://ada:{quote(password, safe='')}@db.example:7000/0"
    found = parse_url(url)
    # What is shown does not depend on the password at all: the same as for another one
    # (a plain "not in" would trip on a password such as "Fals" inside "ssl=False").
    assert shown(password) == shown("an0ther-secret")
    assert password in found.secrets


@settings(max_examples=200, deadline=None)
@given(password=PASSWORDS)
def test_a_raw_password_with_special_characters_is_hidden_too(password):
    url = f"postgresql://ada:{password}@db.example:5432/agents"
    # The frame every shown form has, password aside: a password such as "Back" is in it anyway.
    assume(password not in "BackendURL('postgresql://ada:***@db.example:5432/agents')")
    try:
        found = parse_url(url)
    except errors.InvalidURL as error:  # a '%' that is no escape: refused, still hidden
        assert password not in str(error)
        return
    assert password not in found.redacted and password not in repr(found)


# The openers: the value and the string open the same store.

BACKENDS = ["postgres", "sqlite", "redis", "redis_cluster"]


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


def test_a_memory_opened_with_the_value_is_the_one_opened_with_the_string(place: Isolated):
    value = parse_url(place.url)
    with open_memory(value, prefix=place.prefix) as by_value:
        by_value.store("aqe/goal", {"ship": [1, 2]}, ttl=60)
        assert by_value.url == value
        with open_memory(place.url, prefix=place.prefix) as by_text:
            assert by_text.retrieve("aqe/goal") == {"ship": [1, 2]}
    assert value.redacted in repr(by_value)


def test_a_queue_and_leases_opened_with_the_value_work_as_with_the_string(place: Isolated):
    value = parse_url(place.url)
    with (
        open_queue(value, "work", prefix=place.prefix) as by_value,
        open_queue(place.url, "work", prefix=place.prefix) as by_text,
    ):
        job_id = by_value.enqueue({"task": "index"})
        job = by_text.claim("ada")
        assert job is not None and (job.id, job.payload) == (job_id, {"task": "index"})
    with open_leases(value, prefix=place.prefix) as leases:
        lease = leases.acquire("nightly", "ada", 30)
        assert lease is not None and leases.release(lease)


def test_the_asyncio_openers_take_the_value_too(place: Isolated):
    value = parse_url(place.url)

    async def scenario() -> tuple[object, object]:
        async with open_async_memory(value, prefix=place.prefix) as memory:
            await memory.store("aqe/fact", "the sky is blue")
        async with open_async_queue(value, "work", prefix=place.prefix) as queue:
            await queue.enqueue("a job")
        with open_memory(place.url, prefix=place.prefix) as memory:
            fact = memory.retrieve("aqe/fact")
        with open_queue(place.url, "work", prefix=place.prefix) as queue:
            job = queue.claim("ada")
        return fact, job.payload if job else None

    assert asyncio.run(scenario()) == ("the sky is blue", "a job")


def test_a_wrong_value_fails_at_once_as_the_string_does():
    value = parse_url("sqlite://")
    with pytest.raises(errors.Unsupported):
        agentstore.open_events(value)
    assert isinstance(value, BackendURL)


@pytest.mark.parametrize("secret", ["se/cret-pass", "pa?ss-word", "x@y/z?w-pass"])
def test_a_cluster_password_holding_a_slash_or_question_mark_is_read_whole(secret):
    """Review: ``redis+cluster://:se/cret@h:7000`` quoted "cret" in its error."""
    found = parse_url(f"redis+cluster://:{secret}@h:7000")
    assert found.cluster.password == secret
    assert secret not in repr(found) and secret not in found.redacted


def test_an_in_memory_database_where_a_file_is_needed_is_an_invalid_url() -> None:
    with pytest.raises(errors.InvalidURL, match=r"^a backup needs a SQLite file, not an in-memory"):
        sqlite_file(parse("sqlite://"), "a backup")
    assert sqlite_file(parse("sqlite:////tmp/a.db"), "a backup").name == "a.db"


def test_a_url_its_driver_cannot_use_is_named_without_its_password() -> None:
    url = "redis://u:hunter22@host:6379/0"
    error = unusable(url, "redis", "bad port near 'hunter22@host'")
    assert str(error).startswith("not a usable Redis URL redis://u:***@host:6379/0: ")
    assert "hunter22" not in str(error)
    assert (
        str(unusable(url, "postgres")) == "not a usable PostgreSQL URL: redis://u:***@host:6379/0"
    )
