"""Shared by the console's tests: operator credentials, the Jobdeck worker in-process, job makers."""

import base64

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from jobs.queue_names import QUEUE_NAMES
from jobs.queue_pause import SkipsPausedQueues
from jobs.registry import TASKS
from jobs.rollup_hooks import RecordsRollups
from jobs.worker_memory import ReportsRss
from tests.helpers import TEST_CONFIG
from webapp.redis_connection import get_redis
from webapp.submission import enqueue_task

CONSOLE_CONFIG = {
    **TEST_CONFIG,
    "VIEWER_USER": "viewer",
    "VIEWER_PASSWORD": "look-only",
    "METRICS_TOKEN": "scrape-token",
}


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


ADMIN = basic("admin", "s3cret")
VIEWER = basic("viewer", "look-only")


class InProcessWorker(RecordsRollups, SkipsPausedQueues, ReportsRss, SimpleWorker):
    """The Jobdeck worker's mixins (jobs/worker.py: rollups, paused queues, RSS) on RQ's in-process
    worker."""


def run_worker(app) -> None:
    with app.app_context():
        connection = get_redis()
        InProcessWorker(list(QUEUE_NAMES), connection=connection, serializer=JSONSerializer).work(burst=True)


def enqueue(app, task: str, params: dict, owner: str = "tester", **options) -> str:
    """A job through the site's own enqueue (no validation first: invalid params fail in the worker)."""
    with app.test_request_context():
        return enqueue_task(TASKS[task], params, owner, **options).id
