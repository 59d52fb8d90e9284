"""Child processes keep their byte code in the run's private cache, never beside the sources.

Each test starts an inner pytest run with the environment it describes (whatever the outer
run's own environment is), and that run's test starts a child interpreter as the harness does.
"""

from __future__ import annotations

import json
import os

import pytest

from harness.bytecode import NO_WRITE, PREFIX

INNER = """
import json, os, subprocess, sys
from pathlib import Path


def child(*code, cwd):
    done = subprocess.run([sys.executable, "-c", "\\n".join(code)], cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.splitlines()


def test_child(tmp_path, pytestconfig):
    (tmp_path / "fresh_module.py").write_text("ANSWER = 42\\n")
    show = ("import fresh_module", "print(fresh_module.__cached__)")
    cached = Path(child(*show, cwd=tmp_path)[0])
    Path(os.environ["REPORT"]).write_text(json.dumps({
        "prefix": os.environ.get("PYTHONPYCACHEPREFIX"),
        "no_write": os.environ.get("PYTHONDONTWRITEBYTECODE"),
        "cache": str(pytestconfig.cache.mkdir("pycache")),
        "cached": str(cached),
        "written": cached.is_file(),
        "beside_source": (tmp_path / "__pycache__").exists(),
        "mtime": cached.stat().st_mtime_ns if cached.is_file() else None,
        "again": cached.stat().st_mtime_ns if cached.is_file() and child(*show, cwd=tmp_path)
        else None,
    }))
"""


def inner_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:
    """Run INNER in-process with exactly ``env`` for the two variables; what its test saw."""
    for name in (PREFIX, NO_WRITE):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    report = pytester.path / "report.txt"
    monkeypatch.setenv("REPORT", str(report))
    pytester.makepyfile(test_inner=INNER)
    inner = pytester.runpytest_inprocess(
        "-p", "harness.bytecode", "-p", "no:randomly", "-p", "no:asyncio"
    )
    inner.assert_outcomes(passed=1)
    return json.loads(report.read_text())


def test_with_byte_code_off_children_compile_once_into_pytest_s_cache(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = inner_run(pytester, monkeypatch, **{NO_WRITE: "1"})
    assert seen["prefix"] == seen["cache"] and seen["no_write"] is None
    assert seen["written"] and seen["cache"] in seen["cached"]
    assert not seen["beside_source"]
    assert seen["again"] == seen["mtime"]  # the second child read it, did not compile again
    assert PREFIX not in os.environ and os.environ[NO_WRITE] == "1"  # put back after the run


def test_with_byte_code_on_nothing_changes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = inner_run(pytester, monkeypatch)
    assert seen["prefix"] is None and seen["no_write"] is None
    assert seen["beside_source"]  # Python's usual __pycache__, as the user has it


def test_a_prefix_already_set_is_kept(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path_factory
) -> None:
    own = tmp_path_factory.mktemp("own-prefix")
    seen = inner_run(pytester, monkeypatch, **{PREFIX: str(own), NO_WRITE: "1"})
    assert seen["prefix"] == str(own) and seen["no_write"] == "1"
    assert not seen["written"] and not seen["beside_source"]  # the user said: write none
