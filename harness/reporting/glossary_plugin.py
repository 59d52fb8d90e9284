"""``pytest --steps-glossary``: print the step glossary and exit, running no test.

A plugin apart from the glossary (:mod:`harness.reporting.glossary` collects it,
:mod:`harness.reporting.glossary_render` writes it), so the two import one way only: the
renderer reads the glossary's entries, and the glossary knows nothing of the renderer.
"""

from __future__ import annotations

import sys

import pytest

from harness.reporting.glossary import collect, unreadable
from harness.reporting.glossary_render import text


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("agentstore-docs")
    group.addoption(
        "--steps-glossary",
        action="store_true",
        default=False,
        help="print every step phrase (type, parameters, docstring, an example) by domain; "
        "run no tests",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    if not config.getoption("steps_glossary"):
        return None
    errors = unreadable(config)
    sys.stdout.write(text(collect(config), errors))
    return 1 if errors else 0
