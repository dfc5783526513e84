"""Worker benchmarks: no-op job throughput (the Procfile's worker command vs plain ``rq worker``,
1 and 2 processes, ``SimpleWorker`` vs the forking ``Worker``), the CPU each no-op job costs,
pickup latency of an idle worker, and an idle worker's memory. Worker processes are started fresh
for every round."""

import contextlib
import os
import random
import time
from datetime import datetime
from pathlib import Path

import redis
from rq import Queue
from rq.serializers import JSONSerializer

from bench.harness import (
    Row,
    Settings,
    Workers,
    children,
    percentile,
    plain_worker_command,
    procfile_worker_command,
    rss_mb,
    wait_until,
)

NOOP = "bench.workload.noop"
SIMPLE = "rq.worker.SimpleWorker"


def _when(raw: bytes) -> float:
    return datetime.fromisoformat(raw.decode().replace("Z", "+00:00")).timestamp()


def _cpu_seconds(pid: int) -> float:
    """CPU time of a worker process, of the children it has reaped (its work horses) and of those
    still alive (the scheduler, a horse at work)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    used = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
    for child in children(pid):
        with contextlib.suppress(OSError, IndexError):  # it ended meanwhile: counted once reaped
            used += _cpu_seconds(child)
    return used


class Bench:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.connection = redis.Redis.from_url(settings.redis_url)
        self.queue = Queue("default", connection=self.connection, serializer=JSONSerializer)
        self.log = settings.workdir / "workers.log"

    def workers(self, command: list[str], count: int = 1) -> Workers:
        self.connection.flushdb()
        return Workers(command, self.settings.redis_url, count, self.log)

    def _fields(self, job_ids: list[str], field: str) -> list[bytes]:
        pipe = self.connection.pipeline(transaction=False)
        for job_id in job_ids:
            pipe.hget(f"rq:job:{job_id}", field)
        return pipe.execute()

    def _wait_finished(self, count: int) -> None:
        finished = f"rq:finished:{self.queue.name}"
        failed = f"rq:failed:{self.queue.name}"

        def done():
            if self.connection.zcard(failed):
                raise RuntimeError("a no-op job failed; see the workers' log")
            return self.connection.zcard(finished) >= count

        wait_until(done, timeout=count / 5 + 60, interval=0.05, message=f"{count} jobs to finish")

    def _redis_cpu(self) -> float:
        found = self.connection.info("cpu")
        return found["used_cpu_sys"] + found["used_cpu_user"]

    def throughput(self, command: list[str], processes: int = 1) -> tuple[float, float]:
        """Jobs per second from the first enqueue to the last job's end (RQ's ended_at), and the
        CPU milliseconds per job of the worker processes (with their horses and scheduler) and of
        Redis: what the jobs cost the machine, which other load on it does not change much."""
        n = self.settings.jobs
        with self.workers(command, processes) as workers:
            cpu = sum(_cpu_seconds(pid) for pid in workers.pids) + self._redis_cpu()
            started = time.time()
            jobs = self.queue.enqueue_many([Queue.prepare_data(NOOP) for _ in range(n)])
            self._wait_finished(n)
            cpu = sum(_cpu_seconds(pid) for pid in workers.pids) + self._redis_cpu() - cpu
            last = max(_when(raw) for raw in self._fields([j.id for j in jobs], "ended_at"))
        return n / (last - started), cpu * 1000 / n

    def pickups(self, command: list[str], samples: int) -> tuple[float, float, float]:
        """Enqueue -> started (RQ's enqueued_at and started_at) with an idle worker: p50, p95 in ms,
        and the idle worker's RSS in MB afterwards."""
        delays = []
        with self.workers(command) as workers:
            for i in range(samples):
                time.sleep(random.uniform(0.05, 0.15))  # let the worker go idle; a random phase
                job = self.queue.enqueue(NOOP)
                self._wait_finished(i + 1)
                enqueued, started = self._fields([job.id], "enqueued_at") + self._fields(
                    [job.id], "started_at"
                )
                delays.append((_when(started) - _when(enqueued)) * 1000)
            time.sleep(0.5)
            memory = rss_mb(workers.pids[0])
        return percentile(delays, 50), percentile(delays, 95), memory


def run(settings: Settings) -> list[Row]:
    bench = Bench(settings)
    url = settings.redis_url
    n = settings.jobs
    procfile, procfile_simple = procfile_worker_command(), procfile_worker_command(["--worker-class", SIMPLE])
    plain, plain_simple = plain_worker_command(url), plain_worker_command(url, SIMPLE)

    forking = Row(f"Worker: {n:,} no-op jobs, Procfile command vs plain `rq worker`", "jobs/s", goal=0.95)
    cpu = Row("Worker: CPU per no-op job (worker, horses, scheduler, Redis), the same (no goal)", "ms")
    simple = Row("Worker: the same with `SimpleWorker` (both)", "jobs/s", goal=0.9)
    two = Row("Worker: 2 processes vs 1 (Procfile command, forking; no goal)", "jobs/s")
    two_simple = Row("Worker: 2 processes vs 1 (Procfile command, `SimpleWorker`; no goal)", "jobs/s")
    simple_vs = Row("Worker: `SimpleWorker` vs forking `Worker` (Procfile command; no goal)", "jobs/s")
    p50 = Row("Pickup latency p50, idle worker: Procfile command vs plain `rq worker`", "ms")
    p95 = Row("Pickup latency p95, idle worker: Procfile command vs plain `rq worker`", "ms")
    p50_simple = Row("Pickup latency p50, `SimpleWorker`: Procfile command vs plain", "ms")
    # issue 15: the task declarations may cost the idle worker at most 5 % (it was 1.00x before them)
    memory = Row("Memory: idle rq worker RSS, Procfile command vs plain `rq worker`", "MB", goal=1.05)
    for row in (cpu, p50, p95, p50_simple, memory):
        row.higher_is_better = False
    samples = 10 if settings.quick else 40

    for _ in range(settings.rounds):
        for side, command in (("baseline", plain), ("subject", procfile)):
            rate, used = bench.throughput(command)
            getattr(forking, side).append(rate)
            getattr(cpu, side).append(used)
        simple.baseline.append(bench.throughput(plain_simple)[0])
        simple.subject.append(bench.throughput(procfile_simple)[0])
        two.subject.append(bench.throughput(procfile, processes=2)[0])
        two_simple.subject.append(bench.throughput(procfile_simple, processes=2)[0])
        for command, side in ((plain, "baseline"), (procfile, "subject")):
            median, tail, rss = bench.pickups(command, samples)
            getattr(p50, side).append(median)
            getattr(p95, side).append(tail)
            getattr(memory, side).append(rss)
        p50_simple.baseline.append(bench.pickups(plain_simple, samples)[0])
        p50_simple.subject.append(bench.pickups(procfile_simple, samples)[0])
    two.baseline = forking.subject
    two_simple.baseline = simple.subject
    simple_vs.subject, simple_vs.baseline = simple.subject, forking.subject
    bench.connection.flushdb()
    bench.connection.close()
    return [forking, cpu, simple, two, two_simple, simple_vs, p50, p95, p50_simple, memory]
