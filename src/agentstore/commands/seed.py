"""``agentstore seed``: fill a migrated database with plausible demo agents and executions."""

from __future__ import annotations

import argparse

from agentstore.db import Database, demo
from agentstore.urls import redact


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "seed",
        help="add demo agents and executions",
        description="Add N demo agents with M executions each to a migrated database. "
        "The same --seed gives the same records.",
    )
    parser.add_argument("--url", required=True, help="the database URL")
    parser.add_argument("--agents", type=int, required=True, metavar="N")
    parser.add_argument("--executions", type=int, required=True, metavar="M", help="per agent")
    parser.add_argument("--seed", type=int, default=None, metavar="S", help="random seed")
    parser.set_defaults(run=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.agents < 0 or args.executions < 0:
        args.parser.error("--agents and --executions must be 0 or more")
    with Database(args.url) as database:
        names = demo.seed(database, args.agents, args.executions, args.seed)
    print(f"{redact(args.url)}: added {len(names)} agents with {args.executions} executions each")
    return 0
