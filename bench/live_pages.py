"""``python -m bench --only live_pages``: N open job pages watching one running countdown.

Three ways, each at every N, in one run, against the same Redis and worker:

* **push**: the Procfile's ``live`` line (gunicorn's gevent worker); each page holds
  ``GET /jobs/<id>/events`` open, as static/app.js does where the page gives ``data-events-url``,
  and reads the job's JSON from each event (a dropped stream is opened again after the ``retry``
  the server gives, as EventSource does, and counted as a connection error);
* **polling, gevent**: the same ``live`` line, each page polling ``GET /api/jobs/<id>`` as static/app.js
  does without the stream: once per report interval of the job (1 s for a countdown), with
  ``If-None-Match``, and just after the end the job's ETA announces (keep-alive connections);
* **polling, sync**: the same polling against the ``web`` line (gunicorn's sync workers: a
  connection per request), which serves every page that has no stream.

The pages open over ``RAMP`` seconds on the queued job; once each has had its first answer (the
time that takes is shown), the Procfile's worker starts and runs the countdown. Measured per N,
from then on: the time from the job's end (RQ's ``ended_at``) to each page seeing it (p50, p95),
pages that never saw it, connections refused or dropped, requests per second, and the CPU of the
web workers and of Redis. The clients (Python asyncio, one process) share the machine.
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
RAMP = 5.0  # the pages open over this many seconds
ATTACH_TIMEOUT = 60.0  # the most the job waits for all its pages to have had a first answer
#: (label, the Procfile line serving the pages, how the pages watch)
WAYS = (("push", "live", "push"), ("polling, gevent", "live", "poll"), ("polling, sync", "web", "poll"))


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
        self.attached = False  # has had its first answer
        self.deadline = time.time() + ATTACH_TIMEOUT + COUNTDOWN + 30  # made sooner once the job runs
        self.errors = 0
        self.requests = 0
        self.answers = 0  # what the site sent the page: answers to polls, events of a stream

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
                self.answers += 1
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

    async def watch(self, start_delay: float) -> None:
        await asyncio.sleep(start_delay)
        while time.time() < self.deadline:
            try:
                status, job = await self.get()
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                self.errors += 1
                await asyncio.sleep(REPORT_INTERVAL)
                continue
            now = time.time()
            self.attached = True
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
                    self.answers += 1
                    if not json.loads(data)["active"]:
                        self.seen_end_at = time.time()
                        return True
                    self.attached = True
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

    async def watch(self, start_delay: float) -> None:
        await asyncio.sleep(start_delay)
        while time.time() < self.deadline:
            try:
                if await self.stream():
                    return
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                self.errors += 1
                await asyncio.sleep(1.0)  # the server's retry


async def _watch_all(pages: list[Page], worker: Workers, cpu) -> dict:
    """Open the pages over RAMP seconds; once every page has had its first answer (or after
    ATTACH_TIMEOUT), start the worker, and measure from then until every page has seen the end."""
    watching = [asyncio.create_task(page.watch(random.uniform(0, RAMP))) for page in pages]
    opened = time.time()
    while not all(page.attached for page in pages) and time.time() - opened < ATTACH_TIMEOUT:
        await asyncio.sleep(0.1)
    attached = time.time()
    before = (*cpu(), attached, _own_cpu(), sum(page.answers for page in pages))
    await asyncio.to_thread(worker.start)
    for page in pages:
        page.deadline = time.time() + COUNTDOWN + 30
    await asyncio.gather(*watching)
    after = (*cpu(), time.time(), _own_cpu(), sum(page.answers for page in pages))
    return {"attach_seconds": attached - opened, "before": before, "after": after}


def one_load(site: WebServer, connection, cookie: str, n: int, how: str, worker_log: Path) -> dict:
    """N pages watch a countdown; it starts once they are all open and ends COUNTDOWN s later."""
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

    def cpu() -> tuple[float, float]:
        return sum(_cpu_seconds(p) for p in web_pids), _cpu_seconds(redis_pid)

    worker = Workers(procfile_worker_command(), site.redis_url, 1, worker_log)
    try:
        marks = asyncio.run(_watch_all(pages, worker, cpu))
    finally:
        worker.stop()
    ended = connection.hget(f"rq:job:{job_id}", "ended_at")
    ended_at = datetime.fromisoformat(ended.decode().replace("Z", "+00:00")).timestamp()
    late = [p.seen_end_at - ended_at for p in pages if p.seen_end_at is not None]
    (web0, redis0, t0, own0, answers0), (web1, redis1, t1, own1, answers1) = marks["before"], marks["after"]
    wall = t1 - t0
    return {
        "pages": n,
        "attach": marks["attach_seconds"],
        "p50": percentile(late, 50) if late else None,
        "p95": percentile(late, 95) if late else None,
        "missed": n - len(late),
        "errors": sum(p.errors for p in pages),
        "answers": (answers1 - answers0) / wall,
        "cpu_per_answer": (web1 - web0) / max(answers1 - answers0, 1),
        "web_cpu": (web1 - web0) / wall,
        "redis_cpu": (redis1 - redis0) / wall,
        "client_cpu": (own1 - own0) / wall,
    }


def _serve(settings: Settings, line: str) -> WebServer:
    site = WebServer(settings.redis_url, "webapp:create_app()", settings.workdir / f"live_site_{line}.log")
    site.line = line  # the Procfile's `web` (sync workers) or `live` (gevent) line
    return site.start()


def run(settings: Settings) -> list[Row]:
    connection = redis.Redis.from_url(settings.redis_url)
    connection.flushdb()
    counts = (300, 1000) if settings.quick else (1000, 3000, 6000)
    results = {}  # (way, pages) -> result
    try:
        for label, line, how in WAYS:
            site = _serve(settings, line)
            try:
                cookie = (
                    "session="
                    + requests.post(
                        f"{site.base}/api/jobs",
                        json={"task": "countdown", "params": {"seconds": 1}},
                        timeout=10,
                    ).cookies["session"]
                )
                connection.flushdb()  # that job only made the owner's cookie
                for n in counts:
                    result = one_load(site, connection, cookie, n, how, settings.workdir / "live_worker.log")
                    print(f"  {label}: {_note(result)}", flush=True)
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
            note="; ".join(f"{label}: {_note(results[label, n])}" for label, _, _ in WAYS),
        )
        row.subject = [_p95(push)]
        row.baseline = [_p95(polled)]
        rows.append(row)
    return rows


def _p95(result: dict) -> float:
    return result["p95"] if result["p95"] is not None else float("nan")


def _note(result: dict) -> str:
    return (
        f"{result['pages']} pages (open in {result['attach']:.1f} s): p95 {_p95(result):.2f} s, "
        f"p50 {result['p50'] or float('nan'):.2f} s, {result['errors']} connection errors, "
        f"{result['missed']} missed, {result['answers']:.0f} answers/s ({result['cpu_per_answer'] * 1000:.2f} ms "
        f"of web CPU each), web CPU {result['web_cpu']:.2f}, "
        f"Redis CPU {result['redis_cpu']:.2f}, clients' CPU {result['client_cpu']:.2f}"
    )
