"""In Chromium: markup in job fields is shown as text by rq-dashboard's client-side templates and by
the job page's in-place updates (static/app.js), never turned into elements."""

import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from scripts.processes import wait_until
from tests.helpers import JOB_URL

pytestmark = pytest.mark.browser

#: element injection is visible in the DOM whatever the CSP does with scripts
PAYLOAD = '<b id="xss-injected">bold</b><img id="xss-img" src="x" onerror="window.__xss = 1">'


@pytest.fixture
def admin_page(browser):
    context = browser.new_context(http_credentials={"username": "admin", "password": "s3cret"})
    page = context.new_page()
    yield page
    context.close()


def assert_shown_as_text(page, where):
    assert page.locator("#xss-injected").count() == 0, where
    assert page.locator("#xss-img").count() == 0, where
    assert page.evaluate("window.__xss") is None, where
    assert '<b id="xss-injected">' in page.locator("body").inner_text(), where


def test_dashboard_job_views_show_markup_in_job_fields_as_text(admin_page, live_server, connection):
    queue = Queue("default", connection=connection, serializer=JSONSerializer)
    job = queue.enqueue(
        "jobs.runner.execute", "countdown", {"seconds": 1}, description=PAYLOAD, meta={"note": PAYLOAD}
    )
    queue.remove(job)
    queue.failed_job_registry.add(job, ttl=600, exc_string=f"Traceback: {PAYLOAD}")
    admin_page.goto(f"{live_server}/rq/0/view/job/{job.id}")
    admin_page.wait_for_selector(".description-scroll")
    wait_until(lambda: "xss-injected" in admin_page.locator("#job-data").inner_text(), message="job data")
    assert admin_page.locator("#job-data").inner_text().count("xss-injected") >= 2  # description + meta
    assert_shown_as_text(admin_page, "job view")
    admin_page.goto(f"{live_server}/rq/0/view/jobs/default/failed/8/asc/1")
    admin_page.wait_for_selector("tr[data-role=job]")
    assert_shown_as_text(admin_page, "failed jobs list")


def test_the_job_page_updated_in_place_shows_markup_as_text(page, live_server, run_jobs):
    page.goto(f"{live_server}/tasks/word_frequency")
    page.fill("textarea[name=text]", f"{PAYLOAD} words")
    page.click("button[type=submit]")
    page.wait_for_url(JOB_URL)
    run_jobs()  # here, while the page polls the live server's thread
    page.wait_for_selector("#job-result", timeout=20_000)  # arrived in place (app.js)
    assert_shown_as_text(page, "job page")
    page.goto(f"{live_server}/jobs")
    assert_shown_as_text(page, "history")
