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

from rq.job import Job, JobStatus

from jobs.joblog import log_key
from jobs.redis_scripts import LOOK, execute_loading
from webapp import lost_workers
from webapp.identity import can_manage

_FIELDS = ("status", "meta", "ended_at", "origin", "enqueued_at")
_ACTIVE = (JobStatus.QUEUED.value, JobStatus.STARTED.value)


def _look(connection, job_id: str, origin: str) -> lost_workers.Look:
    job = Job(job_id, connection=connection)  # only its id and origin are needed for the keys
    job.origin = origin

    def build(pipe):
        pipe.evalsha(LOOK.sha, len(keys), *keys, *lost_workers.look_args(job))

    keys = lost_workers.look_keys(job)
    return lost_workers.as_look(execute_loading(connection, build, (LOOK,))[0])


def current(connection, job_id: str) -> str | None:
    """The job's ETag (unquoted, as werkzeug's ETags compare it), or None when only the full read
    can answer."""
    pipe = connection.pipeline(transaction=False)
    pipe.hmget(Job.key_for(job_id), *_FIELDS)
    pipe.lindex(log_key(job_id), -1)
    (status, meta, ended_at, origin, enqueued_at), last_line = pipe.execute()
    if status is None:
        return None
    try:
        owner = json.loads(meta).get("owner") if meta else None
    except ValueError:
        return None
    if not can_manage(owner):
        return None
    place = b""
    if status.decode() in _ACTIVE:
        seen = _look(connection, job_id, (origin or b"").decode())
        if seen.expired or seen.orphaned:
            return None
        place = str(seen.position).encode()
    digest = hashlib.blake2b(digest_size=12)
    for part in (status, meta, ended_at, enqueued_at, last_line, place):
        digest.update(part or b"")
        digest.update(b"\0")
    return digest.hexdigest()
