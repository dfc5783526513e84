"""What Jobdeck adds to RQ's workers, as a mixin kept apart from the worker class itself:

* the owner's history indexes move an ended job to its status in the same transaction as the job's
  outcome (``cleanup_execution`` is the step RQ runs inside that transaction, on success, failure,
  stop and a retry's last failure alike);
* the task code is imported once, before the first fork, so a work horse does not import it again
  for every job.

``InProcessWorker`` is RQ's ``SimpleWorker`` with the same hooks, for the queue of tasks declared
``in_process`` (short and trusted: no fork per job, so no isolation between jobs).
"""

import importlib

from rq import SimpleWorker, Worker

from jobs import history_index
from jobs.registry import TASKS


def import_task_code() -> None:
    importlib.import_module("jobs.runner")
    for spec in TASKS.values():
        importlib.import_module(spec.module)


class JobdeckHooks:
    def bootstrap(self, *args, **kwargs):
        import_task_code()  # here, not in __init__: the site builds Worker objects to list them
        super().bootstrap(*args, **kwargs)

    def cleanup_execution(self, job, pipeline):
        super().cleanup_execution(job, pipeline)
        status = job.get_status(refresh=False)
        if status is not None:
            history_index.on_job_end(pipeline, job, status.value)


class ForkingWorker(JobdeckHooks, Worker):
    """RQ's forking worker (a work horse per job) with Jobdeck's hooks."""


class InProcessWorker(JobdeckHooks, SimpleWorker):
    """RQ's non-forking worker with Jobdeck's hooks."""
