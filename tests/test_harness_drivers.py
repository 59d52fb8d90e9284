"""The harness's own drivers: secrets never shown, probes that give up in their time, and
the keys of a scenario deleted without opening a connection again."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from harness.isolation import redis_keys
from harness.servers import probes, redis_scan
from harness.servers.drivers import (
    connect_redis,
    database_of,
    hidden,
    libpq,
    port_of,
    shown,
    with_database,
)

REDIS = os.environ.get("AGENTSTORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("postgresql+psycopg://app:xyzzy@h/db", "xyzzy"),
        ("postgresql://h/db?password=xyzzy", "xyzzy"),
        ("postgresql://h/db?user=u&password=a@b", "a@b"),
        ("postgresql://h/db?sslmode=require&sslpassword=k3y", "k3y"),
        ("redis://h:6379/0?auth_token=t0k&x=1", "t0k"),
        ("redis://h:6379/0?client_secret=s%40ss", "s%40ss"),
        ("redis://h:6379/0?api_key=abc", "abc"),
    ],
)
def test_no_secret_of_a_url_is_shown(url: str, secret: str) -> None:
    assert secret not in shown(url)
    assert "***" in shown(url)
    said = f"cannot reach {url} (password {secret}, decoded {secret.replace('%40', '@')})"
    assert secret not in hidden(said, url)
    assert secret.replace("%40", "@") not in hidden(said, url)


def test_what_is_not_a_secret_is_shown_as_written() -> None:
    url = "postgresql://app:pw@h:5432/db?user=u&sslmode=require&application_name=a"
    assert shown(url) == "postgresql://app:***@h:5432/db?user=u&sslmode=require&application_name=a"
    assert shown("redis://h:6379/0") == "redis://h:6379/0"
    assert shown("redis+cluster://a:7000,b:7001/?password=p") == (
        "redis+cluster://a:7000,b:7001/?password=***"
    )


@pytest.fixture
def mute() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(8)
        yield int(listening.getsockname()[1])


def test_a_redis_probe_gives_up_on_a_mute_server_in_its_time(mute: int) -> None:
    started = time.monotonic()
    with pytest.raises(probes.Silent, match="unreachable"):
        probes.redis_server(f"redis://127.0.0.1:{mute}/0", timeout=0.5)
    assert time.monotonic() - started < 5


def test_a_malformed_redis_url_is_silent_not_a_crash() -> None:
    with pytest.raises(probes.Silent, match=r"Redis at .* is unreachable") as raised:
        probes.redis_server("redis://:s3cret@127.0.0.1:notaport/0", timeout=2.0)
    assert "s3cret" not in str(raised.value)


def _connections(admin: redis.Redis, name: str) -> int:
    return sum(c.get("name") == name for c in admin.client_list())


def test_deleting_a_prefix_leaves_no_connection_open(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"harness-{uuid.uuid4().hex[:8]}"
    prefix = f"t:{name}:"
    opened: list[redis.Redis] = []

    def recorded(url: str, timeout: float = 5.0) -> redis.Redis:
        opened.append(connect_redis(url, timeout))  # kept: the garbage collector closes nothing
        return opened[-1]

    monkeypatch.setattr(redis_scan, "connect_redis", recorded)
    admin = connect_redis(REDIS)
    try:
        admin.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {shown(REDIS)}")
    with admin:
        admin.mset({f"{prefix}{i}": i for i in range(3)} | {f"t:{name}-other": 1})
        url = REDIS + ("&" if "?" in REDIS else "?") + f"client_name={name}"
        assert redis_keys.delete_prefixed(url, prefix) == 3
        assert [k for k in admin.scan_iter(match=f"t:{name}*")] == [f"t:{name}-other".encode()]
        admin.delete(f"t:{name}-other")
        assert len(opened) == 1
        assert _connections(admin, name) == 0


def test_a_server_url_reads_back_the_database_and_port_put_in_it() -> None:
    """The faults harness and the scenario places read PostgreSQL URLs with these alone."""
    url = "postgresql+psycopg://postgres:p%40ss@127.0.0.1:54321/postgres?connect_timeout=5"
    clone = with_database(url, "agentstore_test_ab12_gw0_7")
    assert database_of(clone) == "agentstore_test_ab12_gw0_7"
    assert clone.endswith("/agentstore_test_ab12_gw0_7?connect_timeout=5")
    assert port_of(clone) == 54321
    assert libpq(clone).startswith("postgresql://postgres:p%40ss@")
    with pytest.raises(ValueError, match="no port in postgresql://postgres:\\*\\*\\*@h/x"):
        port_of("postgresql://postgres:secret@h/x")
