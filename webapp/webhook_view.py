"""What a job's or a batch's page shows under "Webhook": where it goes, and each attempt."""

import json
from datetime import UTC, datetime

from jobs.webhook_delivery import attempts_key, read_attempts
from webapp.redis_connection import get_redis


def _shown(attempt: dict) -> dict:
    return {**attempt, "at": datetime.fromtimestamp(attempt["at"], UTC)}


def attempts(target_id: str) -> list[dict]:
    """The recorded attempts, oldest first, each with its time as an aware datetime."""
    return [_shown(a) for a in read_attempts(get_redis(), target_id)]


def read_for_job(job) -> dict:
    """The reads ``for_job`` needs, to go in a page's pipeline (``job_reads.read``): the attempts
    of a job declared with a webhook, none for any other job."""
    return {"webhook": ("lrange", attempts_key(job.id), 0, -1)} if job.webhooks else {}


def for_job(job, raw_attempts: list | None = None) -> dict | None:
    """``{"hook": {"url", "events"}, "attempts": [...]}`` for a job declared with a webhook, else None.
    ``raw_attempts``: the reply of ``read_for_job``'s read, when the page made it."""
    if not job.webhooks:
        return None
    hook = {"url": job.webhooks[0].url, "events": [w.job_status for w in job.webhooks]}
    if raw_attempts is None:
        return {"hook": hook, "attempts": attempts(job.id)}
    return {"hook": hook, "attempts": [_shown(json.loads(raw)) for raw in raw_attempts]}
