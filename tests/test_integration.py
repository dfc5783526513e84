"""The whole path: form -> RQ -> the Procfile's worker (a real process) -> job page; and a bad job
through RQ, run in process."""

from rq import Queue
from rq.serializers import JSONSerializer

from scripts.processes import wait_until
from tests.helpers import page, submit_countdown


def test_countdown_runs_through_the_worker_and_the_page_follows(client, worker):
    job_id = submit_countdown(client, 2)

    html = page(client, job_id)
    assert 'http-equiv="refresh"' in html
    assert "<progress" in html

    def finished_page():
        text = page(client, job_id)
        return text if "status-finished" in text else None

    html = wait_until(finished_page, timeout=20, message="the job page to show the result")
    assert 'http-equiv="refresh"' not in html
    assert "Waited 2 seconds." in html
    assert 'value="100"' in html


def test_a_failing_job_shows_a_readable_error_not_a_traceback(client, connection, run_jobs):
    # Enqueued straight through RQ with a bad parameter: the worker re-validates it.
    job = Queue("default", connection=connection, serializer=JSONSerializer).enqueue(
        "jobs.runner.execute", "countdown", {"seconds": 0}, meta={"task": "countdown", "owner": "me"}
    )
    with client.session_transaction() as session:  # jobs are their owner's to read
        session["owner"] = "me"
    run_jobs()
    html = page(client, job.id)
    assert "status-failed" in html
    assert "Seconds must be between 1 and 3600." in html
    assert "Traceback" not in html
    assert 'http-equiv="refresh"' not in html
