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
import os
import signal

from rq import SimpleWorker, Worker

from jobs import history_index, runner
from jobs.registry import TASKS

#: how RQ's stop command (heard on the worker's pub/sub thread) reaches an in-process job
STOP_SIGNAL = signal.SIGUSR1


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


class StopRequested(Exception):
    """The job was stopped (its owner or the admin asked) while it ran in the worker's process."""


class InProcessWorker(JobdeckHooks, SimpleWorker):
    """RQ's non-forking worker with Jobdeck's hooks. Timeouts work as in RQ (SIGALRM in the main
    thread); a stop command, which RQ's SimpleWorker ignores (it has no horse to kill), interrupts
    the running task with ``StopRequested``, and RQ records the job as stopped."""

    def bootstrap(self, *args, **kwargs):
        super().bootstrap(*args, **kwargs)
        signal.signal(STOP_SIGNAL, self._stop_running_task)

    def kill_horse(self, sig=None):
        os.kill(os.getpid(), STOP_SIGNAL)  # the handler runs in the main thread, where the task runs

    def _stop_running_task(self, signum, frame):
        if runner.running_job_id() is not None:  # never in the middle of RQ's own bookkeeping
            raise StopRequested("Stopped while running.")
