"""Read-only share links: the owner of a job (or the admin) makes a signed, expiring link that shows
the job to whoever holds it, and can revoke it.

A link is ``/shared/<token>``: the token is signed with ``SECRET_KEY`` (itsdangerous, with its own
salt, so no other signed value of the site passes for one) and names the job and a share id. The
share id is kept in Redis beside the job, expiring with the link; revoking deletes it, and making a
new link replaces it, so a link works only while its share id is the job's current one.

The shared view is the job page without actions, the traceback, links to other jobs or the
edit-and-resubmit form; its downloads and its live updates go through the same token.
"""

import secrets
import time
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from webapp.api import job_body
from webapp.downloads import file_response
from webapp.errors import json_error
from webapp.identity import READ_ONLY
from webapp.job_access import action_refusal
from webapp.job_insights import insights
from webapp.job_reads import fetch_job, read
from webapp.job_view import from_job
from webapp.redis_connection import get_redis

bp = Blueprint("share_links", __name__)

SALT = "jobdeck-share-link"
GONE = "This link has expired or was revoked, or its job no longer exists."


def share_key(job_id: str) -> str:
    return f"jobdeck:share:{job_id}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def current_link(job_id: str) -> dict | None:
    """The job's live share link for its owner's page: ``{"url", "expires_at"}``, or None."""
    return link_from(get_redis().hgetall(share_key(job_id)))


def read_link(job_id: str) -> tuple:
    """``current_link``'s read, to go in a page's pipeline (``job_reads.read``); ``link_from``
    turns its reply into the link."""
    return ("hgetall", share_key(job_id))


def link_from(stored: dict) -> dict | None:
    """The link from the share's hash (HGETALL), or None when there is none."""
    if not stored:
        return None
    token = stored[b"token"].decode()
    expires_at = datetime.fromtimestamp(float(stored[b"expires_at"]), UTC)
    return {"url": url_for("share_links.view", token=token, _external=True), "expires_at": expires_at}


def make_link(job_id: str) -> str:
    """A new link for the job (the previous one, if any, stops working); returns its token."""
    ttl = current_app.config["SHARE_TTL"]
    share_id = secrets.token_urlsafe(12)
    token = _serializer().dumps({"job": job_id, "share": share_id})
    key = share_key(job_id)
    with get_redis().pipeline() as pipe:
        pipe.delete(key)
        pipe.hset(key, mapping={"id": share_id, "token": token, "expires_at": time.time() + ttl})
        pipe.expire(key, ttl)
        pipe.execute()
    return token


def revoke(job_id: str) -> bool:
    return bool(get_redis().delete(share_key(job_id)))


def shared_job_id(token: str) -> str | None:
    """The job id a valid, unexpired, unrevoked token names, else None."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["SHARE_TTL"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("job"), str):
        return None
    stored = get_redis().hget(share_key(payload["job"]), "id")
    if stored is None or not secrets.compare_digest(stored, str(payload.get("share", "")).encode()):
        return None
    return payload["job"]


def _owned_job(job_id: str):
    """The job for its owner or the admin; None (the missing job's 404) for a stranger. The read-only
    operator may read it but not share it: 403."""
    job = fetch_job(job_id)
    refusal = action_refusal(job)
    if refusal == 403:
        abort(403, description=READ_ONLY)
    return None if refusal else job


@bp.post("/jobs/<job_id>/share")
def share(job_id: str):
    job = _owned_job(job_id)
    if job is None:
        return render_template("job_missing.html", job_id=job_id), 404
    make_link(job_id)
    flash("Made a read-only link to this job: copy it below. Anyone who has it can see this page.", "ok")
    return redirect(url_for("job_pages.show", job_id=job_id), code=303)


@bp.post("/jobs/<job_id>/share/revoke")
def unshare(job_id: str):
    job = _owned_job(job_id)
    if job is None:
        return render_template("job_missing.html", job_id=job_id), 404
    revoked = revoke(job_id)
    flash("Revoked: the link no longer works." if revoked else "There was no link to revoke.", "ok")
    return redirect(url_for("job_pages.show", job_id=job_id), code=303)


def _shared_url_for(token: str):
    """``url_for`` for the shared page: the job's own links become the token's (``job_url`` too)."""
    through_token = {
        "job_pages.show": "share_links.view",
        "api.get_job": "share_links.api_view",
        "downloads.download": "share_links.download",
    }

    def shared(endpoint: str, **values):
        if endpoint in through_token and "job_id" in values:
            values.pop("job_id")
            return url_for(through_token[endpoint], token=token, **values)
        return url_for(endpoint, **values)

    return shared


class _SharedLinks:
    """The shared page's links of its job by endpoint, as ``page_links.JobLinks`` gives the job
    page's: through the token where a link of the job's own would go."""

    def __init__(self, shared_url_for, job_id: str) -> None:
        self.url_for, self.job_id = shared_url_for, job_id

    def __getitem__(self, endpoint: str) -> str:
        return self.url_for(endpoint, job_id=self.job_id)


@bp.after_request
def not_for_search_engines(response):
    """A link shared with a few people is not for search engines, wherever it gets pasted."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _missing():
    return render_template("error.html", status=404, title="Link not valid", message=GONE), 404


@bp.get("/shared/<token>")
def view(token: str):
    job_id = shared_job_id(token)
    found = read(job_id) if job_id else None
    if found is None or found.job is None:
        return _missing()
    job = found.job
    shown = from_job(job, latest=found.latest)
    shown.insights = insights(job, shown.status, found.place)
    shown.log = found.log
    shared_url_for = _shared_url_for(token)
    return render_template(
        "job.html",
        url_for=shared_url_for,
        job_url=lambda endpoint, job_id: shared_url_for(endpoint, job_id=job_id),
        links=_SharedLinks(shared_url_for, job.id),
        job=shown,
        shared=True,
        refresh=current_app.config["REFRESH_SECONDS"] if shown.is_active else None,
        show_traceback=False,
        can_manage=False,
        viewer_is_owner=False,
    )


@bp.get("/shared/<token>/api")
def api_view(token: str):
    job_id = shared_job_id(token)
    found = read(job_id) if job_id else None
    if found is None or found.job is None:
        return json_error(404, GONE)
    body = job_body(found)
    body["page_url"] = url_for("share_links.view", token=token)
    return jsonify(body)


@bp.get("/shared/<token>/files/<name>")
def download(token: str, name: str):
    job_id = shared_job_id(token)
    job = fetch_job(job_id) if job_id else None
    if job is None:
        return _missing()
    return file_response(job, name)
