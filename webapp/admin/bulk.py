"""/admin/bulk: choose failed, stopped or canceled jobs by task, queue, error class and time; see how
many match; confirm once; an RQ job (jobs/bulk.py) then retries or deletes them, with a progress
page. Audit-logged with the filter and the count."""

import re
from dataclasses import asdict
from datetime import UTC, datetime

from flask import abort, current_app, redirect, render_template, request, url_for
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import bulk, statuses
from jobs.queue_names import QUEUE_NAMES
from jobs.registry import TASKS
from webapp import audit
from webapp.admin.blueprint import bp, who
from webapp.redis_connection import get_queue, get_redis

#: the queue the bulk jobs run on, ahead of users' work
BULK_QUEUE = "high"
BULK_TIMEOUT = 3600
ERROR_CLASS = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


class FilterError(ValueError):
    pass


def _time(text: str, name: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise FilterError(f"{name} must look like 2026-12-01T14:00 (UTC).") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def parse_filter(values) -> bulk.Filter:
    status = values.get("status", statuses.FAILED)
    task = values.get("task", "")
    queue = values.get("queue", "")
    error = values.get("error_class", "").strip()
    if status not in bulk.SELECTABLE:
        raise FilterError("Choose failed, stopped or canceled jobs.")
    if task and task not in TASKS:
        raise FilterError("Choose one of the tasks, or any task.")
    if queue and queue not in QUEUE_NAMES:
        raise FilterError("Choose one of the queues, or any queue.")
    if error and not ERROR_CLASS.fullmatch(error):
        raise FilterError("An error class is a Python class name, such as ValueError.")
    since, until = _time(values.get("since", ""), "From"), _time(values.get("until", ""), "To")
    if since is not None and until is not None and since >= until:
        raise FilterError("'From' must come before 'To'.")
    return bulk.Filter(status, task, queue, error, since, until)


def _form_page(values, error=None, matched=None, errors=None, status=200):
    return render_template(
        "admin/bulk.html",
        values=values,
        error=error,
        matched=matched,
        errors=errors,
        error_sample=bulk.ERROR_SAMPLE,
        statuses=list(bulk.SELECTABLE),
        tasks=list(TASKS),
        queue_names=QUEUE_NAMES,
        actions=bulk.ACTIONS,
    ), status


@bp.get("/bulk")
def bulk_page():
    values = request.args
    if "status" not in values:
        return _form_page(values)
    try:
        flt = parse_filter(values)
    except FilterError as exc:
        return _form_page(values, str(exc), status=400)
    connection = get_redis()
    found = bulk.matching(connection, flt, QUEUE_NAMES)
    errors = bulk.error_classes(connection, [job_id for job_id, _ in found])
    return _form_page(values, matched=len(found), errors=errors.most_common())


@bp.post("/bulk")
def bulk_start():
    form = request.form
    action = form.get("action", "")
    try:
        flt = parse_filter(form)
        if action not in bulk.ACTIONS:
            raise FilterError("Choose retry or delete.")
        confirmed = int(form.get("matched", ""))
    except (FilterError, ValueError) as exc:
        message = str(exc) if isinstance(exc, FilterError) else "Confirm the count shown first."
        return _form_page(form, message, status=400)
    config = current_app.config
    job = get_queue(BULK_QUEUE).enqueue_call(
        "jobs.bulk.run",
        args=(action, asdict(flt), list(QUEUE_NAMES)),
        timeout=BULK_TIMEOUT,
        result_ttl=config["RESULT_TTL"],
        failure_ttl=config["FAILURE_TTL"],
        description=f"bulk {action}: {flt.describe()}",
        meta={"task": "bulk_" + action, "operator": who()},
    )
    audit.record(who(), f"bulk {action}", f"{flt.describe()} (job {job.id})", confirmed)
    return redirect(url_for("admin.bulk_progress", job_id=job.id), 303)


@bp.get("/bulk/<job_id>")
def bulk_progress(job_id: str):
    try:
        job = Job.fetch(job_id, connection=get_redis(), serializer=JSONSerializer)
    except Exception:  # NoSuchJobError, an invalid id, a job that is not JSON
        abort(404)
    if job.func_name != "jobs.bulk.run":
        abort(404)
    status = job.get_status().value
    info = (job.meta or {}).get("progress") or {}
    done, total = info.get("done", 0), info.get("total")
    active = status in statuses.ACTIVE
    return render_template(
        "admin/bulk_progress.html",
        job=job,
        status=status,
        done=done,
        total=total,
        percent=bulk.percent(done, total) if total is not None else None,
        message=info.get("message", ""),
        result=job.return_value() if status == statuses.FINISHED else None,
        reload_seconds=2 if active else None,
        active=active,
    )
