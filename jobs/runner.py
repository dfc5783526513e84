"""The one function RQ runs for every Jobdeck job: ``execute(task, params)``.

It looks the task up in the registry, validates the parameters again (jobs can also arrive through
the API or straight from RQ), keeps the job's log lines and progress, and returns the task's result.
"""

import logging
import time

from rq import get_current_job

from jobs import durations, progress
from jobs.joblog import RedisJobLogHandler
from jobs.registry import get_task, validate

LOG_TTL = 7 * 24 * 3600


def execute(task: str, params: dict):
    spec = get_task(task)
    clean = validate(task, params)
    job = get_current_job()
    handler = None
    root = logging.getLogger()
    if job is not None:
        ttls = [t for t in (job.result_ttl, job.failure_ttl) if t and t > 0]
        handler = RedisJobLogHandler(job.connection, job.id, ttl=max(ttls, default=LOG_TTL))
        root.addHandler(handler)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)
    progress.begin(job)
    started = time.monotonic()
    try:
        result = spec.run(clean)
        if job is not None:
            durations.record(job.connection, task, time.monotonic() - started)
        return result
    finally:
        progress.end()
        if handler is not None:
            root.removeHandler(handler)
