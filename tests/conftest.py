import os

# The test-only tasks join the registry before anything imports it; worker and web subprocesses
# inherit the variable, so they know the same tasks.
os.environ["JOBDECK_TASKS"] = "tests.tasks.fault_probe"

import signal

import pytest
import redis
from rq.serializers import JSONSerializer

from jobs import url_words
from jobs.queue_names import QUEUE_NAMES
from jobs.webhook_job import WebhookJob
from jobs.worker_hooks import InProcessWorker
from scripts.processes import RedisServer, WorkerProcess, reap_workers
from tests.helpers import TEST_CONFIG
from webapp import create_app


@pytest.fixture(autouse=True)
def no_worker_outlives_its_test():
    """Whatever a test's workers left running (a scheduler, a horse) ends with the test."""
    yield
    reap_workers()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A private redis-server for the whole run; never the shared one on 6379."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The private server, emptied before each test (it is ours alone)."""
    redis.Redis.from_url(redis_server.url).flushall()
    return redis_server.url


@pytest.fixture
def connection(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def app(redis_url):
    return create_app({**TEST_CONFIG, "REDIS_URL": redis_url})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def worker(redis_url, tmp_path):
    """The Procfile's worker command, as a subprocess against the private Redis."""
    process = WorkerProcess(redis_url, log=tmp_path / "worker.log").start()
    yield process
    process.stop()


@pytest.fixture
def run_jobs(connection):
    """Runs the queued jobs to their end, here and now: a burst ``InProcessWorker`` (RQ's
    ``SimpleWorker`` with Jobdeck's hooks) on the site's queues with the JSON serializer and job
    class, as the Procfile's worker would, minus its process. For every test where
    the process is not the point (faults, timing and live pages keep the ``worker`` fixture)."""

    def run() -> None:
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        worker = InProcessWorker(
            list(QUEUE_NAMES), connection=connection, serializer=JSONSerializer, job_class=WebhookJob
        )
        try:
            worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
        finally:
            for sig, handler in handlers.items():  # the worker installs its own; Ctrl-C stays pytest's
                signal.signal(sig, handler)

    return run


@pytest.fixture
def local_fetches_allowed(monkeypatch):
    """url_words may fetch from this machine (in-process jobs and workers started later read it)."""
    monkeypatch.setenv(url_words.ALLOWLIST_ENV, "127.0.0.1/32")
