"""What every benchmark here shares: rows of results, medians, the printed table, and processes
(a private redis-server, gunicorn started as the Procfile's ``web`` line, rq workers) to measure."""

import os
import shlex
import signal
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import redis
from rq import Worker

from scripts.processes import ROOT, RedisServer, WebProcess, procfile_command, wait_until

#: the site's settings for benchmarks that call it in process: no rate limit, no CSRF (the requests
#: are the benchmark's own), an admin pair for the pages that need one
IN_PROCESS_APP_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "bench-secret",
    "WTF_CSRF_ENABLED": False,
    "ADMIN_USER": "admin",
    "ADMIN_PASSWORD": "bench",
    "RATE_LIMIT": "off",
}

VENV_BIN = Path(sys.executable).parent
SECRET_KEY = "test-secret"  # what WebProcess gives the site
PROCFILE_WEB_WORKERS = 2  # the Procfile's ${WEB_CONCURRENCY:-2}

__all__ = ["RedisServer", "wait_until"]  # for the benchmarks, from scripts/processes.py


@dataclass
class Settings:
    """What every benchmark gets: where Redis is, how many rounds, how long each HTTP run lasts."""

    redis_url: str
    workdir: Path
    rounds: int
    seconds: float  # one wrk run
    jobs: int  # jobs per worker-throughput round
    quick: bool


@dataclass
class Row:
    """One printed line: ``subject`` against ``baseline``, one value of each per round."""

    name: str
    unit: str  # what the absolute figures are ("req/s", "ms", "jobs/s", "MB", "ns/step")
    subject: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    higher_is_better: bool = True
    goal: float | None = None  # the ratio to reach (at least when higher is better, else at most)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """The median of each round's subject/baseline (measured back to back, so a burst of other
        load on the machine touches both sides of a round); the median of medians otherwise."""
        if not self.subject or not self.baseline or not all(self.baseline):
            return None
        if len(self.subject) == len(self.baseline):
            return statistics.median(s / b for s, b in zip(self.subject, self.baseline, strict=True))
        return statistics.median(self.subject) / statistics.median(self.baseline)

    @property
    def verdict(self) -> str:
        if self.goal is None or self.ratio is None:
            return ""
        met = self.ratio >= self.goal if self.higher_is_better else self.ratio <= self.goal
        sign = ">=" if self.higher_is_better else "<="
        return f"{sign} {self.goal:g}x {'met' if met else 'MISSED'}"


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def print_table(rows: list[Row], rounds: int, out=sys.stdout) -> None:
    """Markdown, so the output can go into docs/benchmarks.md as it stands."""
    print(f"\n| benchmark | ratio | goal | subject | baseline | (median of {rounds}) |", file=out)
    print("|---|---:|---|---:|---:|---|", file=out)
    for row in rows:
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "n/a"
        subject = f"{fmt(statistics.median(row.subject))} {row.unit}" if row.subject else ""
        base = f"{fmt(statistics.median(row.baseline))} {row.unit}" if row.baseline else ""
        print(f"| {row.name} | {ratio} | {row.verdict} | {subject} | {base} | {row.note} |", file=out)
    out.flush()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def _stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class WebServer(WebProcess):
    """The Procfile's ``web`` command (gunicorn with its flags as they stand, its default worker
    count, on loopback) serving ``app_spec``, with the rate limit off."""

    def __init__(self, redis_url: str, app_spec: str, log: Path, workers: int = PROCFILE_WEB_WORKERS):
        super().__init__(redis_url, log, workers=workers, app=app_spec, ready_path="/healthz")

    @property
    def base(self) -> str:
        return self.url

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)


def procfile_worker_command(extra_args: list[str] | None = None) -> list[str]:
    """The Procfile's worker line, with ``extra_args`` (e.g. ``--worker-class``) before the queues."""
    command = procfile_command("worker")
    command[0] = str(VENV_BIN / command[0])
    queues_at = next(i for i, word in enumerate(command) if word == "high")
    command[queues_at:queues_at] = extra_args or []
    return command


def plain_worker_command(redis_url: str, worker_class: str | None = None) -> list[str]:
    """``rq worker`` with RQ's defaults: only the URL, the JSON serializer (jobs are JSON) and a queue."""
    command = [str(VENV_BIN / "rq"), "worker", "--url", redis_url]
    command += ["--serializer", "rq.serializers.JSONSerializer"]
    if worker_class:
        command += ["--worker-class", worker_class]
    return command + ["default"]


class Workers:
    """``count`` worker processes of one command against ``redis_url``, started and registered."""

    def __init__(self, command: list[str], redis_url: str, count: int, log: Path):
        self.command, self.redis_url, self.count, self.log = command, redis_url, count, log
        self.processes: list[subprocess.Popen] = []

    def start(self) -> "Workers":
        env = {**os.environ, "REDIS_URL": self.redis_url, "PYTHONPATH": str(ROOT)}
        for _ in range(self.count):
            out = open(self.log, "ab")  # noqa: SIM115 (the child keeps it)
            self.processes.append(
                subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            )
        client = redis.Redis.from_url(self.redis_url)
        pids = {p.pid for p in self.processes}

        def registered():
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{shlex.join(self.command)} exited; see {self.log}")
            return pids <= {w.pid for w in Worker.all(connection=client)}

        wait_until(registered, timeout=30, message="the workers to register")
        client.close()
        return self

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            _stop(process)
        self.processes = []

    def __enter__(self) -> "Workers":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"
