"""rq-dashboard at /rq: admin only, every page and JSON endpoint works with JSON jobs."""

import base64

from rq import Queue
from rq.serializers import JSONSerializer

from scripts.processes import wait_until
from webapp import create_app, dashboard

ADMIN = {"Authorization": "Basic " + base64.b64encode(b"admin:s3cret").decode()}
WRONG = {"Authorization": "Basic " + base64.b64encode(b"admin:nope").decode()}


def test_without_credentials_401_with_them_200(client):
    assert client.get("/rq/").status_code == 401
    assert client.get("/rq/", headers=WRONG).status_code == 401
    response = client.get("/rq/", headers=ADMIN)
    assert response.status_code == 200
    assert b"RQ Dashboard" in response.data or b"rq-dashboard" in response.data.lower()


def test_unreachable_when_no_admin_pair_is_configured(redis_url):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "REDIS_URL": redis_url, "ADMIN_USER": "", "ADMIN_PASSWORD": ""}
    )
    assert app.test_client().get("/rq/", headers=ADMIN).status_code == 404


def test_unsafe_methods_need_same_origin(client, connection):
    job = Queue("default", connection=connection, serializer=JSONSerializer).enqueue(
        "jobs.runner.execute", "countdown", {"seconds": 1}
    )
    cross = client.post(f"/rq/job/{job.id}/delete", headers={**ADMIN, "Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert connection.exists(f"rq:job:{job.id}")
    same = client.post(f"/rq/job/{job.id}/delete", headers={**ADMIN, "Origin": "http://localhost"})
    assert same.status_code == 200
    assert not connection.exists(f"rq:job:{job.id}")


def test_dashboard_pages_keep_a_hash_based_csp(client):
    response = client.get("/rq/", headers=ADMIN)
    csp = response.headers["Content-Security-Policy"]
    assert "'sha256-" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


DASHBOARD_PATHS = [
    "/rq/",
    "/rq/0/view/queues",
    "/rq/0/view/workers",
    "/rq/0/view/jobs",
    "/rq/0/data/queues.json",
    "/rq/0/data/workers.json",
    "/rq/0/data/jobs/default/queued/8/asc/1.json",
    "/rq/0/data/jobs/default/started/8/asc/1.json",
    "/rq/0/data/jobs/default/failed/8/asc/1.json",
    "/rq/0/data/jobs/default/deferred/8/asc/1.json",
    "/rq/0/data/jobs/default/finished/8/asc/1.json",
]


def test_every_page_works_while_a_worker_is_busy(client, connection, worker):
    queue = Queue("default", connection=connection, serializer=JSONSerializer)
    busy = queue.enqueue("jobs.runner.execute", "countdown", {"seconds": 5}, meta={"task": "countdown"})
    queue.enqueue("jobs.runner.execute", "countdown", {"seconds": 1}, depends_on=busy)
    wait_until(
        lambda: busy.get_status(refresh=True).value == "started", timeout=15, message="the job to start"
    )
    for path in DASHBOARD_PATHS + [f"/rq/0/view/job/{busy.id}", f"/rq/0/data/job/{busy.id}.json"]:
        response = client.get(path, headers=ADMIN, follow_redirects=True)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
    workers = client.get("/rq/0/data/workers.json", headers=ADMIN).get_json()["workers"]
    assert any(w["current_job"] and w["current_job"]["job_id"] == busy.id for w in workers)


def test_job_view_and_json_work_for_a_job_with_dependencies(client, connection):
    queue = Queue("default", connection=connection, serializer=JSONSerializer)
    parent = queue.enqueue("jobs.runner.execute", "countdown", {"seconds": 1})
    child = queue.enqueue("jobs.runner.execute", "countdown", {"seconds": 1}, depends_on=parent)
    assert client.get(f"/rq/0/view/job/{child.id}", headers=ADMIN).status_code == 200
    body = client.get(f"/rq/0/data/job/{child.id}.json", headers=ADMIN).get_json()
    assert body["depends_on"] == [parent.id]
    assert body["depends_on_status"] == ["active"]


def test_upstream_bugs_are_still_there_so_the_shims_are_still_needed():
    """When this fails, rq-dashboard fixed its bugs: delete the shims in webapp/dashboard.py."""
    assert dashboard.upstream_decodes_dependency_ids()
    assert dashboard.upstream_lists_workers_without_serializer()
