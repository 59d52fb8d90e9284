"""``agentstore doctor``: check that each backend answers and show its version.

A backend that answers but runs in a way that may lose data (a Redis without persistence)
gets a ``warn`` line under its ``ok`` line; warnings never change the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from agentstore import doctor
from agentstore.errors import AgentstoreError, AuthenticationFailed

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "doctor",
        help="check the backends",
        description="Check each backend and print what answered. With no options, check the "
        "local PostgreSQL and Redis on their default ports and an in-memory SQLite.",
    )
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL URL")
    parser.add_argument(
        "--redis", metavar="URL", help="a Redis URL, or redis+cluster://host:port,... for a cluster"
    )
    parser.add_argument("--sqlite", metavar="PATH", help="a SQLite file or sqlite:/// URL")
    parser.add_argument(
        "--timeout",
        type=float,
        default=doctor.DEFAULT_TIMEOUT,
        help="seconds to wait for each server (default: %(default)s)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    targets: list[tuple[str, str | None, Callable[[str], doctor.BackendReport]]] = [
        ("postgres", args.postgres, lambda u: doctor.check_postgres(u, args.timeout)),
        ("redis", args.redis, lambda u: doctor.check_redis(u, args.timeout)),
        ("sqlite", args.sqlite, doctor.check_sqlite),
    ]
    if not any(value for _, value, _ in targets):
        defaults = {"postgres": DEFAULT_POSTGRES, "redis": DEFAULT_REDIS, "sqlite": ":memory:"}
        targets = [(name, defaults[name], check) for name, _, check in targets]
    failed: dict[str, list[str]] = {}
    for name, value, check in targets:
        if not value:
            continue
        try:
            report = check(value)
        except AgentstoreError as error:
            print(f"{name:<9} FAIL  {error}")
            failed.setdefault(_cause(error), []).append(name)
            continue
        print(f"{name:<9} ok    {report}")
        # A warning is advice about how the backend runs; it answers, so the check passes.
        for warning in report.warnings:
            print(f"{name:<9} warn  {warning}")
    if failed:
        causes = "; ".join(f"{cause}: {', '.join(names)}" for cause, names in failed.items())
        print(f"agentstore: error: {causes}", file=sys.stderr)
        return 1
    return 0


def _cause(error: AgentstoreError) -> str:
    """The words the closing line gives a failed check: a refused login is no outage."""
    if isinstance(error, AuthenticationFailed):
        return "authentication failed"
    return "unreachable"
