"""RQ's cleanup of a queue's started jobs, run by whoever notices a lost worker first.

Shared by the site (``webapp/lost_workers.py``, when a page shows such a job) and the workers'
liveness sweep (``jobs/liveness.py``): both take the lock RQ's workers take for their maintenance,
and both run RQ's own ``StartedJobRegistry.cleanup``, so a lost job is failed (AbandonedJobError,
in the FailedJobRegistry) or retried exactly as RQ would do it.
"""

import time

from rq import Queue
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from jobs.redis_scripts import ACQUIRE_CLEANING_LOCK
from jobs.rollup_hooks import record_abandoned

CLEAN_LOCK_SECONDS = 30
STALE_AFTER = 30  # a worker cleans its registries in milliseconds; a lock held this long lost its holder
#: set by the liveness sweep while Redis has just come back (jobs/lua/due_liveness.lua)
GRACE_KEY = "jobdeck:liveness:grace"


def take_lock(connection, key: str) -> bool:
    """Take a lock for one worker's (or site process's) maintenance step, or take it over from a
    holder seen holding it for STALE_AFTER s: such steps take milliseconds, so it was lost."""
    keys = [key, f"jobdeck:lock-seen:{key}"]
    args = [CLEAN_LOCK_SECONDS, STALE_AFTER, time.time()]
    return bool(ACQUIRE_CLEANING_LOCK(keys=keys, args=args, client=connection))


def release_lock(connection, key: str) -> None:
    connection.delete(key)


def acquire_cleaning_lock(connection, queue_name: str) -> bool:
    return take_lock(connection, Queue(queue_name, connection=connection).registry_cleaning_key)


def in_grace(connection) -> bool:
    """Redis has just come back from an outage: heartbeats that ran out meanwhile prove nothing."""
    return bool(connection.exists(GRACE_KEY))


def clean_started(connection, queue_name: str) -> bool:
    """Run RQ's cleanup of the queue's started jobs, unless a worker is doing it right now, or
    Redis has just come back (its live workers have not renewed their entries yet)."""
    if in_grace(connection) or not acquire_cleaning_lock(connection, queue_name):
        return False
    queue = Queue(queue_name, connection=connection, serializer=JSONSerializer)
    try:
        registry = StartedJobRegistry(queue_name, connection=connection, serializer=JSONSerializer)
        registry.cleanup(exception_handlers=[record_abandoned])  # the rollups count what it fails
    finally:
        queue.release_maintenance_lock()
    return True
