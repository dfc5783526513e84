"""The "Why a queue?" page and its claims, measured over real HTTP against real servers."""

import http.client
import json
import re
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer
from werkzeug.serving import make_server

from jobs import why_measure
from jobs.errors import TaskInputError
from jobs.why_work import TOKEN_HEADER, key, mint_tokens
from scripts.processes import WebProcess, free_port, wait_until
from tests.helpers import job_id_from

SECONDS = 1


@pytest.fixture
def live_server(app):
    """The site on a single-threaded werkzeug server (one request at a time), in this process."""
    server = make_server("127.0.0.1", free_port(), app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def measure(live_server, connection, slug):
    token = mint_tokens(connection, SECONDS)[slug]  # as POST /why does for its measurement job
    return why_measure.measure_one(live_server, slug, SECONDS, connection, token)


@pytest.mark.parametrize("slug", ["after-request", "teardown"])
def test_after_request_and_teardown_delay_the_end_of_the_response(live_server, connection, slug):
    row = measure(live_server, connection, slug)
    assert row["last_byte"] >= 0.8 * SECONDS
    assert row["busy"] >= 0.8 * SECONDS
    assert row["completed"] is True
    assert row["progress"] is False


def test_stream_sends_first_byte_early_but_keeps_the_worker_busy(live_server, connection):
    row = measure(live_server, connection, "stream")
    assert row["first_byte"] < 0.3
    assert row["last_byte"] - row["first_byte"] >= 0.7 * SECONDS
    assert row["busy"] >= 0.8 * SECONDS
    assert row["completed"] is True
    assert row["progress"] is True


@pytest.mark.parametrize("slug, blocked", [("stream", True), ("thread", False)])
def test_second_request_waits_only_while_the_worker_is_busy(live_server, connection, slug, blocked):
    """Independent of the server's own record: a second request to the one-threaded server."""
    parts = urlsplit(live_server)
    first = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    token = mint_tokens(connection, SECONDS)[slug]
    first.request(
        "POST", f"/why/demo/{slug}?run={uuid.uuid4().hex}&seconds={SECONDS}", headers={TOKEN_HEADER: token}
    )
    response = first.getresponse()  # the first byte is here
    second = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    asked = time.perf_counter()
    second.request("GET", "/why")
    assert second.getresponse().status == 200
    waited = time.perf_counter() - asked
    response.read()
    first.close()
    second.close()
    if blocked:
        assert waited >= 0.7 * SECONDS
    else:
        assert waited < 0.3


def test_thread_answers_at_once_and_completes_without_progress(live_server, connection):
    row = measure(live_server, connection, "thread")
    assert row["last_byte"] < 0.3
    assert row["busy"] < 0.3
    assert row["completed"] is True
    assert row["progress"] is False


def test_rq_answers_at_once_completes_and_reports_progress(live_server, connection, worker):
    row = measure(live_server, connection, "rq")
    assert row["last_byte"] < 0.3
    assert row["busy"] < 0.3
    assert row["completed"] is True
    assert row["progress"] is True


def test_demo_route_rejects_bad_arguments(client):
    response = client.post("/why/demo/thread?run=zz&seconds=1")
    assert response.status_code == 400
    response = client.post(f"/why/demo/thread?run={uuid.uuid4().hex}&seconds=600")
    assert response.status_code == 400
    assert b"Traceback" not in response.data


def test_why_page_renders_without_inline_script_or_style(client):
    response = client.get("/why")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Why a queue?" in html
    assert 'name="seconds"' in html and 'value="2"' in html
    assert "No measurement yet" in html
    assert "test_web_restart_loses_thread_work_but_not_rq_job" in html
    assert "threading.Thread(target=do_work" in html  # the thread route's own source
    assert "stream_with_context" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "style=" not in html
    assert 'href="/why"' in client.get("/").get_data(as_text=True)  # linked from the nav


def test_why_measure_is_not_in_the_catalog(client):
    assert "/tasks/why_measure" not in client.get("/").get_data(as_text=True)
    assert client.get("/tasks/why_measure").status_code == 404


@pytest.mark.parametrize("value", ["", "abc", "0", "6", "1.5"])
def test_post_why_with_bad_duration_is_400_with_a_message(client, connection, value):
    response = client.post("/why", data={"seconds": value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Work duration (seconds):" in html
    assert connection.keys("rq:job:*") == []


def test_post_why_enqueues_measurement_and_redirects(app, client, connection):
    app.config["PUBLIC_URL"] = "http://site.example:8000/"
    response = client.post("/why", data={"seconds": "2"})
    assert response.status_code == 303
    job_id = job_id_from(response)
    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    assert job.args == ["why_measure", {"seconds": 2, "base_url": "http://site.example:8000"}]


@pytest.mark.slow
def test_measurement_job_end_to_end(client, live_server, app, connection, worker):
    """POST /why -> the Procfile worker measures the live server -> job page and /why show it."""
    app.config["PUBLIC_URL"] = live_server
    response = client.post("/why", data={"seconds": "1"})
    job_page = response.headers["Location"]
    job_id = job_page.rsplit("/", 1)[-1]

    def finished():
        job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
        return job.get_status().value in ("finished", "failed") and job

    job = wait_until(finished, timeout=60, message="the measurement job")
    assert job.get_status().value == "finished", job.latest_result().exc_string
    rows = {row["approach"]: row for row in job.return_value()["rows"]}
    assert rows["after-request"]["last_byte"] >= 0.8
    assert rows["rq"]["completed"] and rows["rq"]["progress"]
    assert rows["thread"]["completed"] and not rows["thread"]["progress"]
    page = client.get(job_page).get_data(as_text=True)
    assert 'id="why-results"' in page and "<svg" in page and "<rect" in page
    why = client.get("/why").get_data(as_text=True)
    assert 'id="why-results"' in why and job_id not in why  # the public page names no one's job
    assert "style=" not in why


@pytest.mark.slow
def test_web_restart_loses_thread_work_but_not_rq_job(redis_url, connection, worker, tmp_path):
    import requests

    seconds = 2
    web = WebProcess(redis_url, tmp_path / "web.log").start()
    try:
        runs = {slug: uuid.uuid4().hex for slug in ("thread", "rq")}
        tokens = mint_tokens(connection, seconds)
        started = time.monotonic()
        answers = {
            slug: requests.post(
                f"{web.url}/why/demo/{slug}?run={run}&seconds={seconds}",
                headers={TOKEN_HEADER: tokens[slug]},
                timeout=5,
            )
            for slug, run in runs.items()
        }
        assert all(a.status_code == 200 for a in answers.values())
        job_id = answers["rq"].json()["job_id"]
        wait_until(
            lambda: Job.fetch(job_id, connection=connection, serializer=JSONSerializer).meta.get("progress"),
            timeout=10,
            message="the RQ job to report progress",
        )
        web.stop()  # mid-work
        print(f"web process stopped {time.monotonic() - started:.2f} s after the work started")
        assert connection.get(key(runs["thread"], "done")) is None, "the stop waited for the thread"
        web.start()  # the restart

        wait_until(lambda: connection.get(key(runs["rq"], "done")), timeout=20, message="the RQ work")
        # the work's last write comes just before the job returns; the worker then records the end
        wait_until(
            lambda: (
                Job.fetch(job_id, connection=connection, serializer=JSONSerializer).get_status().value
                in ("finished", "failed")
            ),
            timeout=10,
            message="the RQ job to end",
        )
        job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
        assert job.get_status().value == "finished"
        # Give the thread's work twice its duration from the start: it never completes.
        wait_until(lambda: time.monotonic() - started > 2 * seconds, timeout=10)
        assert connection.get(key(runs["thread"], "done")) is None
    finally:
        web.stop()


def test_why_page_shows_latest_results_as_table_and_svg_chart(client, connection):
    row = {"first_byte": 0.002, "last_byte": 2.004, "busy": 2.003, "completed": True, "progress": True}
    latest = {
        "summary": "Measured 1 way.",
        "seconds": 2,
        "base_url": "http://site.example",
        "job_id": "job-123",
        "rows": [{"approach": "stream", "label": "streamed response", **row}],
    }
    connection.set(why_measure.LATEST_KEY, json.dumps(latest))
    html = client.get("/why").get_data(as_text=True)
    assert 'id="why-results"' in html
    assert "<td>2 ms</td>" in html and "<td>2.00 s</td>" in html
    widths = re.findall(r'<rect x="150" y="\d+" width="([\d.]+)" height="11"', html)
    assert widths == ["1.0", "430.0", "429.8"]  # first byte (min 1 px), last byte (the longest), busy
    assert "job-123" not in html  # the public page names no one's job
    assert "style=" not in html


def test_api_does_not_take_the_measurement_task(client, connection):
    """why_measure makes a worker call the address it is given: only /why enqueues it, with the
    site's own address, so the API cannot point a worker at another host."""
    body = {"task": "why_measure", "params": {"seconds": 1, "base_url": "http://10.0.0.1:6379"}}
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 400
    assert "Unknown task" in response.get_json()["error"]
    assert "why_measure" not in response.get_json()["error"]
    assert connection.keys("rq:job:*") == []


def test_why_measures_the_listening_address_never_the_host_header(client, connection):
    response = client.post(
        "/why",
        data={"seconds": "1"},
        headers={"Host": "internal.example:6379"},
        environ_overrides={"SERVER_NAME": "0.0.0.0", "SERVER_PORT": "5000"},
    )
    assert response.status_code == 303
    job_id = job_id_from(response)
    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    assert job.args[1]["base_url"] == "http://127.0.0.1:5000"


def test_unreachable_site_gives_a_clear_error(connection):
    with pytest.raises(TaskInputError, match="Could not reach the site at .* JOBDECK_PUBLIC_URL"):
        why_measure.measure_one(f"http://127.0.0.1:{free_port()}", "thread", 1, connection)
