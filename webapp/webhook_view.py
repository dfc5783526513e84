"""What the job page shows under "Webhook": where the job's webhook goes, and each attempt."""

from jobs.webhook_delivery import read_attempts
from webapp.queues import get_redis


def for_job(job) -> dict | None:
    """``{"hook": {"url", "events"}, "attempts": [...]}`` for a job declared with a webhook, else None."""
    if not job.webhooks:
        return None
    hook = {"url": job.webhooks[0].url, "events": [w.job_status for w in job.webhooks]}
    return {"hook": hook, "attempts": read_attempts(get_redis(), job.id)}
