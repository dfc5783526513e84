"""``python -m bench.chaos``: many jobs on 3 workers while every kind of fault is injected.

Faults, one at a time, at random (seeded), each kind at least once: a worker killed with its horse
and scheduler (its machine died), a work horse killed (the out-of-memory killer), a worker's main
process killed alone, a worker frozen (SIGSTOP) for up to twice the detection window then resumed,
Redis killed and restarted from its append-only file (short outages, and with ``--outages`` long
ones), Redis hung (SIGSTOP) for a few seconds, and the web process restarted. Jobs are fault
probes (each run records itself per attempt: a duplicate run is seen) submitted through the site's
own enqueue, and every tenth a ``primes`` job through the web API.

It ends with a table: faults injected, jobs by final state, duplicate runs, detection times. A job
is lost silently when its acknowledged id has vanished from Redis, and unsettled when it has not
ended ``DETECTION_BOUND`` + 15 s after the last fault and the last queued job's start. Detection
is timed from the kill (or freeze) to the attempt given up on, and again from Redis's return when
Redis was away in between (the deadlines then move on by the outage: docs/reliability.md).
"""

import argparse
import contextlib
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests
from rq.job import Job, NoSuchJobError
from rq.serializers import JSONSerializer

from bench.fault_cluster import Cluster, runs
from jobs import liveness
from jobs.queue_names import QUEUE_NAMES
from scripts.processes import RedisServer, WebProcess, process_state, wait_until

SETTLE_AFTER = liveness.DETECTION_BOUND + 15
KINDS = ("machine", "horse", "main", "freeze", "redis-down", "redis-hang", "web-restart")
ENDED = {"finished", "failed", "stopped", "canceled"}
LOST_MARKERS = ("AbandonedJobError", "Work-horse terminated unexpectedly")
#: the "failed, other" jobs whose error the table shows, at most, and the longest line shown
OTHER_ERRORS_SHOWN = 20
ERROR_LINE_LIMIT = 200


@dataclass
class Run:
    jobs: int
    workers: int
    seed: int
    probe_seconds: tuple[float, float]
    outages: tuple[float, ...]  # long Redis outages (seconds), injected once each
    pause: tuple[float, float] = (1.0, 3.0)  # between faults
    faults: Counter = field(default_factory=Counter)
    outage_seconds: list[float] = field(default_factory=list)
    detections: list[float] = field(default_factory=list)  # from the kill (or freeze)
    #: the same, counted from Redis's return when Redis was away between the kill and detection
    detections_from_return: list[float] = field(default_factory=list)
    redis_returns: list[float] = field(default_factory=list)  # when each outage ended (monotonic)
    submitted: list[tuple[str, str]] = field(default_factory=list)  # (job id, task)
    submit_retries: int = 0


class Chaos:
    def __init__(self, run: Run, workdir: Path, environ: dict | None = None):
        self.run = run
        self.rng = random.Random(run.seed)
        self.workdir = workdir
        self.server = RedisServer(workdir / "redis", appendonly=True).start()
        self._durable()
        self.cluster = Cluster(self.server.url, workdir, run.workers, environ=environ)
        self.connection = self.cluster.connection
        self.web = WebProcess(self.server.url, workdir / "web.log", workers=2).start()
        self.http = requests.Session()
        self.done_submitting = threading.Event()
        self.watch: list[tuple[str, bytes | None, float]] = []  # (job id, attempt token, fault time)
        self.lock = threading.Lock()

    def _durable(self) -> None:
        """Every acknowledged write on disk before a kill (by default Redis fsyncs once a second)."""
        redis.Redis.from_url(self.server.url).config_set("appendfsync", "always")

    # --- submitting -------------------------------------------------------------------------------

    def _backlog(self) -> int:
        with self.connection.pipeline(transaction=False) as pipe:
            for name in QUEUE_NAMES:
                pipe.llen(f"rq:queue:{name}")
            return sum(pipe.execute())

    def _submit_one(self, index: int) -> None:
        while True:
            try:
                if index % 10 == 9:
                    response = self.http.post(
                        self.web.url + "/api/jobs",
                        json={"task": "primes", "params": {"limit": 2000}},
                        timeout=5,
                    )
                    if response.status_code == 202:
                        self.run.submitted.append((response.json()["id"], "primes"))
                        return
                else:
                    seconds = round(self.rng.uniform(*self.run.probe_seconds), 3)
                    job_id = f"chaos-{index}"
                    try:
                        self.cluster.submit("fault_probe", {"seconds": seconds}, job_id=job_id)
                    except redis.exceptions.RedisError:
                        if not self._exists(job_id):  # its enqueue may have landed before the error
                            raise
                    self.run.submitted.append((job_id, "fault_probe"))
                    return
            except (requests.RequestException, redis.exceptions.RedisError):
                pass
            self.run.submit_retries += 1
            time.sleep(0.2)

    def _exists(self, job_id: str) -> bool:
        while True:
            with contextlib.suppress(redis.exceptions.RedisError):
                return bool(self.connection.exists(f"rq:job:{job_id}"))
            time.sleep(0.2)

    def feed(self) -> None:
        index = 0
        while index < self.run.jobs:
            try:
                if self._backlog() > 300:
                    time.sleep(0.05)
                    continue
            except redis.exceptions.RedisError:
                time.sleep(0.2)
                continue
            for _ in range(min(50, self.run.jobs - index)):
                self._submit_one(index)
                index += 1
        self.done_submitting.set()

    # --- faults -----------------------------------------------------------------------------------

    def _busy_worker(self):
        candidates = [w for w in self.cluster.workers if w.process and w.horse_pid()]
        return self.rng.choice(candidates) if candidates else self.rng.choice(self.cluster.workers)

    def _watch(self, worker) -> None:
        """Time the detection of the job this worker runs (when it runs one)."""
        with contextlib.suppress(redis.exceptions.RedisError):
            job_id = self.cluster.current_job(worker)
            if job_id:
                token = self.connection.hget(liveness.fence_key(job_id), "token")
                with self.lock:
                    self.watch.append((job_id, token, time.monotonic()))

    def _redis_down(self, seconds: float) -> None:
        self.server.process.kill()
        self.server.process.wait()
        time.sleep(seconds)
        self.server.start()  # same port, same append-only file
        self._durable()
        self.run.redis_returns.append(time.monotonic())
        self.run.outage_seconds.append(seconds)

    def inject(self, kind: str) -> None:
        """One fault; a fault that could not be injected as meant (its horse ended meanwhile, the
        web did not come back in time) is counted apart, and the run goes on."""
        try:
            self._inject(kind)
        except Exception as error:  # noqa: BLE001 (whatever it was, the run must go on)
            self.run.faults[f"{kind} (not injected: {type(error).__name__})"] += 1
            self._recover()
            return
        self.run.faults[kind] += 1

    def _recover(self) -> None:
        """After a fault that went wrong: Redis and the web serve again (the run needs both)."""
        if self.server.process is None or self.server.process.poll() is not None:
            self.server.start()
            self._durable()
        wait_until(self._redis_answers, timeout=120, message="Redis to answer again")
        if self.web.process is None or self.web.process.poll() is not None:
            self.web.start()

    def _redis_answers(self) -> bool:
        try:
            return bool(self.connection.ping())
        except redis.exceptions.RedisError:
            return False

    def _inject(self, kind: str) -> None:
        if kind in ("machine", "main"):
            worker = self._busy_worker()
            self._watch(worker)
            self.cluster.replace(worker, kind)
        elif kind == "horse":
            self.cluster.kill_horse(self._busy_worker())
        elif kind == "freeze":
            worker = self._busy_worker()
            horse = worker.horse_pid()  # once: it may end between two looks
            family = [worker.pid, *([horse] if horse else [])]
            self._watch(worker)
            for pid in family:
                with contextlib.suppress(ProcessLookupError):  # a horse may end meanwhile
                    os.kill(pid, signal.SIGSTOP)
            time.sleep(self.rng.choice([1.0, 3.0, 2 * liveness.DETECTION_BOUND]))
            for pid in family:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
        elif kind == "redis-down":
            self._redis_down(self.rng.uniform(0.5, 2.0))
        elif kind == "redis-hang":
            self.server.process.send_signal(signal.SIGSTOP)
            time.sleep(self.rng.uniform(1.0, 4.0))
            self.server.process.send_signal(signal.SIGCONT)
            self.run.redis_returns.append(time.monotonic())
        elif kind == "web-restart":
            self.web.stop()
            self.web.start()

    def _monitor(self, stop: threading.Event) -> None:
        """The moment each watched attempt is given up on: its fence says lost, or is gone/replaced."""
        while not stop.wait(0.05):
            with self.lock:
                pending = list(self.watch)
            for item in pending:
                job_id, token, at = item
                try:
                    fence = self.connection.hmget(liveness.fence_key(job_id), "token", "state")
                except redis.exceptions.RedisError:
                    continue
                given_up = fence[1] == b"lost" or fence[0] not in (token, None)  # lost, or retried
                if given_up or fence[0] is None or fence[1] == b"finishing":  # or it ended as it was
                    with self.lock:
                        self.watch.remove(item)
                    if given_up and token:
                        now = time.monotonic()
                        back = max((r for r in self.run.redis_returns if at < r <= now), default=at)
                        self.run.detections.append(now - at)
                        self.run.detections_from_return.append(now - back)

    def go(self) -> dict:
        started = time.monotonic()
        feeder = threading.Thread(target=self.feed, daemon=True)
        feeder.start()
        stop_monitor = threading.Event()
        monitor = threading.Thread(target=self._monitor, args=(stop_monitor,), daemon=True)
        monitor.start()
        long_outages = list(self.run.outages)
        plan: list[str] = []
        while not self.done_submitting.is_set() or self._backlog_safe():
            time.sleep(self.rng.uniform(*self.run.pause))
            if long_outages and self.run.faults.total() >= 10 * (
                len(self.run.outages) - len(long_outages) + 1
            ):
                self._redis_down(long_outages.pop(0))  # after 10 faults, then after 10 more
                self.run.faults["redis-down (long)"] += 1
                continue
            if not plan:
                plan = list(KINDS)
                self.rng.shuffle(plan)
            self.inject(plan.pop())
        for kind in plan:  # every kind at least once
            self.inject(kind)
        last_fault = time.monotonic()
        feeder.join()
        result = self.settle(last_fault)
        stop_monitor.set()
        monitor.join()
        result["seconds"] = time.monotonic() - started
        return result

    def _backlog_safe(self) -> int:
        while True:
            with contextlib.suppress(redis.exceptions.RedisError):
                return self._backlog()
            time.sleep(0.2)

    # --- the end ----------------------------------------------------------------------------------

    def _final(self) -> dict[str, str]:
        states = {}
        with self.connection.pipeline(transaction=False) as pipe:
            for job_id, _ in self.run.submitted:
                pipe.hget(f"rq:job:{job_id}", "status")
            for (job_id, _), status in zip(self.run.submitted, pipe.execute(), strict=True):
                states[job_id] = status.decode() if status else "missing"
        return states

    def settle(self, last_fault: float) -> dict:
        while self._backlog_safe():  # the jobs left after the faults are taken first
            time.sleep(0.2)
        deadline = max(last_fault, time.monotonic()) + SETTLE_AFTER
        while time.monotonic() < deadline:
            states = self._final()
            if all(state in ENDED or state == "missing" for state in states.values()):
                break
            time.sleep(0.5)
        return self.classify(self._final())

    def classify(self, states: dict[str, str]) -> dict:
        final = Counter()
        duplicates = retried = refused = requeued = 0
        other_errors = []  # (job id, the last line of its error) of each job "failed, other"
        for job_id, task in self.run.submitted:
            state = states[job_id]
            if state == "missing":
                final["lost silently"] += 1
                continue
            if state not in ENDED:
                fence = self.connection.hget(liveness.fence_key(job_id), "state")  # how far it got
                final[f"unsettled ({state}, attempt {(fence or b'none').decode()})"] += 1
                continue
            if state == "failed":
                try:
                    job = Job.fetch(job_id, connection=self.connection, serializer=JSONSerializer)
                    latest = job.latest_result()
                    error = (latest.exc_string if latest else "") or ""
                except NoSuchJobError:
                    error = ""
                state = "failed, worker lost" if any(m in error for m in LOST_MARKERS) else "failed, other"
                if state == "failed, other":
                    other_errors.append((job_id, last_line(error)))
            final[state] += 1
            if task == "fault_probe":
                ran = runs(self.connection, job_id)
                duplicates += sum(count - 1 for count in ran.values() if count > 1)
                retried += len(ran) > 1
            lines = self.connection.lrange(f"jobdeck:log:{job_id}", 0, -1)
            refused += any(b"refused" in line for line in lines)
            requeued += any(b"was lost before starting it" in line for line in lines)
        return {
            "final": final,
            "duplicates": duplicates,
            "retried": retried,
            "refused": refused,
            "requeued": requeued,
            "other_errors": other_errors,
        }

    def stop(self) -> None:
        self.cluster.stop()
        self.web.stop()
        if self.server.process and process_state(self.server.process.pid) == "T":
            self.server.process.send_signal(signal.SIGCONT)
        self.server.stop()


def last_line(error: str) -> str:
    """The last line of a job's error (RQ's exc_info: the exception and its message), shortened."""
    line = next((line.strip() for line in reversed(error.splitlines()) if line.strip()), "")
    return (line or "(no error recorded)")[:ERROR_LINE_LIMIT]


def run_chaos(run: Run, workdir: Path, environ: dict | None = None) -> dict:
    chaos = Chaos(run, workdir, environ)
    try:
        return chaos.go()
    finally:
        chaos.stop()


def table(run: Run, result: dict) -> str:
    detections = run.detections
    lines = [
        f"{len(run.submitted)} jobs on {run.workers} workers, seed {run.seed}, "
        f"{result['seconds']:.0f} s, liveness window {liveness.WINDOW:g} s",
        "faults injected:",
        *(f"  {kind:<22} {count}" for kind, count in sorted(run.faults.items())),
        f"  {'total':<22} {run.faults.total()}",
        "jobs by final state:",
        *(f"  {state:<22} {count}" for state, count in sorted(result["final"].items())),
        f"duplicate runs (an attempt run twice): {result['duplicates']}",
        f"jobs run again as their retry:         {result['retried']}",
        f"late results refused:                  {result['refused']}",
        f"popped by a lost worker, queued again: {result['requeued']}",
        f"submissions tried again:               {run.submit_retries}",
    ]
    if detections:
        spanned = sum(a != b for a, b in zip(detections, run.detections_from_return, strict=True))
        lines += [
            f"detection (kill or freeze to given up on): p50 {statistics.median(detections):.2f} s, "
            f"max {max(detections):.2f} s over {len(detections)}",
            f"  from Redis's return instead where it was away meanwhile ({spanned} of them): p50 "
            f"{statistics.median(run.detections_from_return):.2f} s, "
            f"max {max(run.detections_from_return):.2f} s",
        ]
    if run.outage_seconds:
        lines.append(f"Redis outages (s): {', '.join(f'{s:.1f}' for s in run.outage_seconds)}")
    others = result["other_errors"]
    shown = others[:OTHER_ERRORS_SHOWN]
    if shown:
        lines.append(f"failed, other: each one's error ({len(shown)} of {len(others)}):")
        lines += [f"  {job_id}  {error}" for job_id, error in shown]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs to run (default 10000)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument(
        "--outages",
        default="30,300",
        help="long Redis outages in seconds, once each (default 30,300; '' none)",
    )
    args = parser.parse_args(argv)
    outages = tuple(float(s) for s in args.outages.split(",") if s)
    run = Run(args.jobs, args.workers, args.seed, probe_seconds=(0.0, 0.1), outages=outages)
    with tempfile.TemporaryDirectory(prefix="jobdeck-chaos-") as tmp:
        result = run_chaos(run, Path(tmp))
    print(table(run, result))
    bad = result["final"]["lost silently"] + sum(
        n for state, n in result["final"].items() if state.startswith("unsettled")
    )
    return 1 if bad or result["duplicates"] else 0


if __name__ == "__main__":
    sys.exit(main())
