import os

# The test-only tasks join the registry before anything imports it; worker and web subprocesses
# inherit the variable, so they know the same tasks.
os.environ["JOBDECK_TASKS"] = "tests.tasks.fault_probe"

import pytest
import redis

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
