"""The "Why a queue?" page: explanation, latest measurements, and a form that measures again.

The measurement is itself an RQ job (task ``why_measure``, not listed in the catalog: it measures
the site, it is not work a user brings). It calls the demo routes in ``webapp/why_demo.py`` over
HTTP at ``PUBLIC_URL`` (``JOBDECK_PUBLIC_URL``, jobs/settings.py) when set, else at the address this server
listens on, so it measures the very server that serves the site. The JSON API does not take it.
"""

import inspect
import json
import textwrap
import uuid

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from jobs import why_measure, why_work
from jobs.registry import get_task
from jobs.why_work import APPROACHES
from webapp import why_demo
from webapp.errors import error_response
from webapp.forms import PostedForm
from webapp.identity import owner_id
from webapp.redis_connection import get_redis
from webapp.submission import enqueue_task

bp = Blueprint("why", __name__)

#: how long past its timeout a measurement keeps the site-wide turn (time it may wait in the queue)
MEASURING_GRACE = 300
BUSY = (
    "Another measurement is running (they take the site's own workers, so one runs at a time). "
    "Its results will show on this page; try again in a minute."
)

RESTART_TEST = "tests/test_why.py::test_web_restart_loses_thread_work_but_not_rq_job"

IN_REQUEST = (
    "Not by itself: the work lives inside the request, so a graceful restart waits for it (until the "
    "kill timeout) and a hard one cuts the work and the response together."
)

#: per approach: the route's code, when it is acceptable, and whether its work survives a restart
NOTES = {
    "after-request": (
        [why_demo.after_request_demo],
        "Runs before the response is sent, so the client waits for the work. Acceptable only for "
        "work of a few milliseconds that may change the response (headers, cookies).",
        IN_REQUEST,
    ),
    "teardown": (
        [why_demo.teardown_demo, why_demo.teardown_work],
        "Runs when the request context ends; the server waits for it before it finishes the "
        "response. Acceptable for quick clean-up (closing a connection), not for work.",
        IN_REQUEST,
    ),
    "stream": (
        [why_demo.stream_demo],
        "Sends bytes at once and can stream progress, but the server worker is busy until the "
        "generator ends and the work dies with the connection. Acceptable for a few seconds of "
        "output the user is watching (an export, a log tail).",
        IN_REQUEST,
    ),
    "thread": (
        [why_demo.thread_demo],
        "Answers at once, but the thread has no request context, no id to poll, no progress, no "
        "retry, and dies with the process. Acceptable for fire-and-forget work you can afford to "
        "lose, in a process you control. (A non-daemon thread makes a graceful stop wait for it, "
        "until the platform's kill timeout — gunicorn's and Heroku's are 30 s — cuts it.)",
        f"No — proven by {RESTART_TEST}.",
    ),
    "rq": (
        [why_demo.rq_demo],
        "Answers at once with a job id; a separate worker does the work, reports progress in the "
        "job's meta, can retry, and does not care when the web process restarts. The right tool "
        "for anything longer than a request should take.",
        f"Yes — proven by {RESTART_TEST}.",
    ),
}


class WhyForm(PostedForm):
    seconds = IntegerField(
        "Work duration (seconds)",
        default=2,
        validators=[
            InputRequired("Enter the work duration in whole seconds."),
            NumberRange(
                why_measure.MIN_SECONDS,
                why_measure.MAX_SECONDS,
                "Enter a whole number of seconds from %(min)s to %(max)s.",
            ),
        ],
        render_kw={"min": why_measure.MIN_SECONDS, "max": why_measure.MAX_SECONDS, "inputmode": "numeric"},
    )


def _approaches() -> list[dict]:
    shown = []
    for slug, label in APPROACHES:
        functions, note, survives = NOTES[slug]
        source = "\n\n".join(textwrap.dedent(inspect.getsource(f)) for f in functions)
        shown.append({"slug": slug, "label": label, "source": source, "note": note, "survives": survives})
    return shown


def _work_source() -> str:
    return "\n\n".join(inspect.getsource(f) for f in (why_work.steps, why_work.mark_done, why_work.do_work))


def _latest() -> dict | None:
    raw = get_redis().get(why_measure.LATEST_KEY)
    if not raw:
        return None
    latest = json.loads(raw)
    latest.pop("job_id", None)  # the page is public: no one's job id
    return latest


def _page(form: WhyForm, status: int = 200):
    return (
        render_template(
            "why.html",
            form=form,
            approaches=_approaches(),
            work_source=_work_source(),
            latest=_latest(),
            restart_test=RESTART_TEST,
        ),
        status,
    )


def site_address() -> str:
    """Where the measurement job reaches this site: ``JOBDECK_PUBLIC_URL``, else the address this
    server listens on (WSGI's SERVER_NAME/SERVER_PORT come from the listening socket under gunicorn
    and werkzeug). Never the request's Host header: a client chooses that, and would make the worker
    send requests to any host it names."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured
    host = request.environ.get("SERVER_NAME") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    scheme = request.environ.get("wsgi.url_scheme", "http")
    port = request.environ.get("SERVER_PORT")
    default = {"http": "80", "https": "443"}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


@bp.get("/why")
def show():
    return _page(WhyForm())


@bp.post("/why")
def measure():
    form = WhyForm()
    if not form.validate():
        return _page(form, 400)
    params = why_measure.validate({"seconds": form.seconds.data, "base_url": site_address()})
    job_id = str(uuid.uuid4())
    spec, connection = get_task("why_measure"), get_redis()
    # one measurement at a time, site-wide: it runs on the high queue and calls this very site
    if not connection.set(why_work.MEASURING_KEY, job_id, nx=True, ex=spec.timeout + MEASURING_GRACE):
        wait = max(1, connection.ttl(why_work.MEASURING_KEY))
        return error_response(429, "A measurement is running", BUSY, {"Retry-After": str(wait)})
    tokens = why_work.mint_tokens(connection, params["seconds"])
    enqueue_task(spec, params, owner_id(create=True), job_id=job_id, extra_meta={"why_tokens": tokens})
    return redirect(url_for("job_pages.show", job_id=job_id), code=303)


def init_app(app, csrf) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(why_demo.bp)
    csrf.exempt(why_demo.bp)
