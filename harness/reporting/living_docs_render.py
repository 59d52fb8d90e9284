"""The living-documentation report as one self-contained HTML page (inline CSS and script).

At the top, one line per Rule (a scenario in no rule is a line of its own) with its result on
each backend, failures first, each failed cell a link to the failing step. Below, each feature
that ran, failures first: each Rule's text once, its scenarios folded under it (failed ones
open), each run's steps with the failing one in red, its message and the full traceback.
Features none of whose scenarios ran in this session are only counted.
"""

from __future__ import annotations

import datetime
import re
from html import escape

from harness.backends import TITLES
from harness.reporting.coverage_section import BEGIN as COVERAGE_BEGIN
from harness.reporting.coverage_section import END as COVERAGE_END
from harness.reporting.living_docs_assets import CSS, SCRIPT
from harness.reporting.living_docs_model import (
    ANY,
    OUTCOMES,
    ExamplesView,
    FeatureView,
    Report,
    RowView,
    RuleLine,
    RuleView,
    ScenarioView,
    StepView,
    failed_first,
    worst,
)

BACKEND_TITLES = {**TITLES, ANY: "no backend"}
BACKEND_HINTS = {ANY: "runs that needed no particular backend (or were skipped before one)"}
ICONS = {
    "passed": "✔",
    "failed": "✘",
    "undefined": "?",
    "skipped": "↷",
    "not run": "·",
}


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


def title_of(backend: str) -> str:
    return BACKEND_TITLES.get(backend, backend)


def tags(names: list[str]) -> str:
    if not names:
        return ""
    return (
        '<div class="tags">'
        + "".join(f'<span class="tag">@{escape(t)}</span>' for t in names)
        + "</div>"
    )


def description(text: str) -> str:
    return f'<div class="description">{escape(text)}</div>' if text else ""


# -- ids: every failing step can be linked to --------------------------------------------------
def feature_id(index: int, feature: FeatureView) -> str:
    return f"feature-{index}-{anchor(feature.uri)}".rstrip("-")


def rule_id(fid: str, rule: RuleView) -> str:
    return f"{fid}--rule-{rule.line}-{anchor(rule.name)}".rstrip("-")


def scenario_id(fid: str, scenario: ScenarioView) -> str:
    """Unique in the page (the line is unique in its file), readable where the name allows."""
    return f"{fid}--{scenario.line}-{anchor(scenario.name)}".rstrip("-")


def run_id(sid: str, scenario: ScenarioView, row: RowView) -> str:
    return f"{sid}--run-{scenario.rows.index(row) + 1}"


def failure_target(sid: str, scenario: ScenarioView, row: RowView) -> str:
    """The id of what explains the failed run: its failing step, or the error around the steps."""
    index = next((i for i, s in enumerate(row.steps) if s.status in ("failed", "undefined")), None)
    rid = run_id(sid, scenario, row)
    return f"{rid}-error" if index is None else f"{rid}-step-{index + 1}"


def runs_on(row: RowView, backend: str) -> bool:
    return backend in (row.backends or [ANY])


def first_failure(fid: str, scenarios: list[ScenarioView], backend: str) -> str | None:
    """The link target of the first failed run on ``backend`` among ``scenarios``."""
    for scenario in scenarios:
        for row in scenario.rows:
            if row.outcome == "failed" and runs_on(row, backend):
                return failure_target(scenario_id(fid, scenario), scenario, row)
    return None


# -- what the filters read ---------------------------------------------------------------------
def results_attr(cells: dict[str, str]) -> str:
    """``postgres:passed sqlite:failed``: what the status and backend filters match."""
    return " ".join(f"{b}:{css_class(o)}" for b, o in cells.items()) or f"{ANY}:not-run"


def search_words(feature: FeatureView, scenario: ScenarioView) -> str:
    rule = scenario.rule.name if scenario.rule else ""
    words = [feature.name, feature.uri, rule, scenario.name, *sorted(scenario.tag_set([]))]
    words += [row.name for row in scenario.rows]
    words += [step.text for row in scenario.rows[:1] for step in row.steps]
    words += [step.text for step in scenario.steps]
    return " ".join(dict.fromkeys(w for w in words if w))


def filter_attrs(cells: dict[str, str], tag_set: set[str], words: str) -> str:
    return (
        f' data-results="{escape(results_attr(cells))}"'
        f' data-tags="{escape(" ".join(sorted(tag_set)))}"'
        f' data-search="{escape(words)}"'
    )


# -- steps and runs ----------------------------------------------------------------------------
def traceback(text: str) -> str:
    return (
        '<details class="traceback"><summary>Full traceback</summary>'
        f'<pre class="traceback">{escape(text)}</pre></details>'
    )


def headline(error: str) -> str:
    """A failed check as its step says it: the message, without Python's name for the error or
    pytest's explanation (``assert 31.0 <= 29.98``, ``+ where ...``) when the step gave words;
    those stay in the full traceback."""
    if not error.startswith("AssertionError"):
        return error
    lines = error.removeprefix("AssertionError").removeprefix(":").strip().splitlines()
    kept: list[str] = []
    for line in lines:
        if line.lstrip().startswith("+") or (kept and line.startswith("assert ")):
            break
        kept.append(line)
    return "\n".join(kept) or error


def step_item(step: StepView, with_status: bool, step_id: str = "", details: str = "") -> str:
    """One step; a failed one carries its id (failed cells link to it), message and traceback."""
    status = step.status if with_status else "not run"
    classes = ["step", css_class(status)] if with_status else ["step"]
    if step.background:
        classes.append("background")
    title = f' title="{escape(status)} in {seconds(step.duration)}"' if with_status else ""
    icon = f'<span class="icon">{ICONS.get(status, "")}</span>' if with_status else ""
    failed = with_status and status in ("failed", "undefined")
    ident = f' id="{step_id}"' if failed and step_id else ""
    line = (
        f'<li class="{" ".join(classes)}" data-status="{escape(status)}"{ident}{title}>{icon}'
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
    if failed and (step.error or details):
        shown = headline(step.error) if details else step.error  # details: the whole of it
        error = f'<pre class="error">{escape(shown)}</pre>' if step.error else ""
        line += f'<li class="step-error">{error}{traceback(details) if details else ""}</li>'
    return line


def steps_list(
    steps: list[StepView], with_status: bool = True, run: str = "", details: str = ""
) -> str:
    """The steps; the first failed one gets the run's traceback (later ones are not reached)."""
    items, told = [], False
    for index, step in enumerate(steps):
        failing = with_status and step.status in ("failed", "undefined") and not told
        items.append(
            step_item(
                step,
                with_status,
                f"{run}-step-{index + 1}" if run else "",
                details if failing else "",
            )
        )
        told = told or failing
    return '<ol class="steps">' + "".join(items) + "</ol>"


def run_details(row: RowView, rid: str) -> str:
    """What happened in one run: its steps with their status, and why it failed or was skipped."""
    result = row.result
    details = result.details if result is not None and row.outcome == "failed" else ""
    parts = [steps_list(row.steps, run=rid, details="" if row.failed_in_hook else details)]
    if result is None:
        parts.append('<p class="muted">Not run in this session (deselected or not collected).</p>')
    elif row.outcome == "skipped":
        parts.append(f'<p class="reason">Skipped: {escape(result.message)}</p>')
    elif row.failed_in_hook:
        parts.append(
            f'<p class="reason" id="{rid}-error">Failed outside the steps (in '
            f'{escape(result.phase)}):</p><pre class="error">{escape(result.message)}</pre>'
            + (traceback(details) if details else "")
        )
    return "".join(parts)


def duration_of(row: RowView) -> str:
    return seconds(row.result.duration) if row.result else "–"


def result_cell(outcome: str, target: str | None = None, note: str = "") -> str:
    """A result that never wraps; a failed one links to its failing step."""
    text = f"{ICONS[outcome]} {escape(outcome)}"
    if target:
        text = f'<a href="#{target}">{text}</a>'
    extra = f"<br><small>{escape(note)}</small>" if note else ""
    return (
        f'<td class="result {css_class(outcome)}" data-outcome="{escape(outcome)}">'
        f"{text}{extra}</td>"
    )


def outcome_cell(row: RowView | None, sid: str, scenario: ScenarioView) -> str:
    if row is None:
        return "<td></td>"
    why = row.result.message if row.result and row.outcome == "skipped" else ""
    target = failure_target(sid, scenario, row) if row.outcome == "failed" else None
    return result_cell(row.outcome, target, why)


def examples_html(scenario: ScenarioView, examples: ExamplesView, sid: str) -> str:
    """One Examples table: its name, tags and rows, and each row's result on each backend."""
    backends = scenario.backends or [None]
    header = "".join(f"<th>{escape(c)}</th>" for c in examples.columns) + "".join(
        f'<th class="backend">{escape(title_of(b)) if b else "Result"}</th>' for b in backends
    )
    lines = []
    for index, values in enumerate(examples.rows):
        cells = "".join(f"<td>{escape(values.get(c, ''))}</td>" for c in examples.columns)
        runs = [scenario.row_at(examples.line, index, b) for b in backends]
        outcome = worst(r.outcome for r in runs if r is not None)
        lines.append(
            f'<tr data-outcome="{escape(outcome)}">{cells}'
            + "".join(outcome_cell(r, sid, scenario) for r in runs)
            + "</tr>"
        )
    title = f"{escape(examples.keyword)}: {escape(examples.name)}"
    return (
        f'<div class="examples-block"><h4>{title}</h4>{tags(examples.tags)}'
        f"{description(examples.description)}"
        f'<table class="examples"><tr>{header}</tr>{"".join(lines)}</table></div>'
    )


def run_summary(row: RowView) -> str:
    backend = f" on {title_of(row.backend)}" if row.backend else ""
    unplaced = ' <span class="reason">(not matched to a row of the file)</span>'
    extra = unplaced if row.unplaced else ""
    return (
        f"<summary>{escape(row.name)}{escape(backend)} {badge(row.outcome)} "
        f'<span class="muted">{duration_of(row)}</span>{extra}</summary>'
    )


# -- scenarios, rules, features -----------------------------------------------------------------
def cells_html(cells: dict[str, str], targets: dict[str, str | None]) -> str:
    """Per backend a small badge; a failed one links to its failing step."""
    parts = []
    for backend, outcome in cells.items():
        inner = (
            f'<span class="backend-name">{escape(title_of(backend))}</span> '
            f"{ICONS[outcome]} {escape(outcome)}"
        )
        target = targets.get(backend)
        if target:
            parts.append(f'<a class="badge {css_class(outcome)}" href="#{target}">{inner}</a>')
        else:
            parts.append(f'<span class="badge {css_class(outcome)}">{inner}</span>')
    return f'<span class="cells">{"".join(parts)}</span>'


def scenario_body(scenario: ScenarioView, sid: str) -> str:
    if len(scenario.rows) == 1 and not scenario.outline:
        row = scenario.rows[0]
        return (
            f'<p class="muted">{", ".join(title_of(b) for b in row.backends)}'
            f" {duration_of(row)}</p>" + run_details(row, run_id(sid, scenario, row))
        )
    runs = []
    for row in scenario.rows:
        opened = " open" if row.outcome == "failed" else ""
        runs.append(
            f'<details class="run" data-outcome="{escape(row.outcome)}"{opened}>'
            f"{run_summary(row)}{run_details(row, run_id(sid, scenario, row))}</details>"
        )
    return (
        steps_list(scenario.steps, with_status=False)
        + "".join(examples_html(scenario, examples, sid) for examples in scenario.examples)
        + "".join(runs)
    )


def scenario_html(scenario: ScenarioView, feature: FeatureView, fid: str) -> str:
    """The scenario folded to one line with its result per backend; a failed one is open."""
    sid = scenario_id(fid, scenario)
    cells = scenario.by_backend()
    targets = {b: first_failure(fid, [scenario], b) for b in cells}
    opened = " open" if scenario.outcome == "failed" else ""
    attrs = filter_attrs(cells, scenario.tag_set(feature.tags), search_words(feature, scenario))
    note = f'<p class="reason hidden">{escape(scenario.note)}</p>' if scenario.note else ""
    return (
        f'<article class="scenario {css_class(scenario.outcome)}" id="{sid}" '
        f'data-outcome="{escape(scenario.outcome)}"{attrs}><details{opened}>'
        f'<summary><span class="kw">{escape(scenario.keyword)}:</span> '
        f'<span class="name">{escape(scenario.name)}</span>{cells_html(cells, targets)}</summary>'
        f"{tags(scenario.tags)}{description(scenario.description)}{note}"
        f"{scenario_body(scenario, sid)}</details></article>"
    )


def line_html(line: RuleLine, feature: FeatureView, fid: str) -> str:
    """A Rule's text once, its scenarios under it; a scenario in no rule on its own."""
    scenarios = "".join(scenario_html(s, feature, fid) for s in line.scenarios)
    if line.rule is None:
        return scenarios
    rule = line.rule
    cells = line.by_backend()
    targets = {b: first_failure(fid, line.scenarios, b) for b in cells}
    return (
        f'<section class="rule" id="{rule_id(fid, rule)}" data-outcome="{escape(line.outcome)}">'
        f'<h3 class="rule">{escape(rule.keyword)}: {escape(rule.name)}</h3>'
        f"{cells_html(cells, targets)}{tags(rule.tags)}{description(rule.description)}"
        f"{scenarios}</section>"
    )


def feature_html(index: int, feature: FeatureView) -> str:
    fid = feature_id(index, feature)
    error = (
        '<p class="reason">pytest-bdd cannot read this file; its scenarios do not run:</p>'
        f'<pre class="error unreadable">{escape(feature.error)}</pre>'
        if feature.error
        else ""
    )
    attrs = (
        filter_attrs({ANY: "failed"}, set(feature.tags), f"{feature.name} {feature.uri}")
        if feature.error
        else ""
    )
    return (
        f'<section class="feature" id="{fid}" data-outcome="{escape(feature.outcome)}"{attrs}>'
        f"<h2>{escape(feature.keyword)}: {escape(feature.name)} {badge(feature.outcome)}</h2>"
        f'<div class="uri">{escape(feature.uri)}</div>'
        + tags(feature.tags)
        + error
        + description(feature.description)
        + "".join(line_html(line, feature, fid) for line in failed_first(feature.lines()))
        + "</section>"
    )


# -- the summary: one line per rule ------------------------------------------------------------
def line_name(line: RuleLine) -> str:
    if line.rule is not None:
        return f"{line.rule.keyword}: {line.rule.name}"
    [scenario] = line.scenarios
    return f"{scenario.keyword}: {scenario.name}"


def matrix_html(report: Report, features: list[tuple[int, FeatureView]]) -> str:
    """One line per rule, one column per backend, grouped by feature: the page's summary."""
    columns = report.backend_columns()
    head = "".join(
        f'<th class="backend" data-backend="{c}" title="{escape(BACKEND_HINTS.get(c, ""))}">'
        f"{escape(title_of(c))}</th>"
        for c in columns
    )
    groups = []
    for index, feature in features:
        fid = feature_id(index, feature)
        lines = failed_first(feature.lines())
        feature_cells = {}
        for c in columns:
            found = [line.by_backend()[c] for line in lines if c in line.by_backend()]
            if found:
                feature_cells[c] = worst(found)
        feature_tds = "".join(
            result_cell(feature_cells[c], first_failure(fid, feature.scenarios, c))
            if c in feature_cells
            else "<td></td>"
            for c in columns
        )
        rows = [
            f'<tr class="feature-line"><th><a href="#{fid}">{escape(feature.name)}</a> '
            f'<span class="muted">{escape(feature.uri)}</span></th>{feature_tds}</tr>'
        ]
        for line in lines:
            cells = line.by_backend()
            target = (
                f"#{rule_id(fid, line.rule)}"
                if line.rule
                else f"#{scenario_id(fid, line.scenarios[0])}"
            )
            tds = "".join(
                result_cell(cells[c], first_failure(fid, line.scenarios, c))
                if c in cells
                else "<td></td>"
                for c in columns
            )
            tag_set = {t for s in line.scenarios for t in s.tag_set(feature.tags)}
            words = " ".join(search_words(feature, s) for s in line.scenarios)
            rows.append(
                f'<tr class="rule-line" data-outcome="{escape(line.outcome)}"'
                f"{filter_attrs(cells, tag_set, words)}>"
                f'<td class="rule-name"><a href="{target}">{escape(line_name(line))}</a></td>'
                f"{tds}</tr>"
            )
        if feature.error:
            rows.append(
                f'<tr class="rule-line" data-outcome="failed"'
                f"{filter_attrs({ANY: 'failed'}, set(feature.tags), feature.uri)}>"
                f'<td class="rule-name"><a href="#{fid}">cannot be read</a></td>'
                + "".join("<td></td>" for _ in columns)
                + "</tr>"
            )
        groups.append(f'<tbody class="feature-lines">{"".join(rows)}</tbody>')
    return (
        '<h2>Results by rule</h2><table class="matrix">'
        f"<thead><tr><th>Feature / rule</th>{head}</tr></thead>{''.join(groups)}</table>"
    )


def toolbar_html(report: Report) -> str:
    """The search box and the filters (status, backend, tag) the inline script drives."""
    statuses = "".join(
        f'<button type="button" data-status="{css_class(o)}" aria-pressed="false">'
        f"{ICONS[o]} {escape(o)}</button>"
        for o in OUTCOMES
    )
    backends = "".join(
        f'<option value="{escape(c)}">{escape(title_of(c))}</option>'
        for c in report.backend_columns()
    )
    tag_options = "".join(
        f'<option value="{escape(t)}">@{escape(t)}</option>' for t in report.tags()
    )
    return (
        '<div class="toolbar" id="filters">'
        '<input type="search" id="search" placeholder="Search rules, scenarios, steps"'
        ' aria-label="Search">'
        f'<span role="group" aria-label="Status">{statuses}</span>'
        '<select id="backend-filter" aria-label="Backend">'
        f'<option value="">every backend</option>{backends}</select>'
        '<select id="tag-filter" aria-label="Tag">'
        f'<option value="">every tag</option>{tag_options}</select>'
        '<button type="button" id="clear-filters">clear</button>'
        '<span class="shown" id="shown"></span></div>'
    )


def not_run_html(report: Report) -> str:
    features = report.not_run()
    if not features:
        return ""
    names = "".join(
        f'<li>{escape(f.name)} <span class="muted">{escape(f.uri)}</span></li>' for f in features
    )
    return (
        f'<details class="not-run-list"><summary>{plural(len(features), "feature")} not run in '
        f"this session</summary><ul>{names}</ul></details>"
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
    index = {id(f): i for i, f in enumerate(report.features)}
    shown = [(index[id(f)], f) for f in report.shown()]
    not_run = len(report.not_run())
    skipped_note = f" {plural(not_run, 'feature')} not run in this session." if not_run else ""
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>agentstore — living specification</title><style>{CSS}</style></head>
<body><header><h1>agentstore — living specification</h1>
<div class="totals">{summary}</div>
<div>{plural(len(shown), "feature")}, {plural(len(report.rows()), "scenario run")};
wall time {seconds(report.wall_seconds)}, time in scenarios {seconds(report.test_seconds())};
generated {when}.{skipped_note}
<a href="{escape(glossary_href)}">Step glossary</a></div></header>
<main>{toolbar_html(report)}{errors}{matrix_html(report, shown)}{not_run_html(report)}
{COVERAGE_BEGIN}{COVERAGE_END}<h2>Features</h2>
{"".join(feature_html(i, f) for i, f in shown)}</main>
<script>{SCRIPT}</script></body></html>
"""
