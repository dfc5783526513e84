"""In Chromium: the batch page updates in place to 100 % (and reloads itself with JS off), the
schedules page and a job's webhook attempts; accessibility checks and the README's screenshots
(JOBDECK_SCREENSHOTS=1 writes them to docs/screenshots/, as test_accessibility.py does)."""

import http.server
import os
import re

import pytest
from playwright.sync_api import expect

from jobs import webhooks
from scripts.processes import WorkerProcess, wait_until
from tests.browser.test_accessibility import serious_violations, shots  # noqa: F401 (a fixture)
from tests.helpers import local_http_server

pytestmark = pytest.mark.browser

BATCH_URL = re.compile(r".*/batches/[0-9a-f]{32}$")


def csv_files(n: int) -> list[dict]:
    rows = "\n".join(f"city{i},{i * 7 % 13},{i * 1.5}" for i in range(200))
    return [
        {
            "name": f"sales-{i:02d}.csv",
            "mimeType": "text/csv",
            "buffer": f"city,units,price\n{rows}\n".encode(),
        }
        for i in range(n)
    ]


def submit_batch(page, live_server, n: int) -> str:
    page.goto(f"{live_server}/tasks/csv_profile/batch")
    page.set_input_files("input[name=files]", csv_files(n))
    page.click("button[type=submit]")
    page.wait_for_url(BATCH_URL)
    return page.url


def test_a_20_file_batch_page_updates_in_place_to_100_percent(page, live_server, worker, shots):  # noqa: F811
    page.set_viewport_size({"width": 1100, "height": 800})
    submit_batch(page, live_server, 20)
    page.evaluate("window.__sameDocument = 'yes'")  # a reload would wipe it
    assert page.locator('meta[http-equiv="refresh"]').count() == 0  # the <noscript> one does not act
    page.wait_for_selector('#batch[data-active="false"]', timeout=90_000)
    assert page.locator("#batch-percent").inner_text() == "100%"
    assert page.evaluate("window.__sameDocument") == "yes"
    assert page.locator("#batch").get_attribute("data-active") == "false"
    assert page.locator('[data-status-count="finished"]').inner_text() == "20"
    assert page.locator("table.batch-jobs tbody tr").count() == 20
    # the tab's title follows the swapped-in article: wait for it (expect's deadline), not read it at once
    expect(page).to_have_title(re.compile(r"\(done\) · Jobdeck$"))
    assert serious_violations(page) == []
    assert page.console_errors == []
    page.screenshot(path=str(shots / "batch.png"), full_page=True)


def test_with_javascript_off_the_batch_page_refreshes_itself(page_without_js, live_server, worker):
    page = page_without_js
    submit_batch(page, live_server, 2)
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    page.wait_for_selector('#batch[data-active="false"]', timeout=60_000)  # reached by reloading
    assert page.locator("#batch-percent").inner_text() == "100%"
    assert page.locator('meta[http-equiv="refresh"]').count() == 0


def test_the_schedules_page(browser, live_server, shots):  # noqa: F811
    context = browser.new_context(http_credentials={"username": "admin", "password": "s3cret"})
    page = context.new_page()
    page.set_viewport_size({"width": 1100, "height": 800})
    page.goto(f"{live_server}/admin/schedules")
    page.locator("#schedule-nightly-primes button", has_text="Run now").click()
    page.wait_for_selector("#schedule-nightly-primes tr[data-job-id]")
    page.fill("#reason-word-count-sample", "waiting for the new word list")
    page.locator("#schedule-word-count-sample button", has_text="Pause").click()
    page.wait_for_selector("#schedule-word-count-sample .schedule-paused")
    assert "every day at 02:00 UTC" in page.inner_text("#schedule-nightly-primes")
    assert serious_violations(page) == []
    page.screenshot(path=str(shots / "schedules.png"), full_page=True)
    context.close()


class FlakyReceiver(http.server.BaseHTTPRequestHandler):
    """Answers 500 to the first delivery, 204 to the next."""

    calls = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).calls += 1
        self.send_response(500 if type(self).calls == 1 else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_jobs_webhook_attempts_show_on_its_page(page, live_server, redis_url, tmp_path, monkeypatch, shots):  # noqa: F811
    for name, value in (
        (webhooks.SECRET_ENV, "whsec"),
        (webhooks.ALLOW_LOOPBACK_ENV, "1"),
        (webhooks.TESTING_ENV, "1"),
        (webhooks.RETRY_INTERVALS_ENV, "1"),
    ):
        monkeypatch.setenv(name, value)
    handler = type("Receiver", (FlakyReceiver,), {"calls": 0})
    with local_http_server(handler) as url:
        WorkerProcess(redis_url, log=tmp_path / "worker.log", environ=dict(os.environ)).start()
        page.goto(f"{live_server}/")
        body = {"task": "countdown", "params": {"seconds": 1}, "webhook": {"url": f"{url}/hook"}}
        answer = page.request.post(f"{live_server}/api/jobs", data=body)
        assert answer.status == 202
        job_url = f"{live_server}/jobs/{answer.json()['id']}"
        page.goto(job_url)
        page.wait_for_selector("#job-result", timeout=30_000)

        def two_attempts():
            page.goto(job_url)
            return page.locator("table.webhook-attempts tbody tr").count() == 2

        wait_until(two_attempts, timeout=30, interval=0.5, message="two webhook attempts on the page")
    text = page.inner_text("#webhook")
    assert "HTTP 500" in text and "HTTP 204" in text
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 1100, "height": 800})
    page.screenshot(path=str(shots / "job-webhook.png"), full_page=True)
