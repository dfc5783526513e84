"""Each owner's job history as Redis sorted sets (score = submit time), kept by both sides.

The site adds a job at submission (``jobs/lua/index_submission.lua``) to the owner's index, the
owner's index for the task, and the two "active" indexes of jobs that have not ended. When a job
ends, the worker moves it (``on_job_end``, in the same transaction as the job's outcome) from the
active indexes to the indexes of its status, per owner and per owner and task
(``jobs/lua/history_end.lua``). So ``/jobs?status=finished`` reads one sorted set and its ZCARD,
whatever the size of the history. A job whose data has expired moves to the "expired" indexes
when the site next reads a filtered history (``settle``), as does a job that ended where no worker
hook saw it (canceled in the dashboard, failed by RQ's cleanup of a lost worker's job).

A member is ``"<job id>:<task>"``. Every write trims the index it writes of entries older than the
longest job TTL, so an owner who never opens ``/jobs`` cannot grow them without bound.
"""

import time

from rq.defaults import DEFAULT_FAILURE_TTL
from rq.job import Job

from jobs import statuses
from jobs.joblog import log_key
from jobs.redis_scripts import HISTORY_END

#: every status that has its own index (the ended ones and the site's "expired")
INDEXED = (*statuses.ENDED, statuses.EXPIRED)
#: the active indexes are read (their statuses looked up) this many entries at a time
BATCH = 500


def owner_key(owner: str, task: str | None = None) -> str:
    return f"jobdeck:owner:{owner}" + (f":task:{task}" if task else "")


def active_key(owner: str, task: str | None = None) -> str:
    return owner_key(owner, task) + ":active"


def status_key(owner: str, status: str, task: str | None = None) -> str:
    return f"{owner_key(owner, task)}:status:{status}"


def expiry_key(owner: str) -> str:
    """When each ended job's data expires (score), so settle moves it to "expired" then."""
    return owner_key(owner) + ":expiry"


def member(job_id: str, task: str) -> str:
    return f"{job_id}:{task}"


def split(raw: bytes | str) -> tuple[str, str]:
    job_id, _, task = (raw.decode() if isinstance(raw, bytes) else raw).partition(":")
    return job_id, task


def all_keys(owner: str, task: str) -> list[str]:
    """Every index an entry of ``task`` can be in (for deleting one)."""
    keys = []
    for t in (None, task):
        keys += [owner_key(owner, t), active_key(owner, t)]
        keys += [status_key(owner, s, t) for s in INDEXED]
    return keys + [expiry_key(owner)]


def move(pipe, owner: str, job_id: str, task: str, status: str, *, ttl: int, fallback_ttl: int = 0) -> None:
    """Queue the move of a job's entry to the ``status`` indexes on ``pipe`` (EVAL: see history.index_submission).

    ``ttl`` is the indexes' own TTL (the longest job TTL); ``fallback_ttl`` the job's TTL when its
    hash has none yet (RQ sets a failed job's after this step)."""
    now = time.time()
    pipe.eval(
        HISTORY_END.script,
        4,
        owner_key(owner),
        owner_key(owner, task),
        Job.key_for(job_id),
        log_key(job_id),
        member(job_id, task),
        status,
        repr(now),
        fallback_ttl,
        repr(now - ttl),
        ttl,
        *INDEXED,
    )


def on_job_end(pipe, job: Job, status: str) -> None:
    """The worker's hook: ``job`` has ended with ``status``; move its entry in ``pipe``."""
    meta = job.meta or {}
    owner, task = meta.get("owner"), meta.get("task")
    if not owner or not task or status not in statuses.ENDED:
        return
    failure_ttl = job.failure_ttl or DEFAULT_FAILURE_TTL
    move(pipe, owner, job.id, task, status, ttl=failure_ttl, fallback_ttl=failure_ttl)


def _settle_expired(connection, owner: str, ttl: int) -> None:
    """Ended entries whose data has expired move to "expired" (their time came and the hash is gone)."""
    now = time.time()
    due = connection.zrangebyscore(expiry_key(owner), "-inf", now, start=0, num=BATCH)
    if not due:
        return
    pipe = connection.pipeline(transaction=False)
    for raw in due:
        pipe.pttl(Job.key_for(split(raw)[0]))
    left = pipe.execute()
    pipe = connection.pipeline(transaction=False)
    for raw, pttl in zip(due, left, strict=True):
        job_id, task = split(raw)
        if pttl == -2:
            move(pipe, owner, job_id, task, statuses.EXPIRED, ttl=ttl)
        elif pttl == -1:  # kept for good now (e.g. requeued): nothing to wait for
            pipe.zrem(expiry_key(owner), raw)
        else:
            pipe.zadd(expiry_key(owner), {raw: now + pttl / 1000})
    pipe.execute()


def _settle_active(connection, owner: str, task: str | None, ttl: int, limit: int) -> bool:
    """Active entries (newest first, ``limit`` at most) whose job has ended or is gone move to
    their status's indexes. True when the whole active index was looked at."""
    key = active_key(owner, task)
    start = looked = 0
    while looked < limit:
        rows = connection.zrevrange(key, start, start + BATCH - 1)
        if not rows:
            return True
        pipe = connection.pipeline(transaction=False)
        for raw in rows:
            pipe.hget(Job.key_for(split(raw)[0]), "status")
        found = pipe.execute()
        pipe = connection.pipeline(transaction=False)
        kept = 0
        for raw, status in zip(rows, found, strict=True):
            word = status.decode() if status else statuses.EXPIRED
            if word in INDEXED:
                job_id, job_task = split(raw)
                move(pipe, owner, job_id, job_task, word, ttl=ttl, fallback_ttl=ttl)
            else:
                kept += 1
        pipe.execute()
        looked += len(rows)
        start += kept
        if len(rows) < BATCH:
            return True
    return connection.zcard(key) <= start


def settle(connection, owner: str, task: str | None, ttl: int, limit: int) -> bool:
    """Bring the owner's status indexes up to date before a filtered read. True when they are exact
    (every active entry was looked at; at most ``limit`` are)."""
    _settle_expired(connection, owner, ttl)
    return _settle_active(connection, owner, task, ttl, limit)
