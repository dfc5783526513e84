"""The in-process probe that ``bench/commit_cpu.py`` runs inside any checkout of Jobdeck (its own
working directory), under callgrind: the six site lines and the bare app's three, each as 10 warm-up
requests and then ``N`` measured ones between two ``getppid`` marks. It imports only what every
checkout has (``webapp.create_app``, ``bench.bare_app``) and starts its own ``redis-server``, so a
commit from before ``scripts/processes.py`` existed is counted the same way as today's tree."""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

LINES = (
    "api_submit",
    "bare_enqueue",
    "form_submit",
    "page_finished",
    "api_read_finished",
    "bare_read_finished",
    "page_queued",
    "api_read_queued",
    "bare_read_queued",
)
WARM_UP = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    """A throwaway redis-server on ``port``: no snapshots, no append-only file."""
    command = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    return subprocess.Popen(command + ["--dir", tempfile.mkdtemp()], stdout=subprocess.DEVNULL)


def main() -> None:
    from countdown_form import countdown_form  # beside this file, which is run as a script

    sys.path.insert(0, os.getcwd())  # the checkout's own webapp and bench.bare_app
    count = int(os.environ.get("N", "40"))
    port = free_port()
    server = start_redis(port)
    url = f"redis://127.0.0.1:{port}/0"
    os.environ.update(REDIS_URL=url, JOBDECK_RATE_LIMIT="off", SECRET_KEY="commit-probe")
    import redis

    connection = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            connection.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    from bench import bare_app
    from webapp import create_app

    def measure(name, call, flush=False):
        if flush:
            connection.flushdb()
        for _ in range(WARM_UP):
            call()
        os.getppid()
        for _ in range(count):
            call()
        os.getppid()

    try:
        run_lines(create_app(), bare_app.create_app(), connection, measure, countdown_form)
    finally:
        server.terminate()


def run_lines(app, bare, connection, measure, countdown_form) -> None:
    """The nine lines in ``LINES`` order, each handed to ``measure(name, call, flush)`` as a
    callable that makes one request and checks its answer: a fresh API client's submission, a
    browser's form with its CSRF token, and the owner reading a finished countdown and a queued one
    (4 ahead), with the bare app's routes beside them. ``bench/request_cpu.py`` runs the same
    requests in this tree."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    json_headers = {"Content-Type": "application/json"}
    api_body = json.dumps({"task": "countdown", "params": {"seconds": 3}})

    def check(response, status):
        assert response.status_code == status, (response.status_code, response.data[:200])

    site, bare_client = app.test_client(use_cookies=False), bare.test_client(use_cookies=False)
    measure(
        "api_submit", lambda: check(site.post("/api/jobs", data=api_body, headers=json_headers), 202), True
    )
    measure(
        "bare_enqueue",
        lambda: check(bare_client.post("/enqueue", data=api_body, headers=json_headers), 202),
        True,
    )
    connection.flushdb()
    browser = app.test_client()
    page = browser.get("/tasks/countdown").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = countdown_form(token)
    measure("form_submit", lambda: check(browser.post("/tasks/countdown", data=form), 303))
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
        measure(f"page_{status}", lambda j=job_id: check(owner.get(f"/jobs/{j}"), 200))
        measure(f"api_read_{status}", lambda j=job_id: check(owner.get(f"/api/jobs/{j}"), 200))
        measure(f"bare_read_{status}", lambda j=job_id: check(bare_client.get(f"/job/{j}"), 200))


if __name__ == "__main__":
    main()
