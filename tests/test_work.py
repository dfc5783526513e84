"""``python -m jobs.work``, the Procfile's worker lines: it starts, takes a job, stops warm on SIGTERM,
stops start-up with one line on a bad JOBDECK_TASKS, and in burst mode leaves once the queues are
empty; and the ``rq worker`` command that docs/deployment.md offers instead runs the same worker."""

import os
import re
import shlex
import signal
import subprocess
import sys

from rq import Worker
from rq.suspension import resume, suspend

from jobs import work
from jobs.worker import JobdeckWorker
from jobs.worker_hooks import InProcessWorker
from scripts.processes import ROOT, VENV_BIN, WorkerProcess, procfile_command, wait_until
from tests.helpers import api, submit_as_browser

BAD_TASKS_LINE = "JOBDECK_TASKS: cannot load no_such.module: ModuleNotFoundError: No module named 'no_such'"


def run(args: list[str], redis_url: str, **environ) -> subprocess.CompletedProcess:
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT), **environ}
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def work_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "jobs.work", *args]


def test_the_procfile_lines_run_it_and_leave_the_intervals_to_it():
    expected = {
        "worker": (JobdeckWorker, ["high", "default", "low"]),
        "inprocess": (InProcessWorker, ["in_process"]),
    }
    for line, (worker_class, queues) in expected.items():
        words = procfile_command(line)
        assert words[:3] == ["python", "-m", "jobs.work"]
        args = work.arguments(words[3:])
        assert (args.worker_class, args.queues) == (worker_class, queues)
        intervals = (args.job_monitoring_interval, args.maintenance_interval, args.worker_ttl)
        assert intervals == (work.JOB_MONITORING_INTERVAL, work.MAINTENANCE_INTERVAL, work.WORKER_TTL)
    assert work.arguments(procfile_command("worker")[3:]).with_scheduler


def test_it_loads_neither_rqs_command_line_nor_click():
    code = "import sys, jobs.work; jobs.work.arguments(['high']); print('click' in sys.modules, 'rq.cli' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_it_takes_a_job_and_a_sigterm_lets_the_job_finish(client, connection, redis_url, tmp_path):
    worker = WorkerProcess(redis_url, ["--name", "lean-1"], log=tmp_path / "worker.log").start()
    assert [w.name for w in Worker.all(connection=connection)] == ["lean-1"]
    job_id = submit_as_browser(client, "fault_probe", {"seconds": 2})
    wait_until(lambda: api(client, job_id)["status"] == "started", timeout=20, message="the job to start")
    assert worker.stop(signal.SIGTERM, timeout=30) == 0
    assert api(client, job_id)["status"] == "finished"
    assert Worker.all(connection=connection) == []  # it said goodbye


def test_a_bad_task_module_stops_it_with_one_line(redis_url):
    result = run(work_command("default"), redis_url, JOBDECK_TASKS="no_such.module")
    assert result.returncode == 3
    assert (result.stdout, result.stderr) == ("", BAD_TASKS_LINE + "\n")


def test_in_burst_mode_it_runs_what_is_queued_then_leaves(client, connection, redis_url):
    jobs = [submit_as_browser(client, "fault_probe", {"seconds": 0}) for _ in range(2)]
    result = run(work_command("--burst", "high", "default", "low"), redis_url)
    assert result.returncode == 0, result.stderr
    assert [api(client, job_id)["status"] for job_id in jobs] == ["finished", "finished"]
    assert Worker.all(connection=connection) == []


def test_it_refuses_a_worker_class_that_does_not_exist(redis_url):
    refused = run(work_command("--worker-class", "jobs.worker.NoSuchWorker", "default"), redis_url)
    assert refused.returncode == 2 and "--worker-class jobs.worker.NoSuchWorker" in refused.stderr


def test_started_while_rq_is_suspended_it_waits_for_the_resume(client, connection, redis_url, tmp_path):
    """``rq worker`` would refuse to start (and a Procfile runner might stop the site with it)."""
    suspend(connection)
    WorkerProcess(redis_url, log=tmp_path / "worker.log").start()
    wait_until(
        lambda: Worker.all(connection=connection)[0].get_state() == "suspended", message="the suspension"
    )
    job_id = submit_as_browser(client, "fault_probe", {"seconds": 0})
    assert api(client, job_id)["status"] == "queued"
    resume(connection)
    wait_until(
        lambda: api(client, job_id)["status"] == "finished", timeout=20, message="the job after the resume"
    )


def test_the_rq_worker_command_in_the_deployment_doc_runs_the_same_worker(client, redis_url):
    doc = (ROOT / "docs" / "deployment.md").read_text()
    words = shlex.split(re.search(r"^rq worker .*$", doc, re.MULTILINE)[0])
    named = ("-w", "--job-monitoring-interval", "--maintenance-interval", "--worker-ttl")
    assert {name: words[words.index(name) + 1] for name in named} == {
        "-w": work.DEFAULT_WORKER_CLASS,
        "--job-monitoring-interval": str(work.JOB_MONITORING_INTERVAL),
        "--maintenance-interval": str(work.MAINTENANCE_INTERVAL),
        "--worker-ttl": str(work.WORKER_TTL),
    }
    job_id = submit_as_browser(client, "fault_probe", {"seconds": 0})
    result = run([str(VENV_BIN / "rq"), "worker", "--burst", *words[2:]], redis_url)
    assert result.returncode == 0, result.stderr
    assert api(client, job_id)["status"] == "finished"
