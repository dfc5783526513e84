"""The job page and this browser's job history."""

from flask import Blueprint, abort, current_app, render_template, request

from jobs.joblog import read_log
from jobs.registry import TASKS
from webapp import history
from webapp.identity import can_manage, is_admin, owner_id
from webapp.job_insights import insights
from webapp.jobview import ACTIVE, expired, from_job
from webapp.queues import fetch_job, get_redis

bp = Blueprint("job_pages", __name__)

PER_PAGE = 20
STATUSES = (
    "queued",
    "scheduled",
    "deferred",
    "started",
    "finished",
    "failed",
    "stopped",
    "canceled",
    "expired",
)


@bp.get("/jobs/<job_id>")
def show(job_id: str):
    job = fetch_job(job_id)
    if job is None:
        return render_template("job_missing.html", job_id=job_id), 404
    view = from_job(job)
    view.insights = insights(job, view.status)
    view.log = read_log(get_redis(), job_id)
    return render_template(
        "job.html",
        job=view,
        refresh=current_app.config["REFRESH_SECONDS"] if view.is_active else None,
        show_traceback=is_admin(),
        can_manage=can_manage(view.owner),
        viewer_is_owner=view.owner is not None and view.owner == owner_id(),
    )


@bp.get("/jobs")
def index():
    page = request.args.get("page", 1, type=int) or 1
    task = request.args.get("task") or None
    status = request.args.get("status") or None
    if page < 1 or (task and task not in TASKS) or (status and status not in STATUSES):
        abort(404)
    owner = owner_id()
    entries, total = (
        history.page(
            get_redis(),
            owner,
            page,
            PER_PAGE,
            task=task,
            status=status,
            max_age=current_app.config["FAILURE_TTL"],
        )
        if owner
        else ([], 0)
    )
    views = [
        from_job(e.job, with_result=False) if e.job else expired(e.job_id, e.task, e.submitted_at)
        for e in entries
    ]
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "jobs.html",
        jobs=views,
        page=page,
        pages=pages,
        total=total,
        task=task,
        status=status,
        tasks=TASKS.values(),
        statuses=STATUSES,
        refresh=current_app.config["REFRESH_SECONDS"] * 2 if any(v.status in ACTIVE for v in views) else None,
    )
