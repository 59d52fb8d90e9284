"""The step glossary as console text and as a self-contained HTML page."""

from __future__ import annotations

from html import escape
from itertools import groupby

from harness.reporting.glossary import Entry, module_doc

SHOWN = 3  # steps named in a "needs" or "gives" line; the rest are counted

CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #1f2328; background: #f6f8fa; }
header { background: #24292f; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 6px; font-size: 22px; } header a { color: #9ecbff; }
main { padding: 16px 32px 48px; max-width: 1100px; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 20px;
          margin: 16px 0; }
.step { border-top: 1px solid #d0d7de; padding: 8px 0; }
.phrase { font-family: ui-monospace, monospace; font-size: 14px; }
.kw { font-weight: 700; color: #8250df; }
.param { color: #0550ae; }
.muted { color: #6e7781; font-size: 13px; }
.unused { color: #9a6700; font-size: 13px; }
pre.error { background: #ffebe9; color: #82071e; padding: 8px; white-space: pre-wrap; }
code { background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }
dl { margin: 4px 0 0 1em; } dt { float: left; width: 7em; color: #6e7781; font-size: 13px; }
dd { margin-left: 7.5em; }
"""


def count(things: list, noun: str) -> str:
    return f"{len(things)} {noun}{'' if len(things) == 1 else 's'}"


def by_domain(entries: list[Entry]) -> list[tuple[str, list[Entry]]]:
    return [(module, list(group)) for module, group in groupby(entries, key=lambda e: e.module)]


def such_as(steps: list[Entry], joiner: str = " or ") -> str:
    """\'Given a\' or \'When b\' ... (or N other steps)."""
    named = joiner.join(f"'{step.words}'" for step in steps[:SHOWN])
    rest = len(steps) - SHOWN
    return named + (f" (or {count(steps[SHOWN:], 'other step')})" if rest > 0 else "")


def needs_lines(entry: Entry) -> list[str]:
    """What must come before this step, in words: one line per thing it needs."""
    return [f"an earlier step such as {such_as(link.steps)}" for link in entry.needs]


def gives_line(entry: Entry) -> str | None:
    """What this step leaves for later steps, in words."""
    if not entry.target_fixture:
        return None
    if not entry.gives_to:
        return f"{entry.target_fixture!r} (no step uses it yet)"
    return f"{entry.target_fixture!r}, for later steps such as {such_as(entry.gives_to, ', ')}"


def text(entries: list[Entry], errors: list[tuple[str, str]] = ()) -> str:
    """``errors``: (file, why) for feature files that cannot be read; listed first."""
    domains = by_domain(entries)
    lines = [f"Step glossary: {count(entries, 'step')} in {count(domains, 'domain')}", ""]
    for uri, why in errors:
        lines += [f"!! {uri} cannot be read, its steps are not counted here:", f"   {why}", ""]
    for module, group in domains:
        doc = module_doc(module)
        lines.append(f"== {group[0].domain} ({module}) ==")
        if doc:
            lines.append(f"   {doc}")
        lines.append("")
        for entry in group:
            lines.append(f"  {entry.keyword} {entry.phrase}")
            for param in entry.parameters:
                lines.append(f"      parameter  {param.name}: {param.described}")
            for need in needs_lines(entry):
                lines.append(f"      needs      {need}")
            if gives := gives_line(entry):
                lines.append(f"      gives      {gives}")
            for doc_line in entry.doc.splitlines():
                lines.append(f"      {doc_line}".rstrip())
            if entry.examples:
                used = f"{entry.examples[0].where}, used {count(entry.examples, 'time')}"
                lines.append(f"      example    {entry.example}  ({used})")
            else:
                lines.append(f"      example    {entry.example}  (no feature uses this step yet)")
            lines.append(f"      defined in {entry.source}")
            lines.append("")
    return "\n".join(lines) + "\n"


def entry_html(entry: Entry) -> str:
    phrase = escape(entry.phrase)
    for param in entry.parameters:
        phrase = phrase.replace(
            escape("{" + param.name), f'<span class="param">{{{escape(param.name)}'
        )
    phrase = phrase.replace("}", "}</span>") if entry.parameters else phrase
    rows = [
        f"<dt>parameter</dt><dd><code>{escape(p.name)}</code>: {escape(p.described)}</dd>"
        for p in entry.parameters
    ]
    rows += [f'<dt>needs</dt><dd class="needs">{escape(need)}</dd>' for need in needs_lines(entry)]
    if gives := gives_line(entry):
        rows.append(f'<dt>gives</dt><dd class="gives">{escape(gives)}</dd>')
    if entry.examples:
        rows.append(
            f"<dt>example</dt><dd><code>{escape(entry.example)}</code> "
            f'<span class="muted">{escape(entry.examples[0].where)}, used '
            f"{count(entry.examples, 'time')}</span></dd>"
        )
    else:
        rows.append(
            f"<dt>example</dt><dd><code>{escape(entry.example)}</code> "
            '<span class="unused">no feature uses this step yet</span></dd>'
        )
    rows.append(f'<dt>defined in</dt><dd class="muted">{escape(entry.source)}</dd>')
    doc = f"<div>{escape(entry.doc)}</div>" if entry.doc else ""
    return (
        f'<div class="step" data-type="{entry.type}"><div class="phrase">'
        f'<span class="kw">{escape(entry.keyword)}</span> {phrase}</div>{doc}'
        f"<dl>{''.join(rows)}</dl></div>"
    )


def html(
    entries: list[Entry], back_href: str = "index.html", errors: list[tuple[str, str]] = ()
) -> str:
    domains = by_domain(entries)
    sections = [
        f'<section class="unreadable"><h2>{escape(uri)} cannot be read</h2>'
        f'<pre class="error">{escape(why)}</pre></section>'
        for uri, why in errors
    ]
    for module, group in domains:
        doc = module_doc(module)
        sections.append(
            f'<section id="{escape(group[0].domain)}"><h2>{escape(group[0].domain)} '
            f'<span class="muted">{escape(module)}</span></h2>'
            + (f"<p>{escape(doc)}</p>" if doc else "")
            + "".join(entry_html(e) for e in group)
            + "</section>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>agentstore — step glossary</title>
<style>{CSS}</style></head><body>
<header><h1>agentstore — step glossary</h1>
<div>{count(entries, "step")} in {count(domains, "domain")}.
<a href="{escape(back_href)}">Back to the living specification</a></div></header>
<main>{"".join(sections)}</main></body></html>
"""
