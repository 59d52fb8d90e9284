"""Backup files an attacker would write, and a fingerprint of everything they could touch.

The hostile PostgreSQL source holds, besides agentstore's schema and records, a trigger
function that rewrites every new agent's role, a BEFORE INSERT trigger on ``agents``, an
event trigger, and a table of its own. Its plain ``pg_dump -Fc`` is wrapped in the manifest
of an honest backup of the same records, so only the dump's extra entries are hostile.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
import zipfile
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg

from agentstore import backup as backups
from agentstore.backup import pg_tools
from agentstore.db.sqlite_files import sqlite_path
from agentstore.urls import libpq_url

HOSTILE_SQL = """
CREATE FUNCTION public.hijack() RETURNS trigger LANGUAGE plpgsql
  AS $$ BEGIN NEW.role := 'hijacked'; RETURN NEW; END $$;
CREATE TRIGGER hijack BEFORE INSERT ON public.agents
  FOR EACH ROW EXECUTE FUNCTION public.hijack();
CREATE FUNCTION public.snoop() RETURNS event_trigger LANGUAGE plpgsql
  AS $$ BEGIN RAISE NOTICE 'snooped'; END $$;
CREATE EVENT TRIGGER snoop_{tag} ON ddl_command_end EXECUTE FUNCTION public.snoop();
CREATE TABLE public.loot (secret text);
INSERT INTO public.loot VALUES ('taken');
"""
SQLITE_FOREIGN = """
CREATE TABLE loot (secret TEXT);
CREATE TRIGGER wipe AFTER INSERT ON agents BEGIN DELETE FROM executions; END;
"""
#: A name that closes a dollar-quoted block and asks psql to run a shell command.
SHELL_NAME = "x$verify$\n\\! touch {path}\n"


def make_hostile(url: str, tag: str) -> None:
    """Add the hostile objects to the (migrated, seeded) database at ``url``."""
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute(HOSTILE_SQL.format(tag=tag).encode())


def wrap_raw_dump(url: str, honest: Path, out: Path) -> Path:
    """``out``: the honest backup file with its dump replaced by a plain pg_dump of ``url``."""
    with psycopg.connect(libpq_url(url)) as connection:
        major = connection.info.server_version // 10000
    tools = pg_tools.tools_for(major)
    raw = out.with_suffix(".raw")
    subprocess.run(
        [tools.pg_dump, "--format=custom", f"--file={raw}", f"--dbname={libpq_url(url)}"],
        check=True,
    )
    replace_member(honest, out, "database.dump", raw.read_bytes())
    return out


def replace_member(source: Path, out: Path, name: str, data: bytes) -> Path:
    """A copy of the backup file ``source`` with member ``name`` holding ``data``."""
    with zipfile.ZipFile(source) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[name] = data
    with zipfile.ZipFile(out, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return out


def with_tables(source: Path, out: Path, tables: dict[str, Any]) -> Path:
    """A copy of ``source`` whose manifest lists ``tables``."""
    with zipfile.ZipFile(source) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["tables"] = tables
    return replace_member(source, out, "manifest.json", json.dumps(manifest).encode())


def with_shell_table(path: Path) -> Path:
    """The backup file with one more table listed, named to break out of a script."""
    with zipfile.ZipFile(path) as archive:
        listed = json.loads(archive.read("manifest.json"))["tables"]
    listed[SHELL_NAME.format(path=path.with_suffix(".pwned"))] = {"rows": 0, "checksum": "x"}
    return with_tables(path, path.with_suffix(".shell.zip"), listed)


def backup_with_foreign_objects(url: str, backend: str, folder: Path) -> Path:
    """A backup of the store at ``url`` after another application added objects of its own."""
    out = folder / "foreign.zip"
    if backend == "postgres":
        backups.backup(url, folder / "honest.zip")
        make_hostile(url, uuid.uuid4().hex[:8])
        return wrap_raw_dump(url, folder / "honest.zip", out)
    path = sqlite_path(url)
    assert path is not None, "a SQLite file"
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(SQLITE_FOREIGN)
    backups.backup(url, out)
    return out


def fingerprint(url: str) -> dict[str, Any]:
    """What a hostile file could change: functions, triggers, event triggers, roles, tables
    and every row of agentstore's tables."""
    queries = {
        "functions": "SELECT proname FROM pg_proc p JOIN pg_namespace n"
        " ON n.oid = p.pronamespace WHERE nspname = 'public' ORDER BY 1",
        "triggers": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
        "event_triggers": "SELECT evtname FROM pg_event_trigger ORDER BY 1",
        "roles": "SELECT rolname, rolsuper FROM pg_roles ORDER BY 1",
        "tables": "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
        "agents": "SELECT * FROM public.agents ORDER BY id",
        "executions": "SELECT * FROM public.executions ORDER BY id",
        "sequences": "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1",
    }
    with psycopg.connect(libpq_url(url)) as connection:
        return {name: connection.execute(q.encode()).fetchall() for name, q in queries.items()}
