"""``python -m bench --only tiny_jobs``: jobs/s of jobs that do nothing, run through jobs.runner as
every Jobdeck job is, on one worker process started from the Procfile's lines:

* forking: the ``worker`` line (``jobs.worker.JobdeckWorker``) against the same line with
  ``--worker-class rq.worker.Worker`` (RQ's own Worker, as before issue 19, whose work horse imports
  jobs.runner and the task for every job);
* in process: the ``inprocess`` line (RQ's SimpleWorker with the hooks) against the ``worker`` line.
"""

import os
import time

import redis
from rq import Queue
from rq.serializers import JSONSerializer

from bench.harness import VENV_BIN, Row, Settings, Workers, procfile_worker_command, wait_until
from jobs.queue_names import DEFAULT_QUEUE, IN_PROCESS_QUEUE
from scripts.processes import procfile_command

TASKS_ENV = "bench.tiny_task"


def command(line: str) -> list[str]:
    words = procfile_command(line)
    words[0] = str(VENV_BIN / words[0])
    return words


def throughput(settings: Settings, words: list[str], task: str, queue_name: str, n: int) -> float:
    connection = redis.Redis.from_url(settings.redis_url)
    connection.flushdb()
    queue = Queue(queue_name, connection=connection, serializer=JSONSerializer)
    log = settings.workdir / "tiny_jobs.log"
    with Workers(words, settings.redis_url, 1, log):
        started = time.time()
        data = [
            Queue.prepare_data("jobs.runner.execute", args=(task, {}), result_ttl=86_400, failure_ttl=604_800)
            for _ in range(n)
        ]
        queue.enqueue_many(data)
        finished, failed = f"rq:finished:{queue_name}", f"rq:failed:{queue_name}"

        def done():
            if connection.zcard(failed):
                raise RuntimeError(f"a tiny job failed; see {log}")
            return connection.zcard(finished) >= n

        wait_until(done, timeout=n / 5 + 60, interval=0.02, message=f"{n} tiny jobs")
        elapsed = time.time() - started
    connection.flushdb()
    connection.close()
    return n / elapsed


def run(settings: Settings) -> list[Row]:
    os.environ["JOBDECK_TASKS"] = ",".join(filter(None, [os.environ.get("JOBDECK_TASKS"), TASKS_ENV]))
    n = settings.jobs
    forking = Row(
        f"Tiny jobs, forking: Procfile `worker` line vs the same with RQ's `Worker` ({n:,} jobs)",
        "jobs/s",
        goal=1.3,
    )
    in_process = Row("Tiny jobs: Procfile `inprocess` line vs `worker` line", "jobs/s", goal=5)
    for _ in range(settings.rounds):
        today = throughput(
            settings,
            procfile_worker_command(["--worker-class", "rq.worker.Worker"]),
            "tiny",
            DEFAULT_QUEUE,
            n,
        )
        ours = throughput(settings, command("worker"), "tiny", DEFAULT_QUEUE, n)
        simple = throughput(settings, command("inprocess"), "tiny_in_process", IN_PROCESS_QUEUE, n * 5)
        forking.baseline.append(today)
        forking.subject.append(ours)
        in_process.baseline.append(ours)
        in_process.subject.append(simple)
    return [forking, in_process]
