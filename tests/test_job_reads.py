"""What the site reads of a job (webapp/job_reads.py): RQ's own job and result, its log lines, and
a queued job's place in its queue, for jobs in each state a page shows."""

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from jobs import queue_pause
from jobs.queue_names import QUEUE_NAMES
from jobs.registry import get_task
from tests.helpers import page, submit_countdown
from webapp.job_reads import fetch_job, read, read_job
from webapp.lost_workers import QueuePlace
from webapp.submission import enqueue_task


def run_all(connection) -> None:
    queues = [Queue(name, connection=connection, serializer=JSONSerializer) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=connection, serializer=JSONSerializer).work(burst=True)


@pytest.mark.parametrize(
    "params, status",
    [({"seconds": 1}, "queued"), ({"seconds": 1}, "finished"), ({"seconds": "soon"}, "failed")],
)
def test_read_job_gives_the_job_rq_fetches_with_its_result(app, connection, params, status):
    with app.test_request_context():
        job_id = enqueue_task(get_task("countdown"), params, "owner-1").id  # params unchecked here
        if status != "queued":
            run_all(connection)
        read = read_job(job_id)
    theirs = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    ours = read.job
    assert ours.get_status().value == status
    assert ours.to_dict() == theirs.to_dict()
    assert ours.serializer is JSONSerializer
    assert read.place == (QueuePlace(0) if status == "queued" else None)
    if status == "queued":
        assert ours.return_value() is None and ours.latest_result() is None
        return
    assert ours.return_value() == theirs.return_value()
    if status == "failed":
        assert "TaskInputError" in ours.latest_result().exc_string
    else:
        assert ours.return_value()["summary"] == "Waited 1 second."


def test_a_job_that_is_not_there_or_not_json_reads_as_none(app, connection):
    with app.test_request_context():
        assert read_job("no-such-job") == (None, [], None)
        connection.hset(Job.key_for("not-json"), mapping={"data": b"\x80\x04pickled", "status": "queued"})
        assert fetch_job("not-json") is None
        assert read_job("not-json").job is None


def test_a_read_after_redis_forgot_its_scripts_loads_the_look_again(app, connection):
    """A Redis restarted (or SCRIPT FLUSHed) since the last read has no look script: the read
    loads it and still makes the look (a queued job's position), instead of failing the page."""
    with app.test_request_context():
        ids = [enqueue_task(get_task("countdown"), {"seconds": 1}, "owner-1").id for _ in range(2)]
        assert read_job(ids[1]).place == QueuePlace(1)
        connection.script_flush()
        assert read_job(ids[1]).place == QueuePlace(1)
        assert read_job(ids[0]).place == QueuePlace(0)


@pytest.mark.parametrize("params, status", [({"seconds": 1}, "finished"), ({"seconds": "soon"}, "failed")])
def test_read_gives_the_latest_result_rq_gives(app, connection, run_jobs, params, status):
    with app.test_request_context():
        job_id = enqueue_task(get_task("countdown"), params, "owner-1").id  # params unchecked here
        run_jobs()
        found = read(job_id)
    theirs = Job.fetch(job_id, connection=connection, serializer=JSONSerializer).latest_result()
    assert found.job.get_status().value == status
    assert (found.latest.id, found.latest.type) == (theirs.id, theirs.type)
    assert (found.latest.return_value, found.latest.exc_string) == (theirs.return_value, theirs.exc_string)


def test_a_page_read_again_shows_what_changed_since_the_last_read(app, client, connection, run_jobs):
    """The second read of a job sends the reads the first one needed (its place in its queue, its
    queue's pause) with the job's own: what they find is what Redis holds now, and a job that
    changed in between gets the reads it needs now."""
    first, second = (submit_countdown(client, seconds=1) for _ in range(2))
    with client.session_transaction() as session:
        owner = session["owner"]
    with app.test_request_context():
        refused = enqueue_task(get_task("countdown"), {"seconds": "soon"}, owner).id  # params unchecked here
    assert "1 job ahead" in page(client, second)
    assert client.post(f"/jobs/{first}/cancel").status_code == 303
    assert "next in line" in page(client, second)
    queue_pause.pause_queue(connection, "default", "maintenance", None)
    assert "Queue default is paused for now: maintenance." in page(client, second)
    queue_pause.resume_queue(connection, "default")
    assert "status-failed" not in page(client, refused)
    run_jobs()
    html = page(client, second)
    assert "status-finished" in html and "Waited 1 second." in html and 'id="job-pause"' not in html
    html = page(client, refused)  # read while queued: its result is read once it has one
    assert "status-failed" in html and "The job failed.</p>" not in html and "Traceback" not in html
    FailedJobRegistry("default", connection=connection, serializer=JSONSerializer).requeue(refused)
    html = page(client, refused)
    assert "status-queued" in html and "next in line" in html
