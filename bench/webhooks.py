"""Completion webhooks: the time from a job's end (RQ's ``ended_at``) to its webhook's arrival at a
receiver on 127.0.0.1 (``python -m bench --only webhooks``).

Subject: the Procfile's worker, its ``WebhookJob`` enqueueing a signed delivery job
(jobs/webhook_delivery.py) when a job submitted through ``POST /api/jobs`` ends. Baseline: plain
``rq worker`` sending RQ's own unsigned ``rq.webhook.Webhook`` inline from the work horse, for a
no-op job. One job at a time (submitted once the previous one's webhook has arrived), so the
figure is an idle worker's delay, not a queue's; p50 and p95 over ``JOBS`` jobs. The note splits
the subject's median into its steps: job end -> delivery job enqueued -> delivery job started ->
arrival.
"""

import http.server
import json
import os
import statistics
import threading
import time
from contextlib import contextmanager
from datetime import UTC

import redis
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer
from rq.webhook import Webhook

from bench.harness import (
    IN_PROCESS_APP_CONFIG,
    Row,
    Settings,
    Workers,
    percentile,
    plain_worker_command,
    procfile_worker_command,
    wait_until,
)
from jobs import webhooks
from jobs.webhook_job import DELIVERY_QUEUE
from webapp import create_app

JOBS = 50
#: jobs run first on a worker just started, left out of the percentiles (the first is shown apart)
WARM_UP = 3
NOOP = "bench.workload.noop"
SUBMISSION = {"task": "word_frequency", "params": {"text": "one two two", "top": 3}}
TEST_ONLY_ENV = {
    webhooks.SECRET_ENV: "bench-webhook-secret",
    webhooks.ALLOW_LOOPBACK_ENV: "1",
    webhooks.TESTING_ENV: "1",
}


@contextmanager
def receiver():
    """A receiver on 127.0.0.1: yields (its URL, {job id: time of arrival})."""
    arrivals: dict[str, float] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            at = time.time()
            sent = json.loads(body)
            arrivals[sent.get("id") or sent.get("job_id")] = at  # Jobdeck's body, RQ's payload
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", arrivals
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def test_only_environment():
    """Loopback receivers and a signing key, for this process and the workers it starts."""
    before = {name: os.environ.get(name) for name in TEST_ONLY_ENV}
    os.environ.update(TEST_ONLY_ENV)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _ended(connection, job_id: str) -> float:
    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    return job.ended_at.replace(tzinfo=UTC).timestamp()


def _arrival(arrivals: dict, job_id: str) -> float:
    return wait_until(lambda: arrivals.get(job_id), timeout=60, interval=0.005, message="a webhook")


def jobdeck_delays(settings: Settings, url: str, arrivals: dict, count: int) -> tuple[list, list]:
    """(end -> arrival per job, [end -> enqueued, enqueued -> started, started -> arrival] per job),
    for ``WARM_UP`` + ``count`` jobs, the first on a worker just started."""
    connection = redis.Redis.from_url(settings.redis_url)
    client = create_app({**IN_PROCESS_APP_CONFIG, "REDIS_URL": settings.redis_url}).test_client()
    delivery_queue = Queue(DELIVERY_QUEUE, connection=connection, serializer=JSONSerializer)
    delays, steps, seen = [], [], set()
    with Workers(procfile_worker_command(), settings.redis_url, 1, settings.workdir / "webhooks.log"):
        for _ in range(WARM_UP + count):
            answer = client.post("/api/jobs", json={**SUBMISSION, "webhook": {"url": url}})
            assert answer.status_code == 202, answer.get_json()
            job_id = answer.get_json()["id"]
            arrived = _arrival(arrivals, job_id)
            ended = _ended(connection, job_id)
            new = wait_until(
                lambda known=frozenset(seen): set(delivery_queue.finished_job_registry.get_job_ids()) - known,
                timeout=30,
                message="the delivery job to finish",
            )
            seen |= new
            delivery = Job.fetch(new.pop(), connection=connection, serializer=JSONSerializer)
            assert delivery.args[1] == job_id
            enqueued = delivery.enqueued_at.replace(tzinfo=UTC).timestamp()
            started = delivery.started_at.replace(tzinfo=UTC).timestamp()
            delays.append(arrived - ended)
            steps.append((enqueued - ended, started - enqueued, arrived - started))
    connection.close()
    return delays, steps


def rq_delays(settings: Settings, url: str, arrivals: dict, count: int) -> list:
    connection = redis.Redis.from_url(settings.redis_url)
    queue = Queue("default", connection=connection, serializer=JSONSerializer)
    delays = []
    command = plain_worker_command(settings.redis_url)
    with Workers(command, settings.redis_url, 1, settings.workdir / "webhooks.log"):
        for _ in range(WARM_UP + count):
            job = queue.enqueue(NOOP, webhooks=[Webhook(url, "finished", method="POST")])
            arrived = _arrival(arrivals, job.id)
            delays.append(arrived - _ended(connection, job.id))
    connection.close()
    return delays[WARM_UP:]


def run(settings: Settings) -> list[Row]:
    count = 10 if settings.quick else JOBS
    p50 = Row(f"Webhook delay, job end -> arrival, p50 of {count} jobs: Jobdeck vs RQ inline", "ms")
    p95 = Row(f"Webhook delay, job end -> arrival, p95 of {count} jobs: Jobdeck vs RQ inline", "ms")
    for row in (p50, p95):
        row.higher_is_better = False
    worst, splits, cold = [], [], []
    with test_only_environment(), receiver() as (url, arrivals):
        for _ in range(settings.rounds):
            redis.Redis.from_url(settings.redis_url).flushdb()
            ours, steps = jobdeck_delays(settings, url, arrivals, count)
            cold.append(1000 * ours[0])
            ours, steps = ours[WARM_UP:], steps[WARM_UP:]
            redis.Redis.from_url(settings.redis_url).flushdb()
            theirs = rq_delays(settings, url, arrivals, count)
            p50.subject.append(1000 * statistics.median(ours))
            p50.baseline.append(1000 * statistics.median(theirs))
            p95.subject.append(1000 * percentile(ours, 95))
            p95.baseline.append(1000 * percentile(theirs, 95))
            slowest = max(range(len(ours)), key=ours.__getitem__)
            worst.append((1000 * ours[slowest], [round(1000 * step) for step in steps[slowest]]))
            splits.append([1000 * statistics.median(step) for step in zip(*steps, strict=True)])
    split = [statistics.median(values) for values in zip(*splits, strict=True)]
    p50.note = (
        f"median steps: end -> delivery enqueued {split[0]:.1f} ms, -> started {split[1]:.1f} ms, "
        f"-> arrived {split[2]:.1f} ms (bench/webhooks.py)"
    )
    p95.note = (
        f"slowest of all rounds: {max(worst)[0]:.0f} ms (steps {max(worst)[1]} ms); "
        f"a worker's first job, median: "
        f"{statistics.median(cold):.0f} ms; RQ's is unsigned, inline, never retried"
    )
    return [p50, p95]
