"""The living-documentation page's style and its small script, inlined so the page is one file.

The script needs no network and no library: a search box and three filters (status, backend,
tag) hide the summary's rule lines and the scenarios that do not match; a link to a failing
step opens what folds it and, if a filter hides it, clears the filters first.
"""

from __future__ import annotations

CSS = """
:root { --ok:#1b7f3b; --bad:#c62828; --skip:#9a6700; --idle:#6e7781; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #1f2328; background: #f6f8fa; }
header { background: #24292f; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
header a { color: #9ecbff; }
main { padding: 0 32px 48px; max-width: 1280px; }
.totals span { display: inline-block; margin-right: 14px; font-weight: 600; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
         font-weight: 600; color: #fff; white-space: nowrap; }
.badge.passed { background: var(--ok); } .badge.failed, .badge.undefined { background: var(--bad); }
.badge.skipped { background: var(--skip); } .badge.not-run { background: var(--idle); }
.toolbar { position: sticky; top: 0; z-index: 2; background: #f6f8fa; padding: 10px 0;
           border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 8px;
           align-items: center; }
.toolbar input[type=search] { flex: 1 1 260px; padding: 5px 10px; font: inherit;
                              border: 1px solid var(--line); border-radius: 6px; }
.toolbar select { max-width: 16em; }
.toolbar select, .toolbar button { font: inherit; font-size: 14px; padding: 4px 10px;
                                   border: 1px solid var(--line); border-radius: 6px;
                                   background: #fff; cursor: pointer; white-space: nowrap; }
.toolbar button[aria-pressed=true] { background: #24292f; color: #fff; border-color: #24292f; }
.toolbar .shown { color: var(--idle); font-size: 13px; white-space: nowrap; }
[hidden] { display: none !important; }
[id] { scroll-margin-top: 72px; }  /* a linked step is not hidden under the filter bar */
section.feature { background: #fff; border: 1px solid var(--line); border-radius: 8px;
                  padding: 12px 20px; margin: 18px 0; }
section.feature > h2 { margin: 4px 0; font-size: 20px; }
.uri, .tags, .muted { color: var(--idle); font-size: 13px; }
.tag { background: #ddf4ff; color: #0550ae; border-radius: 4px; padding: 0 5px; margin-right: 4px;
       white-space: nowrap; }
.description { white-space: pre-line; margin: 6px 0 10px; }
section.rule { border-top: 2px solid var(--line); margin-top: 10px; padding-top: 4px; }
h3.rule { margin: 8px 0 2px; font-size: 17px; color: #0550ae; }
article.scenario { border-top: 1px solid var(--line); padding: 4px 0; }
section.rule article.scenario { margin-left: 18px; }
article.scenario > details > summary { cursor: pointer; padding: 4px 0; font-weight: 600; }
article.scenario > details > summary .kw { color: #6e7781; font-weight: 400; }
.cells { margin-left: 8px; }
.cells .badge { margin-right: 4px; }
.cells .backend-name { font-weight: 400; opacity: .9; }
a.badge { text-decoration: none; }
ol.steps { list-style: none; padding: 0; margin: 6px 0; font-family: ui-monospace, monospace;
           font-size: 13.5px; }
ol.steps li { padding: 2px 8px; border-left: 4px solid transparent; }
ol.steps li .kw { font-weight: 700; color: #8250df; }
ol.steps li.background { opacity: .75; }
li.step.passed { border-left-color: var(--ok); }
li.step.skipped, li.step.not-run { color: var(--idle); border-left-color: var(--line); }
li.step.failed, li.step.undefined { background: #ffebe9; border-left-color: var(--bad);
                                    color: #82071e; font-weight: 600; }
li.step:target, p.reason:target { outline: 3px solid #0969da; outline-offset: 2px; }
.icon { display: inline-block; width: 1.2em; }
li.step.passed .icon { color: var(--ok); }
pre.error { background: #fff5f5; border: 1px solid #ffcecb; color: #82071e; padding: 8px;
            margin: 4px 0 6px 1.2em; white-space: pre-wrap; font-size: 12.5px; }
details.traceback { margin: 0 0 6px 1.2em; font-size: 13px; }
details.traceback > summary { cursor: pointer; color: var(--idle); }
pre.traceback { font-size: 12px; white-space: pre-wrap; background: #f6f8fa; padding: 8px;
                overflow-x: auto; }
.reason { color: var(--skip); margin: 4px 0; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13.5px; }
th, td { border: 1px solid var(--line); padding: 3px 9px; text-align: left;
         white-space: pre-wrap; }
th { background: #f6f8fa; }
th.backend, td.result { white-space: nowrap; }
td.result a { color: inherit; }
td.passed { background: #dafbe1; }
td.failed { background: #ffebe9; color: #82071e; font-weight: 600; }
td.skipped { background: #fff8c5; } td.not-run { color: var(--idle); }
table.matrix { width: 100%; background: #fff; }
table.coverage { background: #fff; }
table.coverage tr.total th, table.coverage tr.total td { border-top: 2px solid #8c959f; }
.cov-bar { display: inline-block; width: 80px; height: 9px; background: #eaeef2;
           border-radius: 4px; vertical-align: middle; }
.cov-bar span { display: block; height: 100%; background: var(--ok); border-radius: 4px; }
table.matrix tr.feature-line th { background: #eaeef2; font-size: 14px; }
table.matrix tr.feature-line th a { color: #1f2328; }
table.matrix td.rule-name { padding-left: 22px; }
details.run { margin: 4px 0; } details.run > summary { cursor: pointer; }
details.not-run-list > summary { cursor: pointer; }
details.not-run-list ul { columns: 2; }
li.step-arg { margin-left: 2.4em; }
pre.docstring { background: #f6f8fa; border: 1px solid var(--line); padding: 6px; margin: 2px 0; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var state = { status: "", backend: "", tag: "", text: "" };
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-results]"));
  var search = document.getElementById("search");
  var backend = document.getElementById("backend-filter");
  var tag = document.getElementById("tag-filter");
  var statuses = Array.prototype.slice.call(document.querySelectorAll("button[data-status]"));
  var shown = document.getElementById("shown");

  function matches(el) {
    var pairs = (el.getAttribute("data-results") || "").split(" ");
    var result = pairs.some(function (pair) {
      var at = pair.lastIndexOf(":");
      return (!state.backend || pair.slice(0, at) === state.backend) &&
             (!state.status || pair.slice(at + 1) === state.status);
    });
    var tags = " " + (el.getAttribute("data-tags") || "") + " ";
    var text = (el.getAttribute("data-search") || "").toLowerCase();
    return result && (!state.tag || tags.indexOf(" " + state.tag + " ") >= 0) &&
           (!state.text || text.indexOf(state.text) >= 0);
  }

  function anyShown(container) {
    var inner = container.querySelectorAll("[data-results]");
    for (var i = 0; i < inner.length; i++) { if (!inner[i].hidden) { return true; } }
    return false;
  }

  function apply() {
    items.forEach(function (el) { el.hidden = !matches(el); });
    document.querySelectorAll("section.rule, tbody.feature-lines").forEach(function (box) {
      box.hidden = !anyShown(box);
    });
    document.querySelectorAll("section.feature").forEach(function (box) {
      box.hidden = box.hasAttribute("data-results") ? !matches(box) : !anyShown(box);
    });
    var lines = document.querySelectorAll("tr.rule-line");
    var visible = document.querySelectorAll("tr.rule-line:not([hidden])").length;
    shown.textContent = visible === lines.length ? "" : visible + " of " + lines.length + " lines";
  }

  function clear() {
    state = { status: "", backend: "", tag: "", text: "" };
    search.value = ""; backend.value = ""; tag.value = "";
    statuses.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    apply();
  }

  search.addEventListener("input", function () {
    state.text = search.value.trim().toLowerCase(); apply();
  });
  backend.addEventListener("change", function () { state.backend = backend.value; apply(); });
  tag.addEventListener("change", function () { state.tag = tag.value; apply(); });
  statuses.forEach(function (button) {
    button.addEventListener("click", function () {
      var on = button.getAttribute("aria-pressed") !== "true";
      statuses.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
      button.setAttribute("aria-pressed", on ? "true" : "false");
      state.status = on ? button.getAttribute("data-status") : ""; apply();
    });
  });
  document.getElementById("clear-filters").addEventListener("click", clear);

  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) { return; }
    if (target.closest("[hidden]")) { clear(); }
    for (var el = target.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") { el.open = true; }
    }
    target.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
"""
