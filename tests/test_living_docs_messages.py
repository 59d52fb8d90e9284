"""``--living-docs`` writes Cucumber Messages (``messages.ndjson``) that match the Cucumber
compatibility kit's reference streams, parse with the ``cucumber-messages`` package, and render
in the official HTML formatter; and JUnit XML that names the failing scenario.

The kit's cases live in tests/data/cck/ (MIT, see its LICENSE; from ``cucumber-compatibility-kit``
31.0.0). Each runs in a project of its own with the steps of ``cck_steps``, and our stream is
compared with the kit's: the same messages of the same types in the same order with the same
content, except what cannot match (``comparable`` says which, and why).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from cck_steps import HEADER, STEPS
from cucumber_messages import Envelope, message_converter
from cucumber_messages import TestStepResultStatus as Status
from selenium.webdriver.support.wait import WebDriverWait
from spec_project import HarnessProject
from test_living_docs import DEMO, FAILING_STEP

CCK = Path(__file__).parent / "data" / "cck"
# pytest-bdd takes one definition where Cucumber finds two: its run of this pickle differs.
EXCLUDED_PICKLES = {"all-statuses": {"Ambiguous"}}
REFERENCE_KEYS = ("Id", "Ids")
HTML_FORMATTER = "@cucumber/html-formatter@24.2.0"


# -- comparing two streams ------------------------------------------------------------------------
def read_stream(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def without_pickles(stream: list[dict], names: set[str]) -> list[dict]:
    """The stream less the test cases (and their execution) of the pickles named."""
    pickles = {m["pickle"]["id"] for m in stream if "pickle" in m and m["pickle"]["name"] in names}
    cases = {
        m["testCase"]["id"] for m in stream if m.get("testCase", {}).get("pickleId") in pickles
    }
    starts = {
        m["testCaseStarted"]["id"]
        for m in stream
        if m.get("testCaseStarted", {}).get("testCaseId") in cases
    }
    kept = []
    for message in stream:
        body = next(iter(message.values()))
        if body.get("id") in cases or body.get("testCaseStartedId") in starts:
            continue
        if "testCaseStarted" in message and body["id"] in starts:
            continue
        kept.append(message)
    return kept


def renumbered(stream: list[dict]) -> list[dict]:
    """Every id replaced by its rank of first appearance (keys walked in sorted order)."""
    ranks: dict[str, str] = {}

    def rank(value: str) -> str:
        return ranks.setdefault(value, f"#{len(ranks)}")

    def walk(node, key: str = ""):
        if isinstance(node, dict):
            return {k: walk(node[k], k) for k in sorted(node)}
        if isinstance(node, list):
            return [walk(item, key) for item in node]
        if isinstance(node, str) and (key == "id" or key.endswith(REFERENCE_KEYS)):
            return rank(node)
        return node

    return [walk(message) for message in stream]


def comparable(message: dict) -> dict:
    """What must match the kit; the rest cannot, and why:

    - ``meta``: another implementation, runtime, machine and CI (only its fields must be there);
    - times (``timestamp``, ``duration``) and uris (ours are paths under the project);
    - ``stepDefinition`` patterns and source references: ours are pytest-bdd's, in Python;
    - a failure's ``message`` and ``exception``: Python's words, not JavaScript's (both say
      there is one);
    - a description's trailing blank line: the Python Gherkin parser (gherkin-official 42.0.1)
      keeps one holding spaces, the JavaScript one that wrote the kit drops it;
    - match arguments: pytest-bdd's ``{name}`` takes a ``{string}`` without its quotes and has
      no parameter type names, so only each argument's value (unquoted) is compared.
    """
    kind, body = next(iter(message.items()))
    if kind == "meta":
        return {kind: sorted(k for k in body if k != "ci")}
    if kind == "stepDefinition":
        return {kind: {"id": body["id"]}}

    def clean(node, key: str = ""):
        if isinstance(node, dict):
            if key == "testStepResult":
                return {"status": node["status"], "exception": "exception" in node}
            if key == "group":
                return str(node.get("value", "")).strip('"')
            drop = {"timestamp", "duration", "uri", "parameterTypeName"}
            return {k: clean(v, k) for k, v in node.items() if k not in drop}
        if isinstance(node, list):
            return [clean(item, key) for item in node]
        if key == "description":
            return node.rstrip()
        return node

    return {kind: clean(body, kind)}


def normalised(stream: list[dict], case: str) -> list[dict]:
    stream = [m for m in stream if "suggestion" not in m]  # snippets: we print Python ones
    stream = without_pickles(stream, EXCLUDED_PICKLES.get(case, set()))
    return [comparable(m) for m in renumbered(stream)]


# -- running a kit case ----------------------------------------------------------------------------
def run_case(where, case: str, *args: str) -> Path:
    """``where``: ``pytester`` (the run stays in this process) or a folder."""
    project = HarnessProject(where, steps={"cck_steps": HEADER + STEPS[case]}, strict_markers=False)
    project.feature(f"{case}.feature", (CCK / f"{case}.feature").read_text(encoding="utf-8"))
    result = project.run("--living-docs=reports", "-p", "no:randomly", *args)
    assert "error" not in result.outcomes(), result.output[-4000:]
    return project.path / "reports"


@pytest.mark.parametrize("case", sorted(STEPS))
def test_messages_match_the_compatibility_kit(case: str, pytester: pytest.Pytester) -> None:
    reports = run_case(pytester, case)
    ours = normalised(read_stream(reports / "messages.ndjson"), case)
    kit = normalised(read_stream(CCK / f"{case}.ndjson"), case)
    assert [next(iter(m)) for m in ours] == [next(iter(m)) for m in kit]
    for mine, theirs in zip(ours, kit, strict=True):
        assert mine == theirs


@pytest.mark.slow
def test_messages_match_the_kit_under_xdist(tmp_path: Path) -> None:
    reports = run_case(tmp_path, "examples-tables", "-n", "2")
    ours = normalised(read_stream(reports / "messages.ndjson"), "examples-tables")
    kit = normalised(read_stream(CCK / "examples-tables.ndjson"), "examples-tables")
    assert ours == kit


# -- one failing scenario -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = HarnessProject(tmp_path_factory.mktemp("messages-demo"))
    project.feature("demo/report.feature", DEMO)
    result = project.run("--living-docs=reports", "-n", "2")
    assert result.outcomes().get("failed") == 1, result.output[-4000:]
    return project.path / "reports"


def test_every_line_is_an_envelope_and_the_failing_step_failed(demo_reports: Path) -> None:
    lines = (demo_reports / "messages.ndjson").read_text(encoding="utf-8").splitlines()
    envelopes = [message_converter.from_dict(json.loads(line), Envelope) for line in lines]
    pickles = [e.pickle for e in envelopes if e.pickle]
    pickle_steps = {step.id: (p.name, step.text) for p in pickles for step in p.steps}
    test_steps = {
        step.id: pickle_steps.get(step.pickle_step_id or "")
        for e in envelopes
        if e.test_case
        for step in e.test_case.test_steps
    }
    results = {
        test_steps[e.test_step_finished.test_step_id]: e.test_step_finished.test_step_result
        for e in envelopes
        if e.test_step_finished
    }
    failed = {where: r for where, r in results.items() if r.status is Status.failed}
    assert list(failed) == [("a fact nobody recorded is found", FAILING_STEP)]
    [result] = failed.values()
    assert result.exception is not None and "the sea is dry" in (result.exception.message or "")
    assert results[("a fact nobody recorded is found", 'the check "kept" passes')].status is (
        Status.skipped
    )
    assert results[("a recorded fact is found", 'the check "kept" passes')].status is (
        Status.passed
    )
    [finished] = [e.test_run_finished for e in envelopes if e.test_run_finished]
    assert finished.success is False


def test_junit_names_the_failing_scenario_under_its_feature(demo_reports: Path) -> None:
    root = ElementTree.parse(demo_reports / "junit.xml").getroot()
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert sorted(cases) == [
        "a fact nobody recorded is found",
        "a recorded fact is found",
        "a rule still being written",
        "every backend keeps scenarios apart [sqlite]",
    ]
    broken = cases["a fact nobody recorded is found"]
    assert broken.get("classname") == "The report shows every outcome"
    [failure] = broken.findall("failure")
    assert "the sea is dry" in (failure.get("message") or "")
    assert FAILING_STEP in (failure.text or "")
    assert cases["a rule still being written"].find("skipped") is not None
    assert root.get("failures") == "1" and root.get("tests") == "4"


# -- the official HTML formatter ------------------------------------------------------------------
def test_the_official_html_formatter_renders_our_messages(
    demo_reports: Path, tmp_path: Path
) -> None:
    """@cucumber/html-formatter (24 has no command line: its stream, from a few lines of
    JavaScript) turns our NDJSON into its page; Chromium then shows the scenarios from it."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js (node and npm) is not installed: apt-get install nodejs npm")
    install = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(tmp_path), HTML_FORMATTER],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if install.returncode != 0:
        pytest.skip(f"npm could not install {HTML_FORMATTER}: {install.stderr.strip()[-300:]}")
    script = tmp_path / "render.mjs"
    script.write_text(
        "import { CucumberHtmlStream } from '@cucumber/html-formatter'\n"
        "import { createInterface } from 'node:readline'\n"
        "import { Readable } from 'node:stream'\n"
        "const lines = createInterface({ input: process.stdin })\n"
        "async function* envelopes() { for await (const l of lines) if (l) yield JSON.parse(l) }\n"
        "Readable.from(envelopes()).pipe(new CucumberHtmlStream()).pipe(process.stdout)\n"
    )
    page = tmp_path / "out.html"
    with (demo_reports / "messages.ndjson").open("rb") as stdin, page.open("wb") as stdout:
        done = subprocess.run(
            ["node", str(script)], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=120
        )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    html = page.read_text(encoding="utf-8")
    assert "a fact nobody recorded is found" in html

    driver = chromium(tmp_path)
    try:
        driver.get(page.as_uri())
        WebDriverWait(driver, 30).until(
            lambda d: "The report shows every outcome" in d.find_element("tag name", "body").text
        )
        text = driver.find_element("tag name", "body").text
        assert "a fact nobody recorded is found" in text, text[:2000]
    finally:
        driver.quit()


def chromium(profile: Path):
    """Headless Chromium through selenium, or a skip that says what is missing."""
    binary, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver_path is None:
        pytest.skip("headless Chromium is not installed: the page was written, not looked at")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile / 'chromium-profile'}")
    return webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
