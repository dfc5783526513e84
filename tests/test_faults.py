"""Faults, with real processes broken on purpose: workers killed (SIGKILL) or stopped (SIGTERM),
Redis unreachable, hung or restarted, the web process restarted mid-job.

The promise under test: no job is ever lost silently. Each job ends visibly (finished, or failed
with a reason a person can read) or is still honestly in progress.
"""

import os
import re
import signal
import time

import pytest
import redis
import requests
from rq import Queue, Worker
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import started_cleanup
from scripts.processes import RedisServer, WebProcess, WorkerProcess, wait_until
from tests.helpers import FAST, api, page
from tests.helpers import submit_as_browser as submit
from tests.tasks import fault_probe
from webapp import create_app, lost_workers
from webapp.job_reads import read_job
from webapp.job_view import LOST, LOST_BEFORE_START, readable_error
from webapp.lost_workers import QueuePlace


def status_in_redis(connection, job_id: str) -> str:
    """The status as stored, read without the site (whose reads may settle a lost job)."""
    return Job.fetch(job_id, connection=connection, serializer=JSONSerializer).get_status().value


def assert_lost_page(client, job_id: str) -> None:
    body = api(client, job_id)
    assert body["status"] == "failed" and body["error"] == LOST
    html = page(client, job_id)
    assert LOST in html
    assert 'http-equiv="refresh"' not in html
    assert "Traceback" not in html and "AbandonedJobError" not in html and "Work-horse" not in html


# Workers killed --------------------------------------------------------------------------------


def test_killed_work_horse_fails_the_job_as_lost_or_retries_it(client, connection, redis_url, tmp_path):
    """The job's own process killed (what the out-of-memory killer does): the worker notices at once."""
    worker = WorkerProcess(redis_url, extra_args=FAST, log=tmp_path / "worker.log").start()
    try:
        plain = submit(client, "countdown", {"seconds": 600})
        wait_until(lambda: worker.horse_pid() and api(client, plain)["status"] == "started", timeout=20)
        os.kill(worker.horse_pid(), signal.SIGKILL)
        wait_until(lambda: api(client, plain)["status"] == "failed", timeout=20, message="the job to fail")
        assert_lost_page(client, plain)

        retried = submit(client, "fault_probe", {"seconds": 4})
        wait_until(lambda: fault_probe.runs(connection, retried), timeout=20, message="the probe's first run")
        os.kill(worker.horse_pid(), signal.SIGKILL)
        wait_until(lambda: api(client, retried)["status"] == "finished", timeout=30, message="the retry")
        assert "Attempt 2 of 2." in page(client, retried)
        assert fault_probe.runs(connection, retried) == {"attempt:1": 1, "attempt:2": 1}
    finally:
        worker.stop()


def test_sigterm_is_a_warm_shutdown_the_current_job_finishes_then_the_worker_exits(
    client, connection, redis_url, tmp_path
):
    worker = WorkerProcess(redis_url, log=tmp_path / "worker.log").start()
    current = submit(client, "countdown", {"seconds": 3})
    wait_until(lambda: api(client, current)["progress"]["done"] is not None, timeout=20)
    waiting = submit(client, "countdown", {"seconds": 1})
    code = worker.stop(signal.SIGTERM, timeout=30)
    assert code == 0
    finished = api(client, current)
    assert finished["status"] == "finished" and finished["result"]["summary"] == "Waited 3 seconds."
    assert api(client, waiting)["status"] == "queued"  # not taken by a worker on its way out
    assert Worker.all(connection=connection) == []  # it said goodbye


def test_job_taken_off_its_queue_by_a_lost_worker_is_queued_again(
    client, connection, redis_url, tmp_path, monkeypatch
):
    """A worker listening on several queues pops a job with BLPOP; dying before it starts the job
    would leave it "queued" in no queue. Here the pop is done by hand: the worker that died."""
    monkeypatch.setattr(lost_workers, "ORPHAN_GRACE", 1)
    job_id = submit(client, "fault_probe", {"seconds": 0})
    assert connection.lrem("rq:queue:default", 0, job_id) == 1
    assert api(client, job_id)["status"] == "queued"  # first sighting: maybe a worker is starting it
    wait_until(
        lambda: api(client, job_id) and connection.lpos("rq:queue:default", job_id) is not None,
        timeout=10,
        interval=0.3,
        message="the job back on its queue",
    )
    worker = WorkerProcess(redis_url, extra_args=FAST, log=tmp_path / "worker.log").start()
    try:
        wait_until(lambda: api(client, job_id)["status"] == "finished", timeout=20)
    finally:
        worker.stop()
    assert fault_probe.runs(connection, job_id) == {"attempt:1": 1}
    assert any("was lost before starting it" in line for line in api(client, job_id)["log"])


def test_a_lost_workers_popped_job_is_queued_again_by_the_workers_with_no_page_read(
    client, connection, redis_url, tmp_path
):
    """A real worker process dies (SIGKILL) between taking a job off its queue and registering it.
    Nobody reads any page: the workers' own orphan sweep puts the job back on its queue, and it
    runs once."""
    environ = {**os.environ, "JOBDECK_ORPHAN_GRACE": "2"}
    job_id = submit(client, "fault_probe", {"seconds": 0})
    dying = WorkerProcess(
        redis_url,
        extra_args=[*FAST, "-w", "tests.worker_dies_after_pop.DiesAfterPop"],
        log=tmp_path / "dying.log",
        environ=environ,
    ).start()
    wait_until(lambda: dying.process.poll() is not None, timeout=20, message="the worker to die")
    assert status_in_redis(connection, job_id) == "queued"
    assert connection.lpos("rq:queue:default", job_id) is None  # taken, and on no queue
    worker = WorkerProcess(redis_url, extra_args=FAST, log=tmp_path / "worker.log", environ=environ).start()
    try:
        wait_until(lambda: status_in_redis(connection, job_id) == "finished", timeout=30)
    finally:
        worker.stop()
    assert fault_probe.runs(connection, job_id) == {"attempt:1": 1}
    log = [line.decode() for line in connection.lrange(f"jobdeck:log:{job_id}", 0, -1)]
    assert sum("was lost before starting it" in line for line in log) == 1
    assert api(client, job_id)["status"] == "finished"


def test_one_look_finds_an_expired_entry_an_orphan_and_the_queue_position(client, connection):
    """``lost_workers.look``: the checks a queued job's page needs, in one script call, with the
    same answers as the separate reads (ZCOUNT, the orphan test, Job.get_position)."""
    ids = [submit(client, "countdown", {"seconds": 5}) for _ in range(3)]
    jobs = {job_id: Job.fetch(job_id, connection=connection, serializer=JSONSerializer) for job_id in ids}
    for position, job_id in enumerate(ids):
        assert jobs[job_id].get_position() == position
        assert lost_workers.look(connection, jobs[job_id]) == lost_workers.Look(False, False, position)

    first = jobs[ids[0]]
    assert connection.lrem("rq:queue:default", 0, first.id) == 1  # popped by a worker that died
    assert lost_workers.look(connection, first) == lost_workers.Look(False, True, None)
    assert lost_workers.look(connection, jobs[ids[2]]).position == 1
    connection.rpush("rq:queue:default:intermediate", first.id)  # a single-queue worker's in-flight list
    assert lost_workers.look(connection, first) == lost_workers.Look(False, False, None)
    connection.delete("rq:queue:default:intermediate")

    connection.zadd(f"rq:executions:{first.id}", {"e1": time.time() + 60})  # its start registered
    connection.zadd("rq:wip:default", {f"{first.id}:e1": time.time() + 60})
    assert lost_workers.look(connection, first) == lost_workers.Look(False, False, None)
    connection.zadd("rq:wip:default", {"other:e2": time.time() - 1})  # another job's lost worker
    assert lost_workers.look(connection, jobs[ids[1]]) == lost_workers.Look(True, False, 0)

    connection.hset(first.key, "status", "started")  # not queued: no orphan, position not looked up
    assert lost_workers.look(connection, first) == lost_workers.Look(True, False, None, queued=False)
    # the page and the API still show the position they found in the same call
    connection.zrem("rq:wip:default", "other:e2")
    assert "next in line" in page(client, ids[1])
    assert "1 job ahead" in page(client, ids[2])


def test_a_job_on_a_queue_the_site_does_not_know_is_still_settled_and_placed(client, connection):
    """read_job's one script call looks at the site's own queues; a job on another (an operator's
    own, with the same JSON jobs) is looked at with one more call, and shows the same."""
    queue = Queue("elsewhere", connection=connection, serializer=JSONSerializer)
    meta = {"task": "countdown", "owner": "me"}
    ids = [queue.enqueue("jobs.runner.execute", "countdown", {"seconds": 1}, meta=meta).id for _ in range(2)]
    with client.session_transaction() as session:  # jobs are their owner's to read
        session["owner"] = "me"
    assert api(client, ids[1])["status"] == "queued"
    assert "1 job ahead" in page(client, ids[1])
    with client.application.test_request_context():
        assert [read_job(job_id).place for job_id in ids] == [QueuePlace(0), QueuePlace(1)]
        assert connection.lrem(queue.key, 0, ids[0]) == 1
        assert read_job(ids[0]).place == QueuePlace(
            None
        )  # orphaned: seen once, requeued only once seen again
    assert connection.keys(f"jobdeck:orphan:{ids[0]}:*")  # the first sighting, as on the site's queues


def test_a_dead_workers_registry_lock_is_taken_over_once_stale(connection, monkeypatch):
    """A worker killed while cleaning registries leaves RQ's 15-minute lock; the site takes it over
    once it has seen it held for STALE_AFTER seconds, and never takes a lock it holds itself."""
    monkeypatch.setattr(started_cleanup, "STALE_AFTER", 1)
    queue = Queue("default", connection=connection)
    assert queue.acquire_maintenance_lock()  # a worker, cleaning right now (then lost)
    assert not lost_workers.acquire_cleaning_lock(connection, "default")
    wait_until(
        lambda: lost_workers.acquire_cleaning_lock(connection, "default"),
        timeout=10,
        message="the stale lock to be taken over",
    )
    assert connection.ttl(queue.registry_cleaning_key) <= lost_workers.CLEAN_LOCK_SECONDS
    assert not lost_workers.acquire_cleaning_lock(connection, "default")  # the site's own, held
    queue.release_maintenance_lock()
    assert lost_workers.acquire_cleaning_lock(connection, "default")


# Redis unreachable, hung, restarted ------------------------------------------------------------


def site_paths(job_id: str) -> dict[str, str]:
    """Each kind of page and endpoint -> the content type it answers with."""
    html, json = "text/html", "application/json"
    return {
        "/": html,
        "/tasks/countdown": html,
        "/jobs": html,
        f"/jobs/{job_id}": html,
        "/why": html,
        "/healthz": json,
        f"/api/jobs/{job_id}": json,
    }


def assert_friendly_503(response, content_type: str) -> None:
    assert response.status_code == 503, response.url
    assert response.headers["Content-Type"].startswith(content_type)
    assert response.headers["Retry-After"] == "5"
    if content_type == "application/json":
        assert "not reachable" in response.json()["error"]
    else:
        assert "not reachable right now" in response.text and "Traceback" not in response.text


def answers_while(session, web, paths, bound: float) -> float:
    """Every path (and a submission) answers a friendly 503 within ``bound`` s; the longest wait."""
    waits = []
    for path, content_type in [*paths.items(), ("POST /api/jobs", "application/json")]:
        asked = time.monotonic()
        if path.startswith("POST "):
            response = session.post(web.url + path[5:], json={"task": "countdown", "params": {"seconds": 1}})
        else:
            response = session.get(web.url + path, timeout=30)
        waits.append(time.monotonic() - asked)
        assert waits[-1] < bound, path
        assert_friendly_503(response, content_type)
    return max(waits)


def recovers(session, web, paths) -> dict[str, float]:
    """Seconds from now until each path answers 200 again."""
    back, started = {}, time.monotonic()
    for path in paths:
        wait_until(
            lambda path=path: session.get(web.url + path, timeout=30).status_code == 200,
            timeout=30,
            interval=0.05,
            message=f"{path} to answer 200",
        )
        back[path] = time.monotonic() - started
    return back


@pytest.mark.slow
def test_redis_unreachable_every_page_answers_a_friendly_503_then_recovers_by_itself(tmp_path):
    """Against the Procfile's gunicorn with its default settings and a Redis of its own, hung
    (SIGSTOP) and then down (stopped): every answer within 2 s."""
    server = RedisServer(tmp_path / "redis", appendonly=True).start()
    web = WebProcess(server.url, tmp_path / "web.log", workers=2).start()
    session = requests.Session()
    try:
        job_id = session.post(
            web.url + "/api/jobs", json={"task": "countdown", "params": {"seconds": 1}}
        ).json()["id"]
        paths = site_paths(job_id)
        for path in paths:
            assert session.get(web.url + path).status_code == 200, path

        server.process.send_signal(signal.SIGSTOP)  # hung: connections open, nothing answers
        try:
            hung_wait = answers_while(session, web, paths, bound=2)
        finally:
            server.process.send_signal(signal.SIGCONT)
        hung_back = recovers(session, web, paths)

        server.stop()  # down: connections refused
        down_wait = answers_while(session, web, paths, bound=2)
        server.start()  # same port, same append-only file
        down_back = recovers(session, web, paths)
        assert max(hung_back.values()) < 5 and max(down_back.values()) < 5
        print(
            f"\n503 within {hung_wait:.2f} s while hung (default timeouts), {down_wait:.2f} s while down; "
            f"every page back {max(hung_back.values()):.2f} s after the hang ended, "
            f"{max(down_back.values()):.2f} s after Redis was up again"
        )
    finally:
        web.stop()
        server.stop()


@pytest.mark.parametrize("appendonly", [True, False], ids=["append-only", "no-persistence"])
def test_queued_jobs_and_a_redis_crash(tmp_path, appendonly):
    """Redis killed (SIGKILL) and started again on the same port and files. With append-only
    persistence (what scripts/run starts) queued jobs survive and then run; without it, they are
    gone and their pages say so (README: "Without persistence")."""
    server = RedisServer(tmp_path / "redis", appendonly=appendonly).start()
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "REDIS_URL": server.url, "RATE_LIMIT": "off"})
    client = app.test_client()
    try:
        jobs = [submit(client, "countdown", {"seconds": 1}) for _ in range(3)]
        if appendonly:
            # With appendfsync everysec Redis may hold acknowledged writes in its own buffer for up
            # to 2 s while a slow fsync runs (a busy disk); a crash in that window loses them, as
            # docs/scaling.md says (JOBDECK_DURABLE_SUBMIT closes it). This test is about a crash
            # after the writes reached the file, so it waits until Redis has handed them over.
            connection = redis.Redis.from_url(server.url)
            wait_until(
                lambda: connection.info("persistence")["aof_buffer_length"] == 0,
                timeout=10,
                message="Redis to write its append-only buffer",
            )
            connection.close()
        server.process.kill()
        server.process.wait()
        server.start()
        if not appendonly:
            for job_id in jobs:
                response = client.get(f"/jobs/{job_id}")
                assert response.status_code == 404
                assert "does not exist" in response.get_data(as_text=True)
            assert "No jobs yet" in client.get("/jobs").get_data(as_text=True)
            return
        assert [api(client, job_id)["status"] for job_id in jobs] == ["queued"] * 3
        listed = client.get("/jobs").get_data(as_text=True)
        assert all(job_id in listed for job_id in jobs)
        worker = WorkerProcess(server.url, extra_args=FAST, log=tmp_path / "worker.log").start()
        try:
            wait_until(
                lambda: all(api(client, job_id)["status"] == "finished" for job_id in jobs), timeout=30
            )
        finally:
            worker.stop()
    finally:
        server.stop()


# The web process restarted ---------------------------------------------------------------------


PROGRESS = re.compile(r'id="job-progress" max="100" value="[1-9]')


@pytest.mark.slow
def test_web_restart_mid_job_leaves_the_job_and_its_page_unaffected(redis_url, worker, tmp_path):
    web = WebProcess(redis_url, tmp_path / "web.log").start()
    browser = requests.Session()  # its cookie makes it the job's owner, before and after
    try:
        form = browser.get(web.url + "/tasks/countdown").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        submitted = browser.post(
            web.url + "/tasks/countdown",
            data={"seconds": "12", "csrf_token": token},
            allow_redirects=False,
        )
        assert submitted.status_code == 303, submitted.text
        job_url = web.url + submitted.headers["Location"]
        wait_until(lambda: PROGRESS.search(browser.get(job_url).text), timeout=20, message="progress")
        web.stop()  # SIGTERM, what a deploy sends
        web.start()
        html = browser.get(job_url).text
        assert re.search(r'id="job-status"[^>]*>started<', html) and PROGRESS.search(html)
        assert "/stop" in html  # still the owner's page, with the owner's actions

        def finished():
            html = browser.get(job_url).text
            return "Waited 12 seconds." in html and html

        html = wait_until(finished, timeout=30, interval=0.5, message="the result")
        assert 'http-equiv="refresh"' not in html
    finally:
        web.stop()


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("Moved to FailedJobRegistry, due to AbandonedJobError, at 2030-01-01 10:00:00+00:00", LOST),
        ("Work-horse terminated unexpectedly; waitpid returned 9 (signal 9); ", LOST),
        ("Job was stuck in intermediate queue.", LOST_BEFORE_START),
    ],
)
def test_rq_words_for_a_lost_worker_become_one_plain_sentence(stored, shown):
    assert readable_error(stored) == shown
