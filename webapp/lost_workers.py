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
  while holding it is taken over once stale).
* an orphan (killed between the pop and registering): the job says "queued", is on no queue and
  nothing would ever run or fail it. When the site sees that twice, ``ORPHAN_GRACE`` seconds apart,
  it pushes the job back on its queue. It had not started, so nothing runs twice.

Both checks, and the job's place in its queue that the page shows, are one Lua function (``look``),
which ``queues.read_job`` sends in the same pipeline that reads the job: a queued job's page costs
one round trip to Redis (two for a job on a queue the site does not know), not four.
"""

import logging
import time
from dataclasses import dataclass

import redis
from redis.commands.core import Script
from rq import Queue
from rq.executions import ExecutionRegistry
from rq.intermediate_queue import IntermediateQueue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from jobs.joblog import append_line
from jobs.rollup_hooks import record_abandoned

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
        registry = StartedJobRegistry(queue_name, connection=connection, serializer=JSONSerializer)
        registry.cleanup(exception_handlers=[record_abandoned])  # the rollups count what it fails
    finally:
        connection.delete(Queue(queue_name, connection=connection).registry_cleaning_key)
    return True


# A job is orphaned when it says "queued" but is on no queue (nor a single-queue worker's in-flight
# list) and no execution of it is registered as started: a worker popped it and died before it could
# register starting it. (Once registered, the job is RQ's to fail or retry when that entry expires.)
#
# What the site needs to know of a job it shows, read in one atomic step (one round trip): whether
# the job's queue has an expired started-registry entry (a lost worker's: ZCOUNT up to `now`),
# whether the job is orphaned, and where it stands
# in its queue (the LPOS that test makes anyway). Returns {expired, orphaned, position}: position -1
# when the job is on no queue, -2 when it is not "queued" (the caller then asks itself).
# A Lua function, so that queues.read_job can make the same look in the read's one round trip.
LOOK_FUNCTION = """
local function look(job, queue, intermediate, executions, started, id, now)
  local expired = 0
  if redis.call('ZCOUNT', started, 0, now) > 0 then expired = 1 end
  if redis.call('HGET', job, 'status') ~= 'queued' then return {expired, 0, -2} end
  local position = redis.call('LPOS', queue, id)
  if position then return {expired, 0, position} end
  if redis.call('LPOS', intermediate, id) then return {expired, 0, -1} end
  for _, execution in ipairs(redis.call('ZRANGE', executions, 0, -1)) do
    if redis.call('ZSCORE', started, id .. ':' .. execution) then return {expired, 0, -1} end
  end
  return {expired, 1, -1}
end
"""
_LOOK = (
    LOOK_FUNCTION + "return look(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[2])"
).encode()
_LOOK_SCRIPT = Script(None, _LOOK)  # bytes: no client needed for its SHA; each call names the client
# The same look, and an orphaned job pushed back on its queue in the same atomic step.
_REQUEUE_ORPHAN = (
    LOOK_FUNCTION
    + """
if look(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[2])[2] == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[6], KEYS[2])
return 1
"""
).encode()
_REQUEUE_ORPHAN_SCRIPT = Script(None, _REQUEUE_ORPHAN)


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


#: a queue position the look did not find out (the caller asks Redis itself, as Job.get_position)
UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Look:
    expired: bool  # the job's queue has an expired started-registry entry
    orphaned: bool
    position: "int | None | _Unknown"  # jobs ahead in its queue; None when on no queue


def queue_keys(queue_name: str) -> tuple[str, str, str]:
    """The queue's list, its single-queue workers' in-flight list and its started registry."""
    queue_key = Queue.redis_queue_namespace_prefix + queue_name
    return (
        queue_key,
        IntermediateQueue.get_intermediate_queue_key(queue_key),
        StartedJobRegistry.key_template.format(queue_name),
    )


def execution_key(job_id: str) -> str:
    return ExecutionRegistry.key_template.format(job_id)


def as_look(reply) -> Look:
    """The Lua look's {expired, orphaned, position} as a Look."""
    expired, orphaned, position = reply
    return Look(
        bool(expired), bool(orphaned), UNKNOWN if position == -2 else None if position < 0 else position
    )


def _look_keys(job: Job) -> list[str]:
    queue, intermediate, started = queue_keys(job.origin)
    return [job.key, queue, intermediate, execution_key(job.id), started]


def look(connection, job: Job) -> Look:
    return as_look(_LOOK_SCRIPT(keys=_look_keys(job), args=[job.id, time.time()], client=connection))


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
    keys = [*_look_keys(job), Queue.redis_queues_keys]
    if not _REQUEUE_ORPHAN_SCRIPT(keys=keys, args=[job.id, time.time()], client=connection):
        return False
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
    return settle_and_locate(job)[0]


def settle_and_locate(job: Job, seen: Look | None = None) -> tuple[Job, "int | None | _Unknown"]:
    """``settle``, and the settled job's position in its queue when it is queued (else UNKNOWN).

    ``seen``: the look made when the job was read (``queues.read_job`` makes it in the same script
    call); without it, a queued or started job costs one round trip (``look``). The rare cleanup or
    requeue reads again, in the order the checks always had: cleanup first, then the orphan test.
    """
    connection = job.connection
    status = job.get_status(refresh=False)
    position = UNKNOWN
    try:
        # "queued" too: a worker that died after registering the start, before the job said so
        if status in (JobStatus.STARTED, JobStatus.QUEUED):
            seen = seen or look(connection, job)
            if seen.expired:
                if clean_started(connection, job.origin):
                    job.refresh()
                    status = job.get_status(refresh=False)
                if status == JobStatus.QUEUED:
                    seen = look(connection, job)  # the orphan test and position after the cleanup
            if status == JobStatus.QUEUED:
                if seen.orphaned and requeue_orphan(connection, job):
                    job.refresh()
                else:
                    position = seen.position
    except redis.exceptions.RedisError:
        raise  # Redis down: the usual 503
    except Exception:  # a failed check must not break the page
        log.exception("Could not settle job %s", job.id)
    return job, position
