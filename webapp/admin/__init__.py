"""The operator's console at /admin/: overview with charts, workers, pause, search, bulk actions and
the audit log (one module per page), beside rq-dashboard at /rq/."""

from datetime import UTC, datetime

from webapp.admin import audit_log, bulk, overview, pausing, search, signin, workers  # noqa: F401 (routes)
from webapp.admin.blueprint import bp
from webapp.templating import format_time


def format_epoch(seconds: float | None) -> str:
    """A Unix time as the site writes times (``2026-12-01 14:00:00 UTC``)."""
    return format_time(datetime.fromtimestamp(seconds, UTC)) if seconds else "—"


def init_app(app, csrf) -> None:
    app.add_template_filter(format_epoch, "epoch_time")
    app.add_template_global(signin.job_link, "operator_job_link")
    csrf.exempt(bp)  # the blueprint's gate runs CSRFProtect.protect() itself, after the role check
    app.register_blueprint(bp)
    app.register_blueprint(signin.bp)
