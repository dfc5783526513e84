"""An owner's job history made directly in Redis: N index entries (pipelined), real RQ job hashes
for the newest 20 (the rows page 1 shows), and the signed session cookie that names the owner."""

import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from bench.harness import SECRET_KEY
from jobs import history_index
from webapp import history
from webapp.submission import RUNNER, describe

REAL_ROWS = 20
CHUNK = 10_000


def make_owner(connection, entries: int, task: str = "countdown", ended: bool = False) -> str:
    """``ended``: the entries are also in the owner's "finished" index, as the worker leaves them."""
    owner = uuid.uuid4().hex
    now = datetime.now(UTC)
    ids = [str(uuid.uuid4()) for _ in range(entries)]
    keys = (history.owner_key(owner), history.owner_key(owner, task))
    if ended:
        keys += (history_index.status_key(owner, "finished"),)
    for start in range(0, entries, CHUNK):
        pipe = connection.pipeline(transaction=False)
        mapping = {
            history.member(job_id, task): now.timestamp()
            - (start + i) / 2  # 1M entries fit in the 7-day window
            for i, job_id in enumerate(ids[start : start + CHUNK])
        }
        for key in keys:
            pipe.zadd(key, mapping)
        pipe.execute()
    pipe = connection.pipeline(transaction=False)
    for i, job_id in enumerate(ids[:REAL_ROWS]):  # ids[0] is the newest
        params = {"seconds": 3}
        job = Job.create(
            RUNNER,
            args=(task, params),
            id=job_id,
            connection=connection,
            serializer=JSONSerializer,
            description=describe(task, params),
            meta={
                "task": task,
                "params": params,
                "owner": owner,
                "attempts": 1,
                "progress": {"done": 3, "total": 3, "message": "3 of 3 s", "updated_at": now.timestamp()},
            },
            result_ttl=86_400,
        )
        job.created_at = job.enqueued_at = now - timedelta(seconds=i + 4)
        job.started_at = now - timedelta(seconds=i + 3)
        job.ended_at = now - timedelta(seconds=i)
        job.origin = "default"
        job.set_status(JobStatus.FINISHED, pipeline=pipe)
        job.save(pipeline=pipe)
    pipe.execute()
    return owner


def cookie(owner: str) -> str:
    """``session=<signed {"owner": ...}>``, as the site would have set it for this browser."""
    app = Flask(__name__)
    app.secret_key = SECRET_KEY
    value = SecureCookieSessionInterface().get_signing_serializer(app).dumps({"owner": owner})
    return f"session={value}"
