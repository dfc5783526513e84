"""Pages through the Flask test client against the private Redis (no worker needed)."""

import re

from rq import Queue
from rq.serializers import JSONSerializer

from jobs.queue_names import QUEUE_NAMES
from tests.helpers import submit_countdown


def queued_count(connection) -> int:
    return sum(Queue(n, connection=connection, serializer=JSONSerializer).count for n in QUEUE_NAMES)


def test_index_lists_the_tasks(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/tasks/countdown"' in page
    assert "Countdown" in page


def test_unknown_task_is_404(client):
    assert client.get("/tasks/nope").status_code == 404


def test_submit_answers_303_to_the_job_page_and_enqueues(client, connection):
    response = client.post("/tasks/countdown", data={"seconds": "3"})
    assert response.status_code == 303
    assert re.fullmatch(r"/jobs/[0-9a-f-]{36}", response.headers["Location"])
    assert queued_count(connection) == 1


def test_invalid_input_rerenders_the_form_with_a_message_and_enqueues_nothing(client, connection):
    for value in ["0", "abc", "", "3601"]:
        response = client.post("/tasks/countdown", data={"seconds": value})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert 'class="field-error"' in page
        assert f'value="{value}"' in page or value == ""  # what the user typed is kept
    assert queued_count(connection) == 0


def test_queued_job_page_refreshes_and_shows_progress(client):
    job_id = submit_countdown(client, 5)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "<progress" in page
    assert "queued" in page


def test_unknown_job_is_a_404_page_that_says_so(client):
    response = client.get("/jobs/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert "does not exist or its result has expired" in response.get_data(as_text=True)


def test_history_lists_this_browsers_jobs_newest_first_and_paginates(client, app):
    ids = [submit_countdown(client, n) for n in range(1, 24)]
    page1 = client.get("/jobs").get_data(as_text=True)
    assert "23 jobs" in page1
    assert page1.index(ids[-1]) < page1.index(ids[-2])  # newest first
    assert ids[0] not in page1
    page2 = client.get("/jobs?page=2").get_data(as_text=True)
    assert ids[0] in page2 and ids[-1] not in page2
    # another browser sees none of them
    stranger = app.test_client().get("/jobs").get_data(as_text=True)
    assert "No jobs yet" in stranger


def test_history_shows_an_expired_job_as_expired_never_done(client, connection):
    keep, gone = submit_countdown(client, 5), submit_countdown(client, 5)
    connection.delete(f"rq:job:{gone}")
    page = client.get("/jobs").get_data(as_text=True)
    row = page[page.index(f'data-job-id="{gone}"') :].split("</tr>")[0]
    assert "status-expired" in row and "finished" not in row
    assert f'href="/jobs/{gone}"' not in row
    assert keep in page


def test_pages_answer_503_when_redis_is_down(redis_url):
    from webapp import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "RATE_LIMIT": "off",
            "WTF_CSRF_ENABLED": False,
        }
    )
    client = app.test_client()
    assert client.get("/").status_code == 503  # the catalog too: nothing it leads to works without Redis
    for path in ["/jobs/some-id", "/healthz", "/api/jobs/some-id"]:
        response = client.get(path)
        assert response.status_code == 503, path
        assert "not reachable" in response.get_data(as_text=True)
    response = client.post("/tasks/countdown", data={"seconds": "3"})
    assert response.status_code == 503
    assert client.get("/api/jobs/x").is_json


def test_times_are_shown_in_utc_to_the_second():
    from datetime import UTC, datetime, timedelta, timezone

    from webapp.templating import format_time

    paris = timezone(timedelta(hours=1))
    cases = [
        datetime(2026, 11, 25, 6, 10, 41, 123456, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2026, 11, 25, 7, 10, 41, tzinfo=paris),
    ]
    for dt in cases:
        assert format_time(dt) == dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert format_time(cases[2]) == "2026-11-25 06:10:41 UTC"
    assert format_time(None) == "—"
