"""The site's own CPU for each of the bench's six HTTP requests, in process and independent of the
machine's load: Flask's test client against a private redis-server, the same jobs as bench/web.py
(a finished countdown, a queued one with 4 ahead, a browser's form with its CSRF token), and the bare
app's routes beside them.

    .venv/bin/python -m bench.request_cpu --callgrind   # million instructions per request
    .venv/bin/python -m bench.request_cpu --profile page_queued   # cProfile, by self time
    .venv/bin/python -m bench.request_cpu   # CPU µs per request (process time: the load shows)

``--callgrind`` counts with ``bench/commit_cpu.py``, whose probe (``bench/commit_probe.py``) makes
the same requests as the other two modes (``run_lines``) under valgrind's callgrind: the count covers
the web process only (Flask, Jinja, WTForms, RQ, redis-py), not redis-server, not the network, not
gunicorn."""

import argparse
import cProfile
import json
import os
import pstats
import tempfile
import time
from pathlib import Path

import redis

from bench import commit_cpu
from bench.commit_probe import LINES, WARM_UP, run_lines
from bench.countdown_form import countdown_form
from scripts.processes import ROOT, RedisServer


def measure(args, url: str) -> dict:
    from bench import bare_app
    from webapp import create_app

    connection = redis.Redis.from_url(url)
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
        else:
            start = time.process_time()
            for _ in range(args.n):
                call()
            out[name] = round((time.process_time() - start) / args.n * 1e6, 1)

    run_lines(create_app(), bare_app.create_app(), connection, cpu, countdown_form)
    connection.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=None, help="requests measured per line")
    parser.add_argument("--callgrind", action="store_true", help="million instructions per request")
    parser.add_argument("--profile", choices=LINES, help="cProfile one line, sorted by self time")
    args = parser.parse_args()
    if args.callgrind:  # the probe bench/commit_cpu.py runs in any checkout, here in this one
        counts = commit_cpu.count(ROOT, args.n or 40)
        print(json.dumps({name: round(value, 3) for name, value in counts.items()}))
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
