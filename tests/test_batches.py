"""Batches: one job per item held together by RQ's Group; the batch page, its actions, the JSON API."""

import io
import re

import pytest
from rq.group import Group

from jobs import batches, storage
from tests.helpers import TEST_CONFIG
from webapp import create_app


def text_items(n: int) -> list[dict]:
    return [{"text": f"alpha beta beta item{i}", "top": 5} for i in range(n)]


def post_batch(client, items, task="word_frequency", **more):
    return client.post("/api/batches", json={"task": task, "items": items, **more})


def counts(client, location: str) -> dict:
    body = client.get(location).get_json()
    return {status: n for status, n in body["counts"].items() if n}


def test_a_20_item_batch_through_the_api_reaches_100_percent(client, connection, run_jobs):
    response = post_batch(client, text_items(20))
    assert response.status_code == 202
    location = response.headers["Location"]
    assert re.fullmatch(r"/api/batches/[0-9a-f]{32}", location)
    body = response.get_json()
    assert body["size"] == 20 and len(body["jobs"]) == 20

    assert counts(client, location) == {"queued": 20}
    page = client.get(body["page_url"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and 'data-active="true"' in page

    run_jobs()

    answer = client.get(location).get_json()
    assert answer["counts"]["finished"] == 20
    assert sorted(answer["jobs"]) == sorted(body["jobs"])
    assert answer["progress"]["percent"] == 100 and answer["active"] is False
    page = client.get(body["page_url"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and 'data-active="false"' in page
    assert 'value="100"' in page and "100%" in page
    for job_id in body["jobs"]:  # each job is a row with its link
        assert f'href="/jobs/{job_id}"' in page
    # the jobs are RQ's group's members, and each job page links to its batch
    members = {m.decode() for m in connection.smembers(Group.get_key(body["id"]))}
    assert members == set(body["jobs"])
    assert f'href="/batches/{body["id"]}"' in client.get(f"/jobs/{body['jobs'][0]}").get_data(as_text=True)


def test_a_stranger_gets_404_for_the_batch_page_and_its_json(app, client):
    location = post_batch(client, text_items(2)).headers["Location"]
    batch_id = location.rsplit("/", 1)[-1]
    stranger = app.test_client()
    assert stranger.get(location).status_code == 404
    assert stranger.get(f"/batches/{batch_id}").status_code == 404
    assert stranger.post(f"/batches/{batch_id}/cancel").status_code == 404
    assert client.get(f"/batches/{batch_id}").status_code == 200
    admin = stranger.get(f"/batches/{batch_id}", headers={"Authorization": "Basic YWRtaW46czNjcmV0"})
    assert admin.status_code == 200  # admin:s3cret


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"task": "word_frequency", "items": []}, "items must be a list of 1 to 1000"),
        ({"task": "word_frequency", "items": [{"text": "a"}] * 1001}, "items must be a list of 1 to 1000"),
        ({"task": "word_frequency", "items": [{"text": "a"}, {"top": 3}]}, "items[1]:"),
        ({"task": "word_frequency", "items": [{"text": "a"}, 7]}, "items[1]"),
        ({"task": "nope", "items": [{}]}, "Unknown task"),
        ({"task": "word_frequency", "items": [{"text": "a"}], "start_in": 60}, "A batch starts at once"),
    ],
)
def test_a_bad_batch_is_refused_whole_and_enqueues_nothing(client, connection, body, message):
    before = set(connection.keys("*"))
    response = client.post("/api/batches", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert {k for k in connection.keys("*") if not k.startswith(b"jobdeck:ratelimit")} == before


def test_a_1000_item_batch_is_one_round_trip_per_chunk(client, connection):
    def execs():
        return connection.info("commandstats").get("cmdstat_exec", {}).get("calls", 0)

    before = execs()
    response = post_batch(client, text_items(1000))
    assert response.status_code == 202
    chunks = -(-1000 // batches.CHUNK)
    assert execs() - before == chunks  # one MULTI/EXEC per chunk, none per job
    assert counts(client, response.headers["Location"]) == {"queued": 1000}


def csv_upload(i: int):
    return (io.BytesIO(f"name,n\nrow,{i}\n".encode()), f"file{i}.csv")


def submit_files(client, n: int, task="csv_profile"):
    response = client.post(
        f"/tasks/{task}/batch",
        data={"files": [csv_upload(i) for i in range(n)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def test_the_form_takes_many_files_one_job_each(client, connection, run_jobs):
    form = client.get("/tasks/csv_profile/batch").get_data(as_text=True)
    assert 'name="files"' in form and "multiple" in form
    assert "Submit them as a batch" in client.get("/tasks/csv_profile").get_data(as_text=True)
    page_url = submit_files(client, 3)
    page = client.get(page_url).get_data(as_text=True)
    assert page.count('<tr data-job-id="') == 3 and "queued" in page
    run_jobs()
    page = client.get(page_url).get_data(as_text=True)
    assert page.count('data-status="finished"') == 3 and "100%" in page


def test_the_form_refuses_no_files_with_a_message(client):
    response = client.post(
        "/tasks/word_frequency/batch", data={"top": "5"}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "Choose at least one file." in response.get_data(as_text=True)
    assert client.get("/tasks/countdown/batch").status_code == 404


def test_cancel_all_not_started(client, connection):
    location = post_batch(client, text_items(3)).headers["Location"]
    batch_id = location.rsplit("/", 1)[-1]
    response = client.post(f"/batches/{batch_id}/cancel", follow_redirects=True)
    assert "Canceled 3 jobs that had not started." in response.get_data(as_text=True)
    assert counts(client, location) == {"canceled": 3}
    assert client.get(location).get_json()["active"] is False


def test_retry_the_failed_replaces_them_in_their_rows(client, connection, run_jobs):
    page_url = submit_files(client, 2)
    batch_id = page_url.rsplit("/", 1)[-1]
    location = f"/api/batches/{batch_id}"
    first, second = client.get(location).get_json()["jobs"]
    job_ids = sorted([first, second], key=lambda j: connection.hget(f"rq:job:{j}", "description"))
    broken = job_ids[0]
    saved = {
        name: storage.get_file(connection, broken, name)
        for name in storage.referenced_files(_params(connection, broken))
    }
    storage.delete_files(connection, broken)  # its upload is gone: the job fails
    run_jobs()
    assert counts(client, location) == {"finished": 1, "failed": 1}

    for name, data in saved.items():  # the file is back; retrying the failed one now succeeds
        storage.put_file(connection, broken, name, data, 3600)
    response = client.post(f"/batches/{batch_id}/retry", follow_redirects=True)
    assert "Retried 1 failed job." in response.get_data(as_text=True)
    assert counts(client, location) == {"finished": 1, "queued": 1}
    run_jobs()
    answer = client.get(location).get_json()
    assert {k: v for k, v in answer["counts"].items() if v} == {"finished": 2}
    assert broken not in answer["jobs"] and len(answer["jobs"]) == 2
    assert "Retried as" in client.get(f"/jobs/{broken}").get_data(as_text=True)


def _params(connection, job_id):
    from rq.job import Job
    from rq.serializers import JSONSerializer

    return Job.fetch(job_id, connection, serializer=JSONSerializer).meta["params"]


def test_batch_pages_need_csrf_for_actions(redis_url, client):
    app = create_app({**TEST_CONFIG, "REDIS_URL": redis_url, "WTF_CSRF_ENABLED": True})
    guarded = app.test_client()
    with guarded.session_transaction() as session:
        session["owner"] = "someone"
    assert guarded.post("/batches/abc/stop").status_code == 400


def test_the_form_takes_at_most_100_files(client, connection):
    files = [(io.BytesIO(b"a,b\n1,2\n"), f"f{i}.csv") for i in range(101)]
    response = client.post(
        "/tasks/csv_profile/batch", data={"files": files}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "Choose at most 100 files at a time." in response.get_data(as_text=True)
    assert not connection.keys("rq:job:*")
