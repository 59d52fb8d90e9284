"""Steps for backup rules QA writes from the glossary: a good backup restored with force."""

from __future__ import annotations

from pathlib import Path

from pytest_bdd import when

from agentstore import backup as backups
from support.backup.workloads import Store


@when(
    "the store is backed up and restored into the target, replacing what it holds",
    target_fixture="restored",
)
def _(source: Store, target: Store, tmp_path: Path) -> Store:
    """Back the store up to a file, then restore that file with --force into the target,
    which held records of its own; the target is then the restored store."""
    backups.backup(source.url, tmp_path / "backup.zip")
    backups.restore(target.url, tmp_path / "backup.zip", force=True)
    return target
