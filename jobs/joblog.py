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
        self.key = log_key(job_id)
        self.ttl = ttl

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = f"{time.strftime('%H:%M:%S', time.gmtime(record.created))} {record.levelname} {record.getMessage()}"
            pipe = self.connection.pipeline(transaction=False)
            pipe.rpush(self.key, line[:2000])
            pipe.ltrim(self.key, -MAX_LINES, -1)
            pipe.expire(self.key, self.ttl)
            pipe.execute()
        except Exception:  # a log line must never fail the job
            self.handleError(record)


def read_log(connection, job_id: str) -> list[str]:
    return [line.decode("utf-8", "replace") for line in connection.lrange(log_key(job_id), 0, -1)]
