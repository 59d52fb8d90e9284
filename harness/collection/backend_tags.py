"""Backend tags: ``@backends:postgres,sqlite,redis`` runs a scenario once on each backend.

The tag may stand on a Feature, a Rule or a Scenario; the closest one wins (a scenario's own
tag overrides its rule's, a rule's its feature's). Each run gets the backend's name through the
``backend`` fixture and its id ends in ``[postgres]``, ``[sqlite]``...; the collection markers
(``markers.py``) then mark and select it like any other scenario needing that backend.
Examples tables are left to the business's data: a new backend is one more word in a tag.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from pytest_bdd.parser import ScenarioTemplate
from pytest_bdd.scenario import scenario_wrapper_template_registry

from harness.backends import UnknownBackend, parse_list

PREFIX = "backends:"


def is_backend_tag(tag: str) -> bool:
    """Whether ``tag`` (without its ``@``) is a backend tag."""
    return tag.startswith(PREFIX)


def _tagged(tags: Iterable[str]) -> str | None:
    found = sorted(tag for tag in tags if is_backend_tag(tag))
    if len(found) > 1:
        raise UnknownBackend(f"one @{PREFIX} tag per level, found {', '.join(found)}")
    return found[0] if found else None


def scenario_backends(template: ScenarioTemplate) -> list[str]:
    """The backends a scenario runs on: its closest ``@backends:`` tag, or none."""
    rule_tags = template.rule.tags if template.rule is not None else set()
    return closest_backends((template.tags, rule_tags, template.feature.tags))


def closest_backends(levels: Iterable[Iterable[str]]) -> list[str]:
    """The backends of the first level (scenario, rule, feature tags) with a backend tag."""
    for tags in levels:
        tag = _tagged(tags)
        if tag is not None:
            names = parse_list(tag.removeprefix(PREFIX))
            if not names:
                raise UnknownBackend(f"@{tag} names no backend")
            return names
    return []


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: object) -> bool | None:
    """A backend tag is not a marker: it parametrises the scenario (below)."""
    return True if is_backend_tag(tag) else None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    template = scenario_wrapper_template_registry.get(metafunc.function)
    if template is None:
        return
    try:
        names = scenario_backends(template)
    except UnknownBackend:
        return  # markers.py replaces the file's scenarios with one error saying file:line
    if not names:
        return
    if "backend" not in metafunc.fixturenames:
        metafunc.fixturenames.append("backend")
    metafunc.parametrize("backend", names, ids=names)
