"""Progress reporting for tasks: ``report(done, total, message)``.

Progress lives in ``job.meta["progress"]`` (the pattern of the Flask Mega-Tutorial's RQ chapter),
so whoever can fetch the job can read it. Writes are throttled to one every ``MIN_INTERVAL``
seconds per job (the first and the final report always go through), so a task may call
``report`` in a tight loop.

A suppressed call must cost next to nothing: a clock read alone (``time.monotonic``) costs about
twice a Python function call, so the throttle reads no clock. A write closes a gate and a timer
thread opens it again ``MIN_INTERVAL`` later; a suppressed call reads one global and compares
``done`` with ``total`` (bench/report_loop.py measures it).
"""

import contextlib
import os
import threading
import time

import redis

from jobs import job_changes

MIN_INTERVAL = 0.25

_job = None  # the job being run in this process, set by begin()
_closed = False  # True for MIN_INTERVAL after a write: non-final reports return at once
_timer: threading.Timer | None = None  # opens the gate again


def _open() -> None:
    global _closed
    _closed = False


def _reset() -> None:
    global _timer
    if _timer is not None:
        _timer.cancel()
        _timer = None
    _open()


def _close() -> None:
    global _closed, _timer
    _reset()
    _closed = True
    _timer = threading.Timer(MIN_INTERVAL, _open)
    _timer.daemon = True
    _timer.start()


# a process forked while the gate is closed would have no timer to open it
os.register_at_fork(after_in_child=_reset)


def begin(job) -> None:
    """Called by the runner when a job starts; resets the throttle for it."""
    global _job
    _reset()
    _job = job
    if job is not None:  # queued -> started: pages watching the job hear it (jobs/job_changes.py)
        with contextlib.suppress(redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            job_changes.publish(job.connection, job.id)


def end() -> None:
    global _job
    _job = None
    _reset()


def report(done: float, total: float | None = None, message: str = "") -> None:
    """Record that ``done`` of ``total`` units are finished, with a short human message."""
    if _closed and (total is None or done < total):
        return
    _write(done, total, message)  # apart, so that this function stays small: a smaller frame


def _write(done, total, message) -> None:
    job = _job
    if job is None:
        return
    _close()
    job.meta["progress"] = {
        "done": done,
        "total": total,
        "message": message,
        "updated_at": time.time(),
    }
    # Redis away for a moment: the job goes on, and a later report says where it is
    with contextlib.suppress(redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        job.save_meta()
        job_changes.publish(job.connection, job.id)
