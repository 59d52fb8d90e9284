"""Byte code for the Python processes a run starts: xdist workers, inner pytest sessions, CLIs.

Where the environment says ``PYTHONDONTWRITEBYTECODE=1`` (no ``__pycache__`` in the checkout),
every child compiled each module it imported again: an inner harness session spent 3.8 s of
CPU cold, 1.1 s with its byte code cached.
Children get a private ``PYTHONPYCACHEPREFIX`` instead, the folder ``pycache`` in this run's
basetemp root, and may write byte code there: nothing lands in the repository, the run's first
child compiles for all the others (Python writes each ``.pyc`` atomically, so workers share it
safely), and pytest's basetemp rotation removes it. This process keeps the settings it started
with; a prefix already set (by the user, or by an outer run for its inner sessions) is kept.
"""

from __future__ import annotations

import os

import pytest

PREFIX = "PYTHONPYCACHEPREFIX"
NO_WRITE = "PYTHONDONTWRITEBYTECODE"
CHANGES = pytest.StashKey[pytest.MonkeyPatch]()


@pytest.hookimpl(trylast=True)  # after pytest's tmpdir plugin made the basetemp factory
def pytest_configure(config: pytest.Config) -> None:
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None or (os.environ.get(PREFIX) and NO_WRITE not in os.environ):
        return
    changes = config.stash[CHANGES] = pytest.MonkeyPatch()
    if not os.environ.get(PREFIX):
        folder = factory.getbasetemp() / "pycache"
        folder.mkdir(exist_ok=True)
        changes.setenv(PREFIX, str(folder))
    changes.delenv(NO_WRITE, raising=False)


def pytest_unconfigure(config: pytest.Config) -> None:
    """This process's environment as it was: an in-process run (``pytester``) leaves no trace."""
    changes = config.stash.get(CHANGES, None)
    if changes is not None:
        changes.undo()
