"""What a job's or a batch's page shows under "Webhook": where it goes, and each attempt."""

from datetime import UTC, datetime

from jobs.webhook_delivery import read_attempts
from webapp.redis_connection import get_redis


def attempts(target_id: str) -> list[dict]:
    """The recorded attempts, oldest first, each with its time as an aware datetime."""
    return [{**a, "at": datetime.fromtimestamp(a["at"], UTC)} for a in read_attempts(get_redis(), target_id)]


def for_job(job) -> dict | None:
    """``{"hook": {"url", "events"}, "attempts": [...]}`` for a job declared with a webhook, else None."""
    if not job.webhooks:
        return None
    hook = {"url": job.webhooks[0].url, "events": [w.job_status for w in job.webhooks]}
    return {"hook": hook, "attempts": attempts(job.id)}
