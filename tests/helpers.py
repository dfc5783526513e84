"""What many tests share: the app settings they start from, submitting a task as a browser does, the
job id from an answer's Location, reading a job back, and a throwaway local HTTP server."""

import contextlib
import http.server
import re
import threading

from jobs import work
from jobs.registry import get_task
from jobs.registry import validate as registry_validate
from scripts.processes import procfile_command
from webapp.submission import enqueue_task

#: the app settings every in-process test starts from (conftest's ``app`` fixture and variants)
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "ADMIN_USER": "admin",
    "ADMIN_PASSWORD": "s3cret",
    "RATE_LIMIT": "off",
}

#: shorter heartbeats and maintenance than jobs/work.py's, for worker processes in tests not about them
FAST = ["--job-monitoring-interval", "1", "--maintenance-interval", "2", "--worker-ttl", "17"]


def procfile_worker(line: str, connection):
    """The worker the Procfile's ``line`` runs, as ``python -m jobs.work`` builds it (not started)."""
    return work.build_worker(work.arguments(procfile_command(line)[3:]), connection)


def job_id_from(response) -> str:
    """The job id at the end of an answer's Location (a form's 303, the API's 202, a retry's 303)."""
    return response.headers["Location"].rsplit("/", 1)[-1]


def submit(client, task: str, data: dict, **kwargs) -> str:
    """Posts ``task``'s form as a browser does and returns the new job's id (the answer must be a 303)."""
    response = client.post(f"/tasks/{task}", data=data, **kwargs)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return job_id_from(response)


def submit_countdown(client, seconds=30, **fields) -> str:
    """A countdown of ``seconds`` through its form, with any other form ``fields``; the job's id."""
    return submit(client, "countdown", {"seconds": str(seconds), **fields})


#: a job page's address, as a browser lands on it after submitting a form
JOB_URL = re.compile(r".*/jobs/[0-9a-f-]{36}$")


def submit_countdown_in_browser(page, live_server: str, seconds) -> str:
    """Fills and sends the countdown form in a Playwright ``page``; the job page's URL it lands on."""
    page.goto(f"{live_server}/tasks/countdown")
    page.fill("input[name=seconds]", str(seconds))
    page.click("button[type=submit]")
    page.wait_for_url(JOB_URL)
    return page.url


def page_once_run(client, run_jobs, job_id: str, status: str = "finished") -> str:
    """Runs the queued jobs (the ``run_jobs`` fixture), then the job's page, which must show ``status``."""
    run_jobs()
    html = page(client, job_id)
    assert f"status-{status}" in html, html[:2000]
    return html


def submit_as_browser(client, task: str, params: dict, priority: str | None = None) -> str:
    """Submits as this browser: through the API, or (for an unlisted task such as the fault probe,
    which the API refuses) through the site's own enqueue, under the browser's owner id."""
    spec = get_task(task)
    if spec.listed:
        response = client.post("/api/jobs", json={"task": task, "params": params, "priority": priority})
        assert response.status_code == 202, response.get_data(as_text=True)
        return response.get_json()["id"]
    with client.session_transaction() as session:
        owner = session.setdefault("owner", "fault-tests")
    with client.application.test_request_context():
        return enqueue_task(spec, registry_validate(task, params), owner, priority=priority).id


def api(client, job_id: str) -> dict:
    """The job as ``GET /api/jobs/<id>`` answers it."""
    return client.get(f"/api/jobs/{job_id}").get_json()


def page(client, job_id: str) -> str:
    """The job's page as HTML text."""
    return client.get(f"/jobs/{job_id}").get_data(as_text=True)


@contextlib.contextmanager
def local_http_server(handler):
    """A threaded ``http.server`` with ``handler`` on a free loopback port; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
