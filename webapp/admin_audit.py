"""Every admin action goes into the audit log: the job actions (cancel, stop, retry, delete, share)
an admin takes on the site, and rq-dashboard's. A job deleted in rq-dashboard takes its files along.

rq-dashboard's actions (delete, requeue, empty, compact, ...) are its POSTs and its one GET that
changes state (``webapp/dashboard.py`` lists it). Each one that gets past the guard is recorded with
who did it and its answer. Deleting one job there also deletes the files stored beside it (uploads,
produced files) and its log, as the job page's own Delete does.

Both are hooks of the blueprints whose requests they record (``after_request`` of rq-dashboard's,
of job_actions and of share_links), joined when this module is imported, before any app registers
those blueprints: no other request runs them.
"""

import rq_dashboard
from flask import request

from jobs import storage
from jobs.joblog import log_key
from webapp import audit, job_actions, share_links
from webapp.dashboard import CHANGES_STATE_ON_GET, SAFE_METHODS
from webapp.identity import admin_name
from webapp.redis_connection import get_redis

DELETE_JOB = "rq_dashboard.delete_job_view"


def audit_job_action(response):
    """An admin's job action that succeeded (a 303 back to a page)."""
    if request.method != "POST" or response.status_code != 303:
        return response
    who = admin_name()
    if who is not None:
        action = request.endpoint.rsplit(".", 1)[-1]
        audit.record(who, f"job {action}", f"job {(request.view_args or {}).get('job_id')}")
    return response


def audit_dashboard_action(response):
    if response.status_code in (401, 403, 404, 429):
        return response
    if request.method in SAFE_METHODS and request.endpoint not in CHANGES_STATE_ON_GET:
        return response
    path = request.path.removeprefix(request.script_root)
    audit.record(
        admin_name() or "admin", "rq-dashboard action", f"{request.method} {path} -> {response.status_code}"
    )
    job_id = (request.view_args or {}).get("job_id")
    if request.endpoint == DELETE_JOB and job_id and response.status_code < 400:
        connection = get_redis()
        storage.delete_files(connection, job_id)
        connection.delete(log_key(job_id))
    return response


rq_dashboard.blueprint.after_request(audit_dashboard_action)
job_actions.bp.after_request(audit_job_action)
share_links.bp.after_request(audit_job_action)
