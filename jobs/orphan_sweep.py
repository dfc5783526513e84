"""Jobs taken off their queue by a worker that was lost before registering them: queued again.

An RQ 2.12 worker on several queues takes a job with BLPOP, which keeps no in-flight copy, and only
then registers the job's execution (the started registry). A worker killed in between, or a Redis
killed while its answer to the pop was on the way, leaves the job "queued" on no queue: nothing
would ever run or fail it. So:

* The workers' queue class (``jobs.queue_pause.PausableQueue``) pops in one script that also
  notes the job in ``POPPED_KEY`` (job id -> when, on Redis's clock) when an open queue has a job;
  when every open queue is empty the worker waits in BLPOP as RQ does and notes the job it gets
  right after (``note_pop``). Registering the attempt (``jobs/lua/begin_attempt.lua``) removes the
  note, as does putting a job that the wait took back on its paused queue, so the index holds only
  the jobs between the two steps (one per busy worker at most) and the orphans: no scan of keys is
  needed.
* ``sweep``, from the workers' once-a-second sweep thread, reads the notes older than
  ``ORPHAN_GRACE`` (a bounded batch) and, under a lock (one worker at a time), puts each job that
  is still an orphan back on its queue, in the same atomic step as the site's own check
  (``requeue``, ``jobs/lua/look.lua``), saying so in the job's log. The job had not started, so
  nothing runs twice.
* A worker that resumes with a pop older than ``CLAIM_AFTER`` (it was frozen, or Redis was away)
  claims the job before registering it (``still_ours``): a job queued again meanwhile is left to
  its queue.
"""

import logging
import os
import time

import redis
from rq import Queue
from rq.executions import ExecutionRegistry
from rq.intermediate_queue import IntermediateQueue
from rq.job import Job
from rq.registry import StartedJobRegistry

from jobs.joblog import append_line
from jobs.redis_scripts import CLAIM_POP, DUE_ORPHANS, LOOK, NOTE_POP
from jobs.started_cleanup import GRACE_KEY, release_lock, take_lock

log = logging.getLogger(__name__)

#: seconds a job may stay popped and unregistered before it is queued again (JOBDECK_ORPHAN_GRACE)
ORPHAN_GRACE = float(os.environ.get("JOBDECK_ORPHAN_GRACE", 15))
#: a worker that took a job this long ago makes sure it is still its own before starting it
CLAIM_AFTER = ORPHAN_GRACE / 3
POPPED_KEY = "jobdeck:popped"
LOCK_KEY = "jobdeck:orphan-sweep:lock"
SWEEP_BATCH = 100
LOG_TTL = 7 * 24 * 3600  # a job without a failure TTL of its own
REQUEUED = "WARNING The worker that took this job was lost before starting it; the job was queued again."
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
REDIS_RETRY = 0.5

_popped_at: dict[str, float] = {}  # in a worker: the job it last popped -> when (monotonic)


def queue_keys(queue_name: str) -> tuple[str, str, str]:
    """The queue's list, its single-queue workers' in-flight list and its started registry."""
    queue_key = Queue.redis_queue_namespace_prefix + queue_name
    return (
        queue_key,
        IntermediateQueue.get_intermediate_queue_key(queue_key),
        StartedJobRegistry.key_template.format(queue_name),
    )


def look_keys(job_id: str, queue_name: str) -> list[str]:
    """The KEYS of jobs/lua/look.lua for a job on ``queue_name``."""
    execution_key = ExecutionRegistry.key_template.format(job_id)
    return [Job.key_for(job_id), execution_key, *queue_keys(queue_name), Queue.redis_queues_keys, POPPED_KEY]


def look_args(job_id: str, requeue: bool = False) -> list:
    return [job_id, time.time(), "1" if requeue else "0"]


def requeue(connection, job_id: str, queue_name: str, log_ttl: int | None) -> bool:
    """Put the job back on its queue if it is still an orphan (atomic), and say so in its log."""
    reply = LOOK(keys=look_keys(job_id, queue_name), args=look_args(job_id, requeue=True), client=connection)
    if not reply[3]:
        return False
    log.warning("Job %s was taken off its queue by a worker that was lost; queued it again", job_id)
    append_line(connection, job_id, REQUEUED, ttl=log_ttl or LOG_TTL)
    return True


# --- the workers' side ----------------------------------------------------------------------------


def remember_pop(job_id) -> None:
    """In the worker that popped ``job_id`` (and noted it): when, for ``still_ours``."""
    _popped_at.clear()
    _popped_at[job_id.decode() if isinstance(job_id, bytes) else job_id] = time.monotonic()


def note_pop(connection, job_id) -> None:
    """Note a job popped by BLPOP, waiting for Redis if need be: the worker holds the only copy."""
    remember_pop(job_id)
    while True:
        try:
            NOTE_POP(keys=[POPPED_KEY], args=[job_id], client=connection)
            return
        except REDIS_ERRORS:
            time.sleep(REDIS_RETRY)


def still_ours(connection, job) -> bool:
    """Before the worker registers ``job``: is it still its own? Free for a job popped a moment
    ago; one atomic claim for an older pop, refused when the job was queued again meanwhile."""
    at = _popped_at.get(job.id)
    if at is None or time.monotonic() - at < CLAIM_AFTER:
        return True
    ours = bool(CLAIM_POP(keys=[POPPED_KEY, queue_keys(job.origin)[0]], args=[job.id], client=connection))
    _popped_at.pop(job.id, None)
    if not ours:
        log.warning("Job %s was queued again while this worker could not start it; left to its queue", job.id)
    return ours


def sweep(connection, swept_key: str, sweep_gap: float) -> list[str]:
    """Queue again the jobs popped more than ORPHAN_GRACE s ago and never registered. Returns them.

    ``swept_key`` and ``sweep_gap``: the liveness sweep's record of its last run and the longest
    normal gap between runs (the orphan sweep waits until the liveness sweep has seen an outage)."""
    due = DUE_ORPHANS(
        keys=[POPPED_KEY, GRACE_KEY, swept_key],
        args=[int(ORPHAN_GRACE * 1000), SWEEP_BATCH, int(sweep_gap * 1000)],
        client=connection,
    )
    if not due or not take_lock(connection, LOCK_KEY):
        return []
    try:
        job_ids = [job_id.decode() for job_id in due]
        with connection.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hmget(Job.key_for(job_id), "origin", "failure_ttl")
            found = pipe.execute()
        requeued = []
        for job_id, (origin, failure_ttl) in zip(job_ids, found, strict=True):
            if origin and requeue(connection, job_id, origin.decode(), int(failure_ttl or 0)):
                requeued.append(job_id)
            else:  # gone, registered, ended or back on its queue: not an orphan, nothing to watch
                connection.zrem(POPPED_KEY, job_id)
        return requeued
    finally:
        release_lock(connection, LOCK_KEY)
