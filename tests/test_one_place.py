"""Things written in one place, checked by reading the code: ``InvalidURL`` is raised by
``agentstore.urls`` alone, and the harness knows nothing of agentstore."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _calls(tree: ast.AST, name: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def test_invalid_url_is_made_in_urls_alone() -> None:
    package = ROOT / "src" / "agentstore"
    elsewhere = [
        f"{path.relative_to(package)}:{line}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "urls.py" or path.parent != package
        for line in _calls(ast.parse(path.read_text()), "InvalidURL")
    ]
    assert elsewhere == [], f"InvalidURL made outside agentstore.urls: {elsewhere}"


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_no_harness_module_imports_agentstore() -> None:
    """The harness provisions servers, isolates scenarios and reports; what it needs of the
    domain comes through hooks the root conftest provides, or it asks the drivers itself."""
    harness = ROOT / "harness"
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted(harness.rglob("*.py"))
        for line, module in _imports(ast.parse(path.read_text()))
        if module == "agentstore" or module.startswith("agentstore.")
    ]
    assert offending == [], "harness modules import agentstore:\n" + "\n".join(offending)


def test_harness_modules_import_one_way() -> None:
    """No circle among harness modules (counting imports inside functions too)."""
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): path
        for path in (ROOT / "harness").rglob("*.py")
    }
    graph = {
        name: {m for _, m in _imports(ast.parse(path.read_text())) if m in modules}
        for name, path in modules.items()
    }
    circles = []

    def walk(name: str, trail: list[str]) -> None:
        for imported in sorted(graph[name]):
            if imported in trail:
                circles.append(" -> ".join([*trail[trail.index(imported) :], imported]))
            elif len(trail) < len(graph):
                walk(imported, [*trail, imported])

    for name in sorted(graph):
        walk(name, [name])
    assert circles == [], "harness modules import each other:\n" + "\n".join(sorted(set(circles)))


def _translations(tree: ast.AST) -> list[int]:
    """Lines that wrap a driver error as SQLAlchemy would (``DBAPIError.instance(...)``) or
    import ``db.failures``' inner translation instead of ``driver_failure``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if node.func.attr == "instance" and name == "DBAPIError":
                found.append(node.lineno)
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module == "agentstore.db.failures"
            and {alias.name for alias in node.names} & {"translate", "_translate"}
        ):
            found.append(node.lineno)
    return found


def test_driver_errors_are_translated_in_db_failures_alone() -> None:
    """Every driver, sync or asyncio, asks ``db.failures.driver_failure`` what a failure
    means: a second translation once leaked a password and told a dropped connection
    differently in the two APIs."""
    package = ROOT / "src" / "agentstore"
    failures = package / "db" / "failures.py"
    elsewhere = [
        f"{path.relative_to(package)}:{line}"
        for path in sorted(package.rglob("*.py"))
        if path != failures
        for line in _translations(ast.parse(path.read_text()))
    ]
    assert elsewhere == [], f"driver errors translated outside db/failures.py: {elsewhere}"
    assert _translations(ast.parse(failures.read_text())), "the check no longer sees a translation"
