"""Child processes keep their byte code in the run's private cache, never in the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.bytecode import NO_WRITE, PREFIX

REPO = Path(__file__).resolve().parents[1]


def child(*code: str, cwd: Path) -> list[str]:
    """The lines a fresh interpreter prints, started as the harness starts children."""
    done = subprocess.run(
        [sys.executable, "-c", "\n".join(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


def test_children_get_a_prefix_in_the_run_s_basetemp_and_may_write_byte_code(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    prefix = Path(os.environ[PREFIX])
    here = tmp_path_factory.getbasetemp()
    assert prefix.name == "pycache" and prefix.is_dir()
    assert here == prefix.parent or prefix.parent in here.parents, (prefix, here)
    assert NO_WRITE not in os.environ


def test_a_module_a_child_imports_is_compiled_once_into_the_prefix(tmp_path: Path) -> None:
    (tmp_path / "fresh_module.py").write_text("ANSWER = 42\n")
    show = ("import fresh_module", "print(fresh_module.__cached__)")
    cached = Path(child(*show, cwd=tmp_path)[0])
    assert cached.is_file() and Path(os.environ[PREFIX]) in cached.parents
    assert not (tmp_path / "__pycache__").exists()
    written = cached.stat().st_mtime_ns
    child(*show, cwd=tmp_path)
    assert cached.stat().st_mtime_ns == written  # read, not compiled again


def test_a_child_would_write_repository_byte_code_into_the_prefix_only() -> None:
    (target,) = child(
        "import importlib.util, sys",
        f"print(importlib.util.cache_from_source({str(REPO / 'harness' / 'bytecode.py')!r}))",
        cwd=REPO,
    )
    assert Path(os.environ[PREFIX]) in Path(target).parents
    assert REPO not in Path(target).parents


def test_a_run_started_without_a_prefix_makes_its_own_and_leaves_this_process_alone(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        test_inner="""
        import os

        def test_env(tmp_path_factory):
            root = tmp_path_factory.getbasetemp()
            assert os.environ["PYTHONPYCACHEPREFIX"] == str(root / "pycache")
            assert "PYTHONDONTWRITEBYTECODE" not in os.environ
        """
    )
    monkeypatch.delenv(PREFIX)
    monkeypatch.setenv(NO_WRITE, "1")
    inner = pytester.runpytest_inprocess(
        "-p", "harness.bytecode", "-p", "no:randomly", "-p", "no:asyncio"
    )
    inner.assert_outcomes(passed=1)
    assert PREFIX not in os.environ and os.environ[NO_WRITE] == "1"  # put back after the run
