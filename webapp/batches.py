"""Batch pages: the many-files form, the batch page and its three actions.

The batch page is for the batch's owner, the admin and the read-only operator (who is refused every
action with 403); anyone else gets the same 404 as for a batch that does not exist. Each action is a POST with a CSRF token and lands back on the page.
"""

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import batches, statuses, storage
from jobs.errors import TaskInputError
from jobs.registry import get_task, validate
from jobs.webhook_job import batch_targets, enqueue_deliveries
from webapp import webhook_view
from webapp.batch_forms import BATCH_FORMS
from webapp.batch_submission import add_to_batch, enqueue_batch
from webapp.batch_view import BatchView, read_batch
from webapp.identity import READ_ONLY, owner_id
from webapp.job_access import owner_may_read, owner_refusal
from webapp.redis_connection import get_redis
from webapp.upload_stream import store_upload

bp = Blueprint("batches", __name__)


@bp.record_once
def offer_batches_on_task_forms(state):
    state.app.jinja_env.globals["batch_tasks"] = tuple(BATCH_FORMS)


def _spec_and_form(name: str):
    if name not in BATCH_FORMS:  # the tasks that take one file, so many files make many jobs
        abort(404)
    return get_task(name), BATCH_FORMS[name]


@bp.get("/tasks/<name>/batch")
def show_form(name: str):
    spec, form_cls = _spec_and_form(name)
    return render_template("batch_form.html", spec=spec, form=form_cls())


@bp.post("/tasks/<name>/batch")
def submit(name: str):
    spec, form_cls = _spec_and_form(name)
    form = form_cls()
    if not form.validate():
        return render_template("batch_form.html", spec=spec, form=form), 400
    connection, ttl = get_redis(), current_app.config["FAILURE_TTL"]
    job_ids = [str(uuid.uuid4()) for _ in form.files.data]

    def store_file(index: int, field_name: str, upload) -> dict:
        return store_upload(connection, job_ids[index], field_name, upload, ttl)

    items = form.to_items(store_file)
    try:
        items = [validate(spec.name, item) for item in items]
    except TaskInputError as exc:
        form.files.errors = [str(exc)]
        return render_template("batch_form.html", spec=spec, form=form), 400
    batch_id, _ = enqueue_batch(spec, items, owner_id(create=True), job_ids=job_ids[: len(items)])
    return redirect(url_for("batches.show", batch_id=batch_id), code=303)


def visible_batch(batch_id: str) -> BatchView | None:
    """The batch, for its readers (its owner, the admin, the read-only operator: the rules of a
    job, ``webapp/job_access.py``); None for anyone else, as for a batch that is not there."""
    batch = read_batch(batch_id) if len(batch_id) <= 64 else None
    return batch if batch is not None and owner_may_read(batch.owner) else None


def batch_for(batch_id: str) -> BatchView:
    """The batch, to act on: its owner's and the admin's; 403 for the read-only operator."""
    batch = visible_batch(batch_id)
    refusal = owner_refusal(batch.owner) if batch is not None else 404
    if refusal:
        abort(refusal, description=READ_ONLY)
    return batch


@bp.get("/batches/<batch_id>")
def show(batch_id: str):
    batch = visible_batch(batch_id)
    if batch is None:
        abort(404)
    return render_template(
        "batch.html",
        batch=batch,
        can_act=owner_refusal(batch.owner) is None,
        refresh=current_app.config["REFRESH_SECONDS"] if batch.is_active else None,
        webhook_attempts=webhook_view.attempts(batch.id) if batch.webhook else [],
    )


def _back(batch_id: str):
    return redirect(url_for("batches.show", batch_id=batch_id), code=303)


@bp.post("/batches/<batch_id>/cancel")
def cancel_not_started(batch_id: str):
    batch = batch_for(batch_id)
    canceled = _cancel(batch)
    flash(f"Canceled {canceled} job{'' if canceled == 1 else 's'} that had not started.", "ok")
    return _back(batch_id)


@bp.post("/batches/<batch_id>/stop")
def stop_all(batch_id: str):
    batch = batch_for(batch_id)
    canceled = _cancel(batch)
    connection, stopped = get_redis(), 0
    for job_id in batch.status_ids(*statuses.STOPPABLE):
        try:
            send_stop_job_command(connection, job_id, serializer=JSONSerializer)
            stopped += 1
        except InvalidJobOperation:  # it ended between the read and now
            pass
    flash(f"Stop requested for {stopped} running job(s); canceled {canceled} not started.", "ok")
    return _back(batch_id)


def _cancel(batch: BatchView) -> int:
    connection, canceled = get_redis(), []
    for job in Job.fetch_many(batch.status_ids(*statuses.CANCELABLE), connection, serializer=JSONSerializer):
        if job is None:
            continue
        try:
            job.cancel()
            canceled.append(job.id)
        except InvalidJobOperation:  # it started or ended meanwhile
            pass
    if canceled and batches.note_ended(connection, batch.id, canceled):  # it ended the batch
        enqueue_deliveries(connection, batch_targets(connection, batch.id), current_app.config["FAILURE_TTL"])
    return len(canceled)


@bp.post("/batches/<batch_id>/retry")
def retry_failed(batch_id: str):
    batch = batch_for(batch_id)
    failed = [job for job in batch.jobs if job.status == statuses.FAILED]
    spec = get_task(batch.task)
    if not failed or spec is None:
        flash("No job of this batch has failed.", "error")
        return _back(batch_id)
    connection, ttl = get_redis(), current_app.config["FAILURE_TTL"]
    new_ids = [str(uuid.uuid4()) for _ in failed]
    for old, new_id in zip(failed, new_ids, strict=True):
        if not storage.copy_files(connection, old.id, new_id, storage.referenced_files(old.params), ttl):
            flash("Some of the failed jobs' files have expired, so they cannot be retried.", "error")
            return _back(batch_id)
    add_to_batch(spec, batch, failed, new_ids)
    flash(f"Retried {len(failed)} failed job{'' if len(failed) == 1 else 's'}.", "ok")
    return _back(batch_id)
