"""``GET /jobs/<id>/events``: the job's JSON as server-sent events, pushed when the job changes.

Each event is what ``GET /api/jobs/<id>`` answers (that view makes it: the same read, the same
owner check, the same JSON), sent first at once and then whenever the job's ETag moves after a
change the worker announces (webapp/change_feed.py). The stream ends after the event that shows the
job ended, or with an ``gone`` event when the job no longer exists. A stranger gets the API's 404.

static/app.js uses it where the page gives ``data-events-url``, and falls back to polling
``GET /api/jobs/<id>`` when the stream is refused or keeps failing. The Procfile's ``live`` line
serves it (gunicorn's gevent worker: an idle stream costs a connection and a greenlet, not a
worker); the ``web`` line's sync workers refuse it at once (204), and a proxy sends the route to
``live`` (docs/deployment.md).
"""

import json
import time
from typing import NamedTuple

import redis
from flask import Blueprint, Response, current_app, request, stream_with_context
from gevent import monkey
from rq.job import parse_job_id

from webapp import api
from webapp.change_feed import ChangeFeed
from webapp.page_links import job_url

bp = Blueprint("job_events", __name__)

#: a comment line this often on a quiet stream, so that proxies keep it and a closed page is noticed
KEEPALIVE_SECONDS = 15.0
#: how long a browser waits before it opens a dropped stream again (the SSE ``retry`` field)
RECONNECT_MS = 1000


class Snapshot(NamedTuple):
    found: bool
    tag: str | None
    body: bytes
    active: bool


def init_app(app) -> None:
    redis_client = app.extensions["jobdeck"]["redis"]
    app.extensions["jobdeck"]["change_feed"] = ChangeFeed(lambda: redis_client)
    app.register_blueprint(bp)
    app.add_template_global(events_url, "job_events_url")


def streams_are_cheap() -> bool:
    """True where an idle stream does not hold a worker: gunicorn's gevent worker (the Procfile's
    ``live`` line), or a threaded server. A sync worker (the ``web`` line) would be held for as long
    as the page is open, so it serves no stream."""
    return bool(request.environ.get("wsgi.multithread")) or monkey.is_module_patched("socket")


def events_url(job_id: str) -> str | None:
    """The job page's ``data-events-url``: where this server holds streams itself, or where a proxy
    sends the stream to the ``live`` line (``JOBDECK_LIVE_EVENTS=1``); None where the page polls."""
    if streams_are_cheap() or current_app.config["LIVE_EVENTS"]:
        return job_url("job_events.events", job_id)
    return None


def _read(job_id: str) -> tuple[Snapshot, Response]:
    """The job as ``GET /api/jobs/<id>`` answers it to this request (no If-None-Match: a full body)."""
    answer = current_app.make_response(api.get_job(job_id))
    if answer.status_code != 200:
        return Snapshot(False, None, b"", False), answer
    body = answer.get_data()
    return Snapshot(True, answer.get_etag()[0], body, bool(json.loads(body).get("active"))), answer


def _event(body: bytes, name: str | None = None) -> bytes:
    lines = [b"event: " + name.encode()] if name else []
    lines += [b"data: " + line for line in body.splitlines()]  # a data line may not hold a newline
    return b"\n".join(lines) + b"\n\n"


@bp.get("/jobs/<job_id>/events")
def events(job_id: str):
    job_id = parse_job_id(job_id)
    if not streams_are_cheap():
        return "", 204  # EventSource's "do not reconnect": the page polls instead (a proxy misrouting it)
    feed: ChangeFeed = current_app.extensions["jobdeck"]["change_feed"]
    watch = feed.watch(job_id)  # before the first read: a change after it is not missed
    try:
        first, answer = _read(job_id)
    except BaseException:
        feed.unwatch(job_id)
        raise
    if not first.found:
        feed.unwatch(job_id)
        return answer  # the API's own 404 (a stranger, a job that does not exist)

    def stream():
        yield f"retry: {RECONNECT_MS}\n\n".encode() + _event(first.body)
        if not first.active:
            return
        seen, sent_tag, written_at = watch.version, first.tag, time.monotonic()
        while True:
            watch.wait(seen, KEEPALIVE_SECONDS)
            # the newest version, not the one that woke this stream: a stream that had to wait its
            # turn behind many others skips to the job's latest state (its end, say)
            seen = watch.version
            try:
                now = watch.snapshot(seen, lambda: _read(job_id)[0])
            except redis.exceptions.RedisError:
                return  # the page opens the stream again, or polls, and is told Redis is away
            if not now.found:
                yield _event(b"{}", "gone")
                return
            if now.tag is None or now.tag != sent_tag:
                sent_tag, written_at = now.tag, time.monotonic()
                yield _event(now.body)
                if not now.active:
                    return
            elif time.monotonic() - written_at >= KEEPALIVE_SECONDS:
                written_at = time.monotonic()
                yield b": keep-alive\n\n"

    response = Response(stream_with_context(stream()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx passes each event on at once
    response.call_on_close(lambda: feed.unwatch(job_id))
    return response
