"""In a real browser with JavaScript on: the job page and /jobs update in place (static/app.js)."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.helpers import JOB_URL, api, submit_countdown, submit_countdown_in_browser

pytestmark = pytest.mark.browser


def test_countdown_page_updates_in_place_to_the_result_without_a_reload(page, live_server, run_jobs):
    submit_countdown_in_browser(page, live_server, 2)
    # A marker on this document: a full reload (meta refresh, location.reload) would wipe it.
    page.evaluate("window.__sameDocument = 'yes'")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0  # the <noscript> one does not act
    run_jobs()  # here, while the page polls the live server's thread
    page.wait_for_selector("#job-result", timeout=20_000)
    assert "Waited 2 seconds." in page.locator("#job-result").inner_text()
    assert page.evaluate("window.__sameDocument") == "yes"
    assert page.locator("#job-status").inner_text() == "finished"
    assert page.locator("#job-progress").get_attribute("value") == "100"
    assert page.locator("#job-percent").inner_text() == "100%"
    expect(page).to_have_title("Done: Countdown · Jobdeck")  # set in the update step after the swap
    expect(page.locator("#job-announcer")).to_contain_text("Done: Countdown")
    assert page.locator("#job-refresh-note").count() == 0
    assert page.console_errors == []


def test_the_page_follows_the_job_through_its_event_stream(page, live_server, worker):
    seen = []
    page.on("request", lambda request: seen.append(request.url))
    submit_countdown_in_browser(page, live_server, 3)
    page.evaluate("window.__sameDocument = 'yes'")
    page.wait_for_function(
        "() => /^[12] of 3 s$/.test(document.getElementById('job-message').textContent)", timeout=15_000
    )
    assert "updates by itself" in page.locator("#job-refresh-note").inner_text()
    page.wait_for_selector("#job-result", timeout=15_000)
    assert "Waited 3 seconds." in page.locator("#job-result").inner_text()
    assert page.evaluate("window.__sameDocument") == "yes"
    assert page.locator("#job-status").inner_text() == "finished"
    expect(page).to_have_title("Done: Countdown · Jobdeck")  # set in the update step after the swap
    assert len([url for url in seen if url.endswith("/events")]) == 1
    assert [url for url in seen if "/api/jobs/" in url] == []  # pushed, never polled
    assert page.console_errors == []


def test_progress_message_and_elapsed_move_by_polling_when_the_stream_is_refused(page, live_server, worker):
    page.route("**/jobs/*/events", lambda route: route.fulfill(status=503, body="busy"))
    polls = []
    page.on(
        "request", lambda request: polls.append(time.monotonic()) if "/api/jobs/" in request.url else None
    )
    submit_countdown_in_browser(page, live_server, 4)
    page.evaluate("window.__sameDocument = 'yes'")
    page.wait_for_function(
        "() => /^[123] of 4 s$/.test(document.getElementById('job-message').textContent)", timeout=15_000
    )
    value = int(page.locator("#job-progress").get_attribute("value"))
    assert 25 <= value <= 75
    assert page.locator("#job-percent").inner_text() == f"{value}%"
    assert re.fullmatch(r"\d s", page.locator("#job-elapsed").inner_text())
    assert "updates by itself" in page.locator("#job-refresh-note").inner_text()
    page.wait_for_selector("#job-result", timeout=15_000)
    assert page.evaluate("window.__sameDocument") == "yes"
    # Polled at most twice a second, at least every 5 s, and not again once the job had ended.
    gaps = [later - earlier for earlier, later in zip(polls, polls[1:], strict=False)]
    assert len(polls) >= 4
    assert min(gaps) >= 0.45
    assert max(gaps) <= 5.5
    count = len(polls)
    page.wait_for_timeout(1200)  # an observation window, not a synchronisation
    assert len(polls) == count


def test_stop_from_the_page(page, live_server, worker):
    submit_countdown_in_browser(page, live_server, 60)
    stop = page.get_by_role("button", name="Stop")
    stop.wait_for(timeout=15_000)  # appears in place once the job has started
    stop.click()
    page.wait_for_selector("#job-error", timeout=20_000)
    assert page.locator("#job-status").inner_text() == "stopped"
    assert "Stopped by you" in page.locator("#job-error").inner_text()
    expect(page).to_have_title("Stopped: Countdown · Jobdeck")  # set in the update step after the swap
    assert page.get_by_role("button", name="Retry").is_visible()
    assert page.console_errors == []


def test_cancel_a_scheduled_job_from_the_page(page, live_server, worker):
    page.goto(f"{live_server}/tasks/countdown")
    page.fill("input[name=seconds]", "1")
    page.click("summary")
    page.fill("input[name=start_in]", "5")
    page.click("button[type=submit]")
    page.wait_for_url(JOB_URL)
    assert page.locator("#job-status").inner_text() == "scheduled"
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_selector("text=Canceled: the job will not run.")
    assert page.locator("#job-status").inner_text() == "canceled"
    assert "canceled before it started" in page.locator("#job-error").inner_text()
    assert page.console_errors == []


def test_keyboard_only_submit(page, live_server, run_jobs):
    page.goto(f"{live_server}/tasks/countdown")
    for _ in range(20):  # Tab through the header links to the first field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "seconds":
            break
    else:
        pytest.fail("Tab never reached the seconds field")
    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.wait_for_url(JOB_URL)
    run_jobs()
    page.wait_for_selector("#job-result", timeout=20_000)
    assert "Waited 1 second." in page.locator("#job-result").inner_text()
    # The actions of the finished job are reachable by Tab too.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Delete":
            break
    else:
        pytest.fail("Tab never reached the Delete button")


def test_a_network_blip_shows_reconnecting_and_the_page_recovers(page, live_server, worker):
    page.route("**/jobs/*/events", lambda route: route.abort("internetdisconnected"))  # the page polls
    page.route("**/api/jobs/*", lambda route: route.abort("internetdisconnected"))
    submit_countdown_in_browser(page, live_server, 3)
    note = page.locator("#connection-note")
    note.wait_for(state="visible", timeout=10_000)
    assert "reconnecting" in note.inner_text()
    page.unroute("**/api/jobs/*")
    page.wait_for_selector("#job-result", timeout=20_000)
    assert note.is_hidden()


def test_history_rows_update_in_place_and_are_marked(page, live_server, worker):
    submit_countdown_in_browser(page, live_server, 2)
    page.goto(f"{live_server}/jobs")
    page.evaluate("window.__sameDocument = 'yes'")
    row = page.locator("tr[data-job-id]").first
    assert row.get_attribute("data-status") in {"queued", "started"}
    page.wait_for_selector('tr[data-status="finished"] .status-finished', timeout=20_000)
    assert row.locator(".col-status").inner_text().startswith("finished")
    assert "new" in row.locator(".mark-new").inner_text()
    assert row.locator("progress").get_attribute("value") == "100"
    assert page.evaluate("window.__sameDocument") == "yes"
    assert page.console_errors == []


def test_the_time_zone_field_is_filled_from_the_browser(browser, live_server):
    context = browser.new_context(timezone_id="Europe/Paris")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/tasks/countdown")
        assert page.locator("input[name=timezone]").input_value() == "Europe/Paris"
    finally:
        context.close()


def test_notification_button_is_offered_while_the_job_is_active(page, live_server):
    submit_countdown_in_browser(page, live_server, 30)  # no worker: it stays queued
    button = page.get_by_role("button", name="Notify me when it ends")
    assert button.is_visible()
    page.context.grant_permissions(["notifications"])
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=You will get a notification when the job ends.")
    assert button.count() == 0


def test_a_failed_job_brings_its_error_in_place_and_the_title_says_failed(page, live_server, run_jobs):
    page.goto(f"{live_server}/tasks/csv_profile")
    page.set_input_files(
        "input[name=csv]", files=[{"name": "empty.csv", "mimeType": "text/csv", "buffer": b""}]
    )
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(JOB_URL)
    page.evaluate("window.__sameDocument = 'yes'")
    run_jobs()
    page.wait_for_selector("#job-error", timeout=20_000)
    assert page.locator("#job-status").inner_text() == "failed"
    assert "The CSV file is empty." in page.locator("#job-error").inner_text()
    expect(page).to_have_title("Failed: CSV profile · Jobdeck")  # set in the update step after the swap
    assert page.evaluate("window.__sameDocument") == "yes"
    assert page.get_by_role("button", name="Retry").is_visible()


def test_the_job_api_carries_what_the_page_script_needs(client, run_jobs):
    job_id = submit_countdown(client, 1)
    body = api(client, job_id)
    assert body["active"] is True
    assert body["page_url"] == f"/jobs/{job_id}"
    run_jobs()
    done = api(client, job_id)
    assert done["status"] == "finished"
    assert done["active"] is False
    assert done["eta_seconds"] is None
    assert any("Counting down 1 seconds" in line for line in done["log"])


def test_keyboard_focus_stays_on_its_control_when_the_result_arrives(page, live_server, run_jobs):
    submit_countdown_in_browser(page, live_server, 2)
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Edit and resubmit":
            break
    else:
        pytest.fail("Tab never reached 'Edit and resubmit'")
    run_jobs()
    page.wait_for_selector("#job-result", timeout=20_000)
    assert page.evaluate("document.activeElement.textContent") == "Edit and resubmit"
    page.keyboard.press("Enter")
    page.wait_for_url("**/tasks/countdown?from=*")
    assert page.locator("input[name=seconds]").input_value() == "2"
