"""The Redis Cluster rung of the ladder: what it starts, what it says, and that it cleans up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import redis
from redis.cluster import RedisCluster
from test_services import run_suite, unreachable, wait_until

from agentstore import doctor
from agentstore.memory.redis_cluster import connect_cluster
from harness.backends import canonical
from harness.isolation.redis_keys import delete_prefixed
from harness.servers import redis_cluster, redis_scan
from harness.servers.ladder import Provisioner, free_port
from harness.servers.plugin import SERVICES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def provisioner():
    owner = Provisioner()
    yield owner
    owner.stop_all()


def node_urls(cluster: redis_cluster.ThrowawayCluster) -> list[str]:
    return [f"redis://127.0.0.1:{port}/0" for port in cluster.nodes]


@pytest.mark.parametrize("spelling", ["redis_cluster", "Redis+Cluster", "redis-cluster"])
def test_every_spelling_names_the_cluster_backend(spelling):
    assert canonical(spelling) == "redis_cluster"


def test_an_unset_environment_url_moves_on_and_local_is_never_guessed(monkeypatch, provisioner):
    monkeypatch.delenv(redis_cluster.ENV_VAR, raising=False)
    service = redis_cluster.provision(provisioner, "env")
    assert not service.available
    assert f"{redis_cluster.ENV_VAR} is not set" in service.reason
    assert "no default local port" in redis_cluster.provision(provisioner, "local").reason


def test_an_environment_url_that_does_not_answer_stops_the_ladder(monkeypatch, provisioner):
    """A URL the user set is an instruction: no throwaway cluster is started instead."""
    url = f"redis+cluster://:hunter2@127.0.0.1:{free_port()},127.0.0.1:{free_port()}"
    monkeypatch.setenv(redis_cluster.ENV_VAR, url)
    service = redis_cluster.provision(provisioner)
    assert not service.available
    assert f"{redis_cluster.ENV_VAR} does not answer" in service.reason
    assert "hunter2" not in service.reason
    assert "spawn:" not in service.reason


@pytest.mark.slow
def test_a_throwaway_cluster_has_three_masters_three_replicas_and_is_gone_after_stop(
    provisioner,
):
    cluster = redis_cluster.spawn_cluster(provisioner, redis_cluster.cluster_binaries()[0])
    report = doctor.check(cluster.url)
    assert report.backend == "redis_cluster"
    assert "state ok, 16384/16384 slots covered, 3 masters, 3 replicas" in report.details
    assert len(cluster.masters()) == 3
    for port in cluster.masters():
        with redis.Redis(port=port) as master:
            assert master.info("replication")["connected_slaves"] == 1
    urls = node_urls(cluster)
    assert not any(unreachable(url) for url in urls)
    provisioner.stop_all()
    assert wait_until(lambda: all(unreachable(url) for url in urls))
    assert not Path(cluster.home).exists()


def test_the_docker_rung_says_at_once_when_no_engine_answers(provisioner):
    from harness.servers.ladder import docker_engine_answers

    if docker_engine_answers():
        pytest.skip("a Docker engine answers here: the rung is exercised by the suite")
    service = redis_cluster.provision(provisioner, "docker")
    assert service.reason == "docker: no Docker engine answers"


@pytest.mark.slow
def test_a_killed_run_does_not_leave_its_throwaway_cluster_behind(tmp_path):
    """Even a run killed with SIGKILL has all six nodes stopped by the reaper."""
    script = tmp_path / "victim.py"
    script.write_text(
        textwrap.dedent(
            """
            import time
            from harness.servers.ladder import Provisioner
            from harness.servers import redis_cluster
            binary = redis_cluster.cluster_binaries()[0]
            cluster = redis_cluster.spawn_cluster(Provisioner(), binary)
            print(cluster.home, *cluster.nodes, flush=True)
            time.sleep(600)
            """
        )
    )
    victim = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        home, *ports = victim.stdout.readline().split()
        assert len(ports) == 6, ports
        urls = [f"redis://127.0.0.1:{port}/0" for port in ports]
        assert not any(unreachable(url) for url in urls)
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    assert wait_until(lambda: all(unreachable(url) for url in urls))
    assert wait_until(lambda: not Path(home).exists())


@pytest.fixture
def shared_cluster(pytestconfig) -> str:
    service = pytestconfig.stash[SERVICES].get("redis_cluster")
    if service is None or not service.available:
        pytest.skip("no Redis Cluster in this run")
    return service.url


def test_cleanup_deletes_the_prefix_on_every_master_and_nothing_else(shared_cluster):
    """Keys under a prefix (tagged or not) spread over all masters; others' keys survive."""
    prefix = f"agentstore_test:cleanup:{os.getpid()}:"
    client: RedisCluster = connect_cluster(shared_cluster)
    try:
        ours = [f"{prefix}{n}" for n in range(60)] + [f"{{{prefix}}}{n}" for n in range(5)]
        theirs = [f"x{prefix}{n}" for n in range(20)] + [f"{prefix[:-1]}9:{n}" for n in range(20)]
        for key in ours + theirs:
            client.set(key, "1", ex=300)
        spread = {client.get_node_from_key(key).name for key in ours}
        assert len(spread) == 3, spread  # the check below really visits every master
        assert delete_prefixed(shared_cluster, prefix) == len(ours)
        assert not any(client.exists(key) for key in ours)
        assert all(client.exists(key) for key in theirs)
    finally:
        for key in theirs:
            client.delete(key)
        client.close()


def test_the_masters_scanned_are_the_ones_redis_py_routes_to(shared_cluster):
    """Cleanup reads the masters from CLUSTER NODES, not through redis-py's cluster client:
    the same three masters, each a client of that node only."""
    client: RedisCluster = connect_cluster(shared_cluster)
    try:
        routed = sorted(node.name for node in client.get_primaries())
    finally:
        client.close()
    with redis_scan.masters(shared_cluster) as found:
        assert sorted(name for name, _ in found) == routed
        for name, server in found:
            assert server.info("replication")["role"] == "master", name
            assert f"{server.connection_pool.connection_kwargs['port']}" == name.rsplit(":")[1]


def test_a_one_node_cluster_is_cleaned_on_its_only_master(tmp_path):
    """A one-node cluster lists itself without an address (``:port@cport myself,master``):
    cleanup reaches it at the address it answered on."""
    (port,) = redis_cluster.free_node_ports(1)  # its cluster bus, port + 10000, is free too
    binary = redis_cluster.cluster_binaries()[0]
    options = f"--port {port} --bind 127.0.0.1 --cluster-enabled yes --dir {tmp_path}".split()
    server = subprocess.Popen(
        [binary, *options, "--save", ""], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        node = redis.Redis(host="127.0.0.1", port=port)
        wait_until(lambda: server.poll() is not None or _answers(node))
        assert server.poll() is None, server.communicate()[0][-2000:]
        node.execute_command("CLUSTER ADDSLOTSRANGE", 0, 16383)
        assert wait_until(lambda: node.cluster("INFO")["cluster_state"] == "ok")
        node.set("{lonely}:a", 1)
        node.set("other", 1)
        url = f"redis+cluster://127.0.0.1:{port}"
        with redis_scan.masters(url) as found:
            assert [name for name, _ in found] == [f"127.0.0.1:{port}"]
        assert delete_prefixed(url, "lonely}") == 1
        assert node.keys() == [b"other"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(node: redis.Redis) -> bool:
    try:
        return bool(node.ping())
    except redis.ConnectionError:
        return False


@pytest.mark.slow
def test_minus_m_redis_cluster_runs_only_the_cluster_rows_and_leaves_no_key(shared_cluster):
    done = run_suite(
        "features/memory",
        "-m",
        "redis_cluster",
        "-v",
        "--require-backends=redis_cluster",
        env={redis_cluster.ENV_VAR: shared_cluster},
    )
    assert "(rung: env" in done.stdout
    ran = [line for line in done.stdout.splitlines() if " PASSED" in line or " FAILED" in line]
    assert len(ran) > 20, ran
    assert all("redis_cluster" in line.split()[0] for line in ran), [
        line for line in ran if "redis_cluster" not in line.split()[0]
    ]
    run_id = done.stdout.split("agentstore run id: ")[1].split()[0]
    left = [
        found.name
        for found in redis_scan.scan(
            shared_cluster, redis_scan.holding(f"agentstore_test:{run_id}:")
        )
    ]
    assert left == [], f"{len(left)} keys left behind, e.g. {left[:3]}"


def test_a_cluster_url_from_the_environment_is_used_and_named_in_the_header(shared_cluster):
    done = run_suite("--backends=redis_cluster", env={redis_cluster.ENV_VAR: shared_cluster})
    assert done.returncode in (0, 5), done.stdout[-3000:]  # 5: this folder has no cluster rows
    header = done.stdout.split("collected")[0]
    assert "redis_cluster: 7." in header or "redis_cluster: 6." in header, header
    assert "16384/16384 slots covered, 3 masters, 3 replicas) (rung: env)" in header, header


def test_one_node_of_a_cluster_is_enough_to_find_the_rest(shared_cluster):
    first = shared_cluster.split(",")[0]
    with connect_cluster(first) as client:
        assert len(client.get_primaries()) == 3
        assert client.ping()


def test_a_plain_client_of_one_node_is_told_to_go_elsewhere(shared_cluster):
    """The cluster is really sharded: a single-node client is redirected for most keys."""
    host, port = shared_cluster.removeprefix("redis+cluster://").split(",")[0].split(":")
    with redis.Redis(host=host, port=int(port)) as node:
        moved = 0
        for n in range(30):
            try:
                node.get(f"agentstore_test:moved:{n}")
            except redis.exceptions.MovedError:
                moved += 1
    assert moved >= 10
