"""One living-documentation report from the reports of several shards of one run.

A suite split across CI machines (``pytest-split``: ``--splits 2 --group 1``) gives each shard
its own ``--living-docs=DIR``. Besides the page, each DIR holds ``results.json``: every test's
outcome as that shard's controller saw it, and where its feature files were. This module reads
them all, places every result on its run as one session would, and writes the same five files::

    python -m harness.reporting.merge reports/ shard-1/ shard-2/

The page, ``cucumber.json``, ``messages.ndjson`` and ``junit.xml`` are built again from the
combined results (so totals, rule lines and ids are one run's); ``steps.html`` is the first
shard's (every shard lists the same steps). The feature files are read from this checkout: a
shard that ran in another folder has its paths moved here.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.reporting.living_docs_model import Result

RESULTS = "results.json"
PAGES = ("index.html", "cucumber.json", "messages.ndjson", "junit.xml")


@dataclass
class Shard:
    """What one shard's controller saw, as written to ``DIR/results.json``."""

    root: str
    features: str  # the features folder, relative to root
    started: float
    finished: float
    results: list[Result]
    collect_errors: list[tuple[str, str]] = field(default_factory=list)

    def dumps(self) -> str:
        data = asdict(self)
        data["results"] = [asdict(r) for r in self.results]
        return json.dumps(data)

    @classmethod
    def load(cls, directory: Path) -> Shard:
        path = directory / RESULTS
        if not path.is_file():
            raise SystemExit(f"merge: {directory} holds no {RESULTS} (run it with --living-docs)")
        data = json.loads(path.read_text(encoding="utf-8"))
        data["results"] = [Result(**r) for r in data["results"]]
        data["collect_errors"] = [tuple(e) for e in data.get("collect_errors", [])]
        return cls(**data)

    def moved_to(self, root: Path) -> list[Result]:
        """Its results with each feature file's path under ``root`` instead of its own."""
        own = Path(self.root)
        for result in self.results:
            payload = result.payload or {}
            path = Path(payload.get("path", ""))
            if payload and path.is_relative_to(own):
                payload["path"] = str(root / path.relative_to(own))
        return self.results


def load_steps(root: Path) -> None:
    """Import the step modules the root conftest registers: the NDJSON lists their definitions."""
    tree = ast.parse((root / "conftest.py").read_text(encoding="utf-8"))
    plugins: list[str] = next(
        (
            ast.literal_eval(node.value)
            for node in tree.body
            if isinstance(node, ast.Assign)
            and getattr(node.targets[0], "id", None) == "pytest_plugins"
        ),
        [],
    )
    sys.path.insert(0, str(root))
    for name in plugins:
        if name.startswith("steps."):
            importlib.import_module(name)


def merge(out: Path, shards: list[Path], root: Path) -> int:
    """Write the merged report into ``out``; returns how many results it holds."""
    from harness.reporting import (
        living_docs_cucumber,
        living_docs_junit,
        living_docs_messages,
        living_docs_render,
    )
    from harness.reporting.living_docs_results import build_report

    read = [Shard.load(directory) for directory in shards]
    results = [result for shard in read for result in shard.moved_to(root)]
    twice = sorted(nodeid for nodeid, n in Counter(r.nodeid for r in results).items() if n > 1)
    if twice:  # kept (each on a row of its own), but a split should not run a test twice
        print(f"merge: {len(twice)} tests ran in more than one shard, e.g. {twice[0]}")
    started = min(shard.started for shard in read)
    finished = max(shard.finished for shard in read)
    load_steps(root)
    report = build_report(
        root / read[0].features,
        results,
        wall_seconds=finished - started,
        collect_errors=[e for shard in read for e in shard.collect_errors],
        root=root,
    )
    out.mkdir(parents=True, exist_ok=True)
    writers: dict[str, Callable[[], str]] = {
        "index.html": lambda: living_docs_render.render(report, glossary_href="steps.html"),
        "cucumber.json": lambda: json.dumps(living_docs_cucumber.render(report), indent=2),
        "messages.ndjson": lambda: living_docs_messages.render(report, root, started, finished),
        "junit.xml": lambda: living_docs_junit.render(report),
    }
    for name, write in writers.items():
        (out / name).write_text(write(), encoding="utf-8")
    if (shards[0] / "steps.html").is_file():
        shutil.copyfile(shards[0] / "steps.html", out / "steps.html")
    merged = Shard(str(root), read[0].features, started, finished, results, report.collect_errors)
    (out / RESULTS).write_text(merged.dumps(), encoding="utf-8")
    return len(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.reporting.merge",
        description="merge the --living-docs folders of a run's shards into one report",
    )
    parser.add_argument("out", type=Path, help="the folder to write the merged report to")
    parser.add_argument("shards", type=Path, nargs="+", help="each shard's --living-docs folder")
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="the checkout (default: this folder)"
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    count = merge(args.out, args.shards, args.root.resolve())
    page = (args.out / "index.html").resolve()
    print(
        f"merged {count} results from {len(args.shards)} shards in "
        f"{time.perf_counter() - began:.1f} s: {page}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
