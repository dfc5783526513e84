"""Issue 18, finding 1: /why/demo/* does work only for the site's own measurement job.

Each demo call needs a one-use token that POST /why minted for its measurement job, for that
approach and duration; anyone else gets 403 and no work (no held server worker, no thread, no job on
the high queue). One measurement runs at a time, and /why names no one's job.
"""

import json
import threading
import uuid

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import why_measure
from jobs.why_work import APPROACHES, TOKEN_HEADER, mint_tokens


def demo(client, slug, seconds=1, token=None):
    headers = {TOKEN_HEADER: token} if token is not None else {}
    return client.post(f"/why/demo/{slug}?run={uuid.uuid4().hex}&seconds={seconds}", headers=headers)


@pytest.mark.parametrize("slug", [slug for slug, _ in APPROACHES])
def test_without_a_token_a_demo_route_does_no_work(client, connection, slug):
    threads = threading.active_count()
    for token in (None, "", "made-up-token"):
        response = demo(client, slug, token=token)
        assert response.status_code == 403
        assert "only for the site&#39;s own measurement job" in response.get_data(as_text=True)
    assert threading.active_count() == threads  # no thread started
    assert connection.llen("rq:queue:high") == 0  # no job on the high queue
    assert not list(connection.scan_iter("jobdeck:why:*"))  # no run recorded, nothing held


def test_a_token_works_once_for_its_own_approach_and_duration(client, connection):
    tokens = mint_tokens(connection, 1)
    assert demo(client, "rq", seconds=2, token=tokens["rq"]).status_code == 403  # other duration
    tokens = mint_tokens(connection, 1)
    assert demo(client, "thread", token=tokens["rq"]).status_code == 403  # other approach
    tokens = mint_tokens(connection, 1)
    assert demo(client, "rq", token=tokens["rq"]).status_code == 200
    assert connection.llen("rq:queue:high") == 1
    assert demo(client, "rq", token=tokens["rq"]).status_code == 403  # used up
    assert connection.llen("rq:queue:high") == 1


def test_post_why_gives_its_job_the_tokens_and_one_measurement_runs_at_a_time(app, client, connection):
    app.config["PUBLIC_URL"] = "http://site.example:8000/"
    first = client.post("/why", data={"seconds": "1"})
    assert first.status_code == 303
    job_id = first.headers["Location"].rsplit("/", 1)[-1]
    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    tokens = job.meta["why_tokens"]
    assert sorted(tokens) == sorted(slug for slug, _ in APPROACHES)
    assert "why_tokens" not in client.get(f"/api/jobs/{job_id}").get_data(as_text=True)
    second = app.test_client().post("/why", data={"seconds": "1"})
    assert second.status_code == 429 and int(second.headers["Retry-After"]) > 0
    assert "Another measurement is running" in second.get_data(as_text=True)
    assert len(list(connection.scan_iter("rq:job:*"))) == 1
    assert demo(client, "thread", token=tokens["thread"]).status_code == 200  # the job's own token works


def test_the_why_page_names_no_ones_job(client, connection):
    row = {"first_byte": 0.1, "last_byte": 1.0, "busy": 1.0, "completed": True, "progress": False}
    latest = {"summary": "s", "seconds": 1, "base_url": "http://x", "job_id": "someone-elses-job-id"}
    connection.set(
        why_measure.LATEST_KEY, json.dumps({**latest, "rows": [{"approach": "thread", "label": "t", **row}]})
    )
    html = client.get("/why").get_data(as_text=True)
    assert 'id="why-results"' in html and "someone-elses-job-id" not in html
