"""The step glossary: every step phrase QA can use, with its parameters and a real example.

``pytest --steps-glossary`` prints it and exits without running a test (nor starting a server).
The living-documentation report writes the same glossary as ``steps.html``.

Why a pytest option and not an ``agentstore-spec`` command: ``steps/`` and ``support/`` are not
part of the installed package, and the step modules are registered through the root
``conftest.py``. Asking pytest lists exactly the steps a run would see, from any checkout,
without shipping test code inside the library.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_bdd import parsers
from pytest_bdd.steps import StepFunctionContext, step_function_context_registry

from harness.collection.feature_files import features_dir
from harness.reporting.living_docs_features import read_features, type_keyword
from harness.reporting.living_docs_model import FeatureView

STEP_PACKAGE = "steps"
FEATURES = pytest.StashKey[list[FeatureView]]()
FORMAT_TYPES = {
    "": "text",
    "d": "whole number",
    "n": "number with thousands separators",
    "f": "decimal number",
    "g": "number",
    "w": "word",
    "W": "non-letters",
    "S": "text without spaces",
    "l": "letters",
    "ti": "ISO 8601 date/time",
}


@dataclass
class Parameter:
    name: str
    kind: str


@dataclass
class Example:
    text: str
    where: str


@dataclass
class Entry:
    """One step phrase."""

    domain: str
    module: str
    type: str  # given | when | then | step (any)
    phrase: str
    parameters: list[Parameter]
    doc: str
    source: str
    target_fixture: str | None
    examples: list[Example] = field(default_factory=list)
    context: StepFunctionContext | None = field(default=None, repr=False)

    @property
    def example(self) -> str:
        """A real use from the features, or the phrase itself when nothing uses it yet."""
        return self.examples[0].text if self.examples else f"{self.keyword} {self.phrase}"

    @property
    def keyword(self) -> str:
        return self.type.capitalize() if self.type != "step" else "Given/When/Then"


def domain_of(module: str) -> str:
    return module.rpartition(".")[2].removesuffix("_steps")


def type_description(name: str, spec: str, extra_types: dict) -> str:
    converter = extra_types.get(spec)
    if converter is not None:
        pattern = getattr(converter, "pattern", None)
        return f"{spec} ({pattern})" if pattern else spec
    return FORMAT_TYPES.get(spec, spec)


def parameters_of(context: StepFunctionContext) -> list[Parameter]:
    parser = context.parser
    found: list[Parameter] = []
    if isinstance(parser, parsers.parse):  # cfparse is a parse too
        compiled = parser.parser
        types = getattr(compiled, "_name_types", {})
        extra = getattr(compiled, "_extra_types", {}) or {}
        for name in compiled.named_fields:
            found.append(Parameter(name, type_description(name, types.get(name, ""), extra)))
    elif isinstance(parser, parsers.re):
        found += [Parameter(name, "text (regular expression)") for name in parser.regex.groupindex]
    for param in found:
        converter = context.converters.get(param.name)
        if converter is not None:
            param.kind += f", converted by {getattr(converter, '__name__', repr(converter))}"
    return found


def relative(path: Path, root: Path) -> Path:
    return path.relative_to(root) if path.is_relative_to(root) else path


def source_of(func, root: Path) -> str:
    func = inspect.unwrap(func)
    try:
        path = Path(inspect.getsourcefile(func) or "?").resolve()
        line = inspect.getsourcelines(func)[1]
    except (OSError, TypeError):
        return func.__module__
    return f"{relative(path, root)}:{line}"


def step_definitions(package: str = STEP_PACKAGE) -> list[StepFunctionContext]:
    """Every step definition whose function lives in ``package``, in source order."""
    contexts = [
        context
        for context in list(step_function_context_registry.values())
        if context.step_func.__module__.partition(".")[0] == package
    ]

    def order(context: StepFunctionContext) -> tuple[str, int]:
        func = inspect.unwrap(context.step_func)
        return func.__module__, func.__code__.co_firstlineno

    # Stacked decorators share a line: keep their order as written (the registry keeps the
    # order they were applied in, bottom-up, so reverse it within a function).
    contexts.reverse()
    return sorted(contexts, key=order)


def find_examples(entries: list[Entry], features: list[FeatureView], root: Path) -> None:
    """Attach to each entry the feature lines that use it, worded in the feature's language
    (outlines: their first Examples row). Files pytest-bdd cannot read do not count: they
    do not run."""
    for feature in features:
        if feature.error:
            continue
        for scenario in feature.scenarios:
            seen_lines: set[int] = set()
            for row in scenario.rows:
                for step in row.steps:
                    if step.line in seen_lines:
                        continue
                    for entry in entries:
                        ctx = entry.context
                        if ctx.type not in (None, step.type) or not ctx.parser.is_matching(
                            step.name
                        ):
                            continue
                        seen_lines.add(step.line)
                        text = type_keyword(step, feature.language) + step.name
                        entry.examples.append(Example(text, f"{feature.uri}:{step.line}"))


def collect(config: pytest.Config, package: str = STEP_PACKAGE) -> list[Entry]:
    """The glossary for this configuration: its step modules and its features."""
    root = Path(config.rootpath).resolve()
    entries = []
    for context in step_definitions(package):
        func = context.step_func
        entries.append(
            Entry(
                domain=domain_of(func.__module__),
                module=func.__module__,
                type=context.type or "step",
                phrase=context.parser.name,
                parameters=parameters_of(context),
                doc=inspect.getdoc(func) or "",
                source=source_of(func, root),
                target_fixture=context.target_fixture,
                context=context,
            )
        )
    find_examples(entries, features_of(config), root)
    return entries


def features_of(config: pytest.Config) -> list[FeatureView]:
    """The feature files as the report reads them (cached: the glossary and report share it)."""
    found = config.stash.get(FEATURES, None)
    if found is None:
        found = read_features(features_dir(config), Path(config.rootpath))
        config.stash[FEATURES] = found
    return found


def unreadable(config: pytest.Config) -> list[tuple[str, str]]:
    """(file, why) for every feature file pytest-bdd cannot read."""
    return [(f.uri, f.error) for f in features_of(config) if f.error]


def module_doc(module: str) -> str:
    found = sys.modules.get(module)
    return (inspect.getdoc(found) or "").split("\n\n")[0] if found else ""


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
    from harness.reporting.glossary_render import text

    errors = unreadable(config)
    sys.stdout.write(text(collect(config), errors))
    return 1 if errors else 0
