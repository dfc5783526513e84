"""The worker's side of the rollups (jobs/rollups.py): a mixin for an RQ worker class that adds
each ended job once RQ has handled it, and the exception handler RQ's started-registry cleanup
calls for a lost worker's job. Mixed into jobs/worker.py's worker."""

from rq.exceptions import AbandonedJobError
from rq.job import JobStatus

from jobs import rollups, statuses


def rollup_outcome(job) -> str:
    """What a handled failure came to: failed, stopped, or retried (a retry is queued or scheduled)."""
    status = job.get_status(refresh=False)
    if status in (JobStatus.FAILED, JobStatus.STOPPED):
        return status.value
    return rollups.RETRIED


def record_abandoned(job, exc_type, exc_value, traceback):
    """Exception handler: RQ's cleanup of a started registry calls it for a lost worker's job
    (AbandonedJobError) just before it fails the job or queues it again."""
    if exc_type is AbandonedJobError:
        outcome = rollups.RETRIED if job.retries_left and job.retries_left > 0 else statuses.FAILED
        rollups.record_job(job.connection, job, outcome)
    return True  # on to the next handler


class RecordsRollups:
    """After RQ's own handling of a job's end, one round trip adds it to the rollups."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.push_exc_handler(record_abandoned)  # RQ passes them to its registry cleanup

    def handle_job_success(self, job, queue, started_job_registry):
        super().handle_job_success(job, queue, started_job_registry)
        rollups.record_job(self.connection, job, statuses.FINISHED)

    def handle_job_failure(self, job, queue, started_job_registry=None, exc_string=""):
        super().handle_job_failure(
            job, queue, started_job_registry=started_job_registry, exc_string=exc_string
        )
        rollups.record_job(self.connection, job, rollup_outcome(job))
