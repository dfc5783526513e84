"""GET /metrics: Prometheus' text format, written by prometheus_client from what Redis holds now.

For an operator (basic auth, as /admin/) or ``Authorization: Bearer $JOBDECK_METRICS_TOKEN``.
Where rq-exporter names a metric (``rq_jobs``, ``rq_workers``, ``rq_workers_success_total``,
``rq_workers_failed_total``, ``rq_workers_working_time_total``) the same name and labels are used,
so its Grafana dashboards work; the rest come from the rollups' all-time totals (jobs/rollups.py).
The cost of a scrape depends on the number of queues, workers and tasks, not of jobs.
"""

import hmac
import math

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from jobs import rollups
from jobs.queue_names import QUEUE_NAMES
from jobs.registry import TASKS
from webapp.admin.blueprint import challenge
from webapp.admin.snapshot import queue_counts, workers
from webapp.identity import admin_configured, operator_role
from webapp.redis_connection import get_redis

bp = Blueprint("metrics", __name__)


def _token_ok() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    auth = request.authorization
    if not token or auth is None or auth.type != "bearer" or not auth.token:
        return False
    return hmac.compare_digest(auth.token.encode(), token.encode())


def _histogram(name: str, doc: str, totals: dict, which: str) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, doc, labels=["task"])
    for task, bucket in totals.items():
        counts = bucket.run if which == "run" else bucket.wait
        cumulative, buckets = 0, []
        for bound, n in zip(rollups.BOUNDS, counts, strict=True):
            cumulative += n
            buckets.append(("+Inf" if math.isinf(bound) else repr(float(bound)), cumulative))
        family.add_metric([task], buckets, bucket.run_sum if which == "run" else bucket.wait_sum)
    return family


class Snapshot:
    """A collector for one scrape (prometheus_client's generate_latest reads ``collect``)."""

    def __init__(self, connection):
        self.connection = connection

    def collect(self):
        connection = self.connection
        jobs = GaugeMetricFamily("rq_jobs", "RQ jobs by queue and status", labels=["queue", "status"])
        for queue, counts in queue_counts(connection, QUEUE_NAMES).items():
            for status, n in counts.items():
                jobs.add_metric([queue, status], n)
        yield jobs

        rows = workers(connection)
        by_name = GaugeMetricFamily("rq_workers", "RQ workers", labels=["name", "state", "queues"])
        success = CounterMetricFamily(
            "rq_workers_success", "RQ workers success count", labels=["name", "queues"]
        )
        failed = CounterMetricFamily("rq_workers_failed", "RQ workers fail count", labels=["name", "queues"])
        working = CounterMetricFamily(
            "rq_workers_working_time", "RQ workers spent seconds", labels=["name", "queues"]
        )
        by_state = GaugeMetricFamily("jobdeck_workers", "Workers by state", labels=["state"])
        states: dict[str, int] = {"idle": 0, "busy": 0, "suspended": 0}
        for row in rows:
            queues = ",".join(row.queues)
            by_name.add_metric([row.name, row.state, queues], 1)
            success.add_metric([row.name, queues], row.successful)
            failed.add_metric([row.name, queues], row.failed)
            working.add_metric([row.name, queues], row.working_seconds)
            states[row.state] = states.get(row.state, 0) + 1
        for state, n in states.items():
            by_state.add_metric([state], n)
        yield from (by_name, success, failed, working, by_state)

        dims = rollups.known_dims(connection)
        task_dims = {d[2:]: d for d in dims if d.startswith("t:")}
        queue_dims = {d[2:]: d for d in dims if d.startswith("q:")}
        for task in TASKS:  # every declared task has its samples, at 0 before its first job ends
            task_dims.setdefault(task, rollups.task_dim(task))
        found = rollups.totals(connection, [*task_dims.values(), *queue_dims.values()])
        by_task = {task: found[dim] for task, dim in sorted(task_dims.items())}
        ended = CounterMetricFamily(
            "jobdeck_jobs", "Jobs ended, by task and outcome", labels=["task", "outcome"]
        )
        for task, bucket in by_task.items():
            for outcome in rollups.OUTCOMES:
                ended.add_metric([task, outcome], bucket.count(outcome))
        yield ended
        per_queue = CounterMetricFamily(
            "jobdeck_queue_jobs", "Jobs ended, by queue and outcome", labels=["queue", "outcome"]
        )
        for queue, dim in queue_dims.items():
            for outcome in rollups.OUTCOMES:
                per_queue.add_metric([queue, outcome], found[dim].count(outcome))
        yield per_queue
        yield _histogram("jobdeck_job_run_seconds", "Run time of ended jobs, by task", by_task, "run")
        yield _histogram(
            "jobdeck_job_wait_seconds", "Wait from enqueue to start of ended jobs, by task", by_task, "wait"
        )


@bp.get("/metrics")
def metrics():
    if not _token_ok() and operator_role() is None:
        if not (admin_configured() or current_app.config.get("METRICS_TOKEN")):
            abort(404)  # no way to sign in: as if it were not there
        return challenge()
    body = generate_latest(Snapshot(get_redis()))
    return Response(body, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
