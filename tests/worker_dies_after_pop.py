"""A worker for tests/test_faults.py only: it kills itself (SIGKILL) right after taking a job off
its queue, before registering it, the window RQ's multi-queue BLPOP leaves open."""

import os
import signal

from jobs.worker import JobdeckWorker


class DiesAfterPop(JobdeckWorker):
    def execute_job(self, job, queue):
        os.kill(os.getpid(), signal.SIGKILL)
