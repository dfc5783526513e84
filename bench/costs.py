"""Issue 19's benchmarks: costs that stay flat as the work grows (docs/scaling.md).

``history``: ``/jobs?status=finished`` for an owner with 1,000,000 finished jobs vs one with 1,000.
"""

import re

import redis
import requests

from bench import history_data, loadgen
from bench.harness import Row, Settings, WebServer


def history_rows(settings: Settings, site: WebServer, connection) -> list[Row]:
    big_size, small_size = (100_000, 1_000) if settings.quick else (1_000_000, 1_000)
    big = history_data.make_owner(connection, big_size, ended=True)
    small = history_data.make_owner(connection, small_size, ended=True)
    for owner, size in ((big, big_size), (small, small_size)):  # exact counts, at every size
        text = requests.get(
            f"{site.base}/jobs?status=finished", headers={"Cookie": history_data.cookie(owner)}, timeout=30
        ).text
        shown = re.search(r"([\d,]+) jobs, newest first", text)
        if not shown or int(shown.group(1).replace(",", "")) != size:
            raise RuntimeError(f"/jobs?status=finished does not count {size} jobs: {shown}")
    row = Row(
        f"History filtered by status: {big_size:,} finished jobs vs {small_size:,}",
        "ms",
        higher_is_better=False,
        goal=1.5,
        note="mean latency, 2 connections; counts checked exact",
    )
    for _ in range(settings.rounds):
        results = {}
        for owner in (small, big, big, small):
            load = loadgen.run(
                f"{site.base}/jobs?status=finished",
                settings.seconds,
                connections=2,
                headers={"Cookie": history_data.cookie(owner)},
            )
            if load.bad:
                raise RuntimeError(f"{load.bad} of {load.requests} history requests failed")
            results.setdefault(owner, []).append(load.mean_latency_ms)
        row.subject.append(sum(results[big]) / 2)
        row.baseline.append(sum(results[small]) / 2)
    return [row]


def run_history(settings: Settings) -> list[Row]:
    connection = redis.Redis.from_url(settings.redis_url)
    connection.flushdb()
    site = WebServer(settings.redis_url, "webapp:create_app()", settings.workdir / "site.log").start()
    try:
        return history_rows(settings, site, connection)
    finally:
        site.stop()
        connection.flushdb()
        connection.close()
