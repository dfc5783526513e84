"""The one piece of work every approach on the "Why a queue?" page runs.

Sleep for the duration in ten steps, then mark the run done in Redis under its run id, so the
measurer (another process) can tell whether the work completed. ``steps`` yields after each step so
an approach that has somewhere to send progress (a streamed body, an RQ job's meta) can send it.
"""

import secrets
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


#: the header that carries a demo call's one-use token
TOKEN_HEADER = "X-Jobdeck-Why-Token"
#: one measurement at a time, site-wide: the measuring job's id, while it is queued or running
MEASURING_KEY = "jobdeck:why:measuring"


def token_key(token: str) -> str:
    return f"jobdeck:why:token:{token}"


def mint_tokens(connection, seconds: int, ttl: int = TTL) -> dict[str, str]:
    """One one-use token per approach, each good for one demo call of that approach and duration;
    the site gives them to the measurement job it starts (and to no one else)."""
    tokens = {slug: secrets.token_urlsafe(18) for slug, _ in APPROACHES}
    pipe = connection.pipeline(transaction=False)
    for slug, token in tokens.items():
        pipe.set(token_key(token), f"{slug}:{seconds}", ex=ttl)
    pipe.execute()
    return tokens


def consume_token(connection, token: str, slug: str, seconds: float) -> bool:
    """True once for a token minted for this approach and duration; the token is gone after."""
    if not token or len(token) > 64:
        return False
    granted = connection.getdel(token_key(token))
    return granted is not None and granted.decode() == f"{slug}:{seconds:g}"


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
