"""Failed admin sign-ins are throttled and written to the audit log.

Every request that carries HTTP basic credentials is a sign-in attempt, wherever it goes (``/rq/``,
``/admin/``, a job page). A wrong pair counts one failure against the client's address and one
against the user name it gave, each in a Redis counter that lives ``WINDOW_SECONDS`` from its first
failure. Once either counter reaches ``MAX_FAILURES``, every attempt from that address or with that
name is answered 429 with ``Retry-After`` (the counter's remaining life) until the window ends, even
with the right password: guessing stops at 5 a minute per address and per name instead of a thousand
a second. Each failure is logged and recorded in the audit log (``webapp/audit.py``).
"""

import logging

from flask import current_app, request

from webapp import audit
from webapp.errors import error_response
from webapp.identity import admin_configured, operator_role

log = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 60
TOO_MANY = (
    f"Too many failed sign-ins: after {MAX_FAILURES} within {WINDOW_SECONDS} seconds, sign-in is paused "
    "for this address and this user name. Please wait (see Retry-After) and try again."
)


def failure_keys(address: str, user: str) -> list[str]:
    return [f"jobdeck:signin-fail:addr:{address}", f"jobdeck:signin-fail:user:{user}"]


def _redis():
    return current_app.extensions["jobdeck"]["redis"]


def known_pair(auth) -> bool:
    """The admin's pair, or the read-only viewer's where one is configured (``VIEWER_USER``)."""
    return operator_role() is not None


def check_basic_auth():
    """Before every request: 429 while throttled; count (and audit) a wrong credential pair."""
    auth = request.authorization
    if auth is None or auth.type != "basic" or not admin_configured():
        return None
    address, user = request.remote_addr or "unknown", (auth.username or "")[:200]
    keys = failure_keys(address, user)
    pipe = _redis().pipeline(transaction=False)
    for key in keys:
        pipe.get(key)
        pipe.ttl(key)
    counts_and_ttls = pipe.execute()
    counts, ttls = counts_and_ttls[0::2], counts_and_ttls[1::2]
    if any(count is not None and int(count) >= MAX_FAILURES for count in counts):
        retry_after = max([ttl for ttl in ttls if ttl and ttl > 0], default=WINDOW_SECONDS)
        return error_response(429, "Too many sign-in attempts", TOO_MANY, {"Retry-After": str(retry_after)})
    if known_pair(auth):
        return None
    pipe = _redis().pipeline(transaction=True)
    for key in keys:
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS, nx=True)  # the window starts at the first failure
    pipe.execute()
    log.warning(
        "Failed admin sign-in for user %r from %s (%s %s)", user, address, request.method, request.path
    )
    audit.record(
        user or "(no user name)", "sign-in failed", f"from {address}: {request.method} {request.path}"
    )
    return None


def init_app(app) -> None:
    app.before_request(check_basic_auth)
