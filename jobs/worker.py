"""The Jobdeck worker: RQ's forking worker, named in the Procfile (``rq worker -w jobs.worker.Worker``).

Hooks, each a few lines over RQ's public methods:
* rollups (jobs/rollups.py): every job's end is added to the console's records when RQ has
  handled it, including a lost worker's job that RQ's registry cleanup fails;
* queue pause (jobs/queue_pause.py): the queues are ``PausableQueue``s, so paused ones are skipped;
* memory: each heartbeat also writes the worker's resident set size (``RSS_FIELD`` in its hash),
  in the same round trip (RQ's heartbeat alone makes two).
"""

import os
import resource

import rq
from rq.exceptions import AbandonedJobError
from rq.job import JobStatus

from jobs import rollups
from jobs.queue_pause import PausableQueue


def rollup_outcome(job) -> str:
    """What a handled failure came to: failed, stopped, or retried (a retry is queued or scheduled)."""
    status = job.get_status(refresh=False)
    if status in (JobStatus.FAILED, JobStatus.STOPPED):
        return status.value
    return "retried"


def record_abandoned(job, exc_type, exc_value, traceback):
    """Exception handler: RQ's cleanup of a started registry calls it for a lost worker's job
    (AbandonedJobError) just before it fails the job or queues it again."""
    if exc_type is AbandonedJobError:
        outcome = "retried" if job.retries_left and job.retries_left > 0 else "failed"
        rollups.record_job(job.connection, job, outcome)
    return True  # on to the next handler


#: the worker hash's field with its RSS in bytes (shown on /admin/workers)
RSS_FIELD = "jobdeck_rss"


def rss_bytes() -> int:
    """This process's resident set size now (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Worker(rq.Worker):
    def __init__(self, queues, *args, **kwargs):
        # by name, so RQ builds them as PausableQueues (`rq worker` hands over plain Queues)
        queues = [queues] if isinstance(queues, str | rq.Queue) else queues
        kwargs["queue_class"] = PausableQueue
        super().__init__([q if isinstance(q, str) else q.name for q in queues], *args, **kwargs)
        self.push_exc_handler(record_abandoned)

    def handle_job_success(self, job, queue, started_job_registry):
        super().handle_job_success(job, queue, started_job_registry)
        rollups.record_job(self.connection, job, "finished")

    def handle_job_failure(self, job, queue, started_job_registry=None, exc_string=""):
        super().handle_job_failure(
            job, queue, started_job_registry=started_job_registry, exc_string=exc_string
        )
        rollups.record_job(self.connection, job, rollup_outcome(job))

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is not None:
            super().heartbeat(timeout, pipeline)
            pipeline.hset(self.key, RSS_FIELD, rss_bytes())
            return
        with self.connection.pipeline() as pipe:
            super().heartbeat(timeout, pipe)
            pipe.hset(self.key, RSS_FIELD, rss_bytes())
            pipe.execute()
