"""``GET /operator?next=<path>``: the hop the console's links to job pages go through.

A browser sends HTTP basic credentials unasked only below the directory of the URL that asked for
them (RFC 7617, section 2.2): signed in at ``/admin/``, it sends nothing to ``/jobs/<id>`` or
``/api/jobs/<id>``, so the job page would answer the operator as a stranger (404). This URL sits at
the site's root and asks for the console's realm: the browser answers with the credentials it
already holds for that realm (no prompt), from then on sends them to every path of the site (job
pages, their live updates, downloads, actions), and is sent on to ``next``.
"""

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, request, url_for

from webapp.admin.blueprint import challenge
from webapp.identity import admin_configured, operator_role

bp = Blueprint("operator_signin", __name__)


def _local(path: str | None) -> str:
    """``path`` when it is a path on this site; the console's front page otherwise (no open redirect)."""
    parts = urlsplit(path or "")
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or parts.netloc:
        return url_for("admin.overview")
    return path


@bp.get("/operator")
def signin():
    if not admin_configured():
        abort(404)
    if operator_role() is None:
        return challenge()
    return redirect(_local(request.args.get("next")), code=303)


def job_link(job_id: str) -> str:
    """A job page, as the console links to it: through ``signin``."""
    return url_for("operator_signin.signin", next=url_for("job_pages.show", job_id=job_id))
