"""Which attempt a job's current run is, counted the one way the job page and the tasks share.

RQ keeps only ``retries_left``; the site stores the number of attempts a job gets (its task's retry
count plus one) in ``job.meta["attempts"]`` when it enqueues it. A job whose input was refused gets
no retry (``refuse_retries``): RQ's count then says "the last attempt", so the meta keeps which
attempt it really was.
"""


def attempt_of(job) -> tuple[int, int]:
    """(this attempt, all attempts), both counted from 1; (1, 1) for a job without retries."""
    meta = job.meta or {}
    attempts = meta.get("attempts") or 1
    if meta.get("no_retry") and meta.get("attempt"):
        return meta["attempt"], attempts
    left = job.retries_left if job.retries_left is not None else attempts - 1
    return attempts - left, attempts


def no_retry_follows(job) -> bool:
    """True when the job's error cannot pass (refused input), so no retry follows it."""
    return bool((job.meta or {}).get("no_retry"))


def refuse_retries(job) -> None:
    """Refused input will be refused again: no retry follows; the meta keeps this attempt's number."""
    if job is None:
        return
    job.meta["attempt"], _ = attempt_of(job)
    job.meta["no_retry"] = True
    job.retries_left = 0
    job.save_meta()
