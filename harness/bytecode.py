"""Byte code for the Python processes a run starts: xdist workers, inner pytest sessions, CLIs.

Where the environment says ``PYTHONDONTWRITEBYTECODE=1`` (no ``__pycache__`` in the checkout),
every child compiled each module it imported again: an inner harness session spent 3.8 s of
CPU cold, 1.1 s with its byte code cached. Children then get a private ``PYTHONPYCACHEPREFIX``,
the folder ``pycache`` in pytest's cache (``.pytest_cache/d/pycache``; the run's basetemp when
the cache plugin is off), and may write byte code there: nothing lands beside the sources, one
child compiles for all the others and for the next run (Python writes each ``.pyc`` atomically,
so workers share it safely), and ``--cache-clear`` removes it.

Nothing changes where byte code is written as usual (children use the ``__pycache__`` folders),
nor where a prefix is already set (by the user, by CI, or by an outer run for its inner
sessions). This process keeps the settings it started with.
"""

from __future__ import annotations

import os

import pytest

PREFIX = "PYTHONPYCACHEPREFIX"
NO_WRITE = "PYTHONDONTWRITEBYTECODE"
CHANGES = pytest.StashKey[pytest.MonkeyPatch]()


def _folder(config: pytest.Config) -> str | None:
    """Where children keep their byte code: pytest's cache, else the run's basetemp."""
    cache = getattr(config, "cache", None)
    if cache is not None:
        return str(cache.mkdir("pycache"))
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None:
        return None
    folder = factory.getbasetemp() / "pycache"
    folder.mkdir(exist_ok=True)
    return str(folder)


@pytest.hookimpl(trylast=True)  # after the cache and tmpdir plugins are configured
def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get(NO_WRITE) or os.environ.get(PREFIX):
        return
    folder = _folder(config)
    if folder is None:
        return
    changes = config.stash[CHANGES] = pytest.MonkeyPatch()
    changes.setenv(PREFIX, folder)
    changes.delenv(NO_WRITE)


def pytest_unconfigure(config: pytest.Config) -> None:
    """This process's environment as it was: an in-process run (``pytester``) leaves no trace."""
    changes = config.stash.get(CHANGES, None)
    if changes is not None:
        changes.undo()
