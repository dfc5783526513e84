"""Stopping a running job so that the request survives a Redis reconnect.

RQ delivers stop commands by PUBLISH on the worker's channel: a worker whose pubsub connection is
being re-established (a Redis restart; RQ's pubsub thread waits 2 s before reconnecting) never
hears one sent meanwhile. So the request is also left in Redis for ``KEEP`` seconds, and Jobdeck's
worker finds it at its next liveness renewal, once a second (jobs/lua/renew_liveness.lua).
"""

from rq.command import send_stop_job_command
from rq.serializers import JSONSerializer

KEEP = 3600


def stop_key(job_id: str) -> str:
    return f"jobdeck:stop:{job_id}"


def request_stop(connection, job_id: str) -> None:
    """Stop the job's run (raises rq's InvalidJobOperation when it is not running)."""
    connection.set(stop_key(job_id), 1, ex=KEEP)
    send_stop_job_command(connection, job_id, serializer=JSONSerializer)
