"""Hook specifications the isolation plugin asks the project to implement."""

from __future__ import annotations

import pytest


@pytest.hookspec(firstresult=True)
def pytest_agentstore_prepare_template(url: str) -> object:
    """Bring a fresh, empty template database at ``url`` to the state every scenario starts
    from (for agentstore: migrated to head). Implemented once, in the root conftest."""
