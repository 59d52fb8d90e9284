"""What importing agentstore loads: the migration tool and the demo-data maker load only when
a migration runs or demo data is made (Alembic was a quarter of importing agentstore, 0.13
of 0.65 s of CPU, for every CLI command and every program that only stores memories)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_agentstore_and_its_cli_loads_neither_alembic_nor_faker():
    show = "import sys, agentstore, agentstore.cli; print(sorted(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", show],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'alembic'" not in loaded
    assert "'faker'" not in loaded
    assert "'agentstore.cli'" in loaded  # the check looked at a real import
