"""Errors that name their cause: a refused login, a plain path, an unknown scheme, a schema
never migrated. Real servers: a throwaway Redis that asks for a password, and the shared
PostgreSQL (trust auth for 127.0.0.1, so a refused login is a role that does not exist:
SQLSTATE 28000, the same mapping as a wrong password's 28P01)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from agentstore import errors, open_memory
from agentstore.cli import main
from agentstore.doctor import check, check_postgres
from harness.isolation.places import Isolation
from support.platform.own_redis import own_redis

SECRET = "Zq7sEcReT"


@pytest.fixture
def locked_redis(tmp_path: Path) -> Iterator[int]:
    """A throwaway Redis on a free port that requires the password ``x``."""
    with own_redis(tmp_path, "--requirepass", "x") as port:
        yield port


@pytest.mark.parametrize(
    "userinfo",
    [f":{SECRET}@", "", f"default:{SECRET}@"],
    ids=["wrong-password", "no-password", "wrong-user-password"],
)
def test_redis_refused_login_is_authentication_failed(locked_redis: int, userinfo: str) -> None:
    url = f"redis://{userinfo}127.0.0.1:{locked_redis}/0"
    with pytest.raises(errors.AuthenticationFailed) as raised:
        open_memory(url)
    assert "authentication failed for redis://" in str(raised.value)
    assert "check the user and password" in str(raised.value)
    assert SECRET not in str(raised.value)


def test_redis_without_password_over_resp3_is_authentication_failed(locked_redis: int) -> None:
    # With RESP3 the server answers HELLO: "NOAUTH HELLO must be called ... authenticated".
    with pytest.raises(errors.AuthenticationFailed):
        open_memory(f"redis://127.0.0.1:{locked_redis}/0?protocol=3")


def test_doctor_tells_a_refused_redis_login(locked_redis: int) -> None:
    with pytest.raises(errors.AuthenticationFailed, match="authentication failed"):
        check(f"redis://:{SECRET}@127.0.0.1:{locked_redis}/0")


def test_redis_cluster_url_with_wrong_password_is_authentication_failed(
    locked_redis: int,
) -> None:
    with pytest.raises(errors.AuthenticationFailed) as raised:
        open_memory(f"redis+cluster://:{SECRET}@127.0.0.1:{locked_redis}")
    assert SECRET not in str(raised.value)


def _stranger(isolation: Isolation) -> str:
    """The test database's URL as a role that does not exist (refused: SQLSTATE 28000)."""
    url = make_url(isolation("postgres").url)
    return url.set(username="agentstore_nobody", password=SECRET).render_as_string(False)


def test_postgres_refused_login_is_authentication_failed(isolation: Isolation) -> None:
    url = _stranger(isolation)
    with pytest.raises(errors.AuthenticationFailed) as raised:
        open_memory(url)
    assert "authentication failed for postgresql+psycopg://agentstore_nobody:***@" in str(
        raised.value
    )
    assert SECRET not in str(raised.value)
    with pytest.raises(errors.AuthenticationFailed):
        check_postgres(url)


def test_cli_backup_tells_a_refused_postgres_login(isolation: Isolation, tmp_path: Path) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["backup", "--url", _stranger(isolation), "--out", str(tmp_path / "b")])
    assert code != 0
    assert "authentication failed for" in err.getvalue()
    assert SECRET not in err.getvalue()
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("path", ["/tmp/agents.db", "agents.db"])
def test_a_plain_path_suggests_sqlite_url(path: str) -> None:
    with pytest.raises(errors.InvalidURL) as raised:
        open_memory(path)
    assert str(raised.value) == (
        f"{path!r} is not a backend URL; for a SQLite file use sqlite:///<absolute path>"
    )


def test_unknown_scheme_lists_every_accepted_scheme() -> None:
    from agentstore.urls import _SCHEMES

    with pytest.raises(errors.InvalidURL) as raised:
        open_memory("mysql://u@h/db")
    for scheme in _SCHEMES:
        assert f"{scheme}://" in str(raised.value)
    assert "postgresql://" in str(raised.value)


def test_not_migrated_names_the_command(isolation: Isolation, tmp_path: Path) -> None:
    empty = isolation.new("postgres", migrated=False).url
    with pytest.raises(errors.SchemaNotMigrated, match="run `agentstore migrate up --url post"):
        open_memory(empty)
    missing = f"sqlite:///{tmp_path / 'agents.db'}"
    with pytest.raises(errors.BackendUnavailable, match="agentstore migrate up --url sqlite:///"):
        open_memory(missing)
