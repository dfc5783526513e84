"""Who is asking: an anonymous owner id kept in the signed session, and the admin (basic auth)."""

import hmac
import uuid

from flask import current_app, request, session

from webapp import sso


def owner_id(create: bool = False) -> str | None:
    """This browser's owner id; made (and kept for a month) on its first submission."""
    owner = session.get("owner")
    if owner is None and create:
        owner = session["owner"] = uuid.uuid4().hex
        session.permanent = True
    return owner


def admin_configured() -> bool:
    return bool(current_app.config.get("ADMIN_USER") and current_app.config.get("ADMIN_PASSWORD"))


def is_admin() -> bool:
    """True when the request carries the admin's basic-auth pair (compared in constant time), or
    comes through the trusted SSO proxy for a user it names as an admin (``webapp/sso.py``)."""
    if sso.is_sso_admin():
        return True
    auth = request.authorization
    if not admin_configured() or auth is None or auth.type != "basic":
        return False
    user_ok = hmac.compare_digest((auth.username or "").encode(), current_app.config["ADMIN_USER"].encode())
    password_ok = hmac.compare_digest(
        (auth.password or "").encode(), current_app.config["ADMIN_PASSWORD"].encode()
    )
    return user_ok and password_ok


def admin_name() -> str | None:
    """Who the admin is, for the audit log: the SSO user, else the basic-auth user name."""
    if not is_admin():
        return None
    auth = request.authorization
    return sso.sso_user() or (auth.username if auth is not None else None)


def can_manage(job_owner: str | None) -> bool:
    """The job's owner or the admin may act on a job."""
    owner = owner_id()
    return (owner is not None and job_owner == owner) or is_admin()
