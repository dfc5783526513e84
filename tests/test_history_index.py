"""The history's status indexes (jobs/history_index.py): the worker moves an ended job in the same
step as its outcome, expired data and jobs that ended unseen are settled before a filtered read,
every write trims, and a count the site does not know is not shown."""

import re
import time

from jobs import history_index
from jobs.registry import get_task
from scripts.processes import wait_until
from tests.helpers import job_id_from
from tests.test_history import OWNER, as_owner, make_jobs, rows
from webapp import history
from webapp.submission import enqueue_task


def test_the_worker_moves_ended_jobs_to_their_status_index_and_the_filters_count_them(
    app, client, connection, run_jobs
):
    ok = job_id_from(client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}}))
    with app.test_request_context():
        bad = enqueue_task(get_task("fault_probe"), {"seconds": 99}, _owner(client)).id  # fails validation
    run_jobs()
    owner = _owner(client)
    assert connection.zcard(history_index.active_key(owner)) == 0
    assert connection.zscore(history_index.status_key(owner, "finished"), f"{ok}:countdown") is not None
    assert connection.zscore(history_index.status_key(owner, "failed", "fault_probe"), f"{bad}:fault_probe")
    # the log lives as long as its job, not the longest TTL
    assert 0 < connection.ttl(f"jobdeck:log:{ok}") <= app.config["RESULT_TTL"]

    finished = client.get("/jobs?status=finished").get_data(as_text=True)
    assert "1 job," in finished and rows(finished) == [(ok, "finished")]
    failed = client.get("/jobs?status=failed&task=fault_probe").get_data(as_text=True)
    assert "1 job," in failed and rows(failed) == [(bad, "failed")]
    assert "No jobs match" in client.get("/jobs?status=started").get_data(as_text=True)


def test_expired_data_and_jobs_ended_unseen_are_counted_where_they_belong(client, connection):
    finished = make_jobs(connection, 3, status="finished")  # ended where no hook saw them
    gone = make_jobs(connection, 2)
    connection.delete(*[f"rq:job:{job_id}" for job_id in gone])
    as_owner(client)
    page = client.get("/jobs?status=finished").get_data(as_text=True)
    assert "3 jobs" in page and {s for _, s in rows(page)} == {"finished"}
    assert "2 jobs" in client.get("/jobs?status=expired").get_data(as_text=True)

    # a finished job's data expires: it leaves "finished" for "expired" at the next filtered read
    connection.pexpire(f"rq:job:{finished[0]}", 50)
    pipe = connection.pipeline()
    history_index.move(pipe, OWNER, finished[0], "countdown", "finished", ttl=3600)
    pipe.execute()
    wait_until(lambda: not connection.exists(f"rq:job:{finished[0]}"), timeout=5)
    assert "2 jobs" in client.get("/jobs?status=finished").get_data(as_text=True)
    expired = client.get("/jobs?status=expired").get_data(as_text=True)
    assert "3 jobs" in expired and finished[0] in expired


def test_every_submission_trims_the_indexes_it_writes(connection):
    now = time.time()
    with connection.pipeline() as pipe:
        for i in range(5):
            history.add(pipe, OWNER, f"old{i}", "countdown", now - 7200 - i, ttl=3600)
        pipe.execute()
    with connection.pipeline() as pipe:
        history.add(pipe, OWNER, "new", "countdown", now, ttl=3600)
        pipe.execute()
    for key in (history.owner_key(OWNER), history_index.active_key(OWNER, "countdown")):
        assert connection.zrange(key, 0, -1) == [b"new:countdown"]


def test_a_count_the_site_does_not_know_is_not_shown(client, connection, monkeypatch):
    monkeypatch.setattr(history, "ACTIVE_SCAN_LIMIT", 25)
    make_jobs(connection, 30)  # 30 queued: more than the site looks at
    as_owner(client)
    page = client.get("/jobs?status=queued").get_data(as_text=True)
    assert not re.search(r"\d+ jobs?,", page) and "Page 1 of" not in page
    assert len(rows(page)) == 20 and 'rel="next"' in page
    second = client.get("/jobs?status=queued&page=2").get_data(as_text=True)
    assert len(rows(second)) == 5 and 'rel="next"' not in second


def _owner(client) -> str:
    with client.session_transaction() as session:
        return session.get("owner") or session.setdefault("owner", "owner-x")


def test_canceling_moves_the_job_to_canceled_at_once(client, connection):
    job_id = job_id_from(client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 3}}))
    assert client.post(f"/jobs/{job_id}/cancel").status_code == 303
    owner = _owner(client)
    assert connection.zscore(history_index.status_key(owner, "canceled"), f"{job_id}:countdown")
    assert connection.zcard(history_index.active_key(owner)) == 0
    assert rows(client.get("/jobs?status=canceled").get_data(as_text=True)) == [(job_id, "canceled")]
