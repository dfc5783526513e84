"""From a job's end to the page showing its result, in a real browser (Chromium via Playwright).

    .venv/bin/python bench/bench_browser.py [--runs 30] [--runs-no-js 15] [--seconds 3]

Runs its own redis-server, the site (werkzeug, threaded) and the Procfile's worker. For each run it
submits a countdown, opens its page at a random moment of the run, waits until #job-result is in
the page (Playwright's wait, from Python), and takes
the time from the job's end (RQ's ``ended_at``, written by the worker) to that moment (wall clock,
same machine). With JavaScript on the page polls /api/jobs/<id> (static/app.js); with it off the
page reloads itself by meta refresh (REFRESH_SECONDS, default 2).
"""

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

from scripts.processes import CHROMIUM, CHROMIUM_ARGS, RedisServer, WorkerProcess  # noqa: E402
from webapp import create_app  # noqa: E402

SHOWN_AT = """
new MutationObserver((changes, observer) => {
  if (document.getElementById("job-result")) { window.__resultShownAt = Date.now(); observer.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def one_run(page, base, seconds, phase_max, js, loads) -> float:
    """Submit through the API, open the job page at a random moment of the run (so the end falls at a
    random point of the poll or refresh cycle), wait for the result; ms from the job's end to then."""
    response = page.context.request.post(
        f"{base}/api/jobs", data={"task": "countdown", "params": {"seconds": seconds}}
    )
    job_url = base + response.headers["location"]
    page.wait_for_timeout(random.uniform(0, phase_max) * 1000)  # the random phase, not a synchronisation
    page.goto(job_url.replace("/api/jobs/", "/jobs/"))
    page.wait_for_selector("#job-result", timeout=60_000)
    # Playwright's wait polls (up to 500 ms apart), so take the moment from the page itself: with
    # JavaScript on, a MutationObserver (init script) notes when #job-result arrives; with it off,
    # the result comes with a new document, shown at its DOMContentLoaded (a pushed event).
    shown = page.evaluate("window.__resultShownAt") / 1000 if js else loads[-1]
    ended = page.context.request.get(job_url).json()["ended_at"]
    return (shown - datetime.fromisoformat(ended).timestamp()) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30, help="runs with JavaScript on")
    parser.add_argument("--runs-no-js", type=int, default=15, help="runs with JavaScript off")
    parser.add_argument("--seconds", type=int, default=3, help="countdown length per run")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        redis_server = RedisServer(Path(tmp) / "redis").start()
        worker = None
        server = None
        try:
            app = create_app(
                {"SECRET_KEY": "bench", "REDIS_URL": redis_server.url, "RATE_LIMIT": "off", "TESTING": False}
            )
            refresh = app.config["REFRESH_SECONDS"]
            server = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            base = f"http://127.0.0.1:{server.server_port}"
            worker = WorkerProcess(redis_server.url, log=Path(tmp) / "worker.log").start()
            results = {}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for label, js, runs in (
                    ("JavaScript on", True, args.runs),
                    ("JavaScript off", False, args.runs_no_js),
                ):
                    if not runs:
                        continue
                    context = browser.new_context(java_script_enabled=js)
                    context.add_init_script(SHOWN_AT)
                    page = context.new_page()
                    loads = []
                    page.on("domcontentloaded", lambda _page, loads=loads: loads.append(time.time()))
                    phase = min(args.seconds - 0.5, refresh)
                    one_run(page, base, args.seconds, phase, js, loads)  # warm-up, not counted
                    results[label] = [
                        one_run(page, base, args.seconds, phase, js, loads) for _ in range(runs)
                    ]
                    context.close()
                browser.close()
        finally:
            if worker:
                worker.stop()
            if server:
                server.shutdown()
            redis_server.stop()

    print(
        f"job end -> result shown on the job page, countdown {args.seconds} s, refresh interval {refresh} s"
    )
    print(f"{'mode':16} {'runs':>4} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for label, values in results.items():
        print(
            f"{label:16} {len(values):>4} {statistics.median(values):>7.0f} "
            f"{percentile(values, 95):>7.0f} {max(values):>7.0f}"
        )


if __name__ == "__main__":
    main()
