"""The JSON API: POST /api/jobs, GET /api/jobs/<id>."""

import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from tests.helpers import api
from webapp.start_time import TOO_FAR_AHEAD

KEYS = {"id", "task", "status", "progress", "result", "error", "enqueued_at", "started_at", "ended_at"}


def test_post_answers_202_with_location_and_the_job(client, connection):
    response = client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 3}})
    assert response.status_code == 202
    body = response.get_json()
    assert body.keys() >= KEYS
    assert body["status"] == "queued" and body["task"] == "countdown"
    assert response.headers["Location"] == f"/api/jobs/{body['id']}"
    assert set(body["progress"]) == {"done", "total", "percent", "message"}
    assert Queue("default", connection=connection, serializer=JSONSerializer).count == 1


def test_get_returns_the_contract_shape(client):
    job_id = client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 3}}).get_json()["id"]
    body = client.get(f"/api/jobs/{job_id}").get_json()
    assert body.keys() >= KEYS
    assert body["id"] == job_id


def test_errors_are_json_with_a_message_and_the_right_status(client, connection):
    cases = [
        ({"json": {"task": "nope"}}, 400, "Unknown task"),
        ({"json": {"task": "countdown", "params": {"seconds": 0}}}, 400, "between 1 and 3600"),
        ({"json": {"task": "countdown", "params": [1]}}, 400, "params"),
        ({"json": [1, 2]}, 400, "JSON object"),
        ({"data": "{broken", "content_type": "application/json"}, 400, "JSON object"),
        (
            {"data": "task=countdown", "content_type": "application/x-www-form-urlencoded"},
            400,
            "application/json",
        ),
    ]
    for kwargs, status, text in cases:
        response = client.post("/api/jobs", **kwargs)
        assert response.status_code == status, kwargs
        assert text in response.get_json()["error"], kwargs
    assert Queue("default", connection=connection, serializer=JSONSerializer).count == 0
    missing = client.get("/api/jobs/does-not-exist")
    assert missing.status_code == 404 and "expired" in missing.get_json()["error"]


def test_api_job_runs_to_finished_with_result(client, run_jobs):
    job_id = client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}}).get_json()["id"]
    run_jobs()
    body = api(client, job_id)
    assert body["status"] == "finished"
    assert body["result"]["summary"] == "Waited 1 second."
    assert body["progress"]["percent"] == 100
    assert body["started_at"] and body["ended_at"]


def test_healthz_reports_redis_and_live_workers(client, worker):
    body = client.get("/healthz").get_json()
    assert body["redis"] == "ok" and body["workers"] >= 1


def test_priority_and_start_later(client, connection):
    high = client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}, "priority": "high"})
    assert high.status_code == 202
    assert Queue("high", connection=connection, serializer=JSONSerializer).count == 1
    later = client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}, "start_in": 60})
    assert later.get_json()["status"] == "scheduled"
    at = client.post(
        "/api/jobs",
        json={"task": "countdown", "params": {"seconds": 1}, "start_at": "2999-01-01T00:00:00+00:00"},
    )
    assert at.status_code == 400 and TOO_FAR_AHEAD in at.get_json()["error"]
    for bad in (
        {"priority": "urgent"},
        {"start_in": 0},
        {"start_at": "tomorrow"},
        {"start_at": "2030-01-01T00:00"},
    ):
        response = client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}, **bad})
        assert response.status_code == 400, bad


@pytest.mark.parametrize(
    "task, params",
    [
        ("countdown", {"seconds": "9" * 5000}),
        ("primes", {"limit": "9" * 5000}),
        ("word_frequency", {"text": "a b", "top": "9" * 5000}),
        ("countdown", {"seconds": "²"}),
    ],
)
def test_numbers_python_cannot_parse_are_a_400_with_a_message(client, connection, task, params):
    """int() refuses strings of over 4,300 digits and "²" although str.isdigit passes it."""
    response = client.post("/api/jobs", json={"task": task, "params": params})
    assert response.status_code == 400
    assert "whole number" in response.get_json()["error"] or "between" in response.get_json()["error"]
    assert connection.keys("rq:job:*") == []
