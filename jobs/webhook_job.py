"""The worker's job class: RQ's webhook hook, sending through a separate delivery job.

RQ calls ``Job.send_webhooks(status)`` once a job's end (finished, or failed for good) is saved.
Its own version sends every matching ``rq.webhook.Webhook`` there and then, inside the worker;
this one only enqueues ``jobs.webhook_delivery.deliver`` (one round trip), so a slow, failing or
unreachable receiver never delays the worker, and the delivery is signed, guarded and retried on
its own. It also notes the end of a batch's job (``jobs.batches``); the job that ends a batch
enqueues the batch's webhook.

The worker runs it as its job class (``jobs/work.py``).
Nothing here raises: the job's end is saved already, and a webhook must never change it.
"""

import json
import logging

from rq import Queue, Retry
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import batches, webhooks
from jobs.queue_names import QUEUE_NAMES
from jobs.statuses import FAILED, FINISHED

log = logging.getLogger(__name__)

DELIVER = "jobs.webhook_delivery.deliver"
#: a job's end is news: its delivery goes on the first queue, at its front (before other work
#: waiting there), so the next free worker sends it
DELIVERY_QUEUE = QUEUE_NAMES[0]
DEFAULT_TTL = 7 * 24 * 3600


class WebhookJob(Job):
    def send_webhooks(self, status, *, exc_string: str | None = None) -> None:
        status = getattr(status, "value", status)
        try:
            targets = [
                ("job", self.id, hook.url, status) for hook in self.webhooks if hook.job_status == status
            ]
            targets += batch_job_ended(self)
            if targets:
                enqueue_deliveries(self.connection, targets, self.failure_ttl or DEFAULT_TTL)
        except Exception:  # noqa: BLE001 (the job's end stands whatever happens here; logged)
            log.exception("Job %s: could not enqueue its webhook deliveries", self.id)


#: RQ's ``on_stopped`` callback for a batch's jobs: RQ sends no webhook for a stopped job, but a
#: stopped job ends its batch as well as any other
STOPPED_CALLBACK = "jobs.webhook_job.batch_job_stopped"


def batch_job_stopped(job, connection, *args, **kwargs) -> None:
    try:
        targets = batch_job_ended(job)
        if targets:
            enqueue_deliveries(connection, targets, job.failure_ttl or DEFAULT_TTL)
    except Exception:  # noqa: BLE001 (as in send_webhooks)
        log.exception("Job %s: could not note its stop in its batch", job.id)


def batch_job_ended(job) -> list[tuple]:
    """Notes a batch's job's end; the batch's webhook targets when it was the batch's last."""
    batch_id = (job.meta or {}).get("batch") if job.group_id else None
    if batch_id and batches.note_ended(job.connection, batch_id, [job.id]):
        return batch_targets(job.connection, batch_id)
    return []


def batch_targets(connection, batch_id: str) -> list[tuple]:
    """The batch's webhook, for the event its jobs' ends make: finished when every job finished,
    else failed (some failed, were stopped or canceled)."""
    facts, job_ids = batches.read_facts(connection, batch_id)
    declared = json.loads(facts.get("webhook") or "null")
    if not declared:
        return []
    ends = [
        job.get_status(refresh=False)
        for job in Job.fetch_many(job_ids, connection, serializer=JSONSerializer)
        if job
    ]
    event = FINISHED if all(getattr(s, "value", s) == FINISHED for s in ends) else FAILED
    return [("batch", batch_id, declared["url"], event)] if event in declared["events"] else []


def enqueue_deliveries(connection, targets: list[tuple], ttl: int) -> None:
    queue = Queue(DELIVERY_QUEUE, connection=connection, serializer=JSONSerializer)
    intervals = webhooks.retry_intervals()
    datas = [
        Queue.prepare_data(
            DELIVER,
            args=target,
            timeout=int(webhooks.timeout()) + 30,
            result_ttl=ttl,
            failure_ttl=ttl,
            description=f"webhook: {target[0]} {target[1]} {target[3]}",
            retry=Retry(max=len(intervals), interval=intervals),
            at_front=True,
        )
        for target in targets
    ]
    queue.enqueue_many(datas)
