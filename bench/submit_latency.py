"""Time from submitting the countdown form to the site's 303 answer, one request at a time.

Run: .venv/bin/python bench/submit_latency.py [requests]   (own redis-server on a free port; the
Procfile's gunicorn). Prints p50 and p95 in milliseconds, the first 10 requests left out as warm-up.
"""

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from scripts.processes import RedisServer, WebProcess  # noqa: E402

WARM_UP = 10


def main(count: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    redis_server = RedisServer(tmp / "redis").start()
    web = WebProcess(redis_server.url, tmp / "web.log", workers=2).start()
    try:
        browser = requests.Session()
        times = []
        for _ in range(count + WARM_UP):
            form = browser.get(web.url + "/tasks/countdown", timeout=10).text
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
            data = {"seconds": "3", "priority": "default", "csrf_token": token}
            start = time.perf_counter()
            answer = browser.post(web.url + "/tasks/countdown", data=data, allow_redirects=False, timeout=10)
            times.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 303, answer.status_code
        times = times[WARM_UP:]
        p95 = statistics.quantiles(times, n=20)[18]
        print(
            f"form POST -> 303 See Other: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms ({count} requests)"
        )
    finally:
        web.stop()
        redis_server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
