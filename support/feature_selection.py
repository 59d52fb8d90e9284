"""Select scenarios by feature file: ``pytest features/ -k backends`` or ``-k platform``.

Every scenario is bound in one test module, so its node id names no feature file. This adds the
feature file's name (without ``.feature``) and its folder to each scenario's ``-k`` keywords.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
        if template is None:
            continue
        path = Path(template.feature.rel_filename)
        item.extra_keyword_matches.update({path.stem, *path.parent.parts})
