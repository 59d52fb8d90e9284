"""No password shows in any message, whatever it holds (Hypothesis writes the passwords).

A password may hold ``#``, ``/``, ``?``, ``@``, ``:`` unescaped; parsers then disagree on
where it ends and drivers quote back what they could not read. Each generated password is
made of marked pieces ("Zq..." between such characters), and no piece may show in what
agentstore prints or raises: doctor, migrate, seed, open_memory's errors, a full pool, and
the repr of every store.
"""

from __future__ import annotations

import contextlib
import io
import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import exc

from agentstore import PoolSettings, errors, open_memory
from agentstore.cli import main
from agentstore.db.failures import driver_failure
from agentstore.memory.redis_backend import RedisMemory
from agentstore.urls import manifest_source, redact
from harness.isolation.places import Isolation

SEPARATORS = "#/?@:%&=+ ;[]!$'\"\\"
piece = st.text(string.ascii_letters + string.digits, min_size=3, max_size=6).map("Zq".__add__)
passwords = st.lists(
    st.tuples(st.sampled_from(["", *SEPARATORS]), piece), min_size=1, max_size=4
).map(lambda parts: "".join(sep + text for sep, text in parts))
escaped = st.booleans()

UNREACHABLE_PG = "postgresql+psycopg://bob:{pw}@127.0.0.1:1/agents"
UNREACHABLE_REDIS = "redis://bob:{pw}@127.0.0.1:1/0"
SLOW = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def pieces(password: str) -> list[str]:
    out, current = [], ""
    for char in password:
        if char in SEPARATORS:
            out.append(current)
            current = ""
        else:
            current += char
    return [p for p in [*out, current] if p]


def assert_hidden(password: str, shown: str) -> None:
    for secret in pieces(password):
        assert secret not in shown, f"{secret!r} of the password shows in: {shown}"


def url_for(template: str, password: str, escape: bool) -> str:
    return template.format(pw=quote(password, safe="") if escape else password)


def cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        main(list(argv))
    return out.getvalue() + err.getvalue()


@SLOW
@given(password=passwords, escape=escaped)
def test_redact_hides_every_piece_of_the_password(password: str, escape: bool) -> None:
    for template in (UNREACHABLE_PG, UNREACHABLE_REDIS, *QUERY_TEMPLATES):
        assert_hidden(password, redact(url_for(template, password, escape)))


#: Secrets given as query parameters (issue 19): any name holding pass/secret/token/key.
QUERY_TEMPLATES = (
    "postgresql://h/db?password={pw}",
    "postgresql+psycopg://u@127.0.0.1:1/x?sslmode=require&password={pw}&application_name=a",
    "postgresql://u@h:5432/db?sslpassword={pw}",
    "redis://127.0.0.1:1/0?password={pw}",
    "redis://h/0?db=1&auth_token={pw}",
    "postgresql://bob:{pw}@h:1/db?password={pw}",
)


@SLOW
@given(password=passwords, escape=escaped)
@example(password="@Zq0p@Zqs3cretValue", escape=False)  # issue 19: ?password=t0p@s3cretValue
def test_manifest_source_holds_no_piece_of_any_secret(password: str, escape: bool) -> None:
    for template in (UNREACHABLE_PG, UNREACHABLE_REDIS, *QUERY_TEMPLATES):
        assert_hidden(password, manifest_source(url_for(template, password, escape)))


@SLOW
@given(password=passwords, escape=escaped)
@example(password="@Zq0p@Zqs3cretValue", escape=False)
def test_commands_never_show_a_query_password(password: str, escape: bool) -> None:
    pg = "postgresql+psycopg://bob@127.0.0.1:1/agents?password={pw}"
    redis_url = url_for("redis://127.0.0.1:1/0?password={pw}", password, escape)
    url = url_for(pg, password, escape)
    shown = cli("doctor", "--postgres", url, "--redis", redis_url, "--timeout", "1")
    assert "FAIL" in shown
    assert_hidden(password, shown)
    assert_hidden(password, cli("migrate", "current", "--url", url))
    assert_hidden(password, cli("backup", "--url", url, "--out", "/nonexistent/b.zip"))
    assert_hidden(password, cli("export", "--url", url, "--out", "/nonexistent/e.zip"))


@SLOW
@given(password=passwords, escape=escaped)
@example(password="@Zq000:Zq000", escape=False)  # a port that is no number
@example(password="?Zq000=Zq000", escape=False)  # a query parameter redis-py meets on connect
def test_doctor_never_shows_the_password(password: str, escape: bool) -> None:
    shown = cli(
        "doctor",
        "--postgres",
        url_for(UNREACHABLE_PG, password, escape),
        "--redis",
        url_for(UNREACHABLE_REDIS, password, escape),
        "--timeout",
        "1",
    )
    assert "FAIL" in shown
    assert_hidden(password, shown)


@SLOW
@given(password=passwords, escape=escaped)
@example(password="@Zq000:Zq000", escape=False)  # a port that is no number
def test_migrate_and_seed_never_show_the_password(password: str, escape: bool) -> None:
    url = url_for(UNREACHABLE_PG, password, escape)
    assert_hidden(password, cli("migrate", "current", "--url", url))
    assert_hidden(password, cli("seed", "--url", url, "--agents", "1", "--executions", "0"))


@SLOW
@given(password=passwords, escape=escaped)
@example(password="@Zq000:Zq000", escape=False)  # a port that is no number
def test_open_memory_errors_never_show_the_password(password: str, escape: bool) -> None:
    for template in (UNREACHABLE_PG, UNREACHABLE_REDIS):
        with pytest.raises(errors.AgentstoreError) as raised:
            open_memory(url_for(template, password, escape))
        assert "\n" not in str(raised.value)
        assert_hidden(password, f"{raised.value} {raised.value!r}")


@SLOW
@given(password=passwords)
def test_a_full_pool_never_shows_the_password(password: str) -> None:
    url = url_for(UNREACHABLE_PG, password, escape=False)
    assert_hidden(password, str(driver_failure(exc.TimeoutError(), url, 0.1)))


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(password=passwords)
def test_a_real_store_never_shows_its_password(isolation: Isolation, password: str) -> None:
    """The local PostgreSQL trusts its clients, so any password gets in: the store is real."""
    place = isolation("postgres")
    url = place.url.replace("postgres@", f"postgres:{quote(password, safe='')}@", 1)
    settings_ = PoolSettings(pool_size=1, max_overflow=0, pool_timeout=0.05)
    with open_memory(url, prefix=place.prefix, pool=settings_) as memory:
        assert_hidden(password, repr(memory))
        held = memory._engine.pool.connect()  # type: ignore[attr-defined]
        try:
            with pytest.raises(errors.PoolExhausted) as raised:
                memory.retrieve("aqe/x")
        finally:
            held.close()
        assert_hidden(password, str(raised.value))


@SLOW
@given(password=passwords, escape=escaped)
def test_the_repr_of_a_redis_store_never_shows_the_password(password: str, escape: bool) -> None:
    store = RedisMemory.__new__(RedisMemory)  # repr needs no server: only the URL and names
    store.url, store.namespace, store.prefix = (
        url_for(UNREACHABLE_REDIS, password, escape),
        "aqe",
        "",
    )
    assert_hidden(password, repr(store))


def _with_secret(url: str, how: str, password: str) -> str:
    if how == "userinfo":
        return url.replace("postgres@", f"postgres:{quote(password, safe='')}@", 1)
    return f"{url}?password={password}"


def _manifest_and_output(tmp_path, *argv: str) -> str:
    out = cli(*argv)
    target = argv[argv.index("--out") + 1]
    import zipfile

    with zipfile.ZipFile(target) as archive:
        return out + archive.read("manifest.json").decode()


@pytest.mark.parametrize(
    ("backend", "how"), [("postgres", "userinfo"), ("postgres", "query"), ("sqlite", "query")]
)
@pytest.mark.filterwarnings("ignore:Query string argument")
def test_a_real_backup_and_export_keep_no_password(
    isolation: Isolation, tmp_path, backend: str, how: str
) -> None:
    """Issue 19: ``source_url`` kept ``?password=`` in the manifest; now it keeps none."""
    place = isolation(backend)
    secret = "t0p@s3cretValue" if how == "query" and backend == "postgres" else "t0ps3cretValue"
    url = _with_secret(place.url, how, secret)
    shown = _manifest_and_output(tmp_path, "backup", "--url", url, "--out", str(tmp_path / "b.zip"))
    assert "backup: " in shown
    if backend == "sqlite" or how == "userinfo":  # SQLAlchemy reads no '@' in a query value
        shown += _manifest_and_output(
            tmp_path, "export", "--url", url, "--out", str(tmp_path / "e.zip")
        )
        assert "export: " in shown
    for piece in ("t0p", "s3cretValue"):
        assert piece not in shown
