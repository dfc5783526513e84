"""Job statuses, named once on RQ's own ``JobStatus`` and grouped by what the site does with them.

The pages, the API, ``static/app.js`` (through data attributes the templates write) and the
workers read these groups; nothing else spells them out. They are tuples, not sets, so a page lists
them in the same order every time.
"""

from rq.job import JobStatus

QUEUED = JobStatus.QUEUED.value
SCHEDULED = JobStatus.SCHEDULED.value
DEFERRED = JobStatus.DEFERRED.value
STARTED = JobStatus.STARTED.value
FINISHED = JobStatus.FINISHED.value
FAILED = JobStatus.FAILED.value
STOPPED = JobStatus.STOPPED.value
CANCELED = JobStatus.CANCELED.value
#: the site's word for a job Redis no longer holds (its result or failure expired): never "done"
EXPIRED = "expired"

#: RQ's words, in the order a job passes through them (RQ's "created" is never seen once enqueued)
ALL = (QUEUED, SCHEDULED, DEFERRED, STARTED, FINISHED, FAILED, STOPPED, CANCELED)
#: what the history can be filtered by: RQ's words and the site's own "expired"
FILTERS = (*ALL, EXPIRED)
#: the job may still change: pages refresh, scripts poll
ACTIVE = (QUEUED, SCHEDULED, DEFERRED, STARTED)
#: the job is over and will not change again
ENDED = (FINISHED, FAILED, STOPPED, CANCELED)
#: not started yet: ``job.cancel()`` keeps it from running
CANCELABLE = (QUEUED, SCHEDULED, DEFERRED)
#: running in a worker: only a stop command ends it, and it cannot be deleted meanwhile
STOPPABLE = (STARTED,)
#: ended without a result: the same parameters can run again as a new job
RETRYABLE = (FAILED, STOPPED, CANCELED)
#: RQ deletes these after a TTL (``result_ttl``, ``failure_ttl``), and the job page says when
EXPIRING = (FINISHED, FAILED)

#: the first word of the title (tab, notification) once a job has ended
ENDED_WORDS = {FINISHED: "Done", FAILED: "Failed", STOPPED: "Stopped", CANCELED: "Canceled"}
