"""``python -m benchmarks``: run the families, print the table, write JSON and charts."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from benchmarks import FAMILIES
from benchmarks.common import QUICK_SIZES, SIZES, Row, Settings
from benchmarks.report import charts, table, write_json


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="agentstore's speed against the raw clients and its targets.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"sizes {', '.join(map(str, QUICK_SIZES))}, one round, and only "
        "the families marked quick (about a minute)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(FAMILIES),
        metavar="FAMILY",
        help=f"run only these families: {', '.join(FAMILIES)}",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("reports"),
        help="where benchmarks.json and the charts go (default: reports/)",
    )
    parser.add_argument(
        "--sizes",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        help="override the sizes, e.g. 1000,10000",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    settings = Settings(
        quick=args.quick, sizes=QUICK_SIZES if args.quick else SIZES, rounds=1 if args.quick else 3
    )
    if args.sizes:
        settings.sizes = args.sizes
    chosen = args.only or [name for name, (_, quick) in FAMILIES.items() if quick or not args.quick]
    rows: list[Row] = []
    args.out.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        started = time.perf_counter()
        print(f"{name} ...", flush=True)
        family = importlib.import_module(FAMILIES[name][0])
        found = family.run(settings)
        rows += found
        if found:  # each family's figures as soon as they exist, and kept on disk
            print(table(found), flush=True)
            write_json(rows, settings, args.out)
        print(f"({len(found)} rows in {time.perf_counter() - started:.1f} s)\n", flush=True)
    written = [write_json(rows, settings, args.out), *charts(rows, args.out)]
    print("wrote " + ", ".join(str(path) for path in written))
    missed = sum(r["pass"] is False for r in rows)
    print(f"{sum(r['pass'] is True for r in rows)} targets met, {missed} missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
