"""The console's blueprint and the one gate every console request passes: an operator's sign-in,
and for anything but a look, the admin's role and a CSRF token."""

from flask import Blueprint, Response, abort, current_app, g, request

from webapp.identity import ADMIN, VIEWER, admin_configured, operator_name, operator_role

bp = Blueprint("admin", __name__, url_prefix="/admin")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOGIN_REQUIRED = "Operator login required."


def challenge() -> Response:
    return Response(LOGIN_REQUIRED, 401, {"WWW-Authenticate": 'Basic realm="Jobdeck admin", charset="UTF-8"'})


@bp.before_request
def require_operator():
    if not admin_configured():
        abort(404)
    role = operator_role()
    if role is None:
        return challenge()
    g.operator_role = role
    if request.method not in SAFE_METHODS:
        if role != ADMIN:
            abort(403)  # the viewer only looks
        if current_app.config["WTF_CSRF_ENABLED"]:
            current_app.extensions["csrf"].protect()
    return None


@bp.context_processor
def operator_context() -> dict:
    role = g.get("operator_role")
    return {"operator_role": role, "read_only": role == VIEWER, "operator_name": operator_name()}


def who() -> str:
    """The operator an audit entry names."""
    return operator_name()
