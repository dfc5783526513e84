"""``GET /jobs/<id>/events``, the job page's push channel (webapp/job_events.py), served by the
Procfile's ``live`` line (gunicorn's gevent worker: the process is the point) while the Procfile's
worker runs the job and announces its changes (jobs/job_changes.py); and the sync ``web`` line,
which serves no stream."""

import json

import requests

from scripts.processes import WebProcess
from tests.helpers import submit_countdown
from webapp import create_app


def events_of(stream) -> list[tuple[str, dict]]:
    """(event name, JSON) for each event, read until the server ends the stream."""
    events, name, data = [], "message", []
    for line in stream.iter_lines(decode_unicode=True):
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            data.append(line[len("data: ") :])
        elif not line and data:
            events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
    return events


def test_the_stream_pushes_the_jobs_progress_and_end_and_a_stranger_gets_404(redis_url, worker, tmp_path):
    web = WebProcess(redis_url, tmp_path / "live.log", line="live").start()
    try:
        owner = requests.Session()
        job_id = owner.post(
            web.url + "/api/jobs", json={"task": "countdown", "params": {"seconds": 2}}, timeout=10
        ).json()["id"]
        events_url = f"/jobs/{job_id}/events"
        assert f'data-events-url="{events_url}"' in owner.get(f"{web.url}/jobs/{job_id}", timeout=10).text

        with owner.get(web.url + events_url, stream=True, timeout=30) as stream:
            assert stream.status_code == 200
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            events = events_of(stream)

        assert {name for name, _ in events} == {"message"}
        jobs = [job for _, job in events]
        assert jobs[0]["status"] in ("queued", "started")
        messages = [job["progress"]["message"] for job in jobs if job["progress"]["message"]]
        shown = [m for i, m in enumerate(messages) if not i or messages[i - 1] != m]
        assert shown in (
            ["0 of 2 s", "1 of 2 s", "2 of 2 s"],
            ["1 of 2 s", "2 of 2 s"],
        )  # each report, in turn
        assert jobs[-1]["status"] == "finished"
        assert jobs[-1]["active"] is False
        assert all(job["active"] for job in jobs[:-1])
        # the last event is what the API answers for the ended job: the same JSON, made by the same view
        assert jobs[-1] == owner.get(f"{web.url}/api/jobs/{job_id}", timeout=10).json()

        stranger = requests.get(web.url + events_url, timeout=10)
        assert stranger.status_code == 404
        assert stranger.json() == requests.get(f"{web.url}/api/jobs/{job_id}", timeout=10).json()
        assert requests.get(f"{web.url}/jobs/no-such-job/events", timeout=10).status_code == 404
    finally:
        web.stop()


def test_the_sync_web_line_gives_no_stream_unless_a_proxy_routes_it_to_the_live_line(client, app):
    """A sync worker would be held for as long as a page is open: it refuses a stream at once (204:
    EventSource does not retry), and its pages poll, unless JOBDECK_LIVE_EVENTS says a proxy sends
    the streams to the ``live`` line."""
    job_id = submit_countdown(client)  # no worker: it stays queued, and its page watches it
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'data-api-url="/api/jobs/{job_id}"' in page
    assert "data-events-url" not in page
    assert client.get(f"/jobs/{job_id}/events").status_code == 204

    routed = create_app({**app.config, "LIVE_EVENTS": True}).test_client()
    routed.set_cookie("session", client.get_cookie("session").value)  # the job's owner
    page = routed.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'data-events-url="/jobs/{job_id}/events"' in page
