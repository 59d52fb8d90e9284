"""PostgreSQL's programs for a throwaway server: a hung one fails like any other, and a
server started with a password keeps it in no file."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from harness.servers.ladder import Provisioner, postgres_binaries
from harness.servers.pg_programs import PostgresPrograms, ProgramFailed


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_hung_program_fails_as_the_module_says_and_all_it_started_is_stopped(
    tmp_path: Path,
) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    hung = bindir / "initdb"  # like initdb and its ``postgres --boot``, or runuser and initdb
    hung.write_text(f"#!/bin/sh\nsleep 30 &\necho $$ $! > {tmp_path}/pids\nwait\n")
    hung.chmod(0o755)
    programs = PostgresPrograms(bindir, tmp_path, None, bindir)
    started = time.monotonic()
    with pytest.raises(ProgramFailed, match=r"initdb failed: no answer within 0.5 s"):
        programs.run("initdb", timeout=0.5)
    assert time.monotonic() - started < 10
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    deadline = time.monotonic() + 5
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in pids if _alive(p)] == []


@pytest.mark.skipif(not postgres_binaries(), reason="needs initdb and pg_ctl")
def test_the_password_file_is_gone_once_initdb_has_read_it() -> None:
    provisioner = Provisioner()
    try:
        service, programs = provisioner.start_postgres(postgres_binaries()[0], password="s3cret")
        assert sorted(p.name for p in programs.home.iterdir() if "pw" in p.name) == []
        libpq = service.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(libpq, connect_timeout=5) as conn:  # the password still works
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        provisioner.stop_all()
