"""``python -m bench``: every benchmark of this package, one table of ratios (see docs/benchmarks.md).

Starts its own redis-server on a free port (never 6379), the site and the baseline app under the
Procfile's gunicorn command, and rq workers, and stops them all at the end.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench import (
    batch_submit,
    console,
    costs,
    durable,
    live_pages,
    loadgen,
    redis_memory,
    report_loop,
    tiny_jobs,
    upload_memory,
    web,
    webhooks,
    workers,
)
from bench.harness import RedisServer, Settings, load, print_table

SUITES = {
    "web": web.run,
    "progress": report_loop.run,
    "workers": workers.run,
    "history": costs.run_history,
    "redis_memory": redis_memory.run,
    "tiny_jobs": tiny_jobs.run,
    "live_pages": live_pages.run,
    "durable": durable.run,
    "console": console.run,
    "upload_memory": upload_memory.run,
    "batches": batch_submit.run,
    "webhooks": webhooks.run,
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, help="rounds per line, the median is shown (default 5)")
    parser.add_argument("--seconds", type=float, help="length of one wrk run (default 2)")
    parser.add_argument("--jobs", type=int, help="no-op jobs per worker-throughput run (default 2000)")
    parser.add_argument(
        "--quick", action="store_true", help="for debugging: defaults of 1 round, 1 s runs, 200 jobs"
    )
    parser.add_argument("--only", choices=sorted(SUITES), action="append", help="run only these suites")
    args = parser.parse_args(argv)
    defaults = (1, 1.0, 200) if args.quick else (5, 2.0, 2000)
    for name, default in zip(("rounds", "seconds", "jobs"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, default)
    suites = args.only or list(SUITES)
    if {"web", "history"} & set(suites) and not loadgen.available():
        print(loadgen.MISSING, file=sys.stderr)
        return 2

    print(f"Before: {load()}", flush=True)
    started = time.monotonic()
    rows = []
    with tempfile.TemporaryDirectory(prefix="jobdeck-bench-") as tmp:
        server = RedisServer(Path(tmp) / "redis").start()
        try:
            settings = Settings(server.url, Path(tmp), args.rounds, args.seconds, args.jobs, args.quick)
            for name in suites:
                print(f"running {name} ...", file=sys.stderr, flush=True)
                rows += SUITES[name](settings)
        finally:
            server.stop()
    print_table(rows, args.rounds)
    print(f"\nAfter: {load()}; took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
