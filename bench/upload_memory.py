"""``python -m bench --only upload_memory``: peak memory over the size of an upload, at 10, 32 and
100 MB (the upload limit raised), for the web worker that receives it and for the tasks' work.

* The web worker: the Procfile's gunicorn (one worker, so the request lands on the process
  measured) with ``JOBDECK_MAX_UPLOAD_BYTES`` raised, one fresh server per size. The growth is the
  worker's peak resident memory (VmHWM, reset through ``/proc/<pid>/clear_refs`` just before the
  request) over its resident memory before it, after a tiny upload has warmed it up. The stored
  upload is then read back from Redis and compared with what was sent, byte for byte.
* The work: each size in a fresh process (tests/memory_probe.py: the peak above what the process
  held with the upload in memory; the work is called directly).

Budgets (issue 19): the web worker at most about 1.5x its upload, ``csv_profile`` at most 6x,
``word_frequency`` at most 8x whatever the vocabulary (here every word is different, the largest
vocabulary a text of that size can have).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import redis
import requests

from bench.harness import Row, Settings, children
from jobs import storage
from scripts.processes import ROOT, WebProcess
from tests.memory_probe import csv_shape

MB = 1024 * 1024
CASES = (
    ("csv_profile", "csv", "distinct:10:{size}", 6.0),
    ("word_frequency", "words", "distinct:{size}", 8.0),
)
WEB_BUDGET = 1.5
WEB_TASK, WEB_FIELD = "bench_upload", "csv"  # bench/upload_task.py


def growth(kind: str, shape: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.memory_probe", kind, shape],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _memory(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} for {pid}")


def _submit(base: str, browser: requests.Session, data: bytes) -> str:
    """Posts the task's form with ``data`` as its file; the new job's id."""
    page = browser.get(f"{base}/tasks/{WEB_TASK}", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = browser.post(
        f"{base}/tasks/{WEB_TASK}",
        data={"csrf_token": token, "priority": ""},
        files={WEB_FIELD: ("upload.csv", data, "text/csv")},
        allow_redirects=False,
        timeout=300,
    )
    if answer.status_code != 303:
        raise RuntimeError(f"the form answered {answer.status_code}: {answer.text[:300]}")
    return answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def _stored(client: redis.Redis, job_id: str) -> bytes | None:
    names = [name.decode() for name in client.smembers(storage.index_key(job_id))]
    return storage.get_file(client, job_id, names[0]) if len(names) == 1 else None


def web_growth(settings: Settings, size: int) -> tuple[int, int]:
    """(the web worker's peak growth over an upload of ``size`` bytes, the upload's size)."""
    data = csv_shape(f"distinct:10:{size}")
    log = settings.workdir / "upload-web.log"
    env = {"JOBDECK_MAX_UPLOAD_BYTES": str(2 * size + MB), "JOBDECK_TASKS": "bench.upload_task"}
    server = WebProcess(settings.redis_url, log, workers=1, env=env, ready_path="/healthz").start()
    client = redis.Redis.from_url(settings.redis_url)
    try:
        (pid,) = children(server.process.pid)
        browser = requests.Session()
        _submit(server.url, browser, csv_shape("distinct:10:100000"))  # first-use allocations
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        before = _memory(pid, "VmRSS:")
        job_id = _submit(server.url, browser, data)
        peak = _memory(pid, "VmHWM:")
        if _stored(client, job_id) != data:
            raise RuntimeError(f"the stored upload of job {job_id} is not the {len(data)} bytes sent")
    finally:
        client.close()
        server.stop()
    return peak - before, len(data)


def run(settings: Settings) -> list[Row]:
    sizes = (10,) if settings.quick else (10, 32, 100)
    rows = []
    for size in sizes:
        grown, sent = web_growth(settings, size * MB)
        row = Row(
            f"Memory: the web worker over an upload, {size} MB upload",
            "MB",
            higher_is_better=False,
            goal=WEB_BUDGET,
            note="peak growth / upload; gunicorn as in the Procfile, 1 worker",
        )
        row.subject, row.baseline = [grown / MB], [sent / MB]
        rows.append(row)
        print(f"  web worker {size} MB: {grown / sent:.2f}x", flush=True)
    for task, kind, shape, budget in CASES:
        for size in sizes:
            found = growth(kind, shape.format(size=size * MB))
            row = Row(
                f"Memory: {task}'s work over its upload, {size} MB upload",
                "MB",
                higher_is_better=False,
                goal=budget,
                note=f"peak growth / upload; {found['outcome']}",
            )
            row.subject = [found["growth"] / MB]
            row.baseline = [found["upload"] / MB]
            rows.append(row)
            print(f"  {task} {size} MB: {found['growth'] / found['upload']:.1f}x", flush=True)
    return rows
