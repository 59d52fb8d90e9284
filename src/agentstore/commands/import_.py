"""``agentstore import``: load a portable archive into any backend, verified, all or nothing."""

from __future__ import annotations

import argparse

from agentstore import backup as backups


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "import",
        help="load a portable archive (any backend)",
        description="Load a portable archive into an empty database or memory store. Counts and "
        "checksums are verified before anything is committed; on any failure the target keeps "
        "exactly what it held. A target that holds data is refused unless --force.",
    )
    parser.add_argument("--url", required=True, help="the database or Redis URL")
    parser.add_argument("--input", required=True, metavar="FILE", help="the archive to load")
    parser.add_argument("--prefix", default="", help="the memory's key prefix (default: none)")
    parser.add_argument(
        "--force", action="store_true", help="replace what the target holds (once verified)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    summary = backups.import_archive(
        args.url, args.input, force=args.force, prefix=args.prefix, progress=backups.Progress()
    )
    print(summary)
    return 0
