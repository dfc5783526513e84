"""The job page and this browser's job history."""

from flask import Blueprint, abort, current_app, render_template, request

from webapp import history
from webapp.identity import is_admin, owner_id
from webapp.jobview import from_job
from webapp.queues import fetch_job, get_redis

bp = Blueprint("job_pages", __name__)

PER_PAGE = 20


@bp.get("/jobs/<job_id>")
def show(job_id: str):
    job = fetch_job(job_id)
    if job is None:
        return render_template("job_missing.html", job_id=job_id), 404
    view = from_job(job)
    return render_template(
        "job.html",
        job=view,
        refresh=current_app.config["REFRESH_SECONDS"] if view.is_active else None,
        show_traceback=is_admin(),
    )


@bp.get("/jobs")
def index():
    page = request.args.get("page", 1, type=int) or 1
    if page < 1:
        abort(404)
    owner = owner_id()
    jobs, total = history.page(get_redis(), owner, page, PER_PAGE) if owner else ([], 0)
    views = [from_job(job, with_result=False) for job in jobs]
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "jobs.html",
        jobs=views,
        page=page,
        pages=pages,
        total=total,
        refresh=current_app.config["REFRESH_SECONDS"] * 2 if any(v.is_active for v in views) else None,
    )
