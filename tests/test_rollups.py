"""Rollups (jobs/rollups.py): what a job's end adds, percentiles from the histogram, buckets over
time, the memory a bucket can take whatever the job count, and the lost-worker path."""

import time

import pytest
from rq.job import JobStatus

from jobs import rollups
from webapp import lost_workers

NOW = 1_800_000_000.0  # a fixed time on a minute and an hour boundary plus a bit


def test_a_job_end_adds_to_minute_hour_and_totals_of_each_dimension(connection):
    rollups.record(connection, task="primes", queue="low", outcome="finished", run=0.3, wait=0.02, when=NOW)
    for dim in (rollups.ALL, "q:low", "t:primes"):
        minute = connection.hgetall(rollups.bucket_key("m", dim, int(NOW // 60 * 60)))
        assert minute[b"finished"] == b"1"
        assert minute[b"r" + str(rollups.bucket_index(0.3)).encode()] == b"1"
        assert connection.hget(rollups.bucket_key("h", dim, int(NOW // 3600 * 3600)), "finished") == b"1"
        assert connection.hget(rollups.total_key(dim), "finished") == b"1"
    assert set(rollups.known_dims(connection)) == {"all", "q:low", "t:primes"}


def test_buckets_expire_after_two_days_and_ninety_days(connection):
    rollups.record(connection, task="t", queue="q", outcome="failed", run=1, wait=1)
    now = time.time()
    minute_ttl = connection.ttl(rollups.bucket_key("m", "all", int(now // 60 * 60)))
    hour_ttl = connection.ttl(rollups.bucket_key("h", "all", int(now // 3600 * 3600)))
    assert 2 * 86400 < minute_ttl <= 2 * 86400 + 60
    assert 90 * 86400 < hour_ttl <= 90 * 86400 + 3600
    assert connection.ttl(rollups.total_key("all")) == -1


def test_quantiles_interpolate_within_a_bucket():
    histogram = [0] * len(rollups.BOUNDS)
    histogram[rollups.bucket_index(0.7)] = 100  # all in (0.5, 1]
    assert rollups.quantile(histogram, 0.5) == pytest.approx(0.75)
    assert rollups.quantile(histogram, 0.95) == pytest.approx(0.975)
    assert rollups.quantile([0] * len(rollups.BOUNDS), 0.5) is None
    histogram[-1] = 1000  # above the last finite bound: the bound itself
    assert rollups.quantile(histogram, 0.99) == rollups.BOUNDS[-2]


def test_series_reads_each_span_oldest_first(connection):
    for minutes_ago, outcome in ((0, "finished"), (5, "failed"), (90, "stopped")):
        rollups.record(
            connection, task="t", queue="q", outcome=outcome, run=2, wait=0.1, when=NOW - minutes_ago * 60
        )
    hour = rollups.series(connection, "all", "hour", now=NOW)
    assert len(hour) == 60 and hour[-1].count("finished") == 1 and hour[-6].count("failed") == 1
    assert sum(b.count("stopped") for b in hour) == 0  # 90 minutes ago: not in the last hour
    day = rollups.series(connection, "all", "day", now=NOW)
    assert len(day) == 24 and sum(b.count("stopped") for b in day) == 1
    assert len(rollups.series(connection, "all", "week", now=NOW)) == 28  # 6-hour bars
    assert len(rollups.series(connection, "all", "90d", now=NOW)) == 90
    assert hour[-1].busy == pytest.approx(2 / 60)


def test_a_bucket_stays_small_whatever_the_job_count(connection):
    """Every outcome and every histogram bucket hit, many times: the field count is capped, and the
    bytes (MEMORY USAGE) are what docs/operations.md states."""
    for i in range(2000):
        seconds = rollups.BOUNDS[i % (len(rollups.BOUNDS) - 1)] * 0.9 if i % 19 else 5000
        rollups.record(
            connection,
            task="busy_task",
            queue="q",
            outcome=rollups.OUTCOMES[i % 4],
            run=seconds,
            wait=seconds,
            when=NOW,
        )
    key = rollups.bucket_key("m", "t:busy_task", int(NOW // 60 * 60))
    assert connection.hlen(key) == rollups.MAX_FIELDS
    assert connection.memory_usage(key) <= 1024  # a full minute bucket: at most 1 KiB


def test_a_lost_workers_job_failed_by_the_cleanup_is_counted(connection):
    """RQ's started-registry cleanup (run by the site for a lost worker) calls the rollup handler."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    queue = Queue("default", connection=connection, serializer=JSONSerializer)
    job = queue.enqueue("jobs.runner.execute", "primes", {"limit": 10}, meta={"task": "primes"})
    job.set_status(JobStatus.STARTED)
    connection.zadd("rq:wip:default", {f"{job.id}:lost-execution": 1})  # expired long ago
    assert lost_workers.clean_started(connection, "default")
    assert job.get_status() == JobStatus.FAILED
    assert connection.hget(rollups.total_key("t:primes"), "failed") == b"1"


def test_the_procfile_worker_counts_finished_failed_and_stopped_jobs(app, connection, worker):
    """The forking worker of the Procfile: success and failure in the work horse, a stop in the
    main process after it kills the horse."""
    from rq.command import send_stop_job_command

    from scripts.processes import wait_until
    from tests.console_helpers import enqueue

    enqueue(app, "primes", {"limit": 100}, priority="high")  # ahead of the countdown
    enqueue(app, "primes", {"limit": 1}, priority="high")
    long_one = enqueue(app, "countdown", {"seconds": 30})

    def totals():
        return {
            task: {k.decode(): int(v) for k, v in connection.hgetall(rollups.total_key(f"t:{task}")).items()}
            for task in ("primes", "countdown")
        }

    wait_until(lambda: totals()["primes"].get("failed") == 1, timeout=30, message="the primes jobs to end")
    wait_until(
        lambda: connection.hget(f"rq:job:{long_one}", "status") == b"started", timeout=30, message="countdown"
    )
    send_stop_job_command(connection, long_one)
    wait_until(
        lambda: totals()["countdown"].get("stopped") == 1, timeout=30, message="the stop to be counted"
    )
    found = totals()
    assert found["primes"]["finished"] == 1 and found["primes"]["failed"] == 1
    assert "finished" not in found["countdown"] and found["countdown"]["rs"] > 0  # its run time, to the stop


def test_rollups_outlive_the_jobs(app, client, connection):
    """The charts read only the rollups: with every job gone, the counts stay."""
    from tests.console_helpers import ADMIN, enqueue, run_worker

    for _ in range(3):
        enqueue(app, "primes", {"limit": 100})
    run_worker(app)
    for key in connection.scan_iter("rq:*"):  # the jobs, their results and RQ's registries expire
        connection.delete(key)
    page = client.get("/admin/?span=hour", headers=ADMIN).get_data(as_text=True)
    assert "Last hour: 3 finished, 0 failed, 0 stopped." in page


@pytest.mark.parametrize(
    ("status", "retries_left", "expected"),
    [
        (JobStatus.FINISHED, None, "finished"),
        (JobStatus.STOPPED, 1, "stopped"),  # a stop is never retried
        (JobStatus.FAILED, None, "failed"),
        (JobStatus.FAILED, 1, "retried"),  # the work horse's failure with a retry to come
        (JobStatus.STARTED, 1, "retried"),  # the main process's, after its horse died
        (JobStatus.STARTED, None, None),  # a task that returned rq.Retry: RQ queues it again itself
    ],
)
def test_what_a_job_end_counts_as_while_rq_writes_it(connection, status, retries_left, expected):
    """``job_outcome`` reads the job as RQ's end handlers leave it when they call ``cleanup_execution``;
    a retried job is counted as retried and stays out of the history's failed index."""
    from rq.job import Job

    from jobs.rollup_hooks import job_outcome

    job = Job.create("jobs.runner.execute", args=("primes", {"limit": 10}), connection=connection)
    job.set_status(status)
    job.retries_left = retries_left
    assert job_outcome(job) == expected


def test_a_broken_rollup_key_never_fails_the_job(app, connection, run_jobs):
    """The rollups go in the job's own transaction; an error there (a key of the wrong type) is the
    rollups' loss alone: the job still finishes and its result is kept."""
    from tests.console_helpers import enqueue

    connection.set(rollups.total_key(rollups.ALL), "not a hash")
    job_id = enqueue(app, "primes", {"limit": 100})
    run_jobs()
    assert connection.hget(f"rq:job:{job_id}", "status") == b"finished"
    assert connection.get(rollups.total_key(rollups.ALL)) == b"not a hash"
