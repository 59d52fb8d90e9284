"""Backend URLs: recognising the backend, refusing the wrong one, never showing a password."""

import pytest

from agentstore.errors import InvalidURL
from agentstore.urls import (
    backend_of,
    expect,
    libpq_url,
    manifest_source,
    redact,
    sqlalchemy_url,
)


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


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # issue 19: the '@' in a query password no longer ends a user part
        (
            "postgresql+psycopg://u@127.0.0.1:1/x?password=t0p@s3cretValue",
            "postgresql+psycopg://u@127.0.0.1:1/x?password=***",
        ),
        ("postgresql://u@h/x?sslpassword=s3cret", "postgresql://u@h/x?sslpassword=***"),
        ("redis://h/0?auth_token=s3cret&db=1", "redis://h/0?auth_token=***&db=1"),
        ("postgresql://u@h/x?password=a%zzb", "postgresql://u@h/x?password=***"),
        ("postgresql://u:p%zz@h/x", "postgresql://u:***@h/x"),
        # a password that itself holds '?password=': everything after the user is hidden
        ("postgresql://u:ab?password=cd@h/x", "postgresql://u:***"),
        ("postgresql://u@h/x?password=a&b&sslmode=require", "postgresql://u@h/x?password=***&***&sslmode=require"),
    ],
)  # fmt: skip
def test_redact_hides_every_secret_of_the_query(url, shown):
    assert redact(url) == shown


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("postgresql+psycopg://bob:pw@db.example:5432/agents?sslmode=require&password=x",
         "postgresql+psycopg://db.example:5432/agents"),
        ("postgresql+psycopg://u@127.0.0.1:1/x?password=t0p@s3cretValue",
         "postgresql+psycopg://127.0.0.1:1/x"),
        ("postgresql://bob:Zqab/Zqcd@Zqef@h:1/agents", "postgresql://h:1/agents"),
        ("postgresql://u:ab?password=cd@h/x", "postgresql://"),
        ("redis://:s3cret@127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis+cluster://u:s3cret@h1:7000,h2:7001", "redis+cluster://h1:7000,h2:7001"),
        ("sqlite:////tmp/x.db?password=s3cret", "sqlite:////tmp/x.db"),
        ("mysql://u:s3cret@h/x", "unknown"),
    ],
)  # fmt: skip
def test_manifest_source_keeps_backend_host_and_database_only(url, source):
    assert manifest_source(url) == source


@pytest.mark.parametrize(
    "url", ["postgresql://u:ab%zzSECRET@h/x", "postgresql://u@h/x?password=%00SECRET"]
)
def test_a_bad_percent_escape_is_one_line_invalid_url_without_the_password(url):
    for convert in (libpq_url, sqlalchemy_url):
        with pytest.raises(InvalidURL) as caught:
            convert(url)
        assert "SECRET" not in str(caught.value) and "\n" not in str(caught.value)
