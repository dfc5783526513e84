"""History (/jobs) with a few thousand jobs made directly in Redis: filters, pagination, pruning."""

import re
import time

from rq import Queue
from rq.serializers import JSONSerializer

from webapp import history

OWNER = "owner-1"


def make_jobs(connection, count, task="countdown", status=None, when=None):
    queue = Queue("default", connection=connection, serializer=JSONSerializer)
    data = [
        Queue.prepare_data(
            "jobs.runner.execute", args=(task, {"seconds": 1}), meta={"task": task, "owner": OWNER}
        )
        for _ in range(count)
    ]
    with connection.pipeline() as pipe:
        jobs = queue.enqueue_many(data, pipeline=pipe)
        now = when or time.time()
        for i, job in enumerate(jobs):
            history.add(pipe, OWNER, job.id, task, now + i / 1000, ttl=3600)
            if status:
                pipe.hset(job.key, "status", status)
        pipe.execute()
    return [job.id for job in jobs]


def rows(page_html):
    return re.findall(r'<tr data-job-id="([^"]+)" data-status="([a-z]+)"', page_html)


def as_owner(client):
    with client.session_transaction() as session:
        session["owner"] = OWNER
    return client


def test_filters_and_pagination_over_thousands_of_jobs(client, connection):
    now = time.time() - 100
    queued = make_jobs(connection, 2000, when=now)
    finished = make_jobs(connection, 990, status="finished", when=now + 10)
    failed = make_jobs(connection, 10, status="failed", when=now + 20)
    as_owner(client)

    first = client.get("/jobs").get_data(as_text=True)
    assert "3000 jobs" in first and "Page 1 of 150" in first
    assert [job_id for job_id, _ in rows(first)] == failed[::-1] + finished[::-1][:10]

    only_failed = client.get("/jobs?status=failed").get_data(as_text=True)
    assert "10 jobs" in only_failed
    assert {s for _, s in rows(only_failed)} == {"failed"}

    finished_page3 = client.get("/jobs?status=finished&page=3").get_data(as_text=True)
    assert "990 jobs" in finished_page3 and "Page 3 of 50" in finished_page3
    assert [job_id for job_id, _ in rows(finished_page3)] == finished[::-1][40:60]
    assert "status=finished" in finished_page3  # the pager keeps the filter

    last = client.get("/jobs?page=150").get_data(as_text=True)
    assert [job_id for job_id, _ in rows(last)] == queued[::-1][-20:]


def test_filter_by_task_reads_the_per_task_index(client, connection):
    mine = make_jobs(connection, 30)
    other = connection.zadd(history.owner_key(OWNER), {"abc:primes": time.time() + 10})
    assert other == 1
    as_owner(client)
    page = client.get("/jobs?task=countdown").get_data(as_text=True)
    assert "30 jobs" in page
    assert set(mine[::-1][:20]) == {job_id for job_id, _ in rows(page)}


def test_unknown_filters_are_404(client):
    assert client.get("/jobs?status=bogus").status_code == 404
    assert client.get("/jobs?task=bogus").status_code == 404
    assert client.get("/jobs?page=-1").status_code == 404


def test_entries_older_than_the_longest_ttl_are_pruned(client, connection, app):
    old = make_jobs(connection, 5, when=time.time() - app.config["FAILURE_TTL"] - 60)
    new = make_jobs(connection, 3)
    as_owner(client)
    page = client.get("/jobs").get_data(as_text=True)
    assert "3 jobs" in page
    assert not any(job_id in page for job_id in old)
    assert connection.zcard(history.owner_key(OWNER)) == len(new)


def test_the_task_filter_offers_the_catalog_and_unlisted_tools_only_once_used(client, connection):
    as_owner(client)
    page = client.get("/jobs").get_data(as_text=True)
    assert '<option value="countdown"' in page
    assert 'value="fault_probe"' not in page and 'value="why_measure"' not in page
    make_jobs(connection, 1, task="why_measure")
    page = client.get("/jobs").get_data(as_text=True)
    assert 'value="why_measure"' in page and 'value="fault_probe"' not in page
