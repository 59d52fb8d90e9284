"""The living-documentation report as one self-contained HTML page (inline CSS, no scripts)."""

from __future__ import annotations

import datetime
import re
from html import escape

from harness.backends import TITLES
from harness.reporting.living_docs_model import (
    ANY,
    ExamplesView,
    FeatureView,
    Report,
    RowView,
    RuleView,
    ScenarioView,
    StepView,
    worst,
)

BACKEND_TITLES = {**TITLES, ANY: "other"}
ICONS = {
    "passed": "✔",
    "failed": "✘",
    "undefined": "?",
    "skipped": "↷",
    "not run": "·",
}

CSS = """
:root { --ok:#1b7f3b; --bad:#c62828; --skip:#9a6700; --idle:#6e7781; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #1f2328; background: #f6f8fa; }
header { background: #24292f; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
header a { color: #9ecbff; }
main { padding: 16px 32px 48px; max-width: 1200px; }
.totals span { display: inline-block; margin-right: 14px; font-weight: 600; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
         font-weight: 600; color: #fff; white-space: nowrap; }
.badge.passed { background: var(--ok); } .badge.failed, .badge.undefined { background: var(--bad); }
.badge.skipped { background: var(--skip); } .badge.not-run { background: var(--idle); }
section.feature { background: #fff; border: 1px solid var(--line); border-radius: 8px;
                  padding: 12px 20px; margin: 18px 0; }
section.feature > h2 { margin: 4px 0; font-size: 20px; }
.uri, .tags, .muted { color: var(--idle); font-size: 13px; }
.tag { background: #ddf4ff; color: #0550ae; border-radius: 4px; padding: 0 5px; margin-right: 4px; }
.description { white-space: pre-line; margin: 6px 0 10px; }
article.scenario { border-top: 1px solid var(--line); padding: 10px 0; }
article.scenario h3 { margin: 2px 0; font-size: 16px; }
ol.steps { list-style: none; padding: 0; margin: 6px 0; font-family: ui-monospace, monospace;
           font-size: 13.5px; }
ol.steps li { padding: 2px 8px; border-left: 4px solid transparent; }
ol.steps li .kw { font-weight: 700; color: #8250df; }
ol.steps li.background { opacity: .75; }
li.step.passed { border-left-color: var(--ok); }
li.step.skipped, li.step.not-run { color: var(--idle); border-left-color: var(--line); }
li.step.failed, li.step.undefined { background: #ffebe9; border-left-color: var(--bad);
                                    color: #82071e; font-weight: 600; }
.icon { display: inline-block; width: 1.2em; }
li.step.passed .icon { color: var(--ok); }
pre.error { background: #fff5f5; border: 1px solid #ffcecb; color: #82071e; padding: 8px;
            margin: 4px 0 6px 1.2em; white-space: pre-wrap; font-size: 12.5px; }
pre.traceback { font-size: 12px; white-space: pre-wrap; background: #f6f8fa; padding: 8px; }
.reason { color: var(--skip); margin: 4px 0; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13.5px; }
th, td { border: 1px solid var(--line); padding: 3px 9px; text-align: left;
         white-space: pre-wrap; }
th { background: #f6f8fa; }
td.passed { background: #dafbe1; }
td.failed { background: #ffebe9; color: #82071e; font-weight: 600; }
td.skipped { background: #fff8c5; } td.not-run { color: var(--idle); }
details.run { margin: 4px 0 4px 0; } details.run > summary { cursor: pointer; }
nav ul { columns: 2; padding-left: 18px; }
li.step-arg { margin-left: 2.4em; }
pre.docstring { background: #f6f8fa; border: 1px solid var(--line); padding: 6px; margin: 2px 0; }
h3.rule { margin: 14px 0 2px; font-size: 17px; color: #0550ae; }
"""


def css_class(status: str) -> str:
    return status.replace(" ", "-")


def anchor(text: str) -> str:
    """A readable part of an id (letters of any script); ids add a number to stay unique."""
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-_")


def badge(status: str) -> str:
    return (
        f'<span class="badge {css_class(status)}">{ICONS.get(status, "")} {escape(status)}</span>'
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def tags(names: list[str]) -> str:
    if not names:
        return ""
    return (
        '<div class="tags">'
        + "".join(f'<span class="tag">@{escape(t)}</span>' for t in names)
        + "</div>"
    )


def step_item(step: StepView, with_status: bool) -> str:
    status = step.status if with_status else "not run"
    classes = ["step", css_class(status)] if with_status else ["step"]
    if step.background:
        classes.append("background")
    title = f' title="{escape(status)} in {seconds(step.duration)}"' if with_status else ""
    icon = f'<span class="icon">{ICONS.get(status, "")}</span>' if with_status else ""
    line = (
        f'<li class="{" ".join(classes)}" data-status="{escape(status)}"{title}>{icon}'
        f'<span class="kw">{escape(step.keyword)}</span>{escape(step.name)}</li>'
    )
    if step.docstring is not None:
        line += f'<li class="step-arg"><pre class="docstring">{escape(step.docstring)}</pre></li>'
    if step.table:
        cells = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
            for row in step.table
        )
        line += f'<li class="step-arg"><table class="datatable">{cells}</table></li>'
    if with_status and step.error and status in ("failed", "undefined"):
        line += f'<li class="step-error"><pre class="error">{escape(step.error)}</pre></li>'
    return line


def steps_list(steps: list[StepView], with_status: bool = True) -> str:
    return '<ol class="steps">' + "".join(step_item(s, with_status) for s in steps) + "</ol>"


def run_details(row: RowView) -> str:
    """What happened in one run: its steps with their status, and why it failed or was skipped."""
    parts = [steps_list(row.steps)]
    result = row.result
    if result is None:
        parts.append('<p class="muted">Not run in this session (deselected or not collected).</p>')
    elif row.outcome == "skipped":
        parts.append(f'<p class="reason">Skipped: {escape(result.message)}</p>')
    elif row.failed_in_hook:
        parts.append(
            f'<p class="reason">Failed outside the steps (in {escape(result.phase)}):</p>'
            f'<pre class="error">{escape(result.message)}</pre>'
        )
    if result is not None and row.outcome == "failed" and result.details:
        parts.append(
            "<details><summary>Full traceback</summary>"
            f'<pre class="traceback">{escape(result.details)}</pre></details>'
        )
    return "".join(parts)


def duration_of(row: RowView) -> str:
    return seconds(row.result.duration) if row.result else "–"


def scenario_id(feature_id: str, scenario: ScenarioView) -> str:
    """Unique in the page (the line is unique in its file), readable where the name allows."""
    return f"{feature_id}--{scenario.line}-{anchor(scenario.name)}".rstrip("-")


def outcome_cell(row: RowView | None) -> str:
    if row is None:
        return "<td></td>"
    why = escape(row.result.message) if row.result and row.outcome == "skipped" else ""
    return (
        f'<td class="{css_class(row.outcome)}" data-outcome="{escape(row.outcome)}">'
        f"{ICONS[row.outcome]} {escape(row.outcome)}"
        f"{'<br><small>' + why + '</small>' if why else ''}</td>"
    )


def examples_html(scenario: ScenarioView, examples: ExamplesView) -> str:
    """One Examples table: its name, tags and rows, and each row's result on each backend."""
    runs_on = scenario.backends or [None]
    header = "".join(f"<th>{escape(c)}</th>" for c in examples.columns) + "".join(
        f"<th>{escape(BACKEND_TITLES.get(b, b)) if b else 'Result'}</th>" for b in runs_on
    )
    lines = []
    for index, values in enumerate(examples.rows):
        cells = "".join(f"<td>{escape(values.get(c, ''))}</td>" for c in examples.columns)
        runs = [scenario.row_at(examples.line, index, b) for b in runs_on]
        outcome = worst(r.outcome for r in runs if r is not None)
        lines.append(
            f'<tr data-outcome="{escape(outcome)}">{cells}'
            + "".join(outcome_cell(r) for r in runs)
            + "</tr>"
        )
    title = f"{escape(examples.keyword)}: {escape(examples.name)}"
    description = (
        f'<div class="description">{escape(examples.description)}</div>'
        if examples.description
        else ""
    )
    return (
        f'<div class="examples-block"><h4>{title}</h4>{tags(examples.tags)}{description}'
        f'<table class="examples"><tr>{header}</tr>{"".join(lines)}</table></div>'
    )


def run_summary(row: RowView) -> str:
    backend = f" on {BACKEND_TITLES.get(row.backend, row.backend)}" if row.backend else ""
    unplaced = ' <span class="reason">(not matched to a row of the file)</span>'
    extra = unplaced if row.unplaced else ""
    return (
        f"<summary>{escape(row.name)}{escape(backend)} {badge(row.outcome)} "
        f'<span class="muted">{duration_of(row)}</span>{extra}</summary>'
    )


def scenario_html(scenario: ScenarioView, feature_id: str) -> str:
    head = (
        f'<article class="scenario {css_class(scenario.outcome)}" '
        f'id="{scenario_id(feature_id, scenario)}" data-outcome="{escape(scenario.outcome)}">'
        f"<h3>{escape(scenario.keyword)}: {escape(scenario.name)} {badge(scenario.outcome)}</h3>"
        + tags(scenario.tags)
        + (
            f'<div class="description">{escape(scenario.description)}</div>'
            if scenario.description
            else ""
        )
        + (f'<p class="reason hidden">{escape(scenario.note)}</p>' if scenario.note else "")
    )
    if len(scenario.rows) == 1 and not scenario.outline:
        row = scenario.rows[0]
        return (
            head
            + f'<p class="muted">{", ".join(BACKEND_TITLES.get(b, b) for b in row.backends)}'
            + f" {duration_of(row)}</p>"
            + run_details(row)
            + "</article>"
        )
    runs = []
    for row in scenario.rows:
        opened = " open" if row.outcome == "failed" else ""
        runs.append(
            f'<details class="run" data-outcome="{escape(row.outcome)}"{opened}>'
            f"{run_summary(row)}{run_details(row)}</details>"
        )
    return (
        head
        + steps_list(scenario.steps, with_status=False)
        + "".join(examples_html(scenario, examples) for examples in scenario.examples)
        + "".join(runs)
        + "</article>"
    )


def rule_html(rule: RuleView) -> str:
    description = (
        f'<div class="description">{escape(rule.description)}</div>' if rule.description else ""
    )
    return (
        f'<h3 class="rule">{escape(rule.keyword)}: {escape(rule.name)}</h3>'
        f"{tags(rule.tags)}{description}"
    )


def scenarios_html(scenarios: list[ScenarioView], feature_id: str) -> str:
    """The scenarios in order, with a heading (and description, tags) where a Rule begins."""
    parts, rule = [], None
    for scenario in scenarios:
        if scenario.rule is not None and scenario.rule is not rule:
            parts.append(rule_html(scenario.rule))
        rule = scenario.rule
        parts.append(scenario_html(scenario, feature_id))
    return "".join(parts)


def feature_id(index: int, feature: FeatureView) -> str:
    return f"feature-{index}-{anchor(feature.uri)}".rstrip("-")


def feature_html(index: int, feature: FeatureView) -> str:
    fid = feature_id(index, feature)
    error = (
        '<p class="reason">pytest-bdd cannot read this file; its scenarios do not run:</p>'
        f'<pre class="error unreadable">{escape(feature.error)}</pre>'
        if feature.error
        else ""
    )
    return (
        f'<section class="feature" id="{fid}" data-outcome="{escape(feature.outcome)}">'
        f"<h2>{escape(feature.keyword)}: {escape(feature.name)} {badge(feature.outcome)}</h2>"
        f'<div class="uri">{escape(feature.uri)}</div>'
        + tags(feature.tags)
        + error
        + f'<div class="description">{escape(feature.description)}</div>'
        + scenarios_html(feature.scenarios, fid)
        + "</section>"
    )


def matrix_html(report: Report) -> str:
    """One line per scenario, one column per backend: the page's summary."""
    columns = report.backend_columns()
    head = "".join(
        f'<th class="backend" data-backend="{c}">{BACKEND_TITLES.get(c, c)}</th>' for c in columns
    )
    lines = []
    for index, feature in enumerate(report.features):
        fid = feature_id(index, feature)
        for scenario in feature.scenarios:
            cells = scenario.by_backend()
            tds = "".join(
                f'<td class="{css_class(cells[c])}">{ICONS[cells[c]]} {cells[c]}</td>'
                if c in cells
                else "<td></td>"
                for c in columns
            )
            sid = scenario_id(fid, scenario)
            lines.append(
                f'<tr><td><a href="#{fid}">{escape(feature.name)}</a> '
                f'<span class="muted">{escape(feature.uri)}</span></td>'
                f'<td><a href="#{sid}">{escape(scenario.name)}</a></td>{tds}</tr>'
            )
    return (
        '<h2>Results by backend</h2><table class="matrix">'
        f"<tr><th>Feature</th><th>Scenario</th>{head}</tr>" + "".join(lines) + "</table>"
    )


def render(report: Report, glossary_href: str = "steps.html") -> str:
    totals = report.totals()
    summary = "".join(f"<span>{badge(k)} {v}</span>" for k, v in totals.items())
    unreadable = len({f.uri for f in report.unreadable()} | {n for n, _ in report.collect_errors})
    if unreadable:  # files that did not run at all: no run counts them
        summary += f'<span class="errors">{badge("failed")} {plural(unreadable, "error")}</span>'
    errors = "".join(
        f'<p class="reason">Could not collect {escape(nodeid)}:</p>'
        f'<pre class="error">{escape(text)}</pre>'
        for nodeid, text in report.collect_errors
    )
    contents = "".join(
        f'<li><a href="#{feature_id(i, f)}">{escape(f.name)}</a> {badge(f.outcome)} '
        f'<span class="muted">{escape(f.uri)}</span></li>'
        for i, f in enumerate(report.features)
    )
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>agentstore — living specification</title><style>{CSS}</style></head>
<body><header><h1>agentstore — living specification</h1>
<div class="totals">{summary}</div>
<div>{plural(len(report.features), "feature")}, {plural(len(report.rows()), "scenario run")};
wall time {seconds(report.wall_seconds)}, time in scenarios {seconds(report.test_seconds())};
generated {when}.
<a href="{escape(glossary_href)}">Step glossary</a></div></header>
<main>{errors}{matrix_html(report)}<h2>Features</h2><nav><ul>{contents}</ul></nav>
{"".join(feature_html(i, f) for i, f in enumerate(report.features))}</main></body></html>
"""
