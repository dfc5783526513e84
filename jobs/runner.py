"""The one function RQ runs for every Jobdeck job: ``execute(task, params)``.

It looks the task up in the registry, validates the parameters again (jobs can also arrive through
the API or straight from RQ), keeps the job's log lines and progress, and returns the task's result.
"""

import logging
import time

from rq import get_current_job
from rq.defaults import DEFAULT_FAILURE_TTL, DEFAULT_RESULT_TTL

from jobs import durations, progress, storage
from jobs.attempts import refuse_retries
from jobs.errors import TaskInputError
from jobs.joblog import RedisJobLogHandler
from jobs.registry import get_task, validate
from jobs.task_declaration import InvalidParams

LOG_TTL = 7 * 24 * 3600
_running: str | None = None  # the id of the job whose task runs in this process right now


def running_job_id() -> str | None:
    """The job whose task code runs in this process now (None between jobs): what an in-process
    worker may interrupt to stop it."""
    return _running


def _ttl(ttl: int | None, default: int) -> int:
    """The TTL RQ gives the job as it ends (its own default when the job names none)."""
    return default if ttl is None else ttl


def execute(task: str, params: dict):
    job = get_current_job()
    try:
        try:
            clean = validate(task, params)  # an unknown task or bad parameters: a TaskInputError
        except InvalidParams as invalid:  # the job's page and the console know input errors by this name
            raise TaskInputError(str(invalid)) from None
        return _run(get_task(task), clean, job)
    except TaskInputError:
        refuse_retries(job)
        raise


def _run(spec, clean: dict, job):
    task = spec.name
    handler = None
    root = logging.getLogger()
    if job is not None:
        ttls = [t for t in (job.result_ttl, job.failure_ttl) if t and t > 0]
        handler = RedisJobLogHandler(job.connection, job.id, ttl=max(ttls, default=LOG_TTL))
        root.addHandler(handler)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)
    global _running
    progress.begin(job)
    started = time.monotonic()
    _running = job.id if job is not None else None
    try:
        result = spec.run(clean)
        if job is not None:
            durations.record(job.connection, task, time.monotonic() - started)
            # inputs (and files) live as long as the result, not the 7 days they were stored for
            storage.expire_files(job.connection, job.id, _ttl(job.result_ttl, DEFAULT_RESULT_TTL))
        return result
    except BaseException:
        if job is not None:  # kept for a retry and the failed job's page: as long as the failure
            storage.expire_files(job.connection, job.id, _ttl(job.failure_ttl, DEFAULT_FAILURE_TTL))
        raise
    finally:
        _running = None
        progress.end()
        if handler is not None:
            root.removeHandler(handler)
