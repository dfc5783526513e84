"""Job lifecycle with a real worker (in process where the process is not the point): cancel, stop, retry, edit, delete, schedule, priorities, logs, ETA."""

import os
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import url_words
from jobs.registry import get_task
from scripts.processes import WorkerProcess, free_port, wait_until
from tests.helpers import job_id_from, page, submit_countdown
from webapp.submission import enqueue_task


def status_of(client, job_id):
    return re.search(r'id="job-status"[^>]*>([a-z]+)<', page(client, job_id)).group(1)


def wait_status(client, job_id, status, timeout=20):
    return wait_until(
        lambda: status_of(client, job_id) == status, timeout=timeout, message=f"status {status}"
    )


def fetch(connection, job_id):
    return Job.fetch(job_id, connection=connection, serializer=JSONSerializer)


def test_stop_a_running_job_and_the_page_says_stopped_by_you(client, worker):
    job_id = submit_countdown(client, 60)
    wait_status(client, job_id, "started")
    response = client.post(f"/jobs/{job_id}/stop", follow_redirects=True)
    assert "Stop requested" in response.get_data(as_text=True)
    wait_status(client, job_id, "stopped")
    html = page(client, job_id)
    assert "Stopped by you" in html
    assert 'http-equiv="refresh"' not in html


def test_cancel_a_scheduled_job_and_it_never_runs(app, client, connection, worker):
    job_id = submit_countdown(client, 1, start_in="1")
    assert status_of(client, job_id) == "scheduled"
    assert "starts in" in page(client, job_id)
    with client.session_transaction() as session:
        owner = session["owner"]
    with app.test_request_context():  # one more, due in 2 s, to watch the scheduler pass it by
        soon = enqueue_task(
            get_task("countdown"), {"seconds": 1}, owner, at=datetime.now(UTC) + timedelta(seconds=2)
        )
    for canceled in (job_id, soon.id):
        response = client.post(f"/jobs/{canceled}/cancel", follow_redirects=True)
        assert "Canceled: the job will not run." in response.get_data(as_text=True)
        assert status_of(client, canceled) == "canceled"
    with app.test_request_context():  # due after the canceled one: once it ran, the scheduler went past
        later = enqueue_task(
            get_task("countdown"), {"seconds": 1}, owner, at=datetime.now(UTC) + timedelta(seconds=3)
        )
    wait_status(client, later.id, "finished", timeout=30)
    for canceled in (job_id, soon.id):
        job = fetch(connection, canceled)
        assert job.get_status().value == "canceled" and job.started_at is None


def test_scheduled_jobs_start_when_due(app, client, connection, worker):
    with app.test_request_context():
        job = enqueue_task(
            get_task("countdown"), {"seconds": 1}, "someone", at=datetime.now(UTC) + timedelta(seconds=2)
        )
    assert fetch(connection, job.id).get_status().value == "scheduled"
    wait_until(
        lambda: fetch(connection, job.id).get_status().value == "finished", timeout=30, message="due job"
    )
    assert fetch(connection, job.id).started_at.replace(tzinfo=UTC) >= job.created_at.replace(tzinfo=UTC)


def test_retry_a_failed_job_links_both_ways(app, client, connection, run_jobs):
    with client.session_transaction() as session:
        session["owner"] = "me"
    with app.test_request_context():
        failed = enqueue_task(get_task("countdown"), {"seconds": 0}, "me")  # fails its own validation
    run_jobs()
    assert status_of(client, failed.id) == "failed"
    assert "Seconds must be between 1 and 3600." in page(client, failed.id)
    response = client.post(f"/jobs/{failed.id}/retry")
    assert response.status_code == 303
    new_id = job_id_from(response)
    assert new_id != failed.id
    assert f'Retry of <a href="/jobs/{failed.id}"' in page(client, new_id)
    assert f'Retried as <a href="/jobs/{new_id}"' in page(client, failed.id)


def test_a_task_with_a_retry_policy_shows_its_attempts(app, client, connection, redis_url, tmp_path):
    # A connection error may pass, so it is retried (refused input is not: it fails at attempt 1).
    environ = {**os.environ, url_words.ALLOWLIST_ENV: "127.0.0.1/32"}
    WorkerProcess(redis_url, log=tmp_path / "worker.log", environ=environ).start()
    with client.session_transaction() as session:
        session["owner"] = "me"
    flaky = replace(get_task("url_words"), retry_max=2, retry_intervals=(1,))
    with app.test_request_context():
        job = enqueue_task(flaky, {"url": f"http://127.0.0.1:{free_port()}/"}, "me")
    wait_until(lambda: "Attempt 2 of 3" in page(client, job.id), timeout=30, message="the second attempt")
    wait_status(client, job.id, "failed", timeout=30)
    assert "Attempt 3 of 3" in page(client, job.id)


def test_another_browser_cannot_act_on_your_job(app, client):
    job_id = submit_countdown(client, 30)
    stranger = app.test_client()
    for action in ("cancel", "stop", "retry", "delete"):
        assert stranger.post(f"/jobs/{job_id}/{action}").status_code == 404  # as for no job at all
    assert stranger.get(f"/jobs/{job_id}/edit").status_code == 404
    assert "Cancel" not in stranger.get(f"/jobs/{job_id}").get_data(as_text=True).split("<main")[1]
    assert status_of(client, job_id) == "queued"


def test_the_admin_can_act_on_any_job(app, client):
    import base64

    job_id = submit_countdown(client, 30)
    admin = app.test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(b"admin:s3cret").decode()}
    assert admin.post(f"/jobs/{job_id}/cancel", headers=auth).status_code == 303
    assert status_of(client, job_id) == "canceled"


def test_log_lines_and_eta_appear_while_running(client, worker):
    job_id = submit_countdown(client, 8)
    wait_until(lambda: "Counting down 8 seconds" in page(client, job_id), timeout=20, message="the log line")
    wait_until(lambda: "left." in page(client, job_id), timeout=10, message="an ETA")
    client.post(f"/jobs/{job_id}/stop")


def test_eta_before_first_progress_is_an_estimate_from_recent_runs(app, client, connection):
    from jobs import durations
    from webapp.job_insights import eta

    for seconds in (10, 12, 14):
        durations.record(connection, "countdown", seconds)
    job_id = submit_countdown(client, 5)
    job = fetch(connection, job_id)
    job.started_at = datetime.now(UTC) - timedelta(seconds=2)
    seconds, is_estimate = eta(job, "started", {})
    assert is_estimate and 9 <= seconds <= 10.5


def test_position_in_the_queue(client):
    ids = [submit_countdown(client, 5) for _ in range(4)]
    assert "next in line" in page(client, ids[0])
    assert "3 jobs ahead" in page(client, ids[3])


def test_priority_puts_the_job_on_that_queue(client, connection):
    job_id = submit_countdown(client, 5, priority="high")
    assert fetch(connection, job_id).origin == "high"
    assert client.post("/tasks/countdown", data={"seconds": "5", "priority": "urgent"}).status_code == 400


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"start_in": "0"}, "Enter minutes from 1"),
        ({"start_at": "2001-01-01T10:00"}, "Choose a time in the future."),
        ({"start_at": "2999-01-01T10:00"}, "within the next 7 days"),
        ({"start_at": "2999-01-01T10:00", "timezone": "Mars/Olympus"}, "time zone"),
    ],
)
def test_bad_start_times_are_refused_with_a_message(client, connection, extra, message):
    response = client.post("/tasks/countdown", data={"seconds": "5", **extra})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_start_at_is_read_in_the_users_time_zone(client, connection):
    local = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo")) + timedelta(hours=2)
    job_id = submit_countdown(client, 5, start_at=local.strftime("%Y-%m-%dT%H:%M"), timezone="Asia/Tokyo")
    score = connection.zscore("rq:scheduled:default", job_id)
    expected = local.replace(second=0, microsecond=0).timestamp()
    assert abs(score - expected) < 1


def test_edit_and_resubmit_prefills_the_form(client):
    job_id = submit_countdown(client, 37)
    response = client.get(f"/jobs/{job_id}/edit")
    assert response.status_code == 303
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="37"' in form and "Pre-filled from job" in form


def test_delete_removes_the_job_its_log_and_its_history_entry(client, connection):
    job_id = submit_countdown(client, 5)
    connection.rpush(f"jobdeck:log:{job_id}", "a line")
    response = client.post(f"/jobs/{job_id}/delete", follow_redirects=True)
    assert "Deleted the job" in response.get_data(as_text=True)
    assert client.get(f"/jobs/{job_id}").status_code == 404
    assert not connection.exists(f"jobdeck:log:{job_id}")
    assert job_id not in client.get("/jobs").get_data(as_text=True)


def test_a_timeout_is_explained_with_the_limit():
    from webapp.job_view import readable_error

    text = "Traceback...\nrq.timeouts.JobTimeoutException: Task exceeded maximum timeout value (600 seconds)"
    assert readable_error(text, 600) == "The job was stopped after its 10-minute limit."
