"""Each owner's jobs, newest first, read from the indexes in ``jobs/history_index.py``.

Listing (and filtering by task or by an ended status) reads one sorted set and its ZCARD, so a page
costs the same at a thousand jobs and at a million. Filtering by an active status (queued,
scheduled, deferred, started) looks the statuses up in the owner's active index, which holds only
the jobs that have not ended. A count the site does not know (an active index larger than
``ACTIVE_SCAN_LIMIT``) is not shown: the page then says only whether an older page exists.
"""

import time
from dataclasses import dataclass

from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import history_index
from jobs.history_index import member, owner_key, split
from jobs.redis_scripts import INDEX_SUBMISSION

#: filtering by status looks at this many active (not ended) entries at most
ACTIVE_SCAN_LIMIT = 20_000

__all__ = ["owner_key", "member", "add", "index_submission", "remove", "page", "Entry"]


@dataclass
class Entry:
    job_id: str
    task: str
    submitted_at: float
    job: Job | None  # None when the job has expired


def add(pipe, owner: str, job_id: str, task: str, when: float, ttl: int) -> None:
    """Index a job under its owner (and owner and task, and both active indexes), in ``pipe`` (the
    enqueue's transaction), trimming them of entries older than ``ttl``."""
    index_submission(pipe, job_id, task, when, ttl, owner=owner)


def index_submission(
    pipe, job_id: str, task: str, when: float, ttl: int, owner: str | None = None, search_keys=()
) -> None:
    """Index a submitted job under its ``owner`` (as ``add``) and in the console's search index
    (``search_keys``: ``search_index.keys_for``), either or both, in one EVAL in ``pipe``.

    EVAL, not EVALSHA: a script Redis has not seen would fail inside the transaction while the
    enqueue around it went ahead; EVAL carries its text, and Redis compiles it once."""
    owned = (
        [
            owner_key(owner),
            owner_key(owner, task),
            history_index.active_key(owner),
            history_index.active_key(owner, task),
        ]
        if owner is not None
        else []
    )
    keys = [*owned, *search_keys]
    args = (len(owned), repr(when), member(job_id, task), ttl, repr(when - ttl), job_id)
    pipe.eval(INDEX_SUBMISSION.script, len(keys), *keys, *args)


def remove(connection, owner: str, job_id: str, task: str) -> None:
    pipe = connection.pipeline(transaction=False)
    for key in history_index.all_keys(owner, task):
        pipe.zrem(key, member(job_id, task))
    pipe.execute()


def _entries(connection, rows) -> list[Entry]:
    ids = [split(raw) for raw, _ in rows]
    jobs = (
        Job.fetch_many([i for i, _ in ids], connection=connection, serializer=JSONSerializer) if ids else []
    )
    return [
        Entry(job_id, task, score, job)
        for (job_id, task), (_, score), job in zip(ids, rows, jobs, strict=True)
    ]


def _active_matching(connection, key: str, status: str, limit: int) -> tuple[list[tuple[bytes, float]], bool]:
    """Newest-first (member, score) pairs of the active index ``key`` whose job has ``status``
    (among its newest ``limit``), and whether that was the whole index."""
    rows = connection.zrevrange(key, 0, limit, withscores=True)
    complete = len(rows) <= limit
    rows = rows[:limit]
    pipe = connection.pipeline(transaction=False)
    for raw, _ in rows:
        pipe.hget(Job.key_for(split(raw)[0]), "status")
    found = pipe.execute()
    return [row for row, word in zip(rows, found, strict=True) if word and word.decode() == status], complete


def page(
    connection,
    owner: str,
    number: int,
    per_page: int,
    *,
    task: str | None = None,
    status: str | None = None,
    max_age: int = 7 * 24 * 3600,
) -> tuple[list[Entry], int | None, bool]:
    """Entries on page ``number`` (from 1), how many entries match in all (None when that is not
    known), and whether a later page has entries."""
    start = (number - 1) * per_page
    if status:
        exact = history_index.settle(connection, owner, task, max_age, ACTIVE_SCAN_LIMIT)
        if status in history_index.INDEXED:
            key = history_index.status_key(owner, status, task)
        else:
            matches, complete = _active_matching(
                connection, history_index.active_key(owner, task), status, ACTIVE_SCAN_LIMIT
            )
            total = len(matches) if exact and complete else None
            return (
                _entries(connection, matches[start : start + per_page]),
                total,
                len(matches) > start + per_page,
            )
    else:
        key = owner_key(owner, task)
        exact = True
    pipe = connection.pipeline(transaction=False)
    pipe.zremrangebyscore(key, "-inf", f"({time.time() - max_age!r}")
    pipe.zrevrange(key, start, start + per_page - 1, withscores=True)
    pipe.zcard(key)
    _, rows, count = pipe.execute()
    return _entries(connection, rows), count if exact else None, count > start + per_page
