"""Issue 16, roles: the read-only operator reads any job the console links to (its page, its API
read, its downloads) and is refused every action on it with 403; strangers still get the missing
job's 404."""

import pytest

from tests.console_helpers import ADMIN, CONSOLE_CONFIG, VIEWER
from tests.helpers import job_id_from
from webapp import create_app

SECRET_TEXT = "zebra quokka private-words"
ACTIONS = ("cancel", "stop", "retry", "delete", "share", "share/revoke")


@pytest.fixture
def app(redis_url):
    return create_app({**CONSOLE_CONFIG, "REDIS_URL": redis_url})


@pytest.fixture
def finished_job(app, run_jobs):
    """A finished word_frequency job (with a download) of another browser."""
    owner = app.test_client()
    job_id = job_id_from(owner.post("/tasks/word_frequency", data={"text": SECRET_TEXT, "top": "5"}))
    run_jobs()
    return owner, job_id


def test_the_viewer_reads_any_jobs_page_api_and_downloads(client, finished_job):
    _, job_id = finished_job
    page = client.get(f"/jobs/{job_id}", headers=VIEWER)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "finished" in html and "zebra" in html and "words.csv" in html
    for action in ("/cancel", "/retry", "/delete", "/edit", f"/jobs/{job_id}/share", "csrf_token"):
        assert action not in html, action  # the page offers the viewer nothing to press
    body = client.get(f"/api/jobs/{job_id}", headers=VIEWER).get_json()
    assert body["id"] == job_id and body["status"] == "finished"
    download = client.get(f"/jobs/{job_id}/files/words.csv", headers=VIEWER)
    assert download.status_code == 200 and download.data.startswith(b"word,count")


def test_the_viewers_api_polls_get_a_304_when_nothing_changed(client, finished_job):
    _, job_id = finished_job
    first = client.get(f"/api/jobs/{job_id}", headers=VIEWER)
    assert first.status_code == 200 and first.headers.get("ETag")
    again = client.get(f"/api/jobs/{job_id}", headers={**VIEWER, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("action", ACTIONS)
def test_every_job_action_refuses_the_viewer_with_403(app, client, connection, finished_job, action):
    owner, job_id = finished_job
    response = client.post(f"/jobs/{job_id}/{action}", headers=VIEWER)
    assert response.status_code == 403
    assert "The read-only operator may look but not act." in response.get_data(as_text=True)
    assert client.get(f"/api/jobs/{job_id}", headers=VIEWER).get_json()["status"] == "finished"
    assert not connection.exists(f"jobdeck:share:{job_id}")
    assert not connection.exists(f"jobdeck:retry:{job_id}")
    assert connection.llen("jobdeck:audit") == 0


def test_edit_and_prefill_are_the_owners_and_the_admins(app, client, finished_job):
    owner, job_id = finished_job
    assert client.get(f"/jobs/{job_id}/edit", headers=VIEWER).status_code == 403
    prefill = client.get(f"/tasks/word_frequency?from={job_id}", headers=VIEWER)
    assert prefill.status_code == 200 and SECRET_TEXT not in prefill.get_data(as_text=True)
    assert SECRET_TEXT in owner.get(f"/tasks/word_frequency?from={job_id}").get_data(as_text=True)
    assert client.get(f"/jobs/{job_id}/edit", headers=ADMIN).status_code == 303


def test_the_admin_still_acts_and_strangers_still_get_404(app, client, finished_job):
    _, job_id = finished_job
    stranger = app.test_client()
    assert stranger.get(f"/jobs/{job_id}").status_code == 404
    assert stranger.get(f"/api/jobs/{job_id}").status_code == 404
    wrong = {"Authorization": VIEWER["Authorization"][:-4] + "AAAA"}
    assert client.get(f"/jobs/{job_id}", headers=wrong).status_code == 404
    assert stranger.post(f"/jobs/{job_id}/retry").status_code == 404
    assert client.get("/jobs/no-such-job", headers=VIEWER).status_code == 404
    assert client.post("/jobs/no-such-job/retry", headers=VIEWER).status_code == 404
    assert client.post(f"/jobs/{job_id}/share", headers=ADMIN).status_code == 303
    assert client.post(f"/jobs/{job_id}/delete", headers=ADMIN).status_code == 303
    assert client.get(f"/jobs/{job_id}", headers=VIEWER).status_code == 404


def test_the_consoles_job_links_go_through_the_sign_in_at_the_sites_root(client, finished_job):
    """A browser signed in at /admin/ sends its credentials only below /admin/; the hop at /operator
    asks for them at the root, so the job page (and its live updates) get them too."""
    _, job_id = finished_job
    search = client.get(f"/admin/search?id={job_id[:8]}", headers=VIEWER).get_data(as_text=True)
    assert f'href="/operator?next=/jobs/{job_id}"' in search
    asked = client.get(f"/operator?next=/jobs/{job_id}")
    assert asked.status_code == 401 and 'realm="Jobdeck admin"' in asked.headers["WWW-Authenticate"]
    sent_on = client.get(f"/operator?next=/jobs/{job_id}", headers=VIEWER)
    assert sent_on.status_code == 303 and sent_on.headers["Location"] == f"/jobs/{job_id}"
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example", ""):
        answer = client.get("/operator", query_string={"next": elsewhere}, headers=ADMIN)
        assert answer.headers["Location"] == "/admin/", elsewhere


def test_the_viewer_reads_a_batch_and_is_refused_its_actions(app, client, connection):
    owner = app.test_client()
    answer = owner.post("/api/batches", json={"task": "word_frequency", "items": [{"text": "a b"}] * 2})
    batch_id = answer.get_json()["id"]
    page = client.get(f"/batches/{batch_id}", headers=VIEWER)
    assert page.status_code == 200 and "Cancel all not started" not in page.get_data(as_text=True)
    assert client.get(f"/api/batches/{batch_id}", headers=VIEWER).get_json()["counts"]["queued"] == 2
    for action in ("cancel", "stop", "retry"):
        refused = client.post(f"/batches/{batch_id}/{action}", headers=VIEWER)
        assert refused.status_code == 403, action
    assert client.get(f"/api/batches/{batch_id}", headers=VIEWER).get_json()["counts"]["queued"] == 2
    assert "Cancel all not started" in owner.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert app.test_client().get(f"/batches/{batch_id}").status_code == 404
    assert app.test_client().post(f"/batches/{batch_id}/cancel").status_code == 404
