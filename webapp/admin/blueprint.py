"""The console's blueprint and the one gate every console request passes: an operator's sign-in,
and for anything but a look, the admin's role and a CSRF token."""

from flask import Blueprint, Response, abort, current_app, g, request

from webapp.identity import ADMIN, READ_ONLY, VIEWER, admin_configured, operator_name, operator_role

bp = Blueprint("admin", __name__, url_prefix="/admin")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOGIN_REQUIRED = "Operator login required."
CHALLENGE = 'Basic realm="Jobdeck admin", charset="UTF-8"'


def challenge() -> Response:
    return Response(LOGIN_REQUIRED, 401, {"WWW-Authenticate": CHALLENGE})


def operator_refusal() -> tuple[int, str | None] | None:
    """The console's rule, for its pages and its JSON alike: None when the request may go on, else
    the status and message to refuse it with (404, the site's own message, while no admin login is
    configured; 401 without an operator's sign-in; 403 for the viewer's actions). Notes the role in
    ``g.operator_role``."""
    if not admin_configured():
        return 404, None
    role = operator_role()
    if role is None:
        return 401, LOGIN_REQUIRED
    g.operator_role = role
    if request.method not in SAFE_METHODS and role != ADMIN:
        return 403, READ_ONLY  # the viewer only looks
    return None


@bp.before_request
def require_operator():
    refusal = operator_refusal()
    if refusal is not None:
        status, message = refusal
        if status == 401:
            return challenge()
        abort(status, description=message)
    if request.method not in SAFE_METHODS and current_app.config["WTF_CSRF_ENABLED"]:
        current_app.extensions["csrf"].protect()
    return None


@bp.context_processor
def operator_context() -> dict:
    role = g.get("operator_role")
    return {"operator_role": role, "read_only": role == VIEWER, "operator_name": operator_name()}


def who() -> str:
    """The operator an audit entry names."""
    return operator_name()
