"""Issue 18, finding 5: reading a job needs ownership; sharing goes through signed, revocable links.

A stranger holding a job id gets exactly what a visitor of a missing job gets (404, same page), on
the job page, the API, downloads, actions and the form prefill; the owner can make a read-only link
that expires and can be revoked.
"""

import re

import pytest

ADMIN = {"Authorization": "Basic YWRtaW46czNjcmV0"}  # admin:s3cret (tests.helpers.TEST_CONFIG)
SECRET_TEXT = "zebra quokka private-words"


@pytest.fixture
def owned_job(app, connection, run_jobs):
    """A finished word_frequency job with pasted text (and a download), and its owner's client."""
    owner = app.test_client()
    response = owner.post("/tasks/word_frequency", data={"text": SECRET_TEXT, "top": "5"})
    assert response.status_code == 303
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    run_jobs()
    assert owner.get(f"/api/jobs/{job_id}").get_json()["status"] == "finished"
    return owner, job_id


def stranger_of(app):
    stranger = app.test_client()
    assert stranger.post("/tasks/countdown", data={"seconds": "5"}).status_code == 303  # has an owner id too
    return stranger


def without_id(text: str, job_id: str) -> str:
    return text.replace(job_id, "<id>")


def test_a_stranger_gets_the_missing_job_answer_everywhere(app, owned_job):
    owner, job_id = owned_job
    stranger = stranger_of(app)
    missing_id = "0" * 8 + job_id[8:]
    for path in ("/jobs/{}", "/api/jobs/{}", "/jobs/{}/files/words.csv", "/jobs/{}/edit"):
        theirs = stranger.get(path.format(job_id))
        missing = stranger.get(path.format(missing_id))
        assert theirs.status_code == missing.status_code == 404, path
        assert without_id(theirs.get_data(as_text=True), job_id) == without_id(
            missing.get_data(as_text=True), missing_id
        ), path
    for action in ("cancel", "stop", "retry", "delete", "share"):
        assert stranger.post(f"/jobs/{job_id}/{action}").status_code == 404, action
    assert SECRET_TEXT not in stranger.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "private-words" not in stranger.get(f"/api/jobs/{job_id}").get_data(as_text=True)


def test_the_prefill_shows_only_the_owners_own_parameters(app, owned_job):
    owner, job_id = owned_job
    stranger = stranger_of(app)
    assert SECRET_TEXT in owner.get(f"/tasks/word_frequency?from={job_id}").get_data(as_text=True)
    theirs = stranger.get(f"/tasks/word_frequency?from={job_id}")
    assert theirs.status_code == 200 and SECRET_TEXT not in theirs.get_data(as_text=True)


def test_the_owner_and_the_admin_still_read_everything(app, owned_job):
    owner, job_id = owned_job
    admin = app.test_client()
    for client, headers in ((owner, {}), (admin, ADMIN)):
        assert client.get(f"/jobs/{job_id}", headers=headers).status_code == 200
        assert client.get(f"/api/jobs/{job_id}", headers=headers).get_json()["status"] == "finished"
        assert client.get(f"/jobs/{job_id}/files/words.csv", headers=headers).status_code == 200


def share_link(owner, job_id) -> str:
    response = owner.post(f"/jobs/{job_id}/share")
    assert response.status_code == 303
    page = owner.get(f"/jobs/{job_id}").get_data(as_text=True)
    return re.search(
        r'id="job-share-link" type="text" readonly value="http://localhost(/shared/[^"]+)"', page
    )[1]


def test_a_share_link_shows_the_job_read_only_with_its_downloads(app, owned_job):
    owner, job_id = owned_job
    link = share_link(owner, job_id)
    stranger = stranger_of(app)
    page = stranger.get(link)
    assert page.status_code == 200 and page.headers["X-Robots-Tag"] == "noindex, nofollow"
    html = page.get_data(as_text=True)
    assert "finished" in html and "words.csv" in html and "read-only view" in html
    for action in ("/cancel", "/retry", "/delete", "/edit", f"/jobs/{job_id}/share", "csrf_token"):
        assert action not in html, action
    assert f"/api/jobs/{job_id}" not in html  # its live updates go through the link too
    assert stranger.get(f"{link}/api").get_json()["status"] == "finished"
    download = stranger.get(f"{link}/files/words.csv")
    assert download.status_code == 200 and download.data.startswith(b"word,count")
    assert stranger.get(f"/jobs/{job_id}").status_code == 404  # the link opens the shared view only


def test_a_link_stops_working_when_revoked_replaced_tampered_or_expired(app, owned_job):
    owner, job_id = owned_job
    stranger = stranger_of(app)
    first = share_link(owner, job_id)
    second = share_link(owner, job_id)  # a new link replaces the first
    assert stranger.get(first).status_code == 404
    assert stranger.get(second).status_code == 200
    assert stranger.get(second[:-3] + ("abc" if not second.endswith("abc") else "xyz")).status_code == 404
    app.config["SHARE_TTL"] = -1  # older than the allowed age: expired
    assert stranger.get(second).status_code == 404
    app.config["SHARE_TTL"] = 3600
    assert stranger.get(second).status_code == 200
    assert owner.post(f"/jobs/{job_id}/share/revoke").status_code == 303
    assert stranger.get(second).status_code == 404
    assert stranger.get(f"{second}/api").status_code == 404
    assert stranger.get(f"{second}/files/words.csv").status_code == 404
    assert "Make a read-only link" in owner.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_sharing_needs_a_csrf_token(redis_url, connection):
    from tests.helpers import TEST_CONFIG
    from webapp import create_app

    app = create_app({**TEST_CONFIG, "REDIS_URL": redis_url, "WTF_CSRF_ENABLED": True})
    owner = app.test_client()
    form = owner.get("/tasks/countdown").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1]
    job_id = owner.post("/tasks/countdown", data={"seconds": "5", "csrf_token": token}).headers["Location"]
    job_id = job_id.rsplit("/", 1)[-1]
    assert owner.post(f"/jobs/{job_id}/share").status_code == 400
    assert not connection.exists(f"jobdeck:share:{job_id}")
    assert owner.post(f"/jobs/{job_id}/share", data={"csrf_token": token}).status_code == 303
    assert connection.exists(f"jobdeck:share:{job_id}")
