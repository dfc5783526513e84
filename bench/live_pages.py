"""``python -m bench --only live_pages``: N open job pages watching one running countdown.

Three ways, each at every N, in one run, against the same Redis and worker:

* **push**: the Procfile's ``web`` line as it stands (gunicorn's gevent worker); each page holds
  ``GET /jobs/<id>/events`` open, as static/app.js does where the page gives ``data-events-url``,
  and reads the job's JSON from each event (a dropped stream is opened again after the ``retry``
  the server gives, as EventSource does, and counted as a connection error);
* **polling, gevent**: the same server, each page polling ``GET /api/jobs/<id>`` as static/app.js
  does without the stream: once per report interval of the job (1 s for a countdown), with
  ``If-None-Match``, and just after the end the job's ETA announces (keep-alive connections);
* **polling, sync**: the same polling against the ``web`` line with gunicorn's sync workers (what
  served the pages before the stream; a connection per request).

The job runs on the Procfile's worker. Measured per N: the time from the job's end (RQ's
``ended_at``) to each page seeing it (p50, p95), pages that never saw it, connections refused or
dropped, requests per second, and the CPU of the web workers and of Redis over the run. The clients
(Python asyncio, one process) share the machine.
"""

import asyncio
import json
import os
import random
import time
from datetime import datetime
from pathlib import Path

import redis
import requests

from bench.harness import Row, Settings, WebServer, Workers, children, percentile, procfile_worker_command

REPORT_INTERVAL = 1.0  # a countdown's
JUST_AFTER = 0.06
COUNTDOWN = 6
#: (label, the web line's worker class, how the pages watch)
WAYS = (("push", "gevent", "push"), ("polling, gevent", "gevent", "poll"), ("polling, sync", "sync", "poll"))


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


class Page:
    def __init__(self, host: str, port: int, path: str, cookie: str):
        self.host, self.port, self.path, self.cookie = host, port, path, cookie
        self.reader = self.writer = None
        self.etag = None
        self.expected_end = None
        self.seen_end_at = None
        self.errors = 0
        self.requests = 0

    async def get(self) -> tuple[int, dict | None]:
        for attempt in range(2):  # a closed keep-alive connection is opened again once
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                head = f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nCookie: {self.cookie}\r\n"
                head += "Accept: application/json\r\n"
                if self.etag:
                    head += f"If-None-Match: {self.etag}\r\n"
                self.writer.write((head + "\r\n").encode())
                await self.writer.drain()
                status_line = await self.reader.readuntil(b"\r\n")
                headers = {}
                while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", 0))
                body = await self.reader.readexactly(length) if length else b""
                if headers.get("connection", "").lower() == "close":
                    self.writer.close()
                    self.writer = None
                self.requests += 1
                status = int(status_line.split()[1])
                if "etag" in headers:
                    self.etag = headers["etag"]
                return status, (json.loads(body) if status == 200 else None)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                if self.writer is not None:
                    self.writer.close()
                self.writer = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def watch(self, start_delay: float, deadline: float) -> None:
        await asyncio.sleep(start_delay)
        while time.time() < deadline:
            try:
                status, job = await self.get()
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                self.errors += 1
                await asyncio.sleep(REPORT_INTERVAL)
                continue
            now = time.time()
            if job is not None:
                if not job["active"]:
                    self.seen_end_at = now
                    break
                eta = job.get("eta_seconds")
                self.expected_end = now + eta if eta is not None else None
            wait = REPORT_INTERVAL
            if self.expected_end is not None and 0 <= self.expected_end - now + JUST_AFTER < wait:
                wait = self.expected_end - now + JUST_AFTER
            await asyncio.sleep(max(wait, 0.05))
        if self.writer is not None:
            self.writer.close()


class StreamPage(Page):
    """A page that holds the job's event stream open, as EventSource does."""

    async def stream(self) -> bool:
        """Read one stream to its end; True once the job's end was seen."""
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        try:
            head = f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nCookie: {self.cookie}\r\n"
            self.writer.write((head + "Accept: text/event-stream\r\n\r\n").encode())
            await self.writer.drain()
            status_line = await self.reader.readuntil(b"\r\n")
            while await self.reader.readuntil(b"\r\n") != b"\r\n":
                pass
            self.requests += 1
            if int(status_line.split()[1]) != 200:
                raise OSError(f"stream refused: {status_line!r}")
            data = b""
            # gunicorn sends the stream chunked; an event ends with a blank line
            self.buffer = b""
            while line := await self.next_line():
                if line.startswith(b"data: "):
                    data += line[6:]
                elif line == b"\n" and data:
                    if not json.loads(data)["active"]:
                        self.seen_end_at = time.time()
                        return True
                    data = b""
            raise OSError("stream closed before the end")
        finally:
            self.writer.close()
            self.writer = None

    async def next_line(self) -> bytes:
        """The next line of the chunked body (gunicorn's; a chunk may hold several lines, or a
        part of one); b"" at its end."""
        while b"\n" not in self.buffer:
            size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                return b""
            self.buffer += await self.reader.readexactly(size)
            await self.reader.readexactly(2)
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"

    async def watch(self, start_delay: float, deadline: float) -> None:
        await asyncio.sleep(start_delay)
        while time.time() < deadline:
            try:
                if await self.stream():
                    return
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                self.errors += 1
                await asyncio.sleep(1.0)  # the server's retry


async def _watch_all(pages: list[Page], ramp: float, deadline: float) -> None:
    await asyncio.gather(*(page.watch(random.uniform(0, ramp), deadline) for page in pages))


def one_load(site: WebServer, connection, cookie: str, n: int, how: str) -> dict:
    answer = requests.post(
        f"{site.base}/api/jobs",
        json={"task": "countdown", "params": {"seconds": COUNTDOWN}},
        headers={"Cookie": cookie},
        timeout=10,
    )
    job_id = answer.json()["id"]
    if how == "push":
        pages = [StreamPage("127.0.0.1", site.port, f"/jobs/{job_id}/events", cookie) for _ in range(n)]
    else:
        pages = [Page("127.0.0.1", site.port, f"/api/jobs/{job_id}", cookie) for _ in range(n)]
    web_pids = children(site.process.pid)
    redis_pid = int(connection.info("server")["process_id"])
    before = [sum(_cpu_seconds(p) for p in web_pids), _cpu_seconds(redis_pid), time.time(), _own_cpu()]
    asyncio.run(_watch_all(pages, ramp=1.5, deadline=time.time() + COUNTDOWN + 20))
    after = [sum(_cpu_seconds(p) for p in web_pids), _cpu_seconds(redis_pid), time.time(), _own_cpu()]
    ended = connection.hget(f"rq:job:{job_id}", "ended_at")
    ended_at = datetime.fromisoformat(ended.decode().replace("Z", "+00:00")).timestamp()
    late = [p.seen_end_at - ended_at for p in pages if p.seen_end_at is not None]
    wall = after[2] - before[2]
    return {
        "pages": n,
        "p50": percentile(late, 50) if late else None,
        "p95": percentile(late, 95) if late else None,
        "missed": n - len(late),
        "errors": sum(p.errors for p in pages),
        "rps": sum(p.requests for p in pages) / wall,
        "web_cpu": (after[0] - before[0]) / wall,
        "redis_cpu": (after[1] - before[1]) / wall,
        "client_cpu": (after[3] - before[3]) / wall,
    }


def _serve(settings: Settings, worker_class: str) -> WebServer:
    site = WebServer(
        settings.redis_url, "webapp:create_app()", settings.workdir / f"live_site_{worker_class}.log"
    )
    site.env = {"WEB_WORKER_CLASS": worker_class}  # the Procfile's ${WEB_WORKER_CLASS:-gevent}
    return site.start()


def run(settings: Settings) -> list[Row]:
    connection = redis.Redis.from_url(settings.redis_url)
    connection.flushdb()
    counts = (300, 1000) if settings.quick else (1000, 3000, 6000)
    results = {}  # (way, pages) -> result
    try:
        with Workers(procfile_worker_command(), settings.redis_url, 1, settings.workdir / "live_worker.log"):
            for label, worker_class, how in WAYS:
                site = _serve(settings, worker_class)
                try:
                    cookie = (
                        "session="
                        + requests.post(
                            f"{site.base}/api/jobs",
                            json={"task": "countdown", "params": {"seconds": 1}},
                            timeout=10,
                        ).cookies["session"]
                    )
                    for n in counts:
                        result = one_load(site, connection, cookie, n, how)
                        print(
                            f"  {label}: "
                            + "{pages} pages: end seen p50 {p50:.3f} s, p95 {p95:.3f} s, {missed} missed, "
                            "{errors} connection errors, {rps:.0f} req/s, web CPU {web_cpu:.2f}, "
                            "Redis CPU {redis_cpu:.2f}, clients' CPU {client_cpu:.2f}".format(**result),
                            flush=True,
                        )
                        results[label, n] = result
                finally:
                    site.stop()
    finally:
        connection.flushdb()
        connection.close()
    rows = []
    for n in counts:
        push, polled = results[WAYS[0][0], n], results[WAYS[-1][0], n]
        row = Row(
            f"Live pages: {n:,} pages watching a running job, p95 from its end to the page "
            f"(push against polling, sync)",
            "s",
            higher_is_better=False,
            note="; ".join(_note(label, results[label, n]) for label, _, _ in WAYS),
        )
        row.subject = [_p95(push)]
        row.baseline = [_p95(polled)]
        rows.append(row)
    return rows


def _p95(result: dict) -> float:
    return result["p95"] if result["p95"] is not None else float("nan")


def _note(label: str, result: dict) -> str:
    return (
        f"{label}: p95 {_p95(result):.2f} s, {result['errors']} connection errors, {result['missed']} missed, "
        f"{result['rps']:.0f} req/s, web CPU {result['web_cpu']:.2f}, Redis CPU {result['redis_cpu']:.2f}, "
        f"clients' CPU {result['client_cpu']:.2f}"
    )
