"""``agentstore seed``: fill a migrated database with plausible demo agents and executions."""

from __future__ import annotations

import argparse

from agentstore.backup.progress import Progress
from agentstore.db import Database, demo
from agentstore.db.sqlite_files import sqlite_file_must_exist
from agentstore.urls import redact


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "seed",
        help="add demo agents and executions",
        description="Add N demo agents and M demo executions in all, shared as evenly as "
        "whole numbers allow (5 agents and 40 executions: 8 each), to a migrated database. "
        "The same --seed gives the same records.",
    )
    parser.add_argument("--url", required=True, help="the database URL (migrated first)")
    parser.add_argument(
        "--agents", type=int, required=True, metavar="N", help="how many agents to add"
    )
    parser.add_argument(
        "--executions",
        type=int,
        required=True,
        metavar="M",
        help="how many executions to add in all, spread over the agents",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="the random seed: the same S gives the same records (default: random)",
    )
    parser.set_defaults(run=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.agents < 0 or args.executions < 0:
        args.parser.error("--agents and --executions must be 0 or more")
    if args.agents == 0 and args.executions > 0:
        args.parser.error(f"{args.executions} executions need at least one agent (--agents)")
    sqlite_file_must_exist(args.url)
    progress = Progress()
    with Database(args.url) as database:
        names = demo.seed(
            database,
            args.agents,
            executions=args.executions,
            seed=args.seed,
            progress=lambda done: progress.count("seeding executions", done, args.executions),
        )
    progress.done()
    print(f"{redact(args.url)}: added {len(names)} agents and {args.executions} executions")
    return 0
