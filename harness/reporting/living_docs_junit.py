"""The run as JUnit XML (``junit.xml``), the format CI dashboards read.

One ``testsuite`` per feature, one ``testcase`` per run (an Examples row on a backend): the
feature's name is the class, the scenario's title (with ``[backend]``) the test, so a dashboard
shows the rule's words. pytest's own ``--junitxml`` names tests by their Python names
(``test_a_fact_nobody_recorded_is_found[sqlite]`` in class ``features.demo.report.feature``).
A failed step is a ``failure`` (its message, the failing step and the error); a failure
outside the steps (a fixture's setup or teardown) is an ``error``, as pytest reports it.
"""

from __future__ import annotations

from xml.etree import ElementTree

from harness.reporting.living_docs_model import FeatureView, Report, RowView


def test_name(row: RowView) -> str:
    return f"{row.name} [{row.backend}]" if row.backend else row.name


def failed_step(row: RowView) -> str:
    step = next((s for s in row.steps if s.status in ("failed", "undefined")), None)
    return f"{step.status}: {step.text} (line {step.line})\n" if step else ""


def testcase(feature: FeatureView, line: int, row: RowView) -> ElementTree.Element:
    assert row.result is not None
    case = ElementTree.Element(
        "testcase",
        classname=feature.name,
        name=test_name(row),
        time=f"{row.result.duration:.3f}",
        file=feature.uri,
        line=str(line),
    )
    if row.outcome == "failed":
        tag = "error" if row.failed_in_hook else "failure"
        problem = ElementTree.SubElement(case, tag, message=row.result.message)
        problem.text = failed_step(row) + (row.result.details or row.result.message)
    elif row.outcome == "skipped":
        ElementTree.SubElement(case, "skipped", message=row.result.message)
    return case


def suite(feature: FeatureView) -> ElementTree.Element | None:
    cases = [
        testcase(feature, scenario.line, row)
        for scenario in feature.scenarios
        for row in scenario.rows
        if row.result is not None
    ]
    if not cases:
        return None
    element = ElementTree.Element("testsuite", name=feature.name, file=feature.uri)
    count = {"failure": 0, "error": 0, "skipped": 0}
    seconds = 0.0
    for case in cases:
        seconds += float(case.get("time", "0"))
        for child in case:
            count[child.tag] += 1
    element.attrib.update(
        tests=str(len(cases)),
        failures=str(count["failure"]),
        errors=str(count["error"]),
        skipped=str(count["skipped"]),
        time=f"{seconds:.3f}",
    )
    element.extend(cases)
    return element


def render(report: Report) -> str:
    root = ElementTree.Element("testsuites", name="agentstore specification")
    suites = [s for s in (suite(f) for f in report.features) if s is not None]
    root.extend(suites)
    for name in ("tests", "failures", "errors", "skipped"):
        root.set(name, str(sum(int(s.get(name, "0")) for s in suites)))
    for name, details in report.collect_errors:  # a file that could not even be collected
        broken = ElementTree.SubElement(root, "testsuite", name=name, tests="1", errors="1")
        case = ElementTree.SubElement(broken, "testcase", classname=name, name="collection")
        ElementTree.SubElement(case, "error", message="collection failed").text = details
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
