"""``agentstore doctor`` on a refused login says "authentication failed", not "unreachable",
on its FAIL line and its closing line, with the password hidden. Real servers: a Redis of the
test's own that asks for a password; the shared PostgreSQL (trust on 127.0.0.1, so the refused
login there is a role that does not exist, SQLSTATE 28000; the wrong password on a server of
its own is tests/test_doctor.py's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from agentstore.cli import main
from harness.isolation.places import Isolation
from support.platform.own_redis import own_redis

SECRET = "Pw9dTzq"


@pytest.fixture
def locked_redis(tmp_path: Path) -> Iterator[int]:
    with own_redis(tmp_path, "--requirepass", "right-one") as port:
        yield port


def doctor(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["doctor", "--timeout", "2", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("userinfo", [f":{SECRET}@", ""], ids=["wrong", "missing"])
def test_a_refused_redis_login_is_authentication_failed(
    locked_redis: int, userinfo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = doctor(capsys, "--redis", f"redis://{userinfo}127.0.0.1:{locked_redis}/0")
    assert code == 1
    assert out.startswith("redis     FAIL  authentication failed for redis://")
    assert err == "agentstore: error: authentication failed: redis\n"
    assert SECRET not in out + err


def test_a_refused_postgres_login_is_authentication_failed(
    isolation: Isolation, capsys: pytest.CaptureFixture[str]
) -> None:
    url = make_url(isolation("postgres").url)
    stranger = url.set(username="agentstore_nobody", password=SECRET).render_as_string(False)
    code, out, err = doctor(capsys, "--postgres", stranger)
    assert code == 1
    assert out.startswith("postgres  FAIL  authentication failed for postgresql+psycopg://")
    assert err == "agentstore: error: authentication failed: postgres\n"
    assert SECRET not in out + err


def test_each_cause_is_named_for_its_own_backends(
    locked_redis: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    redis_url = f"redis://:{SECRET}@127.0.0.1:{locked_redis}/0"
    code, _, err = doctor(capsys, "--redis", redis_url, "--sqlite", str(tmp_path / "none.db"))
    assert code == 1
    assert err == "agentstore: error: authentication failed: redis; unreachable: sqlite\n"
