"""What the owner (or the admin) can do to a job: cancel, stop, retry, edit and resubmit, delete.
The read-only operator, who may read any job, is refused with 403 (``webapp/job_access.py``).

Each action is a POST with a CSRF token and lands back on a page with a flash message.
"""

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from rq.exceptions import InvalidJobOperation

from jobs import history_index, statuses, storage
from jobs.joblog import log_key
from jobs.registry import get_task
from jobs.stop_requests import request_stop
from webapp import history
from webapp.identity import READ_ONLY, owner_id
from webapp.job_access import action_refusal
from webapp.job_reads import fetch_job
from webapp.redis_connection import get_redis
from webapp.submission import enqueue_task

bp = Blueprint("job_actions", __name__)


def retry_key(job_id: str) -> str:
    """Names the one retry of a job (its value is the retry's id)."""
    return f"jobdeck:retry:{job_id}"


def _job_for_action(job_id: str):
    job = fetch_job(job_id)
    refusal = action_refusal(job)  # a stranger learns nothing, not even that the job exists
    if refusal:
        abort(refusal, description=READ_ONLY)
    return job


def _back(job_id: str):
    return redirect(url_for("job_pages.show", job_id=job_id), code=303)


def _refused(job_id: str, message: str):
    flash(message, "error")
    return _back(job_id)


@bp.post("/jobs/<job_id>/cancel")
def cancel(job_id: str):
    job = _job_for_action(job_id)
    if job.get_status().value not in statuses.CANCELABLE:
        return _refused(job_id, "Only a job that has not started yet can be canceled.")
    try:
        job.cancel()
        _index_end(job, statuses.CANCELED)
        flash("Canceled: the job will not run.", "ok")
    except InvalidJobOperation:
        flash("The job was already canceled.", "error")
    return _back(job_id)


def _index_end(job, status: str) -> None:
    pipe = get_redis().pipeline(transaction=False)
    history_index.on_job_end(pipe, job, status)
    pipe.execute()


@bp.post("/jobs/<job_id>/stop")
def stop(job_id: str):
    job = _job_for_action(job_id)
    if job.get_status().value not in statuses.STOPPABLE:
        return _refused(job_id, "Only a running job can be stopped.")
    job.meta["stopped_by"] = "owner" if job.meta.get("owner") == owner_id() else "admin"
    job.save_meta()
    try:
        request_stop(get_redis(), job_id)
    except InvalidJobOperation:  # it ended (or its worker went) between the status read and now
        return _refused(job_id, "The job is no longer running.")
    flash("Stop requested: the worker is stopping the job.", "ok")
    return _back(job_id)


@bp.post("/jobs/<job_id>/retry")
def retry(job_id: str):
    job = _job_for_action(job_id)
    meta = job.meta or {}
    spec = get_task(meta.get("task", ""))
    if spec is None or job.get_status().value not in statuses.RETRYABLE:
        return _refused(job_id, "Only a failed, stopped or canceled job can be retried.")
    params = meta.get("params", {})
    connection, ttl = get_redis(), current_app.config["FAILURE_TTL"]
    new_id = str(uuid.uuid4())
    # one retry per job, however many clicks or requests arrive at once: the first claims the key
    if not connection.set(retry_key(job_id), new_id, nx=True, ex=ttl):
        flash("This job was already retried: here is its retry.", "ok")
        return _back((connection.get(retry_key(job_id)) or job_id.encode()).decode())
    inputs = storage.referenced_files(params)
    if not storage.copy_files(connection, job_id, new_id, inputs, ttl):
        connection.delete(retry_key(job_id))
        return _refused(
            job_id, "The job's uploaded files have expired, so it cannot be retried; submit it again."
        )
    owner = meta.get("owner") or owner_id(create=True)
    new = enqueue_task(spec, params, owner, job_id=new_id, extra_meta={"retry_of": job_id})
    job.meta["retried_as"] = new.id
    job.save_meta()
    flash("Retried as a new job.", "ok")
    return _back(new.id)


@bp.get("/jobs/<job_id>/edit")
def edit(job_id: str):
    job = _job_for_action(job_id)
    task = (job.meta or {}).get("task", "")
    if get_task(task) is None:
        abort(404)
    return redirect(url_for("tasks.show_form", name=task, **{"from": job_id}), code=303)


@bp.post("/jobs/<job_id>/delete")
def delete(job_id: str):
    job = _job_for_action(job_id)
    meta = job.meta or {}
    if job.get_status().value in statuses.STOPPABLE:
        return _refused(job_id, "Stop the job before deleting it.")
    connection = get_redis()
    job.delete()
    storage.delete_files(connection, job_id)
    connection.delete(log_key(job_id))
    if meta.get("owner"):
        history.remove(connection, meta["owner"], job_id, meta.get("task", ""))
    flash("Deleted the job, its files and its log.", "ok")
    return redirect(url_for("job_pages.index"), code=303)
