"""Pause: all workers through RQ's suspension, one queue through the Jobdeck worker's queue class;
the pause and its reason on the console and on a waiting job's page; warm shutdown of a worker."""

import time

import pytest
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import orphan_sweep, queue_pause
from scripts.processes import wait_until
from tests.console_helpers import ADMIN, CONSOLE_CONFIG, enqueue, run_worker
from webapp import create_app


@pytest.fixture
def app(redis_url):
    return create_app({**CONSOLE_CONFIG, "REDIS_URL": redis_url})


def status(connection, job_id: str) -> str:
    return Job.fetch(job_id, connection=connection).get_status().value


def test_a_paused_queue_is_skipped_until_resumed(app, client, connection):
    client.post("/admin/pause", data={"scope": "low", "reason": "maintenance"}, headers=ADMIN)
    low = enqueue(app, "primes", {"limit": 100})  # primes run on "low"
    other = enqueue(app, "countdown", {"seconds": 1}, priority="high")
    connection.lpush("never", "x")  # (unrelated keys do not matter)
    run_worker(app)
    assert status(connection, low) == "queued"
    assert status(connection, other) == "finished"
    client.post("/admin/resume", data={"scope": "low"}, headers=ADMIN)
    run_worker(app)
    assert status(connection, low) == "finished"


def test_the_waiting_jobs_page_says_why_and_until_when(app, client, connection):
    until = time.time() + 3600
    queue_pause.pause_queue(connection, "low", "maintenance", until)
    job_id = enqueue(app, "primes", {"limit": 100})
    page = client.get(f"/jobs/{job_id}", headers=ADMIN).get_data(as_text=True)
    assert "Queue low is paused until" in page and ": maintenance." in page
    queue_pause.resume_queue(connection, "low")
    queue_pause.pause_all(connection, "deploy", None)
    page = client.get(f"/jobs/{job_id}", headers=ADMIN).get_data(as_text=True)
    assert "Work is paused for now: deploy." in page
    queue_pause.resume_all(connection)
    assert 'id="job-pause"' not in client.get(f"/jobs/{job_id}", headers=ADMIN).get_data(as_text=True)


def test_a_pause_with_an_end_lifts_by_itself(connection):
    queue_pause.pause_all(connection, "short", time.time() + 1)
    queue_pause.pause_queue(connection, "low", "short", time.time() + 1)
    assert set(queue_pause.current(connection, ["low"])) == {"all", "low"}
    wait_until(lambda: not queue_pause.current(connection, ["low"]), timeout=5, message="the pause to end")


def test_a_suspended_worker_takes_no_job(app, connection):
    queue_pause.pause_all(connection, "deploy", None)
    job_id = enqueue(app, "primes", {"limit": 100})
    run_worker(app)  # a suspended burst worker stops at once
    assert status(connection, job_id) == "queued"


def test_warm_shutdown_from_the_workers_page(client, connection, worker):
    def reported():  # the RSS comes with the worker's first heartbeat, just after it registers
        text = client.get("/admin/workers", headers=ADMIN).get_data(as_text=True)
        return text if "MiB" in text and "<td>idle</td>" in text else None

    page = wait_until(reported, timeout=10, message="the worker's RSS")
    name = next(line.split('"')[1] for line in page.splitlines() if "data-worker=" in line)
    assert "<td>high, default, low</td>" in page
    assert client.post(f"/admin/workers/{name}/shutdown", headers=ADMIN).status_code == 303
    wait_until(lambda: worker.process.poll() is not None, timeout=20, message="the worker to stop")
    audit = client.get("/admin/audit", headers=ADMIN).get_data(as_text=True)
    assert f"warm shutdown of {name}" in audit
    assert client.post("/admin/workers/nobody/shutdown", headers=ADMIN).status_code == 404


def blocked_in_dequeue(connection) -> bool:
    """The worker is waiting for a job (RQ's BLPOP over its queues)."""
    return any(client.get("cmd") in ("blpop", "blmove") for client in connection.client_list())


def test_a_worker_waiting_since_before_the_pause_takes_nothing_from_the_paused_queue(app, connection, worker):
    """The worker waits on high, default and low since before "low" is paused; the job that then
    arrives on "low" wakes it, and goes back to the front of its queue. It runs once resumed."""
    wait_until(lambda: blocked_in_dequeue(connection), timeout=30, message="the worker to wait for a job")
    queue_pause.pause_queue(connection, "low", "maintenance", None)
    held = enqueue(app, "primes", {"limit": 100})  # primes run on "low"
    behind = enqueue(app, "primes", {"limit": 100})
    marker = enqueue(app, "countdown", {"seconds": 1}, priority="high")
    # the worker takes one job at a time: once the later "high" job has run, the first "low" job
    # had reached it already, and was handed back
    wait_until(lambda: status(connection, marker) == "finished", timeout=30, message="the high job to run")
    assert status(connection, held) == status(connection, behind) == "queued"
    assert connection.lrange("rq:queue:low", 0, -1) == [held.encode(), behind.encode()]  # in their places
    assert Job.fetch(held, connection=connection).started_at is None

    resumed = time.monotonic()
    queue_pause.resume_queue(connection, "low")
    wait_until(lambda: status(connection, behind) == "finished", timeout=60, message="the low jobs to run")
    print(f"resume noticed and both low jobs run within {time.monotonic() - resumed:.1f} s")
    assert status(connection, held) == "finished"


def test_a_job_taken_through_rqs_intermediate_list_goes_back_too(app, connection):
    """Waiting on one queue alone, RQ moves the job it takes into that queue's intermediate list."""
    job_id = enqueue(app, "primes", {"limit": 100})
    low = Queue("low", connection=connection, serializer=JSONSerializer)
    job, queue = Queue.dequeue_any([low], None, connection=connection, serializer=JSONSerializer)
    assert job.id == job_id and connection.lrange(low.intermediate_queue_key, 0, -1) == [job_id.encode()]
    assert not queue_pause.put_back_if_paused(connection, queue.key, job.id)  # open: the worker keeps it
    queue_pause.pause_queue(connection, "low", "maintenance", None)
    assert queue_pause.put_back_if_paused(connection, queue.key, job.id)
    assert connection.lrange(low.intermediate_queue_key, 0, -1) == []
    assert connection.lrange("rq:queue:low", 0, -1) == [job_id.encode()]


def worker_queues(connection, names) -> list:
    return [queue_pause.PausableQueue(n, connection=connection, serializer=JSONSerializer) for n in names]


def test_a_paused_queues_job_is_never_taken_nor_noted_by_the_pop(app, connection):
    """The pop that finds jobs waiting reads the pauses in the same step: a queue paused a moment
    ago (by another process, the site) is never popped from, so its job stays in its place and is
    never noted as popped for the orphan sweep; on one queue alone, it never enters RQ's
    intermediate list."""
    queues = worker_queues(connection, ["high", "default", "low"])
    dequeue = queue_pause.PausableQueue.dequeue_any
    assert dequeue(queues, None, connection=connection, serializer=JSONSerializer) is None
    connection.set(queue_pause.queue_key("low"), '{"reason": "maintenance"}')  # the site's pause
    held = enqueue(app, "primes", {"limit": 100})  # primes run on "low"
    for listening in (queues, queues[2:]):  # several queues (LPOP), one queue (LMOVE)
        assert dequeue(listening, None, connection=connection, serializer=JSONSerializer) is None
        assert connection.lrange("rq:queue:low", 0, -1) == [held.encode()]
        assert connection.zscore(orphan_sweep.POPPED_KEY, held) is None
        assert connection.llen(queues[2].intermediate_queue_key) == 0

    other = enqueue(app, "countdown", {"seconds": 1})  # on "default": the open queue's job is taken
    job, queue = dequeue(queues, None, connection=connection, serializer=JSONSerializer)
    assert (job.id, queue.name) == (other, "default")
    assert connection.zscore(orphan_sweep.POPPED_KEY, other) is not None  # noted for the sweep


def test_a_worker_with_one_open_queue_leaves_nothing_in_rqs_intermediate_list(app, connection):
    """With two of its three queues paused, the worker still takes its job as a worker on several
    queues does (noted, not moved into the queue's intermediate list, which only a worker on one
    queue empties: a job left there would be failed by RQ's cleanup a minute after it finished)."""
    for name in ("high", "default"):
        queue_pause.pause_queue(connection, name, "maintenance", None)
    job_id = enqueue(app, "primes", {"limit": 100})
    run_worker(app)
    assert status(connection, job_id) == "finished"
    assert connection.llen("rq:queue:low:intermediate") == 0
