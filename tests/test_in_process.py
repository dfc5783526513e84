"""A task declared ``in_process`` runs on the Procfile's ``inprocess`` worker (RQ's SimpleWorker,
no fork per job): on its own queue, with its timeout and its Stop button still working."""

import subprocess
import sys

import pytest

from jobs.queue_names import IN_PROCESS_QUEUE
from jobs.registry import get_task
from scripts.processes import ROOT, WorkerProcess, wait_until
from tests.helpers import FAST, api
from webapp.submission import enqueue_task


@pytest.fixture
def in_process_worker(redis_url, tmp_path):
    process = WorkerProcess(redis_url, FAST, log=tmp_path / "inprocess.log", line="inprocess").start()
    yield process
    process.stop()


def _submit(app, client, seconds) -> str:
    with client.session_transaction() as session:
        session["owner"] = "owner-1"
    with app.test_request_context():
        job = enqueue_task(get_task("fault_probe_in_process"), {"seconds": seconds}, "owner-1")
    assert job.origin == IN_PROCESS_QUEUE
    return job.id


def test_in_process_jobs_finish_time_out_and_stop(app, client, in_process_worker):
    quick = _submit(app, client, 0)
    wait_until(lambda: api(client, quick)["status"] == "finished", timeout=20, message="the job to finish")

    slow = _submit(app, client, 5)  # its timeout is 2 s
    wait_until(lambda: api(client, slow)["status"] == "failed", timeout=20, message="the timeout")
    assert "2-second limit" in api(client, slow)["error"]

    stopped = _submit(app, client, 10)
    wait_until(lambda: api(client, stopped)["status"] == "started", timeout=20, message="the job to start")
    assert client.post(f"/jobs/{stopped}/stop").status_code == 303
    wait_until(lambda: api(client, stopped)["status"] == "stopped", timeout=10, message="the stop")
    # the worker lives on and takes the next job
    after = _submit(app, client, 0)
    wait_until(lambda: api(client, after)["status"] == "finished", timeout=20, message="the next job")
    assert in_process_worker.process.poll() is None


def test_the_task_code_imported_before_the_fork_starts_no_polars():
    probe = "import sys; from jobs.worker_hooks import import_task_code; import_task_code(); "
    probe += "print('polars' in sys.modules, 'jobs.csv_profile' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["False", "True"]
