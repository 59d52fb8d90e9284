"""A step nobody defined fails with a message naming it and the Python to add.

pytest-bdd raises ``StepDefinitionNotFoundError`` with the step only; QA, who mostly write
Gherkin, also need to know where the definition belongs and what it looks like. The message
also says when the same words exist under another keyword (a Then used as a Given), which is
the most common cause.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from pytest_bdd.parser import Feature, Scenario, Step

from harness.collection.feature_files import feature_uri, features_dir
from harness.reporting.glossary import step_definitions

QUOTED = re.compile(r'"[^"]*"')
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")


def suggested_parser(phrase: str) -> tuple[str, list[tuple[str, str]]]:
    """The phrase with its quoted texts and numbers turned into typed parse fields."""
    params: list[tuple[str, str]] = []

    def field(kind: str, spec: str, annotation: str):
        def replace(match: re.Match) -> str:
            name = f"{kind}{len([p for p in params if p[0].startswith(kind)]) + 1}"
            params.append((name, annotation))
            return "{" + name + spec + "}"

        return replace

    pattern = QUOTED.sub(lambda m: '"' + field("text", "", "str")(m) + '"', phrase)
    pattern = NUMBER.sub(
        lambda m: field(
            "number", ":g" if "." in m.group() else ":d", "float" if "." in m.group() else "int"
        )(m),
        pattern,
    )
    return pattern, params


def suggested_code(step: Step) -> str:
    pattern, params = suggested_parser(step.name)
    if params:
        decorator = f"@{step.type}(parsers.parse({pattern!r}))"
        signature = ", ".join(f"{name}: {annotation}" for name, annotation in params)
    else:
        decorator = f"@{step.type}({step.name!r})"
        signature = ""
    return (
        f"{decorator}\n"
        f"def _({signature}) -> None:\n"
        f'    """What this step means, in one line (shown in the step glossary)."""\n'
        f"    raise NotImplementedError"
    )


def step_module_for(feature: Feature, features: Path) -> str:
    """steps/<domain>_steps.py: the domain is the feature's folder (its name, for a file
    directly in features/)."""
    path = Path(feature.filename).resolve()
    inside = path.parent != features.resolve() and path.is_relative_to(features.resolve())
    return f"steps/{path.parent.name if inside else path.stem}_steps.py"


def hints(step: Step) -> list[str]:
    found = []
    phrases = []
    for context in step_definitions():
        phrases.append(context.parser.name)
        if context.type not in (None, step.type) and context.parser.is_matching(step.name):
            found.append(
                f"These words are defined as a {context.type.capitalize()} step "
                f"({context.step_func.__module__}); use them after {context.type.capitalize()}, "
                f"or define them for {step.type.capitalize()} too."
            )
    close = difflib.get_close_matches(step.name, phrases, n=3, cutoff=0.6)
    if close and not found:
        found.append("Closest defined phrases: " + "; ".join(repr(p) for p in close))
    return found


def message(feature: Feature, scenario: Scenario, step: Step, config: pytest.Config) -> str:
    where = f"{feature_uri(feature.filename, config.rootpath)}:{step.line_number}"
    lines = [
        f'Step definition is not found: {step.type.capitalize()} "{step.name}"',
        f'  in scenario "{scenario.name}" ({where})',
        *(f"  {hint}" for hint in hints(step)),
        f"Add it to {step_module_for(feature, features_dir(config))} (a new module also goes "
        "into the root conftest.py's pytest_plugins), for example:",
        "",
        *(f"    {line}" for line in suggested_code(step).splitlines()),
    ]
    return "\n".join(lines)


@pytest.hookimpl(trylast=True)
def pytest_bdd_step_func_lookup_error(
    request: pytest.FixtureRequest,
    feature: Feature,
    scenario: Scenario,
    step: Step,
    exception: Exception,
) -> None:
    pytest.fail(message(feature, scenario, step, request.config), pytrace=False)
