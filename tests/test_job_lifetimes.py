"""Issue 18, findings 7 and 8: inputs live as long as their job; parallel retries make one job."""

import base64
import io
import threading

from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import storage

ADMIN = {"Authorization": "Basic " + base64.b64encode(b"admin:s3cret").decode()}
SAME_ORIGIN = {"Origin": "http://localhost"}


def submit_upload(client, data: bytes = b"b a b") -> str:
    response = client.post(
        "/tasks/word_frequency",
        data={"upload": (io.BytesIO(data), "notes.txt"), "top": "5"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def submit_failing(client) -> str:
    """A csv_profile job the worker refuses (a ragged row): it fails, and may be retried."""
    response = client.post(
        "/tasks/csv_profile",
        data={"csv": (io.BytesIO(b"a,b\n1,2\n3\n"), "ragged.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def input_keys(connection, job_id: str) -> list[str]:
    return [
        storage.file_key(job_id, name.decode())
        for name in connection.smembers(storage.index_key(job_id))
        if name.startswith(b"in-")
    ]


def test_a_finished_jobs_inputs_expire_with_its_result(app, client, connection, run_jobs):
    job_id = submit_upload(client)
    [key] = input_keys(connection, job_id)
    assert connection.ttl(key) > app.config["RESULT_TTL"]  # stored for as long as a job may wait
    run_jobs()
    assert client.get(f"/api/jobs/{job_id}").get_json()["status"] == "finished"
    job_ttl = connection.ttl(f"rq:job:{job_id}")
    assert 0 < job_ttl <= app.config["RESULT_TTL"]
    assert abs(connection.ttl(key) - job_ttl) <= 2
    assert abs(connection.ttl(storage.index_key(job_id)) - job_ttl) <= 2


def test_a_failed_jobs_inputs_expire_with_the_failure(app, client, connection, run_jobs):
    job_id = submit_failing(client)
    run_jobs()
    assert client.get(f"/api/jobs/{job_id}").get_json()["status"] == "failed"
    [key] = input_keys(connection, job_id)
    assert abs(connection.ttl(key) - app.config["FAILURE_TTL"]) <= 2


def test_deleting_a_job_in_the_dashboard_deletes_its_inputs(client, connection):
    job_id = submit_upload(client)
    [key] = input_keys(connection, job_id)
    response = client.post(f"/rq/job/{job_id}/delete", headers={**ADMIN, **SAME_ORIGIN})
    assert response.status_code == 200
    assert not connection.exists(f"rq:job:{job_id}")
    assert not connection.exists(key) and not connection.exists(storage.index_key(job_id))


def test_ten_parallel_retries_of_one_job_make_one_new_job(app, client, connection, run_jobs):
    job_id = submit_failing(client)
    run_jobs()
    assert client.get(f"/api/jobs/{job_id}").get_json()["status"] == "failed"
    cookie = client.get_cookie("session").value
    barrier = threading.Barrier(10)
    answers = []

    def retry():
        other_tab = app.test_client()  # the same browser (session), another connection
        other_tab.set_cookie("session", cookie)
        barrier.wait()
        answers.append(other_tab.post(f"/jobs/{job_id}/retry").headers.get("Location"))

    threads = [threading.Thread(target=retry) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    retries = [
        key
        for key in connection.scan_iter("rq:job:*")
        if b":" not in key[len("rq:job:") :]
        and (Job.fetch(key.decode()[7:], connection=connection, serializer=JSONSerializer).meta or {}).get(
            "retry_of"
        )
        == job_id
    ]
    assert len(retries) == 1
    assert len(set(answers)) == 1 and answers[0].endswith(retries[0].decode()[7:])  # all land on it
    again = client.post(f"/jobs/{job_id}/retry", follow_redirects=True).get_data(as_text=True)
    assert "already retried" in again
