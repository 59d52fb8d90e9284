"""``python -m benchmarks`` end to end: one cheap family against the shared servers writes a
JSON report whose rows carry figures, references and ratios, and a chart.

Skipped when no PostgreSQL answers (the inserts family runs on it).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from agentstore.urls import libpq_url
from benchmarks.common import Settings

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {"family", "case", "backend", "size", "ours", "reference", "unit", "ratio", "target"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    try:
        psycopg.connect(libpq_url(Settings().postgres), connect_timeout=3).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL for the benchmark: {error}")
    out = tmp_path_factory.mktemp("reports")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--only",
            "inserts",
            "--sizes",
            "100,1000",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, out


def test_the_json_holds_every_row_with_its_ratio_and_the_machine(run: tuple[str, Path]) -> None:
    report = json.loads((run[1] / "benchmarks.json").read_text())
    assert {"cores", "python", "postgres", "redis", "date"} <= report["machine"].keys()
    assert 0 < report["machine"]["reference_seconds"] < 60  # how fast this machine is
    rows = report["rows"]
    assert {r["size"] for r in rows} == {100, 1000}
    for r in rows:
        assert r.keys() >= FIELDS and r["family"] == "inserts" and r["ours"] > 0
        assert r["reference"] > 0, r
        assert math.isclose(r["ratio"], r["ours"] / r["reference"]), r
    assert {r["case"] for r in rows} >= {"ORM", "Core", "record_executions", "seed"}


def test_the_table_and_the_chart(run: tuple[str, Path]) -> None:
    stdout, out = run
    assert "record_executions" in stdout and "psycopg COPY" in stdout
    chart = out / "benchmarks-inserts.png"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
