"""Batch submission: 1,000 jobs in one ``POST /api/batches`` against 1,000 ``POST /api/jobs``.

In process (Flask's test client, the site's own code and its Redis client against the bench's
redis-server), so the figure is the site's work and its round trips to Redis, not HTTP parsing.
The note gives the MULTI/EXEC blocks each side sends (Redis's ``INFO commandstats``).
"""

import time

import redis

from bench.harness import IN_PROCESS_APP_CONFIG, Row, Settings
from webapp import create_app

ITEMS = 1000
ITEM = {"text": "one two two three three three", "top": 5}


def _execs(connection) -> int:
    return connection.info("commandstats").get("cmdstat_exec", {}).get("calls", 0)


def run(settings: Settings) -> list[Row]:
    connection = redis.Redis.from_url(settings.redis_url)
    client = create_app({**IN_PROCESS_APP_CONFIG, "REDIS_URL": settings.redis_url}).test_client()
    row = Row(f"Submit {ITEMS:,} jobs: one POST /api/batches vs {ITEMS:,} POST /api/jobs", "jobs/s", goal=3)
    execs = []
    for _ in range(settings.rounds):
        connection.flushdb()
        before, started = _execs(connection), time.perf_counter()
        answer = client.post("/api/batches", json={"task": "word_frequency", "items": [ITEM] * ITEMS})
        row.subject.append(ITEMS / (time.perf_counter() - started))
        assert answer.status_code == 202, answer.get_json()
        execs.append(_execs(connection) - before)

        connection.flushdb()
        before, started = _execs(connection), time.perf_counter()
        for _ in range(ITEMS):
            answer = client.post("/api/jobs", json={"task": "word_frequency", "params": ITEM})
            assert answer.status_code == 202, answer.get_json()
        row.baseline.append(ITEMS / (time.perf_counter() - started))
        execs.append(_execs(connection) - before)
    row.note = f"MULTI/EXEC blocks: {execs[0]} for the batch, {execs[1]:,} for the single submissions"
    connection.flushdb()
    return [row]
