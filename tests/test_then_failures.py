"""A Then step fails in the rule's words: "expected <what the rule says>, found <what was>".

Two guards: a walk over the source that refuses a bare ``assert`` in any Then step or in the
support function a Then step calls (pytest would append its introspection, with object reprs
of stores and URLs, to the message); and one deliberately failing TTL scenario, run as a
person would, whose failure reads as the rule while its traceback stays in the report.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from spec_project import REPO, SpecProject, parse_html

STEPS = REPO / "steps"


def _then_functions(tree: ast.Module) -> list[ast.FunctionDef]:
    def is_then(decorator: ast.expr) -> bool:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        return getattr(func, "id", getattr(func, "attr", "")) == "then"

    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and any(map(is_then, node.decorator_list))
    ]


def _support_names(tree: ast.Module) -> dict[str, str]:
    """Names a step module imports from support/: alias -> module, or name -> module:function."""
    names = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("support"):
            for alias in node.names:
                whole = f"{node.module}.{alias.name}"
                if (REPO / (whole.replace(".", "/") + ".py")).is_file():
                    names[alias.asname or alias.name] = whole  # a module
                else:
                    names[alias.asname or alias.name] = f"{node.module}:{alias.name}"
    return names


def _support_function(target: str) -> ast.FunctionDef | None:
    module, _, name = target.partition(":")
    path = REPO / (module.replace(".", "/") + ".py")
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _called_support_functions(func: ast.FunctionDef, names: dict[str, str]) -> set[str]:
    found = set()
    for call in ast.walk(func):
        if not isinstance(call, ast.Call):
            continue
        callee = call.func
        if isinstance(callee, ast.Name) and ":" in names.get(callee.id, ""):
            found.add(names[callee.id])
        elif isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name):
            module = names.get(callee.value.id, "")
            if module and ":" not in module:
                found.add(f"{module}:{callee.attr}")
    return found


def bare_asserts() -> list[str]:
    """file:line of every ``assert`` in a Then step or a support function one calls."""
    found = []
    for path in sorted(STEPS.rglob("*.py")):
        tree = ast.parse(path.read_text())
        names = _support_names(tree)
        for then in _then_functions(tree):
            places = [(f"{path.relative_to(REPO)}", then)]
            for target in sorted(_called_support_functions(then, names)):
                helper = _support_function(target)
                if helper is not None:
                    places.append((target.replace(":", "."), helper))
            for where, func in places:
                for node in ast.walk(func):
                    if isinstance(node, ast.Assert):
                        found.append(f"{where}:{node.lineno} (Then step at line {then.lineno})")
    return sorted(set(found))


def test_no_then_step_checks_with_a_bare_assert() -> None:
    """Then steps check through support/common/expect.py, which words the failure."""
    assert not bare_asserts(), "\n".join(bare_asserts())


def test_the_walk_finds_a_bare_assert(tmp_path, monkeypatch) -> None:
    """The guard above can fail: a Then step with an ``assert`` is found."""
    steps = tmp_path / "steps"
    steps.mkdir()
    (steps / "demo_steps.py").write_text(
        "from pytest_bdd import then\n\n"
        "@then('the sky is blue')\n"
        "def _() -> None:\n"
        "    assert 1 == 2\n"
    )
    monkeypatch.setattr(__import__(__name__), "STEPS", steps)
    monkeypatch.setattr(__import__(__name__), "REPO", tmp_path)
    assert bare_asserts() == ["steps/demo_steps.py:5 (Then step at line 4)"]


TTL_RULE = """\
Feature: a deliberately broken time-to-live rule

  @backends:sqlite
  Scenario: the memory tells how long a fact has left
    Given an agent with a memory
    When the agent remembers "aqe/lease" as "mine" for 30 seconds
    Then the memory reports between 31 and 35 seconds left for "aqe/lease"
"""


def test_a_failing_ttl_rule_reads_as_the_rule(tmp_path: Path) -> None:
    project = SpecProject(tmp_path)
    project.feature("memory/broken.feature", TTL_RULE)
    result = project.run("--living-docs=reports")
    result.assert_outcomes(failed=1)
    features = json.loads((tmp_path / "reports" / "cucumber.json").read_text())
    [then] = [s for s in features[0]["elements"][0]["steps"] if s["keyword"].strip() == "Then"]
    message = then["result"]["error_message"]
    first = message.splitlines()[0]
    domain = r'expected between 31 and 35 seconds left for "aqe/lease", found (29\.\d+|30)'
    assert re.fullmatch(f"AssertionError: {domain}", first), message
    for python in ("SqlMemory", "sqlite", "where ", "assert "):
        assert python not in message, message
    assert re.search(f"^E +AssertionError: {domain}$", result.output, re.MULTILINE), result.output
    assert not re.search(r"^E +(assert|where) ", result.output, re.MULTILINE), result.output
    page = (tmp_path / "reports" / "index.html").read_text()
    [details] = parse_html(page).select("details", "traceback")
    assert "expiry_steps.py" in details.text, details.text  # the Python stays one click away
