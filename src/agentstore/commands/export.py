"""``agentstore export``: write the portable archive of any backend (tables and memory)."""

from __future__ import annotations

import argparse

from agentstore import backup as backups


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "export",
        help="write a portable archive (any backend)",
        description="Write every table and every live memory entry, with its remaining "
        "time-to-live, to one portable archive that `agentstore import` loads into any backend.",
    )
    parser.add_argument("--url", required=True, help="the database or Redis URL")
    parser.add_argument("--out", required=True, metavar="FILE", help="the archive to write")
    parser.add_argument("--namespace", default="aqe", help="the memory namespace (default: aqe)")
    parser.add_argument("--prefix", default="", help="the memory's key prefix (default: none)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    summary = backups.export(
        args.url,
        args.out,
        namespace=args.namespace,
        prefix=args.prefix,
        progress=backups.Progress(),
    )
    print(summary)
    return 0
