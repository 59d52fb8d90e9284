"""The ``agentstore`` command line: one sub-command per module in ``agentstore.commands``.

Every command prints errors as one line on stderr and exits with code 1; no tracebacks.
A usage error (an unknown command, a missing or malformed option) is such an error too.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from agentstore.commands import COMMANDS, failures, leftovers
from agentstore.errors import AgentstoreError

# Python finds its temporary folder the first time it is asked, by writing and deleting a test
# file with a random name there: a backup or import killed at that moment left that file behind
# (seen once in tests/test_kills.py, whose kills land at random moments). Asked here, as the
# command line loads, before any command does its work.
tempfile.gettempdir()


class UsageError(Exception):
    """The command line could not be understood; the message is one line."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit code 1, like every error.

    Sub-command parsers are made from this class too (argparse uses the parent's class).
    """

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("agentstore").strip()
        where = f"{command}: " if command else ""
        hint = f"see '{self.prog} --help'"
        raise UsageError(f"{where}{' '.join(message.split())} ({hint})")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = Parser(
        prog="agentstore", description="Persistence for AI agents: manage and check a store."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 success, 1 failure).

    A library error the command did not turn into an ``AgentstoreError`` is translated by
    :mod:`agentstore.commands.failures`; anything else is reported as an internal error. All
    three are one line on stderr (secrets of ``--url`` withheld) and exit code 1.
    """
    args = argparse.Namespace()
    fresh: list[Path] = []
    try:
        args = build_parser().parse_args(argv)
        fresh = leftovers.missing_sqlite_files(args)
        code = _run(args)
    except UsageError as error:
        code = _fail(str(error), args)
    except KeyboardInterrupt:
        print("agentstore: interrupted", file=sys.stderr)
        code = 130
    if code != 0:
        leftovers.remove(fresh)  # a refused command leaves no SQLite file it created
    return code


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.run(args) or 0)
    except (AgentstoreError, UsageError) as error:
        return _fail(str(error), args)
    except KeyboardInterrupt:
        raise
    except Exception as error:
        known = failures.translate(error, args)
        if known is not None:
            return _fail(str(known), args)
        url = getattr(args, "url", None)
        detail = failures.one_line(error, url if isinstance(url, str) else None)
        return _fail(f"internal error ({type(error).__name__}): {detail or 'no message'}", args)


def _fail(message: str, args: argparse.Namespace) -> int:
    print(f"agentstore: error: {' '.join(message.split())}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
