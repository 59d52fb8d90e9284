"""How much of agentstore the specification covers, per capability, for its readers.

After a run of the features under coverage.py (README, "Coverage"), ``coverage json`` writes one
summary per module; this adds them up per capability (memory, coordination, backup, ...), prints
the table, and with a page writes it into the living-documentation page as its own section:

    python -m harness.reporting.coverage_section coverage.json [reports/index.html]

It reads coverage's JSON report, not its data file: the JSON is coverage's documented output
for other tools, so the harness needs no coverage import, and a page can be given numbers
measured elsewhere (CI's artifact). Running it again replaces the section it wrote.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

BEGIN = "<!-- coverage: begin -->"
END = "<!-- coverage: end -->"
PACKAGE = "agentstore"


@dataclass(frozen=True)
class Capability:
    name: str
    modules: tuple[str, ...]  # paths inside src/agentstore: "memory/" a folder, "cli.py" a file
    specified_by: str  # where the specification speaks of it, in a reader's words


CAPABILITIES = (
    Capability("memory", ("memory/",), "features/memory, features/cluster"),
    Capability("coordination", ("coordination/",), "features/coordination"),
    Capability("backup", ("backup/",), "features/backup"),
    Capability("migrations", ("migrations/",), "features/migrations"),
    Capability("records", ("db/",), "features/records, features/personal_edition"),
    Capability(
        "connections",
        ("urls.py", "auth.py", "postgres_binaries.py"),
        "features/connections, features/platform",
    ),
    Capability(
        "command line",
        ("cli.py", "commands/", "doctor.py"),
        "features/faults (doctor), features/backup (the CLI in a process)",
    ),
    Capability("asyncio", ("asyncio/",), "the --api=async pass over memory and coordination"),
    Capability("shared", ("__init__.py", "errors.py", "values.py", "driving.py"), "every feature"),
)


@dataclass
class Tally:
    lines: int = 0
    lines_covered: int = 0
    branches: int = 0
    branches_covered: int = 0
    modules: list[str] = field(default_factory=list)

    def add(self, module: str, summary: dict) -> None:
        self.modules.append(module)
        self.lines += summary["num_statements"]
        self.lines_covered += summary["covered_lines"]
        self.branches += summary.get("num_branches", 0)
        self.branches_covered += summary.get("covered_branches", 0)

    def __iadd__(self, other: Tally) -> Tally:
        self.lines += other.lines
        self.lines_covered += other.lines_covered
        self.branches += other.branches
        self.branches_covered += other.branches_covered
        self.modules += other.modules
        return self

    @property
    def combined(self) -> float:
        """Lines and branches together, as ``coverage report`` counts its total."""
        return percent(self.lines_covered + self.branches_covered, self.lines + self.branches)


def percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0


def module_path(filename: str) -> str | None:
    """``src/agentstore/memory/sql_backend.py`` -> ``memory/sql_backend.py``; None outside."""
    parts = Path(filename).as_posix().split("/")
    if PACKAGE not in parts[:-1]:
        return None
    return "/".join(parts[len(parts) - 1 - parts[::-1].index(PACKAGE) + 1 :])


def capability_of(module: str) -> Capability | None:
    for capability in CAPABILITIES:
        for owned in capability.modules:
            if module == owned or (owned.endswith("/") and module.startswith(owned)):
                return capability
    return None


def tallies(report: dict) -> dict[str, Tally]:
    """Per capability, in CAPABILITIES order, from a ``coverage json`` report. A module of
    agentstore no capability names is an error: it would be measured and shown nowhere."""
    found = {capability.name: Tally() for capability in CAPABILITIES}
    for filename, data in sorted(report["files"].items()):
        module = module_path(filename)
        if module is None:
            continue
        capability = capability_of(module)
        if capability is None:
            raise ValueError(f"{module}: no capability in coverage_section.CAPABILITIES owns it")
        found[capability.name].add(module, data["summary"])
    return found


def total_of(found: dict[str, Tally]) -> Tally:
    total = Tally()
    for tally in found.values():
        total += tally
    return total


def fraction(part: int, whole: int) -> str:
    return f"{percent(part, whole):.0f} % ({part:,}/{whole:,})"


def table(report: dict) -> str:
    """The terminal's table: one line per capability and the total."""
    found = tallies(report)
    rows = [(name, t) for name, t in found.items()] + [("total", total_of(found))]
    out = [f"{'capability':<14} {'lines':>20} {'branches':>18} {'together':>9}"]
    for name, t in rows:
        out.append(
            f"{name:<14} {fraction(t.lines_covered, t.lines):>20} "
            f"{fraction(t.branches_covered, t.branches):>18} {t.combined:>8.0f} %"
        )
    return "\n".join(out)


def bar(value: float) -> str:
    return (
        f'<span class="cov-bar" title="{value:.1f} %"><span style="width:{value:.1f}%">'
        "</span></span>"
    )


def section_html(report: dict, detail_href: str | None = None) -> str:
    """The page's section: one row per capability, what speaks for it, lines and branches."""
    found = tallies(report)
    by_name = {capability.name: capability for capability in CAPABILITIES}
    rows = []
    for name, t in found.items():
        rows.append(
            f'<tr data-capability="{escape(name)}"><th>{escape(name)}</th>'
            f'<td class="muted">{escape(by_name[name].specified_by)}</td>'
            f"<td>{fraction(t.lines_covered, t.lines)}</td>"
            f"<td>{fraction(t.branches_covered, t.branches)}</td>"
            f"<td>{bar(t.combined)} {t.combined:.0f} %</td></tr>"
        )
    total = total_of(found)
    rows.append(
        '<tr data-capability="total" class="total"><th>all of agentstore</th><td></td>'
        f"<td>{fraction(total.lines_covered, total.lines)}</td>"
        f"<td>{fraction(total.branches_covered, total.branches)}</td>"
        f"<td>{bar(total.combined)} {total.combined:.0f} %</td></tr>"
    )
    meta = report.get("meta", {})
    measured = escape(str(meta.get("timestamp", "?")).partition(".")[0].replace("T", " "))
    branch = "with branch coverage" if meta.get("branch_coverage") else "lines only"
    detail = f' <a href="{escape(detail_href)}">Line by line</a>.' if detail_href else ""
    return (
        f'{BEGIN}<section class="coverage" id="coverage">'
        "<h2>How much of agentstore the specification covers</h2>"
        f'<p class="muted">Measured by coverage.py {escape(str(meta.get("version", "")))} '
        f"{branch}, over the scenarios (their CLI and agent processes included) and the "
        f"asyncio pass; measured {measured}.{detail}</p>"
        '<table class="coverage"><thead><tr><th>capability</th><th>specified in</th>'
        "<th>lines</th><th>branches</th><th>together</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>{END}"
    )


def with_section(page: str, section: str) -> str:
    """The page with ``section`` in its coverage slot, replacing any section written before."""
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start:
        raise ValueError("the page has no coverage slot: is it a living-documentation page?")
    return page[:start] + section + page[end + len(END) :]


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    try:
        report = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
        print(table(report))
        if len(argv) == 2:
            page = Path(argv[1])
            detail = page.parent / "coverage" / "index.html"
            href = "coverage/index.html" if detail.exists() else None
            written = with_section(page.read_text(encoding="utf-8"), section_html(report, href))
            page.write_text(written, encoding="utf-8")
            print(f"coverage section written into {page}")
    except (OSError, ValueError, KeyError) as error:  # one line, no traceback
        print(f"coverage_section: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
