"""``/admin/schedules``: the recurring jobs, for operators (admin sign-in, HTTP basic).

Each schedule with its cron in words, its next run, its pause, what happened to missed runs and its
last 20 runs (links, status, duration). Actions (Run now, Pause, Pause until ..., Resume) are POSTs
with a CSRF token, written to the audit log.
"""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from rq.cron import CronScheduler, get_cron_job_ids
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import scheduling
from webapp import audit, schedule_runs
from webapp.admin.blueprint import operator_context, require_operator
from webapp.job_view import from_job
from webapp.redis_connection import get_redis

bp = Blueprint("admin_schedules", __name__, url_prefix="/admin/schedules")

RUNS_SHOWN = 20
MAX_REASON = 200
MAX_PAUSE = timedelta(days=365)


# The console's gate: an operator's sign-in; the read-only viewer sees the page, any action is 403.
bp.before_request(require_operator)
bp.context_processor(operator_context)  # the console's navigation and "read-only" note


def who() -> str:
    return (request.authorization.username if request.authorization else "") or "admin"


def schedules_by_name() -> dict[str, scheduling.Schedule]:
    return {schedule.name: schedule for schedule in scheduling.load()}


def describe(schedule: scheduling.Schedule, connection) -> dict:
    pause = scheduling.paused(connection, schedule.name)
    next_after = pause.until_time if pause and pause.until else None
    run_ids = get_cron_job_ids(schedule.name, connection, 0, RUNS_SHOWN - 1)
    jobs = Job.fetch_many(run_ids, connection, serializer=JSONSerializer) if run_ids else []
    runs = [
        {"id": job_id, "view": from_job(job, with_result=False) if job else None}
        for job_id, job in zip(run_ids, jobs, strict=True)
    ]
    return {
        "schedule": schedule,
        "pause": pause,
        "next_run": None if pause and not pause.until else schedule.next_run(next_after),
        "runs": runs,
        "events": scheduling.events(connection, schedule.name, 5),
    }


@bp.get("")
def index():
    connection = get_redis()
    return render_template(
        "admin_schedules.html",
        rows=[describe(s, connection) for s in schedules_by_name().values()],
        schedulers=[scheduler.name for scheduler in CronScheduler.all(connection)],
    )


def _schedule(name: str) -> scheduling.Schedule:
    schedule = schedules_by_name().get(name)
    if schedule is None:
        abort(404)
    return schedule


def _refuse(message: str):
    flash(message, "error")
    return index(), 400


def _back():
    return redirect(url_for("admin_schedules.index"), code=303)


@bp.post("/<name>/run")
def run_now(name: str):
    schedule = _schedule(name)
    job = schedule_runs.run(schedule, trigger=f"run now by {who()}")
    audit.record(who(), "schedule.run_now", f"{name}: job {job.id}")
    flash(f"{name}: run started as job {job.id}.", "ok")
    return _back()


@bp.post("/<name>/pause")
def pause(name: str):
    _schedule(name)
    reason = (request.form.get("reason") or "").strip()[:MAX_REASON]
    if not reason:
        return _refuse(f"{name}: give a reason for the pause (shown on this page).")
    until = None
    if request.form.get("until"):
        try:
            until = datetime.fromisoformat(request.form["until"]).replace(tzinfo=UTC)
        except ValueError:
            until = None
        now = datetime.now(UTC)
        if until is None or not now < until <= now + MAX_PAUSE:
            return _refuse(f"{name}: 'pause until' must be a time (UTC) in the next 365 days.")
    scheduling.pause(get_redis(), name, reason, who(), until)
    detail = f"{name}: {reason}" + (f" (until {until.isoformat()})" if until else "")
    audit.record(who(), "schedule.pause", detail)
    flash(f"{name}: paused" + (f" until {until:%Y-%m-%d %H:%M} UTC" if until else "") + ".", "ok")
    return _back()


@bp.post("/<name>/resume")
def resume(name: str):
    _schedule(name)
    if scheduling.resume(get_redis(), name):
        audit.record(who(), "schedule.resume", name)
        flash(f"{name}: resumed.", "ok")
    else:
        flash(f"{name} was not paused.", "error")
    return _back()
