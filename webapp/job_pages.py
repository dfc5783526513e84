"""The job page and this browser's job history."""

import time

from flask import Blueprint, abort, current_app, render_template, request, session
from flask_wtf.csrf import generate_csrf

from jobs import queue_pause, statuses
from jobs.registry import TASKS
from webapp import history, lost_workers, webhook_view
from webapp.identity import can_manage, is_admin, owner_id
from webapp.job_access import can_read
from webapp.job_insights import insights
from webapp.job_reads import read
from webapp.job_view import expired, from_job
from webapp.page_links import JobLinks
from webapp.redis_connection import get_redis
from webapp.share_links import current_link, link_from, read_link

bp = Blueprint("job_pages", __name__)

PER_PAGE = 20


@bp.get("/jobs/<job_id>")
def show(job_id: str):
    # whoever may manage anything (an owner id, the admin) may see the job's share link: its read
    # goes with the job's; the other reads depend on the job (its status, queue, webhook)
    share = {"share": read_link(job_id)} if owner_id() is not None or is_admin() else {}
    found = read(job_id, alongside=share, after=_reads_after)
    job = found.job
    if not can_read(job):  # a stranger is told what a missing job's visitor is told
        return render_template("job_missing.html", job_id=job_id), 404
    view = from_job(job, latest=found.latest)
    view.insights = insights(job, view.status, found.place)
    view.log = found.log
    manager = can_manage(view.owner)
    return render_template(
        "job.html",
        job=view,
        links=JobLinks(job.id),
        csrf=generate_csrf() if manager else None,  # the action forms' token
        refresh=current_app.config["REFRESH_SECONDS"] if view.is_active else None,
        show_traceback=is_admin(),
        can_manage=manager,
        share_link=(link_from(found.replies["share"]) if share else current_link(job.id))
        if manager
        else None,
        viewer_is_owner=view.owner is not None and view.owner == owner_id(),
        webhook=webhook_view.for_job(job, found.replies.get("webhook")),
        pause=_pause(job, view.status, found.replies.get("pause")),
    )


def _waiting(status: str) -> bool:
    return status in (statuses.QUEUED, statuses.SCHEDULED)


def _reads_after(job) -> dict:
    """The page's reads that depend on the job: its webhook's attempts, its queue's pause."""
    reads = webhook_view.read_for_job(job)
    status = job.get_status(refresh=False)
    if status is not None and _waiting(status.value):
        reads["pause"] = ("mget", queue_pause.notice_keys(job.origin))
    return reads


def _pause(job, status: str, replies: list | None):
    """The pause that holds a waiting job back, from the page's read (or read now, when settling
    the job made it wait)."""
    if not _waiting(status):
        return None
    if replies is None:
        return queue_pause.notice_for(get_redis(), job.origin)
    return queue_pause.notice_from(job.origin, replies)


@bp.get("/jobs")
def index():
    page = request.args.get("page", 1, type=int) or 1
    task = request.args.get("task") or None
    status = request.args.get("status") or None
    if page < 1 or (task and task not in TASKS) or (status and status not in statuses.FILTERS):
        abort(404)
    owner = owner_id()
    entries, total, more = (
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
        else ([], 0, False)
    )
    views = [
        from_job(lost_workers.settle(e.job), with_result=False)
        if e.job
        else expired(e.job_id, e.task, e.submitted_at)
        for e in entries
    ]
    pages = max(1, -(-total // PER_PAGE)) if total is not None else None
    ended_since = _ended_since_last_visit(views) if owner else set()
    return render_template(
        "jobs.html",
        jobs=views,
        page=page,
        pages=pages,
        more=more,
        total=total,
        task=task,
        status=status,
        tasks=_filter_choices(owner),
        ended_since=ended_since,
        refresh=current_app.config["REFRESH_SECONDS"] * 2 if any(v.is_active for v in views) else None,
    )


def _filter_choices(owner: str | None) -> list:
    """The catalog's tasks, plus the site's own unlisted tools (the /why measurement, test probes)
    only when this owner has jobs of them: one pipelined EXISTS per unlisted task."""
    unlisted = [spec for spec in TASKS.values() if not spec.listed]
    used = set()
    if owner and unlisted:
        pipe = get_redis().pipeline(transaction=False)
        for spec in unlisted:
            pipe.exists(history.owner_key(owner, spec.name))
        used = {spec.name for spec, found in zip(unlisted, pipe.execute(), strict=True) if found}
    return [spec for spec in TASKS.values() if spec.listed or spec.name in used]


#: loads of /jobs closer together than this (its own refreshes, paging) are one visit
VISIT_GAP_SECONDS = 600


def _ended_since_last_visit(views) -> set[str]:
    """Ids of the listed jobs that ended after this browser's previous visit to its history.

    The session keeps when the current visit began ("jobs_seen_at": the previous visit's last load)
    and the last load; a load more than ``VISIT_GAP_SECONDS`` after the last one starts a new visit.
    The first visit ever marks nothing.
    """
    now = time.time()
    last_load = session.get("jobs_last_load")
    if last_load is None:
        baseline = now
    elif now - last_load > VISIT_GAP_SECONDS:
        baseline = last_load
    else:
        baseline = session.get("jobs_seen_at", last_load)
    session["jobs_seen_at"] = baseline
    session["jobs_last_load"] = now
    return {v.id for v in views if v.ended_at is not None and v.ended_at.timestamp() > baseline}
