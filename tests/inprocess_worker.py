"""Runs what is queued, in this process, with a real (non-forking) RQ worker and the Procfile
worker's job class (``jobs.webhook_job.WebhookJob``), then returns."""

from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from jobs.webhook_job import WebhookJob


def run_queued_jobs(connection) -> None:
    queues = [
        Queue(name, connection=connection, serializer=JSONSerializer) for name in ("high", "default", "low")
    ]
    SimpleWorker(queues, connection=connection, serializer=JSONSerializer, job_class=WebhookJob).work(
        burst=True
    )
