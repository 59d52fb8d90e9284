"""The ``agentstore`` command line: one sub-command per module in ``agentstore.commands``.

Every command prints errors as one line on stderr and exits with code 1; no tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from agentstore.commands import COMMANDS
from agentstore.errors import AgentstoreError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="agentstore", description="Persistence for AI agents: manage and check a store."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 success, 1 failure, 2 usage error)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except AgentstoreError as error:
        print(f"agentstore: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("agentstore: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
