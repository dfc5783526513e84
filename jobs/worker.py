"""Jobdeck's RQ worker (the class the Procfile's ``python -m jobs.work`` runs).

RQ's forking worker, with what it lacks for Jobdeck's promises (docs/reliability.md):

* A dead worker is noticed in seconds, not RQ's minute-plus: each attempt has a liveness deadline
  that the main process renews while it watches the work horse, and every worker sweeps for
  overdue ones (``jobs/liveness.py``) from a thread of its own, busy or idle.
* No double run: the work horse dies with the main process (``PR_SET_PDEATHSIG``), and an
  attempt records its outcome only while it is still the job's current one (``liveness.claim``).
  A worker frozen past its deadline that resumes finds its job retried: its horse is stopped and
  its result refused, and the job's log says so.
* Redis outages: RQ's worker quits on some Redis errors (a socket timeout anywhere, a refused
  connection outside its dequeue loop) and backs off up to a minute between reconnects. Here it
  waits for Redis, trying again every ``REDIS_RETRY`` s, and goes on where it was.

None of this costs a round trip of its own per job: the fence and first deadline go in one
transaction with RQ's preparation of the attempt, written before the fork (including what RQ would
write from the work horse); the claim carries the heartbeat RQ writes as the execution ends; the
idle state and the fence's end go together after the horse (docs/reliability.md).

And the operator console's hooks, each a mixin of its own module: ``RecordsRollups``
(jobs/rollup_hooks.py: every ended job is added to the rollups in RQ's transaction for its end, and
a lost worker's job that RQ's cleanup fails by the cleanup's exception handler),
``SkipsPausedQueues`` (jobs/queue_pause.py: paused queues are not dequeued from) and ``ReportsRss``
(jobs/worker_memory.py: the heartbeat carries the worker's RSS).
"""

import contextlib
import ctypes
import functools
import logging
import os
import signal
import threading
import time

import redis
from rq import Queue, Worker
from rq.command import handle_stop_job_command
from rq.executions import Execution
from rq.utils import now
from rq.worker import WorkerStatus

from jobs import liveness, orphan_sweep
from jobs.joblog import append_line
from jobs.queue_pause import SkipsPausedQueues
from jobs.rollup_hooks import RecordsRollups
from jobs.started_cleanup import in_grace
from jobs.worker_hooks import JobdeckHooks
from jobs.worker_memory import ReportsRss

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # linux/prctl.h
REDIS_RETRY = 0.5  # seconds between attempts to reach Redis again
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
LATE_RESULT = (
    "WARNING A late result of this job (worker {worker}, which stopped answering and was "
    "declared lost) arrived after the job had been given up on; it was refused."
)
LATE_ATTEMPT = (
    "WARNING Worker {worker}, declared lost, resumed while this job had already been given up on; "
    "its work horse was stopped and its result refused."
)


class LateResultRefused(Exception):
    """The attempt was declared lost while it ran: its outcome is not recorded."""


def patiently(worker, call):
    """``call()``, tried again every REDIS_RETRY s for as long as Redis cannot be reached."""
    complained = False
    while True:
        try:
            return call()
        except REDIS_ERRORS as error:
            if not complained:
                worker.log.warning("Worker %s: Redis unreachable (%s); waiting for it", worker.name, error)
                complained = True
            time.sleep(REDIS_RETRY)


def until_redis_answers(method):
    """The method, called through ``patiently``."""

    @functools.wraps(method)
    def patient(self, *args, **kwargs):
        return patiently(self, lambda: method(self, *args, **kwargs))

    return patient


@functools.cache
def _prctl():
    """libc's ``prctl``, looked up once in the main process rather than in every work horse."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None


def die_with_parent(parent_pid: int) -> None:
    """In the work horse: be killed when the main process dies, even by SIGKILL (Linux)."""
    prctl = _prctl()
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


@contextlib.contextmanager
def signals_for_main_thread_only():
    """Threads started inside block every signal (they inherit the mask), so that the kernel gives
    the process's signals to the main thread. Otherwise a signal left pending while the process was
    stopped (the monitoring alarm, SIGALRM) can go to another thread on SIGCONT: Python then runs
    its handler only once the main thread's wait for the horse ends, which may be never."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


# JobdeckHooks: history, pre-import, bookkeeping; then the console's rollups, paused queues, RSS
class JobdeckWorker(JobdeckHooks, RecordsRollups, SkipsPausedQueues, ReportsRss, Worker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.job_monitoring_interval = min(self.job_monitoring_interval, liveness.RENEW_EVERY)
        self.max_connection_wait_time = 1.0  # RQ's reconnect back-off stops growing here
        self._sweeper: threading.Thread | None = None
        self._sweeping = threading.Event()
        self._late_refused: str | None = None  # in a horse: the job whose outcome was refused
        self._attempt: tuple[str, str] | None = None  # (job id, token) from prepare to the idle state

    # --- the sweep ------------------------------------------------------------------------------

    def bootstrap(self, *args, **kwargs):
        super().bootstrap(*args, **kwargs)
        _prctl()
        self._sweeping.clear()
        self._sweeper = threading.Thread(target=self._sweep_loop, name="liveness-sweep", daemon=True)
        with signals_for_main_thread_only():
            self._sweeper.start()

    def subscribe(self):
        with signals_for_main_thread_only():  # RQ's pubsub thread, started here
            super().subscribe()

    def teardown(self):
        self._sweeping.set()
        super().teardown()

    def _sweep_loop(self) -> None:
        names = self.queue_names()
        while not self._sweeping.wait(liveness.SWEEP_EVERY):
            try:
                liveness.sweep(self.connection, names)
                orphan_sweep.sweep(self.connection, liveness.SWEPT_KEY, liveness.SWEEP_GAP)
            except redis.exceptions.RedisError as error:
                self.log.debug("Worker %s: liveness sweep skipped: %s", self.name, error)
            except Exception:  # the sweep must outlive any one bad job
                self.log.exception("Worker %s: liveness sweep failed", self.name)

    # --- an attempt's fence and deadline (main process) -------------------------------------------

    def prepare_execution(self, job):
        """RQ's two preparations of an attempt in one transaction, before the fork: the execution and
        the worker's state (RQ's ``prepare_execution``) and the job's and worker's bookkeeping (what
        RQ's ``prepare_job_execution`` writes from the work horse), with the attempt's fence and first
        liveness deadline. Tried again whole while Redis cannot be reached. A try whose reply was
        lost may have been applied, so each try first removes the execution of the one before: a
        second execution registered for one attempt would expire unrenewed and have RQ's cleanup
        fail (or retry) the job later, finished or not."""
        tried = []

        def write():
            with self.connection.pipeline() as pipe:
                for earlier in tried:
                    earlier.delete(job=job, pipeline=pipe)
                execution = Execution.create(
                    job, self.get_heartbeat_ttl(job), pipeline=pipe, worker_name=self.name
                )
                tried.append(execution)
                self.set_state(WorkerStatus.BUSY, pipeline=pipe)
                self._job_bookkeeping(job, pipe)
                liveness.begin_in(pipe, job, execution.id, self.name)
                pipe.execute()
            return execution

        self.execution = patiently(self, write)
        self._attempt = (job.id, self.execution.id)
        return self.execution

    def _job_bookkeeping(self, job, pipe) -> None:
        """What RQ's ``prepare_job_execution`` writes, through the same public calls."""
        self.set_current_job_id(job.id, pipeline=pipe)
        self.set_current_job_working_time(0, pipeline=pipe)
        ttl = self.get_heartbeat_ttl(job)
        self.heartbeat(ttl, pipeline=pipe)
        job.heartbeat(now(), ttl, pipeline=pipe)
        job.prepare_for_execution(self.name, pipeline=pipe)
        if len(self.queues) == 1:  # RQ then dequeues with BLMOVE, through the intermediate list
            pipe.lrem(Queue(job.origin, connection=self.connection).intermediate_queue_key, 1, job.id)

    def prepare_job_execution(self, job, remove_from_intermediate_queue=False):
        if self._attempt and self._attempt[0] == job.id:  # written before the fork
            self.procline(f"Processing {job.func_name} from {job.origin} since {time.time()}")
            return
        patiently(self, lambda: Worker.prepare_job_execution(self, job, remove_from_intermediate_queue))

    def execute_job(self, job, queue):
        if not patiently(self, lambda: orphan_sweep.still_ours(self.connection, job)):
            return  # queued again while this worker was frozen or cut off: another runs it
        try:
            super().execute_job(job, queue)  # its last step, set_state(IDLE), ends the attempt
        finally:
            if self._attempt is not None:  # not reached: an error on the way
                self._end_attempt()

    def _end_attempt(self) -> None:
        """After the horse: the idle state, the working time RQ resets, and the end of the attempt's
        fence, deadline and stop request, in one round trip."""
        job_id, token = self._attempt

        def write():
            with self.connection.pipeline() as pipe:
                super(JobdeckWorker, self).set_state(WorkerStatus.IDLE, pipe)
                Worker.set_current_job_working_time(self, 0, pipe)
                liveness.end_in(pipe, job_id, token)
                pipe.execute()

        patiently(self, write)
        self._attempt = None

    def maintain_heartbeats(self, job):
        try:
            renewal = liveness.renew(self.connection, job, self.execution.id)
            if renewal == liveness.REFUSED:
                self._stop_late_attempt(job)
                return
            super().maintain_heartbeats(job)
            if renewal == liveness.STOP:  # a stop command this worker may not have heard
                handle_stop_job_command(self, {"command": "stop-job", "job_id": job.id})
        except REDIS_ERRORS as error:  # the horse keeps working; the next tick tries again
            self.log.warning("Worker %s: heartbeat skipped, Redis unreachable: %s", self.name, error)

    def _stop_late_attempt(self, job) -> None:
        """This attempt was given up on while the worker could not answer: stop its horse."""
        self.log.warning(
            "Worker %s: job %s was declared lost meanwhile; stopping its horse", self.name, job.id
        )
        if self.horse_pid:
            self.kill_horse()
        append_line(self.connection, job.id, LATE_ATTEMPT.format(worker=self.name), liveness.LOST_LOG_TTL)
        self._late_refused = job.id

    # --- recording an outcome (horse, or main process when the horse died) ------------------------

    def _may_record(self, job) -> bool:
        if self.execution and liveness.claim(self.connection, job, self.execution.id):
            return True
        self.log.warning("Worker %s: job %s was given up on meanwhile; outcome refused", self.name, job.id)
        if self._late_refused != job.id:
            self._late_refused = job.id
            append_line(self.connection, job.id, LATE_RESULT.format(worker=self.name), liveness.LOST_LOG_TTL)
        return False

    @until_redis_answers
    def handle_job_success(self, job, queue, started_job_registry):
        if not self._may_record(job):
            raise LateResultRefused(job.id)  # RQ then skips the success callbacks and webhooks
        return super().handle_job_success(job, queue, started_job_registry)

    @until_redis_answers
    def handle_job_failure(self, job, queue, started_job_registry=None, exc_string=""):
        if not self._may_record(job):
            return None
        return super().handle_job_failure(job, queue, started_job_registry, exc_string)

    @until_redis_answers
    def handle_job_retry(self, job, queue, retry, started_job_registry, execution=None):
        if not self._may_record(job):
            return None
        return super().handle_job_retry(job, queue, retry, started_job_registry, execution=execution)

    # --- the work horse ---------------------------------------------------------------------------

    def handle_execution_ended(self, job, queue, heartbeat_ttl):
        job.ended_at = now()  # RQ's heartbeat here is written by the claim that follows (_may_record)

    def setup_work_horse_signals(self):
        super().setup_work_horse_signals()
        die_with_parent(self.pid)
        # the horse's one short-lived connection skips redis-py's CLIENT SETINFO: two round trips and
        # a read of redis-py's package metadata per job; the main process's connection still sends it
        self.connection.connection_pool.connection_kwargs["driver_info"] = None

    # --- Redis outages ------------------------------------------------------------------------------

    check_for_suspension = until_redis_answers(JobdeckHooks.check_for_suspension)
    # a horse that died while Redis was away: its job is failed once Redis is back
    monitor_work_horse = until_redis_answers(Worker.monitor_work_horse)

    def wait_for_horse(self):
        if not self.horse_pid:  # already reaped (monitoring again after a Redis error); wait4(0)
            return None, None, None  # would wait for any child, the scheduler too
        return super().wait_for_horse()

    dequeue_job_and_maintain_ttl = until_redis_answers(Worker.dequeue_job_and_maintain_ttl)

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is not None:
            return super().heartbeat(timeout, pipeline)
        return patiently(self, lambda: JobdeckHooks.heartbeat(self, timeout))

    def set_state(self, state, pipeline=None):
        if pipeline is not None:
            return super().set_state(state, pipeline)
        if state == WorkerStatus.IDLE and self._attempt is not None and not self.is_horse:
            return self._end_attempt()
        return patiently(self, lambda: JobdeckHooks.set_state(self, state))

    def set_current_job_working_time(self, current_job_working_time, pipeline=None):
        if pipeline is not None:
            return super().set_current_job_working_time(current_job_working_time, pipeline)
        if current_job_working_time == 0 and self._attempt is not None and not self.is_horse:
            self.current_job_working_time = 0  # the horse is done: written with the idle state
            return None
        return patiently(self, lambda: Worker.set_current_job_working_time(self, current_job_working_time))

    def run_maintenance_tasks(self):
        try:
            super().run_maintenance_tasks()
        except REDIS_ERRORS as error:  # skipped; it runs again at the next interval
            self.log.warning("Worker %s: maintenance skipped, Redis unreachable: %s", self.name, error)

    def clean_registries(self):
        if in_grace(self.connection):
            return  # heartbeats that ran out while Redis was away prove nothing yet
        super().clean_registries()
