"""Reading a job for a page or the API: RQ's job, its log lines, and, for a queued job, its place
in its queue, with a job whose worker was lost settled first (webapp/lost_workers.py)."""

from typing import NamedTuple

import redis
from rq.job import Job, JobStatus, parse_job_id
from rq.serializers import JSONSerializer

from jobs.joblog import log_key, read_log
from jobs.redis_scripts import LOOK, evalsha_in, execute_loading
from webapp import lost_workers
from webapp.redis_connection import get_redis


class JobRead(NamedTuple):
    job: Job | None
    log: list[str]
    #: a queued job's place in its queue when the read found it; None when it did not (the job
    #: is not queued, or the caller asks Redis: job_insights)
    place: lost_workers.QueuePlace | None = None


def fetch_job(job_id: str) -> Job | None:
    """The RQ job, or None when it never existed, has expired, or is not JSON (e.g. pickled).

    RQ decodes a job's call lazily and keeps undecodable meta as ``{"unserialized": ...}``, so both
    are checked here: a job the site cannot read as JSON is not one of its jobs.
    """
    job_id = parse_job_id(job_id)
    try:
        job = Job.fetch(job_id, connection=get_redis(), serializer=JSONSerializer)
        job.func_name  # noqa: B018 (decodes the call now, not in the middle of a page)
    except redis.exceptions.RedisError:
        raise  # Redis down: the usual 503
    except Exception:  # NoSuchJobError, DeserializationError, or a hash that is not an RQ job
        return None
    if "unserialized" in (job.meta or {}):
        return None
    return job


def _log_and_look(connection, job: Job, log: bool) -> tuple[list[bytes], lost_workers.Look | None]:
    """The job's log lines and, for a queued or started job, the look: one round trip."""
    active = job.get_status(refresh=False) in (JobStatus.QUEUED, JobStatus.STARTED)
    if not (log or active):
        return [], None

    def build(pipe):
        if log:
            pipe.lrange(log_key(job.id), 0, -1)
        if active:
            evalsha_in(pipe, LOOK, lost_workers.look_keys(job), lost_workers.look_args(job))

    replies = execute_loading(connection, build, (LOOK,))
    lines = replies[0] if log else []
    return lines, lost_workers.as_look(replies[-1]) if active else None


def read_job(job_id: str, log: bool = True) -> JobRead:
    """The job (as ``fetch_job``), its log lines and, for a queued job, its place in its queue.

    ``Job.fetch`` reads the job's hash; the log lines and the lost-worker look (jobs/lua/look.lua)
    go in one pipeline after it; a finished or failed job's result is read through RQ's own
    ``return_value()`` or ``latest_result()`` when a page shows it.
    """
    job = fetch_job(job_id)
    if job is None:
        return JobRead(None, [])
    connection = job.connection
    raw_lines, seen = _log_and_look(connection, job, log)
    lines = [line.decode("utf-8", "replace") for line in raw_lines]
    before = (job.get_status(refresh=False), job.enqueued_at)
    # a job whose worker was lost shows as such, not as running
    job, place = lost_workers.settle_and_locate(job, seen)
    if log and (job.get_status(refresh=False), job.enqueued_at) != before:
        lines = read_log(connection, job.id)  # settling it failed or requeued it, and logged why
    return JobRead(job, lines, place)
