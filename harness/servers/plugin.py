"""pytest wiring for the harness: options, provisioning once per run, the header, selection.

The controller process walks the provisioning ladder once; pytest-xdist workers receive the
result through ``workerinput`` and never start servers of their own.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest

from harness.backends import BACKENDS, SERVER_BACKENDS, UnknownBackend, parse_list
from harness.servers import redis_cluster
from harness.servers.ladder import RUNGS, Provisioner, Service

SERVICES = pytest.StashKey[dict[str, Service]]()
PROVISIONER = pytest.StashKey[Provisioner]()
RUN_ID = pytest.StashKey[str]()


def backend_names(value: str, option: str) -> list[str]:
    """Parse a comma-separated list of backend names; an unknown name is a usage error."""
    try:
        return parse_list(value)
    except UnknownBackend as error:
        raise pytest.UsageError(f"{option}: {error}") from None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("agentstore", "agentstore backends")
    group.addoption(
        "--backends",
        default=",".join(BACKENDS),
        help=f"comma-separated backends to run: {','.join(BACKENDS)} (default: all)",
    )
    group.addoption(
        "--require-backends",
        default="",
        metavar="BACKENDS",
        help="fail at once, instead of skipping, when one of these is unavailable",
    )
    group.addoption(
        "--services",
        default=None,
        choices=RUNGS,
        help="force one provisioning rung for every server: " + "|".join(RUNGS),
    )


def pytest_configure(config: pytest.Config) -> None:
    selected = backend_names(config.getoption("backends"), "--backends")
    required = backend_names(config.getoption("require_backends"), "--require-backends")
    worker_input = getattr(config, "workerinput", None)
    if worker_input is not None:
        config.stash[RUN_ID] = worker_input["agentstore_run_id"]
        raw = json.loads(worker_input["agentstore_services"])
        config.stash[SERVICES] = {name: Service.from_dict(data) for name, data in raw.items()}
        return
    config.stash[RUN_ID] = uuid.uuid4().hex[:8]
    if config.option.collectonly or config.option.help:
        config.stash[SERVICES] = {}
        return
    provisioner = Provisioner()
    config.stash[PROVISIONER] = provisioner
    only = config.getoption("services")
    services = {}
    for backend in selected:
        rung = only if backend in SERVER_BACKENDS else None
        if backend == redis_cluster.BACKEND:
            services[backend] = redis_cluster.provision(provisioner, rung)
        else:
            services[backend] = provisioner.provision(backend, rung)
    config.stash[SERVICES] = services
    missing = [s for name, s in services.items() if name in required and not s.available]
    unselected = [name for name in required if name not in selected]
    if missing or unselected:
        provisioner.stop_all()
        lines = [f"required backend {s.describe()}" for s in missing]
        lines += [f"required backend {name} is not among --backends" for name in unselected]
        raise pytest.UsageError("\n".join(lines))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist: hand the provisioned services to each worker."""
    config = node.config
    node.workerinput["agentstore_run_id"] = config.stash[RUN_ID]
    node.workerinput["agentstore_services"] = json.dumps(
        {name: s.to_dict() for name, s in config.stash[SERVICES].items()}
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    provisioner = config.stash.get(PROVISIONER, None)
    if provisioner is not None:
        provisioner.stop_all()


def pytest_report_header(config: pytest.Config) -> list[str]:
    services = config.stash.get(SERVICES, {})
    lines = [f"agentstore run id: {config.stash[RUN_ID]}", "agentstore backends:"]
    return lines + [f"  {s.describe()}" for s in services.values()]


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    missing = [s for s in config.stash.get(SERVICES, {}).values() if not s.available]
    for service in missing:
        terminalreporter.write_sep("!", f"SKIPPED BACKEND {service.describe()}", red=True)


def worker_name() -> str:
    """This process's pytest-xdist worker id, or ``main`` outside xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")
