"""JSON API: submit a job, read a job. Accepts only application/json (so no cross-site form can post)."""

from flask import Blueprint, jsonify, request, url_for

from jobs.errors import TaskInputError
from jobs.registry import TASKS, get_task
from jobs.runner import load_task_module
from webapp.identity import owner_id
from webapp.jobview import from_job
from webapp.queues import enqueue_task, fetch_job

bp = Blueprint("api", __name__, url_prefix="/api")


def api_error(status: int, message: str, **extra):
    return jsonify({"error": message, "status": status, **extra}), status


@bp.post("/jobs")
def create_job():
    if not request.is_json:
        return api_error(400, "Send the job as JSON with Content-Type: application/json.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(
            400, 'The body must be a JSON object like {"task": "countdown", "params": {"seconds": 3}}.'
        )
    task = body.get("task")
    spec = get_task(task) if isinstance(task, str) else None
    if spec is None:
        return api_error(400, f"Unknown task; choose one of: {', '.join(TASKS)}.")
    params = body.get("params", {})
    if not isinstance(params, dict):
        return api_error(400, "params must be a JSON object.")
    try:
        clean = load_task_module(spec.name).validate(params)
    except TaskInputError as exc:
        return api_error(400, str(exc))
    job = enqueue_task(spec, clean, owner_id(create=True))
    view = from_job(job, with_result=False)
    location = url_for("api.get_job", job_id=job.id)
    return jsonify(view.to_json()), 202, {"Location": location}


@bp.get("/jobs/<job_id>")
def get_job(job_id: str):
    job = fetch_job(job_id)
    if job is None:
        return api_error(404, "This job does not exist or its result has expired.")
    return jsonify(from_job(job).to_json())
