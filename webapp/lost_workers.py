"""Jobs whose worker was lost, noticed where the site reads a job, not only by RQ's maintenance.

A worker can lose a job in two ways that RQ does not report at once:

* Killed while running it (SIGKILL, out of memory, the machine gone): the job stays "started".
  RQ notices once the job's entry in its queue's StartedJobRegistry has expired (the worker's
  heartbeat renews it: ``--job-monitoring-interval`` + 60 s) *and* someone runs that registry's
  cleanup, which fails the job (AbandonedJobError) or, if it has retries left, queues it again.
  Workers run the cleanup in their maintenance, but an idle worker only wakes up every
  ``--worker-ttl`` - 15 s. So when the site shows a started job it checks (one ZCOUNT) whether the
  job's queue has an expired entry and, if so, runs the cleanup itself, under the lock the workers
  take for it (a lock left by a worker killed while holding it is taken over when stale).
* Killed between taking the job off its queue and starting it (with several queues RQ pops with
  BLPOP, which keeps no in-flight copy): the job says "queued" but is in no queue and would never
  run. When the site sees that twice, ``ORPHAN_GRACE`` seconds apart, it puts the job back on its
  queue. The job had not started, so nothing runs twice.
"""

import logging
import time

import redis
from rq import Queue
from rq.intermediate_queue import IntermediateQueue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from jobs.joblog import append_line

log = logging.getLogger(__name__)

CLEAN_LOCK_SECONDS = 30
RQ_LOCK_SECONDS = 899  # what rq.Queue.acquire_maintenance_lock sets
STALE_AFTER = 30  # a worker cleans its registries in milliseconds; a lock this old lost its holder
ORPHAN_GRACE = 15

# Take the queue's registry-cleaning lock (the key RQ's workers use), or take it over when a
# worker's lock has been held for STALE_AFTER seconds. Atomic, so two site processes never both win.
_ACQUIRE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 1 end
local ttl = redis.call('TTL', KEYS[1])
if ttl > tonumber(ARGV[1]) and ttl <= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
  return 1
end
return 0
"""


def acquire_cleaning_lock(connection, queue_name: str) -> bool:
    key = Queue(queue_name, connection=connection).registry_cleaning_key
    script = connection.register_script(_ACQUIRE)
    return bool(script(keys=[key], args=[CLEAN_LOCK_SECONDS, RQ_LOCK_SECONDS - STALE_AFTER]))


def clean_started(connection, queue_name: str) -> bool:
    """Run RQ's cleanup of the queue's started jobs, unless a worker is doing it right now."""
    if not acquire_cleaning_lock(connection, queue_name):
        return False
    try:
        StartedJobRegistry(queue_name, connection=connection, serializer=JSONSerializer).cleanup()
    finally:
        connection.delete(Queue(queue_name, connection=connection).registry_cleaning_key)
    return True


def has_expired_entries(connection, queue_name: str) -> bool:
    key = StartedJobRegistry(queue_name, connection=connection).key
    return connection.zcount(key, 0, time.time()) > 0


def is_orphaned(connection, job: Job) -> bool:
    """Says "queued" but is neither on its queue nor taken by a single-queue worker (read atomically)."""
    queue_key = Queue(job.origin, connection=connection).key
    with connection.pipeline() as pipe:
        pipe.hget(job.key, "status")
        pipe.lpos(queue_key, job.id)
        pipe.lpos(IntermediateQueue.get_intermediate_queue_key(queue_key), job.id)
        status, position, taken = pipe.execute()
    return status == JobStatus.QUEUED.value.encode() and position is None and taken is None


def requeue_orphan(connection, job: Job) -> bool:
    """Put an orphaned job back on its queue once it has been seen orphaned for ORPHAN_GRACE s."""
    enqueued = job.enqueued_at.timestamp() if job.enqueued_at else 0
    sighting = f"jobdeck:orphan:{job.id}:{enqueued}"  # a new enqueue starts a new grace period
    now = time.time()
    if connection.set(sighting, now, nx=True, ex=ORPHAN_GRACE * 20):
        return False
    first = float(connection.get(sighting) or now)
    if now - first < ORPHAN_GRACE or not connection.delete(sighting):  # the DEL is the claim
        return False
    if not is_orphaned(connection, job):
        return False
    Queue(job.origin, connection=connection, serializer=JSONSerializer).enqueue_job(job)
    log.warning("Job %s was taken off its queue by a worker that was lost; queued it again", job.id)
    append_line(
        connection,
        job.id,
        "WARNING The worker that took this job was lost before starting it; the job was queued again.",
        ttl=job.failure_ttl or ORPHAN_GRACE * 20,
    )
    return True


def settle(job: Job) -> Job:
    """The job as it really stands: a lost worker's job is failed, retried or queued again first."""
    connection = job.connection
    status = job.get_status(refresh=False)
    try:
        if status == JobStatus.STARTED:
            changed = has_expired_entries(connection, job.origin) and clean_started(connection, job.origin)
        elif status == JobStatus.QUEUED:
            changed = is_orphaned(connection, job) and requeue_orphan(connection, job)
        else:
            changed = False
        if changed:
            job.refresh()
    except redis.exceptions.RedisError:
        raise  # Redis down: the usual 503
    except Exception:  # a failed check must not break the page
        log.exception("Could not settle job %s", job.id)
    return job
