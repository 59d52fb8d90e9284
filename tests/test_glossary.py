"""The step glossary lists every step defined in steps/, with parameters and real examples."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest
from spec_project import REPO

from harness.reporting import glossary, glossary_render
from harness.reporting.readable_regex import readable

DECORATORS = {"given", "when", "then", "step"}


def phrase_of(argument: ast.expr) -> str:
    """The phrase a decorator gives, as the glossary writes it: a string, the first argument
    of parsers.parse(...) without its types, or a parsers.re(...) pattern in words."""
    if isinstance(argument, ast.Call):
        is_regex = getattr(argument.func, "attr", "") == "re"
        text = ast.literal_eval(argument.args[0])
        return readable(text)[0] if is_regex else re.sub(r"\{(\w+):[^{}]*\}", r"{\1}", text)
    return ast.literal_eval(argument)


def decorated_phrases() -> list[tuple[str, str]]:
    """(module, phrase) for every step decorator in steps/, read from the source."""
    found = []
    for path in sorted((REPO / "steps").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                if not isinstance(decorator, ast.Call):
                    continue
                name = decorator.func
                name = name.attr if isinstance(name, ast.Attribute) else getattr(name, "id", "")
                if name in DECORATORS:
                    found.append((path.stem, phrase_of(decorator.args[0])))
    return found


@pytest.fixture(scope="module")
def entries(pytestconfig: pytest.Config) -> list[glossary.Entry]:
    return glossary.collect(pytestconfig)


def test_the_glossary_lists_every_decorated_step(entries) -> None:
    expected = decorated_phrases()
    assert expected, "steps/ defines no step at all?"
    assert len(entries) == len(expected)
    by_module: dict[str, int] = {}
    for module, _ in expected:
        by_module[module] = by_module.get(module, 0) + 1
    listed: dict[str, int] = {}
    for entry in entries:
        stem = entry.module.rpartition(".")[2]
        listed[stem] = listed.get(stem, 0) + 1
    assert listed == by_module
    assert sorted(e.phrase for e in entries) == sorted(phrase for _, phrase in expected)


def test_every_entry_has_a_type_a_source_and_an_example(entries) -> None:
    for entry in entries:
        assert entry.type in {"given", "when", "then", "step"}
        assert entry.source.startswith("steps/"), entry.source
        assert entry.example.startswith(entry.keyword.split("/")[0]) or entry.type == "step"


def test_parameters_and_examples_come_from_the_parser_and_the_features(entries) -> None:
    phrase = "an agent store whose pool holds {size} connections and waits {wait} milliseconds"
    [pool] = [e for e in entries if e.phrase == phrase]
    assert [(p.name, p.kind) for p in pool.parameters] == [
        ("size", "whole number"),
        ("wait", "whole number"),
    ]
    assert pool.target_fixture == "db"
    assert pool.doc == "A store on the team database whose pool is this small and waits this long."
    feature = REPO / "features/connections/pool.feature"
    lines = feature.read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if "Given an agent store whose pool" in line)
    assert pool.example == lines[first].strip()
    assert pool.examples[0].where == f"features/connections/pool.feature:{first + 1}"


def test_the_text_groups_steps_by_domain(entries) -> None:
    text = glossary_render.text(entries)
    assert text.startswith(f"Step glossary: {len(entries)} steps in")
    for entry in entries:
        assert f"{entry.keyword} {entry.phrase}" in text
    assert "== platform (steps.platform_steps) ==" in text


def test_the_option_prints_the_glossary_and_runs_no_test() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--steps-glossary", "-p", "no:cacheprovider"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Step glossary: ")
    # No test ran: no session header, no closing counts (a step may well say "have passed").
    assert "test session starts" not in done.stdout
    assert not re.search(r"=+ .*\d+ (passed|failed|deselected|error)", done.stdout)
    for _, phrase in decorated_phrases():
        assert phrase in done.stdout


def test_the_html_glossary_links_back_to_the_report(entries) -> None:
    page = glossary_render.html(entries, back_href="index.html")
    assert 'href="index.html"' in page
    assert page.count('class="step"') == len(entries)


def test_a_step_no_feature_uses_yet_is_listed_as_such_in_text_and_html():
    unused = glossary.Entry(
        domain="memory",
        module="steps.memory_steps",
        type="given",
        phrase="a phrase nobody uses",
        parameters=[],
        doc="Waits for a feature to use it.",
        source="steps/memory_steps.py:1",
        target_fixture=None,
    )
    assert "(no feature uses this step yet)" in glossary_render.text([unused])
    assert "no feature uses this step yet" in glossary_render.entry_html(unused)
