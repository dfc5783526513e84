"""Where a route's time goes: py-spy samples one gunicorn worker of the site while wrk loads it.

    .venv/bin/python -m bench.profile_web /jobs/<id> [--method POST --body '{...}' --json]
    .venv/bin/python -m bench.profile_web --finished-job   # a finished countdown's page
    .venv/bin/python -m bench.profile_web --queued-job --api   # a queued one's (4 ahead) API read
    .venv/bin/python -m bench.profile_web --form   # the countdown form's POST, with its CSRF token

Starts its own redis-server and the Procfile's gunicorn with one worker, prints the functions with
the largest share of samples (inclusive) and keeps the collapsed stacks for a flame graph.
"""

import argparse
import re
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path

import redis
import requests
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from bench import loadgen
from bench.harness import VENV_BIN, RedisServer, WebServer
from bench.web import form_session


def shares(raw: Path, top: int) -> list[tuple[float, str]]:
    """Inclusive share of samples per function, from py-spy's raw (collapsed stacks) output."""
    total, counts = 0, Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        total += int(n)
        names = {
            re.sub(r" \((?:.*/site-packages/|.*/main/)?(.*?):\d+\)$", r" \1", f) for f in stack.split(";")
        }
        for name in names:
            counts[name] += int(n)
    return [(100 * n / total, name) for name, n in counts.most_common(top)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="/api/jobs")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body")
    parser.add_argument("--json", action="store_true", help="send Content-Type: application/json")
    parser.add_argument("--finished-job", action="store_true", help="profile a finished job's page")
    parser.add_argument("--queued-job", action="store_true", help="profile a queued job's page (4 ahead)")
    parser.add_argument("--api", action="store_true", help="with --*-job: GET /api/jobs/<id> instead")
    parser.add_argument(
        "--form", action="store_true", help="POST the countdown form (a browser's cookie and CSRF token)"
    )
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--out", default="profile.txt")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jobdeck-profile-") as tmp:
        server = RedisServer(Path(tmp) / "redis").start()
        site = WebServer(server.url, "webapp:create_app()", Path(tmp) / "site.log", workers=1).start()
        try:
            path = args.path
            if args.finished_job or args.queued_job:
                connection = redis.Redis.from_url(server.url)
                body = {"task": "countdown", "params": {"seconds": 1}}
                owner = requests.Session()  # jobs are read by their owner (anyone else gets 404)
                job_id = owner.post(f"{site.base}/api/jobs", json=body, timeout=10).json()["id"]
                if args.finished_job:
                    worker = SimpleWorker(["default"], connection=connection, serializer=JSONSerializer)
                    worker.work(burst=True, logging_level="WARNING")
                else:
                    for _ in range(4):
                        job_id = owner.post(f"{site.base}/api/jobs", json=body, timeout=10).json()["id"]
                path = f"/api/jobs/{job_id}" if args.api else f"/jobs/{job_id}"
            headers = {"Content-Type": "application/json"} if args.json else {}
            if args.finished_job or args.queued_job:
                headers["Cookie"] = f"session={owner.cookies['session']}"
            if args.form:
                path, args.method = "/tasks/countdown", "POST"
                cookie, args.body = form_session(site)
                headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
            load = threading.Thread(
                target=lambda: print(
                    loadgen.run(site.base + path, args.seconds + 2, 2, args.method, args.body, headers)
                )
            )
            load.start()
            raw = Path(tmp) / "raw.txt"
            spy = [str(VENV_BIN / "py-spy"), "record", "--pid", str(site.worker_pids()[0])]
            spy += ["-d", str(args.seconds), "-r", "300", "--nonblocking"]
            subprocess.run(spy + ["-f", "raw", "-o", str(raw)], check=True, capture_output=True)
            load.join()
            for share, name in shares(raw, args.top):
                print(f"{share:5.1f}%  {name}")
            Path(args.out).write_text(raw.read_text())
            print(f"profiled {path}; collapsed stacks (speedscope, flamegraph.pl) in {args.out}")
        finally:
            site.stop()
            server.stop()


if __name__ == "__main__":
    main()
