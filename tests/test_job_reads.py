"""The site's one-call job read builds the same Job and Result that RQ's own fetches do.

``queues.read_job`` restores jobs and results itself, to skip RQ's slow date parsing and serializer
checks; these tests hold it to RQ's answers for jobs in each state a page shows.
"""

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.serializers import JSONSerializer
from rq.utils import str_to_date

from jobs.queue_names import QUEUE_NAMES
from jobs.registry import get_task
from webapp.queues import _utc, enqueue_task, read_job


def run_all(connection) -> None:
    queues = [Queue(name, connection=connection, serializer=JSONSerializer) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=connection, serializer=JSONSerializer).work(burst=True)


def same_result(ours, theirs) -> None:
    assert ours is not None and theirs is not None
    for name in (
        "id",
        "type",
        "return_value",
        "exc_string",
        "created_at",
        "worker_name",
        "execution_id",
        "execution_started_at",
        "execution_ended_at",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.serializer is JSONSerializer  # RQ's own restore leaves its default here


@pytest.mark.parametrize(
    "params, status",
    [({"seconds": 1}, "queued"), ({"seconds": 1}, "finished"), ({"seconds": "soon"}, "failed")],
)
def test_read_job_restores_what_rq_fetches(app, connection, params, status):
    with app.test_request_context():
        job_id = enqueue_task(get_task("countdown"), params, "owner-1").id  # params unchecked here
        if status != "queued":
            run_all(connection)
        ours = read_job(job_id).job
    theirs = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    assert theirs.get_status().value == status
    assert ours.to_dict() == theirs.to_dict()
    for name in ("created_at", "enqueued_at", "started_at", "ended_at", "last_heartbeat", "meta", "args"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.serializer is JSONSerializer
    if status == "queued":
        assert ours._cached_result is None and ours.return_value() is None
        return
    same_result(ours._cached_result, theirs.latest_result())  # what read_job hands the job
    assert ours.return_value() == theirs.return_value()
    if status == "failed":
        assert "TaskInputError" in ours._cached_result.exc_string


@pytest.mark.parametrize(
    "text",
    [
        b"2026-11-25T06:10:41.123456Z",
        b"2026-01-01T00:00:00.000000Z",
        b"2026-11-25T06:10:41Z",  # RQ's older form, without the fraction
    ],
)
def test_dates_read_as_rq_reads_them(text):
    assert _utc(text) == str_to_date(text)
    assert _utc(text).tzinfo is not None


@pytest.mark.parametrize("text", [b"2026-W48-3T06:10:41.123456Z", b"yesterday", b"2026-11-25"])
def test_dates_rq_refuses_are_refused(text):
    with pytest.raises(ValueError):
        str_to_date(text)
    with pytest.raises(ValueError):
        _utc(text)


def test_a_read_after_redis_forgot_its_scripts_loads_the_look_again(app, connection):
    """A Redis restarted (or SCRIPT FLUSHed) since the last read has no look script: the read
    loads it and still makes the look (a queued job's position), instead of failing the page."""
    with app.test_request_context():
        ids = [enqueue_task(get_task("countdown"), {"seconds": 1}, "owner-1").id for _ in range(2)]
        assert read_job(ids[1]).position == 1
        connection.script_flush()
        assert read_job(ids[1]).position == 1
        assert read_job(ids[0]).position == 0
