"""Submitting work: a task's job put on its queue (or scheduled) and in its owner's history."""

import time
import uuid
from datetime import datetime

from flask import current_app
from rq import Retry
from rq.job import Job

from jobs.queue_names import IN_PROCESS_QUEUE, QUEUE_NAMES
from jobs.registry import TaskSpec
from webapp import durable_submit, history, search_index
from webapp.redis_connection import get_queue, get_redis

RUNNER = "jobs.runner.execute"


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
    webhooks: list | None = None,
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
    if spec.in_process:  # one queue, one kind of worker: a priority does not apply
        queue = get_queue(IN_PROCESS_QUEUE)
    else:
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
        webhooks=webhooks,
    )
    with connection.pipeline() as pipe:
        if at is not None:
            job = queue.enqueue_at(at, RUNNER, **options, pipeline=pipe)
        else:
            options["timeout"] = options.pop("job_timeout")  # enqueue_call's name for it
            job = queue.enqueue_call(RUNNER, **options, pipeline=pipe)
        search_keys = search_index.keys_for(spec.name, params)
        history.index_submission(
            pipe, job_id, spec.name, time.time(), config["FAILURE_TTL"], owner=owner, search_keys=search_keys
        )
        pipe.execute()
    if config.get("DURABLE_SUBMIT"):
        durable_submit.wait_durable(connection)
    return job
