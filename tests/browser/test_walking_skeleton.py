"""In a real browser: submit the countdown form and watch the page refresh itself to the result."""

import pytest

from tests.helpers import JOB_URL

pytestmark = pytest.mark.browser


def test_submit_and_the_page_refreshes_itself_to_the_result_without_js(
    page_without_js, live_server, run_jobs
):
    page = page_without_js
    page.goto(f"{live_server}/")
    page.click("text=Countdown")
    page.fill("input[name=seconds]", "2")
    page.click("button[type=submit]")
    page.wait_for_url(JOB_URL)
    assert page.locator("progress").count() == 1
    run_jobs()  # here, while the page refreshes itself from the live server's thread
    page.wait_for_selector(".status-finished", timeout=20_000)
    assert "Waited 2 seconds." in page.content()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0


def test_the_strict_csp_holds_with_javascript_on(page, live_server):
    page.goto(f"{live_server}/tasks/countdown")
    page.fill("input[name=seconds]", "1")
    page.click("button[type=submit]")
    page.wait_for_url(JOB_URL)
    assert page.locator("#job-status").inner_text() in {"queued", "started"}
    assert page.console_errors == []  # no CSP violations, no script errors
