"""Jobs whose worker was lost, noticed where the site reads a job, not only by RQ's maintenance.

How an RQ 2.12 worker takes a job: it pops the id off the queue (BLPOP when it listens on several
queues, so no in-flight copy is kept), registers an execution in the queue's StartedJobRegistry
(an entry its heartbeat renews: ``--job-monitoring-interval`` + 60 s), forks a work horse, and the
horse marks the job "started". A worker killed along the way leaves:

* an expired registry entry (killed after registering; the job says "started", or still "queued"
  if the horse never got going). RQ fails such a job (AbandonedJobError) or, with retries left,
  queues it again, but only when someone runs the registry's cleanup: workers do in their
  maintenance, and an idle worker only wakes up every ``--worker-ttl`` - 15 s. So when the site
  shows such a job it checks (a ZCOUNT) whether its queue has an expired entry and, if so, runs
  RQ's cleanup itself, under the lock the workers take for it (a lock left behind by a worker killed
  while holding it is taken over once the site has seen it held for ``STALE_AFTER`` seconds).
* an orphan (killed between the pop and registering): the job says "queued", is on no queue and
  nothing would ever run or fail it. The workers' orphan sweep (jobs/orphan_sweep.py) queues it
  again ``ORPHAN_GRACE`` seconds after the pop; the site, should it see that twice, ``ORPHAN_GRACE``
  seconds apart, first, does the same through the same step. It had not started, so nothing runs
  twice.

Both checks, and the job's place in its queue that the page shows, are one Lua script
(jobs/lua/look.lua), which ``job_reads.read_job`` sends in the same pipeline as the log read.
"""

import logging
import time
from dataclasses import dataclass

import redis
from rq.job import Job, JobStatus

from jobs import history_index, orphan_sweep, statuses
from jobs.orphan_sweep import ORPHAN_GRACE
from jobs.redis_scripts import LOOK
from jobs.started_cleanup import (  # noqa: F401 (the site's names for them)
    CLEAN_LOCK_SECONDS,
    STALE_AFTER,
    acquire_cleaning_lock,
    clean_started,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Look:
    """What jobs/lua/look.lua found: ``position`` is the number of jobs ahead of the job in its
    queue (None when it is on no queue) and is known only when ``queued`` (the job was queued)."""

    expired: bool  # the job's queue has an expired started-registry entry
    orphaned: bool
    position: int | None
    queued: bool = True


@dataclass(frozen=True)
class QueuePlace:
    """Where a queued job stands: ``ahead`` jobs before it, None when it is on no queue."""

    ahead: int | None


def look_keys(job: Job) -> list[str]:
    """The KEYS of jobs/lua/look.lua for ``job``."""
    return orphan_sweep.look_keys(job.id, job.origin)


def look_args(job: Job, requeue: bool = False) -> list:
    return orphan_sweep.look_args(job.id, requeue)


def as_look(reply) -> Look:
    """The script's {expired, orphaned, position, requeued} as a Look."""
    expired, orphaned, position, _ = reply
    if position == -2:
        return Look(bool(expired), bool(orphaned), None, queued=False)
    return Look(bool(expired), bool(orphaned), None if position < 0 else position)


def look(connection, job: Job) -> Look:
    return as_look(LOOK(keys=look_keys(job), args=look_args(job), client=connection))


def requeue_orphan(connection, job: Job) -> bool:
    """Put an orphaned job back on its queue once it has been seen orphaned for ORPHAN_GRACE s."""
    enqueued = job.enqueued_at.timestamp() if job.enqueued_at else 0
    sighting = f"jobdeck:orphan:{job.id}:{enqueued}"  # a new enqueue starts a new grace period
    now = time.time()
    if connection.set(sighting, now, nx=True, ex=int(ORPHAN_GRACE * 20)):
        return False
    first = float(connection.get(sighting) or now)
    if now - first < ORPHAN_GRACE or not connection.delete(sighting):  # the DEL is the claim
        return False
    return orphan_sweep.requeue(connection, job.id, job.origin, job.failure_ttl)


def settle(job: Job) -> Job:
    """The job as it really stands: a lost worker's job is failed, retried or queued again first."""
    return settle_and_locate(job)[0]


def settle_and_locate(job: Job, seen: Look | None = None) -> tuple[Job, QueuePlace | None]:
    """``settle``, and the settled job's place in its queue when it is queued and the look found it
    (None otherwise: the caller asks Redis itself, as ``Job.get_position`` does).

    ``seen``: the look made when the job was read (``job_reads.read_job`` makes it in the same
    pipeline as the log read); without it, a queued or started job costs one round trip (``look``).
    The rare cleanup or requeue reads again: cleanup first, then the orphan test.
    """
    connection = job.connection
    status = job.get_status(refresh=False)
    place = None
    try:
        # "queued" too: a worker that died after registering the start, before the job said so
        if status in (JobStatus.STARTED, JobStatus.QUEUED):
            seen = seen or look(connection, job)
            if seen.expired:
                if clean_started(connection, job.origin):
                    job.refresh()
                    status = job.get_status(refresh=False)
                    if status.value in statuses.ENDED:  # RQ's cleanup failed it: the history follows
                        pipe = connection.pipeline(transaction=False)
                        history_index.on_job_end(pipe, job, status.value)
                        pipe.execute()
                if status == JobStatus.QUEUED:
                    seen = look(connection, job)  # the orphan test and position after the cleanup
            if status == JobStatus.QUEUED:
                if seen.orphaned and requeue_orphan(connection, job):
                    job.refresh()
                elif seen.queued:
                    place = QueuePlace(seen.position)
    except redis.exceptions.RedisError:
        raise  # Redis down: the usual 503
    except Exception:  # a failed check must not break the page
        log.exception("Could not settle job %s", job.id)
    return job, place
