"""What a run leaves: the table on stdout, ``benchmarks.json`` and one PNG chart per family.

Reading the figures and rendering them never meet the measuring: this module only takes
the rows the families returned.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

import psycopg
import redis

from agentstore.urls import libpq_url
from benchmarks.common import Row, Settings
from benchmarks.machine_speed import reference_seconds

HEAD = ("family", "case", "backend", "size", "ours", "reference", "ratio", "target", "")


def _figure(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{text} {unit}".strip()


def _mark(passed: bool | None) -> str:
    return {True: "PASS", False: "MISS", None: ""}[passed]


def table(rows: list[Row]) -> str:
    """The rows as a fixed-width table, the target and a PASS/MISS mark beside each figure."""
    cells = [HEAD] + [
        (
            r["family"],
            r["case"],
            r["backend"],
            "" if r["size"] is None else f"{r['size']:,}",
            _figure(r["ours"], r["unit"]),
            _figure(r["reference"]) + (f" ({r['reference_name']})" if r["reference_name"] else ""),
            "-" if r["ratio"] is None else f"{r['ratio']:.2f}",
            r["target"] or "",
            _mark(r["pass"]),
        )
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in cells) for i in range(len(HEAD))]
    right = {3, 4, 6}
    return "\n".join(
        "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in cells
    )


def machine(settings: Settings) -> dict[str, Any]:
    """Facts about where the figures were taken."""
    facts: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "reference_seconds": reference_seconds(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "quick": settings.quick,
        "sizes": list(settings.sizes),
    }
    try:
        with psycopg.connect(libpq_url(settings.postgres), connect_timeout=3) as conn:
            facts["postgres"] = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    except psycopg.Error as error:
        facts["postgres"] = f"unavailable: {error}"
    try:
        with redis.Redis.from_url(settings.redis, socket_timeout=3) as client:
            facts["redis"] = client.info("server")["redis_version"]
    except redis.RedisError as error:
        facts["redis"] = f"unavailable: {error}"
    return facts


def write_json(rows: list[Row], settings: Settings, out: Path) -> Path:
    path = out / "benchmarks.json"
    document = {"machine": machine(settings), "notes": settings.notes, "rows": rows}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def charts(rows: list[Row], out: Path) -> list[Path]:
    """One PNG per family: per case and backend, ours against the reference across sizes
    (a line on log axes where there are several sizes, bars where there is one)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families: dict[str, dict[tuple[str, str], list[Row]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        families[r["family"]][(r["case"], r["backend"])].append(r)
    written = []
    for family, groups in families.items():
        columns = min(4, len(groups))
        lines = -(-len(groups) // columns)
        figure, axes = plt.subplots(lines, columns, figsize=(4 * columns, 3 * lines), squeeze=False)
        for axis in axes.flat[len(groups) :]:
            axis.set_visible(False)
        for axis, ((case, backend), group) in zip(axes.flat, groups.items(), strict=False):
            group = sorted(group, key=lambda r: r["size"] or 0)
            unit, reference = group[0]["unit"], group[0]["reference_name"] or "reference"
            sizes = [r["size"] or 0 for r in group]
            ours = [r["ours"] for r in group]
            theirs = [r["reference"] for r in group]
            if len(group) > 1:
                axis.plot(sizes, ours, "o-", label="agentstore")
                if any(t is not None for t in theirs):
                    axis.plot(sizes, theirs, "s--", label=reference)
                axis.set_xscale("log")
                axis.set_xticks(sizes, [f"{size:,}" for size in sizes])
                axis.minorticks_off()
                axis.set_xlabel("size")
            else:
                names, values = ["agentstore"], [ours[0]]
                if theirs[0] is not None:
                    names.append(reference)
                    values.append(theirs[0])
                axis.bar(names, values, color=["C0", "C1"][: len(values)])
            axis.set_title(f"{case} [{backend}]", fontsize=8)
            axis.set_ylabel(unit, fontsize=8)
            axis.tick_params(labelsize=7)
            if len(group) > 1:
                axis.legend(fontsize=6)
        figure.suptitle(f"{family}: agentstore against its reference")
        figure.tight_layout()
        path = out / f"benchmarks-{family}.png"
        figure.savefig(path, dpi=80)
        plt.close(figure)
        written.append(path)
    return written
