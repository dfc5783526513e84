"""``python -m bench --only redis_memory``: Redis memory per finished job at the default TTLs.

One real countdown job runs (the site submits it, the in-process worker with Jobdeck's hooks runs
it); then N copies of what it left in Redis are written with the same commands (bench/clone_jobs.lua),
under the settings of scripts/redis-memory.conf (this branch's history indexes) against Redis's
defaults (the history as it was: owner and task indexes only). Jobs per owner: 100.
"""

import time
from pathlib import Path

import redis
from rq.serializers import JSONSerializer

from bench.harness import Row, Settings
from jobs.queue_names import QUEUE_NAMES
from scripts.processes import REDIS_MEMORY_CONF

CLONE = (Path(__file__).parent / "clone_jobs.lua").read_text()
BATCH = 5_000
PER_OWNER = 100
REDIS_DEFAULTS = {"stream-node-max-bytes": "4096", "hash-max-listpack-value": "64"}
GOAL_KB = 3.0


def jobdeck_settings() -> dict:
    pairs = (line.split() for line in REDIS_MEMORY_CONF.read_text().splitlines())
    return {words[0]: words[1] for words in pairs if len(words) == 2 and not words[0].startswith("#")}


def template(connection, redis_url: str) -> tuple[dict, dict]:
    """What a finished countdown leaves: its hash, result entry and log; and the app's TTLs."""
    from jobs.worker_hooks import InProcessWorker
    from tests.helpers import TEST_CONFIG
    from webapp import create_app

    app = create_app({**TEST_CONFIG, "REDIS_URL": redis_url})
    answer = app.test_client().post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}})
    job_id = answer.get_json()["id"]
    worker_connection = redis.Redis.from_url(redis_url)  # RQ's worker sets its own socket timeout
    worker = InProcessWorker(list(QUEUE_NAMES), connection=worker_connection, serializer=JSONSerializer)
    worker.work(burst=True, logging_level="WARNING")
    worker_connection.close()
    fields = connection.hgetall(f"rq:job:{job_id}")
    if fields.get(b"status") != b"finished":
        raise RuntimeError("the template job did not finish")
    entry = connection.xrange(f"rq:results:{job_id}")[0][1]

    def flat(mapping):
        return [part for pair in mapping.items() for part in pair]

    lines = connection.lrange(f"jobdeck:log:{job_id}", 0, -1)
    ttls = {"result": app.config["RESULT_TTL"], "history": app.config["FAILURE_TTL"]}
    return {"hash": flat(fields), "result": flat(entry), "log": lines}, ttls


def per_job_bytes(connection, shape: dict, ttls: dict, count: int, config: dict, indexes: bool) -> float:
    connection.flushdb()
    for name, value in config.items():
        connection.config_set(name, value)
    before = connection.info("memory")["used_memory"]
    now = time.time()
    for start in range(0, count, BATCH):
        n = min(BATCH, count - start)
        sizes = ",".join(str(len(shape[part])) for part in ("hash", "result", "log"))
        args = [
            sizes,
            start,
            n,
            PER_OWNER,
            repr(now),
            ttls["result"],
            ttls["history"],
            "1" if indexes else "0",
        ]
        connection.eval(CLONE, 0, *args, *shape["hash"], *shape["result"], *shape["log"])
    used = connection.info("memory")["used_memory"] - before
    print(
        f"  {count:,} jobs, {config}: {used / count:.0f} bytes a job, {time.time() - now:.0f} s", flush=True
    )
    connection.flushdb()
    return used / count


def run(settings: Settings) -> list[Row]:
    connection = redis.Redis.from_url(settings.redis_url, socket_timeout=600)  # FLUSHDB of millions
    ours = jobdeck_settings()
    try:
        connection.flushdb()
        shape, ttls = template(connection, settings.redis_url)
        sizes = (1_000, 10_000) if settings.quick else (1_000, 100_000, 1_000_000)
        rows = []
        for size in sizes:
            row = Row(
                f"Redis memory per finished job, {size:,} jobs: scripts/redis-memory.conf vs Redis defaults",
                "KB",
                higher_is_better=False,
                note=f"goal: at most {GOAL_KB:g} KB a job",
            )
            subject = per_job_bytes(connection, shape, ttls, size, ours, indexes=True) / 1024
            row.subject.append(subject)
            if size <= 100_000:  # the defaults' 1M would hold about 7 GB on a shared machine
                row.baseline.append(
                    per_job_bytes(connection, shape, ttls, size, REDIS_DEFAULTS, False) / 1024
                )
            row.note += ": met" if subject <= GOAL_KB else ": MISSED"
            rows.append(row)
        return rows
    finally:
        for name, value in ours.items():
            connection.config_set(name, value)
        connection.flushdb()
        connection.close()
