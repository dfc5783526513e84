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
from webapp.job_view import UNREAD
from webapp.redis_connection import get_redis

#: queues one command on a pipeline; its reply is kept under the command's name
Command = Callable[[Any], None]


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
    the read could not use it) and the replies of the caller's own commands, by name."""

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


def read(
    job_id: str,
    log: bool = True,
    result: bool = True,
    alongside: dict[str, Command] | None = None,
    after: Callable[[Job], dict[str, Command]] | None = None,
) -> FullRead:
    """The job, its log lines, its latest result (when ``result``) and its place in its queue, with
    the caller's commands: ``alongside`` (which do not depend on the job) in the first pipeline,
    the job's hash among them; ``after(job)`` (which depend on what the hash says, e.g. its queue)
    in a second one, with the lost-worker look (jobs/lua/look.lua) of a queued or started job. An
    ended job without such commands is one round trip.

    Neither pipeline is a transaction: a job that moves between the reads is shown as its hash
    says, and the look checks the status again itself (a look of another status is none).
    """
    job_id = parse_job_id(job_id)
    connection = get_redis()
    alongside = alongside or {}
    pipe = connection.pipeline(transaction=False)
    pipe.hgetall(Job.key_for(job_id))
    if log:
        pipe.lrange(log_key(job_id), 0, -1)
    if result:
        pipe.xrevrange(Result.get_key(job_id), "+", "-", count=1)
    for command in alongside.values():
        command(pipe)
    replies = iter(pipe.execute())
    job = job_from_hash(job_id, next(replies))
    raw_lines = next(replies) if log else []
    latest_reply = next(replies) if result else None
    found = dict(zip(alongside, replies, strict=True))
    if job is None:
        return FullRead(None, replies=found)

    active = _is_active(job)
    later = after(job) if after else {}
    seen = None
    if active or later:

        def build(pipe):
            if active:
                evalsha_in(pipe, LOOK, lost_workers.look_keys(job), lost_workers.look_args(job))
            for command in later.values():
                command(pipe)

        more = execute_loading(connection, build, (LOOK,))
        seen = lost_workers.as_look(more[0]) if active else None
        found.update(zip(later, more[1:] if active else more, strict=True))

    latest = _latest_result(job, latest_reply) if result else UNREAD
    lines = [line.decode("utf-8", "replace") for line in raw_lines]
    before = (job.get_status(refresh=False), job.enqueued_at)
    # a job whose worker was lost shows as such, not as running
    job, place = lost_workers.settle_and_locate(job, seen)
    if (job.get_status(refresh=False), job.enqueued_at) != before:
        # settling it failed or requeued it, and logged why: its log and result are read again
        lines = read_log(connection, job.id) if log else []
        latest = UNREAD
    return FullRead(job, lines, place, latest, found)


def read_job(job_id: str, log: bool = True) -> JobRead:
    """The job (as ``fetch_job``), its log lines and, for a queued job, its place in its queue."""
    found = read(job_id, log=log, result=False)
    return JobRead(found.job, found.log, found.place)
