"""What a person wants to know about a job beyond its status: queue position, start time,
attempts, ETA. Each answer is computed from Redis when the page is drawn."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from rq.job import Job
from rq.registry import ScheduledJobRegistry

from jobs import durations, statuses
from jobs.attempts import attempt_of, no_retry_follows
from webapp.lost_workers import QueuePlace


@dataclass
class Insights:
    position: int | None = None  # jobs ahead in the queue
    starts_at: datetime | None = None  # scheduled start (or next retry)
    attempt: int | None = None
    attempts: int | None = None
    no_retry: bool = False  # the error cannot pass (refused input): no retry follows
    eta_seconds: float | None = None
    eta_is_estimate: bool = False  # from recent runs, not from this job's progress


def scheduled_time(job: Job) -> datetime | None:
    registry = ScheduledJobRegistry(job.origin, connection=job.connection, serializer=job.serializer)
    score = job.connection.zscore(registry.key, job.id)
    return datetime.fromtimestamp(score, UTC) if score is not None else None


def eta(job: Job, status: str, progress: dict) -> tuple[float | None, bool]:
    if status != statuses.STARTED or not job.started_at:
        return None, False
    started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=UTC)
    running_for = time.time() - started.timestamp()
    done, total = progress.get("done"), progress.get("total")
    if done and total and done < total:
        measured_at = progress.get("updated_at", time.time()) - started.timestamp()
        rate = done / max(measured_at, 1e-3)
        return max(
            0.0, (total - done) / rate - (time.time() - progress.get("updated_at", time.time()))
        ), False
    typical = durations.median(job.connection, job.meta.get("task", ""))
    if typical is None:
        return None, False
    return max(0.0, typical - running_for), True


def insights(job: Job, status: str, place: QueuePlace | None = None) -> Insights:
    """``place``: the queued job's place in its queue when the caller already knows it
    (``job_reads.read_job``); otherwise it is read here (one LPOS)."""
    meta = job.meta or {}
    found = Insights()
    if status == statuses.QUEUED:
        found.position = job.get_position() if place is None else place.ahead
    if status == statuses.SCHEDULED:
        found.starts_at = scheduled_time(job)
    attempt, attempts = attempt_of(job)
    if attempts > 1:
        found.attempt, found.attempts = attempt, attempts
        found.no_retry = no_retry_follows(job)
    found.eta_seconds, found.eta_is_estimate = eta(job, status, meta.get("progress") or {})
    return found
