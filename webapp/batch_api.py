"""JSON API for batches: ``POST /api/batches`` and ``GET /api/batches/<id>``.

The same rules as ``webapp/api.py`` (JSON bodies, the API token, owner-only reads: a stranger gets
404). A batch is at most ``jobs.batches.MAX_ITEMS`` items; each item is validated as a job's params
before anything is enqueued, so a bad item enqueues nothing.
"""

from flask import Blueprint, jsonify, url_for

from jobs import batches, webhooks
from jobs.errors import TaskInputError
from jobs.runner import load_task_module
from webapp.api import _options, read_task_body, refuse_a_wrong_token
from webapp.batch_submission import enqueue_batch
from webapp.batches import visible_batch
from webapp.errors import json_error
from webapp.identity import owner_id

bp = Blueprint("batch_api", __name__, url_prefix="/api")
bp.before_request(refuse_a_wrong_token)

EXAMPLE = '{"task": "countdown", "items": [{"seconds": 3}, {"seconds": 5}]}'


@bp.post("/batches")
def create_batch():
    body, spec, error = read_task_body(EXAMPLE)
    if error:
        return error
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= batches.MAX_ITEMS:
        return json_error(
            400, f"items must be a list of 1 to {batches.MAX_ITEMS} parameter objects, like {EXAMPLE}."
        )
    module = load_task_module(spec.name)
    clean = []
    try:
        for index, params in enumerate(items):
            if not isinstance(params, dict):
                raise TaskInputError(f"items[{index}] must be a JSON object of the task's parameters.")
            try:
                clean.append(module.validate(params))
            except TaskInputError as exc:
                raise TaskInputError(f"items[{index}]: {exc}") from exc
        priority, at = _options(body)
        if at is not None:
            raise TaskInputError("A batch starts at once: start_in and start_at are for single jobs.")
        hook = webhooks.parse(body["webhook"]) if "webhook" in body else None
    except TaskInputError as exc:
        return json_error(400, str(exc))
    batch_id, job_ids = enqueue_batch(spec, clean, owner_id(create=True), priority=priority, webhook=hook)
    location = url_for("batch_api.get_batch", batch_id=batch_id)
    answer = {"id": batch_id, "task": spec.name, "size": len(job_ids), "jobs": job_ids}
    answer["page_url"] = url_for("batches.show", batch_id=batch_id)
    return jsonify(answer), 202, {"Location": location}


@bp.get("/batches/<batch_id>")
def get_batch(batch_id: str):
    batch = visible_batch(batch_id)
    if batch is None:
        return json_error(404, "This batch does not exist or has expired.")
    answer = batch.to_json()
    answer["page_url"] = url_for("batches.show", batch_id=batch_id)
    return jsonify(answer)
