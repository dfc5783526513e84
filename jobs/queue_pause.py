"""Pausing work: all workers through RQ's own suspension, or one queue through a queue class.

* All workers: ``rq.suspension.suspend`` (what ``rq suspend --duration`` does), with a TTL when the
  pause has an end, so it lifts by itself; the reason and end are kept beside it in
  ``jobdeck:pause:all`` with the same TTL.
* One queue: ``jobdeck:pause:queue:<name>`` (reason and end, expiring at the end).
  ``PausableQueue`` is the workers' queue class (``SkipsPausedQueues``); its pops, the public
  class methods RQ's ``dequeue_any`` takes a job through, never take a job from a paused queue:
  each reads the pause keys in the script that pops (``lua/pop_job.lua`` on several queues, which
  also notes the job for the orphan sweep, ``lua/move_job.lua`` on one), so a job waiting on its
  queue costs the worker one round trip. Only when every open queue is empty does the worker wait
  as RQ does (BLPOP, BLMOVE), on the open queues alone; Redis hands over a job that arrives before
  anything can look at the pause, so a job taken that way from a queue paused during the wait goes
  back to the front of its queue in the same step as the check (``lua/requeue_if_paused.lua``).
  While any of its queues is paused, a worker waits at most ``PAUSED_POLL_SECONDS`` at a time, so
  it takes from a resumed queue again within about that long.
"""

import json
import time
from dataclasses import dataclass

from rq import Queue
from rq.exceptions import DequeueTimeout
from rq.intermediate_queue import IntermediateQueue
from rq.suspension import WORKERS_SUSPENDED, resume, suspend

from jobs import orphan_sweep
from jobs.redis_scripts import MOVE_JOB, POP_JOB, REQUEUE_IF_PAUSED

ALL_KEY = "jobdeck:pause:all"
#: how long a worker waits for a job, at most, while any of its queues is paused, before it reads
#: the pauses again (so a resume is noticed within about this long)
PAUSED_POLL_SECONDS = 1
REASON_LIMIT = 200


def queue_key(name: str) -> str:
    return f"jobdeck:pause:queue:{name}"


@dataclass(frozen=True)
class Pause:
    scope: str  # "all" or a queue name
    reason: str
    until: float | None  # None: until resumed by hand
    by: str = ""


def _decode(scope: str, raw) -> Pause | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return Pause(scope, str(data.get("reason", "")), data.get("until"), str(data.get("by", "")))
    except (ValueError, AttributeError):
        return Pause(scope, "", None)


def _write(connection, key: str, pause: Pause, pipe) -> None:
    value = json.dumps({"reason": pause.reason[:REASON_LIMIT], "until": pause.until, "by": pause.by})
    if pause.until is None:
        pipe.set(key, value)
    else:
        pipe.set(key, value, exat=int(pause.until) + 1)


def pause_all(connection, reason: str, until: float | None, by: str = "") -> Pause:
    """Suspend every worker (RQ's suspension), lifting by itself at ``until`` when given."""
    pause = Pause("all", reason, until, by)
    ttl = None if until is None else max(1, int(until - time.time()) + 1)
    suspend(connection, ttl)
    with connection.pipeline() as pipe:
        _write(connection, ALL_KEY, pause, pipe)
        pipe.execute()
    return pause


def resume_all(connection) -> None:
    resume(connection)
    connection.delete(ALL_KEY)


def pause_queue(connection, name: str, reason: str, until: float | None, by: str = "") -> Pause:
    pause = Pause(name, reason, until, by)
    with connection.pipeline() as pipe:
        _write(connection, queue_key(name), pause, pipe)
        pipe.execute()
    return pause


def resume_queue(connection, name: str) -> None:
    connection.delete(queue_key(name))


def current(connection, queue_names) -> dict[str, Pause]:
    """Pauses in force: "all" (while RQ's suspension key is set) and each paused queue: one MGET."""
    names = list(queue_names)
    return _in_force(names, connection.mget(_keys(names)))


def _keys(names: list) -> list[str]:
    return [WORKERS_SUSPENDED, ALL_KEY, *(queue_key(n) for n in names)]


def _in_force(names: list, replies: list) -> dict[str, Pause]:
    suspended, raw_all, *raw_queues = replies
    found = {}
    if suspended is not None:
        found["all"] = _decode("all", raw_all) or Pause("all", "", None)
    for name, raw in zip(names, raw_queues, strict=True):
        pause = _decode(name, raw)
        if pause:
            found[name] = pause
    return found


def notice_for(connection, queue_name: str) -> Pause | None:
    """The pause that holds a job of ``queue_name`` back (all workers first), or None."""
    return notice_from(queue_name, connection.mget(notice_keys(queue_name)))


def notice_keys(queue_name: str) -> list[str]:
    """What ``notice_for`` reads (one MGET), for a caller that sends it in a pipeline of its own."""
    return _keys([queue_name])


def notice_from(queue_name: str, replies: list) -> Pause | None:
    """The notice from the MGET of ``notice_keys(queue_name)``."""
    pauses = _in_force([queue_name], replies)
    return pauses.get("all") or pauses.get(queue_name)


def _queue_keys(list_key) -> list[str]:
    """The pause key and the intermediate list of the queue whose list is ``list_key``."""
    list_key = list_key.decode() if isinstance(list_key, bytes) else list_key
    name = list_key.removeprefix(Queue.redis_queue_namespace_prefix)
    return [queue_key(name), IntermediateQueue.get_intermediate_queue_key(list_key)]


def put_back_if_paused(connection, list_key, job_id) -> bool:
    """True when the queue whose list is ``list_key`` is paused now and the job that a worker's
    wait just took from it went back to its front (out of the intermediate list and the popped
    index as well)."""
    pause, intermediate = _queue_keys(list_key)
    keys = [pause, list_key, intermediate, orphan_sweep.POPPED_KEY]
    return bool(REQUEUE_IF_PAUSED(keys, [job_id], client=connection))


def _wait_for(timeout, open_keys: list, list_keys: list):
    """How long to wait (BLPOP, BLMOVE) on ``open_keys``, the empty open queues among ``list_keys``:
    None when the worker does not wait (burst mode); raises RQ's DequeueTimeout, after waiting
    PAUSED_POLL_SECONDS, when every queue is paused."""
    if timeout is None:
        return None
    if not open_keys:
        time.sleep(min(timeout, PAUSED_POLL_SECONDS))
        raise DequeueTimeout(timeout, list_keys)
    return timeout if len(open_keys) == len(list_keys) else min(timeout, PAUSED_POLL_SECONDS)


class PausableQueue(Queue):
    """RQ's queue, whose pops never take a job from a paused queue: the worker's queue class."""

    @classmethod
    def lpop(cls, queue_keys, timeout, connection=None):
        """RQ's pop for a worker on several queues; what it takes is noted for the orphan sweep."""
        keys = [orphan_sweep.POPPED_KEY]
        for list_key in queue_keys:
            keys += [list_key, _queue_keys(list_key)[0]]
        while True:
            taken, *reply = POP_JOB(keys=keys, args=[], client=connection)
            if taken:
                orphan_sweep.remember_pop(reply[1])
                return reply[0], reply[1]
            wait = _wait_for(timeout, reply, list(queue_keys))
            if wait is None:
                return None
            list_key, job_id = super().lpop(reply, wait, connection=connection)  # BLPOP
            orphan_sweep.note_pop(connection, job_id)
            if not put_back_if_paused(connection, list_key, job_id):
                return list_key, job_id

    @classmethod
    def lmove(cls, connection, list_key, timeout):
        """RQ's pop for a worker on one queue, through the queue's intermediate list."""
        pause, intermediate = _queue_keys(list_key)
        while True:
            taken, *reply = MOVE_JOB(keys=[pause, list_key, intermediate], args=[], client=connection)
            if taken:
                return reply[0], reply[1]
            wait = _wait_for(timeout, reply, [list_key])
            if wait is None:
                return None
            result = super().lmove(connection, list_key, wait)  # BLMOVE
            if not put_back_if_paused(connection, list_key, result[1]):
                return result


class SkipsPausedQueues:
    """Worker mixin: its queues are PausableQueues (by name, so RQ builds them with the worker's
    serializer; ``rq worker`` hands over plain Queues)."""

    def __init__(self, queues, *args, **kwargs):
        queues = [queues] if isinstance(queues, str | Queue) else queues
        kwargs["queue_class"] = PausableQueue
        super().__init__([q if isinstance(q, str) else q.name for q in queues], *args, **kwargs)
