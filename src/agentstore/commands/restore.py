"""``agentstore restore``: bring a backup file back into a database, verified, all or nothing."""

from __future__ import annotations

import argparse

from agentstore import backup as backups


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "restore",
        help="restore a backup file into a database",
        description="Restore a backup file into a new or empty database. Counts and checksums "
        "are verified before anything is committed; on any failure the target keeps exactly "
        "what it held. A target that holds data is refused unless --force.",
    )
    parser.add_argument("--url", required=True, help="the database URL to restore into")
    parser.add_argument("--input", required=True, metavar="FILE", help="the backup file")
    parser.add_argument(
        "--force", action="store_true", help="replace what the target holds (once verified)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(backups.restore(args.url, args.input, force=args.force, progress=backups.Progress()))
    return 0
