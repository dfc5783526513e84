"""Which attempt a job's current run is, counted the one way the job page and the tasks share.

RQ keeps only ``retries_left``; the site stores the number of attempts a job gets (its task's retry
count plus one) in ``job.meta["attempts"]`` when it enqueues it.
"""


def attempt_of(job) -> tuple[int, int]:
    """(this attempt, all attempts), both counted from 1; (1, 1) for a job without retries."""
    attempts = (job.meta or {}).get("attempts") or 1
    left = job.retries_left if job.retries_left is not None else attempts - 1
    return attempts - left, attempts
