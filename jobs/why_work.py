"""The one piece of work every approach on the "Why a queue?" page runs.

Sleep for the duration in ten steps, then mark the run done in Redis under its run id, so the
measurer (another process) can tell whether the work completed. ``steps`` yields after each step so
an approach that has somewhere to send progress (a streamed body, an RQ job's meta) can send it.
"""

import time

from rq import get_current_job

STEPS = 10
TTL = 3600

#: (url slug, what the page calls it), in the order the page shows them
APPROACHES = (
    ("after-request", "after_request"),
    ("teardown", "teardown_request"),
    ("stream", "streamed response"),
    ("thread", "threading.Thread"),
    ("rq", "RQ job"),
)


def key(run_id: str, what: str) -> str:
    return f"jobdeck:why:{run_id}:{what}"


def steps(seconds: float):
    """Sleep ``seconds`` in ``STEPS`` steps, yielding ``(done, total)`` after each one."""
    start = time.monotonic()
    for done in range(1, STEPS + 1):
        time.sleep(max(0.0, start + seconds * done / STEPS - time.monotonic()))
        yield done, STEPS


def mark_done(connection, run_id: str) -> None:
    connection.set(key(run_id, "done"), time.time(), ex=TTL)


def do_work(connection, run_id: str, seconds: float) -> None:
    """The work without anywhere to report progress (after_request, teardown, thread)."""
    for _ in steps(seconds):
        pass
    mark_done(connection, run_id)


def rq_work(run_id: str, seconds: float) -> None:
    """The same work as an RQ job: progress goes to ``job.meta``, where anyone with the id can read it."""
    job = get_current_job()
    for done, total in steps(seconds):
        job.meta["progress"] = {"done": done, "total": total, "message": f"step {done} of {total}"}
        job.save_meta()
    mark_done(job.connection, run_id)
