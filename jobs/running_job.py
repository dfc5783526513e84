"""The RQ job a task runs in, for the task helpers that read and write its files."""

from rq import get_current_job


def running_job():
    """The current RQ job; a task that reads or writes files must run in a worker."""
    job = get_current_job()
    if job is None:
        raise RuntimeError("This task reads and writes files through its RQ job; run it in a worker.")
    return job
