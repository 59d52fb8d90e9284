"""Every Gherkin block the documentation shows runs against the repository's real steps.

A QA engineer copies the README's or CONTRIBUTING's example first: it must pass as shown.
A block without a ``Feature:`` line is a fragment (a Scenario); it runs inside one.
"""

from __future__ import annotations

import re
import textwrap

import pytest
from spec_project import REPO, SpecProject

DOCS = ("README.md", "CONTRIBUTING.md")
BLOCK = re.compile(r"^( *)```gherkin[^\n]*\n(.*?)^\1```", re.MULTILINE | re.DOTALL)


def gherkin_blocks() -> list[tuple[str, int, str]]:
    """(document, line, Gherkin) for every ```gherkin block of the documents."""
    found = []
    for doc in DOCS:
        text = (REPO / doc).read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text[: match.start()].count("\n") + 1
            found.append((doc, line, textwrap.dedent(match.group(2))))
    return found


def as_feature(doc: str, line: int, gherkin: str) -> str:
    if re.search(r"^\s*(@\S+\s+)*Feature:", gherkin, re.MULTILINE):
        return gherkin
    return f"Feature: the example of {doc} line {line}\n\n" + textwrap.indent(gherkin, "  ")


def test_the_documentation_shows_gherkin() -> None:
    assert gherkin_blocks(), "no ```gherkin block in README.md or CONTRIBUTING.md"


@pytest.mark.parametrize(
    ("doc", "line", "gherkin"), gherkin_blocks(), ids=lambda v: str(v).replace(".md", "")[:20]
)
def test_every_gherkin_block_runs_against_the_real_steps(tmp_path, doc, line, gherkin) -> None:
    project = SpecProject(tmp_path)
    project.feature("docs/example.feature", as_feature(doc, line, gherkin))
    result = project.run("-p", "no:randomly", backends="postgres,sqlite,redis")
    outcomes = result.outcomes()
    where = f"{doc}:{line}"
    assert outcomes.get("passed", 0) > 0, f"{where} ran nothing\n{result.output[-4000:]}"
    assert not outcomes.get("failed") and not outcomes.get("error"), (
        f"the example in {where} does not pass as written\n{result.output[-6000:]}"
    )
