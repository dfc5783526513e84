"""The site's Redis client (bounded waits) and its RQ queues, one of each per app."""

import redis
from flask import current_app
from rq import Queue
from rq.serializers import JSONSerializer

from jobs import redis_url

#: Redis connections one web process opens at most. The ``live`` line's gevent worker runs as many
#: requests at once as it has open connections (a job page's stream is one): past this many Redis
#: commands at once, requests wait for a connection (a late answer), not fail.
MAX_CONNECTIONS = 50
POOL_WAIT_SECONDS = 20.0


def connect(app) -> redis.Redis:
    """A client with bounded waits, so an unreachable Redis fails fast (and becomes a 503).

    ``REDIS_URL`` may be redis://, rediss:// (TLS) or redis+sentinel:// (jobs/redis_url.py).
    """
    return redis_url.connect(
        app.config["REDIS_URL"],
        sentinel_password=app.config.get("REDIS_SENTINEL_PASSWORD"),
        socket_connect_timeout=app.config["REDIS_CONNECT_TIMEOUT"],
        socket_timeout=app.config["REDIS_SOCKET_TIMEOUT"],
        health_check_interval=30,
        retry_on_timeout=False,
        connection_pool_class=redis.BlockingConnectionPool,
        max_connections=MAX_CONNECTIONS,
        timeout=POOL_WAIT_SECONDS,
    )


def init_app(app) -> None:
    app.extensions["jobdeck"] = {"redis": connect(app), "queues": {}}


def get_redis() -> redis.Redis:
    return current_app.extensions["jobdeck"]["redis"]


def get_queue(name: str) -> Queue:
    queues = current_app.extensions["jobdeck"]["queues"]
    queue = queues.get(name)
    if queue is None:
        queue = queues[name] = Queue(name, connection=get_redis(), serializer=JSONSerializer)
    return queue
