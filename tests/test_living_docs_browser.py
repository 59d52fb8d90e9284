"""The living-documentation page as a person sees it: rendered by headless Chromium.

The page comes from a run whose failure sits in a nested folder (features/team_b/memory/...)
next to a passing file of the same name elsewhere: the failure must be there, in red, on top;
the filters (status, backend, tag, search) hide and show lines; a failed cell's link lands on
the failing step.

Needs the Debian packages ``chromium`` and ``chromium-driver`` and the ``selenium`` package
(test extra). Locally a missing browser skips with the reason; in CI (``CI=true``) it fails.
The screenshot is kept in ``reports/living-docs-screenshot.png``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from spec_project import REPO, HarnessProject
from test_living_docs import DEMO, FAILING_STEP

NESTED = "team_b/memory/deep/report.feature"

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOT = REPO / "reports" / "living-docs-screenshot.png"


def unavailable(reason: str):
    """In CI a browser test that cannot run is a failure; locally, a skip that says why."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run must install chromium and chromium-driver)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        unavailable("headless Chromium is not installed (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        unavailable("selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1400,1000")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = HarnessProject(tmp_path_factory.mktemp("browser-report"))
    project.feature(NESTED, DEMO)
    passing = DEMO.replace('Then the check "the sea is dry" fails', 'Then the check "x" passes')
    project.feature("team_a/memory/deep/report.feature", passing)
    project.run("--living-docs=reports")
    page = project.path / "reports" / "index.html"
    assert page.exists(), "the run wrote no report"
    return page


def visible(driver, css: str) -> list:
    from selenium.webdriver.common.by import By

    return [e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]


def rgb(color: str) -> tuple[int, ...]:
    return tuple(int(part) for part in color[color.index("(") + 1 : -1].split(",")[:3])


def test_the_page_shows_features_scenarios_backends_and_the_failing_step(
    browser, report_page: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(report_page.as_uri())
    assert browser.title == "agentstore — living specification"

    failed = [
        e.find_element(By.CSS_SELECTOR, ".uri").text
        for e in visible(browser, 'section.feature[data-outcome="failed"]')
    ]
    assert failed == [f"features/{NESTED}"]

    scenarios = " | ".join(e.text for e in visible(browser, "article.scenario summary .name"))
    for title in ("a recorded fact is found", "a fact nobody recorded is found"):
        assert title in scenarios

    backends = [e.text for e in visible(browser, "th.backend")]
    assert backends[:3] == ["PostgreSQL", "SQLite", "Redis"]

    for cell in visible(browser, "table.matrix td.result"):
        assert cell.value_of_css_property("white-space") == "nowrap", "results never wrap"
    name = visible(browser, "table.matrix td.rule-name")[0]
    assert name.value_of_css_property("white-space") == "pre-wrap"

    [failing] = visible(browser, "li.step.failed")
    assert FAILING_STEP in failing.text
    red, green, blue = rgb(failing.value_of_css_property("background-color"))
    assert red > 230 and green < 240 and blue < 240, "the failing step is shown on red"
    assert rgb(failing.value_of_css_property("border-left-color"))[0] > 150
    [message] = visible(browser, "pre.error")
    assert message.text == "the check 'the sea is dry' failed"

    # The whole page in one picture: the window is the page's height plus the browser's frame.
    height, frame = browser.execute_script(
        "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]"
    )
    browser.set_window_size(1400, min(max(height, 800), 8000) + frame)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    print(f"screenshot: {SCREENSHOT}")


def test_the_page_links_to_the_step_glossary(browser, report_page: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(report_page.as_uri())
    browser.find_element(By.LINK_TEXT, "Step glossary").click()
    assert browser.title == "agentstore — step glossary"
    phrases = [e.text for e in visible(browser, ".step .phrase")]
    assert 'Given/When/Then the check "{name}" passes' in phrases


STATUS_LINES = {"failed": 1, "passed": 5, "skipped": 2, "not-run": 2}


def shown_lines(driver) -> list[str]:
    return [e.text for e in visible(driver, "tr.rule-line td.rule-name")]


def test_the_filters_hide_and_show_lines_and_scenarios(browser, report_page: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(report_page.as_uri())
    everything = shown_lines(browser)
    assert len(everything) == 8  # two features of four scenarios, no rules: a line each
    assert len(visible(browser, "article.scenario")) == 8

    for status, count in STATUS_LINES.items():
        browser.find_element(By.CSS_SELECTOR, f'button[data-status="{status}"]').click()
        assert len(shown_lines(browser)) == count, status
    failed = browser.find_element(By.CSS_SELECTOR, 'button[data-status="failed"]')
    failed.click()
    assert shown_lines(browser) == ["Scenario: a fact nobody recorded is found"]
    [article] = visible(browser, "article.scenario")
    assert article.get_attribute("data-outcome") == "failed"
    assert [s.text for s in visible(browser, "section.feature .uri")] == [f"features/{NESTED}"]
    failed.click()  # pressed again: every status
    assert shown_lines(browser) == everything

    Select(browser.find_element(By.ID, "backend-filter")).select_by_visible_text("Redis")
    assert shown_lines(browser) == ["Scenario: every backend keeps scenarios apart"] * 2
    browser.find_element(By.ID, "clear-filters").click()
    Select(browser.find_element(By.ID, "tag-filter")).select_by_visible_text("@wip")
    assert shown_lines(browser) == ["Scenario: a rule still being written"] * 2
    browser.find_element(By.ID, "clear-filters").click()
    browser.find_element(By.ID, "search").send_keys("SEA IS DRY")  # a step's words, any case
    assert shown_lines(browser) == ["Scenario: a fact nobody recorded is found"]
    browser.find_element(By.ID, "clear-filters").click()
    assert shown_lines(browser) == everything


def on_screen(driver, element) -> bool:
    """In the window and below the sticky filter bar."""
    top, bottom, bar, height = driver.execute_script(
        "var r = arguments[0].getBoundingClientRect();"
        "return [r.top, r.bottom, document.getElementById('filters').getBoundingClientRect()"
        ".bottom, window.innerHeight];",
        element,
    )
    return bar <= top and bottom <= height


def test_a_failed_cell_links_to_the_failing_step(browser, report_page: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(report_page.as_uri())
    [link] = visible(browser, "tr.rule-line td.failed a")
    step_id = link.get_attribute("href").partition("#")[2]
    link.click()
    target = browser.execute_script("return document.querySelector(':target')")
    assert target is not None, "the link names an element of the page"
    assert target.tag_name == "li" and target.get_attribute("data-status") == "failed"
    assert FAILING_STEP in target.text
    assert target.is_displayed() and on_screen(browser, target)
    error = target.find_element(By.XPATH, "following-sibling::li[1]")
    assert "the sea is dry" in error.find_element(By.CSS_SELECTOR, "pre.error").text
    assert error.find_element(By.CSS_SELECTOR, "details.traceback summary").text == (
        "Full traceback"
    )

    # A link followed while a filter hides its target (a bookmark): the filters give way.
    browser.get(report_page.as_uri())
    browser.find_element(By.CSS_SELECTOR, 'button[data-status="passed"]').click()
    assert not browser.find_element(By.ID, step_id).is_displayed()
    browser.execute_script("location.hash = arguments[0]", step_id)
    step = browser.find_element(By.ID, step_id)
    assert step.is_displayed() and on_screen(browser, step)
    assert len(shown_lines(browser)) == 8, "the filters were cleared"
