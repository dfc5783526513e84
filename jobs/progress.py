"""Progress reporting for tasks: ``report(done, total, message)``.

Progress lives in ``job.meta["progress"]`` (the pattern of the Flask Mega-Tutorial's RQ chapter),
so whoever can fetch the job can read it. Writes are throttled to one every ``MIN_INTERVAL``
seconds per job (the first and the final report always go through), so a task may call
``report`` in a tight loop: a suppressed call costs one clock read and one comparison.
"""

import time

MIN_INTERVAL = 0.25

_job = None  # the job being run in this process, set by begin()
_next_write = 0.0  # monotonic time before which non-final reports are dropped


def begin(job) -> None:
    """Called by the runner when a job starts; resets the throttle for it."""
    global _job, _next_write
    _job = job
    _next_write = 0.0


def end() -> None:
    global _job
    _job = None


def report(done: float, total: float | None = None, message: str = "") -> None:
    """Record that ``done`` of ``total`` units are finished, with a short human message."""
    global _next_write
    now = time.monotonic()
    if now < _next_write and (total is None or done < total):
        return
    job = _job
    if job is None:
        return
    _next_write = now + MIN_INTERVAL
    job.meta["progress"] = {
        "done": done,
        "total": total,
        "message": message,
        "updated_at": time.time(),
    }
    job.save_meta()
