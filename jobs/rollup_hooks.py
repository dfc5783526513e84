"""The worker's side of the rollups (jobs/rollups.py): a mixin for an RQ worker class that adds
each ended job in the transaction in which RQ writes that end, and the exception handler RQ's
started-registry cleanup calls for a lost worker's job. Mixed into both of the Procfile's workers."""

from rq.exceptions import AbandonedJobError
from rq.job import JobStatus

from jobs import rollups, statuses


def job_outcome(job) -> str | None:
    """What a job's end comes to, read while RQ writes it (``cleanup_execution``, which every one of
    RQ's end handlers runs after setting the status it writes): finished, failed, stopped, or
    retried (a failed attempt RQ queues or schedules again); None for a job RQ does not end there
    (a task that returned ``rq.Retry`` is queued again by RQ with its status left as it was)."""
    status = job.get_status(refresh=False)
    if status in (JobStatus.FINISHED, JobStatus.STOPPED):
        return JobStatus(status).value
    if status in (JobStatus.FAILED, JobStatus.STARTED) and job.should_retry:
        return rollups.RETRIED  # RQ leaves the status alone and calls job.retry() in the same step
    if status == JobStatus.FAILED:
        return statuses.FAILED
    return None


def record_abandoned(job, exc_type, exc_value, traceback):
    """Exception handler: RQ's cleanup of a started registry calls it for a lost worker's job
    (AbandonedJobError) just before it fails the job or queues it again."""
    if exc_type is AbandonedJobError:
        outcome = rollups.RETRIED if job.retries_left and job.retries_left > 0 else statuses.FAILED
        rollups.record_job(job.connection, job, outcome)
    return True  # on to the next handler


class RecordsRollups:
    """Adds the job to the rollups in RQ's own transaction for its end: no round trip of its own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.push_exc_handler(record_abandoned)  # RQ passes them to its registry cleanup

    def cleanup_execution(self, job, pipeline):
        super().cleanup_execution(job, pipeline)
        outcome = job_outcome(job)
        if outcome is not None:
            rollups.record_job_in(pipeline, job, outcome)
