"""A Redis backup or export keeps the memory of the prefix it is given, and one that would
hold nothing while the server holds memory under other prefixes is refused, no file written.

A throwaway Redis (its own port, nothing else in it) makes "what the server holds" exact."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentstore import errors, open_memory
from agentstore.backup import redis_scope
from agentstore.cli import main
from agentstore.memory.redis_backend import connect
from agentstore.memory.redis_scripts import layout
from harness.isolation.places import Isolation
from support.platform import own_redis as own_redis_server


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[str]:
    """The URL of a throwaway, empty Redis on a free port."""
    with own_redis_server.own_redis(tmp_path) as port:
        yield f"redis://127.0.0.1:{port}/0"


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _facts(url: str, prefix: str, count: int) -> dict[str, int]:
    facts = {f"aqe/facts/{n}": n for n in range(count)}
    with open_memory(url, prefix=prefix) as store:
        store.store_many(facts)
    return facts


@pytest.mark.parametrize("command", ["backup", "export"])
def test_a_backup_of_nothing_is_refused_and_names_the_prefix(
    own_redis: str, tmp_path: Path, command: str
) -> None:
    _facts(own_redis, "team-a", 50)
    out = tmp_path / "nothing.agentstore"
    code, _printed, err = _cli(command, "--url", own_redis, "--out", str(out))
    assert code != 0
    assert err.strip().splitlines() == [
        f"agentstore: error: {own_redis} holds no memory under namespace 'aqe' and prefix '': "
        "it holds 50 entries under prefix 'team-a'; add --prefix team-a"
    ]
    assert not out.exists()


def test_an_empty_server_still_backs_up(own_redis: str, tmp_path: Path) -> None:
    code, _printed, _ = _cli("backup", "--url", own_redis, "--out", str(tmp_path / "b"))
    assert code == 0 and (tmp_path / "b").exists()


def test_a_redis_backup_with_a_prefix_brings_its_facts_back(own_redis: str, tmp_path: Path) -> None:
    facts = _facts(own_redis, "team-a", 50)
    _facts(own_redis, "team-b", 3)  # another team's memory: not in this backup
    out = tmp_path / "team-a.agentstore"
    code, _, err = _cli("backup", "--url", own_redis, "--out", str(out), "--prefix", "team-a")
    assert code == 0, err
    target = own_redis.replace("/0", "/1")
    code, _printed, err = _cli("restore", "--url", target, "--input", str(out))
    assert code == 0, err
    with open_memory(target, prefix="team-a") as store:
        assert store.retrieve_many(list(facts)) == facts
        assert len(store.list_keys()) == 50
    with open_memory(target, prefix="team-b") as store:
        assert store.list_keys() == []


def test_the_scan_reads_prefix_and_namespace_back_from_the_index_name() -> None:
    for namespace, prefix in [("aqe", ""), ("aqe", "team-a"), ("x", "a{b}c:"), ("n", "{t}")]:
        assert redis_scope.parse_index(layout(namespace, prefix)[1]) == (namespace, prefix)
    assert redis_scope.parse_index("user:keys") is None


def test_a_sql_backup_refuses_a_prefix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert main(["migrate", "up", "--url", url]) == 0
    with pytest.raises(errors.InvalidOption, match="Redis backup only"):
        from agentstore.backup import backup

        backup(url, tmp_path / "b", prefix="team-a")


@pytest.mark.parametrize("backend", ["redis", "redis_cluster"])
def test_the_scan_finds_a_store_on_a_shared_server(isolation: Isolation, backend: str) -> None:
    place = isolation(backend)
    prefix = place.prefix + "{team-a}"
    _facts(place.url, prefix, 5)
    client = connect(place.url)
    try:
        found = redis_scope.stores(client)
    finally:
        client.close()
    assert redis_scope.Store("aqe", prefix, 5) in found
