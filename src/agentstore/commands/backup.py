"""``agentstore backup``: write a backup file of a database (PostgreSQL, SQLite; Redis memory)."""

from __future__ import annotations

import argparse

from agentstore import backup as backups


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "backup",
        help="write a backup file of a database",
        description="Back up a database into one file: PostgreSQL with pg_dump (custom format), "
        "SQLite with its online backup API, Redis memory as a portable archive. The file "
        "records row counts and checksums, which every restore verifies.",
    )
    parser.add_argument("--url", required=True, help="the database URL")
    parser.add_argument("--out", required=True, metavar="FILE", help="the backup file to write")
    parser.add_argument(
        "--namespace", default="aqe", help="Redis only: the memory namespace (default: aqe)"
    )
    parser.add_argument(
        "--prefix", default="", help="Redis only: the memory's key prefix (default: none)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    summary = backups.backup(
        args.url, args.out, backups.Progress(), namespace=args.namespace, prefix=args.prefix
    )
    print(summary)
    return 0
