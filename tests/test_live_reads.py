"""Reads for live pages: GET /api/jobs/<id> answers 304 to its own ETag until the job changes,
and GET /api/jobs-by-id?ids= gives many jobs in one answer (the asker's only)."""

from tests.helpers import job_id_from


def _submit(client, seconds=3) -> str:
    return job_id_from(client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": seconds}}))


def test_a_poll_with_the_jobs_etag_is_a_304_until_the_job_changes(client, run_jobs):
    job_id = _submit(client, seconds=1)
    first = client.get(f"/api/jobs/{job_id}")
    tag = first.headers["ETag"]
    assert first.status_code == 200 and first.get_json()["status"] == "queued"
    again = client.get(f"/api/jobs/{job_id}", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    run_jobs()
    after = client.get(f"/api/jobs/{job_id}", headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.get_json()["status"] == "finished"
    assert after.headers["ETag"] != tag


def test_a_stranger_with_the_tag_gets_no_304(app, client):
    job_id = _submit(client)
    tag = client.get(f"/api/jobs/{job_id}").headers["ETag"]
    stranger = app.test_client()
    answer = stranger.get(f"/api/jobs/{job_id}", headers={"If-None-Match": tag})
    assert answer.status_code != 304


def test_many_jobs_in_one_read(app, client):
    mine = [_submit(client) for _ in range(3)]
    theirs = job_id_from(
        app.test_client().post("/api/jobs", json={"task": "countdown", "params": {"seconds": 3}})
    )
    answer = client.get(f"/api/jobs-by-id?ids={','.join(mine + [theirs, 'nope'])}").get_json()["jobs"]
    assert [(j["id"], j.get("status"), j.get("active")) for j in answer[:3]] == [
        (i, "queued", True) for i in mine
    ]
    assert answer[3:] == [{"id": theirs, "gone": True}, {"id": "nope", "gone": True}]
    assert client.get("/api/jobs-by-id?ids=").status_code == 400
    assert client.get("/api/jobs-by-id?ids=" + ",".join(["x"] * 51)).status_code == 400
