"""/jobs marks the jobs that ended since this browser's last visit (kept in the signed session)."""

import re

from tests.helpers import api, submit_countdown
from webapp import job_pages


def marked(client) -> list[str]:
    page = client.get("/jobs").get_data(as_text=True)
    return re.findall(r'<tr data-job-id="([0-9a-f-]{36})"[^>]*class="ended-since"', page)


def submit_and_finish(client, run_jobs) -> str:
    job_id = submit_countdown(client, 1)
    run_jobs()
    assert api(client, job_id)["status"] == "finished"
    return job_id


def test_jobs_that_ended_since_the_last_visit_are_marked_once(client, run_jobs, monkeypatch):
    monkeypatch.setattr(job_pages, "VISIT_GAP_SECONDS", 0)  # every load is a new visit
    client.post("/tasks/countdown", data={"seconds": "1"})
    assert marked(client) == []  # the first visit marks nothing
    job_id = submit_and_finish(client, run_jobs)
    assert job_id in marked(client)
    page = client.get("/jobs").get_data(as_text=True)
    assert "ended since your last visit" not in page  # seen on the previous visit: no longer new


def test_marks_stay_through_one_visit(client, run_jobs):
    client.post("/tasks/countdown", data={"seconds": "1"})
    assert marked(client) == []
    job_id = submit_and_finish(client, run_jobs)
    assert job_id in marked(client)
    page = client.get("/jobs").get_data(as_text=True)  # its own refresh, within the same visit
    assert job_id in marked(client)
    assert re.search(r"\d ended since your last visit", page)
