"""Who is asking: an anonymous owner id kept in the signed session, and the operators: the admin
(basic auth, or the trusted SSO proxy), who may do everything, and the read-only viewer (basic
auth), who may look at /admin/ and /rq/."""

import hmac
import uuid

from flask import current_app, request, session

from webapp import sso

ADMIN = "admin"
VIEWER = "viewer"
#: what the read-only operator is told when it tries to act (403), wherever it tries
READ_ONLY = "The read-only operator may look but not act."


def owner_id(create: bool = False) -> str | None:
    """This browser's owner id; made (and kept for a month) on its first submission."""
    owner = session.get("owner")
    if owner is None and create:
        owner = session["owner"] = uuid.uuid4().hex
        session.permanent = True
    return owner


def admin_configured() -> bool:
    return bool(current_app.config.get("ADMIN_USER") and current_app.config.get("ADMIN_PASSWORD"))


def _pair_matches(user_key: str, password_key: str) -> bool:
    """The request's basic-auth pair against a configured one (compared in constant time)."""
    config = current_app.config
    user, password = config.get(user_key), config.get(password_key)
    auth = request.authorization
    if not (user and password) or auth is None or auth.type != "basic":
        return False
    user_ok = hmac.compare_digest((auth.username or "").encode(), user.encode())
    password_ok = hmac.compare_digest((auth.password or "").encode(), password.encode())
    return user_ok and password_ok


def is_admin() -> bool:
    """True when the request carries the admin's basic-auth pair, or comes through the trusted SSO
    proxy for a user it names as an admin (``webapp/sso.py``)."""
    return sso.is_sso_admin() or _pair_matches("ADMIN_USER", "ADMIN_PASSWORD")


def is_viewer() -> bool:
    """True when the request carries the read-only operator's pair (``VIEWER_USER``)."""
    return _pair_matches("VIEWER_USER", "VIEWER_PASSWORD")


def operator_role() -> str | None:
    """ADMIN, VIEWER or None."""
    if is_admin():
        return ADMIN
    return VIEWER if is_viewer() else None


def admin_name() -> str | None:
    """Who the admin is, for the audit log: the SSO user, else the basic-auth user name."""
    if not is_admin():
        return None
    auth = request.authorization
    return sso.sso_user() or (auth.username if auth is not None else None)


def operator_name() -> str:
    """Who the audit log names for this request (an operator's name, or their role)."""
    auth = request.authorization
    return (
        admin_name() or (auth.username if auth and auth.username else None) or operator_role() or "anonymous"
    )


def can_manage(job_owner: str | None) -> bool:
    """The job's owner or the admin may act on a job."""
    owner = owner_id()
    return (owner is not None and job_owner == owner) or is_admin()
