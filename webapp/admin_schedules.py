"""``/admin/schedules``: the recurring jobs, for operators (admin sign-in, HTTP basic).

Each schedule with its cron in words, its next run, its pause, what happened to missed runs and its
last 20 runs (links, status, duration). Actions (Run now, Pause, Pause until ..., Resume) are POSTs
with a CSRF token, written to the audit log; what they do and say is ``webapp/schedule_actions.py``'s,
which the JSON API (``webapp/schedules_api.py``) shares.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from rq.cron import CronScheduler

from webapp import schedule_actions
from webapp.admin.blueprint import operator_context, require_operator, who
from webapp.redis_connection import get_redis
from webapp.schedule_actions import ScheduleRefused

bp = Blueprint("admin_schedules", __name__, url_prefix="/admin/schedules")

# The console's gate: an operator's sign-in; the read-only viewer sees the page, any action is 403.
bp.before_request(require_operator)
bp.context_processor(operator_context)  # the console's navigation and "read-only" note


@bp.get("")
def index():
    connection = get_redis()
    return render_template(
        "admin_schedules.html",
        rows=[
            schedule_actions.describe(s, connection) for s in schedule_actions.schedules_by_name().values()
        ],
        schedulers=[scheduler.name for scheduler in CronScheduler.all(connection)],
    )


def _answer(action):
    """Runs ``action()``; its sentence flashed on the way back to the page, or a refusal shown."""
    try:
        flash(action(), "ok")
    except ScheduleRefused as refused:
        if refused.status == 404:
            abort(404)
        flash(refused.message, "error")
        if refused.status == 400:
            return index(), 400
    return redirect(url_for("admin_schedules.index"), code=303)


@bp.post("/<name>/run")
def run_now(name: str):
    return _answer(lambda: schedule_actions.run_now(name, who())[1])


@bp.post("/<name>/pause")
def pause(name: str):
    return _answer(
        lambda: schedule_actions.pause(name, request.form.get("reason"), request.form.get("until"), who())
    )


@bp.post("/<name>/resume")
def resume(name: str):
    return _answer(lambda: schedule_actions.resume(name, who()))
