"""The whole path with real processes: form -> RQ -> the Procfile's worker -> job page."""

import re

from tests.support import wait_until


def job_id_from(response) -> str:
    assert response.status_code == 303
    match = re.fullmatch(r"/jobs/([0-9a-f-]{36})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_countdown_runs_through_the_worker_and_the_page_follows(client, worker):
    job_id = job_id_from(client.post("/tasks/countdown", data={"seconds": "2"}))

    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page
    assert "<progress" in page

    def finished_page():
        text = client.get(f"/jobs/{job_id}").get_data(as_text=True)
        return text if "status-finished" in text else None

    page = wait_until(finished_page, timeout=20, message="the job page to show the result")
    assert 'http-equiv="refresh"' not in page
    assert "Waited 2 seconds." in page
    assert 'value="100"' in page


def test_a_failing_job_shows_a_readable_error_not_a_traceback(client, connection, worker):
    # Enqueued straight through RQ with a bad parameter: the worker re-validates it.
    from rq import Queue
    from rq.serializers import JSONSerializer

    job = Queue("default", connection=connection, serializer=JSONSerializer).enqueue(
        "jobs.runner.execute", "countdown", {"seconds": 0}, meta={"task": "countdown", "owner": "me"}
    )
    with client.session_transaction() as session:  # jobs are their owner's to read
        session["owner"] = "me"

    def failed_page():
        text = client.get(f"/jobs/{job.id}").get_data(as_text=True)
        return text if "status-failed" in text else None

    page = wait_until(failed_page, timeout=20, message="the job to fail")
    assert "Seconds must be between 1 and 3600." in page
    assert "Traceback" not in page
    assert 'http-equiv="refresh"' not in page
