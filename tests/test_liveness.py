"""Jobdeck's worker (jobs/worker.py) against real processes: a SIGKILLed worker is noticed in
seconds with no page open, a horse dies with its worker, and a frozen worker that resumes after its
job was retried records nothing.
"""

import contextlib
import os
import signal
import time

import pytest
from rq.registry import FailedJobRegistry

from bench.detection import GOAL, measure
from bench.fault_cluster import Cluster, runs, status, wait_running
from jobs import liveness
from scripts.processes import process_state, wait_until
from tests.helpers import api, page
from webapp.job_view import LOST

#: a shorter liveness window for the tests that are not about its length
SHORT_WINDOW = 2
SHORT = {**os.environ, "JOBDECK_LIVENESS_SECONDS": str(SHORT_WINDOW)}


def owner(client) -> str:
    """The test browser's owner id, so that the jobs the cluster submits are its own."""
    with client.session_transaction() as session:
        return session.setdefault("owner", "liveness-tests")


def log_lines(client, job_id: str) -> str:
    return "\n".join(api(client, job_id)["log"])


@pytest.mark.slow
def test_sigkilled_workers_jobs_are_given_up_on_and_retried_within_15_s_with_no_page_open(
    client, connection, redis_url, tmp_path
):
    """At the Procfile's settings: two workers die with their horses (as when their machine dies),
    one running a task retried once when lost, one running a countdown (never retried)."""
    cluster = Cluster(redis_url, tmp_path, 2, owner=owner(client))
    try:
        retried = measure(cluster, 1, "fault_probe", seconds=3)[0]
        plain = measure(cluster, 1, "countdown", seconds=600)[0]
        job_id = retried["job"]
        wait_until(lambda: status(connection, job_id) == "finished", timeout=20, message="the retry to end")
    finally:
        cluster.stop()
    print(
        f"\nretried job: retry started {retried['retried']:.2f} s after the kill; "
        f"countdown failed {plain['lost']:.2f} s after it"
    )
    assert retried["retried"] is not None and retried["retried"] <= GOAL
    assert runs(connection, job_id) == {"attempt:1": 1, "attempt:2": 1}
    assert "Attempt 2 of 2." in page(client, job_id) and "declared lost" in log_lines(client, job_id)

    assert plain["lost"] is not None and plain["lost"] <= GOAL
    assert plain["job"] in FailedJobRegistry("default", connection=connection).get_job_ids()
    body = api(client, plain["job"])
    assert body["status"] == "failed" and body["error"] == LOST
    assert "declared lost" in log_lines(client, plain["job"])


def test_a_horse_dies_with_its_workers_main_process_and_the_job_is_retried_once(
    client, connection, redis_url, tmp_path
):
    """``kill -9`` of the main process alone: the horse must not go on running attempt 1 while
    attempt 2 starts elsewhere."""
    cluster = Cluster(redis_url, tmp_path, 2, environ=SHORT, owner=owner(client))
    try:
        job_id = cluster.submit("fault_probe", {"seconds": 4})
        worker = wait_running(cluster, job_id)
        horse = worker.horse_pid()
        assert horse
        cluster.replace(worker, "main")
        wait_until(lambda: process_state(horse) in (None, "Z"), timeout=5, message="the horse to die")
        wait_until(lambda: status(connection, job_id) == "finished", timeout=30, message="the retry")
    finally:
        cluster.stop()
    assert runs(connection, job_id) == {"attempt:1": 1, "attempt:2": 1}
    body = api(client, job_id)
    assert body["result"]["attempt"] == 2


@pytest.mark.slow
@pytest.mark.parametrize("first", ["horse", "main"])
def test_a_frozen_worker_that_resumes_after_its_job_was_retried_records_nothing(
    client, connection, redis_url, tmp_path, first
):
    """SIGSTOP of a worker (main process and horse) for twice the detection window, then SIGCONT:
    its job was retried meanwhile. ``horse``: the horse resumes first and offers its result, which
    is refused; ``main``: the main process resumes first and stops its horse."""
    cluster = Cluster(redis_url, tmp_path, 2, environ=SHORT, owner=owner(client))
    try:
        job_id = cluster.submit("fault_probe", {"seconds": 3})
        frozen = wait_running(cluster, job_id)
        horse = frozen.horse_pid()
        for pid in (frozen.pid, horse):
            os.kill(pid, signal.SIGSTOP)
        frozen_at, window = time.monotonic(), SHORT_WINDOW + liveness.SWEEP_EVERY + 1
        wait_until(
            lambda: status(connection, job_id) == "finished" and time.monotonic() - frozen_at >= 2 * window,
            timeout=2 * window + 10,
            message="the retry to finish, and twice the detection window to pass",
        )
        first_pid, second_pid = (horse, frozen.pid) if first == "horse" else (frozen.pid, horse)
        os.kill(first_pid, signal.SIGCONT)
        if first == "horse":  # it ends its sleep and offers its result
            wait_until(lambda: process_state(horse) in (None, "Z"), timeout=10, message="the horse's end")
        else:
            wait_until(lambda: "refused" in log_lines(client, job_id), timeout=10, message="the refusal")
        with contextlib.suppress(ProcessLookupError):  # a horse its main process stopped is gone
            os.kill(second_pid, signal.SIGCONT)
        wait_until(lambda: "refused" in log_lines(client, job_id), timeout=10, message="the refusal")
        wait_until(lambda: frozen.horse_pid() is None, timeout=10, message="the worker to be idle")
        assert frozen.process.poll() is None  # the resumed worker lives on
    finally:
        cluster.stop()
    body = api(client, job_id)
    assert body["status"] == "finished" and body["result"]["attempt"] == 2  # the retry's, untouched
    if first == "horse":
        assert runs(connection, job_id) == {"attempt:1": 1, "attempt:2": 1}
    assert job_id not in FailedJobRegistry("default", connection=connection).get_job_ids()
    assert not connection.zcard("rq:wip:default")
    html = page(client, job_id)
    assert "Attempt 2 of 2." in html and "refused" in html
