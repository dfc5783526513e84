"""Console benchmarks (issue 16), in process against the bench's Redis:

* search at 100,000 jobs against 100 (by parameter value and by id prefix): flat, goal <= 1.5x;
* a rollup's cost per ended job (one EVALSHA) against one PING round trip (no goal: the worker
  line of bench/workers.py carries the effect on jobs/s);
* a /metrics scrape with 100,000 job ends in the rollups, against its 50 ms budget.
"""

import gc
import statistics
import time
import uuid

import redis
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from bench.harness import IN_PROCESS_APP_CONFIG, Row, Settings
from jobs import rollups
from webapp import create_app, search_index
from webapp.submission import RUNNER

ADMIN = {"Authorization": "Basic YWRtaW46YmVuY2g="}  # admin:bench
SMALL, LARGE = 100, 100_000
REQUESTS = 40
CHUNK = 5_000
SCRAPE_BUDGET_MS = 50.0


def _app(settings: Settings):
    return create_app({**IN_PROCESS_APP_CONFIG, "REDIS_URL": settings.redis_url})


def _fill_index(connection, task: str, jobs: int) -> str:
    """``jobs`` jobs of ``task`` with limit 7 in the search index, ids under a prefix of their own;
    real job hashes for the newest page. Returns the prefix."""
    prefix = uuid.uuid4().hex[:6]
    now = time.time()
    ids = [f"{prefix}-{uuid.uuid4()}" for _ in range(jobs)]
    for start in range(0, jobs, CHUNK):
        pipe = connection.pipeline(transaction=False)
        for i, job_id in enumerate(ids[start : start + CHUNK]):
            search_index.add(pipe, job_id, task, {"limit": 7}, now - start - i, 7 * 86400)
        pipe.execute()
    pipe = connection.pipeline(transaction=False)
    for job_id in ids[:30]:
        job = Job.create(
            RUNNER,
            args=(task, {"limit": 7}),
            id=job_id,
            connection=connection,
            serializer=JSONSerializer,
            meta={"task": task},
            origin="low",
        )
        job.set_status(JobStatus.FINISHED, pipeline=pipe)
        job.save(pipeline=pipe)
    pipe.execute()
    return prefix


def _median_ms(client, path: str) -> float:
    client.get(path, headers=ADMIN)  # templates compiled, connections open: not part of the figure
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(path, headers=ADMIN)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def _search_rows(settings: Settings, app) -> list[Row]:
    """Both sizes in one index (a task with 100 jobs, another with 100,000, each under an id prefix
    of its own), measured in alternation, so both see the same Redis and the same machine load."""
    connection = redis.Redis.from_url(settings.redis_url)
    by_value = Row(
        f"Console search by parameter: a task with {LARGE:,} jobs vs {SMALL}",
        "ms",
        higher_is_better=False,
        goal=1.5,
    )
    by_id = Row(
        f"Console search by id prefix: {LARGE:,} matching ids vs {SMALL}",
        "ms",
        higher_is_better=False,
        goal=1.5,
    )
    client = app.test_client()
    connection.flushdb()
    small = _fill_index(connection, "countdown", SMALL)
    large = _fill_index(connection, "primes", LARGE)
    gc.collect()
    for _ in range(settings.rounds):
        by_value.baseline.append(_median_ms(client, "/admin/search?task=countdown&value=7"))
        by_value.subject.append(_median_ms(client, "/admin/search?task=primes&value=7"))
        by_id.baseline.append(_median_ms(client, f"/admin/search?id={small}"))
        by_id.subject.append(_median_ms(client, f"/admin/search?id={large}"))
    connection.flushdb()
    return [by_value, by_id]


def _rollup_rows(settings: Settings, app) -> list[Row]:
    connection = redis.Redis.from_url(settings.redis_url)
    cost = Row(
        "Rollup: one job's end (one EVALSHA) vs one PING round trip (no goal)", "µs", higher_is_better=False
    )
    calls = 2000
    for _ in range(settings.rounds):
        started = time.perf_counter()
        for i in range(calls):
            rollups.record(
                connection,
                task="primes",
                queue="low",
                outcome="finished",
                run=0.01 * (i % 50),
                wait=0.001 * (i % 30),
            )
        cost.subject.append((time.perf_counter() - started) / calls * 1e6)
        started = time.perf_counter()
        for _ in range(calls):
            connection.ping()
        cost.baseline.append((time.perf_counter() - started) / calls * 1e6)

    connection.flushdb()
    scrape = Row(
        f"GET /metrics with {LARGE:,} job ends in the rollups vs its {SCRAPE_BUDGET_MS:.0f} ms budget",
        "ms",
        higher_is_better=False,
        goal=1.0,
    )
    now = time.time()
    tasks = ["countdown", "primes", "csv_profile", "word_frequency", "url_words", "thumbnails"]
    for start in range(0, LARGE, CHUNK):
        pipe = connection.pipeline(transaction=False)
        for i in range(start, start + CHUNK):
            rollups.record(
                pipe,
                task=tasks[i % len(tasks)],
                queue=("high", "default", "low")[i % 3],
                outcome=rollups.OUTCOMES[i % 3],
                run=(i % 997) / 10,
                wait=(i % 89) / 10,
                when=now - (i % 2880) * 60,
            )  # spread over the last 2 days
        pipe.execute()
    client = app.test_client()
    for _ in range(settings.rounds):
        scrape.subject.append(_median_ms(client, "/metrics"))
        scrape.baseline.append(SCRAPE_BUDGET_MS)
    connection.flushdb()
    return [cost, scrape]


def run(settings: Settings) -> list[Row]:
    app = _app(settings)
    return _search_rows(settings, app) + _rollup_rows(settings, app)
