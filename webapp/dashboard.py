"""rq-dashboard mounted at /rq, behind admin basic auth, with a same-origin check on unsafe methods.

rq-dashboard 0.9.0 has two bugs with JSON-serialized jobs on RQ 2, fetches some jobs with RQ's
default (pickle) serializer, and interpolates job fields into its pages unescaped; the shims below
are the only place they are worked around. ``tests/test_dashboard.py`` and ``tests/test_xss.py`` /
``tests/test_no_pickle.py`` fail once upstream is fixed, so the shims can go.
"""

import base64
import functools
import hashlib
import inspect
import re
from urllib.parse import urlsplit

import rq_dashboard
import rq_dashboard.web
from flask import Response, abort, current_app, request
from jinja2 import BaseLoader
from rq import Worker, requeue_job
from rq.exceptions import DeserializationError, InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import redis_url
from webapp.errors import error_response
from webapp.identity import ADMIN, admin_configured, operator_role

PREFIX = "/rq"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: upstream answers GET as well as POST here, and requeues every failed job
CHANGES_STATE_ON_GET = {"rq_dashboard.requeue_all"}


# --- shims for rq-dashboard 0.9.0 -----------------------------------------------------------------
NOT_JSON = "This job is not stored as JSON, so it is not read (Jobdeck never unpickles)."


class _DecodableId(str):
    """A job id that also answers ``.decode()``: rq-dashboard decodes dependency ids, RQ 2 gives str."""

    def decode(self, *_args, **_kwargs) -> str:
        return str(self)


class DashboardJob(Job):
    """JSON unless told otherwise: upstream fetches jobs for its job page, delete and requeue with
    RQ's default serializer, which unpickles whatever a job's meta holds."""

    def __init__(self, id=None, connection=None, serializer=None):
        super().__init__(id, connection=connection, serializer=serializer or JSONSerializer)

    def get_meta(self, refresh: bool = True) -> dict:
        """A job whose meta is not JSON (say, pickled) is shown with that meta refused, not a 500."""
        try:
            return super().get_meta(refresh)
        except ValueError:  # UnicodeDecodeError, JSONDecodeError
            self.meta = {"unserialized": NOT_JSON}
            return self.meta

    @property
    def dependency_ids(self) -> list[str]:
        return [_DecodableId(i) for i in super().dependency_ids]


class DashboardWorker(Worker):
    """rq-dashboard lists workers without a serializer; a busy worker's JSON job then fails to load."""

    @classmethod
    def all(cls, connection=None, job_class=None, queue_class=None, queue=None, serializer=None):
        return super().all(
            connection=connection,
            job_class=job_class,
            queue_class=queue_class,
            queue=queue,
            serializer=serializer or JSONSerializer,
        )


def upstream_decodes_dependency_ids() -> bool:
    """Still true while rq-dashboard calls ``.decode`` on dependency ids (the bug the shim covers)."""
    return ".decode(" in inspect.getsource(rq_dashboard.web.job_info)


def upstream_lists_workers_without_serializer() -> bool:
    return "serializer" not in inspect.getsource(rq_dashboard.web.list_workers)


def upstream_fetches_jobs_without_serializer() -> bool:
    """Still true while its job page fetches the job with RQ's default (pickle) serializer."""
    return "serializer" not in inspect.getsource(rq_dashboard.web.job_view)


#: ``<%= x %>`` in rq-dashboard's underscore templates inserts x as HTML; ``<%- x %>`` escapes it.
_RAW = re.compile(r"<%=\s*(.*?)\s*%>", re.S)
#: its one hand-escaped form, ``$('<div/>').text(x).html()``, becomes plain x before escaping.
_HAND_ESCAPED = re.compile(r"^\$\('<div/>'\)\.text\((.*)\)\.html\(\)$", re.S)


def escape_interpolations(source: str) -> str:
    """Every value rq-dashboard's pages interpolate, HTML-escaped (job fields carry user input)."""

    def escaped(match: re.Match) -> str:
        expression = match.group(1)
        hand = _HAND_ESCAPED.match(expression)
        return f"<%- {hand.group(1) if hand else expression} %>"

    return _RAW.sub(escaped, source)


def upstream_interpolates_unescaped() -> bool:
    """Still true while its job page inserts the job's description as raw HTML."""
    loader = rq_dashboard.blueprint.jinja_loader
    source = loader.get_source(None, "rq_dashboard/job.html")[0]
    return "<%= d.description %>" in source


CONSOLE_LINK = (
    '<li class="nav-item"><a href="/admin/" class="nav-link" id="jobdeck-console">Jobdeck console</a></li>'
)


def link_to_console(source: str) -> str:
    """rq-dashboard's navigation, with a link to the operator console (/admin/) after its own tabs."""
    return source.replace("</ul>", CONSOLE_LINK + "</ul>", 1)


class EscapingLoader(BaseLoader):
    """The app's template loader, with rq-dashboard's templates passed through escape_interpolations."""

    def __init__(self, inner: BaseLoader):
        self.inner = inner

    def get_source(self, environment, template):
        source, filename, uptodate = self.inner.get_source(environment, template)
        if template.startswith("rq_dashboard/"):
            source = escape_interpolations(source)
        if template == "rq_dashboard/navbar.html":
            source = link_to_console(source)
        return source, filename, uptodate

    def list_templates(self):
        return self.inner.list_templates()


@functools.cache
def _connection(url: str, sentinel_password: str | None):
    return redis_url.connect(url, sentinel_password, health_check_interval=30)


def dashboard_connection(url: str, sentinel_options=None, client_options=None):
    """rq-dashboard reads its URL with Redis-Sentinel-Url, which knows neither TLS to Sentinel nor
    IPv6 sentinel addresses, and opens a new connection pool on every request: read it the way the
    site and the workers do (jobs/redis_url.py), one client per URL."""
    return None, _connection(url, (sentinel_options or {}).get("password"))


def apply_shims() -> None:
    """Idempotent: point rq-dashboard's module globals at JSON-aware classes and our Redis URLs."""
    rq_dashboard.web.config.serializer = JSONSerializer
    rq_dashboard.web.Job = DashboardJob
    rq_dashboard.web.Worker = DashboardWorker
    rq_dashboard.web.requeue_job = functools.partial(requeue_job, serializer=JSONSerializer)
    rq_dashboard.web.from_url = dashboard_connection


# --- guard ---------------------------------------------------------------------------------------
def _same_origin() -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    parts = urlsplit(source)
    return parts.netloc == request.host and parts.scheme == request.scheme


def guard_dashboard():
    """Runs before every request of the app; acts only on the dashboard's URLs."""
    if request.blueprint != "rq_dashboard":
        return None
    if not admin_configured():
        if current_app.debug:
            return None
        abort(404)
    role = operator_role()
    if role is None:
        return Response(
            "Admin login required.", 401, {"WWW-Authenticate": 'Basic realm="Jobdeck admin", charset="UTF-8"'}
        )
    unsafe = request.method not in SAFE_METHODS or request.endpoint in CHANGES_STATE_ON_GET
    if unsafe and (role != ADMIN or not _same_origin()):  # the viewer only looks
        abort(403)
    return None


_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)


def dashboard_csp(response):
    """rq-dashboard has inline scripts and underscore templates (eval): allow exactly those hashes.
    A hook of rq-dashboard's blueprint, so it runs before the site's own headers
    (``webapp/headers.py``), which then leave this CSP as it is."""
    if response.mimetype != "text/html" or response.direct_passthrough:
        return response
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(response.get_data())
    ]
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'unsafe-eval' {' '.join(hashes)}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    return response


rq_dashboard.blueprint.after_request(dashboard_csp)  # joined on import, before any app registers it


def job_not_found(exc: NoSuchJobError):
    """Upstream lets NoSuchJobError through (a 500) for an unknown or expired job id."""
    return error_response(404, "Not found", "This job does not exist or its result has expired.")


def job_not_json(exc: DeserializationError):
    return error_response(422, "Job not readable", NOT_JSON)


def job_in_wrong_state(exc: InvalidJobOperation):
    """Upstream's requeue of a job that is not in the failed registry raises (a 500)."""
    return error_response(409, "Not possible now", "That cannot be done to this job in its current state.")


def init_app(app, csrf) -> None:
    apply_shims()
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 2500)
    rq_dashboard.web.setup_rq_connection(app)
    if not isinstance(app.jinja_env.loader, EscapingLoader):
        app.jinja_env.loader = EscapingLoader(app.jinja_env.loader)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=PREFIX)
    csrf.exempt(rq_dashboard.blueprint)  # guarded by admin auth plus the same-origin check instead
    app.before_request(guard_dashboard)
    app.register_error_handler(NoSuchJobError, job_not_found)
    app.register_error_handler(DeserializationError, job_not_json)
    app.register_error_handler(InvalidJobOperation, job_in_wrong_state)
