"""rq-dashboard mounted at /rq, behind admin basic auth, with a same-origin check on unsafe methods.

rq-dashboard 0.9.0 has two bugs with JSON-serialized jobs on RQ 2; the shims below are the only
place they are worked around. ``tests/test_dashboard.py`` fails once upstream is fixed, so the
shims can go.
"""

import base64
import hashlib
import re
from urllib.parse import urlsplit

import rq_dashboard
import rq_dashboard.web
from flask import Response, abort, current_app, request
from rq import Worker
from rq.job import Job
from rq.serializers import JSONSerializer

from webapp.identity import admin_configured, is_admin

PREFIX = "/rq"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


# --- shims for rq-dashboard 0.9.0 -----------------------------------------------------------------
class _DecodableId(str):
    """A job id that also answers ``.decode()``: rq-dashboard decodes dependency ids, RQ 2 gives str."""

    def decode(self, *_args, **_kwargs) -> str:
        return str(self)


class DashboardJob(Job):
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
    import inspect

    return ".decode(" in inspect.getsource(rq_dashboard.web.job_info)


def upstream_lists_workers_without_serializer() -> bool:
    import inspect

    return "serializer" not in inspect.getsource(rq_dashboard.web.list_workers)


def apply_shims() -> None:
    """Idempotent: point rq-dashboard's module globals at JSON-aware classes."""
    rq_dashboard.web.config.serializer = JSONSerializer
    rq_dashboard.web.Job = DashboardJob
    rq_dashboard.web.Worker = DashboardWorker


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
    if not is_admin():
        return Response(
            "Admin login required.", 401, {"WWW-Authenticate": 'Basic realm="Jobdeck admin", charset="UTF-8"'}
        )
    if request.method not in SAFE_METHODS and not _same_origin():
        abort(403)
    return None


_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)


def dashboard_csp(response):
    """rq-dashboard has inline scripts and underscore templates (eval): allow exactly those hashes."""
    if request.blueprint != "rq_dashboard" or response.mimetype != "text/html" or response.direct_passthrough:
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


def init_app(app, csrf) -> None:
    apply_shims()
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 2500)
    rq_dashboard.web.setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=PREFIX)
    csrf.exempt(rq_dashboard.blueprint)  # guarded by admin auth plus the same-origin check instead
    app.before_request(guard_dashboard)
    app.after_request(dashboard_csp)
