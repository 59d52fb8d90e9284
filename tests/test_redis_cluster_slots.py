"""The Redis memory keeps one store in one Cluster slot and declares every name it touches.

A throwaway redis-server in cluster mode (one node holding every slot) refuses a script that
touches a name in another slot than the names it declared, which the memory's scripts used
to do. The store's whole API runs there, and all its names share one slot. Also: the work of
one script is bounded (listing a large store takes several small scripts), and a batch is
all or nothing at any size.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest
import redis

from agentstore import open_memory
from harness.isolation.places import Isolation
from harness.servers.redis_cluster import free_node_ports

CLUSTER_SLOTS = 16384


@pytest.fixture(scope="module")
def cluster_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server binary for a throwaway cluster node")
    home = tempfile.mkdtemp(prefix="agentstore-redis-cluster-")
    [port] = free_node_ports(1)  # its cluster bus (port + 10000) must be free and exist too
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--cluster-enabled", "yes", "--cluster-config-file", f"{home}/nodes.conf",
         "--dir", home, "--logfile", f"{home}/server.log"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        client = redis.Redis(port=port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.execute_command("CLUSTER", "ADDSLOTS", *range(CLUSTER_SLOTS))
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        while client.cluster("info")["cluster_state"] != "ok":
            assert time.monotonic() < deadline, "the cluster node never became ready"
            time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


def test_the_whole_api_runs_on_a_cluster_node_with_one_slot_per_store(cluster_url: str) -> None:
    with open_memory(cluster_url, prefix="team-a:") as memory:
        memory.store("aqe/a", 1, partition="p")
        memory.store_many({f"aqe/b/{i}": i for i in range(30)}, partition="q")
        assert memory.increment("aqe/n") == 1
        assert memory.compare_and_set("aqe/a", 1, 2)
        assert memory.retrieve_many(["aqe/a", "aqe/b/3"]) == {"aqe/a": 2, "aqe/b/3": 3}
        assert memory.search("aqe/b/1*") == {f"aqe/b/{i}": i for i in [1, *range(10, 20)]}
        assert len(memory.list_keys("aqe/b/", partition="q")) == 30
        assert memory.stats().partitions == {"default": 1, "p": 1, "q": 30}
        assert memory.delete("aqe/a")
        assert memory.clear_partition("q") == 30
        assert memory.cleanup_expired() == 0
        client = redis.Redis.from_url(cluster_url)
        names = list(client.scan_iter(match="team-a:*"))
        slots = {client.cluster("keyslot", name) for name in names}
        client.close()
        assert len(names) >= 2 and len(slots) == 1


def test_listing_a_large_store_takes_several_bounded_scripts(cluster_url: str) -> None:
    """On the throwaway server, where nobody else runs scripts to blur the count."""
    with open_memory(cluster_url, prefix="team-b:") as memory:
        memory.store_many({f"aqe/k/{i:05d}": i for i in range(2500)})
        memory.stats()  # loads the scripts: a first call may take extra round trips for that
        client = redis.Redis.from_url(cluster_url)
        before = client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0)
        assert memory.stats().keys == 2500
        calls = client.info("commandstats")["cmdstat_evalsha"]["calls"] - before
        client.close()
        assert calls >= 3  # at most 1000 keys a script: 2500 keys need three or more


def test_a_batch_above_a_thousand_keys_is_all_or_nothing(isolation: Isolation) -> None:
    """A batch whose last chunk fails leaves nothing of the others behind."""
    place = isolation("redis")
    with open_memory(place.url, prefix=place.prefix) as memory:
        pipe_class = type(memory._client.pipeline(transaction=True))  # type: ignore[attr-defined]
        original = pipe_class.execute

        def fail_in_the_middle(self: redis.client.Pipeline, *args: object) -> object:
            self.execute_command("SET")  # a command the server refuses, queued last
            return original(self, *args)

        pipe_class.execute = fail_in_the_middle  # type: ignore[method-assign]
        try:
            with pytest.raises(redis.ResponseError):
                memory.store_many({f"aqe/big/{i}": i for i in range(2500)})
        finally:
            pipe_class.execute = original  # type: ignore[method-assign]
        assert memory.list_keys("aqe/big/") == []
