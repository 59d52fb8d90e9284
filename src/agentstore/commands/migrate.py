"""``agentstore migrate up|down|current|history``: move a database along the schema history."""

from __future__ import annotations

import argparse

from agentstore.db import Database
from agentstore.db.sqlite_files import sqlite_path
from agentstore.migrations import runner
from agentstore.urls import redact


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "migrate",
        help="upgrade, downgrade or show a database's schema revision",
        description="Move a PostgreSQL or SQLite database along agentstore's schema history. "
        "'up' goes to the newest revision unless --to says otherwise; 'down' goes back one "
        "revision unless --to says otherwise ('--to base' removes every table).",
    )
    parser.add_argument(
        "action",
        choices=["up", "down", "current", "history"],
        help="up: upgrade; down: downgrade; current: show the revision; history: list them all",
    )
    parser.add_argument("--url", help="the database URL (not needed for 'history')")
    parser.add_argument(
        "--to",
        metavar="REV",
        help="the revision to move to (default: head for up, one back for down)",
    )
    parser.set_defaults(run=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.action == "history":
        head = runner.head()
        for revision in runner.history():
            marker = " (head)" if revision.id == head else ""
            print(f"{revision.id}{marker}  {revision.message.splitlines()[0]}")
        return 0
    if not args.url:
        args.parser.error(f"--url is required for {args.action!r}")
    # Only 'up' may create a SQLite file; it starts from nothing when there is none yet.
    path = sqlite_path(args.url)
    new_file = args.action == "up" and path is not None and not path.exists()
    with Database(args.url) as database:
        before = None if new_file else database.current_revision()
        if args.action == "current":
            print(before or "none (never migrated)")
            return 0
        if args.action == "up":
            database.upgrade(args.to or "head")
        else:
            database.downgrade(args.to or "-1")
        after = database.current_revision()
        print(f"{redact(args.url)}: {before or 'base'} -> {after or 'base'}")
    return 0
