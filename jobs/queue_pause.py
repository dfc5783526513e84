"""Pausing work: all workers through RQ's own suspension, or one queue through a queue class.

* All workers: ``rq.suspension.suspend`` (what ``rq suspend --duration`` does), with a TTL when the
  pause has an end, so it lifts by itself; the reason and end are kept beside it in
  ``jobdeck:pause:all`` with the same TTL.
* One queue: ``jobdeck:pause:queue:<name>`` (reason and end, expiring at the end).
  ``PausableQueue.dequeue_any`` (RQ's public class method that every worker dequeues through; the
  Jobdeck worker uses this queue class) leaves paused queues out, reading them at most once a
  second. A worker already waiting on a queue when it is paused (or that read the pauses within
  that second) may still pop a job from it: every job popped is therefore checked against its
  queue's pause and, if paused, put back at the front of the queue in the same step
  (``lua/requeue_if_paused.lua``). While any of its queues is paused, a worker waits at most
  ``PAUSED_POLL_SECONDS`` at a time, so it listens to a resumed queue again within about that long.
"""

import json
import time
from dataclasses import dataclass

from rq import Queue
from rq.exceptions import DequeueTimeout
from rq.suspension import WORKERS_SUSPENDED, resume, suspend

from jobs.orphan_sweep import RecordsPops
from jobs.redis_scripts import REQUEUE_IF_PAUSED

ALL_KEY = "jobdeck:pause:all"
#: how long a worker waits for a job, at most, while any of its queues is paused, before it reads
#: the pauses again (so a resume is noticed within about this long)
PAUSED_POLL_SECONDS = 1
REASON_LIMIT = 200
#: how long a worker trusts what it last read of the queue pauses (it dequeues once per job)
PAUSES_CACHE_SECONDS = 1.0
_seen: dict = {}  # queue names -> (monotonic time read, names paused)


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
    _seen.clear()  # this process sees its own change at once
    return pause


def resume_queue(connection, name: str) -> None:
    connection.delete(queue_key(name))
    _seen.clear()


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


def paused_queues(connection, names: tuple) -> set:
    """Which of ``names`` are paused: one MGET, at most once per PAUSES_CACHE_SECONDS."""
    now = time.monotonic()
    seen = _seen.get(names)
    if seen is None or now - seen[0] > PAUSES_CACHE_SECONDS:
        found = connection.mget([queue_key(n) for n in names]) if names else []
        seen = _seen[names] = (now, {n for n, raw in zip(names, found, strict=True) if raw is not None})
    return seen[1]


def put_back_if_paused(connection, queue: Queue, job_id: str) -> bool:
    """True when ``queue`` is paused now and the job just taken from it went back to its front."""
    keys = [queue_key(queue.name), queue.key, queue.intermediate_queue_key]
    return bool(REQUEUE_IF_PAUSED(keys, [job_id], client=connection))


class PausableQueue(RecordsPops, Queue):
    """RQ's queue, whose ``dequeue_any`` skips paused queues (and whose pop is noted: RecordsPops)."""

    @classmethod
    def dequeue_any(cls, queues, timeout, connection, *args, **kwargs):
        queues = list(queues)
        while True:
            paused = paused_queues(connection, tuple(q.name for q in queues))
            open_queues = [q for q in queues if q.name not in paused]
            if not open_queues:
                if timeout is None:  # burst mode: nothing to take now
                    return None
                time.sleep(min(timeout, PAUSED_POLL_SECONDS))
                raise DequeueTimeout(timeout, [q.key for q in queues])
            wait = min(timeout, PAUSED_POLL_SECONDS) if paused and timeout is not None else timeout
            result = super().dequeue_any(open_queues, wait, connection, *args, **kwargs)
            if result is None or not put_back_if_paused(connection, result[1], result[0].id):
                return result
            _seen.clear()  # paused since it was last read: read the pauses again before waiting


class SkipsPausedQueues:
    """Worker mixin: its queues are PausableQueues (by name, so RQ builds them with the worker's
    serializer; ``rq worker`` hands over plain Queues)."""

    def __init__(self, queues, *args, **kwargs):
        queues = [queues] if isinstance(queues, str | Queue) else queues
        kwargs["queue_class"] = PausableQueue
        super().__init__([q if isinstance(q, str) else q.name for q in queues], *args, **kwargs)
