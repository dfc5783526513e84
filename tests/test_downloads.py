"""Downloads of produced files: who may fetch them, headers, expiry; and the upload size limit."""

import base64
import io

import pytest
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from jobs import storage
from jobs.queue_names import QUEUE_NAMES
from tests.helpers import job_id_from
from webapp import create_app


def run_queued_jobs(connection):
    """Runs what is queued in this process with a real (non-forking) RQ worker, then returns."""
    queues = [Queue(name, connection=connection, serializer=JSONSerializer) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=connection, serializer=JSONSerializer).work(burst=True)


@pytest.fixture
def finished_job(client, connection):
    response = client.post(
        "/tasks/word_frequency",
        data={"upload": (io.BytesIO(b"b a b"), "my notes.txt"), "top": "5"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    job_id = job_id_from(response)
    run_queued_jobs(connection)
    assert client.get(f"/api/jobs/{job_id}").get_json()["status"] == "finished"
    return job_id


def test_owner_downloads_with_safe_headers(client, finished_job):
    response = client.get(f"/jobs/{finished_job}/files/words.csv")
    assert response.status_code == 200
    assert response.data == b"word,count\r\nb,2\r\na,1\r\n"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="words.csv"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_non_images_are_never_inline(client, finished_job):
    response = client.get(f"/jobs/{finished_job}/files/words.csv?inline=1")
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_the_job_page_links_the_download_and_says_when_it_expires(client, finished_job):
    page = client.get(f"/jobs/{finished_job}").get_data(as_text=True)
    assert f'href="/jobs/{finished_job}/files/words.csv"' in page
    assert "kept until" in page and "then deleted" in page


def test_another_browser_is_refused_but_the_admin_may(app, finished_job):
    stranger = app.test_client()
    assert stranger.get(f"/jobs/{finished_job}/files/words.csv").status_code == 404  # as for no job
    token = base64.b64encode(b"admin:s3cret").decode()
    admin = stranger.get(f"/jobs/{finished_job}/files/words.csv", headers={"Authorization": f"Basic {token}"})
    assert admin.status_code == 200


def test_inputs_and_unknown_names_are_not_downloadable(client, connection, finished_job):
    stored = [n.decode() for n in connection.smembers(storage.index_key(finished_job))]
    uploaded = next(n for n in stored if n.startswith("in-"))
    assert client.get(f"/jobs/{finished_job}/files/{uploaded}").status_code == 404
    assert client.get(f"/jobs/{finished_job}/files/nothing.csv").status_code == 404
    assert client.get("/jobs/no-such-job/files/words.csv").status_code == 404


def test_an_expired_file_answers_404_with_a_message(client, connection, finished_job):
    connection.delete(storage.file_key(finished_job, "words.csv"))
    response = client.get(f"/jobs/{finished_job}/files/words.csv")
    assert response.status_code == 404
    assert "This file does not exist or it has expired." in response.get_data(as_text=True)


def test_produced_files_expire_with_the_result(connection, finished_job):
    ttl = connection.ttl(storage.file_key(finished_job, "words.csv"))
    assert 0 < ttl <= 24 * 3600


def test_a_too_large_upload_gets_the_friendly_413_page(redis_url):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "REDIS_URL": redis_url,
            "WTF_CSRF_ENABLED": False,
            "RATE_LIMIT": "off",
            "MAX_CONTENT_LENGTH": 1024 * 1024,
        }
    )
    response = app.test_client().post(
        "/tasks/csv_profile",
        data={"csv": (io.BytesIO(b"a\n" * 600_000), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "That upload is too large: the limit is 1 MiB per request." in text
    assert "Traceback" not in text
