"""jobs.progress: throttled writes of job.meta['progress']."""

import time

from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import progress
from scripts.processes import wait_until


def make_job(connection) -> Job:
    return Queue("default", connection=connection, serializer=JSONSerializer).enqueue(
        "jobs.runner.execute", "countdown", {"seconds": 1}
    )


def stored_progress(connection, job_id):
    return Job.fetch(job_id, connection=connection, serializer=JSONSerializer).meta.get("progress")


def count_meta_writes(connection, action) -> int:
    before = connection.info("commandstats").get("cmdstat_hset", {}).get("calls", 0)
    action()
    return connection.info("commandstats").get("cmdstat_hset", {}).get("calls", 0) - before


def test_report_outside_a_job_does_nothing():
    progress.end()
    progress.report(1, 2, "ignored")  # no job: must not raise


def test_first_report_is_written_and_readable(connection):
    job = make_job(connection)
    progress.begin(job)
    try:
        progress.report(3, 10, "3 of 10")
    finally:
        progress.end()
    stored = stored_progress(connection, job.id)
    assert (stored["done"], stored["total"], stored["message"]) == (3, 10, "3 of 10")


def test_a_tight_loop_writes_only_a_few_times_and_the_final_report_always_lands(connection):
    job = make_job(connection)
    progress.begin(job)
    total = 200_000

    def loop():
        for i in range(total):
            progress.report(i, total, f"{i}")
        progress.report(total, total, "done")

    try:
        started = time.monotonic()
        writes = count_meta_writes(connection, loop)
        elapsed = time.monotonic() - started
    finally:
        progress.end()
    # one write per MIN_INTERVAL at most, plus the first and the final one
    assert writes <= elapsed / progress.MIN_INTERVAL + 3
    assert stored_progress(connection, job.id)["message"] == "done"


def test_a_new_job_is_not_throttled_by_the_previous_one(connection):
    first, second = make_job(connection), make_job(connection)
    progress.begin(first)
    progress.report(1, 10, "first")
    progress.begin(second)
    progress.report(1, 10, "second")
    progress.end()
    assert stored_progress(connection, second.id)["message"] == "second"


def test_reports_go_through_again_once_the_interval_has_passed(connection):
    job = make_job(connection)
    progress.begin(job)
    try:
        progress.report(1, 10, "first")  # closes the gate for MIN_INTERVAL

        def later_report_lands():
            progress.report(3, 10, "later")
            return stored_progress(connection, job.id)["message"] == "later"

        wait_until(
            later_report_lands, timeout=5, interval=0.05, message="the throttle to let a report through"
        )
    finally:
        progress.end()
