"""Select scenarios by feature file and by backend, before pytest's ``-k`` and ``-m`` filter.

- ``-k backends`` / ``-k platform``: every scenario is bound in one test module, so its node id
  names no feature file; this adds the feature file's name (without ``.feature``) and its
  folders to each scenario's keywords.
- ``-m sqlite``: an Outline row's backend comes from its Examples ``backend`` column, which is
  no tag; this adds the backend marker early enough for ``-m`` to see it (support.plugin adds
  the same markers later, for its skip and ``--backends`` decisions).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry

from support.plugin import item_backends
from support.services import BACKENDS


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
        if template is None:
            continue
        path = Path(template.feature.rel_filename)
        item.extra_keyword_matches.update({path.stem, *path.parent.parts})
        for backend in sorted(item_backends(item) & set(BACKENDS)):
            if not item.get_closest_marker(backend):
                item.add_marker(backend)
