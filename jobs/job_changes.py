"""A "this job changed" signal on Redis pub/sub, for pages that watch a job (webapp/change_feed.py).

The worker publishes one small message per change it writes: the job starts running, reports
progress, ends. The message says only which job changed; a watcher reads the job itself, so a
message lost (no one subscribed, a reconnect) costs a late answer, never a wrong one.
"""

#: each job's channel is this prefix and the job's id; the site subscribes to the pattern
CHANNEL_PREFIX = "jobdeck:changed:"
CHANNEL_PATTERN = CHANNEL_PREFIX + "*"


def channel(job_id: str) -> str:
    return CHANNEL_PREFIX + job_id


def job_id_of(channel_name: bytes | str) -> str:
    name = channel_name.decode() if isinstance(channel_name, bytes) else channel_name
    return name[len(CHANNEL_PREFIX) :]


def publish(connection, job_id: str) -> None:
    """Tell watchers the job changed. ``connection`` may be a pipeline: inside MULTI the message
    goes out when EXEC commits the change, never before it."""
    connection.publish(channel(job_id), b"")
