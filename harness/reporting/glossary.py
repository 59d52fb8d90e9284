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
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_bdd import parsers
from pytest_bdd.steps import StepFunctionContext, step_function_context_registry
from pytest_bdd.utils import get_required_args

from harness.collection.feature_files import features_dir
from harness.reporting.living_docs_features import read_features, type_keyword
from harness.reporting.living_docs_model import FeatureView
from harness.reporting.readable_regex import readable

STEP_PACKAGE = "steps"
FEATURES = pytest.StashKey[list[FeatureView]]()
FORMAT_TYPES = {
    "": "any words",
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
    kind: str  # its form, in words
    allowed: list[str] = field(default_factory=list)  # its only values, when it has a list

    @property
    def described(self) -> str:
        if not self.allowed:
            return self.kind
        return f"{self.kind} One of: " + ", ".join(f'"{value}"' for value in self.allowed)


@dataclass
class Link:
    """A fixture one step gives and another needs, with the steps on the other side."""

    fixture: str
    steps: list[Entry]


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
    needs: list[Link] = field(default_factory=list, repr=False)  # steps that must come before
    gives_to: list[Entry] = field(default_factory=list, repr=False)  # steps that may follow

    @property
    def words(self) -> str:
        """The step as the glossary writes it: keyword and phrase."""
        return f"{self.keyword} {self.phrase}"

    @property
    def example(self) -> str:
        """A real use from the features, or the phrase itself when nothing uses it yet."""
        return self.examples[0].text if self.examples else f"{self.keyword} {self.phrase}"

    @property
    def keyword(self) -> str:
        return self.type.capitalize() if self.type != "step" else "Given/When/Then"


def domain_of(module: str) -> str:
    """The glossary section of a step module: ``steps.memory.expiry_steps`` is "memory",
    ``steps.records_steps`` "records"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else parts[-1].removesuffix("_steps")


def type_description(spec: str, extra_types: dict) -> tuple[str, list[str]]:
    """A parse type's form in words and its allowed values (from its docstring and the
    ``allowed`` list of a ``one_of`` type), never its pattern."""
    converter = extra_types.get(spec)
    if converter is not None:
        doc = (inspect.getdoc(converter) or spec).split("\n\n")[0].replace("\n", " ")
        return doc, list(getattr(converter, "allowed", []))
    return FORMAT_TYPES.get(spec, spec), []


def phrase_and_parameters(context: StepFunctionContext) -> tuple[str, list[Parameter]]:
    """The phrase as a reader writes it, with ``{name}`` for each parameter, and the
    parameters with their forms."""
    parser = context.parser
    found: list[Parameter] = []
    phrase = parser.name
    if isinstance(parser, parsers.parse):  # cfparse is a parse too
        compiled = parser.parser
        types = getattr(compiled, "_name_types", {})
        extra = getattr(compiled, "_extra_types", {}) or {}
        for name in compiled.named_fields:
            kind, allowed = type_description(types.get(name, ""), extra)
            found.append(Parameter(name, kind, allowed))
        phrase = re.sub(r"\{(\w+):[^{}]*\}", r"{\1}", phrase)
    elif isinstance(parser, parsers.re):
        phrase, forms = readable(parser.regex.pattern)
        found += [Parameter(name, form) for name, form in forms.items()]
    for param in found:
        if param.kind == "any words" and f'"{{{param.name}}}"' in phrase:
            param.kind = "any words, between double quotes"
    return phrase, found


def parameters_of(context: StepFunctionContext) -> list[Parameter]:
    return phrase_and_parameters(context)[1]


def needed_fixtures(context: StepFunctionContext) -> list[str]:
    """The fixtures the step function asks for, less the values its own words carry."""
    own = {p.name for p in parameters_of(context)} | {"datatable", "docstring", "request"}
    return [arg for arg in get_required_args(context.step_func) if arg not in own]


def link(entries: list[Entry]) -> None:
    """Fill each entry's ``needs`` (fixtures an earlier step gives, with those steps) and
    ``gives_to`` (the steps that need what it gives), from the step definitions alone."""
    givers: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.target_fixture:
            givers.setdefault(entry.target_fixture, []).append(entry)
    for entry in entries:
        for fixture in needed_fixtures(entry.context):
            others = [g for g in givers.get(fixture, []) if g is not entry]
            if others:
                entry.needs.append(Link(fixture, ranked(others, entry.module)))
                for giver in others:
                    giver.gives_to.append(entry)
    for entry in entries:
        entry.gives_to = ranked(list({id(e): e for e in entry.gives_to}.values()), entry.module)


def ranked(entries: list[Entry], module: str) -> list[Entry]:
    """Steps of the same domain first, then the ones features use most."""
    return sorted(entries, key=lambda e: (e.module != module, -len(e.examples)))


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
        phrase, parameters = phrase_and_parameters(context)
        entries.append(
            Entry(
                domain=domain_of(func.__module__),
                module=func.__module__,
                type=context.type or "step",
                phrase=phrase,
                parameters=parameters,
                doc=inspect.getdoc(func) or "",
                source=source_of(func, root),
                target_fixture=context.target_fixture,
                context=context,
            )
        )
    find_examples(entries, features_of(config), root)
    link(entries)
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
