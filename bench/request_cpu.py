"""The site's own CPU for each of the bench's six HTTP requests, in process and independent of the
machine's load: Flask's test client against a private redis-server, the same jobs as bench/web.py
(a finished countdown, a queued one with 4 ahead, a browser's form with its CSRF token), and the bare
app's routes beside them.

    .venv/bin/python -m bench.request_cpu --callgrind   # million instructions per request
    .venv/bin/python -m bench.request_cpu --profile page_queued   # cProfile, by self time
    .venv/bin/python -m bench.request_cpu   # CPU µs per request (process time: the load shows)

``--callgrind`` runs itself under valgrind's callgrind, with one dump for each measured loop: the
count covers the web process only (Flask, Jinja, WTForms, RQ, redis-py), not redis-server, not the
network, not gunicorn."""

import argparse
import cProfile
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from bench.commit_probe import LINES
from bench.countdown_form import countdown_form
from scripts.processes import RedisServer

WARM_UP = 10


def measure(args, url: str) -> dict:
    from bench import bare_app
    from webapp import create_app

    app, bare = create_app(), bare_app.create_app()
    connection = redis.Redis.from_url(url)
    api_body = json.dumps({"task": "countdown", "params": {"seconds": 3}})
    json_headers = {"Content-Type": "application/json"}
    out = {}

    def cpu(name: str, call, flush: bool = False) -> None:
        if flush:
            connection.flushdb()
        for _ in range(WARM_UP):
            call()
        if args.profile == name:
            profile = cProfile.Profile()
            profile.runcall(lambda: [call() for _ in range(args.n)])
            pstats.Stats(profile).sort_stats("tottime").print_stats(40)
        elif args.marks:  # under callgrind --dump-before=getppid: one dump holds exactly the n calls
            os.getppid()
            for _ in range(args.n):
                call()
            os.getppid()
        else:
            start = time.process_time()
            for _ in range(args.n):
                call()
            out[name] = round((time.process_time() - start) / args.n * 1e6, 1)

    def check(response, status):
        assert response.status_code == status, (response.status_code, response.data[:300])

    site, bare_client = app.test_client(use_cookies=False), bare.test_client(use_cookies=False)
    cpu("api_submit", lambda: check(site.post("/api/jobs", data=api_body, headers=json_headers), 202), True)
    cpu(
        "bare_enqueue",
        lambda: check(bare_client.post("/enqueue", data=api_body, headers=json_headers), 202),
        True,
    )

    connection.flushdb()
    browser = app.test_client()
    page = browser.get("/tasks/countdown").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = countdown_form(token)
    cpu("form_submit", lambda: check(browser.post("/tasks/countdown", data=form), 303))

    connection.flushdb()
    owner = app.test_client()  # jobs are read by their owner
    body = json.dumps({"task": "countdown", "params": {"seconds": 1}, "priority": "high"})
    finished = owner.post("/api/jobs", data=body, headers=json_headers).get_json()["id"]
    SimpleWorker(["high"], connection=connection, serializer=JSONSerializer).work(
        burst=True, logging_level="WARNING"
    )
    for _ in range(5):
        queued = owner.post("/api/jobs", data=api_body, headers=json_headers).get_json()["id"]
    for job_id, status in ((finished, "finished"), (queued, "queued")):
        assert owner.get(f"/api/jobs/{job_id}").get_json()["status"] == status
        cpu(f"page_{status}", lambda j=job_id: check(owner.get(f"/jobs/{j}"), 200))
        cpu(f"api_read_{status}", lambda j=job_id: check(owner.get(f"/api/jobs/{j}"), 200))
        cpu(f"bare_read_{status}", lambda j=job_id: check(bare_client.get(f"/job/{j}"), 200))
    connection.close()
    return out


def callgrind(n: int) -> dict:
    """Runs this script under callgrind and reads each measured loop's dump."""
    out_dir = Path(tempfile.mkdtemp(prefix="request-cpu-"))
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--dump-before=getppid", f"--callgrind-out-file={out_dir}/out.%p"]
        + [sys.executable, "-m", "bench.request_cpu", "--marks", "-n", str(n)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    dumps = {int(p.name.rsplit(".", 1)[1]): p for p in out_dir.glob("out.*.*")}
    counts = {}
    for i, name in enumerate(LINES):  # dumps 1, 3, 5... hold a warm-up and what lies between loops
        summary = re.search(r"^summary: (\d+)", dumps[2 * (i + 1)].read_text(), re.M)
        counts[name] = round(int(summary.group(1)) / n / 1e6, 3)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=None, help="requests measured per line")
    parser.add_argument("--callgrind", action="store_true", help="million instructions per request")
    parser.add_argument("--profile", choices=LINES, help="cProfile one line, sorted by self time")
    parser.add_argument("--marks", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.callgrind:
        print(json.dumps(callgrind(args.n or 40)))
        return
    args.n = args.n or (2000 if args.profile else 300)
    os.environ["JOBDECK_RATE_LIMIT"] = "off"
    os.environ.setdefault("SECRET_KEY", "request-cpu")
    server = RedisServer(Path(tempfile.mkdtemp(prefix="request-cpu-redis-"))).start()
    os.environ["REDIS_URL"] = server.url
    try:
        out = measure(args, server.url)
    finally:
        server.stop()
    if out:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
