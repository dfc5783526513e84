"""A batch: one job per input, held together by RQ's ``Group``, with Jobdeck's few facts beside it.

RQ's group (``rq:group:<id>``, a set of job ids; each job carries ``group_id``) is the one home of
which jobs belong to a batch. Beside it, in ``jobdeck:batch:<id>``, Jobdeck keeps what RQ's group
has no place for: the owner, the task, when it was submitted, its size and its webhook. The
``ended`` set counts the jobs that reached their end, so the worker that ends the last one knows
the batch is over (one round trip per job end, not a read of every job).

Site and workers share this module: the site writes batches and reads them, the worker's job class
(``jobs/webhook_job.py``) notes each job's end.
"""

import json

from rq.group import Group

#: the largest batch the API takes in one request (the form takes fewer: see webapp/batch_forms.py)
MAX_ITEMS = 1000
#: jobs enqueued per round trip: one MULTI/EXEC per chunk keeps Redis responsive to other clients
CHUNK = 250
#: how long the end-counting keys of a batch whose facts have expired are kept
ORPHAN_TTL = 3600


def key(batch_id: str) -> str:
    return f"jobdeck:batch:{batch_id}"


def ended_key(batch_id: str) -> str:
    return f"jobdeck:batch:{batch_id}:ended"


def notified_key(batch_id: str) -> str:
    return f"jobdeck:batch:{batch_id}:notified"


def group_key(batch_id: str) -> str:
    return Group.get_key(batch_id)


def write(pipe, batch_id: str, owner: str, task: str, size: int, created: float, webhook, ttl: int) -> None:
    """The batch's own facts, in ``pipe`` (the first chunk's round trip)."""
    pipe.hset(
        key(batch_id),
        mapping={
            "owner": owner,
            "task": task,
            "size": size,
            "created_at": created,
            "webhook": json.dumps(webhook) if webhook else "",
        },
    )
    pipe.expire(key(batch_id), ttl)


def note_ended(connection, batch_id: str, job_ids: list[str]) -> bool:
    """Count ``job_ids`` as ended; True once for the call that ends the batch's last job."""
    pipe = connection.pipeline()
    pipe.sadd(ended_key(batch_id), *job_ids)
    pipe.ttl(key(batch_id))
    pipe.scard(ended_key(batch_id))
    pipe.scard(group_key(batch_id))
    _, ttl, ended, members = pipe.execute()
    ttl = ttl if ttl and ttl > 0 else ORPHAN_TTL  # the batch's facts have expired: keep ours briefly
    connection.expire(ended_key(batch_id), ttl)
    if not members or ended < members:
        return False
    # whoever sets the flag first reports the end: two workers ending the last two jobs at once
    return bool(connection.set(notified_key(batch_id), 1, nx=True, ex=ttl))


def reopen(pipe, batch_id: str, old_ids: list[str]) -> None:
    """Retried jobs leave the batch (their replacements join it): the batch may end again."""
    pipe.srem(group_key(batch_id), *old_ids)
    pipe.srem(ended_key(batch_id), *old_ids)
    pipe.delete(notified_key(batch_id))


def read_facts(connection, batch_id: str) -> tuple[dict, list[str]]:
    """The batch's facts (str to str, empty when there is no such batch) and its job ids."""
    pipe = connection.pipeline(transaction=False)
    pipe.hgetall(key(batch_id))
    pipe.smembers(group_key(batch_id))
    fields, members = pipe.execute()
    facts = {k.decode(): v.decode() for k, v in fields.items()}
    return facts, [m.decode() for m in members]
