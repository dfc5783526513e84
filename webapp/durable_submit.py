"""Acknowledged means durable, when asked (``JOBDECK_DURABLE_SUBMIT=1``).

With it the site answers a submission (202, 303) only once the enqueue is on Redis's disk:

* Redis 7.2 or newer (or Valkey): ``WAITAOF 1 0 <ms>`` after the enqueue's transaction waits until
  the local append-only file has been fsynced up to that write.
* Older Redis (Debian 12 ships 7.0): only a Redis run with ``appendonly yes`` and ``appendfsync
  always`` fsyncs each write before it answers; the site checks that it is so.

Neither: the site cannot promise it, and answers 503 (the job may still run: it was enqueued).
Without the setting, a Redis crash can lose the last second of acknowledged submissions
(``appendfsync everysec``, the default). docs/scaling.md says when to turn it on.
"""

import logging
import time

import redis

log = logging.getLogger(__name__)

WAIT_MS = 1000  # under the site's 1.5 s socket timeout, so a slow disk is a 503, not a hang
RECHECK_SECONDS = 60  # how long what the site learned of the server's persistence is trusted

_modes: dict[int, tuple[str, float]] = {}


class NotDurable(redis.exceptions.ConnectionError):
    """The enqueue could not be confirmed on disk (answered like an unreachable Redis: 503)."""


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:2] if part.isdigit())


def persistence(connection) -> str:
    """``waitaof``, ``always`` or ``none``: how this server can make a write durable."""
    found = _modes.get(id(connection))
    if found and time.monotonic() - found[1] < RECHECK_SECONDS:
        return found[0]
    info = connection.info("persistence") | connection.info("server")
    mode = "none"
    if info.get("aof_enabled"):
        if _version(str(info.get("redis_version", "0"))) >= (7, 2):
            mode = "waitaof"
        else:
            try:
                fsync = connection.config_get("appendfsync").get("appendfsync")
            except redis.exceptions.ResponseError:  # CONFIG renamed away (managed Redis)
                fsync = None
            mode = "always" if fsync == "always" else "none"
    _modes[id(connection)] = (mode, time.monotonic())
    return mode


def wait_durable(connection) -> None:
    """Return once every write this client made is fsynced to Redis's append-only file."""
    mode = persistence(connection)
    if mode == "always":
        return
    if mode == "waitaof":
        local, _replicas = connection.execute_command("WAITAOF", 1, 0, WAIT_MS)
        if local >= 1:
            return
        raise NotDurable(f"Redis did not fsync the submission within {WAIT_MS} ms")
    log.error(
        "JOBDECK_DURABLE_SUBMIT is set, but Redis can confirm no fsync: it needs Redis 7.2+ with "
        "appendonly yes, or appendonly yes with appendfsync always"
    )
    raise NotDurable("Redis cannot confirm that submissions are on disk")
