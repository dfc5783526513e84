"""Keeps a job's log lines (INFO and up) in Redis, newest ``MAX_LINES``, with the job's TTL."""

import logging
import time

MAX_LINES = 200


def log_key(job_id: str) -> str:
    return f"jobdeck:log:{job_id}"


class RedisJobLogHandler(logging.Handler):
    def __init__(self, connection, job_id: str, ttl: int):
        super().__init__(level=logging.INFO)
        self.connection = connection
        self.job_id = job_id
        self.key = log_key(job_id)
        self.ttl = ttl

    def emit(self, record: logging.LogRecord) -> None:
        try:
            append_line(
                self.connection,
                self.job_id,
                f"{record.levelname} {record.getMessage()}",
                self.ttl,
                at=record.created,
            )
        except Exception:  # a log line must never fail the job
            self.handleError(record)


def append_line(connection, job_id: str, text: str, ttl: int, at: float | None = None) -> None:
    """Add one line ("LEVEL message") to a job's log, stamped with the time (UTC)."""
    line = f"{time.strftime('%H:%M:%S', time.gmtime(at if at is not None else time.time()))} {text}"
    key = log_key(job_id)
    pipe = connection.pipeline(transaction=False)
    pipe.rpush(key, line[:2000])
    pipe.ltrim(key, -MAX_LINES, -1)
    pipe.expire(key, ttl)
    pipe.execute()


def read_log(connection, job_id: str) -> list[str]:
    return [line.decode("utf-8", "replace") for line in connection.lrange(log_key(job_id), 0, -1)]
