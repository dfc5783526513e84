"""Redis connection, the named queues, and enqueueing a task for a job owner."""

import time
import uuid
from datetime import datetime

import redis
from flask import current_app
from rq import Queue, Retry
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs.registry import TaskSpec
from webapp import history, lost_workers

RUNNER = "jobs.runner.execute"
QUEUE_NAMES = ("high", "default", "low")


def connect(app) -> redis.Redis:
    """A client with bounded waits, so an unreachable Redis fails fast (and becomes a 503)."""
    return redis.Redis.from_url(
        app.config["REDIS_URL"],
        socket_connect_timeout=app.config["REDIS_CONNECT_TIMEOUT"],
        socket_timeout=app.config["REDIS_SOCKET_TIMEOUT"],
        health_check_interval=30,
        retry_on_timeout=False,
    )


def get_redis() -> redis.Redis:
    return current_app.extensions["jobdeck"]["redis"]


def get_queue(name: str) -> Queue:
    queues = current_app.extensions["jobdeck"]["queues"]
    queue = queues.get(name)
    if queue is None:
        queue = queues[name] = Queue(name, connection=get_redis(), serializer=JSONSerializer)
    return queue


def fetch_job(job_id: str) -> Job | None:
    """The RQ job, or None when it never existed, has expired, or is not JSON (e.g. pickled).

    RQ decodes a job's call lazily and keeps undecodable meta as ``{"unserialized": ...}``, so both
    are checked here: a job the site cannot read as JSON is not one of its jobs.
    """
    try:
        job = Job.fetch(job_id, connection=get_redis(), serializer=JSONSerializer)
        job.func_name  # noqa: B018 (decodes the call now, not in the middle of a page)
    except Exception as exc:  # NoSuchJobError, DeserializationError
        if isinstance(exc, redis.exceptions.RedisError):
            raise
        return None
    if "unserialized" in (job.meta or {}):
        return None
    return lost_workers.settle(job)  # a job whose worker was lost shows as such, not as running


def describe(task: str, params: dict) -> str:
    """A short one-line summary of a job's parameters (uploads by their file name)."""

    def shown(value):
        if isinstance(value, dict) and "filename" in value:
            return repr(value["filename"])
        if isinstance(value, list) and value and all(isinstance(v, dict) and "filename" in v for v in value):
            return f"[{len(value)} files]"
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."

    return f"{task}({', '.join(f'{k}={shown(v)}' for k, v in params.items())})"[:200]


def enqueue_task(
    spec: TaskSpec,
    params: dict,
    owner: str,
    job_id: str | None = None,
    *,
    priority: str | None = None,
    at: datetime | None = None,
    extra_meta: dict | None = None,
) -> Job:
    """Put a job for ``spec`` on a queue (or schedule it ``at`` a time) and in its owner's history,
    in one round trip."""
    config = current_app.config
    job_id = job_id or str(uuid.uuid4())
    retry = Retry(max=spec.retry_max, interval=list(spec.retry_intervals) or 0) if spec.retry_max else None
    meta = {
        "task": spec.name,
        "params": params,
        "owner": owner,
        "attempts": spec.retry_max + 1,
        **(extra_meta or {}),
    }
    connection = get_redis()
    queue = get_queue(priority if priority in QUEUE_NAMES else spec.queue)
    options = dict(
        args=(spec.name, params),
        job_id=job_id,
        job_timeout=spec.timeout,
        result_ttl=config["RESULT_TTL"],
        failure_ttl=config["FAILURE_TTL"],
        description=describe(spec.name, params),
        meta=meta,
        retry=retry,
    )
    with connection.pipeline() as pipe:
        if at is not None:
            job = queue.enqueue_at(at, RUNNER, **options, pipeline=pipe)
        else:
            options["timeout"] = options.pop("job_timeout")  # enqueue_call's name for it
            job = queue.enqueue_call(RUNNER, **options, pipeline=pipe)
        history.add(pipe, owner, job_id, spec.name, time.time(), ttl=config["FAILURE_TTL"])
        pipe.execute()
    return job
