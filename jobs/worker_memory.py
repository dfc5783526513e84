"""A worker that reports its resident set size with each heartbeat, for /admin/workers."""

import os
import resource

import redis

#: the worker hash's field with its RSS in bytes
RSS_FIELD = "jobdeck_rss"


def rss_bytes() -> int:
    """This process's resident set size now (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class ReportsRss:
    """RQ's heartbeat (two commands) and the RSS in one transaction: no round trip added."""

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is not None:
            super().heartbeat(timeout, pipeline)
            pipeline.hset(self.key, RSS_FIELD, rss_bytes())
            return
        try:
            with self.connection.pipeline() as pipe:
                super().heartbeat(timeout, pipe)
                pipe.hset(self.key, RSS_FIELD, rss_bytes())
                pipe.execute()
        except redis.exceptions.RedisError:
            super().heartbeat(timeout)  # the worker's own heartbeat, with whatever waiting it does
