"""Each owner's jobs, newest first: Redis sorted sets the site keeps itself (score = submit time).

One set per owner and one per owner and task, so listing (and filtering by task) never scans RQ's
registries. A member is ``"<job id>:<task>"``, so a job that has expired can still be listed as
"expired" with its task and submit time until the entry is older than the longest job TTL, when
it is pruned.
"""

import time
from dataclasses import dataclass

from rq.job import Job
from rq.serializers import JSONSerializer

from jobs.redis_scripts import ADD_TO_HISTORY

#: filtering by status reads statuses in batches, looking at this many newest entries at most
STATUS_SCAN_LIMIT = 20_000
_BATCH = 500


def owner_key(owner: str, task: str | None = None) -> str:
    return f"jobdeck:owner:{owner}" + (f":task:{task}" if task else "")


def member(job_id: str, task: str) -> str:
    return f"{job_id}:{task}"


@dataclass
class Entry:
    job_id: str
    task: str
    submitted_at: float
    job: Job | None  # None when the job has expired


def add(pipe, owner: str, job_id: str, task: str, when: float, ttl: int) -> None:
    """Index a job under its owner (and owner and task), in ``pipe`` (the enqueue's transaction).

    EVAL, not EVALSHA: a script Redis has not seen would fail inside the transaction while the
    enqueue around it went ahead; EVAL carries its text, and Redis compiles it once."""
    pipe.eval(
        ADD_TO_HISTORY.script,
        2,
        owner_key(owner),
        owner_key(owner, task),
        repr(when),
        member(job_id, task),
        ttl,
    )


def remove(connection, owner: str, job_id: str, task: str) -> None:
    pipe = connection.pipeline(transaction=False)
    for key in (owner_key(owner), owner_key(owner, task)):
        pipe.zrem(key, member(job_id, task))
    pipe.execute()


def _split(raw: bytes) -> tuple[str, str]:
    job_id, _, task = raw.decode().partition(":")
    return job_id, task


def _prune(connection, owner: str, key: str, max_age: int) -> None:
    cutoff = time.time() - max_age
    connection.zremrangebyscore(key, "-inf", cutoff)
    if key != owner_key(owner):
        connection.zremrangebyscore(owner_key(owner), "-inf", cutoff)


def _entries(connection, rows) -> list[Entry]:
    ids = [_split(raw) for raw, _ in rows]
    jobs = (
        Job.fetch_many([i for i, _ in ids], connection=connection, serializer=JSONSerializer) if ids else []
    )
    return [
        Entry(job_id, task, score, job)
        for (job_id, task), (_, score), job in zip(ids, rows, jobs, strict=True)
    ]


def _matching_statuses(connection, key: str, status: str) -> list[tuple[bytes, float]]:
    """Newest-first (member, score) pairs whose job has ``status`` ("expired" for gone jobs)."""
    matches = []
    for start in range(0, STATUS_SCAN_LIMIT, _BATCH):
        rows = connection.zrevrange(key, start, start + _BATCH - 1, withscores=True)
        if not rows:
            break
        pipe = connection.pipeline(transaction=False)
        for raw, _ in rows:
            pipe.hget(Job.key_for(_split(raw)[0]), "status")
        for row, found in zip(rows, pipe.execute(), strict=True):
            if (found.decode() if found else "expired") == status:
                matches.append(row)
    return matches


def page(
    connection,
    owner: str,
    number: int,
    per_page: int,
    *,
    task: str | None = None,
    status: str | None = None,
    max_age: int = 7 * 24 * 3600,
) -> tuple[list[Entry], int]:
    """Entries on page ``number`` (from 1) and how many entries match in all."""
    key = owner_key(owner, task)
    _prune(connection, owner, key, max_age)
    start = (number - 1) * per_page
    if status:
        matches = _matching_statuses(connection, key, status)
        return _entries(connection, matches[start : start + per_page]), len(matches)
    rows = connection.zrevrange(key, start, start + per_page - 1, withscores=True)
    return _entries(connection, rows), connection.zcard(key)
