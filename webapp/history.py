"""Each owner's jobs, newest first: a Redis sorted set per owner (score = submit time).

The site keeps this index itself, so listing a browser's jobs never scans RQ's registries; entries
whose jobs have expired are pruned when a page of them is read.
"""

from rq.job import Job
from rq.serializers import JSONSerializer


def owner_key(owner: str) -> str:
    return f"jobdeck:owner:{owner}"


def add(pipe, owner: str, job_id: str, when: float, ttl: int) -> None:
    pipe.zadd(owner_key(owner), {job_id: when})
    pipe.expire(owner_key(owner), ttl)


def page(connection, owner: str, number: int, per_page: int) -> tuple[list[Job], int]:
    """Jobs on page ``number`` (from 1) and the total count, pruning expired entries."""
    key = owner_key(owner)
    start = (number - 1) * per_page
    ids = [i.decode() for i in connection.zrevrange(key, start, start + per_page - 1)]
    jobs = Job.fetch_many(ids, connection=connection, serializer=JSONSerializer) if ids else []
    gone = [job_id for job_id, job in zip(ids, jobs, strict=True) if job is None]
    if gone:
        connection.zrem(key, *gone)
    return [job for job in jobs if job is not None], connection.zcard(key)
