"""why_measure: call each /why demo route over real HTTP and measure what it really does.

The job runs in a worker and talks to the site's own WSGI server at ``base_url`` (the site passes
``JOBDECK_PUBLIC_URL`` when set, else the address the browser used), with ``http.client``. For each
approach it records:

- ``first_byte`` / ``last_byte``: seconds from sending the request to the status line / end of body;
- ``busy``: how long the serving worker held the request, as the server itself recorded it when it
  closed the response (valid whatever the number of server workers);
- ``completed``: whether the work marked its run done in Redis before a deadline;
- ``progress``: whether the client could see progress while the work ran, through what the response
  gave it (progress lines in a streamed body, or an RQ job id whose meta shows progress).
"""

import http.client
import json
import threading
import time
import uuid
from urllib.parse import urlsplit

from rq import Queue, SimpleWorker, get_current_job
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import statuses
from jobs.errors import TaskInputError
from jobs.progress import report
from jobs.task_declaration import Params, TaskSpec, param
from jobs.why_work import APPROACHES, MEASURING_KEY, TOKEN_HEADER, key

MIN_SECONDS = 1
MAX_SECONDS = 5
LATEST_KEY = "jobdeck:why:latest"
LATEST_TTL = 30 * 24 * 3600
#: the RQ leg waits this long for another worker before running the demo job itself
OTHER_WORKER_GRACE = 1.0


def _site_address(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TaskInputError("base_url must be the site's http(s) address.")
    return base_url.rstrip("/")


class WhyMeasureParams(Params):
    seconds: int = param(MIN_SECONDS, ge=MIN_SECONDS, le=MAX_SECONDS, title="Seconds")
    base_url: str = param(
        title="The site's address",
        message="base_url must be the site's http(s) address.",
        clean=_site_address,
    )


def _connection(base_url: str, timeout: float) -> http.client.HTTPConnection:
    parts = urlsplit(base_url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return cls(parts.hostname, parts.port, timeout=timeout)


def _poll(predicate, timeout: float, interval: float = 0.02):
    """``predicate()``'s first truthy value, or None at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value or None
        time.sleep(interval)


def _run_demo_job_here(connection, job_id: str) -> None:
    """If no other worker has taken the demo job, run it in this process.

    On a one-worker setup this measurement occupies the only worker, so the demo job would wait
    behind it. The demo route puts its job at the front of the queue, so a one-job burst of a
    SimpleWorker here picks it up.
    """
    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    if job.get_status(refresh=True).value != statuses.QUEUED:
        return
    queue = Queue(job.origin, connection=connection, serializer=JSONSerializer)
    SimpleWorker([queue], connection=connection, serializer=JSONSerializer).work(
        burst=True, max_jobs=1, with_scheduler=False, logging_level="WARNING"
    )


def _watch_progress(connection, job_id: str, deadline: float, seen: list) -> None:
    """Poll the job's meta as a job page would, until it ends; note progress seen mid-way."""
    while time.monotonic() < deadline:
        job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
        progress = (job.meta or {}).get("progress") or {}
        if 0 < progress.get("done", 0) < progress.get("total", 0):
            seen.append(progress)
        if job.get_status(refresh=False).value in statuses.ENDED:
            return
        time.sleep(0.02)


def _follow_rq_job(connection, job_id: str, deadline: float) -> bool:
    """True if the job showed progress between its start and its end.

    A thread watches; this (main) thread runs the job itself if no other worker took it in time
    (a worker must run in the main thread: it installs signal handlers).
    """
    seen: list = []
    watcher = threading.Thread(target=_watch_progress, args=(connection, job_id, deadline, seen), daemon=True)
    watcher.start()
    watcher.join(timeout=OTHER_WORKER_GRACE)
    if watcher.is_alive():
        _run_demo_job_here(connection, job_id)
    watcher.join(timeout=max(0.0, deadline - time.monotonic()))
    return bool(seen)


def measure_one(base_url: str, slug: str, seconds: float, connection, token: str = "") -> dict:
    """Call one demo route with its one-use ``token`` and measure it (see the module docstring)."""
    run_id = uuid.uuid4().hex
    client = _connection(base_url, timeout=seconds + 30)
    path = f"{urlsplit(base_url).path.rstrip('/')}/why/demo/{slug}?run={run_id}&seconds={seconds}"
    started = time.perf_counter()
    try:
        client.request("POST", path, body=b"", headers={"Content-Length": "0", TOKEN_HEADER: token})
        response = client.getresponse()
    except OSError as exc:
        raise TaskInputError(
            f"Could not reach the site at {base_url} ({exc.strerror or exc}). Set JOBDECK_PUBLIC_URL "
            "to an address the workers can reach."
        ) from exc
    first_byte = time.perf_counter() - started
    chunks = []  # (seconds since start, bytes)
    while data := response.read1(65536):
        chunks.append((time.perf_counter() - started, data))
    last_byte = time.perf_counter() - started
    client.close()
    if response.status != 200:
        raise RuntimeError(f"The demo route {slug} answered {response.status}.")
    body = b"".join(data for _, data in chunks)

    deadline = time.monotonic() + seconds + 10
    progress = False
    if response.getheader("Content-Type", "").startswith("application/json"):
        job_id = json.loads(body).get("job_id")
        if job_id:
            progress = _follow_rq_job(connection, job_id, deadline)
    else:  # a streamed body: progress counts if a step before the last arrived well before the end
        progress = any(
            b"progress " in data and b"progress 10/10" not in data and at < last_byte - seconds / 5
            for at, data in chunks
        )
    done = _poll(lambda: connection.get(key(run_id, "done")), max(0.0, deadline - time.monotonic()))
    busy = _poll(lambda: connection.get(key(run_id, "busy")), 5)
    return {
        "approach": slug,
        "first_byte": round(first_byte, 3),
        "last_byte": round(last_byte, 3),
        "busy": round(float(busy), 3) if busy is not None else None,
        "completed": done is not None,
        "progress": progress,
    }


def run(params: dict) -> dict:
    seconds, base_url = params["seconds"], params["base_url"]
    job = get_current_job()
    connection = job.connection
    tokens = job.meta.get("why_tokens") or {}  # minted by POST /why for this job alone
    rows = []
    try:
        for index, (slug, label) in enumerate(APPROACHES):
            report(index, len(APPROACHES), f"Measuring {label}")
            row = measure_one(base_url, slug, seconds, connection, tokens.get(slug, ""))
            row["label"] = label
            rows.append(row)
    finally:
        _release(connection, job.id)
    report(len(APPROACHES), len(APPROACHES), "Measured all approaches")
    result = {
        "summary": f"Measured {len(rows)} ways to run {seconds} s of work after a request.",
        "seconds": seconds,
        "base_url": base_url,
        "measured_at": time.time(),
        "rows": rows,
    }
    connection.set(LATEST_KEY, json.dumps(result), ex=LATEST_TTL)  # public on /why: no job id, no owner
    return result


def _release(connection, job_id: str) -> None:
    """The next measurement may start (if this job still holds the site-wide turn)."""
    if connection.get(MEASURING_KEY) == job_id.encode():
        connection.delete(MEASURING_KEY)


TASK = TaskSpec(
    name="why_measure",
    title="Why a queue? measurement",
    description="Calls each /why demo route over HTTP and measures what it really does.",
    params=WhyMeasureParams,
    run=run,
    queue="high",
    timeout=300,
    result_kind="why",
    listed=False,
)
validate = TASK.validate
