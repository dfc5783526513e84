"""What Jobdeck adds to RQ's workers, as a mixin of the Procfile's two worker classes
(``jobs.worker.JobdeckWorker``, forking, and ``InProcessWorker`` here):

* the owner's history indexes move an ended job to its status in the same transaction as the job's
  outcome (``cleanup_execution`` is the step RQ runs inside that transaction, on success, failure,
  stop and a retry's last failure alike), and pages watching the job hear of it as it commits
  (jobs/job_changes.py);
* the task code is imported once, before the first fork, so a work horse does not import it again
  for every job;
* RQ's per-job bookkeeping that only needs to be current to the second is done at most once a
  second: the worker's liveness heartbeat between jobs (its key lives ``--worker-ttl`` seconds),
  the suspension check (``rq suspend`` takes effect within a second), and rewriting the state it
  already has in Redis ("idle" after "idle"). Heartbeats that cover a job's timeout, and anything
  RQ writes in a transaction, are never skipped.

``InProcessWorker`` is RQ's ``SimpleWorker`` with the same hooks, for the queue of tasks declared
``in_process`` (short and trusted: no fork per job, so no isolation between jobs).
"""

import importlib
import os
import signal
import time

from rq import SimpleWorker

from jobs import history_index, job_changes, runner
from jobs.queue_pause import SkipsPausedQueues
from jobs.registry import TASKS
from jobs.rollup_hooks import RecordsRollups, job_outcome
from jobs.worker_memory import ReportsRss

#: seconds between two of RQ's between-jobs heartbeats or suspension checks
BOOKKEEPING_EVERY = 1.0
#: how RQ's stop command (heard on the worker's pub/sub thread) reaches an in-process job
STOP_SIGNAL = signal.SIGUSR1


def import_task_code() -> None:
    """jobs.runner and every task module. They import their heavy libraries (Pillow, Polars) inside
    their functions, so this imports no Polars: a process that has started Polars' threads must
    not fork (tests/test_in_process.py checks it)."""
    importlib.import_module("jobs.runner")
    for spec in TASKS.values():
        importlib.import_module(spec.module)


class JobdeckHooks:
    _beaten_at = 0.0  # monotonic time of the last heartbeat
    _checked_at = 0.0  # of the last suspension check
    _written_state = None  # the state last written to Redis

    def bootstrap(self, *args, **kwargs):
        import_task_code()  # here, not in __init__: the site builds Worker objects to list them
        super().bootstrap(*args, **kwargs)

    def heartbeat(self, timeout=None, pipeline=None):
        now = time.monotonic()
        if timeout is None and pipeline is None and now - self._beaten_at < BOOKKEEPING_EVERY:
            return
        super().heartbeat(timeout, pipeline)
        self._beaten_at = now

    def check_for_suspension(self, burst):
        now = time.monotonic()
        if now - self._checked_at < BOOKKEEPING_EVERY:
            return
        super().check_for_suspension(burst)
        self._checked_at = now

    def set_state(self, state, pipeline=None):
        if pipeline is None and state == self._written_state:
            return
        super().set_state(state, pipeline)
        self._written_state = state

    def cleanup_execution(self, job, pipeline):
        super().cleanup_execution(job, pipeline)
        outcome = job_outcome(job)  # a retried job stays in the active indexes
        if outcome is not None:
            history_index.on_job_end(pipeline, job, outcome)
        job_changes.publish(pipeline, job.id)  # sent when the transaction commits the outcome


class StopRequested(Exception):
    """The job was stopped (its owner or the admin asked) while it ran in the worker's process."""


class InProcessWorker(JobdeckHooks, RecordsRollups, SkipsPausedQueues, ReportsRss, SimpleWorker):
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
