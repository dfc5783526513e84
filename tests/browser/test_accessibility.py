"""Accessibility (axe-core in Chromium), light and dark themes, phone width, and the README's screenshots.

Screenshots go to a temporary directory; with JOBDECK_SCREENSHOTS=1 they replace docs/screenshots/*.png:
    JOBDECK_SCREENSHOTS=1 scripts/test tests/browser/test_accessibility.py
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.helpers import submit_countdown_in_browser

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SERIOUS = {"serious", "critical"}


@pytest.fixture
def shots(tmp_path):
    if os.environ.get("JOBDECK_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{page.url} [{v['impact']}] {v['id']}: {v['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def test_main_pages_have_no_serious_accessibility_violations_in_light_and_dark(
    page, live_server, worker, shots
):
    page.set_viewport_size({"width": 1100, "height": 800})
    found = []

    def check(name):
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            found.extend(serious_violations(page))
            if scheme == "light" or name == "job-finished":
                suffix = "" if scheme == "light" else "-dark"
                page.screenshot(path=str(shots / f"{name}{suffix}.png"), full_page=True)
        page.emulate_media(color_scheme="light")

    page.goto(f"{live_server}/")
    check("catalog")
    page.goto(f"{live_server}/tasks/countdown")
    check("form")
    # A form with errors: messages must be announced and linked to their fields.
    page.locator("form.task-form").evaluate("form => { form.noValidate = true; }")  # let the server judge
    page.fill("input[name=seconds]", "0")
    page.click("button[type=submit]")
    page.wait_for_selector(".errors")
    found.extend(serious_violations(page))

    finished = submit_countdown_in_browser(page, live_server, 1)
    page.wait_for_selector("#job-result", timeout=20_000)

    submit_countdown_in_browser(page, live_server, 30)
    page.wait_for_function(
        "() => /^[2-9] of 30 s$/.test(document.getElementById('job-message').textContent)", timeout=20_000
    )
    check("job-running")

    page.goto(f"{live_server}/jobs")
    page.wait_for_selector("tr[data-status=started]")
    check("history")

    page.goto(finished)
    check("job-finished")

    # Stop the running job so the worker is free for the next test.
    page.goto(f"{live_server}/jobs")
    page.locator("tr[data-status=started] a").first.click()
    page.get_by_role("button", name="Stop").click()
    page.wait_for_selector("#job-error", timeout=20_000)

    assert found == []
    # The one expected error: the 400 of the invalid form above.
    assert [e for e in page.console_errors if "status of 400" not in e] == []


def test_the_checker_finds_what_it_should(page, live_server):
    """The check above can fail: a field without a label and grey-on-grey text are reported."""
    page.goto(f"{live_server}/")
    page.evaluate(
        """() => {
            const input = document.createElement('input');
            document.querySelector('main').appendChild(input);
            const faint = document.createElement('p');
            faint.textContent = 'hard to read';
            faint.style.color = '#eeeeee';
            document.querySelector('main').appendChild(faint);
        }"""
    )
    ids = {line.split("] ", 1)[1].split(":", 1)[0] for line in serious_violations(page)}
    assert {"label", "color-contrast"} <= ids


@pytest.mark.parametrize("path", ["/", "/tasks/countdown", "/jobs"])
def test_pages_fit_a_phone_width_without_sideways_scrolling(page, live_server, path):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server}{path}")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_job_page_fits_a_phone_width(page, live_server, shots):
    page.set_viewport_size({"width": 360, "height": 740})
    submit_countdown_in_browser(page, live_server, 5)  # no worker: stays queued, with its actions
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert page.get_by_role("button", name="Cancel").is_visible()
    page.screenshot(path=str(shots / "job-phone.png"), full_page=True)
