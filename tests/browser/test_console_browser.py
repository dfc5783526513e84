"""The operator console in Chromium: charts (axe-checked, light and dark), search, a bulk retry of
500 failed jobs with its progress page, pause and resume, and the viewer's 403s.

With JOBDECK_SCREENSHOTS=1 the screenshots replace docs/screenshots/console-*.png.
"""

import re

import pytest

from jobs import queue_pause
from scripts.processes import WorkerProcess
from tests.browser.test_accessibility import serious_violations, shots  # noqa: F401 (fixture)
from tests.console_helpers import CONSOLE_CONFIG, enqueue, run_worker
from webapp import create_app

pytestmark = pytest.mark.browser


@pytest.fixture
def app(redis_url):
    return create_app({**CONSOLE_CONFIG, "WTF_CSRF_ENABLED": True, "REDIS_URL": redis_url})


def operator_page(browser, user: str, password: str, scheme: str = "light"):
    context = browser.new_context(
        http_credentials={"username": user, "password": password},
        color_scheme=scheme,
        viewport={"width": 1200, "height": 900},
    )
    return context.new_page()


@pytest.fixture
def admin_page(browser):
    page = operator_page(browser, "admin", "s3cret")
    yield page
    page.context.close()


@pytest.fixture
def viewer_page(browser):
    page = operator_page(browser, "viewer", "look-only")
    yield page
    page.context.close()


def test_overview_charts_pass_axe_in_light_and_dark(app, browser, live_server, shots):  # noqa: F811
    for _ in range(4):
        enqueue(app, "primes", {"limit": 1000})
    enqueue(app, "primes", {"limit": 1})
    run_worker(app)
    found = []
    for scheme in ("light", "dark"):
        page = operator_page(browser, "admin", "s3cret", scheme)
        page.goto(f"{live_server}/admin/?span=hour")
        assert page.locator("svg[role=img]").count() == 4
        assert page.locator("#span-totals").inner_text() == "Last hour: 4 finished, 1 failed, 0 stopped."
        assert page.locator("#chart-ended rect").count() >= 2  # finished and failed bars
        found.extend(serious_violations(page))
        suffix = "" if scheme == "light" else "-dark"
        page.screenshot(path=str(shots / f"console-overview{suffix}.png"), full_page=True)
        if scheme == "light":
            for name in ("workers", "search", "bulk", "pause", "audit"):
                page.goto(f"{live_server}/admin/{name}")
                found.extend(serious_violations(page))
        page.context.close()
    assert found == []


def test_search_by_id_prefix_and_by_parameter(app, admin_page, live_server):
    job_id = enqueue(app, "url_words", {"url": "https://example.org/news"})
    admin_page.goto(f"{live_server}/admin/search")
    admin_page.fill("#id", job_id[:8])
    admin_page.get_by_role("button", name="Find by id").click()
    admin_page.get_by_role("link", name=job_id).wait_for()
    admin_page.select_option("#task", "url_words")
    admin_page.fill("#value", "example.org")
    admin_page.get_by_role("button", name="Find by parameter").click()
    assert admin_page.locator("#search-count").inner_text() == "1 job found."
    admin_page.get_by_role("link", name=job_id).click()
    admin_page.wait_for_url(re.compile(f".*/jobs/{job_id}$"))


def test_bulk_retry_of_500_failed_jobs_with_its_progress_page(
    app,
    admin_page,
    live_server,
    redis_url,
    connection,
    tmp_path,
    shots,  # noqa: F811
):
    ids = [enqueue(app, "primes", {"limit": 1}, priority="default") for _ in range(500)]
    run_worker(app)  # in-process: all 500 fail (invalid bound)
    # The retried jobs wait on the paused queue; the bulk job itself runs on "high" in a real worker.
    queue_pause.pause_queue(connection, "default", "test", None)
    WorkerProcess(redis_url, log=tmp_path / "worker.log").start()
    admin_page.goto(f"{live_server}/admin/bulk?status=failed&task=primes")
    assert admin_page.locator("#bulk-count").inner_text() == "500 jobs match."
    admin_page.get_by_role("button", name="Retry all 500").click()
    admin_page.wait_for_url(re.compile(r".*/admin/bulk/[0-9a-f-]{36}$"))
    admin_page.locator("#bulk-progress").wait_for()
    admin_page.screenshot(path=str(shots / "console-bulk-progress.png"), full_page=True)
    admin_page.locator("#bulk-result").wait_for(timeout=60_000)  # the page refreshes by itself
    assert admin_page.locator("#bulk-result").inner_text() == "500 of 500 jobs retried."
    assert admin_page.locator("#bulk-progress").get_attribute("value") == "100"
    assert admin_page.locator("#bulk-message").inner_text() == "500 of 500 jobs"
    assert connection.llen("rq:queue:default") == 500
    assert set(connection.lrange("rq:queue:default", 0, -1)) == {i.encode() for i in ids}
    admin_page.goto(f"{live_server}/admin/audit")
    assert "bulk retry" in admin_page.locator("#audit-log").inner_text()


def test_pause_and_resume(admin_page, live_server):
    admin_page.goto(f"{live_server}/admin/pause")
    admin_page.select_option("#scope", "low")
    admin_page.fill("#reason", "maintenance")
    admin_page.fill("#minutes", "30")
    admin_page.get_by_role("button", name="Pause", exact=True).click()
    assert "Queue low paused until" in admin_page.locator("#pauses").inner_text()
    assert "maintenance" in admin_page.locator("#pauses").inner_text()
    admin_page.get_by_role("button", name="Resume queue low").click()
    admin_page.locator("#no-pause").wait_for()


def test_the_viewer_sees_everything_and_is_refused_every_action(app, viewer_page, live_server):
    job_id = enqueue(app, "primes", {"limit": 100})  # another browser's job, found through search
    viewer_page.goto(f"{live_server}/admin/search")
    viewer_page.fill("#id", job_id[:8])
    viewer_page.get_by_role("button", name="Find by id").click()
    viewer_page.get_by_role("link", name=job_id).click()
    viewer_page.wait_for_url(re.compile(f".*/jobs/{job_id}$"))
    assert "queued" in viewer_page.locator("main").inner_text()
    assert viewer_page.get_by_role("button", name="Cancel").count() == 0
    # the browser now signs every request of the site (the page's live updates too), unasked
    assert viewer_page.evaluate(f"fetch('/api/jobs/{job_id}').then(r => r.status)") == 200
    refused = viewer_page.request.post(f"{live_server}/jobs/{job_id}/cancel", headers={"Origin": live_server})
    assert refused.status in (400, 403)  # CSRF (no token, as the viewer is offered no form), else the role
    viewer_page.goto(f"{live_server}/admin/pause")
    assert "read-only" in viewer_page.locator(".operator").inner_text()
    viewer_page.fill("#reason", "not allowed")
    with viewer_page.expect_response(re.compile(r".*/admin/pause$")) as answer:
        viewer_page.get_by_role("button", name="Pause", exact=True).click()
    assert answer.value.status == 403
    response = viewer_page.goto(f"{live_server}/rq/")
    assert response.status == 200
    refused = viewer_page.request.post(f"{live_server}/rq/requeue/default", headers={"Origin": live_server})
    assert refused.status == 403


def test_result_charts_pass_axe(app, browser, live_server, shots):  # noqa: F811
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(f"{live_server}/tasks/word_frequency")
    page.fill("textarea[name=text]", "the queue runs the job and the job ends " * 20)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}$"))
    run_worker(app)
    found = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.reload()
        page.locator("#picture-top-words svg").wait_for()
        found.extend(serious_violations(page))
    page.emulate_media(color_scheme="light")
    page.screenshot(path=str(shots / "result-word-chart.png"), full_page=True)
    page.close()
    assert found == []


def test_a_waiting_users_page_says_the_queue_is_paused_until_it_runs(
    browser, live_server, connection, redis_url, tmp_path
):
    queue_pause.pause_queue(connection, "default", "maintenance", None)
    page = browser.new_page()
    page.goto(f"{live_server}/tasks/countdown")
    page.fill("input[name=seconds]", "3")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}$"))
    assert page.locator("#job-pause").inner_text() == "Queue default is paused for now: maintenance."
    queue_pause.resume_queue(connection, "default")
    WorkerProcess(redis_url, log=tmp_path / "worker.log").start()
    page.wait_for_function("() => document.getElementById('job-status').textContent === 'started'")
    assert page.locator("#job-pause").count() == 0  # the page as it stands now: no pause to tell
    page.close()
