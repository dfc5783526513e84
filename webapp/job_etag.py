"""A job's ETag for ``GET /api/jobs/<id>``, read without the full read of the job.

The tag digests what the JSON can change with: the job's status, its meta (progress, owner), its
end time, its newest log line and, while it is queued, its place in its queue. It costs one
pipelined round trip (HMGET and LINDEX), plus the lost-worker look (jobs/lua/look.lua) for a queued
or started job. When that look finds something to settle (a lost worker's job, an orphan), or the
asker may not read the job, there is no cheap tag: the full read decides, as it always did.
The full answer carries the same tag (computed the same way), so the next poll can be a 304.
"""

import hashlib
import json
import time

from rq.job import Job, JobStatus

from jobs.joblog import log_key
from jobs.redis_scripts import LOOK, execute_loading
from webapp import lost_workers
from webapp.job_access import owner_may_read

_FIELDS = ("status", "meta", "ended_at", "origin", "enqueued_at")
_ACTIVE = (JobStatus.QUEUED.value, JobStatus.STARTED.value)
#: how long a process reuses a job's JSON for others asking with the same tag (its elapsed time
#: and ETA are at most this old)
BODY_REUSE_SECONDS = 0.5
_MAX_BODIES = 1000  # jobs remembered per process (their JSON, their queue)


_origins: dict[str, str] = {}  # job id -> its queue (a job's origin never changes)


def _look_keys_and_args(connection, job_id: str, origin: str) -> tuple[list, list]:
    job = Job(job_id, connection=connection)  # only its id and origin are needed for the keys
    job.origin = origin
    return lost_workers.look_keys(job), lost_workers.look_args(job)


def current(connection, job_id: str) -> str | None:
    """The job's ETag (unquoted, as werkzeug's ETags compare it), or None when only the full read
    can answer. One round trip when this process has seen the job before (it knows its queue for
    the lost-worker look), two the first time."""
    origin = _origins.get(job_id)

    def build(pipe):
        pipe.hmget(Job.key_for(job_id), *_FIELDS)
        pipe.lindex(log_key(job_id), -1)
        if origin is not None:
            keys, args = _look_keys_and_args(connection, job_id, origin)
            pipe.evalsha(LOOK.sha, len(keys), *keys, *args)

    replies = execute_loading(connection, build, (LOOK,))
    (status, meta, ended_at, found_origin, enqueued_at), last_line = replies[:2]
    if status is None:
        return None
    try:
        owner = json.loads(meta).get("owner") if meta else None
    except ValueError:
        return None
    if not owner_may_read(owner):  # the rule of job_access.can_read, on the owner read here
        return None
    place = b""
    if status.decode() in _ACTIVE:
        if origin is None:
            origin = (found_origin or b"").decode()
            if len(_origins) >= _MAX_BODIES:
                _origins.pop(next(iter(_origins)), None)
            _origins[job_id] = origin
            keys, args = _look_keys_and_args(connection, job_id, origin)
            reply = execute_loading(
                connection, lambda pipe: pipe.evalsha(LOOK.sha, len(keys), *keys, *args), (LOOK,)
            )[0]
        else:
            reply = replies[2]
        seen = lost_workers.as_look(reply)
        if seen.expired or seen.orphaned:
            return None
        place = str(seen.position).encode()
    digest = hashlib.blake2b(digest_size=12)
    for part in (status, meta, ended_at, enqueued_at, last_line, place):
        digest.update(part or b"")
        digest.update(b"\0")
    return digest.hexdigest()


_bodies: dict[str, tuple[str, bytes, float]] = {}  # job id -> (tag, JSON, monotonic time made)


def recall(job_id: str, tag: str | None) -> bytes | None:
    """The JSON this process made for the job at this tag, while it is fresh: many pages watching
    one job then cost one full read a change per process, not one each."""
    found = _bodies.get(job_id)
    if tag is None or found is None or found[0] != tag or time.monotonic() - found[2] > BODY_REUSE_SECONDS:
        return None
    return found[1]


def remember(job_id: str, tag: str | None, body: bytes) -> None:
    if tag is None:
        return
    if len(_bodies) >= _MAX_BODIES:
        _bodies.pop(next(iter(_bodies)), None)
    _bodies[job_id] = (tag, body, time.monotonic())
