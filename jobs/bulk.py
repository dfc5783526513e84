"""Bulk retry or delete of ended jobs chosen by a filter, as an RQ job (so 10,000 jobs never hold a
request). The console counts the matches with ``matching`` (and why they ended with
``error_classes``) and enqueues ``run``, which reports its progress through jobs/progress.py
(``job.meta["progress"]``), read by the console's progress page.

Candidates come from RQ's registries (failed, which also holds stopped jobs, and canceled) of the
named queues, read in batches of ``BATCH`` ids; each batch's fields (and, for an error-class filter,
each job's latest result) are one pipelined round trip. Retry is RQ's own ``registry.requeue`` (the
same job, queued again); delete removes the job with its log and stored files.
"""

import json
import math
from collections import Counter
from dataclasses import asdict, dataclass

from rq import get_current_job
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import CanceledJobRegistry, FailedJobRegistry
from rq.results import Result
from rq.serializers import JSONSerializer
from rq.utils import str_to_date

from jobs import progress, statuses, storage
from jobs.joblog import log_key

ACTIONS = ("retry", "delete")
#: statuses a bulk action may select, and the registry each lives in
SELECTABLE = {
    statuses.FAILED: FailedJobRegistry,
    statuses.STOPPED: FailedJobRegistry,
    statuses.CANCELED: CanceledJobRegistry,
}
BATCH = 500
#: the most jobs one bulk action touches (a filter matching more acts on the oldest this many)
MAX_JOBS = 100_000


@dataclass(frozen=True)
class Filter:
    status: str = statuses.FAILED
    task: str = ""
    queue: str = ""
    error_class: str = ""
    since: float | None = None  # ended at or after (Unix time)
    until: float | None = None  # ended before

    def describe(self) -> str:
        parts = [f"status={self.status}"]
        parts += [
            f"{name}={value}"
            for name, value in (("task", self.task), ("queue", self.queue), ("error", self.error_class))
            if value
        ]
        if self.since is not None:
            parts.append(f"since={self.since:.0f}")
        if self.until is not None:
            parts.append(f"until={self.until:.0f}")
        return " ".join(parts)


def error_class(exc_string: str | None) -> str:
    """The exception's class name from a traceback's last line ("ValueError: ..." -> "ValueError")."""
    lines = [line for line in (exc_string or "").strip().splitlines() if line.strip()]
    if not lines:
        return ""
    head = lines[-1].split(":", 1)[0].strip()
    return head.rsplit(".", 1)[-1] if head.replace(".", "").replace("_", "").isalnum() else ""


def _ended(raw) -> float | None:
    try:
        return str_to_date(raw).timestamp() if raw else None
    except ValueError:
        return None


def _exc_string(connection, job_id: str, latest) -> str:
    """The latest result's traceback (RQ stores it compressed; its own ``Result.restore`` reads it)."""
    if not latest:
        return ""
    result_id, fields = latest[0]
    result = Result.restore(job_id, result_id.decode(), fields, connection=connection)
    return result.exc_string or ""


def _matches(flt: Filter, status, meta_raw, ended_raw, exc_string: str) -> bool:
    if (status or b"").decode() != flt.status:
        return False
    if flt.task:
        try:
            task = json.loads(meta_raw or b"{}").get("task")
        except (ValueError, AttributeError):
            task = None
        if task != flt.task:
            return False
    if flt.since is not None or flt.until is not None:
        ended = _ended(ended_raw)
        if ended is None or (flt.since is not None and ended < flt.since):
            return False
        if flt.until is not None and ended >= flt.until:
            return False
    return not flt.error_class or error_class(exc_string) == flt.error_class


def matching(connection, flt: Filter, queue_names) -> list[tuple[str, str]]:
    """(job id, queue) of every job the filter selects, oldest first, at most MAX_JOBS."""
    registry_class = SELECTABLE[flt.status]
    found: list[tuple[str, str]] = []
    for queue in [flt.queue] if flt.queue else queue_names:
        registry = registry_class(queue, connection=connection, serializer=JSONSerializer)
        start = 0
        while len(found) < MAX_JOBS:
            ids = [i.decode() for i in connection.zrange(registry.key, start, start + BATCH - 1)]
            if not ids:
                break
            start += BATCH
            pipe = connection.pipeline(transaction=False)
            for job_id in ids:
                pipe.hmget(Job.key_for(job_id), "status", "meta", "ended_at")
                if flt.error_class:
                    pipe.xrevrange(Result.get_key(job_id), count=1)
            replies = pipe.execute()
            step = 2 if flt.error_class else 1
            for n, job_id in enumerate(ids):
                status, meta_raw, ended_raw = replies[n * step]
                latest = replies[n * step + 1] if flt.error_class else None
                exc_string = _exc_string(connection, job_id, latest) if latest else ""
                if _matches(flt, status, meta_raw, ended_raw, exc_string):
                    found.append((job_id, queue))
    return found[:MAX_JOBS]


#: the most matches whose error class the count page reads (one pipelined round trip per BATCH)
ERROR_SAMPLE = 5000


def error_classes(connection, job_ids: list[str]) -> Counter:
    """How many of the first ERROR_SAMPLE jobs failed with each exception class ("" for none)."""
    found: Counter = Counter()
    sample = job_ids[:ERROR_SAMPLE]
    for start in range(0, len(sample), BATCH):
        batch = sample[start : start + BATCH]
        pipe = connection.pipeline(transaction=False)
        for job_id in batch:
            pipe.xrevrange(Result.get_key(job_id), count=1)
        for job_id, latest in zip(batch, pipe.execute(), strict=True):
            found[error_class(_exc_string(connection, job_id, latest))] += 1
    return found


def _act(connection, action: str, flt: Filter, job_id: str, queue: str) -> bool:
    if action == "delete":
        try:
            Job.fetch(job_id, connection=connection, serializer=JSONSerializer).delete()
        except NoSuchJobError:
            return False
        storage.delete_files(connection, job_id)
        connection.delete(log_key(job_id))
        return True
    registry = SELECTABLE[flt.status](queue, connection=connection, serializer=JSONSerializer)
    try:
        registry.requeue(job_id)
    except (InvalidJobOperation, NoSuchJobError):  # acted on, or gone, since it was counted
        return False
    return True


def run(action: str, filter_fields: dict, queue_names: list[str]) -> dict:
    """The RQ job: act on every job the filter selects now, reporting progress; returns the counts."""
    if action not in ACTIONS:
        raise ValueError(f"unknown bulk action {action!r}")
    flt = Filter(**filter_fields)
    job = get_current_job()
    connection = job.connection
    progress.begin(job)
    try:
        targets = matching(connection, flt, queue_names)
        total = len(targets)
        progress.report(0, total, f"0 of {total} jobs")
        acted = 0
        for done, (job_id, queue) in enumerate(targets, start=1):
            acted += _act(connection, action, flt, job_id, queue)
            progress.report(done, total, f"{done} of {total} jobs")
        if not total:
            progress.report(0, 0, "No job matched.")
    finally:
        progress.end()
    verb = "retried" if action == "retry" else "deleted"
    return {
        "summary": f"{acted} of {total} jobs {verb}.",
        "action": action,
        "matched": total,
        "acted": acted,
        "filter": asdict(flt),
    }


def percent(done, total) -> int:
    return 100 if not total else min(100, math.floor(100 * done / total))
