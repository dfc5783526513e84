"""fault_probe: test support for the fault tests (not in the catalog).

Each run first records itself in Redis, one counter per job and attempt (``HINCRBY
jobdeck:probe:<job id> attempt:<n> 1``), then waits. A test that kills workers can then count how
often each job's side effect ran, and in which attempt.
"""

import time

from rq import get_current_job

from jobs.attempts import attempt_of
from jobs.errors import TaskInputError

KEY_TTL = 3600
MAX_SECONDS = 10


def key(job_id: str) -> str:
    return f"jobdeck:probe:{job_id}"


def validate(params: dict) -> dict:
    seconds = params.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TaskInputError("Seconds must be a number.")
    if not 0 <= seconds <= MAX_SECONDS:
        raise TaskInputError(f"Seconds must be between 0 and {MAX_SECONDS}.")
    return {"seconds": seconds}


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
