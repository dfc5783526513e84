"""Jobdeck's own liveness check for running jobs, much faster than RQ's heartbeat allowance.

RQ notices a dead worker when its job's started-registry entry expires: the job monitoring
interval plus a fixed 60 s. Here each attempt at a job also has a deadline of ``WINDOW`` seconds in
one sorted set (``LIVENESS_KEY``, the shape of RQ's registries, so one range query finds every
overdue job), which the worker's main process renews every ``RENEW_EVERY`` s while it watches the
work horse. Every worker sweeps the set every ``SWEEP_EVERY`` s, busy or idle, so nobody has to be
looking at a page: an attempt past its deadline is declared lost and RQ's own cleanup fails the
job (FailedJobRegistry, AbandonedJobError: "The worker running this job was lost") or retries it.

Each attempt is fenced: ``jobdeck:attempt:<job id>`` holds its token (the execution id RQ gave
it) and state. An outcome is recorded only after ``claim`` succeeds, atomically, for the job's
current attempt; a worker that was frozen (SIGSTOP) or cut off past its deadline and then resumes
is refused, so a late result never lands next to its retry's.

The deadlines are on Redis's clock. When Redis was away (down, hung) nobody could renew them, so
a sweep that finds a gap since the previous one trusts no deadline for a grace period
(jobs/lua/due_liveness.lua), and RQ's cleanup waits for it too (jobs/started_cleanup.py).
"""

import logging
import os

from rq.registry import StartedJobRegistry
from rq.utils import now, utcformat

from jobs.joblog import append_line
from jobs.redis_scripts import (
    BEGIN_ATTEMPT,
    CLAIM_RESULT,
    DECLARE_LOST,
    DUE_LIVENESS,
    END_ATTEMPT,
    RENEW_LIVENESS,
)
from jobs.started_cleanup import GRACE_KEY, clean_started
from jobs.stop_requests import stop_key

log = logging.getLogger(__name__)

#: seconds an attempt stays alive without a renewal (JOBDECK_LIVENESS_SECONDS)
WINDOW = float(os.environ.get("JOBDECK_LIVENESS_SECONDS", 6))
RENEW_EVERY = 1  # seconds; the worker's job monitoring interval is held to this
SWEEP_EVERY = 1.0  # seconds between sweeps, per worker
#: a job whose worker died is failed or retried this long after its last renewal, at the latest
#: (a sweep's wait, and the time the cleanup itself takes, on a loaded machine)
DETECTION_BOUND = WINDOW + SWEEP_EVERY + 1
#: a gap this long between any worker's sweeps means Redis (or every worker) was away
SWEEP_GAP = 3.0
GRACE = WINDOW + 2 * RENEW_EVERY  # time for every live worker to renew after such a gap
CLAIM_HOLD = 60  # seconds RQ's started entry is kept while an outcome is written
LOST_LOG_TTL = 7 * 24 * 3600

LIVENESS_KEY = "jobdeck:liveness"
SWEPT_KEY = "jobdeck:liveness:swept"
SWEEP_BATCH = 200


def fence_key(job_id: str) -> str:
    return f"jobdeck:attempt:{job_id}"


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _started_key(queue_name: str) -> str:
    return StartedJobRegistry.key_template.format(queue_name)


def begin_in(pipe, job, token: str, worker_name: str) -> None:
    """Queue an attempt's start, its fence and its first deadline, on ``pipe`` (the main process's
    transaction that prepares the attempt). EVAL, not EVALSHA: a script Redis has not seen would
    fail inside the transaction while the writes around it went ahead."""
    keep = max(job.timeout or 0, 0) + 3600
    keys = [fence_key(job.id), LIVENESS_KEY]
    args = [job.id, token, job.origin, worker_name, _ms(WINDOW), int(keep)]
    pipe.eval(BEGIN_ATTEMPT.script, len(keys), *keys, *args)


REFUSED, RENEWED, STOP = 0, 1, 2


def renew(connection, job, token: str) -> int:
    """Push the attempt's deadline on: RENEWED; REFUSED when it is no longer the job's running
    attempt; STOP when renewed and a stop request was left for the job."""
    keys = [fence_key(job.id), LIVENESS_KEY, _started_key(job.origin), stop_key(job.id)]
    return int(RENEW_LIVENESS(keys=keys, args=[job.id, token, _ms(WINDOW)], client=connection))


def claim(connection, job, token: str) -> bool:
    """May this attempt record its outcome? Atomic with respect to the sweep and RQ's cleanup. When
    granted, the job's last heartbeat is written too (what RQ writes as the execution ends)."""
    job.last_heartbeat = now()
    keys = [fence_key(job.id), LIVENESS_KEY, _started_key(job.origin), job.key]
    args = [job.id, token, CLAIM_HOLD, utcformat(job.last_heartbeat)]
    return bool(CLAIM_RESULT(keys=keys, args=args, client=connection))


def end_in(pipe, job_id: str, token: str) -> None:
    """Queue the end of an attempt on ``pipe`` (see begin_in): its fence, deadline and stop request go."""
    keys = [fence_key(job_id), LIVENESS_KEY, stop_key(job_id)]
    pipe.eval(END_ATTEMPT.script, len(keys), *keys, job_id, token)


def sweep(connection, queue_names) -> list[str]:
    """Declare the overdue attempts lost and let RQ's cleanup fail or retry their jobs; also run
    that cleanup for any of ``queue_names`` with an expired RQ entry. Returns the jobs declared lost.
    """
    started = [_started_key(name) for name in queue_names]
    reply = DUE_LIVENESS(
        keys=[LIVENESS_KEY, SWEPT_KEY, GRACE_KEY, *started],
        args=[_ms(SWEEP_GAP), _ms(GRACE), SWEEP_BATCH],
        client=connection,
    )
    grace, expired, due = reply[0], reply[1 : 1 + len(started)], reply[1 + len(started) :]
    if grace:
        return []
    to_clean = {name for name, count in zip(queue_names, expired, strict=True) if count}
    declared = []
    if due:
        job_ids = [job_id.decode() for job_id in due]
        with connection.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hget(fence_key(job_id), "queue")
            queues = [(queue or b"default").decode() for queue in pipe.execute()]
        for job_id, queue in zip(job_ids, queues, strict=True):
            found = DECLARE_LOST(
                keys=[fence_key(job_id), LIVENESS_KEY, _started_key(queue)], args=[job_id], client=connection
            )
            if not found:
                continue
            token, worker, late_ms = found
            declared.append(job_id)
            to_clean.add(queue)
            log.warning("Job %s: worker %s stopped answering; declared lost", job_id, worker.decode())
            append_line(
                connection,
                job_id,
                f"WARNING The worker running this job ({worker.decode()}) stopped answering for "
                f"{WINDOW + int(late_ms) / 1000:.1f} s; the job was declared lost.",
                ttl=LOST_LOG_TTL,
            )
    for queue in sorted(to_clean):
        clean_started(connection, queue)
    return declared
