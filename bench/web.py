"""HTTP benchmarks: submitting (API and form), reading a job (page and API), the history page,
and a web worker's memory. The site and the bare baseline app run side by side under the same
gunicorn command (the Procfile's ``web`` line); wrk loads one at a time."""

import json
import re
import statistics
from urllib.parse import urlencode

import redis
import requests
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from bench import history_data, loadgen
from bench.countdown_form import countdown_form
from bench.harness import Row, Settings, WebServer, rss_mb

API_BODY = json.dumps({"task": "countdown", "params": {"seconds": 3}})
JSON = {"Content-Type": "application/json"}


def _measure(row: Row, settings: Settings, flush, subject: dict, baseline: dict, key="rate") -> None:
    """Each round runs baseline, subject, subject, baseline (so a drift of the machine's other load
    weighs on both sides alike) and keeps the mean of each side; ``flush`` (or None) empties Redis
    before each run."""

    def one(target: dict) -> float:
        if flush:
            flush()
        load = loadgen.run(seconds=settings.seconds, **target)
        if load.bad:
            raise RuntimeError(f"{load.bad} of {load.requests} requests failed: {target['url']}")
        return load.requests_per_second if key == "rate" else load.mean_latency_ms

    for _ in range(settings.rounds):
        first, second, third, fourth = one(baseline), one(subject), one(subject), one(baseline)
        row.baseline.append((first + fourth) / 2)
        row.subject.append((second + third) / 2)


def form_session(site: WebServer) -> tuple[str, str]:
    """A browser's session cookie (with its owner id) and the form body with a real CSRF token."""
    browser = requests.Session()
    page = browser.get(f"{site.base}/tasks/countdown", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urlencode(countdown_form(token))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    first = browser.post(f"{site.base}/tasks/countdown", data=body, headers=headers, allow_redirects=False)
    if first.status_code != 303:
        raise RuntimeError(f"the form POST answered {first.status_code}, not 303")
    return f"session={browser.cookies['session']}", body


def submit_rows(settings: Settings, site: WebServer, bare: WebServer, flush) -> list[Row]:
    bare_post = {"url": f"{bare.base}/enqueue", "method": "POST", "body": API_BODY, "headers": JSON}
    api = Row("Submit: `POST /api/jobs` vs bare `queue.enqueue` route", "req/s", goal=0.8)
    _measure(
        api,
        settings,
        flush,
        {"url": f"{site.base}/api/jobs", "method": "POST", "body": API_BODY, "headers": JSON},
        bare_post,
    )
    flush()
    cookie, body = form_session(site)
    form_headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    form = Row("Submit: form `POST /tasks/countdown` (CSRF) vs bare route", "req/s", goal=0.7)
    _measure(
        form,
        settings,
        None,  # the CSRF token lives in the session cookie, the owner's index grows: as in real use
        {"url": f"{site.base}/tasks/countdown", "method": "POST", "body": body, "headers": form_headers},
        {**bare_post, "body": body, "headers": form_headers},
    )
    return [api, form]


def read_rows(settings: Settings, site: WebServer, bare: WebServer, connection) -> list[Row]:
    """A finished countdown (result, progress, log lines: run for real) and a queued one (4 ahead)."""
    connection.flushdb()
    body = json.dumps({"task": "countdown", "params": {"seconds": 1}, "priority": "high"})
    owner = requests.Session()  # jobs are read by their owner (anyone else gets 404)
    finished = owner.post(f"{site.base}/api/jobs", data=body, headers=JSON, timeout=10).json()["id"]
    worker = SimpleWorker(["high"], connection=connection, serializer=JSONSerializer)
    worker.work(burst=True, logging_level="WARNING")
    for _ in range(5):
        queued = owner.post(f"{site.base}/api/jobs", data=API_BODY, headers=JSON, timeout=10).json()["id"]
    for job_id, status in ((finished, "finished"), (queued, "queued")):  # measure what we mean to
        shown = owner.get(f"{site.base}/api/jobs/{job_id}", timeout=10).json()["status"]
        if shown != status:
            raise RuntimeError(f"the {status} job for the read benchmarks is {shown}")
    rows = []
    for label, job_id in (("finished", finished), ("queued", queued)):
        for path, name in ((f"/jobs/{job_id}", "Job page"), (f"/api/jobs/{job_id}", "`GET /api/jobs/<id>`")):
            row = Row(f"{name}, {label} job vs bare fetch + minimal template", "req/s", goal=0.7)
            as_owner = {"url": site.base + path, "headers": {"Cookie": f"session={owner.cookies['session']}"}}
            _measure(row, settings, None, as_owner, {"url": f"{bare.base}/job/{job_id}"})
            rows.append(row)
    return rows


def history_rows(settings: Settings, site: WebServer, connection) -> list[Row]:
    """Page 1 of /jobs for an owner with 100,000 jobs in the index vs one with 100 (ms per request)."""
    connection.flushdb()
    big = history_data.make_owner(connection, 100_000)
    small = history_data.make_owner(connection, 100)
    for owner, pages in ((big, "Page 1 of 5000"), (small, "Page 1 of 5")):  # the cookie names the owner
        page = requests.get(f"{site.base}/jobs", headers={"Cookie": history_data.cookie(owner)}, timeout=10)
        if pages not in page.text or page.text.count("status-finished") != history_data.REAL_ROWS:
            raise RuntimeError("the history page does not show the owner's jobs")
    rows = []
    for query, name, goal in (
        ("", "History page 1: 100,000 jobs vs 100 jobs", 1.5),
        ("?status=finished", "History filtered by status: 100,000 jobs vs 100 (no goal)", None),
    ):
        row = Row(name, "ms", higher_is_better=False, goal=goal, note="mean latency, 2 connections")
        targets = [
            {
                "url": f"{site.base}/jobs{query}",
                "headers": {"Cookie": history_data.cookie(owner)},
                "connections": 2,
            }
            for owner in (big, small)
        ]
        _measure(row, settings, None, targets[0], targets[1], key="latency")
        rows.append(row)
    return rows


def memory_row(site: WebServer, bare: WebServer) -> Row:
    """RSS of each gunicorn worker process after the loads above (median over the workers)."""
    row = Row("Memory: gunicorn web worker RSS vs bare app's (no goal)", "MB", higher_is_better=False)
    row.subject = [statistics.median(rss_mb(pid) for pid in site.worker_pids())]
    row.baseline = [statistics.median(rss_mb(pid) for pid in bare.worker_pids())]
    return row


def run(settings: Settings) -> list[Row]:
    connection = redis.Redis.from_url(settings.redis_url)
    site = WebServer(settings.redis_url, "webapp:create_app()", settings.workdir / "site.log").start()
    bare = WebServer(settings.redis_url, "bench.bare_app:create_app()", settings.workdir / "bare.log").start()
    try:
        rows = submit_rows(settings, site, bare, connection.flushdb)
        rows += read_rows(settings, site, bare, connection)
        rows += history_rows(settings, site, connection)
        rows.append(memory_row(site, bare))
        return rows
    finally:
        site.stop()
        bare.stop()
        connection.flushdb()
        connection.close()
