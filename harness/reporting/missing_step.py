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

import parse
import pytest
from pytest_bdd import parsers
from pytest_bdd.parser import Feature, Scenario, Step

from harness.collection.feature_files import feature_uri, features_dir
from harness.reporting.glossary import phrase_and_parameters, step_definitions

SHOWN = 3  # steps named as givers of a missing value

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
    directly in features/); a domain whose steps are a package gets
    steps/<domain>/<file>_steps.py."""
    path = Path(feature.filename).resolve()
    inside = path.parent != features.resolve() and path.is_relative_to(features.resolve())
    domain = path.parent.name if inside else path.stem
    if inside and (features.resolve().parent / "steps" / domain).is_dir():
        return f"steps/{domain}/{path.stem}_steps.py"
    return f"steps/{domain}_steps.py"


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
    quoted = with_quotes(step)
    if quoted and not found:
        found.append(f'Text values are quoted: "...". Did you mean: {quoted}?')
    close = difflib.get_close_matches(step.name, phrases, n=3, cutoff=0.6)
    if close and not found:
        found.append("Closest defined phrases: " + "; ".join(repr(p) for p in close))
    return found


def with_quotes(step: Step) -> str | None:
    """The step with double quotes around its text values, when that makes a defined step
    match (``records the fact the sky is green`` -> ``records the fact "the sky is green"``)."""
    for context in step_definitions():
        if context.type not in (None, step.type) or not isinstance(context.parser, parsers.parse):
            continue
        fields = re.findall(r'"(\{\w+(?::\w*)?\})"', context.parser.name)
        if not fields:
            continue
        loose = context.parser.name
        for quoted in fields:
            loose = loose.replace(f'"{quoted}"', quoted)
        found = parse.parse(
            loose, step.name, dict(getattr(context.parser.parser, "_extra_types", {}) or {})
        )
        if found is None:
            continue
        text = step.name
        spans = sorted(
            (found.spans[name] for name in found.named if f'"{{{name}' in context.parser.name),
            reverse=True,
        )
        for start, end in spans:
            text = f'{text[:start]}"{text[start:end]}"{text[end:]}'
        if context.parser.is_matching(text):
            return f"{step.type.capitalize()} {text}"
    return None


def givers(fixture: str) -> list[str]:
    """The steps that give ``fixture`` to later steps, as the glossary writes them."""
    return [
        f"{(context.type or 'step').capitalize()} {phrase_and_parameters(context)[0]}"
        for context in step_definitions()
        if context.target_fixture == fixture
    ]


def needs_message(step: Step, fixture: str, where: str) -> str:
    """One line: what the step needs and which steps give it (or that none does)."""
    found = givers(fixture)
    said = f'{step.type.capitalize()} "{step.name}" ({where})'
    if fixture == "backend":
        return f"{said} runs on a backend: tag the scenario @backends:<backend>,... (see the tags)"
    if not found:
        return (
            f"{said} needs {fixture!r}, which no step gives and no fixture provides: "
            "a mistake in its step definition"
        )
    named = " or ".join(f"'{phrase}'" for phrase in found[:SHOWN])
    more = f" (or {len(found) - SHOWN} other steps, see the glossary)" if len(found) > SHOWN else ""
    return f"{said}: this step needs an earlier step such as {named}{more}"


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


@pytest.hookimpl(trylast=True)
def pytest_bdd_step_error(
    request: pytest.FixtureRequest,
    feature: Feature,
    scenario: Scenario,
    step: Step,
    step_func: object,
    step_func_args: dict,
    exception: Exception,
) -> None:
    """A value no earlier step gave (pytest's "fixture 'moved' not found" and its list of
    every fixture) becomes one line naming the steps that give it."""
    if isinstance(exception, pytest.FixtureLookupError) and exception.argname:
        where = f"{feature_uri(feature.filename, request.config.rootpath)}:{step.line_number}"
        pytest.fail(needs_message(step, exception.argname, where), pytrace=False)
