"""The glossary is enough for QA: what each step needs before it and gives after it, and
every parameter's allowed values or form in words, never a regular expression."""

from __future__ import annotations

import re

import pytest
from spec_project import HarnessProject

from harness.reporting import glossary, glossary_render
from harness.reporting.readable_regex import readable

CHAINED_STEPS = '''\
"""Steps that hand values to each other, as the domain's steps do."""

from pytest_bdd import given, parsers, then, when


@given(parsers.parse("a source holding {count:d} facts"), target_fixture="source")
def _(count: int) -> list[int]:
    return list(range(count))


@given("a backup of the source", target_fixture="backup_file")
def _(source: list[int], tmp_path) -> list[int]:
    return list(source)


@when("the backup is restored", target_fixture="restored")
def _(backup_file: list[int]) -> list[int]:
    return list(backup_file)


@then(parsers.re(r"the restored store holds (?P<count>\\d+) facts?$"))
def _(restored: list[int], source: list[int], count: str) -> None:
    assert len(restored) == int(count) == len(source)
'''
RAW_REGEX = re.compile(r"\(\?P<|\(\?:|\\[dswDSW]|\[\^|\?\$|\.\*|\\\.")


@pytest.fixture(scope="module")
def entries(pytestconfig: pytest.Config) -> list[glossary.Entry]:
    return glossary.collect(pytestconfig)


def test_each_step_says_what_it_needs_before_it_and_gives_after_it(pytester) -> None:
    project = HarnessProject(pytester, steps={"chained_steps": CHAINED_STEPS})
    result = project.run("--steps-glossary", backends="sqlite")
    assert result.returncode == 0, result.output
    blocks = {
        block.splitlines()[0].strip(): block
        for block in result.output.split("\n\n")
        if block.startswith("  ")
    }
    backup = blocks["Given a backup of the source"]
    assert "needs      an earlier step such as 'Given a source holding {count} facts'" in backup
    assert "gives      'backup_file', for later steps such as 'When the backup is restored'" in (
        backup
    )
    assert "tmp_path" not in backup  # pytest's own fixtures come by themselves
    then = blocks["Then the restored store holds {count} fact(s)"]
    assert "needs      an earlier step such as 'When the backup is restored'" in then
    assert "needs      an earlier step such as 'Given a source holding {count} facts'" in then
    assert "parameter  count: whole number" in then
    assert "needs" not in blocks["Given a source holding {count} facts"]


def test_no_entry_shows_a_regular_expression(entries) -> None:
    shown = glossary_render.text(entries)
    found = [line for line in shown.splitlines() if RAW_REGEX.search(line)]
    assert found == []
    html = glossary_render.html(entries)
    assert not RAW_REGEX.search(html.split("<main>")[1])


def test_every_parameter_has_its_form_or_allowed_values_in_words(entries) -> None:
    for entry in entries:
        for param in entry.parameters:
            assert param.kind and not RAW_REGEX.search(param.described), (entry.phrase, param)


def test_the_restored_file_lists_its_allowed_values(entries) -> None:
    [restore] = [
        e
        for e in entries
        if e.phrase == "{file} is restored into the target, replacing what it holds"
    ]
    [file] = restore.parameters
    assert file.allowed[:2] == ["the backup", "the backup cut short"]
    assert '"the backup listing no tables"' in file.described
    assert not restore.context.parser.is_matching(
        "the backup file is restored into the target, replacing what it holds"
    )


def test_a_regular_expression_reads_as_a_phrase() -> None:
    phrase, forms = readable(r"(?P<count>\d+) agents?( with (?P<each>\d+) executions? each)?$")
    assert phrase == "{count} agent(s) [with {each} execution(s) each]"
    assert forms == {"count": "whole number", "each": "whole number"}
    assert readable(r'"(?P<name>[^"]+)" is (?P<light>red|green)')[1] == {
        "name": "any words, between double quotes",
        "light": 'one of: "red", "green"',
    }


def test_no_parameter_is_left_as_bare_any_words(entries) -> None:
    """Free text is always quoted ("any words, between double quotes"); a bare parameter has a
    form or a list of values."""
    bare = [(e.phrase, p.name) for e in entries for p in e.parameters if p.kind == "any words"]
    assert bare == []


def step_matching(entries, phrase: str):
    [entry] = [e for e in entries if e.phrase == phrase]
    return entry.context.parser


def test_a_refusal_reason_lease_time_and_version_take_only_their_values(entries) -> None:
    refused = step_matching(entries, "the request is refused because {reason}")
    assert refused.is_matching('the request is refused because the name "ada b" is taken')
    assert refused.is_matching("the request is refused because the queue name is not usable")
    assert not refused.is_matching("the request is refused because it felt like it")
    lease = step_matching(entries, '"{owner}" asks for the lease "{name}" for {ttl}')
    assert lease.parse_arguments('"ada" asks for the lease "x" for -5 seconds')["ttl"] == -5
    assert not lease.is_matching('"ada" asks for the lease "x" for 5 seconds')
    version = step_matching(entries, "the backend answers with version {minimum} or newer")
    assert version.parse_arguments("the backend answers with version 3.35 or newer") == {
        "minimum": (3, 35)
    }
    assert not version.is_matching("the backend answers with version three or newer")
