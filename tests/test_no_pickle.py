"""No pickle: a job written with RQ's default (pickle) serializer is refused, never unpickled.

The job's call and meta hold an object whose unpickling creates a file. The first test shows that
any consumer that unpickles it does run it; the others show the site, the API, rq-dashboard and a
real worker refuse it cleanly (no file, no 500), and that every RQ call in the code names the JSON
serializer.
"""

import ast
import base64
from pathlib import Path

import pytest
from rq import Queue
from rq.job import Job
from rq.serializers import DefaultSerializer, JSONSerializer

from scripts.processes import ROOT, wait_until
from tests.helpers import procfile_worker
from webapp import dashboard

ADMIN = {"Authorization": "Basic " + base64.b64encode(b"admin:s3cret").decode()}


class Payload:
    """Unpickling this opens ``marker`` for writing, i.e. creates the file."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "unpickled-here"


@pytest.fixture
def pickled_job(connection, marker) -> Job:
    """A job as an RQ client with the default serializer writes it: call and meta are pickles."""
    queue = Queue("default", connection=connection)  # no serializer: RQ's default, pickle
    assert queue.serializer is DefaultSerializer
    job = queue.enqueue(
        "jobs.runner.execute",
        "countdown",
        Payload(marker),
        meta={"task": "countdown", "owner": "someone", "payload": Payload(marker)},
    )
    assert not marker.exists()
    return job


def test_the_payload_runs_when_unpickled(connection, pickled_job, marker):
    """The control: reading this job with pickle executes the payload."""
    Job.fetch(pickled_job.id, connection=connection, serializer=DefaultSerializer)
    assert marker.exists()


def test_the_site_and_the_api_refuse_a_pickled_job(client, connection, pickled_job, marker):
    page = client.get(f"/jobs/{pickled_job.id}")
    assert page.status_code == 404
    assert "does not exist or its result has expired" in page.get_data(as_text=True)
    api = client.get(f"/api/jobs/{pickled_job.id}")
    assert api.status_code == 404 and "expired" in api.get_json()["error"]
    with client.session_transaction() as session:
        session["owner"] = "someone"  # even its owner (per its meta) cannot act on it
    for action in ("cancel", "stop", "retry", "delete"):
        assert client.post(f"/jobs/{pickled_job.id}/{action}").status_code == 404, action
    assert client.get(f"/jobs/{pickled_job.id}/edit").status_code == 404
    assert client.get(f"/tasks/countdown?from={pickled_job.id}").status_code == 200
    assert client.get("/jobs").status_code == 200
    assert not marker.exists()
    assert connection.exists(f"rq:job:{pickled_job.id}")  # refused, not deleted behind the admin's back


def test_rq_dashboard_shows_a_pickled_job_without_unpickling_it(client, connection, pickled_job, marker):
    listing = client.get("/rq/0/data/jobs/default/queued/8/asc/1.json", headers=ADMIN)
    assert listing.status_code == 200
    assert [j["id"] for j in listing.get_json()["jobs"]] == [pickled_job.id]
    info = client.get(f"/rq/0/data/job/{pickled_job.id}.json", headers=ADMIN)
    assert info.status_code == 200
    assert "not stored as JSON" in info.get_json()["metadata"]
    for path in [f"/rq/0/view/job/{pickled_job.id}", "/rq/0/data/queues.json", "/rq/0/data/workers.json"]:
        assert client.get(path, headers=ADMIN).status_code == 200, path
    same_origin = {**ADMIN, "Origin": "http://localhost"}
    requeue = client.post(f"/rq/job/{pickled_job.id}/requeue", headers=same_origin)
    assert requeue.status_code == 409  # it is not a failed job (upstream raised: a 500)
    assert client.post(f"/rq/job/{pickled_job.id}/delete", headers=same_origin).status_code == 200
    assert not connection.exists(f"rq:job:{pickled_job.id}")  # the admin can clean it up
    assert not marker.exists()
    missing = client.get(f"/rq/0/data/job/{pickled_job.id}.json", headers=ADMIN)
    assert missing.status_code == 404  # upstream's NoSuchJobError was a 500
    assert client.get(f"/rq/0/view/job/{pickled_job.id}", headers=ADMIN).status_code == 404


@pytest.mark.slow
def test_a_real_worker_fails_a_pickled_job_without_running_it_and_goes_on(
    client, connection, pickled_job, marker, worker
):
    after = client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}}).get_json()["id"]

    def status(job_id):
        return connection.hget(f"rq:job:{job_id}", "status")

    wait_until(lambda: status(after) == b"finished", timeout=30, message="the JSON job after it to finish")
    assert status(pickled_job.id) == b"failed"
    failed = Queue("default", connection=connection, serializer=JSONSerializer).failed_job_registry
    assert pickled_job.id in failed.get_job_ids()
    result = Job.fetch(pickled_job.id, connection=connection, serializer=JSONSerializer).latest_result()
    assert "DeserializationError" in result.exc_string
    assert not marker.exists()
    assert worker.process.poll() is None  # the worker is still running


# --- every RQ call names the JSON serializer -----------------------------------------------------
RQ_CALLS = {"Queue", "Worker", "SimpleWorker", "fetch", "fetch_many", "create", "send_stop_job_command"}


def rq_calls_without_serializer(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rq")
        for alias in node.names
    }
    key_only = {  # Queue(name, connection=c).key: used for a key name, never to read a job
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr.endswith("key")
    }
    missing = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in key_only:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        receiver = (
            func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None
        )
        is_rq = (isinstance(func, ast.Name) and name in imported) or receiver in {"Job", "Queue", "Worker"}
        if name in RQ_CALLS and is_rq and not any(k.arg == "serializer" for k in node.keywords):
            missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}(...)")
    return missing


def test_every_rq_call_in_the_code_names_a_serializer_and_nothing_imports_pickle(connection):
    files = sorted((ROOT / "webapp").glob("*.py")) + sorted((ROOT / "jobs").glob("*.py"))
    missing = [m for f in files for m in rq_calls_without_serializer(f)]
    allowed = {"webapp/dashboard.py"}  # its shims pass the serializer through explicitly (checked below)
    assert [m for m in missing if m.split(":")[0] not in allowed] == []
    for f in files:
        assert "import pickle" not in f.read_text(), f
    for line in ("worker", "inprocess"):  # the Procfile's workers, as jobs/work.py builds them
        assert procfile_worker(line, connection).serializer is JSONSerializer


def test_rq_dashboard_reads_jobs_as_json_after_the_shims(app):
    import rq_dashboard.web

    assert rq_dashboard.web.config.serializer is JSONSerializer
    assert rq_dashboard.web.Job(connection=app.extensions["jobdeck"]["redis"]).serializer is JSONSerializer
    assert rq_dashboard.web.requeue_job.keywords == {"serializer": JSONSerializer}


def test_upstream_still_fetches_jobs_with_pickle_so_the_shim_is_still_needed():
    """When this fails, rq-dashboard reads jobs with its configured serializer: drop DashboardJob.__init__."""
    assert dashboard.upstream_fetches_jobs_without_serializer()
