"""The task catalog, each task's form, and submitting it."""

import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request

from jobs import storage
from jobs.registry import TASKS, get_task
from webapp.identity import owner_id
from webapp.job_access import can_act
from webapp.job_reads import fetch_job
from webapp.page_links import job_url
from webapp.redis_connection import get_redis
from webapp.redis_required import check_redis
from webapp.submission import enqueue_task
from webapp.task_forms import form_class
from webapp.upload_stream import store_upload

bp = Blueprint("tasks", __name__)
bp.before_request(check_redis)


@bp.get("/")
def index():
    return render_template("index.html", tasks=[t for t in TASKS.values() if t.listed])


def _spec_and_form(name: str):
    spec = get_task(name)
    if spec is None or not spec.listed:
        abort(404)
    return spec, form_class(name)


@bp.get("/tasks/<name>")
def show_form(name: str):
    """The task's form; ``?from=<job id>`` pre-fills it from that job (edit and resubmit)."""
    spec, form_cls = _spec_and_form(name)
    source = request.args.get("from")
    job = fetch_job(source) if source else None
    if can_act(job) and job.meta.get("task") == name:  # never another owner's parameters
        params = {k: v for k, v in (job.meta.get("params") or {}).items() if not storage.referenced_files(v)}
        return render_template("task_form.html", spec=spec, form=form_cls(data=params), edited_from=job.id)
    return render_template("task_form.html", spec=spec, form=form_cls())


@bp.post("/tasks/<name>")
def submit(name: str):
    spec, form_cls = _spec_and_form(name)
    form = form_cls()
    if not form.validate():
        return render_template("task_form.html", spec=spec, form=form), 400
    job_id = str(uuid.uuid4())

    def store_file(field_name: str, upload) -> dict:
        return store_upload(get_redis(), job_id, field_name, upload, current_app.config["FAILURE_TTL"])

    params = form.to_params(store_file)
    enqueue_task(
        spec,
        params,
        owner_id(create=True),
        job_id=job_id,
        priority=form.priority.data or None,
        at=form.start_time(),
    )
    return redirect(job_url("job_pages.show", job_id), code=303)
