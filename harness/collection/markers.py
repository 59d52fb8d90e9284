"""Backend markers and selection: which backends a scenario needs, and whether it runs.

A scenario needs a backend when it carries that backend's tag (``@redis``) or runs on it
through a backend tag (``@backends:...``, the ``backend`` parameter). Markers are added
before ``-m`` and ``-k`` filter, so ``-m redis`` picks up every run on Redis; ``--backends``
deselects the others; a backend the run could not provide skips its scenarios with the reason.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

import iniconfig
import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry
from pytest_bdd.utils import CONFIG_STACK

from harness.backends import BACKENDS, SPELLINGS, UnknownBackend
from harness.collection.backend_tags import PREFIX, closest_backends, is_backend_tag
from harness.collection.feature_files import feature_uri
from harness.servers.plugin import SERVICES, backend_names


def item_backends(item: pytest.Item) -> set[str]:
    """The backends a test needs: its backend markers, plus the backend it is run on."""
    found = {name for name in BACKENDS if item.get_closest_marker(name)}
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("backend") if callspec else None
    if backend in BACKENDS:
        found.add(backend)
    return found


@pytest.hookimpl(tryfirst=True)  # before -m and -k filter, so they see the backend markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    replace_badly_tagged(config, items)
    selected = set(backend_names(config.getoption("backends"), "--backends"))
    services = config.stash.get(SERVICES, {})
    keep, drop = [], []
    for item in items:
        needs = item_backends(item)
        for name in sorted(needs):
            item.add_marker(getattr(pytest.mark, name))
        if item.get_closest_marker("wip"):
            item.add_marker(pytest.mark.skip(reason="@wip: work in progress"))
        if needs - selected:
            drop.append(item)
            continue
        keep.append(item)
        for name in sorted(needs):
            service = services.get(name)
            if service is not None and not service.available:
                item.add_marker(pytest.mark.skip(reason=f"backend {service.describe()}"))
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# -- tags nobody registered ----------------------------------------------------------------
# A typo in a tag (@slwo) or a backend tag (@backends:postgress) stops only its own file: its
# scenarios are replaced by one failing test whose message gives file:line, the tags there
# are and the closest one; the other feature files run. (pytest would stop the whole
# collection, with no file or line, or print a pluggy traceback.)
TAG_ERRORS = pytest.StashKey[list[pytest.Item]]()


def strict(config: pytest.Config) -> bool:
    value = config.getini("strict_markers")
    return bool(config.getini("strict") if value is None else value)


def project_tags(config: pytest.Config) -> list[str]:
    """The tags the project's configuration file registers (pytest's own markers left out)."""
    lines: list[str] = []
    path = config.inipath
    if path is not None and path.name == "pyproject.toml":
        pytest_table = tomllib.loads(path.read_text()).get("tool", {}).get("pytest", {})
        lines = pytest_table.get("ini_options", pytest_table).get("markers", [])
    elif path is not None:
        ini = iniconfig.IniConfig(path)
        section = "tool:pytest" if path.suffix == ".cfg" else "pytest"
        lines = ini.get(section, "markers", "").splitlines() if section in ini else []
    names = [line.split(":")[0].split("(")[0].strip() for line in lines if line.strip()]
    return [name for name in names if name]


def registered(config: pytest.Config) -> set[str]:
    return {line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")}


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: object) -> bool | None:
    """An unknown tag is not applied (pytest would stop the whole run); it is reported below."""
    config = CONFIG_STACK[-1] if CONFIG_STACK else None
    if config is None or is_backend_tag(tag) or not strict(config):
        return None
    return True if tag not in registered(config) else None


def tag_lines(path: Path, tag: str) -> list[int]:
    """The lines of the feature file that carry ``@tag``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [n for n, line in enumerate(lines, 1) if f"@{tag}" in line.split()]


def tag_problems(item: pytest.Item) -> list[str]:
    """What is wrong with the tags of a scenario, one sentence each, with file:line."""
    function = getattr(item, "obj", None)
    template = scenario_wrapper_template_registry.get(function) if callable(function) else None
    if template is None:
        return []
    config = item.config
    path = Path(template.feature.filename)
    uri = feature_uri(path, config.rootpath)
    rule_tags = template.rule.tags if template.rule is not None else set()
    tags = set(template.tags) | set(rule_tags) | set(template.feature.tags)
    known = project_tags(config)
    choices = [*known, *(f"{PREFIX}{name}" for name in BACKENDS)]
    found = []
    for tag in sorted(tags):
        if is_backend_tag(tag):
            try:
                closest_backends([[tag]])
                continue
            except UnknownBackend as error:
                why = str(error)
                words = [w.strip() for w in tag.removeprefix(PREFIX).split(",")]
                unknown = [w for w in words if w.lower() not in SPELLINGS]
                close = [c for w in unknown for c in difflib.get_close_matches(w, BACKENDS, 1)]
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                said = f"@{tag}: {why}{hint}"
        elif strict(config) and tag not in registered(config):
            close = difflib.get_close_matches(tag, choices, n=1)
            hint = f" (did you mean @{close[0]}?)" if close else ""
            said = (
                f"unknown tag @{tag}{hint}; the tags are "
                + ", ".join(f"@{name}" for name in known)
                + f" and @{PREFIX}<backend>,..."
            )
        else:
            continue
        lines = tag_lines(path, tag) or [template.line_number]
        found.append(f"{uri}:{lines[0]}: {said}")
    return found


class TagError(pytest.Item):
    """Stands for a feature file whose tags are wrong: fails with the reasons, nothing else."""

    def __init__(self, *, problems: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.problems = problems
        self.obj = TagError.runtest  # no scenario: reports that look one up find none

    def runtest(self) -> None:
        raise TagProblem("\n".join(self.problems))

    def repr_failure(self, excinfo, style=None) -> str:  # type: ignore[override]
        return str(excinfo.value) + "\nNone of this file's scenarios ran; fix the tag."

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, "tags"


class TagProblem(Exception):
    """A feature file's tags are wrong."""


def replace_badly_tagged(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each file with a wrong tag: its scenarios out, one failing TagError in."""
    problems: dict[pytest.Collector, list[str]] = {}
    for item in items:
        for problem in tag_problems(item):
            found = problems.setdefault(item.parent, [])
            if problem not in found:
                found.append(problem)
    if not problems:
        return
    errors = [
        TagError.from_parent(parent, name="tags", problems=found)
        for parent, found in problems.items()
    ]
    config.stash[TAG_ERRORS] = errors
    kept = [item for item in items if item.parent not in problems]
    items[:] = errors + kept


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """A tag error is never deselected by -k or -m: it is the reason the file did not run."""
    for error in session.config.stash.get(TAG_ERRORS, []):
        if error not in session.items:
            session.items.insert(0, error)
