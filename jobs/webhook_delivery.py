"""Delivering one webhook: the delivery job ``deliver(kind, target_id, url, event)``.

Each attempt checks the address again (after DNS, connecting to the address it checked), POSTs the
signed JSON body without following redirects, and records itself (time, status code, duration or
the error) in ``attempts_key(target_id)``, which the job page shows under "Webhook". An answer
other than 2xx raises, so RQ's ``Retry`` (set by ``jobs/webhook_job.py``) tries again later.
"""

import json
import os
import time
from urllib.parse import urlsplit

from rq import get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import batches, webhooks
from jobs.errors import TaskInputError
from jobs.statuses import FAILED, FINISHED
from jobs.url_words import pinned_connection

#: attempts kept per job or batch (5 per event; two events at most)
MAX_RECORDS = 20
MAX_SUMMARY_TEXT = 200


class DeliveryError(ConnectionError):
    """The receiver did not take the webhook (no answer, or not 2xx): worth another attempt."""


def attempts_key(target_id: str) -> str:
    return f"jobdeck:webhook:{target_id}:attempts"


def read_attempts(connection, target_id: str) -> list[dict]:
    return [json.loads(raw) for raw in connection.lrange(attempts_key(target_id), 0, -1)]


def summarize(result) -> dict | None:
    """The scalar fields of a task's result, strings cut short: a receiver gets the gist, and the
    page link for the rest."""
    if not isinstance(result, dict):
        return None
    summary = {}
    for name, value in result.items():
        if isinstance(value, bool | int | float) or value is None:
            summary[name] = value
        elif isinstance(value, str):
            summary[name] = value[:MAX_SUMMARY_TEXT]
    return summary


def page_url(path: str) -> str:
    return os.environ.get("JOBDECK_PUBLIC_URL", "").rstrip("/") + path


def job_body(connection, job_id: str, event: str) -> dict:
    job = Job.fetch(job_id, connection, serializer=JSONSerializer)
    meta = job.meta or {}
    error = None
    if event == FAILED:
        latest = job.latest_result()
        lines = (latest.exc_string or "").strip().splitlines() if latest else []
        error = lines[-1][:MAX_SUMMARY_TEXT] if lines else "The job failed."
    return {
        "id": job_id,
        "kind": "job",
        "task": meta.get("task", job.func_name),
        "status": event,
        "result": summarize(job.return_value()) if event == FINISHED else None,
        "error": error,
        "page_url": page_url(f"/jobs/{job_id}"),
    }


def batch_body(connection, batch_id: str, event: str) -> dict:
    facts, job_ids = batches.read_facts(connection, batch_id)
    counts: dict[str, int] = {}
    for job in Job.fetch_many(job_ids, connection, serializer=JSONSerializer):
        status = job.get_status(refresh=False).value if job is not None else "expired"
        counts[status] = counts.get(status, 0) + 1
    return {
        "id": batch_id,
        "kind": "batch",
        "task": facts.get("task"),
        "status": event,
        "result": {"counts": counts, "jobs": job_ids},
        "error": f"{len(job_ids) - counts.get('finished', 0)} of {len(job_ids)} jobs did not finish."
        if event == FAILED
        else None,
        "page_url": page_url(f"/batches/{batch_id}"),
    }


def deliver(kind: str, target_id: str, url: str, event: str) -> dict:
    delivery = get_current_job()
    connection = delivery.connection
    build = batch_body if kind == "batch" else job_body
    try:
        body = json.dumps(build(connection, target_id, event), separators=(",", ":")).encode()
    except NoSuchJobError:  # deleted since it ended: there is nothing left to report
        return {"skipped": f"{kind} {target_id} no longer exists"}
    attempt = {"at": time.time(), "event": event, "url": url}
    attempt["attempt"] = (delivery.meta or {}).get("attempt", 0) + 1
    delivery.meta["attempt"] = attempt["attempt"]
    delivery.save_meta()
    started = time.monotonic()
    try:
        attempt["status"] = post(url, body)
        attempt["error"] = None if 200 <= attempt["status"] < 300 else f"HTTP {attempt['status']}"
    except (OSError, TaskInputError) as exc:
        attempt["status"], attempt["error"] = None, str(exc) or type(exc).__name__
    attempt["duration_ms"] = round(1000 * (time.monotonic() - started))
    record(connection, target_id, attempt, delivery.failure_ttl)
    if attempt["error"]:
        raise DeliveryError(f"Webhook to {url} not taken: {attempt['error']}")
    return attempt


def post(url: str, body: bytes) -> int:
    """POST ``body`` to ``url`` (checked again now), signed; the answer's status. Not redirected:
    ``http.client`` follows nothing, so a 3xx is an answer like any other non-2xx."""
    key = webhooks.secret()
    if not key:
        raise TaskInputError(f"{webhooks.SECRET_ENV} is not set on the worker, so nothing can be signed.")
    scheme, host, port, address = webhooks.check_target(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = pinned_connection(scheme, host, port, address, webhooks.timeout())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Jobdeck webhook",
        webhooks.SIGNATURE_HEADER: webhooks.signature(body, key, int(time.time())),
    }
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(65536)  # a receiver's answer is not kept; reading a little lets it finish
        return response.status
    finally:
        conn.close()


def record(connection, target_id: str, attempt: dict, ttl: int | None) -> None:
    pipe = connection.pipeline()
    pipe.rpush(attempts_key(target_id), json.dumps(attempt))
    pipe.ltrim(attempts_key(target_id), -MAX_RECORDS, -1)
    pipe.expire(attempts_key(target_id), ttl or 7 * 24 * 3600)
    pipe.execute()
