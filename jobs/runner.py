"""The one function RQ runs for every Jobdeck job: ``execute(task, params)``.

It looks the task up in the registry, validates the parameters again (jobs can also arrive through
the API or straight from RQ), keeps the job's log lines and progress, and returns the task's result.
"""

import importlib
import logging
import time

from rq import get_current_job

from jobs import durations, progress
from jobs.errors import TaskInputError
from jobs.joblog import RedisJobLogHandler
from jobs.registry import get_task

LOG_TTL = 7 * 24 * 3600
_running: str | None = None  # the id of the job whose task runs in this process right now


def running_job_id() -> str | None:
    """The job whose task code runs in this process now (None between jobs): what an in-process
    worker may interrupt to stop it."""
    return _running


def load_task_module(task: str):
    spec = get_task(task)
    if spec is None:
        raise TaskInputError(f"There is no task called {task!r}.")
    return importlib.import_module(spec.module)


def execute(task: str, params: dict):
    module = load_task_module(task)
    if not isinstance(params, dict):
        raise TaskInputError("The job's parameters must be a JSON object.")
    clean = module.validate(params)
    job = get_current_job()
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
        result = module.run(clean)
        if job is not None:
            durations.record(job.connection, task, time.monotonic() - started)
        return result
    finally:
        _running = None
        progress.end()
        if handler is not None:
            root.removeHandler(handler)
