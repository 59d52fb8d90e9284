"""Backend URLs: recognising the backend, refusing the wrong one, never showing a password."""

import pytest

from agentstore.errors import InvalidURL
from agentstore.urls import backend_of, expect, libpq_url, redact, sqlalchemy_url


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("postgresql+psycopg://u@h/db", "postgres"),
        ("postgresql://u@h/db", "postgres"),
        ("postgres://u@h/db", "postgres"),
        ("sqlite:///tmp/x.db", "sqlite"),
        ("sqlite://", "sqlite"),
        ("redis://h:6379/0", "redis"),
        ("rediss://h:6379/0", "redis"),
    ],
)
def test_backend_of_recognises_supported_schemes(url, backend):
    assert backend_of(url) == backend


@pytest.mark.parametrize("url", ["mysql://root@h/db", "nothing-like-a-url", "", "http://x"])
def test_backend_of_refuses_unknown_schemes(url):
    with pytest.raises(InvalidURL):
        backend_of(url)


def test_redact_hides_the_password_and_keeps_the_rest():
    url = "postgresql+psycopg://bob:s3cr%40t@db.example:5432/agents?sslmode=require"
    shown = redact(url)
    assert "s3cr" not in shown
    assert shown == "postgresql+psycopg://bob:***@db.example:5432/agents?sslmode=require"
    assert redact("redis://:topsecret@127.0.0.1:6379/0") == "redis://:***@127.0.0.1:6379/0"
    assert redact("sqlite:///tmp/x.db") == "sqlite:///tmp/x.db"


def test_expect_names_both_backends_and_hides_the_password():
    with pytest.raises(InvalidURL) as caught:
        expect("redis://:pw@127.0.0.1:6379/0", "postgres")
    assert "expected a PostgreSQL URL, got a Redis URL" in str(caught.value)
    assert "pw@" not in str(caught.value)


def test_sql_urls_are_normalised_for_sqlalchemy_and_libpq():
    assert sqlalchemy_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert libpq_url("postgresql+psycopg://u@h/db") == "postgresql://u@h/db"
    assert sqlalchemy_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://u@127.0.0.1:1/x?password=s3cret",
            "postgresql+psycopg://u@127.0.0.1:1/x?password=***",
        ),
        (
            "postgresql://u@h/x?sslmode=require&PASSWORD=s3cret&application_name=a",
            "postgresql://u@h/x?sslmode=require&PASSWORD=***&application_name=a",
        ),
        ("redis://h:6379/0?password=s3cret", "redis://h:6379/0?password=***"),
        ("postgresql://u:pw@h/x?password=s3cret", "postgresql://u:***@h/x?password=***"),
    ],
)
def test_redact_hides_a_password_given_as_a_query_parameter(url, shown):
    assert redact(url) == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@h:abc/db", "postgresql://u:***@h:abc/db"),
        ("postgresql://u:pw@h:99999/db", "postgresql://u:***@h:99999/db"),
        ("redis://:pw@[::1]:6379/0", "redis://:***@[::1]:6379/0"),
    ],
)
def test_redact_never_crashes_on_a_bad_port(url, shown):
    assert redact(url) == shown
