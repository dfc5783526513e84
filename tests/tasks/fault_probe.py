"""fault_probe: a task for the fault tests only, loaded with ``JOBDECK_TASKS=tests.tasks.fault_probe``.

Each run first records itself in Redis, one counter per job and attempt (``HINCRBY
jobdeck:probe:<job id> attempt:<n> 1``), then waits. A test that kills workers can then count how
often each job's side effect ran, and in which attempt.
"""

import time

from rq import get_current_job

from jobs.attempts import attempt_of
from jobs.task_declaration import Params, TaskSpec, param

KEY_TTL = 3600
MAX_SECONDS = 10


def key(job_id: str) -> str:
    return f"jobdeck:probe:{job_id}"


def runs(connection, job_id: str) -> dict[str, int]:
    """How often the probe's side effect ran for a job, per attempt ("attempt:1": 1, ...)."""
    found = connection.hgetall(key(job_id))
    return {k.decode(): int(v) for k, v in found.items()}


class ProbeParams(Params):
    seconds: float = param(ge=0, le=MAX_SECONDS, title="Seconds")


def run(params: dict) -> dict:
    job = get_current_job()
    attempt = attempt_of(job)[0] if job is not None else 1
    if job is not None:
        with job.connection.pipeline() as pipe:
            pipe.hincrby(key(job.id), f"attempt:{attempt}", 1)
            pipe.expire(key(job.id), KEY_TTL)
            pipe.execute()
    time.sleep(params["seconds"])
    return {"summary": f"Probe ran (attempt {attempt}).", "attempt": attempt}


TASKS = [
    TaskSpec(
        name="fault_probe",
        title="Fault probe",
        description="Test support: records each run in Redis, then waits; retried once if lost.",
        params=ProbeParams,
        run=run,
        timeout=60,
        retry_max=1,
        listed=False,
    ),
    TaskSpec(
        name="fault_probe_in_process",
        title="Fault probe, in process",
        description="Test support: the probe on the in-process worker's queue, with a 2 s timeout.",
        params=ProbeParams,
        run=run,
        timeout=2,
        listed=False,
        in_process=True,
    ),
]
