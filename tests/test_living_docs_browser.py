"""The living-documentation page as a person sees it: rendered by headless Chromium.

The page comes from a run whose failure sits in a nested folder (features/team_b/memory/...)
next to a passing file of the same name elsewhere: the failure must be there, in red.

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

    scenarios = " | ".join(e.text for e in visible(browser, "article.scenario h3"))
    for title in ("a recorded fact is found", "a fact nobody recorded is found"):
        assert title in scenarios

    backends = [e.text for e in visible(browser, "th.backend")]
    assert backends[:3] == ["PostgreSQL", "SQLite", "Redis"]

    cell = visible(browser, "table.datatable td, table.matrix td")[0]
    assert cell.value_of_css_property("white-space") == "pre-wrap"

    [failing] = visible(browser, "li.step.failed")
    assert FAILING_STEP in failing.text
    red, green, blue = rgb(failing.value_of_css_property("background-color"))
    assert red > 230 and green < 240 and blue < 240, "the failing step is shown on red"
    assert rgb(failing.value_of_css_property("border-left-color"))[0] > 150
    [message] = visible(browser, "pre.error")
    assert "AssertionError" in message.text

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
