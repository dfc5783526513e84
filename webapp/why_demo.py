"""Demo routes for /why: the same work run five ways after (or instead of) answering a request.

Each route is deliberately small: the /why page shows its source. The measurer (jobs/why_measure.py)
calls them with ``?run=<id>&seconds=<s>`` and watches Redis for the run's completion. They are
POST-only and CSRF-exempt, and they do work only for the site's own measurement job: each call must
carry a one-use token (header ``X-Jobdeck-Why-Token``) that ``POST /why`` minted for that job, that
approach and that duration (``jobs/why_work.py``). Anyone else gets 403 and no work: no held server
worker, no thread, no job on the high queue.
"""

import re
import threading
import time

from flask import (
    Blueprint,
    Response,
    abort,
    after_this_request,
    g,
    jsonify,
    request,
    stream_with_context,
)

from jobs.why_measure import MAX_SECONDS
from jobs.why_work import TOKEN_HEADER, TTL, consume_token, do_work, key, mark_done, steps
from webapp.redis_connection import get_queue, get_redis

bp = Blueprint("why_demo", __name__, url_prefix="/why/demo")

RUN_ID = re.compile(r"^[0-9a-f]{8,64}$")


def demo_args() -> tuple[str, float]:
    """The run id and duration from the query string; 400 for anything else."""
    run_id = request.args.get("run", "")
    try:
        seconds = float(request.args.get("seconds", ""))
    except ValueError:
        abort(400, description="seconds must be a number.")
    if not RUN_ID.match(run_id) or not 0 < seconds <= MAX_SECONDS:
        abort(400, description=f"Give run (hex id) and seconds (over 0, at most {MAX_SECONDS}).")
    slug = request.path.rsplit("/", 1)[-1]
    if not consume_token(get_redis(), request.headers.get(TOKEN_HEADER, ""), slug, seconds):
        abort(403, description="These demo routes run only for the site's own measurement job.")
    g.why_run = run_id
    return run_id, seconds


@bp.before_request
def note_start():
    g.why_entered = time.monotonic()


@bp.after_request
def record_busy(response):
    """When the server closes the response, record how long this request held its worker."""
    run_id, entered, connection = g.get("why_run"), g.why_entered, get_redis()
    if run_id:
        response.call_on_close(
            lambda: connection.set(key(run_id, "busy"), time.monotonic() - entered, ex=TTL)
        )
    return response


@bp.post("/after-request")
def after_request_demo():
    run_id, seconds = demo_args()

    @after_this_request
    def work(response):
        do_work(get_redis(), run_id, seconds)  # the response is built but not sent yet
        return response

    return jsonify(run=run_id)


@bp.post("/teardown")
def teardown_demo():
    run_id, seconds = demo_args()
    g.teardown_work = (run_id, seconds)  # run by teardown_work() below
    return jsonify(run=run_id)


@bp.teardown_request
def teardown_work(error):
    if "teardown_work" in g:
        do_work(get_redis(), *g.teardown_work)  # the server still waits for this


@bp.post("/stream")
def stream_demo():
    run_id, seconds = demo_args()
    connection = get_redis()

    @stream_with_context
    def body():
        yield "started\n"
        for done, total in steps(seconds):
            yield f"progress {done}/{total}\n"  # the worker is busy until this loop ends
        mark_done(connection, run_id)

    return Response(body(), mimetype="text/plain")


@bp.post("/thread")
def thread_demo():
    run_id, seconds = demo_args()
    # daemon: a non-daemon thread would hold the process open at shutdown until it is killed
    worker = threading.Thread(target=do_work, args=(get_redis(), run_id, seconds), daemon=True)
    worker.start()
    return jsonify(run=run_id)


@bp.post("/rq")
def rq_demo():
    run_id, seconds = demo_args()
    job = get_queue("high").enqueue(
        "jobs.why_work.rq_work", run_id, seconds, at_front=True, result_ttl=TTL, job_timeout=60
    )
    return jsonify(run=run_id, job_id=job.id)
