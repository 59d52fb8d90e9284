"""Which agentstore API the memory, queue, lease and event specification drives: ``--api=sync``
(the default) or ``--api=async``, the same steps bound to ``agentstore.asyncio``.

One behaviour, one specification: nothing in the features changes between the two runs;
only ``support.api.openers`` reads the choice (steps and support open through it). A rule
only asyncio has (a claim cancelled half-way, tagged ``@asyncio_only``) is left out of a sync
run. The choice is run-wide, read once at configure time (each xdist worker reads it too).
"""

from __future__ import annotations

import pytest

from support.api.openers import APIS, Api

#: The API this run drives; set from ``--api`` when pytest configures, read by support/.
selected: Api = "sync"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("agentstore").addoption(
        "--api",
        choices=APIS,
        default="sync",
        help="drive the memory, queue, lease and event scenarios through the sync API or "
        "agentstore.asyncio (default: sync)",
    )


def pytest_configure(config: pytest.Config) -> None:
    global selected
    selected = config.getoption("api")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@asyncio_only`` rules (cancelling a call half-way) exist only on the asyncio API:
    a sync run leaves them out, as ``--backends`` leaves out other backends' runs."""
    if selected == "async":
        return
    drop = [item for item in items if item.get_closest_marker("asyncio_only")]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = [item for item in items if not item.get_closest_marker("asyncio_only")]


def pytest_report_header(config: pytest.Config) -> str:
    if selected == "async":
        return "agentstore API: async (agentstore.asyncio behind a sync facade, a loop per store)"
    return "agentstore API: sync"
