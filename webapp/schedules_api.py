"""The schedules as JSON, for operators: ``GET /api/schedules``, ``GET /api/schedules/<name>``, and
``POST /api/schedules/<name>/run``, ``/pause`` (``{"reason", "until"?}``) and ``/resume``.

The console's sign-in and roles (``webapp/admin/blueprint.py``): HTTP basic as the admin or the
read-only operator; the read-only operator reads, and every action refuses it with 403. An action's
body must be JSON (``Content-Type: application/json``; ``{}`` or nothing for run and resume), so no
cross-site HTML form can post one with an operator's remembered sign-in. What each action does,
says and writes to the audit log is ``webapp/schedule_actions.py``'s, as on the console's page.
"""

import json

from flask import Blueprint, abort, jsonify, request, url_for

from webapp import schedule_actions
from webapp.admin.blueprint import CHALLENGE, SAFE_METHODS, operator_refusal, who
from webapp.errors import json_error
from webapp.redis_connection import get_redis
from webapp.schedule_actions import ScheduleRefused, ScheduleState

bp = Blueprint("schedules_api", __name__, url_prefix="/api/schedules")

#: what a run shows of its job, as ``GET /api/jobs/<id>`` words it ("expired" once the job has gone)
RUN_FIELDS = ("status", "enqueued_at", "started_at", "ended_at", "elapsed_seconds")
JSON_ONLY = (
    'Send the action as JSON with Content-Type: application/json, for example {"reason": "disk full"}.'
)


@bp.before_request
def operators_only():
    refusal = operator_refusal()
    if refusal is not None:
        status, message = refusal
        if message is None:
            abort(status)
        return json_error(status, message, {"WWW-Authenticate": CHALLENGE} if status == 401 else None)
    if request.method not in SAFE_METHODS and not request.is_json:
        return json_error(400, JSON_ONLY)
    return None


def _time(moment) -> str | None:
    return moment.isoformat() if moment else None


def as_json(state: ScheduleState) -> dict:
    schedule, pause = state.schedule, state.pause
    runs = []
    for run in state.runs:
        view = run["view"]
        shown = view.to_json() if view else {"status": "expired"}
        runs.append(
            {
                "id": run["id"],
                **{key: shown.get(key) for key in RUN_FIELDS},
                "trigger": view.meta.get("trigger") if view else None,
                "url": url_for("api.get_job", job_id=run["id"]),
                "page_url": url_for("job_pages.show", job_id=run["id"]),
            }
        )
    return {
        "name": schedule.name,
        "task": schedule.task,
        "params": schedule.params,
        "cron": schedule.cron,
        "cron_in_words": schedule.in_words,
        "missed": schedule.missed,
        "next_run": _time(state.next_run),
        "paused": pause is not None,
        "pause": {
            "reason": pause.reason,
            "by": pause.who,
            "until": _time(pause.until_time),
        }
        if pause
        else None,
        "runs": runs,
        "events": state.events,
        "url": url_for("schedules_api.get_schedule", name=schedule.name),
    }


@bp.get("")
def list_schedules():
    connection = get_redis()
    states = [schedule_actions.describe(s, connection) for s in schedule_actions.schedules_by_name().values()]
    return jsonify({"schedules": [as_json(state) for state in states]})


def _refused(refused: ScheduleRefused):
    return json_error(refused.status, refused.message)


@bp.get("/<name>")
def get_schedule(name: str):
    try:
        return jsonify(as_json(schedule_actions.describe(schedule_actions.find(name), get_redis())))
    except ScheduleRefused as refused:
        return _refused(refused)


def _body() -> dict:
    """The action's JSON object (an empty body counts as ``{}``)."""
    raw = request.get_data()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError):
        raise ScheduleRefused(400, f"The body is not valid JSON. {JSON_ONLY}") from None
    if not isinstance(body, dict):
        raise ScheduleRefused(400, f"The body must be a JSON object. {JSON_ONLY}")
    return body


def _acted(name: str, message: str, status: int = 200, **more):
    state = schedule_actions.describe(schedule_actions.find(name), get_redis())
    return jsonify({"message": message, **more, "schedule": as_json(state)}), status


@bp.post("/<name>/run")
def run_now(name: str):
    try:
        _body()
        job, message = schedule_actions.run_now(name, who())
        location = url_for("api.get_job", job_id=job.id)
        answer, status = _acted(name, message, 202, job={"id": job.id, "url": location})
        return answer, status, {"Location": location}
    except ScheduleRefused as refused:
        return _refused(refused)


@bp.post("/<name>/pause")
def pause(name: str):
    try:
        body = _body()
        return _acted(name, schedule_actions.pause(name, body.get("reason"), body.get("until"), who()))
    except ScheduleRefused as refused:
        return _refused(refused)


@bp.post("/<name>/resume")
def resume(name: str):
    try:
        _body()
        return _acted(name, schedule_actions.resume(name, who()))
    except ScheduleRefused as refused:
        return _refused(refused)
