"""`agentstore doctor --redis redis+cluster://...`: the cluster's state and slot coverage."""

from __future__ import annotations

import subprocess
import sys

import pytest
from test_services import wait_until

from agentstore import doctor
from agentstore.errors import BackendUnavailable
from harness.servers import redis_cluster
from harness.servers.ladder import Provisioner, free_port
from harness.servers.plugin import SERVICES


def run_doctor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agentstore.cli", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_whole_cluster_is_reported_with_its_state_and_every_slot_covered(pytestconfig):
    service = pytestconfig.stash[SERVICES].get("redis_cluster")
    if service is None or not service.available:
        pytest.skip("no Redis Cluster in this run")
    done = run_doctor("--redis", service.url)
    assert done.returncode == 0, done.stdout + done.stderr
    line = done.stdout.strip()
    assert line.startswith("redis     ok    Redis Cluster ")
    assert line.endswith("(state ok, 16384/16384 slots covered, 3 masters, 3 replicas)")


@pytest.mark.slow
def test_no_node_answering_is_one_line_without_the_password():
    url = f"redis+cluster://:hunter2@127.0.0.1:{free_port()},127.0.0.1:{free_port()}"
    done = run_doctor("--redis", url, "--timeout", "1")
    assert done.returncode == 1
    assert "redis     FAIL  Redis Cluster at redis+cluster://:***@127.0.0.1:" in done.stdout
    assert "unreachable" in done.stdout
    assert "hunter2" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_a_master_lost_without_a_replica_leaves_slots_uncovered_and_is_reported():
    """Three masters, no replicas: when one dies its third of the slots has nobody."""
    provisioner = Provisioner()
    try:
        binary = redis_cluster.cluster_binaries()[0]
        cluster = redis_cluster.spawn_cluster(provisioner, binary, replicas=0, node_timeout_ms=500)
        assert "16384/16384 slots covered" in doctor.check(cluster.url).details
        cluster.kill(cluster.masters()[0])

        def reported() -> str:
            try:
                doctor.check(cluster.url, timeout=1)
            except BackendUnavailable as error:
                return str(error)
            return ""

        assert wait_until(lambda: "not whole: state fail" in reported(), seconds=60)
        message = reported()
        assert "state fail" in message
        covered = int(message.split(" slots covered")[0].rsplit(" ", 1)[1].split("/")[0])
        assert 16384 * 0.6 < covered < 16384 * 0.7, message  # two of three masters' slots
        assert "2 masters, 0 replicas" in message
    finally:
        provisioner.stop_all()
