"""``python -m bench --only live_pages``: N open job pages watching one running countdown.

Each page is a client that polls ``GET /api/jobs/<id>`` as static/app.js does: once per report
interval of the job (1 s for a countdown), with ``If-None-Match``, and just after the end the
job's ETA announces. The site runs as the Procfile's ``web`` line, the job on the Procfile's
worker. Measured per N: the time from the job's end (RQ's ``ended_at``) to each page seeing it
(p50, p95), connections refused or dropped, requests per second, and the CPU of the web workers
and of Redis over the run. The clients (Python asyncio, one process) share the machine.
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


async def _watch_all(pages: list[Page], ramp: float, deadline: float) -> None:
    await asyncio.gather(*(page.watch(random.uniform(0, ramp), deadline) for page in pages))


def one_load(site: WebServer, connection, cookie: str, n: int) -> dict:
    answer = requests.post(
        f"{site.base}/api/jobs",
        json={"task": "countdown", "params": {"seconds": COUNTDOWN}},
        headers={"Cookie": cookie},
        timeout=10,
    )
    job_id = answer.json()["id"]
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


def run(settings: Settings) -> list[Row]:
    connection = redis.Redis.from_url(settings.redis_url)
    connection.flushdb()
    site = WebServer(settings.redis_url, "webapp:create_app()", settings.workdir / "live_site.log").start()
    counts = (300, 1000) if settings.quick else (500, 1000, 2000, 3000, 6000)
    results = []
    try:
        cookie = (
            "session="
            + requests.post(
                f"{site.base}/api/jobs", json={"task": "countdown", "params": {"seconds": 1}}, timeout=10
            ).cookies["session"]
        )
        with Workers(procfile_worker_command(), settings.redis_url, 1, settings.workdir / "live_worker.log"):
            for n in counts:
                result = one_load(site, connection, cookie, n)
                print(
                    "  {pages} pages: end seen p50 {p50:.3f} s, p95 {p95:.3f} s, {missed} missed, "
                    "{errors} connection errors, {rps:.0f} req/s, web CPU {web_cpu:.2f}, "
                    "Redis CPU {redis_cpu:.2f}, clients' CPU {client_cpu:.2f}".format(**result),
                    flush=True,
                )
                results.append(result)
    finally:
        site.stop()
        connection.flushdb()
        connection.close()
    rows = []
    for result in results:
        row = Row(
            f"Live pages: {result['pages']:,} pages watching a running job, p95 from its end to the page",
            "s",
            higher_is_better=False,
            note=f"{result['errors']} connection errors, {result['missed']} pages missed the end, "
            f"{result['rps']:.0f} req/s, web CPU {result['web_cpu']:.2f}, Redis CPU {result['redis_cpu']:.2f}, "
            f"clients' CPU {result['client_cpu']:.2f}",
        )
        row.subject = [result["p95"] if result["p95"] is not None else float("nan")]
        rows.append(row)
    return rows
