"""Helpers for tests: a private redis-server, the Procfile's worker as a subprocess, polling."""

import os
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


class RedisServer:
    """A redis-server of our own on a free port, in a temporary directory."""

    def __init__(self, directory: Path, appendonly: bool = False, port: int | None = None):
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
                "redis-server",
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


def procfile_command(name: str) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        key, _, command = line.partition(":")
        if key.strip() == name:
            return shlex.split(command.strip())
    raise KeyError(name)


class WorkerProcess:
    """The Procfile's worker command, run as it stands against a given Redis."""

    def __init__(
        self, redis_url: str, extra_args: list[str] | None = None, cwd: Path = ROOT, log: Path | None = None
    ):
        self.redis_url = redis_url
        self.extra_args = extra_args or []
        self.cwd = cwd
        self.log = log
        self.process = None

    def start(self) -> "WorkerProcess":
        command = procfile_command("worker")
        command[0] = str(VENV_BIN / command[0])
        queues_at = next(i for i, word in enumerate(command) if word == "high")
        command[queues_at:queues_at] = self.extra_args
        env = {**os.environ, "REDIS_URL": self.redis_url, "PYTHONPATH": str(ROOT)}
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
        self.process = subprocess.Popen(command, cwd=self.cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        client = redis.Redis.from_url(self.redis_url)
        from rq import Worker

        wait_until(
            lambda: any(w.pid == self.process.pid for w in Worker.all(connection=client)),
            timeout=20,
            message="the worker to register",
        )
        return self

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code
