"""What the fault benchmarks share: a private Redis, a set of the Procfile's workers that can be
killed and replaced, jobs submitted through the site's own enqueue, and reads of a job's state
straight from Redis (never through a page, whose reads could settle a lost job themselves).

The jobs are the tests' fault probes (tests/tasks/fault_probe.py), loaded here and in the workers
through ``JOBDECK_TASKS``, which is therefore set before jobs.registry is first imported.
"""

import os

os.environ.setdefault("JOBDECK_TASKS", "tests.tasks.fault_probe")

import contextlib  # noqa: E402
import signal
import uuid
from pathlib import Path

import redis  # noqa: E402
from rq import Worker  # noqa: E402
from rq.job import Job, NoSuchJobError  # noqa: E402
from rq.serializers import JSONSerializer  # noqa: E402

from jobs.registry import get_task  # noqa: E402
from scripts.processes import WorkerProcess, wait_until  # noqa: E402
from tests.tasks import fault_probe  # noqa: E402

OWNER = "bench-faults"


class Cluster:
    """``count`` Procfile workers on ``redis_url``, each replaced at once when it is killed."""

    def __init__(
        self,
        redis_url: str,
        workdir: Path,
        count: int,
        extra_args: list[str] | None = None,
        environ: dict | None = None,
        owner: str = OWNER,
    ):
        self.owner = owner  # whose jobs they are (a test's browser, to read their pages)
        self.redis_url = redis_url
        self.environ = environ
        self.workdir = workdir
        self.extra_args = extra_args or []
        self.connection = redis.Redis.from_url(redis_url)
        self.workers: list[WorkerProcess] = []
        self.started = 0
        from webapp import create_app

        self.app = create_app(
            {"TESTING": True, "SECRET_KEY": "bench", "REDIS_URL": redis_url, "RATE_LIMIT": "off"}
        )
        for _ in range(count):
            self.workers.append(self._new_worker())

    def _new_worker(self) -> WorkerProcess:
        self.started += 1
        log = self.workdir / f"worker-{self.started}.log"
        return WorkerProcess(self.redis_url, self.extra_args, log=log, environ=self.environ).start()

    def submit(self, task: str, params: dict, job_id: str | None = None) -> str:
        from webapp.submission import enqueue_task

        with self.app.test_request_context():
            return enqueue_task(get_task(task), params, self.owner, job_id=job_id or str(uuid.uuid4())).id

    def running(self, job_id: str) -> WorkerProcess | None:
        """The worker (one of ours) whose horse runs the job now."""
        for worker in Worker.all(connection=self.connection, serializer=JSONSerializer):
            if worker.get_current_job_id() == job_id:
                return next((w for w in self.workers if w.process and w.pid == worker.pid), None)
        return None

    def current_job(self, worker: WorkerProcess) -> str | None:
        for found in Worker.all(connection=self.connection, serializer=JSONSerializer):
            if found.pid == worker.pid:
                return found.get_current_job_id()
        return None

    @staticmethod
    def kill(worker: WorkerProcess, how: str) -> None:
        """``machine``: SIGKILL to main process, horse and scheduler; ``main``: the main process only."""
        if how == "machine":
            worker.crash()
        else:
            worker.stop(signal.SIGKILL)

    def replace(self, worker: WorkerProcess, how: str) -> None:
        """Kill ``worker`` and start another in its place."""
        self.kill(worker, how)
        self.workers[self.workers.index(worker)] = self._new_worker()

    def kill_horse(self, worker: WorkerProcess) -> bool:
        horse = worker.horse_pid()
        if horse:
            with contextlib.suppress(ProcessLookupError):
                os.kill(horse, signal.SIGKILL)
        return bool(horse)

    def stop(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(Exception):
                worker.stop()


def status(connection, job_id: str) -> str | None:
    try:
        return Job.fetch(job_id, connection=connection, serializer=JSONSerializer).get_status().value
    except NoSuchJobError:
        return None


def runs(connection, job_id: str) -> dict[str, int]:
    """How often the fault probe's side effect ran, per attempt ({"attempt:1": 1, ...})."""
    return fault_probe.runs(connection, job_id)


def wait_running(cluster: Cluster, job_id: str, probe: bool = True, timeout: float = 30) -> WorkerProcess:
    """The worker running the job, once its horse runs it (for a probe: its side effect is done)."""
    return wait_until(
        lambda: (not probe or runs(cluster.connection, job_id)) and cluster.running(job_id),
        timeout=timeout,
        message=f"job {job_id} to run",
    )
