"""One Redis subscription per web process to every job's changes (jobs/job_changes.py), fanned out
to the requests of this process that watch a job (webapp/job_events.py).

Each watched job has a ``Watch``: a version that goes up when the job's channel has a message, and
a condition its watchers wait on. However many pages watch a job, the process holds one pub/sub
connection, and one of them reads the job per change (``Watch.snapshot``); the others reuse it.

The subscription is made when a first request watches, and dropped when none has watched for
``RECHECK_SECONDS``. Every ``RECHECK_SECONDS`` every watched job's version goes up too, message or not: a message lost
while the subscription reconnected, or a change no worker announces (a log line alone, a lost
worker's job failed by the site, a cancel), then reaches the pages that late at most.

The code uses ``threading``, so it serves a threaded server as it is, and gunicorn's gevent worker
(the Procfile's ``live`` line), which patches ``threading`` into greenlets.
"""

import logging
import os
import threading
import time
from collections.abc import Callable

import redis

from jobs.job_changes import CHANNEL_PATTERN, job_id_of

log = logging.getLogger(__name__)

RECHECK_SECONDS = 5.0
RECONNECT_SECONDS = 1.0  # between attempts to subscribe again after Redis went away


class Watch:
    def __init__(self):
        self.version = 0
        self.watchers = 0
        self._bumping = threading.Lock()
        # set once, by the bump after it was made: waking every waiter is one call (under gevent a
        # single pass of the hub), where a Condition would notify them one at a time
        self._changed = threading.Event()
        self._reading = threading.Lock()
        self._made = (-1, None)  # (version, its snapshot), replaced as one

    def bump(self) -> None:
        with self._bumping:
            self.version += 1
            changed, self._changed = self._changed, threading.Event()
        changed.set()

    def wait(self, seen: int, timeout: float) -> None:
        """Until the version differs from ``seen``, or ``timeout`` seconds."""
        changed = self._changed
        if self.version == seen:  # read after the event: a bump in between has set that event
            changed.wait(timeout)

    def snapshot(self, version: int, read: Callable):
        """``read()`` once per version for all the watchers of this job in this process."""
        made_for, made = self._made
        if made_for == version:
            return made
        with self._reading:
            if self._made[0] != version:
                self._made = (version, read())
            return self._made[1]


class ChangeFeed:
    def __init__(self, connect: Callable[[], redis.Redis]):
        self._connect = connect
        self._watches: dict[str, Watch] = {}
        self._lock = threading.Lock()
        self._listener: threading.Thread | None = None  # None while no one watches
        self._pid = None

    def watch(self, job_id: str) -> Watch:
        """Start watching the job: changes from now on bump the returned watch's version."""
        with self._lock:
            watch = self._watches.setdefault(job_id, Watch())
            watch.watchers += 1
            if self._listener is None or self._pid != os.getpid():  # gunicorn forks after importing
                self._pid = os.getpid()
                self._listener = threading.Thread(target=self._run, name="job-change-feed", daemon=True)
                self._listener.start()
            return watch

    def unwatch(self, job_id: str) -> None:
        with self._lock:
            watch = self._watches.get(job_id)
            if watch is None:
                return
            watch.watchers -= 1
            if watch.watchers <= 0:
                del self._watches[job_id]

    def _unwatched(self) -> bool:
        """True, and the listener is done, when no one watches anything (decided under the lock
        ``watch`` takes, so a new watcher either is seen here or starts a new listener)."""
        with self._lock:
            if self._watches:
                return False
            self._listener = None
            return True

    def _bump(self, job_id: str) -> None:
        watch = self._watches.get(job_id)
        if watch is not None:
            watch.bump()

    def _bump_all(self) -> None:
        for watch in list(self._watches.values()):
            watch.bump()

    def _run(self) -> None:
        while True:
            try:
                if self._subscribed():
                    return
            except redis.exceptions.RedisError as error:
                log.warning("Job change feed: Redis unreachable, subscribing again: %s", error)
            except Exception:  # the feed must outlive any one bad message
                log.exception("Job change feed failed; subscribing again")
            self._bump_all()  # watchers read the jobs themselves meanwhile
            time.sleep(RECONNECT_SECONDS)
            if self._unwatched():
                return

    def _subscribed(self) -> bool:
        """Listen until no one watches (True); a Redis error ends it too."""
        pubsub = self._connect().pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.psubscribe(CHANNEL_PATTERN)
            self._bump_all()  # whatever changed before the subscription
            recheck_at = time.monotonic() + RECHECK_SECONDS
            while True:
                message = pubsub.get_message(timeout=max(recheck_at - time.monotonic(), 0.0))
                if message is not None and message["type"] == "pmessage":
                    self._bump(job_id_of(message["channel"]))
                if time.monotonic() >= recheck_at:
                    if self._unwatched():
                        return True
                    self._bump_all()
                    recheck_at = time.monotonic() + RECHECK_SECONDS
        finally:
            pubsub.close()
