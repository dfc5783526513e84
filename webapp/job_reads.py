"""Reading a job for a page or the API: RQ's job, its latest result, its log lines, and, for a
queued job, its place in its queue, with a job whose worker was lost settled first
(webapp/lost_workers.py).

A page's other reads of the job (its share link, the queue's pause, its webhook's attempts) go in
the same pipelines as the job's own (``read``): each round trip to Redis costs a page more than
the commands in it, on a machine whose cores Redis shares with the site.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from rq.job import Job, JobStatus, parse_job_id
from rq.results import Result
from rq.serializers import JSONSerializer

from jobs.joblog import log_key, read_log
from jobs.redis_scripts import LOOK, evalsha_in, execute_loading
from webapp import lost_workers
from webapp.job_view import SHOWS_RESULT, UNREAD
from webapp.redis_connection import get_redis

#: one read, as data: a redis-py pipeline method's name and its arguments, e.g. ``("mget", keys)``
Command = tuple


class JobRead(NamedTuple):
    job: Job | None
    log: list[str]
    #: a queued job's place in its queue when the read found it; None when it did not (the job
    #: is not queued, or the caller asks Redis: job_insights)
    place: lost_workers.QueuePlace | None = None


@dataclass
class FullRead:
    """What ``read`` found: the job (None when it is not one of the site's), its log lines, its
    place in its queue (as ``JobRead``), its latest result (None when it has none, ``UNREAD`` when
    the read could not use it, or did not read it because the job's view does not show it) and the
    replies of the caller's own commands, by name."""

    job: Job | None
    log: list[str] = field(default_factory=list)
    place: lost_workers.QueuePlace | None = None
    latest: Any = UNREAD
    replies: dict[str, Any] = field(default_factory=dict)


def job_from_hash(job_id: str, fields: dict) -> Job | None:
    """The RQ job built from its hash's fields, as ``Job.fetch_many`` builds each job from its
    HGETALL; None when the hash is empty, is not an RQ job, or is not JSON (e.g. pickled).

    RQ decodes a job's call lazily and keeps undecodable meta as ``{"unserialized": ...}``, so both
    are checked here: a job the site cannot read as JSON is not one of its jobs.
    """
    if not fields:
        return None
    job = Job(job_id, connection=get_redis(), serializer=JSONSerializer)
    try:
        job.restore(fields)
        job.func_name  # noqa: B018 (decodes the call now, not in the middle of a page)
    except Exception:  # a hash that is not an RQ job, or a call that is not JSON
        return None
    if "unserialized" in (job.meta or {}):
        return None
    return job


def fetch_job(job_id: str) -> Job | None:
    """The RQ job, or None when it never existed, has expired, or is not JSON: one HGETALL."""
    job_id = parse_job_id(job_id)
    return job_from_hash(job_id, get_redis().hgetall(Job.key_for(job_id)))


def _latest_result(job: Job, reply: list) -> Result | None:
    """The job's latest result from its result stream's newest entry (``Result.fetch_latest``'s
    XREVRANGE), or None when it has none."""
    if not reply:
        return None
    result_id, payload = reply[0]
    return Result.restore(
        job.id, result_id.decode(), payload, connection=job.connection, serializer=job.serializer
    )


def _is_active(job: Job) -> bool:
    return job.get_status(refresh=False) in (JobStatus.QUEUED, JobStatus.STARTED)


#: the lost-worker look's name among a read's commands
_LOOK = "look"
#: the latest result's read, by name, when it goes in the second pipeline
_RESULT = "latest result"
#: each job as this process last read it (a page of an active job is read again and again): its
#: reads that depend on the job go in the first pipeline when they are likely the same again
_last_read: dict[str, Job] = {}
_MAX_REMEMBERED = 1000


def _plan(job: Job, after) -> dict[str, Command]:
    """The reads that depend on the job: the caller's, and the look of a queued or started job."""
    plan = dict(after(job)) if after else {}
    if _is_active(job):
        plan[_LOOK] = (_LOOK, tuple(lost_workers.look_keys(job)), job)
    return plan


def _result_read(job_id: str) -> Command:
    """``Result.fetch_latest``'s read: the newest entry of the job's result stream."""
    return ("xrevrange", Result.get_key(job_id), "+", "-", 1)


def _result_first(before: Job | None) -> bool:
    """Whether the latest result is read with the job's hash: unless this process last saw the
    job in a status whose view does not show it (queued, running: it is read again and again),
    when it is read after the hash, should the job have ended with a result meanwhile."""
    if before is None:
        return True
    status = before.get_status(refresh=False)
    return status is not None and status.value in SHOWS_RESULT


def _queue(pipe, command: Command) -> None:
    if command[0] == _LOOK:  # (its keys, the job): its arguments hold the time it is sent
        _, keys, job = command
        evalsha_in(pipe, LOOK, list(keys), lost_workers.look_args(job))
    else:
        getattr(pipe, command[0])(*command[1:])


def _execute(connection, commands: list[Command]) -> list:
    return execute_loading(connection, lambda pipe: [_queue(pipe, c) for c in commands], (LOOK,))


def read(
    job_id: str,
    log: bool = True,
    result: bool = True,
    alongside: dict[str, Command] | None = None,
    after: Callable[[Job], dict[str, Command]] | None = None,
) -> FullRead:
    """The job, its log lines, its latest result (when ``result``) and its place in its queue, with
    the caller's reads: ``alongside`` (which do not depend on the job) go in the pipeline that
    reads the job's hash; ``after(job)`` (which depend on what the hash says: its status, its
    queue) and the lost-worker look (jobs/lua/look.lua) of a queued or started job go there too
    when this process read the job before and they would be the same (a job's page is read again
    while it runs), else in a second pipeline. So a page of an ended job, or of a job read before,
    is one round trip. The latest result goes with the hash too, except for a job read before that
    had none to show (``_result_first``): then it is read in the second pipeline, and only when
    the job's view shows it (``SHOWS_RESULT``).

    Neither pipeline is a transaction: a job that moves between the reads is shown as its hash
    says, and the look checks the status again itself (a look of another status is none).
    """
    job_id = parse_job_id(job_id)
    connection = get_redis()
    alongside = alongside or {}
    before = _last_read.get(job_id)
    guess = _plan(before, after) if before is not None else {}
    result_first = result and _result_first(before)
    first = [("hgetall", Job.key_for(job_id))]
    if log:
        first.append(("lrange", log_key(job_id), 0, -1))
    if result_first:
        first.append(_result_read(job_id))
    replies = iter(_execute(connection, [*first, *alongside.values(), *guess.values()]))
    job = job_from_hash(job_id, next(replies))
    raw_lines = next(replies) if log else []
    latest_reply = next(replies) if result_first else None
    found = {name: next(replies) for name in alongside}
    if job is None:
        _last_read.pop(job_id, None)
        return FullRead(None, replies=found)

    plan = _plan(job, after)
    guessed = zip(guess.items(), list(replies), strict=True)
    found.update((name, reply) for (name, command), reply in guessed if plan.get(name) == command)
    missing = {name: command for name, command in plan.items() if name not in found}
    status = job.get_status(refresh=False)
    read_result = result_first or (result and status is not None and status.value in SHOWS_RESULT)
    if read_result and not result_first:
        missing[_RESULT] = _result_read(job_id)
    if missing:
        found.update(zip(missing, _execute(connection, list(missing.values())), strict=True))
    _remember(job)
    seen = lost_workers.as_look(found.pop(_LOOK)) if _LOOK in found else None
    if _RESULT in found:
        latest_reply = found.pop(_RESULT)

    latest = _latest_result(job, latest_reply) if read_result else UNREAD
    lines = [line.decode("utf-8", "replace") for line in raw_lines]
    was = (job.get_status(refresh=False), job.enqueued_at)
    # a job whose worker was lost shows as such, not as running
    job, place = lost_workers.settle_and_locate(job, seen)
    if (job.get_status(refresh=False), job.enqueued_at) != was:
        # settling it failed or requeued it, and logged why: its log and result are read again
        lines = read_log(connection, job.id) if log else []
        latest = UNREAD
    return FullRead(job, lines, place, latest, found)


def _remember(job: Job) -> None:
    if job.id not in _last_read and len(_last_read) >= _MAX_REMEMBERED:
        _last_read.pop(next(iter(_last_read)), None)
    _last_read[job.id] = job


def read_job(job_id: str, log: bool = True) -> JobRead:
    """The job (as ``fetch_job``), its log lines and, for a queued job, its place in its queue."""
    found = read(job_id, log=log, result=False)
    return JobRead(found.job, found.log, found.place)
