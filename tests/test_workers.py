"""``-n auto`` starts two workers per core; ``-n N`` starts N.

Asked of xdist's own option handling (``xdist.plugin.pytest_cmdline_main``, which turns ``-n``
into the list of workers to start) on a configuration parsed in this process with the plugin:
it asks every plugin's ``pytest_xdist_auto_num_workers`` in the order a run would, without
starting a run and its workers (two inner runs with four workers each cost 13 CPU-seconds).
"""

from __future__ import annotations

import pytest
import xdist.plugin

from harness.collection import workers


def starts(pytester: pytest.Pytester, *args: str) -> int:
    """How many workers a run given ``args`` (and the plugin) would start."""
    config = pytester.parseconfig("-p", "harness.collection.workers", *args)
    xdist.plugin.pytest_cmdline_main(config)
    return len(config.option.tx)


def test_auto_starts_two_workers_per_core(pytester: pytest.Pytester) -> None:
    assert starts(pytester, "-n", "auto") == min(2 * workers.cores(), workers.MOST)


def test_a_given_number_is_kept(pytester: pytest.Pytester) -> None:
    assert starts(pytester, "-n", "3") == 3
