"""Print the /why figures measured against the Procfile's web (gunicorn, 2 workers) and worker lines.

Usage: .venv/bin/python scripts/why_figures.py [seconds]   (uses a private redis-server, not 6379)
"""

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from scripts.processes import RedisServer, WebProcess, WorkerProcess, wait_until  # noqa: E402


def main(seconds: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    redis_server = RedisServer(tmp / "redis").start()
    worker = web = None
    try:
        worker = WorkerProcess(redis_server.url, log=tmp / "worker.log").start()
        web = WebProcess(redis_server.url, tmp / "web.log", workers=2).start()
        # The /why form, as a browser submits it (the API does not take the measurement task).
        browser = requests.Session()
        form = browser.get(web.url + "/why", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        answer = browser.post(
            web.url + "/why",
            data={"seconds": seconds, "csrf_token": token},
            allow_redirects=False,
            timeout=10,
        )
        location = answer.headers["Location"].replace("/jobs/", "/api/jobs/")

        def ended():
            job = browser.get(web.url + location, timeout=10).json()
            return job["status"] in ("finished", "failed") and job

        job = wait_until(ended, timeout=120, message="the measurement job")
        print(f"{seconds} s of work; job {job['status']}{': ' + job['error'] if job['error'] else ''}")
        print(f"{'approach':20} {'first byte':>10} {'last byte':>10} {'busy':>8}  completed  progress")
        for row in job["result"]["rows"] if job["result"] else []:
            print(
                f"{row['label']:20} {row['first_byte']:>9.3f}s {row['last_byte']:>9.3f}s {row['busy']:>7.3f}s"
                f"  {'yes' if row['completed'] else 'no':9}  {'yes' if row['progress'] else 'no'}"
            )
    finally:
        if web:
            web.stop()
        if worker:
            worker.stop()
        redis_server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
