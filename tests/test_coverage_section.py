"""The specification's coverage of agentstore, per capability: the configuration measures what
a features run starts (its CLI in a process included), and the page shows it per capability."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from spec_project import REPO, parse_html
from test_living_docs_render import report as small_report

from harness.reporting import coverage_section, living_docs_render
from harness.reporting.coverage_section import CAPABILITIES, capability_of, module_path

SOURCE = REPO / "src" / "agentstore"


def summary(lines: int, covered: int, branches: int = 0, taken: int = 0) -> dict:
    return {
        "summary": {
            "num_statements": lines,
            "covered_lines": covered,
            "num_branches": branches,
            "covered_branches": taken,
        }
    }


REPORT = {
    "meta": {"version": "7.18.0", "timestamp": "2026-12-06T04:00:00.1", "branch_coverage": True},
    "files": {
        "src/agentstore/memory/sql_backend.py": summary(100, 90, 20, 10),
        "src/agentstore/memory/protocol.py": summary(10, 10),
        "src/agentstore/commands/seed.py": summary(50, 10, 10, 0),
        "src/agentstore/cli.py": summary(50, 40, 10, 10),
        "/elsewhere/site-packages/sqlalchemy/engine.py": summary(999, 0),  # not agentstore
    },
}


def test_every_module_of_agentstore_belongs_to_exactly_one_capability() -> None:
    for path in sorted(SOURCE.rglob("*.py")):
        module = path.relative_to(SOURCE).as_posix()
        owners = [
            c.name
            for c in CAPABILITIES
            for owned in c.modules
            if module == owned or (owned.endswith("/") and module.startswith(owned))
        ]
        assert len(owners) == 1, f"{module} belongs to {owners or 'no capability'}"
        assert capability_of(module).name == owners[0]


def test_a_module_is_found_by_its_path_inside_agentstore() -> None:
    assert module_path("src/agentstore/memory/sql_backend.py") == "memory/sql_backend.py"
    assert module_path("/x/site-packages/agentstore/cli.py") == "cli.py"
    assert module_path("/x/site-packages/sqlalchemy/agentstore.py") is None


def test_lines_and_branches_add_up_per_capability() -> None:
    found = coverage_section.tallies(REPORT)
    memory, cli = found["memory"], found["command line"]
    assert (memory.lines, memory.lines_covered, memory.branches, memory.branches_covered) == (
        110,
        100,
        20,
        10,
    )
    assert (cli.lines, cli.lines_covered, cli.branches, cli.branches_covered) == (100, 50, 20, 10)
    assert round(cli.combined, 1) == 50.0  # (50 + 10) / (100 + 20)
    total = coverage_section.total_of(found)
    assert (total.lines, total.lines_covered) == (210, 150), "sqlalchemy is not agentstore"
    assert found["backup"].lines == 0


def test_a_module_no_capability_owns_is_an_error_not_left_out() -> None:
    stray = {"files": {"src/agentstore/newthing.py": summary(5, 5)}}
    try:
        coverage_section.tallies(stray)
    except ValueError as error:
        assert "newthing.py" in str(error)
    else:
        raise AssertionError("a module no capability owns was left out silently")


def test_the_page_shows_coverage_per_capability_and_replaces_it_when_run_again(
    tmp_path: Path,
) -> None:
    page_file = tmp_path / "index.html"
    page_file.write_text(living_docs_render.render(small_report(tmp_path)), encoding="utf-8")
    report_file = tmp_path / "coverage.json"
    report_file.write_text(json.dumps(REPORT))
    for _ in range(2):
        assert coverage_section.main([str(report_file), str(page_file)]) == 0
    text = page_file.read_text(encoding="utf-8")
    assert text.count('id="coverage"') == 1
    page = parse_html(text)
    rows = {
        tr.attrs["data-capability"]: tr for tr in page.select("tr") if "data-capability" in tr.attrs
    }
    assert list(rows) == [c.name for c in CAPABILITIES] + ["total"]
    assert "50 % (50/100)" in rows["command line"].text
    assert "50 % (10/20)" in rows["command line"].text
    assert "71 % (150/210)" in rows["total"].text
    assert text.index('id="coverage"') < text.index("<h2>Features</h2>")


def test_a_page_without_the_slot_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "c.json").write_text(json.dumps(REPORT))
    (tmp_path / "other.html").write_text("<html></html>")
    assert coverage_section.main([str(tmp_path / "c.json"), str(tmp_path / "other.html")]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert "no coverage slot" in line


def test_the_configuration_measures_the_cli_in_a_process_of_its_own(tmp_path: Path) -> None:
    """pyproject's [tool.coverage]: a program that runs ``agentstore`` in a subprocess, from
    another folder, as the backup and doctor steps do, gets the CLI's lines counted."""
    program = tmp_path / "program.py"
    program.write_text(
        "import subprocess, sys\n"
        "subprocess.run([sys.executable, '-m', 'agentstore.cli', 'migrate', '--help'],"
        " check=True, capture_output=True, cwd='/')\n"
    )
    env = {**os.environ, "COVERAGE_FILE": str(tmp_path / ".coverage")}
    env.pop("COVERAGE_PROCESS_START", None)
    env.pop("COVERAGE_PROCESS_CONFIG", None)
    rcfile = f"--rcfile={REPO / 'pyproject.toml'}"

    def coverage(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "coverage", args[0], rcfile, *args[1:]]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)

    assert coverage("run", str(program)).returncode == 0
    assert coverage("combine", "-q").returncode == 0
    reported = coverage("json", "-q", "--fail-under=0", "-o", str(tmp_path / "coverage.json"))
    # The program itself imports no agentstore: all data comes from the CLI's process.
    assert reported.returncode == 0, f"the CLI's process was not measured: {reported.stdout}"
    found = coverage_section.tallies(json.loads((tmp_path / "coverage.json").read_text()))
    assert found["command line"].lines_covered > 0, "the CLI's process was not measured"
    assert found["command line"].branches > 0, "branch coverage is on"
