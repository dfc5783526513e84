"""Submitting a batch: one job per item, put on the queue by RQ's ``Group.enqueue_many``.

Each chunk of ``jobs.batches.CHUNK`` jobs is one pipeline: the jobs (``Queue.enqueue_many`` inside
``Group.enqueue_many``), their entries in the owner's history, the group's set and, with the first
chunk, the batch's own facts. ``Group.enqueue_many`` executes the pipeline it is given, so a chunk
costs one round trip to Redis whatever its size (bench/batch_submit.py measures it).
"""

import time
import uuid
from typing import NamedTuple

from flask import current_app
from rq import Callback, Queue, Retry
from rq.group import Group
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import batches
from jobs.queue_names import QUEUE_NAMES
from jobs.registry import TaskSpec
from jobs.webhook_job import STOPPED_CALLBACK
from webapp import durable_submit, history
from webapp.redis_connection import get_queue, get_redis
from webapp.submission import RUNNER, describe


class Entry(NamedTuple):
    job_id: str
    params: dict
    index: int  # the job's place in the batch (its row on the batch page)
    extra_meta: dict


def enqueue_batch(
    spec: TaskSpec,
    items: list[dict],
    owner: str,
    *,
    job_ids: list[str] | None = None,
    priority: str | None = None,
    webhook: dict | None = None,
) -> tuple[str, list[str]]:
    """Enqueue one job of ``spec`` per item (validated parameters); returns the batch id and the
    job ids, in the items' order. ``job_ids`` are the ids already used for the items' uploads."""
    connection = get_redis()
    batch_id = uuid.uuid4().hex
    job_ids = job_ids or [str(uuid.uuid4()) for _ in items]
    entries = [
        Entry(job_id, params, i, {}) for i, (job_id, params) in enumerate(zip(job_ids, items, strict=True))
    ]
    queue = get_queue(priority if priority in QUEUE_NAMES else spec.queue)
    for start in range(0, len(entries), batches.CHUNK):
        pipe = connection.pipeline()
        if start == 0:
            ttl = current_app.config["FAILURE_TTL"]
            batches.write(pipe, batch_id, owner, spec.name, len(items), time.time(), webhook, ttl)
        _enqueue(pipe, batch_id, queue, spec, owner, entries[start : start + batches.CHUNK])
    if current_app.config.get("DURABLE_SUBMIT"):  # as for one job: answered once on Redis's disk
        durable_submit.wait_durable(connection)
    return batch_id, job_ids


def add_to_batch(spec: TaskSpec, batch, old_jobs: list, new_ids: list[str]) -> None:
    """New jobs in place of ``old_jobs`` (JobViews, e.g. the failed ones), in their rows."""
    connection = get_redis()
    entries = [
        Entry(new_id, old.params, old.meta.get("batch_index", 0), {"retry_of": old.id})
        for old, new_id in zip(old_jobs, new_ids, strict=True)
    ]
    queue = get_queue(spec.queue)
    pipe = connection.pipeline()
    batches.reopen(pipe, batch.id, [old.id for old in old_jobs])
    _enqueue(pipe, batch.id, queue, spec, batch.owner, entries)
    replacements = {old.id: new_id for old, new_id in zip(old_jobs, new_ids, strict=True)}
    for job in Job.fetch_many(list(replacements), connection, serializer=JSONSerializer):
        if job is not None:  # the job pages link to each other, as for a single retry
            job.meta["retried_as"] = replacements[job.id]
            job.save_meta()


def _enqueue(pipe, batch_id: str, queue: Queue, spec: TaskSpec, owner: str, entries: list[Entry]) -> None:
    config = current_app.config
    retry = Retry(max=spec.retry_max, interval=list(spec.retry_intervals) or 0) if spec.retry_max else None
    now = time.time()
    datas = []
    for entry in entries:
        meta = {"task": spec.name, "params": entry.params, "owner": owner, "attempts": spec.retry_max + 1}
        meta.update(batch=batch_id, batch_index=entry.index, **entry.extra_meta)
        datas.append(
            Queue.prepare_data(
                RUNNER,
                args=(spec.name, entry.params),
                timeout=spec.timeout,
                result_ttl=config["RESULT_TTL"],
                failure_ttl=config["FAILURE_TTL"],
                description=describe(spec.name, entry.params),
                job_id=entry.job_id,
                meta=meta,
                retry=retry,
                on_stopped=Callback(STOPPED_CALLBACK),
            )
        )
        history.add(pipe, owner, entry.job_id, spec.name, now, ttl=config["FAILURE_TTL"])
    Group(connection=queue.connection, name=batch_id).enqueue_many(queue, datas, pipeline=pipe)
