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

from bench.detection import GOAL, given_up
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


def test_sigkilled_workers_jobs_are_given_up_on_and_retried_within_15_s_with_no_page_open(
    client, connection, redis_url, tmp_path
):
    """At the Procfile's settings: two of three workers die at once with their horses (as when
    their machine dies), one running a task retried once when lost, one a countdown (never retried)."""
    cluster = Cluster(redis_url, tmp_path, 3, owner=owner(client))
    try:
        retried = cluster.submit("fault_probe", {"seconds": 3})
        plain = cluster.submit("countdown", {"seconds": 600})
        doomed = [wait_running(cluster, retried), wait_running(cluster, plain, probe=False)]
        killed = {}
        for job_id, worker in zip((retried, plain), doomed, strict=True):
            killed[job_id] = time.monotonic()
            Cluster.kill(worker, "machine")
        times = given_up(cluster, killed, retried={retried})
        wait_until(lambda: status(connection, retried) == "finished", timeout=20, message="the retry to end")
    finally:
        cluster.stop()
    print(
        f"\nretried job: retry started {times[retried]['retried']:.2f} s after the kill; "
        f"countdown failed {times[plain]['lost']:.2f} s after it"
    )
    assert times[retried]["retried"] is not None and times[retried]["retried"] <= GOAL
    assert runs(connection, retried) == {"attempt:1": 1, "attempt:2": 1}
    assert "Attempt 2 of 2." in page(client, retried) and "declared lost" in log_lines(client, retried)

    assert times[plain]["lost"] is not None and times[plain]["lost"] <= GOAL
    assert plain in FailedJobRegistry("default", connection=connection).get_job_ids()
    body = api(client, plain)
    assert body["status"] == "failed" and body["error"] == LOST
    assert "declared lost" in log_lines(client, plain)


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
def test_frozen_workers_that_resume_after_their_jobs_were_retried_record_nothing(
    client, connection, redis_url, tmp_path
):
    """SIGSTOP of two workers (main process and horse) for twice the detection window, then SIGCONT:
    their jobs were retried meanwhile by a third. ``horse``: that worker's horse resumes first and
    offers its result, which is refused; ``main``: that worker's main process resumes first and
    stops its horse."""
    cluster = Cluster(redis_url, tmp_path, 3, environ=SHORT, owner=owner(client))
    try:
        jobs = {first: cluster.submit("fault_probe", {"seconds": 2}) for first in ("horse", "main")}
        frozen = {first: wait_running(cluster, job_id) for first, job_id in jobs.items()}
        horses = {first: worker.horse_pid() for first, worker in frozen.items()}
        for first, worker in frozen.items():
            for pid in (worker.pid, horses[first]):
                os.kill(pid, signal.SIGSTOP)
        frozen_at, window = time.monotonic(), SHORT_WINDOW + liveness.SWEEP_EVERY + 1
        wait_until(
            lambda: (
                all(status(connection, job_id) == "finished" for job_id in jobs.values())
                and time.monotonic() - frozen_at >= 2 * window
            ),
            timeout=2 * window + 15,
            message="the retries to finish, and twice the detection window to pass",
        )
        os.kill(horses["horse"], signal.SIGCONT)  # it ends its sleep and offers its result
        wait_until(lambda: process_state(horses["horse"]) in (None, "Z"), timeout=10, message="its end")
        os.kill(frozen["main"].pid, signal.SIGCONT)  # its next renewal is refused: it stops its horse
        wait_until(lambda: "refused" in log_lines(client, jobs["main"]), timeout=10, message="the refusal")
        with contextlib.suppress(ProcessLookupError):  # stopped by its main process: gone
            os.kill(horses["main"], signal.SIGCONT)
        os.kill(frozen["horse"].pid, signal.SIGCONT)
        for first, worker in frozen.items():
            wait_until(lambda w=worker: w.horse_pid() is None, timeout=10, message=f"{first}: idle again")
            assert worker.process.poll() is None  # the resumed worker lives on
    finally:
        cluster.stop()
    for first, job_id in jobs.items():
        body = api(client, job_id)
        assert body["status"] == "finished" and body["result"]["attempt"] == 2, first  # the retry's
        assert job_id not in FailedJobRegistry("default", connection=connection).get_job_ids()
        html = page(client, job_id)
        assert "Attempt 2 of 2." in html and "refused" in html, first
    assert runs(connection, jobs["horse"]) == {"attempt:1": 1, "attempt:2": 1}
    assert not connection.zcard("rq:wip:default")
