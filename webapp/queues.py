"""Redis connection, the named queues, and enqueueing a task for a job owner."""

import re
import time
import uuid
from base64 import b64decode
from datetime import datetime
from typing import NamedTuple

import redis
from flask import current_app
from redis.commands.core import Script
from rq import Queue, Retry
from rq.job import Job, parse_job_id
from rq.results import Result
from rq.serializers import JSONSerializer
from rq.utils import str_to_date

from jobs.joblog import log_key, read_log
from jobs.registry import TaskSpec
from webapp import history, lost_workers, redis_url, search_index

RUNNER = "jobs.runner.execute"
QUEUE_NAMES = ("high", "default", "low")


def connect(app) -> redis.Redis:
    """A client with bounded waits, so an unreachable Redis fails fast (and becomes a 503).

    ``REDIS_URL`` may be redis://, rediss:// (TLS) or redis+sentinel:// (webapp/redis_url.py).
    """
    return redis_url.connect(
        app.config["REDIS_URL"],
        sentinel_password=app.config.get("REDIS_SENTINEL_PASSWORD"),
        socket_connect_timeout=app.config["REDIS_CONNECT_TIMEOUT"],
        socket_timeout=app.config["REDIS_SOCKET_TIMEOUT"],
        health_check_interval=30,
        retry_on_timeout=False,
    )


def get_redis() -> redis.Redis:
    return current_app.extensions["jobdeck"]["redis"]


def get_queue(name: str) -> Queue:
    queues = current_app.extensions["jobdeck"]["queues"]
    queue = queues.get(name)
    if queue is None:
        queue = queues[name] = Queue(name, connection=get_redis(), serializer=JSONSerializer)
    return queue


def fetch_job(job_id: str) -> Job | None:
    """The RQ job, or None when it never existed, has expired, or is not JSON (e.g. pickled)."""
    return read_job(job_id, log=False).job


class JobRead(NamedTuple):
    job: Job | None
    log: list[str]
    #: jobs ahead of it in its queue (None: on no queue), as the settling check found it at no extra
    #: cost; ``lost_workers.UNKNOWN`` when it did not (job_insights then asks Redis)
    position: object = lost_workers.UNKNOWN


# lost_workers' look (an expired registry entry, an orphan, the queue position) for a job on one of
# the site's queues (whose keys are declared) that is queued or started; 0 for any other job.
# KEYS: job hash, the job's executions, then (queue, in-flight list, started registry) per name in
# ARGV[3:]. ARGV: job id, time now, the queue names.
_READ_LOOK = (
    lost_workers.LOOK_FUNCTION
    + """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'queued' and status ~= 'started' then return 0 end
local origin = redis.call('HGET', KEYS[1], 'origin')
for i = 3, #ARGV do
  if ARGV[i] == origin then
    local k = 3 + (i - 3) * 3
    return look(KEYS[1], KEYS[k], KEYS[k + 1], KEYS[2], KEYS[k + 2], ARGV[1], ARGV[2])
  end
end
return 0
"""
).encode()
_READ_LOOK_SCRIPT = Script(None, _READ_LOOK)  # for its SHA; read_job calls EVALSHA itself
_QUEUE_KEYS = [key for name in QUEUE_NAMES for key in lost_workers.queue_keys(name)]


# RQ parses a job's dates with ``strptime`` (about 5 µs each, five per job) and checks the serializer
# against a typing Protocol in each Job and Result it builds (about 7 µs each): together about a tenth
# of a job page's time. ``restore_job`` and ``restore_result`` build the same objects through RQ's own
# ``restore``, with the dates and the return value taken out and read here, and the serializer set
# as an attribute (tests/test_job_reads.py compares them with ``Job.fetch`` and ``latest_result``).
_DATE_FIELDS = (b"created_at", b"enqueued_at", b"started_at", b"ended_at", b"last_heartbeat")


_RQ_TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")  # rq.utils._TIMESTAMP_FORMAT


def _utc(text: bytes) -> datetime:
    """RQ's ``str_to_date`` (an aware UTC time), fast for the form RQ writes; anything else goes to
    RQ's own parser, so an odd value reads (or fails) as it would in RQ."""
    if _RQ_TIME.fullmatch(text):
        return datetime.fromisoformat(text.decode())
    return str_to_date(text)


def restore_job(job_id: str, fields: dict, connection) -> Job:
    """``Job.fetch``'s job, from the hash's fields (bytes to bytes), with the JSON serializer."""
    job = Job(job_id, connection=connection)
    job.serializer = JSONSerializer
    dates = {name: fields.pop(name, None) for name in _DATE_FIELDS}
    job.restore(fields)  # without them: created_at now, the others None, as for a missing field
    for name, text in dates.items():
        if text:
            setattr(job, name.decode(), _utc(text))
    return job


def restore_result(job_id: str, result_id: str, fields: dict, connection) -> Result:
    """``Result.restore`` with the JSON serializer, from a result stream entry's fields."""
    return_value = fields.pop(b"return_value", None)
    result = Result.restore(job_id, result_id, fields, connection=connection)
    result.serializer = JSONSerializer
    if return_value is not None:
        result.return_value = JSONSerializer.loads(b64decode(return_value.decode()))
    return result


def _read(connection, job_id: str, log: bool) -> list:
    """The job's hash, its latest result, its log lines and the look, pipelined: one round trip.

    Not a script (the reads once were one): Redis spends about 9 µs more on a Lua script's copies
    of these replies than on the plain commands (16 µs against 4.5 µs a job read, measured with
    ``INFO commandstats``; docs/benchmarks.md), and it shares the machine's cores with the site.
    Nor a transaction: a job that moves between the reads is shown as the hash says, and the look
    checks the status again itself (a look of another status is no look: settle makes its own).
    EVALSHA goes in the pipeline directly; redis-py's ``Script`` in a pipeline would first ask
    Redis whether the script is loaded, a second round trip on every read."""
    keys = [Job.key_for(job_id), lost_workers.execution_key(job_id), *_QUEUE_KEYS]
    for attempt in range(2):
        pipe = connection.pipeline(transaction=False)
        pipe.hgetall(keys[0])
        pipe.xrevrange(Result.get_key(job_id), count=1)
        if log:
            pipe.lrange(log_key(job_id), 0, -1)
        pipe.evalsha(_READ_LOOK_SCRIPT.sha, len(keys), *keys, job_id, time.time(), *QUEUE_NAMES)
        try:
            replies = pipe.execute()
        except redis.exceptions.NoScriptError:  # a Redis restarted or flushed since: load it again
            if attempt:
                raise
            connection.script_load(_READ_LOOK)
            continue
        if not log:
            replies.insert(2, [])
        return replies


def read_job(job_id: str, log: bool = True) -> JobRead:
    """The job (as ``fetch_job``), its log lines and, for a queued job, its position in its queue:
    one round trip to Redis (``_read``), then settled (``lost_workers``) with what it found.

    ``Job.fetch`` reads the job's hash, then ``return_value()`` reads its result stream, then the
    page reads the log, then the lost-worker checks and the queue position: up to five round trips,
    each a large part of a job page's time (bench/web.py). The result is handed to the job as RQ's
    own cache (``_cached_result``, used by ``return_value()`` and ``exc_info``; were it renamed,
    they would read the stream themselves, as before). A job on a queue the site does not know of
    is settled with one more round trip.

    RQ decodes a job's call lazily and keeps undecodable meta as ``{"unserialized": ...}``, so both
    are checked here: a job the site cannot read as JSON is not one of its jobs.
    """
    connection = get_redis()
    job_id = parse_job_id(job_id)
    fields, latest, lines, seen = _read(connection, job_id, log)
    if not fields:
        return JobRead(None, [])
    lines = [line.decode("utf-8", "replace") for line in lines]
    try:
        job = restore_job(job_id, fields, connection)
        job.func_name  # noqa: B018 (decodes the call now, not in the middle of a page)
        if latest:
            result_id, result_fields = latest[0]
            job._cached_result = restore_result(job_id, result_id.decode(), result_fields, connection)
    except Exception:  # DeserializationError, or a hash that is not an RQ job
        return JobRead(None, lines)
    if "unserialized" in (job.meta or {}):
        return JobRead(None, lines)
    before = (job.get_status(refresh=False), job.enqueued_at)
    # a job whose worker was lost shows as such, not as running
    job, position = lost_workers.settle_and_locate(job, lost_workers.as_look(seen) if seen else None)
    if log and (job.get_status(refresh=False), job.enqueued_at) != before:
        lines = read_log(connection, job_id)  # settling it failed or requeued it, and logged why
    return JobRead(job, lines, position)


def describe(task: str, params: dict) -> str:
    """A short one-line summary of a job's parameters (uploads by their file name)."""

    def shown(value):
        if isinstance(value, dict) and "filename" in value:
            return repr(value["filename"])
        if isinstance(value, list) and value and all(isinstance(v, dict) and "filename" in v for v in value):
            return f"[{len(value)} files]"
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."

    return f"{task}({', '.join(f'{k}={shown(v)}' for k, v in params.items())})"[:200]


def enqueue_task(
    spec: TaskSpec,
    params: dict,
    owner: str,
    job_id: str | None = None,
    *,
    priority: str | None = None,
    at: datetime | None = None,
    extra_meta: dict | None = None,
) -> Job:
    """Put a job for ``spec`` on a queue (or schedule it ``at`` a time) and in its owner's history,
    in one round trip."""
    config = current_app.config
    job_id = job_id or str(uuid.uuid4())
    retry = Retry(max=spec.retry_max, interval=list(spec.retry_intervals) or 0) if spec.retry_max else None
    meta = {
        "task": spec.name,
        "params": params,
        "owner": owner,
        "attempts": spec.retry_max + 1,
        **(extra_meta or {}),
    }
    connection = get_redis()
    queue = get_queue(priority if priority in QUEUE_NAMES else spec.queue)
    options = dict(
        args=(spec.name, params),
        job_id=job_id,
        job_timeout=spec.timeout,
        result_ttl=config["RESULT_TTL"],
        failure_ttl=config["FAILURE_TTL"],
        description=describe(spec.name, params),
        meta=meta,
        retry=retry,
    )
    with connection.pipeline() as pipe:
        if at is not None:
            job = queue.enqueue_at(at, RUNNER, **options, pipeline=pipe)
        else:
            options["timeout"] = options.pop("job_timeout")  # enqueue_call's name for it
            job = queue.enqueue_call(RUNNER, **options, pipeline=pipe)
        history.add(pipe, owner, job_id, spec.name, time.time(), ttl=config["FAILURE_TTL"])
        search_index.add(pipe, job_id, spec.name, params, time.time(), ttl=config["FAILURE_TTL"])
        pipe.execute()
    return job
