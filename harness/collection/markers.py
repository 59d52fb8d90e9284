"""Backend markers and selection: which backends a scenario needs, and whether it runs.

A scenario needs a backend when it carries that backend's tag (``@redis``) or runs on it
through a backend tag (``@backends:...``, the ``backend`` parameter). Markers are added
before ``-m`` and ``-k`` filter, so ``-m redis`` picks up every run on Redis; ``--backends``
deselects the others; a backend the run could not provide skips its scenarios with the reason.
"""

from __future__ import annotations

import pytest

from harness.backends import BACKENDS
from harness.servers.plugin import SERVICES, backend_names


def item_backends(item: pytest.Item) -> set[str]:
    """The backends a test needs: its backend markers, plus the backend it is run on."""
    found = {name for name in BACKENDS if item.get_closest_marker(name)}
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("backend") if callspec else None
    if backend in BACKENDS:
        found.add(backend)
    return found


@pytest.hookimpl(tryfirst=True)  # before -m and -k filter, so they see the backend markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = set(backend_names(config.getoption("backends"), "--backends"))
    services = config.stash.get(SERVICES, {})
    keep, drop = [], []
    for item in items:
        needs = item_backends(item)
        for name in sorted(needs):
            item.add_marker(getattr(pytest.mark, name))
        if item.get_closest_marker("wip"):
            item.add_marker(pytest.mark.skip(reason="@wip: work in progress"))
        if needs - selected:
            drop.append(item)
            continue
        keep.append(item)
        for name in sorted(needs):
            service = services.get(name)
            if service is not None and not service.available:
                item.add_marker(pytest.mark.skip(reason=f"backend {service.describe()}"))
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
